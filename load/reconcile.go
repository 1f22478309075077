package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
)

// ledger matches what the run had acknowledged against what the receiver's
// journal shows it recorded, event by event (by Profile.UniqueFields), in
// bounded memory: an event is forgotten once it is reconciled and can no
// longer be replayed (keep), or once it is declared lost (horizon).
type ledger struct {
	mu      sync.Mutex
	events  map[string]*eventState
	fifo    []fifoEntry
	keep    time.Duration
	horizon time.Duration

	lag        *hdr.Histogram
	lost       uint64
	duplicates uint64
	foreign    uint64
	unmatched  uint64
	unkeyed    uint64 // acknowledged events without a key
	missed     uint64
	unsettled  uint64 // acknowledged, not recorded when an interrupt cut the wait
	pending    int    // acknowledged, not yet recorded
}

type eventState struct {
	acked    time.Time
	seen     time.Time
	recorded uint32
}

type fifoEntry struct {
	key string
	at  time.Time
}

func newLedger(keep, horizon time.Duration) *ledger {
	return &ledger{events: map[string]*eventState{}, keep: keep, horizon: horizon, lag: newHist(2)}
}

// acked notes events the receiver acknowledged (first sends and retries, not
// intentional replays).
func (l *ledger) acked(keys []string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if k == "" {
			l.unkeyed++
			continue
		}
		st := l.events[k]
		if st == nil {
			st = &eventState{acked: at}
			l.events[k] = st
			l.fifo = append(l.fifo, fifoEntry{k, at})
			l.pending++
			continue
		}
		if !st.acked.IsZero() {
			continue
		}
		st.acked = at
		if st.recorded > 0 { // the journal was read before the answer was
			recordUS(l.lag, max(0, st.seen.Sub(at)))
		} else {
			l.pending++
		}
	}
}

// seen notes one event the journal shows as recorded, read at time at.
func (l *ledger) seen(key string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.events[key]
	if st == nil {
		st = &eventState{}
		l.events[key] = st
		l.fifo = append(l.fifo, fifoEntry{key, at})
	}
	st.recorded++
	if st.recorded > 1 {
		l.duplicates++
		return
	}
	st.seen = at
	if !st.acked.IsZero() {
		recordUS(l.lag, max(0, at.Sub(st.acked)))
		l.pending--
	}
}

// expire forgets what can be forgotten at now; final forgets everything.
// After an interrupt (final and cut), events not yet recorded are unsettled,
// not lost: they may still be on their way.
func (l *ledger) expire(now time.Time, final, cut bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := 0
	for ; i < len(l.fifo); i++ {
		f := l.fifo[i]
		st := l.events[f.key]
		if st == nil {
			continue
		}
		switch {
		case st.acked.IsZero() && (final || now.Sub(f.at) > l.keep):
			l.foreign += uint64(st.recorded)
		case st.recorded == 0 && final && cut && now.Sub(st.acked) <= l.horizon:
			l.unsettled++
			l.pending--
		case st.recorded == 0 && (final || now.Sub(st.acked) > l.horizon):
			l.lost++
			l.pending--
		case st.recorded > 0 && !st.acked.IsZero() && (final || now.Sub(f.at) > l.keep):
		default:
			goto done // the head is still live: keep the order
		}
		delete(l.events, f.key)
	}
done:
	// Drop the expired head in place: no new array every poll.
	n := copy(l.fifo, l.fifo[i:])
	clear(l.fifo[n:])
	l.fifo = l.fifo[:n]
}

func (l *ledger) outstanding() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pending
}

// poller pages the receiver's journal during the run and feeds the ledger.
// It reads every profile's entries (and skips the others) so that a gap in
// the sequence numbers, together with a growing eviction count, shows entries
// the bounded journal let go before they were read.
type poller struct {
	ic      *inspect.Client
	p       *profile.Profile
	l       *ledger
	cursor  uint64
	evicted uint64
	every   time.Duration
	err     error
}

// pageSize is what the poller asks for; a receiver may cap it lower.
const pageSize = 1000

// position moves the cursor to the end of the journal without matching
// anything: what was there before the run is not the run's.
func (pl *poller) position(ctx context.Context) error { return pl.pages(ctx, false) }

// drain reads and matches every entry available now.
func (pl *poller) drain(ctx context.Context) error { return pl.pages(ctx, true) }

func (pl *poller) pages(ctx context.Context, match bool) error {
	for range 100_000 { // bounded: a receiver whose pages never end cannot hold the run
		page, err := pl.ic.Journal(ctx, inspect.Query{After: pl.cursor, Limit: pageSize})
		if err != nil {
			return err
		}
		now := time.Now()
		if match && len(page.Entries) > 0 && page.Evicted > pl.evicted {
			if first := page.Entries[0].Seq; first > pl.cursor+1 {
				pl.l.mu.Lock()
				pl.l.missed += min(first-pl.cursor-1, page.Evicted-pl.evicted)
				pl.l.mu.Unlock()
			}
		}
		pl.evicted = page.Evicted
		prev := pl.cursor
		for i := range page.Entries {
			e := &page.Entries[i]
			if match && e.Profile == pl.p.Name {
				pl.entry(e, now)
			}
			pl.cursor = max(pl.cursor, e.Seq)
		}
		pl.cursor = max(pl.cursor, page.Next)
		if len(page.Entries) == 0 || pl.cursor <= prev {
			return nil
		}
	}
	return errors.New("journal paging did not end")
}

// entry matches the recorded events of one journal entry by their keys: the
// key the receiver journaled with each event, else read from the body it kept.
func (pl *poller) entry(e *inspect.Entry, now time.Time) {
	if e.Outcome != inspect.Accepted {
		return
	}
	var keys []string
	if len(e.Body) > 0 && e.BodyBytes <= len(e.Body) && !journaledKeys(e) {
		keys = pl.keys(e)
	}
	recorded := 0
	for _, ev := range e.Events {
		if !ev.Recorded {
			continue
		}
		recorded++
		if ev.Key != "" {
			pl.l.seen(ev.Key, now)
			continue
		}
		if ev.Index < 0 || ev.Index >= len(keys) || keys[ev.Index] == "" {
			pl.l.mu.Lock()
			pl.l.unmatched++
			pl.l.mu.Unlock()
			continue
		}
		pl.l.seen(keys[ev.Index], now)
	}
	if len(e.Events) == 0 && recorded == 0 && len(keys) > 0 {
		// A receiver that lists no events: every item of an accepted body counts.
		for _, k := range keys {
			pl.l.seen(k, now)
		}
	}
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

func (pl *poller) keys(e *inspect.Entry) []string {
	ep, ok := pl.p.Endpoint(e.Endpoint)
	if !ok {
		return nil
	}
	doc, err := strictjson.Decode([]byte(e.Body))
	if err != nil {
		return nil
	}
	items := ep.ItemsOf(doc)
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = pl.p.Key(it)
	}
	return out
}

// run polls until ctx ends.
func (pl *poller) run(ctx context.Context) {
	t := time.NewTicker(pl.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := pl.drain(ctx); err != nil && ctx.Err() == nil {
			pl.err = fmt.Errorf("journal: %w", err)
			return
		}
		pl.l.expire(time.Now(), false, false)
	}
}

// replayFlag reads the profile's replay flag (ResponseSpec.ReplayField) from
// success answers.
type replayFlag struct {
	spec  profile.ResponseSpec
	field string
}

func findReplayFlag(p *profile.Profile) *replayFlag {
	if p.Responses.ReplayField == "" {
		return nil
	}
	return &replayFlag{spec: p.Responses, field: p.Responses.ReplayField}
}

// says reports whether body acknowledges a replay; ok is false when the body
// does not carry the flag at all.
func (f *replayFlag) says(body []byte) (replay, ok bool) {
	doc, err := strictjson.Decode(body)
	if err != nil {
		return false, false
	}
	return f.spec.Replay(doc)
}

// settle stops the background poller, keeps reading the journal until every
// acknowledged event is recorded or Settle has passed, then reads the exact
// counters and reconciles.
func (e *engine) settle(ctx context.Context, ic *inspect.Client, pl *poller, before *inspect.Stats, stopPoll func(), polling *sync.WaitGroup) Receiver {
	stopPoll()
	polling.Wait()
	recv := Receiver{ResolutionMS: float64(pl.every) / float64(time.Millisecond)}
	if pl.err != nil {
		recv.Notes = append(recv.Notes, pl.err.Error())
	}
	deadline := time.Now().Add(e.s.Settle)
	cut := ctx.Err() != nil
	if cut { // one last read of what is there, briefly
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		if err := pl.drain(rctx); err != nil {
			recv.Notes = append(recv.Notes, fmt.Sprintf("journal after the interrupt: %v", err))
		}
		cancel()
	}
	for pl.err == nil && ctx.Err() == nil {
		if err := pl.drain(ctx); err != nil {
			pl.err = fmt.Errorf("journal: %w", err)
			recv.Notes = append(recv.Notes, pl.err.Error())
			break
		}
		if e.ledger.outstanding() <= 0 || time.Now().After(deadline) {
			break
		}
		t := time.NewTimer(pl.every)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	l := e.ledger
	l.expire(time.Now(), true, cut)

	e.rec.mu.Lock()
	recv.SentEvents = e.rec.uniqueEvents
	acked := e.rec.ackedEvents
	e.rec.mu.Unlock()

	var recorded *uint64
	if before != nil {
		if after, err := ic.Stats(ctx); err == nil {
			n := after.Profiles[e.cfg.Profile.Name].Events - before.Profiles[e.cfg.Profile.Name].Events
			recorded = &n
		} else {
			recv.Notes = append(recv.Notes, fmt.Sprintf("stats after the run: %v", err))
		}
	}
	recv.Recorded = recorded

	l.mu.Lock()
	defer l.mu.Unlock()
	recv.Missed, recv.Unmatched, recv.Foreign, recv.Unsettled = l.missed, l.unmatched, l.foreign, l.unsettled
	complete := pl.err == nil && l.missed == 0 && l.unmatched == 0 && l.unkeyed == 0
	switch {
	case complete:
		recv.Source = "journal"
		recv.Duplicates, recv.Lost = ptr(l.duplicates), ptr(l.lost)
	case recorded != nil:
		recv.Source = "counters"
		var dups, lost uint64
		if *recorded > recv.SentEvents {
			dups = *recorded - recv.SentEvents
		} else {
			lost = recv.SentEvents - *recorded
		}
		recv.Duplicates, recv.Lost = ptr(dups), ptr(lost)
		recv.Notes = append(recv.Notes, fmt.Sprintf("the journal could not account for every event (%d entries evicted unread, %d events without a readable key, %d sent without one): duplicates and losses come from the exact counters, where they net out", l.missed, l.unmatched, l.unkeyed))
	}
	if recv.Duplicates != nil && acked > 0 {
		recv.DuplicateRate = ptr(round(float64(*recv.Duplicates) / float64(acked)))
	}
	if cut && !complete && recv.Lost != nil {
		recv.Lost = nil // the counters cannot tell lost from still on the way
		recv.Notes = append(recv.Notes, "interrupted: events still on their way are not counted as lost")
	}
	if settled := recv.SentEvents - min(recv.SentEvents, recv.Unsettled); recv.Lost != nil && settled > 0 {
		recv.LossRate = ptr(round(float64(*recv.Lost) / float64(settled)))
	}
	if l.lag.TotalCount() > 0 {
		lag := summarize(l.lag, false)
		recv.IngestLag = &lag
	}
	if recorded != nil && recv.SentEvents > 0 {
		d := math.Abs(float64(*recorded)-float64(recv.SentEvents)) / float64(recv.SentEvents)
		recv.Discrepancy = ptr(round(d))
		recv.Flagged = d > DiscrepancyFlag
	}
	if l.pending > 0 && !complete {
		recv.Notes = append(recv.Notes, fmt.Sprintf("%d acknowledged events were still unmatched when the settle time ended", l.pending))
	}
	return recv
}

// DiscrepancyFlag is the seed's reconciliation trigger: more than 3 % apart.
const DiscrepancyFlag = 0.03
