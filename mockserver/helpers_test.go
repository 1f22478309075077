package mockserver_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// testNow is the instant the tests fix the mock's clock at.
var testNow = fixtures.DefaultNow()

// fixedClock is a settable clock for the tests.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// unlimited lifts every documented rate limit, so that tests sending many
// requests see the rule they exercise and not a 429.
func unlimited(cfg mockserver.Config) mockserver.Config {
	if cfg.Profiles == nil {
		cfg.Profiles = map[string]mockserver.ProfileConfig{}
	}
	for _, p := range builtin.All() {
		if p.Rate == nil {
			continue
		}
		pc := cfg.Profiles[p.Name]
		if pc.RateLimit == nil {
			pc.RateLimit = &mockserver.RateConfig{Limit: 1_000_000}
		}
		cfg.Profiles[p.Name] = pc
	}
	return cfg
}

type harness struct {
	t     testing.TB
	m     *mockserver.Mock
	clock *fixedClock
	ps    map[string]*profile.Profile
}

// newHarness builds a mock of every builtin profile on a fixed clock.
func newHarness(t testing.TB, cfg mockserver.Config, opts ...mockserver.Option) *harness {
	t.Helper()
	clock := &fixedClock{t: testNow}
	if sharedState != nil {
		opts = append(opts, mockserver.WithState(sharedState(t)))
	}
	m, err := mockserver.New(builtin.All(), append([]mockserver.Option{mockserver.WithConfig(cfg),
		mockserver.WithClock(clock), mockserver.WithSeed(1)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h := &harness{t: t, m: m, clock: clock, ps: map[string]*profile.Profile{}}
	for _, p := range builtin.All() {
		h.ps[p.Name] = p
	}
	return h
}

// request turns a payload into a signed HTTP request (credentials: the
// profile's defaults, at the mock's time), then lets change alter the
// outgoing request before it is built.
func (h *harness) request(p *profile.Profile, pl *profile.Payload, change func(*profile.Outgoing)) *http.Request {
	h.t.Helper()
	e, ok := p.Endpoint(pl.Endpoint)
	if !ok {
		h.t.Fatalf("%s: unknown endpoint %q", p.Name, pl.Endpoint)
	}
	o, err := pl.Outgoing(e)
	if err != nil {
		h.t.Fatal(err)
	}
	if p.Auth != nil {
		if err := p.Auth.Sign(o, p.Defaults, h.clock.Now()); err != nil {
			h.t.Fatalf("%s: sign: %v", p.Name, err)
		}
	}
	if change != nil {
		change(o)
	}
	return build(o)
}

// build is o as the mock receives it: its Target on the mock's host.
func build(o *profile.Outgoing) *http.Request {
	r := httptest.NewRequest(o.Endpoint.Method, "http://mock"+o.Target(), bytes.NewReader(o.Body))
	for k, vs := range o.Header {
		r.Header[k] = vs // as the sender wrote the name; the server canonicalises
	}
	return r
}

// do serves r and returns the recorded answer.
func (h *harness) do(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.m.ServeHTTP(w, r)
	return w
}

// send signs and serves a payload.
func (h *harness) send(p *profile.Profile, pl *profile.Payload) *httptest.ResponseRecorder {
	return h.do(h.request(p, pl, nil))
}

// valid returns the next valid payload of p (optionally of one event type).
func valid(t testing.TB, p *profile.Profile, seed int64, event string) *profile.Payload {
	t.Helper()
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: seed, Event: event, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	return gen.Next()
}

func violations(w *httptest.ResponseRecorder) []string {
	v := w.Header().Get(mockserver.ViolationsHeader)
	if v == "" {
		return nil
	}
	ids := strings.Split(v, ",")
	for i := range ids {
		ids[i] = strings.TrimSpace(ids[i])
	}
	return ids
}

func decode(t testing.TB, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("answer %d is not a JSON object: %v: %s", w.Code, err, w.Body)
	}
	return m
}

// inspect calls the inspection API in process and decodes the answer.
func (h *harness) inspect(method, path string, body any, out any) int {
	h.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	w := h.do(httptest.NewRequest(method, "http://mock"+inspect.Prefix+path, rd))
	if out != nil && w.Code/100 == 2 {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			h.t.Fatalf("%s %s: %v: %s", method, path, err, w.Body)
		}
	}
	return w.Code
}

// journal returns every journal entry of a profile.
func (h *harness) journal(profile string) []inspect.Entry {
	h.t.Helper()
	var page inspect.Page
	if code := h.inspect(http.MethodGet, "journal?limit=1000&profile="+profile, nil, &page); code != http.StatusOK {
		h.t.Fatalf("journal: %d", code)
	}
	return page.Entries
}

func (h *harness) last(profile string) inspect.Entry {
	h.t.Helper()
	es := h.journal(profile)
	if len(es) == 0 {
		h.t.Fatalf("journal of %s is empty", profile)
	}
	return es[len(es)-1]
}

func (h *harness) setFaults(profile string, f inspect.Faults) {
	h.t.Helper()
	if code := h.inspect(http.MethodPut, "faults/"+profile, f, nil); code != http.StatusOK {
		h.t.Fatalf("PUT faults/%s: %d", profile, code)
	}
}

func ok2xx(code int) bool { return code/100 == 2 }

// forEachProfile runs f per builtin profile as a subtest.
func forEachProfile(t *testing.T, f func(t *testing.T, p *profile.Profile)) {
	for _, p := range builtin.All() {
		t.Run(p.Name, func(t *testing.T) { f(t, p) })
	}
}

func testProfiles() []*profile.Profile { return builtin.All() }

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
