package conformance_test

import (
	"context"
	"testing"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// TestCertify: the library entry point runs every selected check and returns
// the certificate of all of them; it can be called any number of times in one
// process (no global suite), and a label filter narrows it.
func TestCertify(t *testing.T) {
	m, tc := startMock(t, profile.Strict)
	ps, err := builtin.Select("g123,dingyue")
	if err != nil {
		t.Fatal(err)
	}
	target := conformance.Target{URL: m.URL, Inspect: m.URL, Config: tc}
	var started, done int
	cert, err := conformance.Certify(context.Background(), target, ps, conformance.CertifyOptions{
		Options: conformance.Options{Seed: testSeed}, Tool: "test",
		Progress: func(p conformance.Progress) {
			if p.Result == nil {
				started++
			} else {
				done++
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !cert.Certified || cert.Counts.Fail != 0 || cert.Mode != "strict" || len(cert.Profiles) != 2 {
		t.Fatalf("certified=%v mode=%s counts=%+v", cert.Certified, cert.Mode, cert.Counts)
	}
	checks := 0
	for _, p := range cert.Profiles {
		checks += p.Checks
	}
	if started != checks || done != checks || checks == 0 {
		t.Errorf("progress: %d started, %d done, %d checks", started, done, checks)
	}

	again, err := conformance.Certify(context.Background(), target, ps, conformance.CertifyOptions{
		Options: conformance.Options{Seed: testSeed}, LabelFilter: "G1-AUTH-1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range again.Rules() {
		if (r.ID == "G1-AUTH-1") != (r.Status != conformance.Skip) {
			t.Errorf("filter G1-AUTH-1: %s is %s", r.ID, r.Status)
		}
	}
	if _, err := conformance.Certify(context.Background(), target, ps, conformance.CertifyOptions{LabelFilter: "MUST &&"}); err == nil {
		t.Error("a bad label filter is not an error")
	}
}
