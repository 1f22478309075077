package conformance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/mockserver/mutant"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/reports"
)

// killed reports whether the suite caught a mutant of rule: a MUST rule
// fails, a SHOULD or decision rule warns (or fails), an AMBIGUOUS rule's
// reading changes from the one the sound receiver gave.
func killed(rule profile.Rule, sound, mutant reports.CertRule) bool {
	switch rule.Level {
	case profile.Must:
		if rule.Enforce == profile.StrictOnly {
			// Breaking the strict-only part makes the mock read the rule as a
			// lenient receiver does, which SPECS.md allows with a warning.
			return mutant.Status == conformance.Warn || mutant.Status == conformance.Fail
		}
		return mutant.Status == conformance.Fail
	case profile.Ambiguous:
		// A mutant that only made the checks skip has no reading: not caught.
		return sound.Reading != "" && mutant.Status != conformance.Skip && mutant.Reading != "" && mutant.Reading != sound.Reading
	}
	return mutant.Status == conformance.Warn || mutant.Status == conformance.Fail
}

// selectChecks are the checks that judge rule: a mutant must be caught by
// them, naming the rule.
func selectChecks(checks []conformance.Check, rule string) []conformance.Check {
	var out []conformance.Check
	for _, c := range checks {
		if c.Judges(rule) {
			out = append(out, c)
		}
	}
	return out
}

// TestMutantsAreKilled breaks every rule of every profile, one at a time, in
// the strict reference mock (inspect.Faults.Break), runs the checks that judge
// the rule and wants the suite to name it: fail for MUST, warn for SHOULD and
// decisions, a flipped reading for AMBIGUOUS. It logs the kill ratio.
func TestMutantsAreKilled(t *testing.T) {
	ctx := context.Background()
	m, tc := startMock(t, profile.Strict)
	insp := m.inspector(t)
	total, dead := 0, 0
	var survivors []string
	for _, p := range builtin.All() {
		if len(p.Endpoints) == 0 {
			continue
		}
		checks := checksOf(t, p)
		r := m.runner(t, tc, []*profile.Profile{p})
		sound := ruleStatus(p, runAll(ctx, r, checks))
		for _, rule := range p.Rules {
			total++
			t.Run(p.Name+"/"+rule.ID, func(t *testing.T) {
				run := r
				if advisoryOnly(t, p, rule) {
					run = m.rejecting(t, tc, p, rule.ID)
				} else {
					if err := insp.SetFaults(ctx, p.Name, inspect.Faults{Break: []string{rule.ID}}); err != nil {
						survivors = append(survivors, rule.ID+" (no mutant: "+err.Error()+")")
						t.Fatalf("the mock cannot break %s: %v", rule.ID, err)
					}
					defer func() {
						if err := insp.ClearFaults(ctx, p.Name); err != nil {
							t.Fatal(err)
						}
					}()
				}
				run.Reset()
				results := runAll(ctx, run, selectChecks(checks, rule.ID))
				got := ruleStatus(p, results)[rule.ID]
				if !killed(rule, sound[rule.ID], got) {
					survivors = append(survivors, rule.ID)
					t.Errorf("mutant of %s (%s) survived: sound %s %q, mutant %s %q: %s\n%s", rule.ID, rule.Level,
						sound[rule.ID].Status, sound[rule.ID].Reading, got.Status, got.Reading, got.Message, describe(results))
					return
				}
				dead++
			})
		}
	}
	t.Logf("kill ratio: %d/%d mutants caught (%.1f%%)", dead, total, 100*float64(dead)/float64(max(total, 1)))
	if len(survivors) > 0 {
		slices.Sort(survivors)
		t.Logf("survivors: %v", survivors)
	}
	fmt.Printf("conformance mutants: kill ratio %d/%d\n", dead, total)
}

// advisoryOnly reports whether rule is a sender-side lint rule the mock can
// only break by no longer reporting it, which no receiver contract sees.
func advisoryOnly(t *testing.T, p *profile.Profile, rule profile.Rule) bool {
	t.Helper()
	if rule.Enforce != profile.Advisory {
		return false
	}
	roles, err := mutant.Roles(p, p.Defaults)
	if err != nil {
		t.Fatal(err)
	}
	rs := roles[rule.ID]
	return len(rs) == 1 && rs[0] == mutant.RoleViolation
}

// rejecting is the test double of an advisory rule's mutant: the mock, except
// that a request it accepts while reporting rule is answered 400 for it.
func (m *mock) rejecting(t *testing.T, tc conformance.Config, p *profile.Profile, rule string) *conformance.Runner {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		m.Mock.ServeHTTP(rec, r)
		reported := strings.Split(strings.ReplaceAll(rec.Header().Get(mockserver.ViolationsHeader), " ", ""), ",")
		if rec.Code/100 == 2 && slices.Contains(reported, rule) {
			v := p.Violation(rule, profile.InBody, "", "rejected by the test double")
			body, _ := json.Marshal(p.ErrorBody(http.StatusBadRequest, []profile.Violation{v}))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(body)
			return
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	r, err := conformance.NewRunner(conformance.Target{URL: srv.URL, Inspect: m.URL, Config: tc}, []*profile.Profile{p})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
