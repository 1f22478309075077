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
// and the sender/receiver discrepancy. A run yields a Result (result.go), the
// value load.json holds; package reports renders it and the CLI writes it.
//
// Files: load.go (configuration, Run), engine.go (one run from set-up to
// verdict), schedule.go (open and closed loops), pool.go (workers), attempt.go
// and h1.go (one request on the wire), recorder.go (measurements), metrics.go
// (the SLA metric catalogue and each metric's value), sla.go (thresholds),
// verdict.go, summary.go (the Result), reconcile.go (receiver-side accounting).
package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/internal/targeturl"
	"github.com/s2s-harness/s2s-harness/profile"
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
	// SLA nil means DefaultSLA(Profile, Scenario.Window).
	SLA *SLA
	// Inspect is the receiver's inspection API base URL ("" for none): its
	// journal is read back, and its exact counters give the discrepancy.
	Inspect string
	// InspectToken is the inspection API's bearer token (s2s mock -admin-token).
	InspectToken string
	// ReadBack, when set, is where the receiver's records are read back
	// (its own record API, its database) instead of the inspection journal.
	ReadBack RecordSource
	// Client nil means one built for the scenario (keep-alive, no redirects).
	Client *http.Client
	// Outputs receive every attempt while the run runs (-out).
	Outputs []Output
	// Progress, when set, is called every ProgressEvery (default 1 s).
	Progress      func(Progress)
	ProgressEvery time.Duration
	Version       string

	// Shard is this runner's share of the schedule (merge.go); the zero
	// value sends all of it.
	Shard Shard
	// Start is when the schedule begins (zero: now), so that the shards of
	// one run keep one clock. It must not be in the past.
	Start time.Time

	// hooks for tests: build delays every request the generator makes.
	build func()
}

// ErrConfig marks a run that cannot start as configured.
var ErrConfig = errors.New("invalid load configuration")

// Run executes one load run and returns its result. The error is non-nil only
// when the run could not take place (bad configuration: ErrConfig,
// ErrScenario, ErrSLA; target unreachable); a run that happened always yields
// a result, whose Verdict says passed, breached or invalid.
func Run(ctx context.Context, cfg Config) (*Result, error) {
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
	if sh := cfg.Shard; sh.Count > 0 && (sh.Index < 0 || sh.Index >= sh.Count) {
		return nil, fmt.Errorf("%w: %w: %s", ErrConfig, ErrShard, sh)
	}
	if cfg.Shard.sharded() { // its own events; cfg.Scenario keeps the run's seed
		own := *s
		own.Seed = cfg.Shard.seed(s.Seed)
		s = &own
	}
	if !cfg.Start.IsZero() && time.Until(cfg.Start) < 0 {
		return nil, fmt.Errorf("%w: start %s is in the past", ErrConfig, cfg.Start.UTC().Format(time.RFC3339Nano))
	}
	u, err := targeturl.Check(cfg.Target)
	if err != nil {
		return nil, fmt.Errorf("%w: target %w", ErrConfig, err)
	}
	if cfg.SLA == nil {
		cfg.SLA = DefaultSLA(cfg.Profile, s.Window)
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
		if cfg.InspectToken != "" {
			ic = ic.WithToken(cfg.InspectToken)
		}
	}
	e.w, err = newWorkload(cfg.Profile, s, cfg.Target, creds, cfg.Header, ic != nil || cfg.ReadBack != nil, time.Now())
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
	if e.direct {
		e.w.wire = h1Wire(u)
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
