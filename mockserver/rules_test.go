package mockserver_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/schemas"
	"github.com/s2s-harness/s2s-harness/validate"
)

// TestVariants sends every labelled variant of every profile (schema
// mutations, cases, malformed bodies, limits) in both modes: each gets the
// status its expectation and rule call for, and X-S2S-Violations names the rule.
func TestVariants(t *testing.T) {
	for _, mode := range []profile.Mode{profile.Strict, profile.Lenient} {
		t.Run(string(mode), func(t *testing.T) {
			h := newHarness(t, unlimited(mockserver.Config{Mode: mode}))
			forEachProfile(t, func(t *testing.T, p *profile.Profile) {
				v, err := validate.New(p)
				if err != nil {
					t.Fatal(err)
				}
				variants, err := fixtures.Variants(p, v.Schemas(), fixtures.Options{Seed: 3, Now: testNow})
				if err != nil {
					t.Fatal(err)
				}
				for _, vr := range variants {
					t.Run(vr.Rule+"/"+vr.Name, func(t *testing.T) {
						checkVariant(t, h, p, mode, vr)
					})
				}
			})
		})
	}
}

func checkVariant(t *testing.T, h *harness, p *profile.Profile, mode profile.Mode, vr fixtures.Variant) {
	t.Helper()
	r, _ := p.Rule(vr.Rule)
	w := h.send(p, vr.Payload)
	got := violations(w)
	rejects := vr.Expect == profile.Reject || vr.Expect == profile.RejectStrict && mode == profile.Strict
	switch {
	case rejects:
		if w.Code != r.Status {
			t.Fatalf("got status %d, want %d (%s): %s", w.Code, r.Status, vr.Rule, w.Body)
		}
		if mode == profile.Strict && !slices.Equal(got, []string{vr.Rule}) {
			t.Errorf("got %s %v, want [%s]", mockserver.ViolationsHeader, got, vr.Rule)
		}
		if !slices.Contains(got, vr.Rule) {
			t.Errorf("got %s %v, want it to name %s", mockserver.ViolationsHeader, got, vr.Rule)
		}
		if f := p.Responses.CodeField; f != "" && vr.Code != "" {
			if body := decode(t, w); body[f] != vr.Code {
				t.Errorf("got %s %v, want %q: %s", f, body[f], vr.Code, w.Body)
			}
		}
		if e := h.last(p.Name); e.Outcome != inspect.Rejected || e.Rule != vr.Rule || e.Status != r.Status {
			t.Errorf("journal: got %s %s %d, want rejected %s %d", e.Outcome, e.Rule, e.Status, vr.Rule, r.Status)
		}
	case vr.Expect == profile.RejectStrict: // lenient: accepted, reported
		if !ok2xx(w.Code) || !slices.Contains(got, vr.Rule) {
			t.Errorf("got %d %v, want 2xx reporting %s: %s", w.Code, got, vr.Rule, w.Body)
		}
	default:
		if !ok2xx(w.Code) {
			t.Fatalf("got status %d, want 2xx: %s", w.Code, w.Body)
		}
		for _, id := range got {
			if id != vr.Rule {
				t.Errorf("got %s %v, want at most %s", mockserver.ViolationsHeader, got, vr.Rule)
			}
		}
		want := inspect.Accepted
		if vr.Expect == profile.AcceptDropped {
			want = inspect.Dropped
		}
		if e := h.last(p.Name); e.Outcome != want {
			t.Errorf("journal: got outcome %s (%s), want %s", e.Outcome, e.Reason, want)
		} else if want == inspect.Dropped && (e.Rule != vr.Rule || slices.ContainsFunc(e.Events, func(ev inspect.Event) bool { return ev.Recorded })) {
			t.Errorf("journal: dropped entry %+v, want rule %s and nothing recorded", e, vr.Rule)
		}
	}
}

// TestAuthBreaks breaks each request's credentials in every way the scheme
// knows, in both modes.
func TestAuthBreaks(t *testing.T) {
	for _, mode := range []profile.Mode{profile.Strict, profile.Lenient} {
		t.Run(string(mode), func(t *testing.T) {
			h := newHarness(t, unlimited(mockserver.Config{Mode: mode}))
			forEachProfile(t, func(t *testing.T, p *profile.Profile) {
				if p.Auth == nil {
					t.Skip("no auth")
				}
				for i, b := range p.Auth.Breaks() {
					t.Run(fmt.Sprintf("%s/%s", b.Rule, b.Name), func(t *testing.T) {
						pl := valid(t, p, int64(100+i), "")
						w := h.do(h.request(p, pl, func(o *profile.Outgoing) { b.Apply(o, p.Defaults, h.clock.Now()) }))
						r, _ := p.Rule(b.Rule)
						rejects := b.Expect == profile.Reject || b.Expect == profile.RejectStrict && mode == profile.Strict
						switch {
						case rejects && w.Code != r.Status:
							t.Fatalf("got %d, want %d: %s", w.Code, r.Status, w.Body)
						case rejects && !slices.Equal(violations(w), []string{b.Rule}):
							t.Errorf("got %v, want [%s]", violations(w), b.Rule)
						case !rejects && !ok2xx(w.Code):
							t.Fatalf("got %d, want 2xx: %s", w.Code, w.Body)
						}
						if f := p.Responses.CodeField; rejects && f != "" && r.Code != "" {
							if body := decode(t, w); body[f] != r.Code {
								t.Errorf("got %s %v, want %q", f, body[f], r.Code)
							}
						}
					})
				}
			})
		})
	}
}

// TestGolden sends the seed documents' own examples: accepted unless the
// fixture says the document got them wrong.
func TestGolden(t *testing.T) {
	for _, mode := range []profile.Mode{profile.Strict, profile.Lenient} {
		t.Run(string(mode), func(t *testing.T) {
			h := newHarness(t, unlimited(mockserver.Config{Mode: mode}))
			forEachProfile(t, func(t *testing.T, p *profile.Profile) {
				golden, err := fixtures.LoadGolden(p)
				if err != nil {
					t.Fatal(err)
				}
				for _, g := range golden {
					t.Run(g.Name, func(t *testing.T) {
						w := h.send(p, g.Payload)
						wantReject := len(g.Reject) > 0 || mode == profile.Strict && len(g.Strict) > 0
						if ok2xx(w.Code) == wantReject {
							t.Errorf("got %d (%v), want rejected=%v: %s", w.Code, violations(w), wantReject, w.Body)
						}
					})
				}
			})
		})
	}
}

// TestSuccessBodiesMatchTheirSchemas checks the answers to valid requests:
// JSON, and valid against the endpoint's 200 response schema where it has one.
func TestSuccessBodiesMatchTheirSchemas(t *testing.T) {
	h := newHarness(t, unlimited(mockserver.Config{}))
	forEachProfile(t, func(t *testing.T, p *profile.Profile) {
		set, err := schemas.Compile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			pl := valid(t, p, int64(i+1), "")
			w := h.send(p, pl)
			if w.Code != http.StatusOK {
				t.Fatalf("got %d, want 200: %s", w.Code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("got Content-Type %q, want application/json", ct)
			}
			doc, err := strictjson.Decode(w.Body.Bytes())
			if err != nil {
				t.Fatalf("answer %s: %v", w.Body, err)
			}
			e, _ := p.Endpoint(pl.Endpoint)
			if file := e.Responses[http.StatusOK]; file != "" {
				if vs, err := set.Validate(file, doc); err != nil || len(vs) > 0 {
					t.Errorf("answer %s breaks %s: %v %v", w.Body, file, vs, err)
				}
			}
		}
	})
}
