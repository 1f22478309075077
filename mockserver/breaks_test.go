package mockserver_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/mockserver/mutant"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/validate"
)

// TestEveryRuleIsBreakable enumerates every rule of every builtin profile: each
// must have a Break switch, and each of its roles must change what the mock
// does on a request that exercises the rule (the honest mock and the mutant
// answer or record it differently).
func TestEveryRuleIsBreakable(t *testing.T) {
	for _, p := range builtin.All() {
		roles, err := mutant.Roles(p, p.Defaults)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		for _, r := range p.Rules {
			t.Run(p.Name+"/"+r.ID, func(t *testing.T) {
				rs := roles[r.ID]
				if len(rs) == 0 {
					t.Fatalf("no Break switch of the mock breaks %s", r.ID)
				}
				for _, role := range rs {
					probe, ok := probes[role]
					if !ok {
						t.Fatalf("role %s has no probe", role)
					}
					t.Run(string(role), func(t *testing.T) { probe(t, p, r.ID) })
				}
			})
		}
	}
}

// twin is a pair of mocks: the honest one and one with rule broken.
type twin struct {
	honest, broken *harness
	p              *profile.Profile
	rule           string
}

func newMutant(t *testing.T, p *profile.Profile, rule string, cfg mockserver.Config) *twin {
	t.Helper()
	mu := &twin{honest: newHarness(t, cfg), broken: newHarness(t, cfg), p: p, rule: rule}
	mu.broken.setFaults(p.Name, inspect.Faults{Break: []string{rule}})
	return mu
}

// both runs the same scenario on both mocks.
func (mu *twin) both(f func(h *harness) *httptest.ResponseRecorder) (honest, broken *httptest.ResponseRecorder) {
	return f(mu.honest), f(mu.broken)
}

type probeFunc func(t *testing.T, p *profile.Profile, rule string)

var probes = map[mutant.Role]probeFunc{
	mutant.RoleViolation:  probeViolation,
	mutant.RoleRate:       probeRate,
	mutant.RoleIsolation:  probeIsolation,
	mutant.RoleDedupe:     probeDedupe,
	mutant.RoleConcurrent: probeConcurrent,
	mutant.RoleFallback:   probeFallback,
	mutant.RoleDrop:       probeDrop,
	mutant.RoleTime:       probeTime,
	mutant.RoleRedirect:   probeRedirect,
	mutant.RoleAlias:      probeAlias,
	mutant.RoleResponse:   probeResponse,
	mutant.RoleCode:       probeCode,
	mutant.RoleAccept:     probeAccept,
	mutant.RoleReading:    probeReading,
}

// candidate is a request that exercises a rule: a labelled variant or an
// auth break.
type candidate struct {
	name    string
	expect  profile.Expect
	also    bool
	request func(h *harness) *http.Request
}

func candidates(t *testing.T, p *profile.Profile, rule string) []candidate {
	t.Helper()
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	variants, err := fixtures.Variants(p, v.Schemas(), fixtures.Options{Seed: 5, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	var out []candidate
	for _, vr := range variants {
		if vr.Rule != rule && !slices.Contains(vr.Also, rule) {
			continue
		}
		out = append(out, candidate{name: vr.Name, expect: vr.Expect, also: vr.Rule != rule,
			request: func(h *harness) *http.Request { return h.request(p, vr.Payload.Clone(), nil) }})
	}
	if p.Auth != nil {
		for i, b := range p.Auth.Breaks() {
			if b.Rule != rule {
				continue
			}
			pl := valid(t, p, int64(1000+i), "")
			out = append(out, candidate{name: b.Name, expect: b.Expect,
				request: func(h *harness) *http.Request {
					return h.request(p, pl.Clone(), func(o *profile.Outgoing) { b.Apply(o, p.Defaults, h.clock.Now()) })
				}})
		}
	}
	return out
}

func probeViolation(t *testing.T, p *profile.Profile, rule string) {
	for _, mode := range []profile.Mode{profile.Strict, profile.Lenient} {
		mu := newMutant(t, p, rule, unlimited(mockserver.Config{Mode: mode}))
		for _, c := range candidates(t, p, rule) {
			honest, broken := mu.both(func(h *harness) *httptest.ResponseRecorder { return h.do(c.request(h)) })
			if !slices.Contains(violations(honest), rule) {
				continue
			}
			if slices.Contains(violations(broken), rule) {
				t.Fatalf("%s (%s): the mutant still reports %s", c.name, mode, rule)
			}
			if !ok2xx(honest.Code) && slices.Equal(violations(honest), []string{rule}) && !ok2xx(broken.Code) {
				t.Fatalf("%s (%s): the mutant still rejects it: %d %s", c.name, mode, broken.Code, broken.Body)
			}
			return
		}
	}
	t.Fatalf("no request makes the honest mock report %s", rule)
}

func limited(p *profile.Profile, limit int) mockserver.Config {
	return mockserver.Config{Profiles: map[string]mockserver.ProfileConfig{p.Name: {Common: mockserver.Common{RateLimit: &mockserver.RateConfig{Limit: limit}}}}}
}

func probeRate(t *testing.T, p *profile.Profile, rule string) {
	mu := newMutant(t, p, rule, limited(p, 2))
	var honest, broken *httptest.ResponseRecorder
	for i := range 3 {
		honest, broken = mu.both(func(h *harness) *httptest.ResponseRecorder { return h.send(p, valid(t, p, int64(i+1), "")) })
	}
	if honest.Code != http.StatusTooManyRequests || broken.Code != http.StatusOK {
		t.Fatalf("third request over a limit of 2: honest %d, mutant %d; want 429 and 200", honest.Code, broken.Code)
	}
}

func probeIsolation(t *testing.T, p *profile.Profile, rule string) {
	c2, ok := other(p.Defaults)
	if !ok {
		t.Fatal("the default credentials hold one principal only")
	}
	mu := newMutant(t, p, rule, limited(p, 1))
	mu.both(func(h *harness) *httptest.ResponseRecorder { return h.send(p, valid(t, p, 1, "")) })
	honest, broken := mu.both(func(h *harness) *httptest.ResponseRecorder {
		o := outgoing(t, p, valid(t, p, 2, ""), c2, h.clock.Now())
		return h.do(build(o))
	})
	if honest.Code != http.StatusOK || broken.Code != http.StatusTooManyRequests {
		t.Fatalf("another principal: honest %d, mutant %d; want 200 and 429", honest.Code, broken.Code)
	}
}

// keyed finds a valid payload whose first event the mock describes with an
// idempotency or duplicate key.
func keyed(t *testing.T, h *harness, p *profile.Profile) *profile.Payload {
	t.Helper()
	for seed := int64(1); seed < 50; seed++ {
		pl := valid(t, p, seed, "")
		h.send(p, pl)
		e := h.last(p.Name)
		if len(e.Events) > 0 && (e.Events[0].ID != "" || e.Events[0].DedupeKey != "") {
			h.inspect(http.MethodPost, "reset", nil, nil)
			return pl
		}
	}
	t.Fatal("no generated event has a dedupe key or an id")
	return nil
}

func probeDedupe(t *testing.T, p *profile.Profile, rule string) {
	mu := newMutant(t, p, rule, unlimited(mockserver.Config{}))
	pl := keyed(t, mu.honest, p)
	for _, h := range []*harness{mu.honest, mu.broken} {
		h.send(p, pl)
		h.send(p, pl)
	}
	he, be := mu.honest.last(p.Name), mu.broken.last(p.Name)
	repeat := func(e inspect.Entry) bool {
		return e.Outcome == inspect.Replay || len(e.Events) > 0 && (e.Events[0].Duplicate || e.Events[0].Replay)
	}
	if !repeat(he) || repeat(be) || !be.Events[0].Recorded {
		t.Fatalf("a repeat: honest %+v, mutant %+v; want it seen as a repeat by the honest mock only", he, be)
	}
}

func probeConcurrent(t *testing.T, p *profile.Profile, rule string) {
	const n = 50
	mu := newMutant(t, p, rule, unlimited(mockserver.Config{}))
	pl := valid(t, p, 7, "")
	recorded := func(h *harness) uint64 {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range n {
			r := h.request(p, pl, nil)
			wg.Go(func() {
				<-start
				h.do(r)
			})
		}
		close(start)
		wg.Wait()
		var st inspect.Stats
		h.inspect(http.MethodGet, "stats", nil, &st)
		return st.Profiles[p.Name].Events
	}
	if honest, broken := recorded(mu.honest), recorded(mu.broken); honest != 1 || broken <= 1 {
		t.Fatalf("%d concurrent deliveries recorded: honest %d, mutant %d; want 1 and more", n, honest, broken)
	}
	if rule == p.Dedupe.Rule {
		return // the rule covers sequential repeats too: its mutant forgets them as well
	}
	// Sequential repeats are still seen by the mutant.
	pl2 := valid(t, p, 8, "")
	mu.broken.send(p, pl2)
	mu.broken.send(p, pl2)
	if e := mu.broken.last(p.Name); e.Outcome != inspect.Replay {
		t.Fatalf("a sequential repeat on the mutant: got %s, want replay", e.Outcome)
	}
}

func probeFallback(t *testing.T, p *profile.Profile, rule string) {
	mu := newMutant(t, p, rule, unlimited(mockserver.Config{}))
	pl := keyed(t, mu.honest, p)
	// The same event under another id: change the member holding the id.
	second := pl.Clone()
	mu.honest.send(p, pl)
	id := mu.honest.last(p.Name).Events[0].ID
	item := firstItem(p, second)
	changed := false
	for k, v := range item {
		if v == id {
			item[k] = id + "-again"
			changed = true
		}
	}
	if !changed {
		t.Fatalf("no member of the event holds its id %q", id)
	}
	mu.broken.send(p, pl)
	mu.both(func(h *harness) *httptest.ResponseRecorder { return h.send(p, second) })
	he, be := mu.honest.last(p.Name), mu.broken.last(p.Name)
	if !he.Events[0].ProbableDuplicate || be.Events[0].ProbableDuplicate {
		t.Fatalf("probable duplicate: honest %v, mutant %v; want true and false", he.Events[0].ProbableDuplicate, be.Events[0].ProbableDuplicate)
	}
}

func probeDrop(t *testing.T, p *profile.Profile, rule string) {
	mu := newMutant(t, p, rule, unlimited(mockserver.Config{}))
	for _, c := range candidates(t, p, rule) {
		if c.expect != profile.AcceptDropped {
			continue
		}
		honest, broken := mu.both(func(h *harness) *httptest.ResponseRecorder { return h.do(c.request(h)) })
		he, be := mu.honest.last(p.Name), mu.broken.last(p.Name)
		if !ok2xx(honest.Code) || !ok2xx(broken.Code) || he.Outcome != inspect.Dropped || be.Outcome != inspect.Accepted ||
			len(be.Events) == 0 || !be.Events[0].Recorded {
			t.Fatalf("%s: honest %d %s, mutant %d %s; want a drop and a record", c.name, honest.Code, he.Outcome, broken.Code, be.Outcome)
		}
		return
	}
	t.Fatalf("no case of %s is dropped", rule)
}

func probeTime(t *testing.T, p *profile.Profile, rule string) {
	mu := newMutant(t, p, rule, unlimited(mockserver.Config{}))
	for i, tc := range p.TimeCases {
		if tc.Rule != rule || tc.Recorded.Equal(tc.Received) {
			continue
		}
		pl := valid(t, p, int64(30+i), "")
		profile.Set(firstItem(p, pl), tc.Field, tc.EventTime)
		mu.honest.clock.set(tc.Received)
		mu.broken.clock.set(tc.Received)
		mu.both(func(h *harness) *httptest.ResponseRecorder { return h.send(p, pl) })
		he, be := mu.honest.last(p.Name), mu.broken.last(p.Name)
		if len(he.Events) == 0 || len(be.Events) == 0 || !he.Events[0].RecordedAt.Equal(tc.Recorded) || !be.Events[0].RecordedAt.Equal(tc.Received) {
			t.Fatalf("%s: honest %+v, mutant %+v; want recorded at %s and %s", tc.Name, he.Events, be.Events, tc.Recorded, tc.Received)
		}
		return
	}
	t.Fatalf("no time case of %s records at another time than received", rule)
}

func probeRedirect(t *testing.T, p *profile.Profile, rule string) {
	mu := newMutant(t, p, rule, unlimited(mockserver.Config{}))
	honest, broken := mu.both(func(h *harness) *httptest.ResponseRecorder { return h.send(p, valid(t, p, 1, "")) })
	if honest.Code != http.StatusOK || broken.Code/100 != 3 || broken.Header().Get("Location") == "" {
		t.Fatalf("honest %d, mutant %d (Location %q); want 200 and a redirect", honest.Code, broken.Code, broken.Header().Get("Location"))
	}
}

func probeAlias(t *testing.T, p *profile.Profile, rule string) {
	mu := newMutant(t, p, rule, unlimited(mockserver.Config{}))
	for _, e := range p.Endpoints {
		if e.AliasRule != rule || e.Alias == "" {
			continue
		}
		gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 1, Now: testNow, Endpoint: e.ID})
		if err != nil {
			t.Fatal(err)
		}
		pl := gen.Next()
		honest, broken := mu.both(func(h *harness) *httptest.ResponseRecorder { return h.send(p, pl) })
		if honest.Code != http.StatusOK || broken.Code != http.StatusNotFound {
			t.Fatalf("%s: honest %d, mutant %d; want 200 and 404", e.ID, honest.Code, broken.Code)
		}
		return
	}
	t.Fatalf("no alias endpoint names %s", rule)
}

func probeResponse(t *testing.T, p *profile.Profile, rule string) {
	mu := newMutant(t, p, rule, unlimited(mockserver.Config{}))
	honest, broken := mu.both(func(h *harness) *httptest.ResponseRecorder { return h.send(p, valid(t, p, 1, "")) })
	if honest.Header().Get("Content-Type") != "application/json" || broken.Header().Get("Content-Type") == "application/json" {
		t.Fatalf("content types: honest %q, mutant %q", honest.Header().Get("Content-Type"), broken.Header().Get("Content-Type"))
	}
	if p.Responses.CodeField != "" {
		probeCode(t, p, rule)
	}
}

func probeCode(t *testing.T, p *profile.Profile, rule string) {
	f := p.Responses.CodeField
	mu := newMutant(t, p, rule, unlimited(mockserver.Config{}))
	pl := valid(t, p, 1, "")
	pl.Body, pl.Raw = nil, "{" // malformed: rejected with the profile's error body
	honest, broken := mu.both(func(h *harness) *httptest.ResponseRecorder { return h.send(p, pl) })
	if _, ok := decode(t, honest)[f]; !ok {
		t.Fatalf("the honest error body has no %s: %s", f, honest.Body)
	}
	if _, ok := decode(t, broken)[f]; ok {
		t.Fatalf("the mutant's error body still has %s: %s", f, broken.Body)
	}
}

func probeAccept(t *testing.T, p *profile.Profile, rule string) {
	mu := newMutant(t, p, rule, unlimited(mockserver.Config{}))
	found := false
	for _, c := range candidates(t, p, rule) {
		if c.expect != profile.Accept || c.also {
			continue
		}
		honest, broken := mu.both(func(h *harness) *httptest.ResponseRecorder { return h.do(c.request(h)) })
		if !ok2xx(honest.Code) {
			t.Fatalf("%s: the honest mock answers %d", c.name, honest.Code)
		}
		if ok2xx(broken.Code) {
			t.Errorf("%s: the mutant accepts it", c.name)
		}
		found = true
	}
	if !found {
		t.Fatalf("no case says to accept something for %s", rule)
	}
	// Valid traffic is still accepted.
	for i := range 20 {
		if w := mu.broken.send(p, valid(t, p, int64(50+i), "")); !ok2xx(w.Code) {
			t.Fatalf("the mutant rejects valid traffic: %d %s", w.Code, w.Body)
		}
	}
}

func probeReading(t *testing.T, p *profile.Profile, rule string) {
	mu := newMutant(t, p, rule, unlimited(mockserver.Config{}))
	for _, c := range candidates(t, p, rule) {
		if !c.also || c.expect != profile.RejectStrict {
			continue
		}
		honest, broken := mu.both(func(h *harness) *httptest.ResponseRecorder { return h.do(c.request(h)) })
		if ok2xx(honest.Code) || !ok2xx(broken.Code) {
			t.Fatalf("%s in strict mode: honest %d, mutant %d; want the reading swapped", c.name, honest.Code, broken.Code)
		}
		return
	}
	t.Fatalf("no case is a reading of %s", rule)
}
