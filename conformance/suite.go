package conformance

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Plan is one target's part of the Ginkgo tree: its runner and the checks of
// each profile.
type Plan struct {
	Name     string   // text of the top container, e.g. the target URL
	Labels   []string // labels of the top container (e.g. "strict")
	Runner   *Runner
	Profiles []*profile.Profile
	Checks   map[string][]Check // by profile name
}

// NewPlan derives the checks of every profile for r.
func NewPlan(name string, r *Runner, profiles []*profile.Profile, o Options) (*Plan, error) {
	pl := &Plan{Name: name, Runner: r, Profiles: profiles, Checks: map[string][]Check{}}
	for _, p := range profiles {
		if eff := r.Profile(p.Name); eff != nil {
			p = eff // checks derive from the target's limits and caps
		}
		cs, err := Checks(p, o)
		if err != nil {
			return nil, err
		}
		pl.Checks[p.Name] = cs
	}
	return pl, nil
}

// Describe registers the plan's specs with Ginkgo, to be run by RunSpecs:
// Describe(profile) → Describe(area) → It(check), each It labelled with its
// rule IDs, their levels, the profile and the area. The container is Ordered
// (checks share the receiver's state, rate limits run last) and continues on
// failure (a certificate judges every rule).
func Describe(pl *Plan) bool {
	return ginkgo.Describe(pl.Name, ginkgo.Ordered, ginkgo.ContinueOnFailure, ginkgo.Label(pl.Labels...), func() {
		for _, p := range pl.Profiles {
			checks := pl.Checks[p.Name]
			ginkgo.Describe(p.Name, func() {
				if len(checks) == 0 {
					ginkgo.It("has no definition to check yet", ginkgo.Label(p.Name), func() {
						ginkgo.Skip("profile " + p.Name + " defines no endpoints")
					})
				}
				for _, area := range Areas(checks) {
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
func expectResult(res Result) {
	switch res.Status {
	case Skip:
		ginkgo.Skip(res.Message)
	case Warn, Ambiguous:
		ginkgo.AddReportEntry(string(res.Status), res.Message, ginkgo.ReportEntryVisibilityFailureOrVerbose)
	}
	detail := res.Message
	if res.Evidence != nil {
		detail += "\n" + res.Evidence.Curl
	}
	gomega.NewGomega(ginkgo.Fail).Expect(res.Status).NotTo(gomega.Equal(Fail), detail)
}

// SpecsOptions configure a run of the suite from a program (`s2s conform`).
type SpecsOptions struct {
	LabelFilter string
	Verbose     bool // Ginkgo's verbose output instead of one dot per spec
	NoColor     bool
	Timeout     time.Duration // of the whole suite; 0 means one hour
}

// ErrSuiteRan is returned by RunSpecs called a second time in one process:
// Ginkgo's tree is global and runs once.
var ErrSuiteRan = errors.New("the conformance suite runs once per process")

// ran guards RunSpecs: Ginkgo exits the process on a second run. It is this
// package's one piece of global state, mirroring Ginkgo's own global suite.
var ran atomic.Bool

// ValidateLabelFilter reports whether expr is a valid Ginkgo label filter.
func ValidateLabelFilter(expr string) error {
	if strings.TrimSpace(expr) == "" {
		return nil
	}
	if _, err := types.ParseLabelFilter(expr); err != nil {
		return fmt.Errorf("label filter %q: %w", expr, err)
	}
	return nil
}

// RunSpecs registers plans and runs the Ginkgo suite with explicit
// configuration (no command-line flags), quietly: one dot per spec, failures
// in full. It reports whether every spec passed.
func RunSpecs(plans []*Plan, o SpecsOptions) (bool, error) {
	if err := ValidateLabelFilter(o.LabelFilter); err != nil {
		return false, err
	}
	if ran.Swap(true) {
		return false, ErrSuiteRan
	}
	for _, pl := range plans {
		Describe(pl)
	}
	sc, rc := types.NewDefaultSuiteConfig(), types.NewDefaultReporterConfig()
	sc.LabelFilter = o.LabelFilter
	sc.RandomSeed = 1
	sc.Timeout = o.Timeout
	if sc.Timeout <= 0 {
		sc.Timeout = time.Hour
	}
	rc.Succinct = !o.Verbose
	rc.Verbose = o.Verbose
	rc.SilenceSkips = true
	rc.NoColor = o.NoColor
	t := &recorder{}
	passed := ginkgo.RunSpecs(t, "s2s conformance", sc, rc)
	return passed && !t.failed, nil
}

// recorder is the GinkgoTestingT of a run outside `go test`.
type recorder struct{ failed bool }

func (r *recorder) Fail() { r.failed = true }
