package mockserver

import (
	"context"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
)

// State is where the mock keeps what its answers depend on: per profile the
// repeat-detection memory and sequences and the rate-limit buckets, and the
// journal with its counters. The default keeps them in the process; package
// redisstore keeps them in Redis, so replicas behind one load balancer behave
// as one mock. An implementation makes each call one atomic step: concurrent
// calls, from any replica, never see half of another.
type State interface {
	// Memory is profile's memory; each of its stores forgets its oldest key
	// past keys.
	Memory(profile string, keys int) Memory
	// Limiter is profile's rolling-window limit: limit requests per window
	// and bucket.
	Limiter(profile string, limit int, window time.Duration) Limiter
	// Journal is the journal of profiles, keeping at most capacity entries
	// of at most maxBytes together.
	Journal(ctx context.Context, capacity, maxBytes int, profiles []string, now time.Time) (Journal, error)
}

// Memory is what a profile remembers of accepted events.
type Memory interface {
	// Judge decides, for each event, whether it is recorded and how it
	// repeats, then gives app its next sequence number, atomically.
	Judge(ctx context.Context, recs []profile.Record, hashes []uint64, app string, pol Policy) ([]Verdict, uint64, error)
	// Known reports which records' idempotency ids were seen before.
	Known(ctx context.Context, recs []profile.Record) ([]bool, error)
	// Seq gives app its next sequence number (a dropped request takes one too).
	Seq(ctx context.Context, app string) (uint64, error)
	// Hash fingerprints an event's payload, to tell conflicting replays; the
	// same payload hashes the same wherever the memory is shared.
	Hash(item any) uint64
	Reset(ctx context.Context) error
}

// Limiter is a rolling-window rate limit per bucket.
type Limiter interface {
	// Allow counts a request of bucket at now; when the bucket is full it
	// answers false and how long until a slot frees.
	Allow(ctx context.Context, bucket string, now time.Time) (bool, time.Duration, error)
	Reset(ctx context.Context) error
}

// Journal records every request and counts it exactly.
type Journal interface {
	// Add journals e (the journal gives its Seq) with body, and counts it.
	Add(ctx context.Context, e inspect.Entry, body []byte, t Tally, rules []string) error
	Query(ctx context.Context, q inspect.Query, limit int) (inspect.Page, error)
	Stats(ctx context.Context) (inspect.Stats, error)
	// Reset forgets one profile's entries and counters, or all when name is "".
	// A reset of all starts a new epoch.
	Reset(ctx context.Context, name string, now time.Time) error
	// Epoch names the state's life: it changes when the state is reset as a
	// whole or found lost (a store that restarted empty), so a reader that saw
	// another epoch knows what it counted is gone. Query and Stats carry it too.
	Epoch(ctx context.Context) (string, error)
}

// Committer is a Journal that commits a request's decision (its rate-limit
// count, its events' claims and sequence number) and its journal entry as one
// step: both or neither. A store that can fail between two calls (Redis)
// implements it, so an answer is 200 only once its entry exists, and a failed
// commit leaves no claim behind: a re-send is a first delivery.
type Committer interface {
	Commit(ctx context.Context, tx *Tx) (Committed, error)
}

// Tx is one request's state change, as Committer.Commit applies it.
type Tx struct {
	// Limiter counts the request in Bucket at Now (nil: not counted).
	Limiter Limiter
	Bucket  string
	Now     time.Time
	// Memory judges Recs (with their payload Hashes) under Policy and, when
	// Seq, gives App its next sequence number (nil: nothing judged).
	Memory Memory
	Recs   []profile.Record
	Hashes []uint64
	App    string
	Policy Policy
	Seq    bool
	// Expect is what Entry was built on: the verdicts of Recs. When the
	// memory judges otherwise, nothing is committed and Commit answers the
	// verdicts to build the entry on again.
	Expect []Verdict
	Entry  inspect.Entry
	Body   []byte
	Tally  Tally
	Rules  []string
}

// Committed is what Commit did.
type Committed struct {
	// Limited: the bucket was full; nothing was committed. After is how long
	// until a slot frees.
	Limited bool
	After   time.Duration
	// Verdicts, when not nil, differ from Tx.Expect: nothing was committed.
	Verdicts []Verdict
	// Seq is App's sequence number (when Tx.Seq).
	Seq uint64
}

// Verdict is what a Memory made of one event.
type Verdict struct {
	Recorded, Duplicate, Replay, Conflict, Probable bool
}

// Policy is how a request's events are judged.
type Policy struct {
	Kind     profile.DedupeKind
	Window   time.Duration // probable-duplicate window; 0: none
	DropDups bool          // a duplicate is answered but not recorded
	Now      time.Time
}

// Tally is what one request adds to its profile's counters beyond the entry.
type Tally struct {
	RateLimited bool
	Events      uint64 // recorded
	Duplicates  uint64
	Probable    uint64
	Conflicts   uint64
}

// EntrySize is what a journal entry counts against journal.max_bytes: the
// estimate of what it holds, the same whichever State keeps it.
func EntrySize(e inspect.Entry, body []byte) int {
	en := entry{Entry: e, body: body}
	return estimate(&en)
}

// local is the in-process State.
type local struct{}

func (local) Memory(_ string, keys int) Memory { return localMemory{newMemory(keys)} }

func (local) Limiter(_ string, limit int, window time.Duration) Limiter {
	return localLimiter{newLimiter(limit, window)}
}

func (local) Journal(_ context.Context, capacity, maxBytes int, profiles []string, now time.Time) (Journal, error) {
	return localJournal{newJournal(capacity, maxBytes, profiles, now, uuid4)}, nil
}

type localMemory struct{ m *memory }

func (l localMemory) Judge(ctx context.Context, recs []profile.Record, hashes []uint64, app string, pol Policy) ([]Verdict, uint64, error) {
	vs, seq := l.m.judge(ctx, recs, hashes, app, pol)
	return vs, seq, nil
}

func (l localMemory) Known(_ context.Context, recs []profile.Record) ([]bool, error) {
	return l.m.known(recs), nil
}

func (l localMemory) Seq(_ context.Context, app string) (uint64, error) { return l.m.seq(app), nil }

func (l localMemory) Hash(item any) uint64 { return l.m.hash(item) }

func (l localMemory) Reset(context.Context) error {
	l.m.reset()
	return nil
}

type localLimiter struct{ l *limiter }

func (l localLimiter) Allow(_ context.Context, bucket string, now time.Time) (bool, time.Duration, error) {
	ok, after := l.l.allow(bucket, now)
	return ok, after, nil
}

func (l localLimiter) Reset(context.Context) error {
	l.l.reset()
	return nil
}

type localJournal struct{ j *journal }

func (l localJournal) Add(_ context.Context, e inspect.Entry, body []byte, t Tally, rules []string) error {
	l.j.add(e, body, t, rules)
	return nil
}

func (l localJournal) Query(_ context.Context, q inspect.Query, limit int) (inspect.Page, error) {
	return l.j.query(q, limit), nil
}

func (l localJournal) Stats(context.Context) (inspect.Stats, error) { return l.j.snapshot(), nil }

func (l localJournal) Reset(_ context.Context, name string, now time.Time) error {
	l.j.reset(name, now)
	return nil
}

func (l localJournal) Epoch(context.Context) (string, error) { return l.j.currentEpoch(), nil }
