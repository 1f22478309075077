package load

import (
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// startMock serves the named profiles from the reference mock on 127.0.0.1,
// with rate limits lifted so that load is not all 429s.
func startMock(t testing.TB, names ...string) (*httptest.Server, *inspect.Client, []*profile.Profile) {
	t.Helper()
	cfg := mockserver.Config{Profiles: map[string]mockserver.ProfileConfig{}}
	var ps []*profile.Profile
	for _, n := range names {
		p, err := builtin.Lookup(n)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Endpoints) == 0 {
			t.Skipf("profile %s is not defined yet", n)
		}
		ps = append(ps, p)
		if p.Rate != nil {
			cfg.Profiles[n] = mockserver.ProfileConfig{Common: mockserver.Common{RateLimit: &mockserver.RateConfig{Limit: 10_000_000, Window: inspect.Duration(time.Second)}}}
		}
	}
	m, err := mockserver.New(ps, mockserver.WithConfig(cfg), mockserver.WithSeed(7))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	ic, err := inspect.NewClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv, ic, ps
}

// scenario returns a constant scenario at rate for d.
func scenario(t testing.TB, rate float64, d time.Duration) *Scenario {
	t.Helper()
	s, err := Builtin("constant")
	if err != nil {
		t.Fatal(err)
	}
	s.Rate, s.Duration, s.Settle = rate, d, 2*time.Second
	return s
}

func run(t testing.TB, cfg Config) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Scenario.Duration+2*time.Minute)
	defer cancel()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// valid runs fn until it yields a valid run, at most five times: a run on a
// machine too busy to keep the schedule is invalid by design, and measures
// nothing about the target.
func valid(t testing.TB, fn func() *Result) *Result {
	t.Helper()
	var res *Result
	for range 5 {
		if res = fn(); res.Verdict != Invalid {
			return res
		}
		t.Logf("invalid run, trying again: %v", res.Reasons)
	}
	t.Fatalf("five invalid runs (is the machine busy?): %v", res.Reasons)
	return nil
}

func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
