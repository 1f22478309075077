package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
)

// Limit is the rate-limit count of a Commit.
type Limit struct {
	Profile *Profile
	Bucket  string
	Limit   int
	Window  time.Duration
}

// Commit is one request's decision and journal entry (commitScript): Limit
// counts it (nil: not counted); Memory judges Recs under Policy and, when Seq,
// gives App its next sequence number (nil: nothing judged); Expect are the
// verdicts Entry was built on.
type Commit struct {
	Limit  *Limit
	Now    time.Time
	Memory *Profile
	Recs   []Record
	Policy mockserver.Policy
	App    string
	Seq    bool
	Expect []mockserver.Verdict
	Entry  inspect.Entry
	Body   []byte
	Size   int
	Tally  mockserver.Tally
	Rules  []string
}

// Committed is what a Commit did: Limited (nothing written) with After until
// a slot frees; Verdicts when they differ from Expect (nothing written); else
// the app's sequence number and the entry's Seq.
type Committed struct {
	Limited  bool
	After    time.Duration
	Verdicts []mockserver.Verdict
	AppSeq   uint64
	Seq      uint64
}

// Commit runs c as one script: all of it is written, or none.
func (j *Journal) Commit(ctx context.Context, c Commit) (Committed, error) {
	keys := make([]string, 0, 16)
	args := make([]any, 0, 24+5*len(c.Recs))
	if l := c.Limit; l != nil {
		keys = append(keys, l.Profile.s.key(l.Profile.name, "rl:"+l.Bucket))
		expire := (2*l.Window + 10*time.Minute).Milliseconds()
		args = append(args, l.Limit, l.Window.Microseconds(), micros(c.Now), expire)
	} else {
		keys = append(keys, j.s.key("", "none")) // never touched
		args = append(args, 0, 0, 0, 0)
	}
	p := c.Memory
	if p == nil {
		p = j.s.Profile(c.Entry.Profile, 1)
	}
	keys = append(keys, p.keys...)
	keys = append(keys, j.keys(c.Entry.Profile)...)
	kind := kindArg(c.Policy.Kind)
	drop, seq := "0", "0"
	if c.Policy.DropDups {
		drop = "1"
	}
	if c.Seq && c.Memory != nil {
		seq = "1"
	}
	args = append(args, p.cap, kind, drop, c.Policy.Window.Microseconds(), micros(c.Policy.Now), c.App, seq, len(c.Recs))
	args, err := j.entryArgs(args, c.Entry, c.Body, c.Size, c.Tally, nil)
	if err != nil {
		return Committed{}, err
	}
	counts := args[20:] // entryArgs appended the counters after its eight
	args = append(args[:20:20], make([]any, 0, 5*len(c.Recs)+len(counts)+2*len(c.Rules))...)
	for i, r := range c.Recs {
		want := int64(0)
		if i < len(c.Expect) {
			want = bits(c.Expect[i])
		}
		args = append(args, keyOf(r.ID), strconv.FormatUint(r.Hash, 16), keyOf(r.DedupeKey), keyOf(r.FallbackKey), want)
	}
	args = append(args, counts...)
	for _, r := range c.Rules {
		args = append(args, "v:"+r, 1)
	}
	res, err := j.s.b.eval(ctx, commitScript, keys, args...).Slice()
	if err != nil {
		return Committed{}, fmt.Errorf("commit: %w", err)
	}
	return j.committed(res, len(c.Recs))
}

func (j *Journal) committed(res []any, n int) (Committed, error) {
	if len(res) == 0 {
		return Committed{}, fmt.Errorf("commit: no answer")
	}
	kind, _ := res[0].(int64)
	switch {
	case kind == 0 && len(res) == 2:
		us, _ := res[1].(int64)
		return Committed{Limited: true, After: time.Duration(us) * time.Microsecond}, nil
	case kind == 2 && len(res) == n+1:
		vs := make([]mockserver.Verdict, n)
		for i := range vs {
			f, _ := res[i+1].(int64)
			vs[i] = verdictOf(f)
		}
		return Committed{Verdicts: vs}, nil
	case kind == 1 && len(res) == 4:
		app, _ := res[1].(int64)
		seq, ep, err := seqEpoch(res[2:])
		if err != nil {
			return Committed{}, fmt.Errorf("commit: %w", err)
		}
		j.saw(seq, ep)
		return Committed{AppSeq: uint64(app), Seq: seq}, nil
	}
	return Committed{}, fmt.Errorf("commit: answer %v", res)
}

// bits is a verdict as the scripts write it.
func bits(v mockserver.Verdict) int64 {
	var f int64
	for i, b := range []bool{v.Recorded, v.Duplicate, v.Replay, v.Conflict, v.Probable} {
		if b {
			f |= 1 << i
		}
	}
	return f
}

// kindArg is a dedupe kind as the scripts read it.
func kindArg(k profile.DedupeKind) string {
	switch k {
	case profile.Idempotent:
		return "i"
	case profile.MarkDuplicates:
		return "d"
	}
	return ""
}

func verdictOf(f int64) mockserver.Verdict {
	return mockserver.Verdict{Recorded: f&1 != 0, Duplicate: f&2 != 0, Replay: f&4 != 0, Conflict: f&8 != 0, Probable: f&16 != 0}
}
