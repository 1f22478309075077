// Package mockserver is the reference mock of the harness: one http.Handler
// that serves every profile's endpoints at their documented paths, faithful to
// the rules (through the one validator, in strict or lenient mode) and stateful
// (rolling-window rate limits, idempotency, duplicate marking, per-app
// sequences, recorded times), with the inspection API of package inspect under
// /_s2s/, fault injection, deliberate rule breaks (package mutant) for the
// conformance suite, and Prometheus metrics. `s2s mock` serves it; conformance
// and load tests point at it.
//
// Everything it does comes from the profiles' data: endpoints, Auth, Rate,
// Dedupe, Describe, Success, Error, Responses, TimeCases and the principal's
// Drop. It knows no API by name. State is bounded: the journal is a ring, the
// repeat-detection stores forget their oldest keys past a capacity, idle
// rate-limit buckets are swept; counters stay exact.
package mockserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver/mutant"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/validate"
)

// Mock serves the profiles. It is an http.Handler; Serve runs it on a listener
// with timeouts and graceful shutdown.
type Mock struct {
	buffers  sync.Pool // answer encoding buffers
	cfg      Config
	mode     profile.Mode
	clock    *adjustable
	log      *slog.Logger
	reg      *prometheus.Registry
	metrics  *metrics
	journal  Journal
	sessions *sessions
	dice     *dice
	profiles []*pstate
	byName   map[string]*pstate
	handler  http.Handler
	version  string
	maxBody  int64
	bodyCut  int
	events   int
	report   SessionReport // nil: the inspector shows no sender certificate
	hide     hiding        // every profile's: for the requests no endpoint served

	drainOnce sync.Once
	drain     chan struct{} // closed when shutting down: injected waits end at once
}

// pstate is one profile as served: the profile with the configured limits,
// its validator, credentials and state.
type pstate struct {
	p        *profile.Profile
	v        *validate.Validator
	creds    profile.Credentials
	hide     hiding  // never shown in the journal: creds' secrets, the admin token, the credential parameters
	limiter  Limiter // nil when the profile has no rate limit
	mem      Memory
	window   time.Duration // probable-duplicate window
	dropDups bool
	// seqAnswer: the success answer carries the app's sequence number (G123's
	// id), which a shared store decides only as it commits the entry.
	seqAnswer bool
	// configured: the credentials come from the config, not the profile's defaults.
	configured bool
	endpoints  []*endpoint
	faults     atomic.Pointer[faultState]

	analyseOnce sync.Once
	analysed    *mutant.Analysis
	analyseErr  error
}

// endpoint is one endpoint as served.
type endpoint struct {
	e      *profile.Endpoint
	index  int // in the profile's Endpoints
	series *series
}

// Option configures a Mock.
type Option func(*options)

type options struct {
	cfg     Config
	clock   Clock
	log     *slog.Logger
	reg     *prometheus.Registry
	seed    uint64
	version string
	state   State
	report  SessionReport
}

// WithConfig sets the configuration (limits, credentials, mode, faults…).
func WithConfig(c Config) Option { return func(o *options) { o.cfg = c } }

// WithClock sets the base clock the inspection API adjusts (default: real time).
func WithClock(c Clock) Option { return func(o *options) { o.clock = c } }

// WithLogger sets the structured logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithRegistry sets the Prometheus registry /metrics serves (default: a new one).
func WithRegistry(r *prometheus.Registry) Option { return func(o *options) { o.reg = r } }

// WithSeed seeds the fault injector's randomness (default: random).
func WithSeed(seed uint64) Option { return func(o *options) { o.seed = seed } }

// WithState keeps the mock's state in s (default: in the process). Replicas
// given one shared State behave as one mock.
func WithState(s State) Option { return func(o *options) { o.state = s } }

// WithVersion sets the version /_s2s/health reports.
func WithVersion(v string) Option { return func(o *options) { o.version = v } }

// New builds the mock for profiles. A config error names its key.
func New(profiles []*profile.Profile, opts ...Option) (*Mock, error) {
	o := options{clock: realClock{}, state: local{}}
	for _, opt := range opts {
		opt(&o)
	}
	if len(profiles) == 0 {
		return nil, errors.New("mock: no profiles to serve")
	}
	if err := o.cfg.Check(profiles); err != nil {
		return nil, err
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.reg == nil {
		o.reg = prometheus.NewRegistry()
	}
	if o.seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		for _, x := range b {
			o.seed = o.seed<<8 | uint64(x)
		}
	}
	met, err := newMetrics(o.reg)
	if err != nil {
		return nil, err
	}
	m := &Mock{
		cfg: o.cfg, mode: o.cfg.Mode, clock: newAdjustable(o.clock), log: o.log, reg: o.reg, metrics: met,
		dice: newDice(o.seed), byName: map[string]*pstate{}, version: o.version, sessions: newSessions(),
		maxBody: o.cfg.MaxBody, bodyCut: orInt(o.cfg.Journal.BodyBytes, DefaultJournalBody),
		events: orInt(o.cfg.Journal.Events, DefaultJournalEvents), drain: make(chan struct{}), report: o.report,
	}
	if m.mode == "" {
		m.mode = profile.Strict
	}
	if m.maxBody == 0 {
		m.maxBody = DefaultMaxBody
	}
	var names []string
	for _, p := range profiles {
		if slices.Contains(names, p.Name) {
			return nil, fmt.Errorf("mock: profile %s given twice", p.Name)
		}
		names = append(names, p.Name)
	}
	// Construction has no context: the store's own timeouts bound this call.
	if m.journal, err = o.state.Journal(context.Background(), orInt(o.cfg.Journal.Size, DefaultJournalSize),
		orInt(o.cfg.Journal.MaxBytes, DefaultJournalBytes), names, m.clock.Now()); err != nil {
		return nil, fmt.Errorf("mock: state: %w", err)
	}
	for _, p := range profiles {
		st, err := m.serve(p, o.cfg.Profiles[p.Name], o.state)
		if err != nil {
			return nil, err
		}
		st.hide = newHiding(append(st.creds.Secrets(), o.cfg.AdminToken), credentialParams(st.p, st.creds))
		m.hide.secrets = append(m.hide.secrets, st.hide.secrets...)
		m.hide.params = append(m.hide.params, st.hide.params...)
		m.profiles = append(m.profiles, st)
		m.byName[p.Name] = st
	}
	m.hide = newHiding(m.hide.secrets, m.hide.params)
	h, err := m.routes()
	if err != nil {
		return nil, err
	}
	m.handler = m.recoverer(m.canonicalPaths(h))
	return m, nil
}

// serve prepares one profile: a copy with the configured limits, its validator
// and state.
func (m *Mock) serve(src *profile.Profile, pc ProfileConfig, state State) (*pstate, error) {
	p := pc.Common.Apply(src)
	v, err := validate.New(p)
	if err != nil {
		return nil, fmt.Errorf("mock: profile %s: %w", p.Name, err)
	}
	st := &pstate{p: p, v: v, creds: p.Defaults, dropDups: pc.Dedupe.DropDuplicates, configured: pc.Credentials != nil,
		window: orDuration(pc.Dedupe.FallbackWindow, p.Dedupe.FallbackWindow),
		mem:    state.Memory(p.Name, orInt(pc.Dedupe.Keys, DefaultDedupeKeys))}
	if p.Rate != nil && p.Rate.Limit > 0 && p.Rate.Window > 0 {
		st.limiter = state.Limiter(p.Name, p.Rate.Limit, p.Rate.Window)
	}
	_, one := p.SuccessBody(profile.Outcome{Accepted: 1, Seq: 1})
	_, two := p.SuccessBody(profile.Outcome{Accepted: 1, Seq: 2})
	st.seqAnswer = !reflect.DeepEqual(one, two)
	for i := range p.Endpoints {
		e := &p.Endpoints[i]
		ep := &endpoint{e: e, index: i, series: m.metrics.series(p.Name, e.ID)}
		st.endpoints = append(st.endpoints, ep)
	}
	if err := m.setFaults(st, pc.Faults, time.Now()); err != nil {
		return nil, fmt.Errorf("config key profiles.%s.faults.%w", p.Name, err)
	}
	return st, nil
}

// analysis is computed on first need: only the mutants use it.
func (st *pstate) analysis() (*mutant.Analysis, error) {
	st.analyseOnce.Do(func() {
		st.analysed, st.analyseErr = mutant.Analyse(st.v, st.creds)
	})
	return st.analysed, st.analyseErr
}

// setFaults validates and installs f for st, starting a stall without a start
// at now. Broken rules compile into a mutant, served as the profile is.
func (m *Mock) setFaults(st *pstate, f inspect.Faults, now time.Time) error {
	if err := f.Validate(); err != nil {
		return err
	}
	fs := &faultState{f: f, p: st.p, v: st.v, mem: st.mem}
	var mu *mutant.Mutant
	if len(f.Break) > 0 {
		if err := mutant.CheckIDs(st.p, f.Break); err != nil {
			return err
		}
		a, err := st.analysis()
		if err != nil {
			return fmt.Errorf("break: %w", err)
		}
		if mu, err = a.Compile(f.Break); err != nil {
			return err
		}
		fs.p, fs.v = mu.Profile, mu.Validator
		if mu.RacyIdempotency {
			fs.mem = racyStore{st.mem}
		}
	}
	if tx, ok := m.journal.(Committer); ok && fs.mem == st.mem {
		fs.tx = tx // a racy memory looks, then claims: two steps by design
	}
	if fs.p.Rate != nil {
		fs.limiter = st.limiter
	}
	_, one := fs.p.SuccessBody(profile.Outcome{Accepted: 1, Seq: 1, Token: "00000000-0000-4000-8000-000000000001"})
	_, two := fs.p.SuccessBody(profile.Outcome{Accepted: 1, Seq: 1, Token: "00000000-0000-4000-8000-000000000002"})
	fs.tokenAnswer = !reflect.DeepEqual(one, two)
	fs.wraps = make([]func(http.Handler) http.Handler, len(st.endpoints))
	for i, ep := range st.endpoints {
		fs.caps = append(fs.caps, m.readCap(fs.p, &fs.p.Endpoints[ep.index]))
		if mu != nil {
			fs.wraps[i] = mu.Wrap(ep.e.ID)
		}
	}
	if s := f.Stall; s != nil {
		from := s.From
		if from.IsZero() {
			from = now
			fs.f.Stall = &inspect.Stall{From: from, For: s.For}
		}
		fs.stallFrom, fs.stallUntil = from, from.Add(s.For.D())
	}
	st.faults.Store(fs)
	return nil
}

// readCap is the most the mock reads of a body for e: its documented size (a
// size rule that rejects answers a larger one), else the configured cap. An
// endpoint whose transport carries no body has no size rule to apply.
func (m *Mock) readCap(p *profile.Profile, e *profile.Endpoint) int64 {
	switch {
	case !e.Carriage().Body:
		return m.maxBody
	case e.MaxBody > 0 && e.SizeRule != "":
		if r, ok := p.Rule(e.SizeRule); ok && !r.Enforce.Rejects(m.mode) {
			// Accepted and reported in this mode: read enough to see it broken.
			return max(m.maxBody, e.MaxBody+1)
		}
		return e.MaxBody
	case e.MaxBody > 0:
		return e.MaxBody
	}
	return m.maxBody
}

// ServeHTTP implements http.Handler.
func (m *Mock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if lengthAndEncoding(r.Context(), r.TransferEncoding) {
		// Which of the two frames the body is ambiguous: answer, and read no
		// more of this connection.
		w.Header().Set("Connection", "close")
		m.respond(w, http.StatusBadRequest, apiError{Error: "invalid_request",
			Message: "the request has both Content-Length and Transfer-Encoding (RFC 9112 §6.1); send one"})
		return
	}
	defer requestDone(r)
	m.handler.ServeHTTP(w, r)
}

// Mode returns the mode the profiles are served in.
func (m *Mock) Mode() profile.Mode { return m.mode }

// Served describes one profile as the mock serves it, for people.
type Served struct {
	Name        string
	Title       string
	Endpoints   []string // "POST /v2/s2s/event"
	Scheme      string
	Credentials profile.Credentials
	// Configured: the credentials come from the config (secrets not to print).
	Configured bool
	Rate       *profile.RateLimit
}

// Served lists what the mock serves, in order.
func (m *Mock) Served() []Served {
	var out []Served
	for _, st := range m.profiles {
		s := Served{Name: st.p.Name, Title: st.p.Title, Credentials: st.creds, Configured: st.configured, Rate: st.p.Rate}
		if st.p.Auth != nil {
			s.Scheme = st.p.Auth.Scheme()
		}
		for _, ep := range st.endpoints {
			s.Endpoints = append(s.Endpoints, ep.e.Pattern())
		}
		out = append(out, s)
	}
	return out
}

// uuid4 returns a random RFC 9562 version 4 UUID.
func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
