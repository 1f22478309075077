package load

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/servicelevel"
	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
)

// ledger matches what the run had acknowledged against what the receiver's
// read-back shows it recorded, event by event (by Profile.UniqueFields), in
// bounded memory: an event is forgotten once it is reconciled and can no
// longer be replayed (keep), or once it is declared lost (horizon). Events
// are held compactly: a 64-bit hash of the key (eventKey) and times as
// offsets, about 40 bytes an event, so 30 s at 2,000 events/s is ~2.4 MB.
type ledger struct {
	mu      sync.Mutex
	events  map[eventKey]eventState
	fifo    []fifoEntry
	keep    time.Duration
	horizon time.Duration
	base    time.Time // times are offsets from base
	seed    maphash.Seed

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

// eventKey is a hash of an event's key; 0 means no key. At 64 bits, two of
// ten million events collide with a probability of about 3·10⁻⁶.
type eventKey uint64

// keyHasher hashes event keys for one run.
type keyHasher struct{ seed maphash.Seed }

func (h keyHasher) key(s string) eventKey {
	if s == "" {
		return 0
	}
	return eventKey(max(1, maphash.String(h.seed, s)))
}

// eventState times are offsets from the ledger's base; 0 is "not yet".
type eventState struct {
	acked, seen int64
	recorded    uint32
}

type fifoEntry struct {
	key eventKey
	at  int64
}

func newLedger(keep, horizon time.Duration, h keyHasher) *ledger {
	return &ledger{events: map[eventKey]eventState{}, keep: keep, horizon: horizon, seed: h.seed,
		base: time.Now().Add(-time.Second), lag: newHist(2)}
}

func (l *ledger) off(t time.Time) int64 { return max(1, int64(t.Sub(l.base))) }

// acked notes events the receiver acknowledged (first sends and retries, not
// intentional replays).
func (l *ledger) acked(keys []eventKey, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.off(at)
	for _, k := range keys {
		if k == 0 {
			l.unkeyed++
			continue
		}
		st, ok := l.events[k]
		if !ok {
			l.events[k] = eventState{acked: t}
			l.fifo = append(l.fifo, fifoEntry{k, t})
			l.pending++
			continue
		}
		if st.acked != 0 {
			continue
		}
		st.acked = t
		if st.recorded > 0 { // the records were read before the answer was
			recordUS(l.lag, max(0, time.Duration(st.seen-t)))
		} else {
			l.pending++
		}
		l.events[k] = st
	}
}

// seen notes one event the read-back shows as recorded, read at time at.
func (l *ledger) seen(key string, at time.Time) {
	k := keyHasher{l.seed}.key(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.off(at)
	st, ok := l.events[k]
	if !ok {
		l.fifo = append(l.fifo, fifoEntry{k, t})
	}
	st.recorded++
	if st.recorded > 1 {
		l.duplicates++
		l.events[k] = st
		return
	}
	st.seen = t
	if st.acked != 0 {
		recordUS(l.lag, max(0, time.Duration(t-st.acked)))
		l.pending--
	}
	l.events[k] = st
}

// expire forgets what can be forgotten at now; final forgets everything.
// After an interrupt (final and cut), events not yet recorded are unsettled,
// not lost: they may still be on their way.
func (l *ledger) expire(now time.Time, final, cut bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.off(now)
	keep, horizon := int64(l.keep), int64(l.horizon)
	i := 0
	for ; i < len(l.fifo); i++ {
		f := l.fifo[i]
		st, ok := l.events[f.key]
		if !ok {
			continue
		}
		switch {
		case st.acked == 0 && (final || t-f.at > keep):
			l.foreign += uint64(st.recorded)
		case st.recorded == 0 && final && cut && t-st.acked <= horizon:
			l.unsettled++
			l.pending--
		case st.recorded == 0 && (final || t-st.acked > horizon):
			l.lost++
			l.pending--
		case st.recorded > 0 && st.acked != 0 && (final || t-f.at > keep):
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

// poller pages the receiver's records (a RecordSource) during the run and
// feeds the ledger. It counts the records it read as recorded, for the
// discrepancy when the receiver has no exact counters.
type poller struct {
	src      RecordSource
	p        *profile.Profile
	l        *ledger
	cursor   string
	every    time.Duration
	err      error
	recorded uint64 // records of the run read as recorded
}

// position moves the cursor to the end of the records without matching
// anything: what was there before the run is not the run's.
func (pl *poller) position(ctx context.Context) error { return pl.pages(ctx, false) }

// drain reads and matches every record available now.
func (pl *poller) drain(ctx context.Context) error { return pl.pages(ctx, true) }

func (pl *poller) pages(ctx context.Context, match bool) error {
	for range 100_000 { // bounded: a receiver whose pages never end cannot hold the run
		recs, next, err := pl.src.Records(ctx, pl.p.Name, pl.cursor)
		if err != nil {
			return err
		}
		now := time.Now()
		if match {
			for i := range recs {
				pl.record(&recs[i], now)
			}
		}
		if next == "" || next == pl.cursor { // no further for now
			return nil
		}
		pl.cursor = next
	}
	return errors.New("read-back paging did not end")
}

// record matches one record by its key: the key the receiver gave, else read
// from the body it kept.
func (pl *poller) record(r *Record, now time.Time) {
	if (r.Profile != "" && r.Profile != pl.p.Name) || !r.Recorded() {
		return
	}
	pl.recorded++
	key := r.Key
	if key == "" && len(r.Body) > 0 {
		if doc, err := strictjson.Decode(r.Body); err == nil {
			key = pl.p.Key(doc)
		}
	}
	if key == "" {
		pl.l.mu.Lock()
		pl.l.unmatched++
		pl.l.mu.Unlock()
		return
	}
	pl.l.seen(key, now)
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
			pl.err = fmt.Errorf("read-back: %w", err)
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

// settle stops the background poller, keeps reading the records until every
// acknowledged event is recorded or Settle has passed, then reads the exact
// counters (when the receiver has an inspection API) and reconciles.
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
			recv.Notes = append(recv.Notes, fmt.Sprintf("read-back after the interrupt: %v", err))
		}
		cancel()
	}
	for pl.err == nil && ctx.Err() == nil {
		if err := pl.drain(ctx); err != nil {
			pl.err = fmt.Errorf("read-back: %w", err)
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
	if m, ok := pl.src.(interface{ missed() uint64 }); ok {
		l.mu.Lock()
		l.missed = m.missed()
		l.mu.Unlock()
	}

	e.rec.mu.Lock()
	recv.SentEvents = e.rec.uniqueEvents
	acked := e.rec.ackedEvents
	e.rec.mu.Unlock()

	// The receiver's count of events recorded during the run: its exact
	// counters, else the records read back (when every page was read).
	var recorded *uint64
	counters := false
	if before != nil {
		if after, err := ic.Stats(ctx); err == nil {
			e.epochs.see(after.Epoch)
			n := after.Profiles[e.cfg.Profile.Name].Events - before.Profiles[e.cfg.Profile.Name].Events
			recorded, counters = &n, true
		} else {
			recv.Notes = append(recv.Notes, fmt.Sprintf("stats after the run: %v", err))
		}
	}
	if recorded == nil && pl.err == nil {
		recorded = ptr(pl.recorded)
	}
	recv.Recorded = recorded

	if ic != nil {
		if h, err := ic.Health(ctx); err == nil {
			e.epochs.see(h.Epoch)
		}
	}
	if reason := e.epochs.reset(); reason != "" {
		// Counts across a reset compare two states: nothing is measured.
		recv.StateReset = reason
		recv.Recorded = nil
		return recv
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	recv.Missed, recv.Unmatched, recv.Foreign, recv.Unsettled = l.missed, l.unmatched, l.foreign, l.unsettled
	complete := pl.err == nil && l.missed == 0 && l.unmatched == 0 && l.unkeyed == 0
	switch {
	case complete:
		recv.Source = e.readBackName
		recv.Duplicates, recv.Lost = ptr(l.duplicates), ptr(l.lost)
	case counters:
		recv.Source = "counters"
		var dups, lost uint64
		if *recorded > recv.SentEvents {
			dups = *recorded - recv.SentEvents
		} else {
			lost = recv.SentEvents - *recorded
		}
		recv.Duplicates, recv.Lost = ptr(dups), ptr(lost)
		recv.Notes = append(recv.Notes, fmt.Sprintf("the read-back could not account for every event (%d records evicted unread, %d events without a readable key, %d sent without one): duplicates and losses come from the exact counters, where they net out", l.missed, l.unmatched, l.unkeyed))
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
	if recorded != nil && recv.SentEvents > 0 && !(cut && !counters) {
		d := math.Abs(float64(*recorded)-float64(recv.SentEvents)) / float64(recv.SentEvents)
		recv.Discrepancy = ptr(round(d))
		recv.Flagged = d > DiscrepancyFlag
	}
	if l.pending > 0 && !complete {
		recv.Notes = append(recv.Notes, fmt.Sprintf("%d acknowledged events were still unmatched when the settle time ended", l.pending))
	}
	return recv
}

// DiscrepancyFlag is the seed's reconciliation trigger (servicelevel.ReconcileAbove).
const DiscrepancyFlag = servicelevel.ReconcileAbove
