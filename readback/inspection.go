package readback

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
)

// Inspection reads the journal of a receiver that serves the inspection
// contract (/_s2s/, package inspect): one Record per event of every request
// the receiver accepted, replayed or dropped. It moves the receiver's clock
// and clears its state through the same contract.
type Inspection struct {
	c        *inspect.Client
	profiles Profiles
	limit    int
	evicted  atomic.Uint64

	mu   sync.Mutex
	prev *inspect.Clock // the clock before SetClock
}

// NewInspection returns the source over c; profiles derive keys from the
// bodies of receivers that journal events without them.
func NewInspection(c *inspect.Client, profiles Profiles) *Inspection {
	return &Inspection{c: c, profiles: profiles, limit: 1000}
}

// Client returns the inspection client (for what only the contract offers:
// stats, faults, per-profile resets).
func (s *Inspection) Client() *inspect.Client { return s.c }

// Evicted returns how many entries the receiver's bounded journal had let go
// as of the last page read: a reader that sees it grow past its cursor lost
// entries.
func (s *Inspection) Evicted() uint64 { return s.evicted.Load() }

// Records implements Source. The cursor is the journal's sequence number.
func (s *Inspection) Records(ctx context.Context, profile, after string) ([]Record, string, error) {
	var seq uint64
	if after != "" {
		n, err := strconv.ParseUint(after, 10, 64)
		if err != nil {
			return nil, after, fmt.Errorf("inspection cursor %q: want a journal sequence number", after)
		}
		seq = n
	}
	page, err := s.c.Journal(ctx, inspect.Query{Profile: profile, After: seq, Limit: s.limit})
	if err != nil {
		return nil, after, err
	}
	s.evicted.Store(page.Evicted)
	var out []Record
	next := seq
	for i := range page.Entries {
		e := &page.Entries[i]
		out = append(out, s.entry(e)...)
		next = max(next, e.Seq)
	}
	next = max(next, page.Next)
	if next == seq {
		return out, after, nil
	}
	return out, strconv.FormatUint(next, 10), nil
}

// entry turns one journal entry into records: none for a rejected or faulted
// request (the receiver kept nothing of it).
func (s *Inspection) entry(e *inspect.Entry) []Record {
	switch e.Outcome {
	case inspect.Accepted, inspect.Replay, inspect.Dropped:
	default:
		return nil
	}
	items := s.items(e)
	cursor := strconv.FormatUint(e.Seq, 10)
	base := Record{Profile: e.Profile, ReceivedAt: e.ReceivedAt, Dropped: e.Outcome == inspect.Dropped, Cursor: cursor, HasFlags: true}
	if len(e.Events) == 0 {
		// A receiver that lists no events: every item of the body is one,
		// recorded at receipt when the request was accepted.
		var out []Record
		for _, it := range items {
			r := base
			r.Body, r.Key = it.body, it.key
			if e.Outcome == inspect.Accepted {
				t := e.ReceivedAt
				r.RecordedAt = &t
			}
			out = append(out, r)
		}
		return out
	}
	out := make([]Record, 0, len(e.Events))
	for _, ev := range e.Events {
		r := base
		r.Key = ev.Key
		if ev.Index >= 0 && ev.Index < len(items) {
			r.Body = items[ev.Index].body
			if r.Key == "" {
				r.Key = items[ev.Index].key
			}
		}
		if ev.Recorded {
			t := ev.RecordedAt
			r.RecordedAt = &t
		}
		r.Duplicate, r.ProbableDuplicate = ev.Duplicate, ev.ProbableDuplicate
		out = append(out, r)
	}
	return out
}

type item struct {
	body json.RawMessage
	key  string
}

// items splits the journaled body into its events (none when the body was
// cut or the profile is unknown).
func (s *Inspection) items(e *inspect.Entry) []item {
	if s.profiles == nil {
		return nil
	}
	p := s.profiles(e.Profile)
	if p == nil {
		return nil
	}
	var out []item
	for _, it := range e.Items(p) {
		b, err := json.Marshal(it) // json.Number stays exact
		if err != nil {
			continue
		}
		out = append(out, item{body: b, key: p.Key(it)})
	}
	return out
}

// SetClock implements Clock: the receiver's clock stops at at. The clock it
// had before is remembered for ReleaseClock.
func (s *Inspection) SetClock(ctx context.Context, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.prev == nil {
		prev, err := s.c.Clock(ctx)
		if err != nil {
			return fmt.Errorf("read the receiver's clock: %w", err)
		}
		s.prev = &prev
	}
	return s.c.FixClock(ctx, at)
}

// ReleaseClock implements Clock: the receiver returns to the clock it had
// before SetClock (a fixed or offset clock it was started with), else to
// real time.
func (s *Inspection) ReleaseClock(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.prev
	s.prev = nil
	switch {
	case prev != nil && prev.Mode == "fixed":
		return s.c.FixClock(ctx, prev.Now)
	case prev != nil && prev.Mode == "offset":
		return s.c.OffsetClock(ctx, prev.Offset.D())
	}
	return s.c.RealClock(ctx)
}

// Reset implements Resetter: every profile's state is cleared.
func (s *Inspection) Reset(ctx context.Context) error { return s.c.Reset(ctx, "") }

// ResetProfile clears one profile's state.
func (s *Inspection) ResetProfile(ctx context.Context, name string) error {
	return s.c.Reset(ctx, name)
}
