package load

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// openLoop dispatches arrivals on the pacer's schedule, whatever the answers.
// It returns the scheduled requests never sent: by the generator's own fault,
// and because every in-flight slot was held by the target.
func (e *engine) openLoop(ctx context.Context, start, end time.Time) (genNotSent, capNotSent uint64) {
	s := e.s
	pool := newPool(s.MaxInFlight, func(i int, next func() (job, bool)) {
		rng := rand.New(rand.NewPCG(uint64(s.Seed), uint64(i)))
		c := e.newConn()
		defer c.close()
		for j, ok := next(); ok; j, ok = next() {
			e.do(ctx, c, &j, rng)
		}
	})
	prod, stopProd := e.produce(ctx)
	defer stopProd()
	var made batch

	rng := rand.New(rand.NewPCG(uint64(s.Seed), 0x5c4ed))
	pacer := NewPacer(s)
	deadline := time.NewTimer(time.Until(end))
	defer deadline.Stop()
	sleep := time.NewTimer(0)
	<-sleep.C
	var elapsed, excused time.Duration
	var hits uint64
	stopped := false
	for !stopped {
		wait, stop := pacer.Pace(elapsed, hits)
		if stop || elapsed+wait > s.Duration {
			break
		}
		next := elapsed + wait       // committed only once dispatched
		if !e.cfg.Shard.owns(hits) { // another shard's arrival
			elapsed, hits = next, hits+1
			continue
		}
		sched := start.Add(next)
		r := e.w.replayed(rng, sched)
		if r == nil {
			r = made.take()
		}
		if r == nil {
			select {
			case b := <-prod:
				r = made.fill(b)
			case <-deadline.C:
				stopped = true
				continue
			case <-ctx.Done():
				stopped = true
				continue
			}
			if r == nil { // the workload failed
				stopped = true
				continue
			}
		}
		// Timers wake up to a millisecond late (the runtime polls at that
		// granularity), which would be latency the engine adds: wake up
		// to timerSlack early instead, and count an early request's latency
		// from its actual send (attempt.go).
		if d := time.Until(sched); d > timerSlack {
			sleep.Reset(d - timerSlack)
			select {
			case <-sleep.C:
			case <-ctx.Done():
				stopped = true
				continue
			}
		}
		blocked := false
		select {
		case <-pool.avail:
		default:
			blocked = true
			select {
			case <-pool.avail:
			case <-deadline.C:
				excused = time.Since(sched)
				stopped = true
				continue
			case <-ctx.Done():
				stopped = true
				continue
			}
		}
		pool.dispatch(job{req: r, sched: sched, waited: blocked}) // a value: no allocation per arrival
		late := time.Since(sched)
		if blocked {
			excused = late // the backlog so far is the target's doing
		} else if late < excused {
			excused = max(late, 0)
		}
		e.rec.dispatched(max(0, late-excused), blocked)
		elapsed = next
		hits++
	}
	pool.close()
	if ctx.Err() != nil && time.Now().Before(end) {
		pool.wait() // interrupted: the rest of the schedule was called off, not missed
		return 0, 0
	}
	// Whatever the schedule still held is not sent: count it, and when the
	// target held the slots, record how long each had waited by the end.
	byTarget := excused > s.LagTolerance
	now := time.Now()
	for {
		wait, stop := pacer.Pace(elapsed, hits)
		if stop || elapsed+wait > s.Duration {
			break
		}
		elapsed += wait
		hits++
		if !e.cfg.Shard.owns(hits - 1) {
			continue
		}
		if byTarget {
			capNotSent++
			sched := start.Add(elapsed)
			e.rec.record(&outcome{endpoint: -1, class: classNotSent, latency: max(0, now.Sub(sched)), at: now,
				detail: "every in-flight slot was held by the target until the end of the run"})
		} else {
			genNotSent++
		}
	}
	pool.wait()
	return genNotSent, capNotSent
}

// closedLoop is the "max" probe: each of MaxInFlight clients sends the next
// request as soon as its previous one is answered, until end.
func (e *engine) closedLoop(ctx context.Context, end time.Time) {
	prod, stopProd := e.produce(ctx)
	defer stopProd()
	stop, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	var workers sync.WaitGroup
	for i := range e.s.MaxInFlight {
		workers.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(e.s.Seed), uint64(i)))
			c := e.newConn()
			defer c.close()
			var made batch
			for stop.Err() == nil {
				sched := time.Now() // one clock reading, unless the producer is waited for
				r := e.w.replayed(rng, sched)
				if r == nil {
					r = made.take()
				}
				if r == nil {
					select {
					case b := <-prod:
						r = made.fill(b)
					case <-stop.Done():
						return
					}
					sched = time.Now()
				}
				if r == nil {
					return
				}
				e.do(ctx, c, &job{req: r, sched: sched}, rng)
			}
		})
	}
	workers.Wait()
}

// produce makes requests ahead of the schedule on its own goroutine, so that
// building and encoding events is off the dispatch path. It hands them over
// in batches: one request at a time while there is room, so a slow workload
// delays nothing, and up to batchMax when the consumers lag behind, so the
// producer is woken once a batch and not once a request (that wake-up was a
// tenth of the engine's CPU at the maximum rate). A nil batch (the channel
// closed) means the workload failed.
func (e *engine) produce(ctx context.Context) (<-chan []*request, func()) {
	const batchMax = 16
	out := make(chan []*request, 256/batchMax)
	ctx, cancel := context.WithCancel(ctx)
	var done sync.WaitGroup
	done.Go(func() {
		b := make([]*request, 0, batchMax)
		for {
			if e.cfg.build != nil {
				e.cfg.build()
			}
			r, err := e.w.next()
			if err != nil {
				if len(b) > 0 { // what was made is sent, then the failure
					select {
					case out <- b:
					case <-ctx.Done():
						return
					}
				}
				e.fatal.Store(&err)
				close(out)
				return
			}
			b = append(b, r)
			if len(b) < batchMax {
				select {
				case out <- b: // room: hand it over now
					b = make([]*request, 0, batchMax)
				default: // full: make more into this batch
				}
				continue
			}
			select {
			case out <- b:
				b = make([]*request, 0, batchMax)
			case <-ctx.Done():
				return
			}
		}
	})
	return out, func() { cancel(); done.Wait() }
}

// batch is a consumer's share of produce's requests.
type batch []*request

// take returns the next request in hand, or nil when there is none.
func (b *batch) take() *request {
	if len(*b) == 0 {
		return nil
	}
	r := (*b)[0]
	*b = (*b)[1:]
	return r
}

// fill holds a batch from produce and returns its first request; nil when
// the workload failed.
func (b *batch) fill(got []*request) *request {
	*b = got
	return b.take()
}

// timerSlack is how early the open loop may send a request: the runtime's
// timer granularity when its processors are idle.
const timerSlack = time.Millisecond
