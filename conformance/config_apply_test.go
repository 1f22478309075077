package conformance_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// TestTargetBatchCapIsHonoured: a receiver whose batches take 2 events, told
// to the suite through max_items, is certified: the checks derive from its cap
// (3 events is the over-limit case) rather than the documented 1,000.
func TestTargetBatchCapIsHonoured(t *testing.T) {
	const cap = 2
	mc, tc := limits()
	var ps []*profile.Profile
	for _, name := range []string{"revosurge", "dingyue"} {
		p, err := builtin.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
		m, c := mc.Profiles[name], tc.Profiles[name]
		m.MaxItems, c.MaxItems = cap, cap
		mc.Profiles[name], tc.Profiles[name] = m, c
	}
	mk, err := mockserver.New(builtin.All(), mockserver.WithConfig(mc), mockserver.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mk)
	t.Cleanup(srv.Close)
	r, err := conformance.NewRunner(conformance.Target{URL: srv.URL, Inspect: srv.URL, Config: tc}, ps)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := newPlan("capped", r, ps, conformance.Options{Seed: testSeed})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		results := runAll(context.Background(), r, pl.Checks[p.Name])
		overCap := false
		for _, res := range results {
			overCap = overCap || strings.HasPrefix(res.Check.Name, "rejects 3 events in one request")
			for _, v := range res.Verdicts {
				if v.Status == conformance.Fail {
					t.Errorf("%s: %s failed: %s", p.Name, v.Rule, v.Message)
				}
			}
		}
		if !overCap {
			t.Errorf("%s: no check sends cap + 1 = 3 events", p.Name)
		}
	}
}
