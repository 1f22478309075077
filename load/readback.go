package load

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/s2s-harness/s2s-harness/readback"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
)

// Record is one event as the receiver recorded it, read back for loss,
// duplicates, ingest lag and the discrepancy (package readback).
type Record = readback.Record

// RecordSource reads a receiver's records in order after a cursor: the
// inspection journal, a vendor's HTTP JSON record API, a SQL query
// (readback.Open builds the last two from a target config).
type RecordSource = readback.Source

// journalSource reads the inspection API's journal as records. Every
// profile's entries are read (the others skipped) so that a gap in the
// sequence numbers, together with a growing eviction count, shows entries
// the bounded journal let go before they were read (missed).
type journalSource struct {
	ic     *inspect.Client
	p      *profile.Profile
	epochs *epochs // the journal's epochs as its pages give them

	mu      sync.Mutex
	evicted uint64
	gaps    uint64
}

// pageSize is what the journal is asked for; a receiver may cap it lower.
const pageSize = 1000

func (j *journalSource) missed() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.gaps
}

func (j *journalSource) Records(ctx context.Context, _ string, after string) ([]Record, string, error) {
	var cursor uint64
	if after != "" {
		var err error
		if cursor, err = strconv.ParseUint(after, 10, 64); err != nil {
			return nil, after, err
		}
	}
	page, err := j.ic.Journal(ctx, inspect.Query{After: cursor, Limit: pageSize})
	if err != nil {
		return nil, after, err
	}
	j.epochs.see(page.Epoch)
	j.mu.Lock()
	if after != "" && len(page.Entries) > 0 && page.Evicted > j.evicted {
		if first := page.Entries[0].Seq; first > cursor+1 {
			j.gaps += min(first-cursor-1, page.Evicted-j.evicted)
		}
	}
	j.evicted = page.Evicted
	j.mu.Unlock()
	var out []Record
	next := cursor
	for i := range page.Entries {
		e := &page.Entries[i]
		next = max(next, e.Seq)
		if e.Profile == j.p.Name && e.Outcome == inspect.Accepted {
			out = append(out, j.entry(e)...)
		}
	}
	next = max(next, page.Next)
	return out, strconv.FormatUint(next, 10), nil
}

// entry turns one accepted journal entry into records: the key the receiver
// journaled with each event, else the item of the body it kept.
func (j *journalSource) entry(e *inspect.Entry) []Record {
	var items []any
	if !journaledKeys(e) { // Items is empty when the body was cut
		items = e.Items(j.p)
	}
	var out []Record
	for _, ev := range e.Events {
		r := Record{Profile: e.Profile, Key: ev.Key, ReceivedAt: e.ReceivedAt, Dropped: !ev.Recorded}
		if ev.Recorded {
			r.RecordedAt = &ev.RecordedAt
		}
		if r.Key == "" && ev.Index >= 0 && ev.Index < len(items) {
			r.Key = j.p.Key(items[ev.Index])
		}
		out = append(out, r)
	}
	if len(e.Events) == 0 {
		// A receiver that lists no events: every item of an accepted body counts.
		at := e.ReceivedAt
		for _, it := range items {
			out = append(out, Record{Profile: e.Profile, Key: j.p.Key(it), ReceivedAt: at, RecordedAt: &at})
		}
	}
	return out
}

// journaledKeys reports whether the receiver gave every event its key.
func journaledKeys(e *inspect.Entry) bool {
	for _, ev := range e.Events {
		if ev.Key == "" {
			return false
		}
	}
	return len(e.Events) > 0
}

// epochs are the receiver's state epochs (inspect.Health.Epoch) a run saw:
// one that changed means the receiver's state was reset or lost during the
// run (a global reset, a store that restarted empty), so what it recorded
// before is gone and neither loss nor duplicates can be measured.
type epochs struct {
	mu          sync.Mutex
	first, last string
}

// see notes one epoch ("" from a receiver that has none).
func (e *epochs) see(epoch string) {
	if e == nil || epoch == "" {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.first == "" {
		e.first = epoch
	}
	if epoch != e.first {
		e.last = epoch
	}
}

// reset says, when the epoch changed, why the receiver's counts do not count.
func (e *epochs) reset() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.last == "" {
		return ""
	}
	return fmt.Sprintf("the receiver's state was reset during the run (epoch %s became %s): what it recorded before the reset is gone, so loss, duplicates and the discrepancy are not measured", e.first, e.last)
}
