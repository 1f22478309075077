package conformance_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/readback/readbacktest"
	"github.com/s2s-harness/s2s-harness/reports"
)

func diagnose(t *testing.T, base, name string, tc conformance.Config) map[string]reports.CertDiagnosis {
	t.Helper()
	p, err := builtin.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	r, err := conformance.NewRunner(conformance.Target{URL: base, Config: tc}, []*profile.Profile{p})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := r.Diagnose(context.Background(), name, conformance.Options{Seed: testSeed})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]reports.CertDiagnosis{}
	for _, d := range ds {
		out[d.Probe] = d
	}
	return out
}

// TestDiagnoseSignatureScheme: a receiver that verifies the postback
// signature another way is told which way; one that verifies it as documented
// is told nothing else was tried.
func TestDiagnoseSignatureScheme(t *testing.T) {
	tests := []struct {
		give       string
		wantAccept []string // other schemes accepted
	}{
		{"", nil},
		{readbacktest.SigRaw, []string{"HMAC over the raw body bytes"}},
		{readbacktest.SigKeepMember, []string{"HMAC over the sorted keys with the signature member kept"}},
	}
	p, _ := builtin.Lookup("postback")
	for _, tt := range tests {
		t.Run("scheme "+tt.give, func(t *testing.T) {
			rv := readbacktest.New(readbacktest.Wrong{Signature: tt.give}, nil)
			rv.HMACSecret = p.Defaults.HMACSecret
			srv := httptest.NewServer(rv.Handler())
			defer srv.Close()
			d, ok := diagnose(t, srv.URL, "postback", conformance.Config{})["signature scheme"]
			if !ok {
				t.Fatal("no signature scheme diagnosis")
			}
			if d.DocumentedAccepted != (tt.give == "") || !slices.Equal(d.Accepted, tt.wantAccept) {
				t.Fatalf("documented accepted %v, others accepted %q; want %v, %q (%s)", d.DocumentedAccepted, d.Accepted, tt.give == "", tt.wantAccept, d.Summary)
			}
			if tt.give != "" && !strings.Contains(d.Summary, "(403); accepts instead: "+tt.wantAccept[0]) {
				t.Fatalf("summary %q", d.Summary)
			}
		})
	}
}

// TestDiagnoseFormatsAndHeaders: the strict mock accepts only the documented
// eventTime format and dev-key header; the independent receiver takes any
// eventTime, and the diagnosis says so.
func TestDiagnoseFormatsAndHeaders(t *testing.T) {
	m, tc := startMock(t, profile.Strict)
	got := diagnose(t, m.URL, "appsflyer", tc)
	for _, probe := range []string{"eventTime format", "dev key header"} {
		d := got[probe]
		if !d.DocumentedAccepted || len(d.Accepted) != 0 || len(d.Rejected) == 0 {
			t.Errorf("strict mock, %s: %+v; want only the documented spelling accepted", probe, d)
		}
	}
	if d := diagnose(t, m.URL, "postback", tc)["signature scheme"]; !d.DocumentedAccepted || len(d.Accepted)+len(d.Rejected) != 0 {
		t.Errorf("strict mock, signature scheme: %+v; want both documented forms accepted and nothing else tried", d)
	}
	rv := readbacktest.New(readbacktest.Wrong{}, nil)
	srv := httptest.NewServer(rv.Handler())
	defer srv.Close()
	got = diagnose(t, srv.URL, "appsflyer", conformance.Config{})
	if d := got["eventTime format"]; !d.DocumentedAccepted || len(d.Rejected) != 0 || len(d.Accepted) != 4 || !strings.HasPrefix(d.Summary, "accepts the documented eventTime format; also accepts: without milliseconds") {
		t.Errorf("lax receiver, eventTime: %+v; want every format accepted", d)
	}
	if d := got["dev key header"]; !d.DocumentedAccepted || len(d.Accepted) != 0 {
		t.Errorf("lax receiver, dev key header: %+v; want only the documented one", d)
	}
}
