package conformance_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// TestWithoutInspection: against a receiver without the inspection API, the
// checks of what it recorded are skipped with the reason, and nothing else
// changes. RevoSurge is left out: paced at 60 requests a minute without
// resets, it takes minutes.
func TestWithoutInspection(t *testing.T) {
	ctx := context.Background()
	m, tc := startMock(t, profile.Strict)
	for _, p := range builtin.All() {
		if p.Rate != nil && p.Rate.Window > time.Second {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			r, err := conformance.NewRunner(conformance.Target{URL: m.URL, Config: tc}, []*profile.Profile{p})
			if err != nil {
				t.Fatal(err)
			}
			if r.Inspection() {
				t.Fatal("runner uses inspection without an inspection URL")
			}
			checks := checksOf(t, p)
			results := runAll(ctx, r, checks)
			for _, res := range results {
				for _, v := range res.Verdicts {
					switch {
					case v.Status == conformance.Fail || v.Status == conformance.Warn:
						t.Errorf("%s %s [%s]: %s", v.Status, v.Rule, res.Check.Name, v.Message)
					case v.Status == conformance.Skip && !strings.Contains(v.Message, "read what the receiver recorded"):
						t.Errorf("skip without naming the missing read-back as the reason: %s [%s]: %s", v.Rule, res.Check.Name, v.Message)
					case res.Check.Inspect && v.Status != conformance.Skip:
						t.Errorf("%s [%s] needs inspection but got %s", v.Rule, res.Check.Name, v.Status)
					}
				}
			}
		})
	}
}

// TestUnexpectedRateLimit: a target config that overstates the receiver's
// limit makes the suite hit 429s it did not plan for; it clears them and
// sends again, and never fails the receiver for it.
func TestUnexpectedRateLimit(t *testing.T) {
	ctx := context.Background()
	m, _ := startMock(t, profile.Strict) // RevoSurge at its documented 60 a minute
	p, err := builtin.Lookup("revosurge")
	if err != nil {
		t.Fatal(err)
	}
	tc := conformance.Config{Profiles: map[string]conformance.ProfileConfig{
		"revosurge": {Common: conformance.Common{RateLimit: &conformance.RateConfig{Limit: 100000}}},
	}}
	r := m.runner(t, tc, []*profile.Profile{p})
	var checks []conformance.Check
	for _, c := range checksOf(t, p) {
		if c.Area != profile.AreaRateLimit {
			checks = append(checks, c)
		}
	}
	retried := 0
	for _, res := range runAll(ctx, r, checks) {
		for _, v := range res.Verdicts {
			if v.Status == conformance.Fail || v.Status == conformance.Warn || v.Status == conformance.Skip {
				t.Errorf("%s %s [%s]: %s", v.Status, v.Rule, res.Check.Name, v.Message)
			}
			if v.Evidence != nil && strings.Contains(strings.Join(v.Evidence.Notes, " "), "answered 429") {
				retried++
			}
		}
	}
	if len(checks) <= 60 {
		t.Fatalf("only %d checks: the limit of 60 is never reached, the test proves nothing", len(checks))
	}
	if retried == 0 {
		t.Errorf("no evidence says a request was sent again after an unexpected 429")
	}
}
