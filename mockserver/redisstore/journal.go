package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
)

// Journal is the shared journal: a stream capped at its capacity whose entry
// ids are the Seqs, plus exact counters per profile in hashes.
// Evicted is what was added minus what the stream holds.
type Journal struct {
	s        *Store
	cap      int
	maxBytes int
	profiles []string
	bytes    string // the kept entries' sizes, summed
	seq      string // last Seq given; never reset
	stream   string
	added    string // entries added since the last reset, less those a profile reset removed
	since    string
	epoch    string // the state's epoch (see luaEpoch)
	sizes    string // the stream's entries' sizes, in order (see luaRing)

	floor atomic.Uint64 // the highest seq this replica saw: the seq never goes below it
	base  string        // this replica's epoch candidates start so
	gen   atomic.Uint64 // and end with this, moved on once a candidate became the epoch
}

// Counter fields of a profile's stats hash; by status, endpoint and rule
// are prefixed "s:", "e:" and "v:".
const (
	fRequests    = "requests"
	fAccepted    = "accepted"
	fReplays     = "replays"
	fDropped     = "dropped"
	fRejected    = "rejected"
	fFaulted     = "faulted"
	fRateLimited = "rate_limited"
	fEvents      = "events"
	fDuplicates  = "duplicates"
	fProbable    = "probable_duplicates"
	fConflicts   = "conflicts"
)

var outcomeField = map[string]string{inspect.Accepted: fAccepted, inspect.Replay: fReplays,
	inspect.Dropped: fDropped, inspect.Rejected: fRejected, inspect.Faulted: fFaulted}

// Journal returns the journal of the given profiles, keeping at most
// capacity entries of at most maxBytes together. The first replica to start
// sets the counters' Since to now.
func (s *Store) Journal(ctx context.Context, capacity, maxBytes int, profiles []string, now time.Time) (*Journal, error) {
	j := &Journal{s: s, cap: max(capacity, 1), maxBytes: max(maxBytes, 1), profiles: profiles}
	j.seq, j.stream, j.added, j.since, j.bytes = s.jkey("seq"), s.jkey("stream"), s.jkey("added"), s.jkey("since"), s.jkey("bytes")
	j.epoch, j.base, j.sizes = s.jkey("epoch"), randomHex(8), s.jkey("sizes")
	if _, err := j.epochSince(ctx, now); err != nil {
		return nil, err
	}
	return j, nil
}

func (s *Store) jkey(name string) string { return s.prefix + "{s2s}:journal:" + name }

// candidate is the epoch this replica starts when it finds the state lost.
func (j *Journal) candidate() string {
	return j.base + "-" + strconv.FormatUint(j.gen.Load(), 10)
}

// saw notes what a script answered: the seq floor and the epoch; a candidate
// that became the epoch is not offered again.
func (j *Journal) saw(seq uint64, epoch string) {
	for {
		f := j.floor.Load()
		if seq <= f || j.floor.CompareAndSwap(f, seq) {
			break
		}
	}
	if epoch == "" {
		return
	}
	if epoch == j.candidate() {
		j.gen.Add(1)
	}
}

// Epoch checks the state's epoch (starting a new one when the state was lost)
// and returns it.
func (j *Journal) Epoch(ctx context.Context) (string, error) { return j.epochSince(ctx, time.Now()) }

// epochSince is Epoch, with since the Since of a new epoch.
func (j *Journal) epochSince(ctx context.Context, now time.Time) (string, error) {
	since := now.UTC().Format(time.RFC3339Nano)
	ep, err := j.s.b.eval(ctx, epochScript, []string{j.epoch, j.since, j.seq}, j.candidate(), since, j.floor.Load()).Text()
	if err != nil {
		return "", fmt.Errorf("journal epoch: %w", err)
	}
	j.saw(0, ep)
	return ep, nil
}

func (j *Journal) keys(profile string) []string {
	return []string{j.seq, j.stream, j.added, j.statsKey(profile), j.bytes, j.epoch, j.since, j.sizes}
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

func (j *Journal) statsKey(profile string) string { return j.s.jkey("stats:" + profile) }

// Add journals e (its Seq is given by the store and returned) with body and
// counts it; size is what the entry counts against the byte bound. An entry
// of no profile counts as unrouted.
func (j *Journal) Add(ctx context.Context, e inspect.Entry, body []byte, size int, c mockserver.Tally, rules []string) (uint64, error) {
	args, err := j.entryArgs(make([]any, 0, 24), e, body, size, c, rules)
	if err != nil {
		return 0, err
	}
	res, err := j.s.b.eval(ctx, addScript, j.keys(e.Profile), args...).Slice()
	if err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	seq, ep, err := seqEpoch(res)
	if err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	j.saw(seq, ep)
	return seq, nil
}

// entryArgs appends luaJournal's arguments: cap, max bytes, profile, entry,
// size, epoch candidate, since, floor, then the counters' deltas.
func (j *Journal) entryArgs(args []any, e inspect.Entry, body []byte, size int, c mockserver.Tally, rules []string) ([]any, error) {
	data, err := j.entryData(e, body)
	if err != nil {
		return nil, err
	}
	args = append(args, j.cap, j.maxBytes, e.Profile, data, size, j.candidate(), time.Now().UTC().Format(time.RFC3339Nano),
		j.floor.Load())
	return appendCounts(args, e, c, rules), nil
}

// entryData is e with body as the stream keeps it.
func (j *Journal) entryData(e inspect.Entry, body []byte) ([]byte, error) {
	e.Seq = 0
	e.Body = string(body)
	data, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return data, nil
}

// appendCounts appends the field, delta pairs one entry adds to the counters.
func appendCounts(args []any, e inspect.Entry, c mockserver.Tally, rules []string) []any {
	args = append(args, fRequests, 1, "s:"+strconv.Itoa(e.Status), 1, "e:"+e.Endpoint, 1)
	if f, ok := outcomeField[e.Outcome]; ok {
		args = append(args, f, 1)
	}
	if c.RateLimited {
		args = append(args, fRateLimited, 1)
	}
	for _, d := range []struct {
		f string
		n uint64
	}{{fEvents, c.Events}, {fDuplicates, c.Duplicates}, {fProbable, c.Probable}, {fConflicts, c.Conflicts}} {
		if d.n > 0 {
			args = append(args, d.f, d.n)
		}
	}
	for _, r := range rules {
		args = append(args, "v:"+r, 1)
	}
	return args
}

// seqEpoch reads a script's {seq, epoch}.
func seqEpoch(res []any) (uint64, string, error) {
	if len(res) != 2 {
		return 0, "", fmt.Errorf("%d answers, want seq and epoch", len(res))
	}
	seq, ok1 := res[0].(int64)
	ep, ok2 := res[1].(string)
	if !ok1 || !ok2 || seq < 0 {
		return 0, "", fmt.Errorf("answer %v: want seq and epoch", res)
	}
	return uint64(seq), ep, nil
}

// Query returns the entries matching q, in Seq order, and the cursor to go on.
func (j *Journal) Query(ctx context.Context, q inspect.Query, limit int) (inspect.Page, error) {
	page := inspect.Page{Entries: []inspect.Entry{}, Next: q.After}
	ep, err := j.Epoch(ctx)
	if err != nil {
		return page, err
	}
	page.Epoch = ep
	start := "-"
	if q.After > 0 {
		start = "(" + strconv.FormatUint(q.After, 10) + "-0"
	}
	chunk := int64(min(max(limit, 100), 1000))
scan:
	for len(page.Entries) < limit {
		msgs, err := j.s.rdb.XRangeN(ctx, j.stream, start, "+", chunk).Result()
		if err != nil {
			return page, fmt.Errorf("journal: %w", err)
		}
		if len(msgs) == 0 {
			break
		}
		for _, m := range msgs {
			start = "(" + m.ID
			seq, err := seqOf(m.ID)
			if err != nil {
				return page, err
			}
			page.Next = seq // skipped entries advance the cursor too
			if q.Profile != "" && m.Values["p"] != q.Profile {
				continue
			}
			var e inspect.Entry
			raw, _ := m.Values["e"].(string)
			if err := json.Unmarshal([]byte(raw), &e); err != nil {
				return page, fmt.Errorf("journal entry %s: %w", m.ID, err)
			}
			if q.Session != "" && e.Session != q.Session || !q.Since.IsZero() && e.ReceivedAt.Before(q.Since) {
				continue
			}
			e.Seq = seq
			page.Entries = append(page.Entries, e)
			if len(page.Entries) == limit {
				break scan
			}
		}
	}
	j.saw(page.Next, "")
	l, err := j.lengths(ctx)
	page.Evicted = l.evicted
	return page, err
}

func seqOf(id string) (uint64, error) {
	ms, _, _ := strings.Cut(id, "-")
	n, err := strconv.ParseUint(ms, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("journal entry id %q: %w", id, err)
	}
	return n, nil
}

type lengths struct {
	n, bytes int
	evicted  uint64
}

func (j *Journal) lengths(ctx context.Context) (lengths, error) {
	var added, bytes *redis.StringCmd
	var n *redis.IntCmd
	_, err := j.s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		added = p.Get(ctx, j.added)
		bytes = p.Get(ctx, j.bytes)
		n = p.XLen(ctx, j.stream)
		return nil
	})
	if err != nil && err != redis.Nil {
		return lengths{}, fmt.Errorf("journal: %w", err)
	}
	a, _ := strconv.ParseInt(added.Val(), 10, 64)
	b, _ := strconv.Atoi(bytes.Val())
	l := n.Val()
	return lengths{n: int(l), bytes: b, evicted: uint64(max(a-l, 0))}, nil
}

// Stats returns the exact counters of every profile.
func (j *Journal) Stats(ctx context.Context) (inspect.Stats, error) {
	ep, err := j.Epoch(ctx) // sets Since when the state was lost
	if err != nil {
		return inspect.Stats{}, err
	}
	var since *redis.StringCmd
	hs := make([]*redis.MapStringStringCmd, len(j.profiles))
	var unrouted *redis.MapStringStringCmd
	_, err = j.s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		since = p.Get(ctx, j.since)
		for i, name := range j.profiles {
			hs[i] = p.HGetAll(ctx, j.statsKey(name))
		}
		unrouted = p.HGetAll(ctx, j.statsKey(""))
		return nil
	})
	if err != nil && err != redis.Nil {
		return inspect.Stats{}, fmt.Errorf("stats: %w", err)
	}
	st := inspect.Stats{Epoch: ep, Profiles: map[string]inspect.ProfileStats{}}
	st.Since, _ = time.Parse(time.RFC3339Nano, since.Val())
	if st.Since.IsZero() {
		// Its key alone went (an eviction policy): the epoch's start is not
		// known, so it starts now; never year 1.
		st.Since = time.Now().UTC()
		_ = j.s.rdb.SetNX(ctx, j.since, st.Since.Format(time.RFC3339Nano), 0).Err()
	}
	for i, name := range j.profiles {
		ps, err := parseStats(hs[i].Val())
		if err != nil {
			return st, fmt.Errorf("stats %s: %w", name, err)
		}
		st.Profiles[name] = ps
	}
	u, err := parseStats(unrouted.Val())
	if err != nil {
		return st, fmt.Errorf("stats unrouted: %w", err)
	}
	st.Unrouted = &u
	l, err := j.lengths(ctx)
	st.Journal = inspect.JournalStats{Capacity: j.cap, Len: l.n, Evicted: l.evicted, Bytes: l.bytes, MaxBytes: j.maxBytes}
	return st, err
}

func parseStats(h map[string]string) (inspect.ProfileStats, error) {
	ps := inspect.ProfileStats{ByStatus: map[string]uint64{}, ByEndpoint: map[string]uint64{}, Violations: map[string]uint64{}}
	fixed := map[string]*uint64{fRequests: &ps.Requests, fAccepted: &ps.Accepted, fReplays: &ps.Replays,
		fDropped: &ps.Dropped, fRejected: &ps.Rejected, fFaulted: &ps.Faulted, fRateLimited: &ps.RateLimited,
		fEvents: &ps.Events, fDuplicates: &ps.Duplicates, fProbable: &ps.ProbableDuplicates, fConflicts: &ps.Conflicts}
	for k, v := range h {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return ps, fmt.Errorf("counter %s %q: %w", k, v, err)
		}
		if p, ok := fixed[k]; ok {
			*p = n
			continue
		}
		kind, name, _ := strings.Cut(k, ":")
		switch kind {
		case "s":
			ps.ByStatus[name] = n
		case "e":
			ps.ByEndpoint[name] = n
		case "v":
			ps.Violations[name] = n
		}
	}
	return ps, nil
}

// Reset forgets the entries and counters of one profile, or of all when name
// is "" (then Since becomes now and a new epoch starts). Seqs never go back.
func (j *Journal) Reset(ctx context.Context, name string, now time.Time) error {
	if name != "" {
		if err := j.s.b.eval(ctx, dropProfileScript, []string{j.stream, j.added, j.bytes}, name).Err(); err != nil {
			return fmt.Errorf("journal reset %s: %w", name, err)
		}
		if err := j.s.rdb.Del(ctx, j.statsKey(name)).Err(); err != nil {
			return fmt.Errorf("journal reset %s: %w", name, err)
		}
		return nil
	}
	_, err := j.s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, j.stream)
		p.Del(ctx, j.sizes)
		p.Set(ctx, j.added, 0, 0)
		p.Set(ctx, j.bytes, 0, 0)
		p.Del(ctx, j.statsKey(""))
		p.Set(ctx, j.since, now.UTC().Format(time.RFC3339Nano), 0)
		p.Set(ctx, j.epoch, randomHex(8)+"-reset", 0)
		for _, name := range j.profiles {
			p.Del(ctx, j.statsKey(name))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("journal reset: %w", err)
	}
	return nil
}
