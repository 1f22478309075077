package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
)

// job is one scheduled request on its way to a worker.
type job struct {
	req    *request
	sched  time.Time
	waited bool // for an in-flight slot: its delay is the target's doing
}

type engine struct {
	epochs   epochs // the receiver's state epochs seen (a change: its state was reset)
	cfg      Config
	s        *Scenario
	w        *workload
	rec      *recorder
	hc       *http.Client
	base     *url.URL
	direct   bool // each worker owns a keep-alive connection (h1Conn)
	ledger   *ledger
	flag     *replayFlag
	inFlight atomic.Int64
	// flagDups counts replays a receiver acknowledged as new (response flag).
	flagDups     atomic.Uint64
	flagChecks   atomic.Uint64
	drainBy      time.Time
	fatal        atomic.Pointer[error]
	readBackName string // "journal" (the inspection API) or "readback"
	// interrupted is set when the caller's context ends the run early.
	interrupted atomic.Bool
}

func (e *engine) run(ctx context.Context, ic *inspect.Client) (*Result, error) {
	s := e.s
	result := &Result{Schema: ResultSchema, Version: e.cfg.Version, Profile: e.cfg.Profile.Name,
		Target: e.cfg.Target, Inspect: e.cfg.Inspect, Scenario: e.describe()}

	var pl *poller
	var before *inspect.Stats
	var notes []string
	var src RecordSource
	switch {
	case e.cfg.ReadBack != nil:
		src, e.readBackName = e.cfg.ReadBack, "readback"
	case ic != nil:
		src, e.readBackName = &journalSource{ic: ic, p: e.cfg.Profile, epochs: &e.epochs}, "journal"
	}
	if ic != nil {
		if h, err := ic.Health(ctx); err != nil {
			return nil, fmt.Errorf("inspection API %s: %w", e.cfg.Inspect, err)
		} else if e.epochs.see(h.Epoch); !slices.Contains(h.Profiles, e.cfg.Profile.Name) {
			notes = append(notes, fmt.Sprintf("the inspection API does not list profile %s (it lists %v)", e.cfg.Profile.Name, h.Profiles))
		}
	}
	if ic != nil {
		var ae *inspect.APIError
		if st, err := ic.Stats(ctx); err == nil {
			e.epochs.see(st.Epoch)
			before = &st
		} else if errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden) {
			// The stats exist and the token was refused: measuring nothing
			// and saying "no stats" would hide a wrong $S2S_ADMIN_TOKEN.
			return nil, fmt.Errorf("%w: inspection API %s refused the admin token (%d): set $S2S_ADMIN_TOKEN to the mock's", ErrConfig, e.cfg.Inspect, ae.Status)
		} else {
			notes = append(notes, "the receiver has no /_s2s/stats: recorded counts and discrepancy are not measured")
		}
	}
	if src != nil {
		e.ledger = newLedger(30*time.Second, s.Horizon, e.w.hasher)
		pl = &poller{src: src, p: e.cfg.Profile, l: e.ledger, every: 250 * time.Millisecond}
		if err := pl.position(ctx); err != nil {
			return nil, fmt.Errorf("read-back (%s): %w", e.readBackName, err)
		}
	}

	start := time.Now().Add(20 * time.Millisecond) // first arrival a moment after set-up
	if !e.cfg.Start.IsZero() {                     // shards of one run start together
		start = e.cfg.Start
		if !sleepUntil(ctx, start) {
			return nil, ctx.Err()
		}
	}
	e.rec = newRecorder(start, bucketFor(s.Duration), s.LagTolerance, e.cfg.SLA)
	e.rec.keepSlices = e.cfg.Shard.sharded()
	end := start.Add(s.Duration)
	e.drainBy = end.Add(s.Timeout)
	result.Started = start.UTC()

	// Requests on the wire end at drainBy at the latest, or at once on interrupt.
	runCtx, cancelRun := context.WithDeadline(context.WithoutCancel(ctx), e.drainBy.Add(time.Second))
	defer cancelRun()
	stopOnInterrupt := context.AfterFunc(ctx, func() { e.interrupted.Store(true); cancelRun() })
	defer stopOnInterrupt()

	for i, out := range e.cfg.Outputs {
		if err := out.Start(ctx); err != nil {
			for _, o := range e.cfg.Outputs[:i] {
				_ = o.Stop()
			}
			return nil, err
		}
	}
	pollCtx, stopPoll := context.WithCancel(context.WithoutCancel(ctx))
	var pollDone sync.WaitGroup
	if pl != nil {
		pollDone.Go(func() { pl.run(pollCtx) })
	}
	progressDone := e.startProgress(ctx, end)

	var genNotSent, capNotSent uint64
	if s.Max {
		e.closedLoop(runCtx, end)
	} else {
		genNotSent, capNotSent = e.openLoop(runCtx, start, end)
	}
	last := time.Now()
	interrupted := ctx.Err() != nil
	e.rec.finish(maxTime(last, e.rec.lastDone))
	progressDone()
	// The run's span: the schedule, or up to the interrupt.
	span := end
	if interrupted && last.Before(end) {
		span = last
	}
	var recv Receiver
	if pl != nil {
		recv = e.settle(ctx, ic, pl, before, stopPoll, &pollDone)
	}
	stopPoll()
	pollDone.Wait()
	recv.Notes = append(notes, recv.Notes...)

	var outErrs []string
	for _, out := range e.cfg.Outputs {
		if err := out.Stop(); err != nil {
			outErrs = append(outErrs, fmt.Sprintf("output: %v", err))
		}
	}
	result.Finished = time.Now().UTC()
	e.fill(result, start, span, genNotSent, capNotSent)
	result.Receiver = recv
	if recv.Source == "" && e.flag != nil && result.Requests.Replays > 0 {
		e.flagReceiver(result)
	}
	result.Thresholds = e.cfg.SLA.evaluate(e.measured(result, false), e.rec.worst)
	result.Reasons, result.Verdict, result.GeneratorLagged = e.judge(result, interrupted)
	result.Reasons = append(result.Reasons, outErrs...)
	if e.cfg.Shard.sharded() {
		result.part = e.part(result, start, span, genNotSent, capNotSent, interrupted)
	}
	return result, nil
}
