package conformance_test

import (
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/profile"
)

// The Ginkgo shell of `go test`: the same checks Certify runs, one It each,
// so -ginkgo.label-filter and Ginkgo's reporting work in the self-test.

// plan is one target's part of the Ginkgo tree: its runner and the checks of
// each profile.
type plan struct {
	Name     string   // text of the top container
	Labels   []string // labels of the top container (e.g. "strict")
	Runner   *conformance.Runner
	Profiles []*profile.Profile
	Checks   map[string][]conformance.Check // by profile name
}

// newPlan derives the checks of every profile for r.
func newPlan(name string, r *conformance.Runner, profiles []*profile.Profile, o conformance.Options) (*plan, error) {
	pl := &plan{Name: name, Runner: r, Profiles: profiles, Checks: map[string][]conformance.Check{}}
	for _, p := range profiles {
		cs, err := conformance.Checks(r.Profile(p.Name), o) // the target's limits and caps
		if err != nil {
			return nil, err
		}
		pl.Checks[p.Name] = cs
	}
	return pl, nil
}

// describePlan registers the plan: Describe(profile) → Describe(area) → It(check),
// each It labelled with its rule IDs, their levels, the profile and the area.
// Ordered (checks share the receiver's state, rate limits run last) and
// continuing on failure (a certificate judges every rule).
func describePlan(pl *plan) bool {
	return ginkgo.Describe(pl.Name, ginkgo.Ordered, ginkgo.ContinueOnFailure, ginkgo.Label(pl.Labels...), func() {
		for _, p := range pl.Profiles {
			checks := pl.Checks[p.Name]
			ginkgo.Describe(p.Name, func() {
				for _, area := range conformance.Areas(checks) {
					ginkgo.Describe(string(area), func() {
						for i := range checks {
							c := &checks[i]
							if c.Area != area {
								continue
							}
							ginkgo.It(c.Name, ginkgo.Label(c.Labels()...), func(ctx ginkgo.SpecContext) {
								expectResult(pl.Runner.Run(ctx, c))
							})
						}
					})
				}
			})
		}
	})
}

// expectResult is the Ginkgo side of a verdict: fail fails the spec, skip
// skips it, warn and ambiguous pass with a report entry.
func expectResult(res conformance.Result) {
	switch res.Status {
	case conformance.Skip:
		ginkgo.Skip(res.Message)
	case conformance.Warn, conformance.Ambiguous:
		ginkgo.AddReportEntry(string(res.Status), res.Message, ginkgo.ReportEntryVisibilityFailureOrVerbose)
	}
	detail := res.Message
	if res.Evidence != nil {
		detail += "\n" + res.Evidence.Curl
	}
	gomega.NewGomega(ginkgo.Fail).Expect(res.Status).NotTo(gomega.Equal(conformance.Fail), detail)
}
