package conformance_test

import (
	"testing"

	"github.com/onsi/ginkgo/v2"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// TestConformance runs the Ginkgo suite against the in-process reference mock
// in strict, lenient and permissive mode (one tree, one RunSpecs), then holds
// the results to more than "no failure": strict passes everything, lenient
// turns the ambiguities into readings and the "(strict)" rejections into
// warnings, and permissive (everything the documents do not forbid is
// accepted) is certified too, its liberties only ever warnings.
func TestConformance(t *testing.T) {
	var plans []*plan
	for _, mode := range []profile.Mode{profile.Strict, profile.Lenient, profile.Permissive} {
		m, tc := startMock(t, mode)
		profiles := builtin.All()
		pl, err := newPlan(string(mode)+" mock", m.runner(t, tc, profiles), profiles, conformance.Options{Seed: testSeed})
		if err != nil {
			t.Fatal(err)
		}
		pl.Labels = []string{string(mode)}
		describePlan(pl)
		plans = append(plans, pl)
	}
	if !ginkgo.RunSpecs(t, "s2s conformance self-test") {
		return
	}
	for _, pl := range plans {
		results := pl.Runner.Results()
		if len(results) == 0 {
			continue // filtered out by -ginkgo.label-filter
		}
		c := conformance.NewCertificate(conformance.RunInfo{Mode: pl.Runner.Mode()}, pl.Profiles, results)
		t.Logf("%s: %d checks, rules %+v", pl.Name, len(results), c.Counts)
		if errs := pl.Runner.InternalErrors(); len(errs) > 0 {
			t.Errorf("%s: internal errors: %v", pl.Name, errs)
		}
		for _, r := range results {
			for _, v := range r.Verdicts {
				bad := v.Status == conformance.Fail || v.Status == conformance.Skip
				if pl.Labels[0] == string(profile.Strict) {
					bad = bad || v.Status == conformance.Warn || v.Reading == conformance.ReadingLenient
				} else {
					bad = bad || v.Reading == conformance.ReadingStrict
				}
				if bad {
					t.Errorf("%s: %s %s [%s]: %s", pl.Name, v.Status, v.Rule, r.Check.Name, v.Message)
				}
			}
		}
		if pl.Labels[0] == string(profile.Lenient) && c.Counts.Ambiguous == 0 {
			t.Errorf("%s: no ambiguous rule; the lenient mock must read the ambiguities its way", pl.Name)
		}
	}
}
