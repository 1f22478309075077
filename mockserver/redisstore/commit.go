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

// Commit runs c as one step of a batch script (commitScript): all of it is
// written, or none.
func (j *Journal) Commit(ctx context.Context, c Commit) (Committed, error) {
	p := c.Memory
	if p == nil {
		p = j.s.Profile(c.Entry.Profile, 1)
	}
	it := &item{mem: p.keys, stats: j.statsKey(c.Entry.Profile)}
	if l := c.Limit; l != nil {
		it.bucket = l.Profile.s.key(l.Profile.name, "rl:"+l.Bucket)
		expire := (2*l.Window + 10*time.Minute).Milliseconds()
		it.head = [4]any{l.Limit, l.Window.Microseconds(), micros(c.Now), expire}
	} else {
		it.head = [4]any{0, 0, 0, 0}
	}
	kind := kindArg(c.Policy.Kind)
	drop, seq := "0", "0"
	if c.Policy.DropDups {
		drop = "1"
	}
	if c.Seq && c.Memory != nil {
		seq = "1"
	}
	it.mid = [8]any{p.cap, kind, drop, c.Policy.Window.Microseconds(), micros(c.Policy.Now), c.App, seq, len(c.Recs)}
	data, err := j.entryData(c.Entry, c.Body)
	if err != nil {
		return Committed{}, err
	}
	it.tail = make([]any, 0, 3+5*len(c.Recs)+16+2*len(c.Rules))
	it.tail = append(it.tail, c.Entry.Profile, data, c.Size)
	for i, r := range c.Recs {
		want := int64(0)
		if i < len(c.Expect) {
			want = bits(c.Expect[i])
		}
		it.tail = append(it.tail, keyOf(r.ID), strconv.FormatUint(r.Hash, 16), keyOf(r.DedupeKey), keyOf(r.FallbackKey), want)
	}
	it.tail = appendCounts(it.tail, c.Entry, c.Tally, c.Rules)
	res, ep, err := j.s.b.commit(ctx, j, it)
	if err != nil {
		return Committed{}, fmt.Errorf("commit: %w", err)
	}
	j.saw(0, ep)
	return j.committed(res, len(c.Recs))
}

// item is one Commit as the batch script reads it: the keys it names by
// index, and its arguments around them.
type item struct {
	bucket string   // "" not counted
	mem    []string // judgeScript's eight
	stats  string
	head   [4]any // limit, window µs, now µs, expiry ms
	mid    [8]any // cap, kind, drop dups, window µs, now µs, app, take seq, n
	tail   []any  // profile, entry, size, events, counters
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
	case kind == 1 && len(res) == 3:
		app, _ := res[1].(int64)
		seq, ok := res[2].(int64)
		if !ok || seq < 0 {
			return Committed{}, fmt.Errorf("commit: answer %v", res)
		}
		j.saw(uint64(seq), "")
		return Committed{AppSeq: uint64(app), Seq: uint64(seq)}, nil
	case kind == -1 && len(res) == 2:
		return Committed{}, fmt.Errorf("commit: %v", res[1])
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
