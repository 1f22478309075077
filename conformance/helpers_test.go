package conformance_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// testSeed makes every test run send the same payloads.
const testSeed = 20251021

// burstLimit is the per-second limit the test mocks use instead of the
// documented 1,000, so a limit + 1 burst stays small under -race on 2 cores.
const burstLimit = 60

// limits are the rate limits of the test mocks, told to the suite through the
// target config (as a vendor would tell theirs).
func limits() (mockserver.Config, conformance.Config) {
	mc := mockserver.Config{Profiles: map[string]mockserver.ProfileConfig{}}
	tc := conformance.Config{Profiles: map[string]conformance.ProfileConfig{}}
	for _, p := range builtin.All() {
		if p.Rate == nil || p.Rate.Window > time.Second {
			continue
		}
		mc.Profiles[p.Name] = mockserver.ProfileConfig{Common: mockserver.Common{RateLimit: &mockserver.RateConfig{Limit: burstLimit}}}
		tc.Profiles[p.Name] = conformance.ProfileConfig{Common: conformance.Common{RateLimit: &conformance.RateConfig{Limit: burstLimit}}}
	}
	return mc, tc
}

// mock is an in-process reference mock on 127.0.0.1.
type mock struct {
	URL  string
	Mock *mockserver.Mock
	srv  *httptest.Server
}

func startMock(t testing.TB, mode profile.Mode) (*mock, conformance.Config) {
	t.Helper()
	mc, tc := limits()
	mc.Mode = mode
	m, err := mockserver.New(builtin.All(), mockserver.WithConfig(mc), mockserver.WithSeed(1))
	if err != nil {
		t.Fatalf("mockserver.New: %v", err)
	}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return &mock{URL: srv.URL, Mock: m, srv: srv}, tc
}

// runner returns a runner for the mock with inspection.
func (m *mock) runner(t testing.TB, tc conformance.Config, profiles []*profile.Profile) *conformance.Runner {
	t.Helper()
	r, err := conformance.NewRunner(conformance.Target{URL: m.URL, Inspect: m.URL, Config: tc}, profiles)
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	return r
}

// inspector returns an inspection client for the mock.
func (m *mock) inspector(t testing.TB) *inspect.Client {
	t.Helper()
	c, err := inspect.NewClient(m.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checksOf derives the checks of p.
func checksOf(t testing.TB, p *profile.Profile) []conformance.Check {
	t.Helper()
	cs, err := conformance.Checks(p, conformance.Options{Seed: testSeed})
	if err != nil {
		t.Fatalf("Checks(%s): %v", p.Name, err)
	}
	return cs
}

// runAll runs checks with r and returns their results.
func runAll(ctx context.Context, r *conformance.Runner, checks []conformance.Check) []conformance.Result {
	var out []conformance.Result
	for i := range checks {
		out = append(out, r.Run(ctx, &checks[i]))
	}
	return out
}

// ruleStatus is the certificate's verdict on each rule of p.
func ruleStatus(p *profile.Profile, results []conformance.Result) map[string]conformance.CertRule {
	c := conformance.NewCertificate(conformance.RunInfo{}, []*profile.Profile{p}, results)
	out := map[string]conformance.CertRule{}
	for _, r := range c.Rules() {
		out[r.ID] = r
	}
	return out
}

// describe lists the results that are not a pass, for failure messages.
func describe(results []conformance.Result) string {
	var lines []string
	for _, r := range results {
		for _, v := range r.Verdicts {
			if v.Status == conformance.Pass {
				continue
			}
			lines = append(lines, fmt.Sprintf("  %s %s [%s]: %s", v.Status, v.Rule, r.Check.Name, v.Message))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
