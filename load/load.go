// Package load is the SLA load engine behind `s2s load`: it sends a profile's
// valid, signed events to a receiver at a scheduled arrival rate and measures
// what the receiver did with them.
//
// Latency is measured the way wrk2 does, not the way a worker-pool tool does:
// the schedule is open (arrivals do not wait for answers) and every request's
// latency runs from the time it was scheduled to be sent, so a stalled
// receiver shows in the percentiles even though in-flight requests are
// capped. When the generator itself falls behind its schedule the run is
// invalid rather than passed. Latencies go into HDR histograms (overall, per
// endpoint, per status class, per time slice), so memory does not grow with
// the run.
//
// vegeta/v12 provides the shapes: rate shapes are vegeta Pacers, requests are
// vegeta Targets. Its Attacker is not used for runs because it measures from
// the actual send and grows workers without bound.
//
// With an inspection URL the engine also reads the receiver's journal and
// counters during the run (package inspect) for duplicates, losses, ingest lag
// and the sender/receiver discrepancy. Results are reports.Load values; the
// CLI renders and writes them.
package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/internal/targeturl"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/reports"
)

// Config is one run.
type Config struct {
	Profile  *profile.Profile
	Target   string // base URL of the receiver, e.g. http://127.0.0.1:8080
	Scenario *Scenario
	// Credentials sign every request; nil means the profile's defaults (the mock's).
	Credentials *profile.Credentials
	// Header is added to every request (after the profile's own headers).
	Header http.Header
	// SLA nil means DefaultSLA(Scenario.Window).
	SLA *SLA
	// Inspect is the receiver's inspection API base URL ("" for none).
	Inspect string
	// Client nil means one built for the scenario (keep-alive, no redirects).
	Client *http.Client
	// Progress, when set, is called every ProgressEvery (default 1 s).
	Progress      func(Progress)
	ProgressEvery time.Duration
	Version       string

	// hooks for tests: build delays every request the generator makes.
	build func()
}

// ErrConfig marks a run that cannot start as configured.
var ErrConfig = errors.New("invalid load configuration")

// job is one scheduled request on its way to a worker.
type job struct {
	req   *request
	sched time.Time
}

type engine struct {
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
	flagDups   atomic.Uint64
	flagChecks atomic.Uint64
	drainBy    time.Time
	fatal      atomic.Pointer[error]
}

// Run executes one load run and returns its result. The error is non-nil only
// when the run could not take place (bad configuration: ErrConfig,
// ErrScenario, ErrSLA; target unreachable); a run that happened always yields
// a result, whose Verdict says passed, breached or invalid.
func Run(ctx context.Context, cfg Config) (*reports.Load, error) {
	if cfg.Profile == nil || cfg.Scenario == nil {
		return nil, fmt.Errorf("%w: profile and scenario are required", ErrConfig)
	}
	s := cfg.Scenario
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("scenario %q: %w: %w", s.Name, ErrScenario, err)
	}
	if s.Seed == 0 {
		fresh := *s
		fresh.Seed = time.Now().UnixNano()
		s, cfg.Scenario = &fresh, &fresh
	}
	u, err := targeturl.Check(cfg.Target)
	if err != nil {
		return nil, fmt.Errorf("%w: target %w", ErrConfig, err)
	}
	if cfg.SLA == nil {
		cfg.SLA = DefaultSLA(s.Window)
	}
	creds := cfg.Profile.Defaults
	if cfg.Credentials != nil {
		creds = *cfg.Credentials
	}
	e := &engine{cfg: cfg, s: s, flag: findReplayFlag(cfg.Profile)}
	var ic *inspect.Client
	if cfg.Inspect != "" {
		if ic, err = inspect.NewClient(cfg.Inspect, nil); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	e.w, err = newWorkload(cfg.Profile, s, cfg.Target, creds, cfg.Header, ic != nil, time.Now())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if err := (configfile.Profile{Credentials: &creds}).Check(cfg.Profile); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	e.base = u
	e.hc = cfg.Client
	if e.hc == nil {
		e.hc = newClient(s)
		e.direct = !proxied(cfg.Target)
	}
	if err := targeturl.Probe(ctx, e.hc, cfg.Target); err != nil {
		return nil, err
	}
	return e.run(ctx, ic)
}

func newClient(s *Scenario) *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		MaxIdleConns:          s.MaxInFlight,
		MaxIdleConnsPerHost:   s.MaxInFlight,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   s.Timeout,
		DisableCompression:    true,
		ForceAttemptHTTP2:     true,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a redirect is an answer to report, not to follow
	}}
}

// newConn returns a worker's connection: its own HTTP/1.1 connection, or the
// shared net/http client when one was given or a proxy is in the way.
func (e *engine) newConn() conn {
	if e.direct {
		return newH1(e.base, e.s.Timeout)
	}
	return stdConn{hc: e.hc}
}

// proxied reports whether the environment routes target through a proxy.
func proxied(target string) bool {
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return false
	}
	u, err := http.ProxyFromEnvironment(req)
	return err == nil && u != nil
}

func (e *engine) run(ctx context.Context, ic *inspect.Client) (*reports.Load, error) {
	s := e.s
	result := &reports.Load{Schema: reports.LoadSchema, Version: e.cfg.Version, Profile: e.cfg.Profile.Name,
		Target: e.cfg.Target, Inspect: e.cfg.Inspect, Scenario: e.describe()}

	var pl *poller
	var before *inspect.Stats
	var notes []string
	if ic != nil {
		e.ledger = newLedger(30*time.Second, s.Horizon)
		pl = &poller{ic: ic, p: e.cfg.Profile, l: e.ledger, every: 250 * time.Millisecond}
		if h, err := ic.Health(ctx); err != nil {
			return nil, fmt.Errorf("inspection API %s: %w", e.cfg.Inspect, err)
		} else if !slices.Contains(h.Profiles, e.cfg.Profile.Name) {
			notes = append(notes, fmt.Sprintf("the inspection API does not list profile %s (it lists %v)", e.cfg.Profile.Name, h.Profiles))
		}
		if err := pl.position(ctx); err != nil {
			return nil, fmt.Errorf("inspection API %s: %w", e.cfg.Inspect, err)
		}
		if st, err := ic.Stats(ctx); err == nil {
			before = &st
		} else {
			notes = append(notes, "the receiver has no /_s2s/stats: recorded counts and discrepancy are not measured")
		}
	}

	start := time.Now().Add(20 * time.Millisecond) // first arrival a moment after set-up
	e.rec = newRecorder(start, bucketFor(s.Duration), s.LagTolerance, e.cfg.SLA)
	end := start.Add(s.Duration)
	e.drainBy = end.Add(s.Timeout)
	result.Started = start.UTC()

	// Requests on the wire end at drainBy at the latest, or at once on interrupt.
	runCtx, cancelRun := context.WithDeadline(context.WithoutCancel(ctx), e.drainBy.Add(time.Second))
	defer cancelRun()
	stopOnInterrupt := context.AfterFunc(ctx, cancelRun)
	defer stopOnInterrupt()

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
	e.rec.finish(maxTime(last, e.rec.lastDone))
	progressDone()

	interrupted := ctx.Err() != nil
	var recv reports.LoadReceiver
	if pl != nil {
		recv = e.settle(ctx, ic, pl, before, stopPoll, &pollDone)
	}
	stopPoll()
	pollDone.Wait()
	recv.Notes = append(notes, recv.Notes...)

	result.Finished = time.Now().UTC()
	e.fill(result, start, genNotSent, capNotSent)
	result.Receiver = recv
	if recv.Source == "" && e.flag != nil && result.Requests.Replays > 0 {
		e.flagReceiver(result)
	}
	result.Thresholds = e.cfg.SLA.evaluate(e.metricValue(result), e.rec.worst)

	var reasons []string
	if interrupted {
		reasons = append(reasons, "interrupted before the end of the scenario")
	}
	if err := e.fatal.Load(); err != nil {
		reasons = append(reasons, fmt.Sprintf("the workload failed: %v", *err))
	}
	g := result.Generator
	if g.FellBehind {
		reasons = append(reasons, fmt.Sprintf("the load generator fell behind its schedule (%d of %d requests dispatched more than %s late by the generator, %d never sent): the offered rate was not offered",
			g.Late, result.Requests.Scheduled, s.LagTolerance, g.NotSent))
	}
	result.Reasons = reasons
	switch {
	case len(reasons) > 0:
		result.Verdict = reports.LoadInvalid
	case len(result.Breached()) > 0:
		result.Verdict = reports.LoadBreached
	default:
		result.Verdict = reports.LoadPassed
	}
	return result, nil
}

// openLoop dispatches arrivals on the pacer's schedule, whatever the answers.
// It returns the scheduled requests never sent: by the generator's own fault,
// and because every in-flight slot was held by the target.
func (e *engine) openLoop(ctx context.Context, start, end time.Time) (genNotSent, capNotSent uint64) {
	s := e.s
	pool := newPool(s.MaxInFlight, func(i int, next func() (*job, bool)) {
		rng := rand.New(rand.NewPCG(uint64(s.Seed), uint64(i)))
		c := e.newConn()
		defer c.close()
		for j, ok := next(); ok; j, ok = next() {
			e.do(ctx, c, j, rng)
		}
	})
	prod, stopProd := e.produce(ctx)
	defer stopProd()

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
		next := elapsed + wait // committed only once dispatched
		sched := start.Add(next)
		r := e.w.replayed(rng, sched)
		if r == nil {
			select {
			case r = <-prod:
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
		if d := time.Until(sched); d > 0 {
			sleep.Reset(d)
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
		pool.dispatch(&job{req: r, sched: sched})
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

// pool holds the in-flight slots: one worker (and one connection) each. The
// most recently idle worker gets the next request, so at a low rate a few
// connections stay warm instead of every one going stale in turn.
type pool struct {
	mu    sync.Mutex
	idle  []chan *job // a stack
	all   []chan *job
	avail chan struct{} // one token per idle worker
	done  sync.WaitGroup
}

// newPool starts n workers; each calls next for its jobs until it says no more.
func newPool(n int, work func(i int, next func() (*job, bool))) *pool {
	p := &pool{avail: make(chan struct{}, n)}
	for i := range n {
		ch := make(chan *job, 1)
		p.all = append(p.all, ch)
		p.idle = append(p.idle, ch)
		p.avail <- struct{}{}
		busy := false
		next := func() (*job, bool) {
			if busy { // done with the last job: back on the stack
				p.mu.Lock()
				p.idle = append(p.idle, ch)
				p.mu.Unlock()
				p.avail <- struct{}{}
			}
			j, ok := <-ch
			busy = true
			return j, ok
		}
		p.done.Go(func() { work(i, next) })
	}
	return p
}

// dispatch hands j to the most recently idle worker; the caller holds a token
// from avail.
func (p *pool) dispatch(j *job) {
	p.mu.Lock()
	ch := p.idle[len(p.idle)-1]
	p.idle = p.idle[:len(p.idle)-1]
	p.mu.Unlock()
	ch <- j
}

// close ends the workers once they finish what they hold; wait waits for it.
func (p *pool) close() {
	for _, ch := range p.all {
		close(ch)
	}
}

func (p *pool) wait() { p.done.Wait() }

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
			for stop.Err() == nil {
				r := e.w.replayed(rng, time.Now())
				if r == nil {
					select {
					case r = <-prod:
					case <-stop.Done():
						return
					}
				}
				if r == nil {
					return
				}
				e.do(ctx, c, &job{req: r, sched: time.Now()}, rng)
			}
		})
	}
	workers.Wait()
}

// produce makes requests ahead of the schedule on its own goroutine, so that
// building and encoding events is off the dispatch path. A nil request means
// the workload failed.
func (e *engine) produce(ctx context.Context) (<-chan *request, func()) {
	out := make(chan *request, 256)
	ctx, cancel := context.WithCancel(ctx)
	var done sync.WaitGroup
	done.Go(func() {
		for {
			if e.cfg.build != nil {
				e.cfg.build()
			}
			r, err := e.w.next()
			if err != nil {
				e.fatal.Store(&err)
				close(out)
				return
			}
			select {
			case out <- r:
			case <-ctx.Done():
				return
			}
		}
	})
	return out, func() { cancel(); done.Wait() }
}

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

func (e *engine) describe() reports.LoadScenario {
	s := e.s
	d := reports.LoadScenario{Name: s.Name, Description: s.Description, Rate: round(s.Rate), DurationS: s.Duration.Seconds(),
		Endpoints: s.Endpoints, Replay: s.Replay, MaxInFlight: s.MaxInFlight,
		TimeoutMS: float64(s.Timeout) / float64(time.Millisecond), Seed: s.Seed}
	for _, n := range e.w.batch { // the sizes used, after the endpoints' caps
		d.Batch = max(d.Batch, n)
	}
	if !s.Max {
		for _, g := range s.Segments() {
			d.Stages = append(d.Stages, reports.LoadStage{DurationS: (g.End - g.Start).Seconds(), From: round(g.From), To: round(g.To)})
		}
	}
	if r := s.Retry; r != nil {
		d.Retry = &reports.LoadRetry{Max: r.Max, BaseMS: float64(r.Base) / float64(time.Millisecond),
			CapMS: float64(r.Cap) / float64(time.Millisecond), Jitter: r.Jitter, RetryAfter: r.RetryAfter}
	}
	return d
}

// fill writes the sender-side metrics into the result.
func (e *engine) fill(res *reports.Load, start time.Time, genNotSent, capNotSent uint64) {
	r := e.rec
	r.mu.Lock()
	defer r.mu.Unlock()
	end := maxTime(r.lastDone, start.Add(e.s.Duration))
	elapsed := end.Sub(start)
	res.ElapsedMS = float64(elapsed) / float64(time.Millisecond)
	notSent := genNotSent + capNotSent
	res.Requests = reports.LoadCounts{Scheduled: r.firstAttempts + notSent, Sent: r.firstAttempts, NotSent: notSent,
		Attempts: r.attempts, Retries: r.retries, Exhausted: r.exhausted, Replays: r.replays, Events: r.events,
		Acknowledged: r.acked, AckedEvents: r.ackedEvents}
	secs := elapsed.Seconds()
	res.Throughput = reports.LoadThroughput{Offered: round(float64(res.Requests.Scheduled) / e.s.Duration.Seconds()),
		Sent: round(float64(r.attempts) / secs), Acknowledged: round(float64(r.acked) / secs),
		Events: round(float64(r.ackedEvents) / secs)}
	res.Latency = summarize(r.overall, true)
	res.Service = summarize(r.service, true)
	if total := r.attempts + r.notSent; total > 0 {
		res.Availability = round(float64(r.available) / float64(total))
		res.ErrorRate = round(1 - res.Availability)
	}
	if r.answered > 0 {
		res.RateLimited = round(float64(r.rateLimited) / float64(r.answered))
	}
	if r.firstAttempts > 0 {
		res.RetryRate = round(float64(r.retries) / float64(r.firstAttempts))
	}
	res.Status = r.status
	res.Errors = r.errorList()
	for i := range e.cfg.Profile.Endpoints {
		if g := r.endpoints[i]; g != nil {
			res.Endpoints = append(res.Endpoints, reports.LoadGroup{Name: e.cfg.Profile.Endpoints[i].ID, Requests: g.requests,
				Latency: summarize(g.hist, false)})
		}
	}
	res.Classes = r.classGroups()
	res.Generator = reports.LoadGenerator{LagP99MS: ms(r.lag.ValueAtQuantile(99)), LagMaxMS: ms(r.lag.Max()),
		Late: r.late, ToleranceMS: float64(e.s.LagTolerance) / float64(time.Millisecond), NotSent: genNotSent, CapWaits: r.capWaits}
	scheduled := res.Requests.Scheduled
	res.Generator.FellBehind = !e.s.Max && scheduled > 0 && (genNotSent > 0 && genNotSent*100 >= scheduled || r.late*100 > scheduled)
	res.WindowS = r.bucket.Seconds()
	res.Windows = r.timeline
}

// flagReceiver counts duplicates from the replay flag of the answers when
// there was no journal to read.
func (e *engine) flagReceiver(res *reports.Load) {
	checked := e.flagChecks.Load()
	if checked == 0 {
		return
	}
	dups := e.flagDups.Load()
	res.Receiver.Source = "response-flag"
	res.Receiver.SentEvents = e.rec.uniqueEvents
	res.Receiver.Duplicates = ptr(dups)
	if res.Requests.AckedEvents > 0 {
		res.Receiver.DuplicateRate = ptr(round(float64(dups) / float64(res.Requests.AckedEvents)))
	}
	res.Receiver.Notes = append(res.Receiver.Notes, fmt.Sprintf("duplicates counted from the %q member of %d replay answers; loss and ingest lag need -inspect", e.flag.field, checked))
}

// metricValue returns a run-level metric for the SLA; false (and why) when the
// run could not measure it.
func (e *engine) metricValue(res *reports.Load) func(string) (float64, bool, string) {
	return func(name string) (float64, bool, string) {
		m := metrics[name]
		l := res.Latency
		if m.unit == unitMS && m.quantile > 0 || name == "mean_latency" {
			if l.Count == 0 {
				return 0, false, "no request completed"
			}
		}
		rv := res.Receiver
		switch name {
		case "p50":
			return l.P50MS, true, ""
		case "p90":
			return l.P90MS, true, ""
		case "p95":
			return l.P95MS, true, ""
		case "p99":
			return l.P99MS, true, ""
		case "p99.9":
			return l.P999MS, true, ""
		case "max_latency":
			return l.MaxMS, true, ""
		case "mean_latency":
			return l.MeanMS, true, ""
		case "availability":
			return res.Availability, res.Requests.Scheduled > 0, "no request scheduled"
		case "error_rate":
			return res.ErrorRate, res.Requests.Scheduled > 0, "no request scheduled"
		case "rate_limited":
			return res.RateLimited, res.Requests.Attempts > 0, "no answer"
		case "throughput":
			return res.Throughput.Acknowledged, true, ""
		case "retry_rate":
			return res.RetryRate, res.Requests.Sent > 0, "no request sent"
		case "duplicate_rate":
			return deref(rv.DuplicateRate), rv.DuplicateRate != nil, "not measured: needs -inspect, or replies carrying a replay flag"
		case "loss_rate":
			return deref(rv.LossRate), rv.LossRate != nil, "not measured: needs -inspect with a journal"
		case "ingest_lag_mean", "ingest_lag_p95", "ingest_lag_max":
			if rv.IngestLag == nil {
				return 0, false, "not measured: needs -inspect with a journal"
			}
			switch name {
			case "ingest_lag_mean":
				return rv.IngestLag.MeanMS, true, ""
			case "ingest_lag_p95":
				return rv.IngestLag.P95MS, true, ""
			}
			return rv.IngestLag.MaxMS, true, ""
		case "discrepancy":
			return deref(rv.Discrepancy), rv.Discrepancy != nil, "not measured: needs -inspect with /_s2s/stats"
		}
		return 0, false, "unknown metric"
	}
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
