package load

import (
	"context"
	"sync"
	"time"
)

// startProgress reports progress every ProgressEvery until the returned func is called.
func (e *engine) startProgress(ctx context.Context, end time.Time) func() {
	every := e.cfg.ProgressEvery
	if every <= 0 {
		every = time.Second
	}
	ctx, cancel := context.WithCancel(ctx)
	var done sync.WaitGroup
	done.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				p := e.rec.progress(now)
				p.Duration = e.s.Duration
				p.InFlight = e.inFlight.Load()
				if e.cfg.Progress != nil {
					e.cfg.Progress(p)
				}
			}
		}
	})
	return func() { cancel(); done.Wait() }
}

// Progress is a snapshot of a run for the live line (Config.Progress).
type Progress struct {
	Elapsed  time.Duration
	Duration time.Duration
	Rate     float64 // answers per second over the last slice
	P95      time.Duration
	Errors   uint64 // attempts not answered 2xx
	InFlight int64
}

func (r *recorder) progress(now time.Time) Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.advance(now)
	p := Progress{Elapsed: now.Sub(r.start), Errors: r.attempts - r.available}
	if n := len(r.timeline); n > 0 {
		p.Rate = r.timeline[n-1].Rate
	}
	if r.overall.TotalCount() > 0 {
		p.P95 = time.Duration(r.overall.ValueAtQuantile(95)) * time.Microsecond
	}
	return p
}
