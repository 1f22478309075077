package cli

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/readback/readbacktest"
	"github.com/s2s-harness/s2s-harness/reports"
)

// TestConformReadback: `s2s conform` with a target config whose readback
// points at the receiver's own record API (token from the environment)
// judges AF-APP-1 through it, and fails a receiver that records the drop.
func TestConformReadback(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	t.Setenv("S2S_TEST_VENDOR_TOKEN", "t0ken")
	for _, tt := range []struct {
		name     string
		wrong    readbacktest.Wrong
		wantCode int
		want     reports.Verdict
	}{
		{"correct", readbacktest.Wrong{}, ExitOK, reports.VerdictPass},
		{"records the drop", readbacktest.Wrong{RecordsDrop: true}, exitMustFailed, reports.VerdictFail},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rv := readbacktest.New(tt.wrong, nil)
			rv.Token = "t0ken"
			srv := httptest.NewServer(rv.Handler())
			defer srv.Close()
			cfg := filepath.Join(t.TempDir(), "target.yaml")
			yaml := `readback:
  events:
    url: "` + srv.URL + `/admin/records?api={profile}&after={cursor}"
    headers: {Authorization: "Bearer ${S2S_TEST_VENDOR_TOKEN}"}
    items: data.items
    cursor: id
    profiles: {appsflyer: af, postback: posts}
    fields: {body: payload, profile: api, received_at: received, recorded_at: booked_at, dropped: discarded}
    time_format: rfc3339
  settle: 200ms
`
			if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			code, out, errs := runConformProcess(t, "-target", srv.URL, "-inspect", "none", "-config", cfg,
				"-profile", "appsflyer", "-label-filter", "AF-APP-1", "-seed", "7", "-report-dir", dir)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errs)
			}
			if want := "appsflyer eventTime format: accepts the documented eventTime format; also accepts: "; !strings.Contains(out, want) {
				t.Errorf("stdout lacks the diagnosis %q:\n%s", want, out)
			}
			var cert reports.Certificate
			if err := readJSONFile(filepath.Join(dir, reports.CertificateJSONFile), &cert); err != nil {
				t.Fatal(err)
			}
			if cert.Readback != "http" || !strings.Contains(out, "inspection none, read-back http") {
				t.Errorf("certificate readback %q; stdout:\n%s", cert.Readback, out)
			}
			if len(cert.Profiles) != 1 || len(cert.Profiles[0].Diagnosis) != 2 {
				t.Errorf("certificate diagnosis: %+v", cert.Profiles)
			}
			found := false
			for _, r := range cert.Rules() {
				if r.ID == "AF-APP-1" {
					found = true
					if r.Status != tt.want {
						t.Fatalf("AF-APP-1 %s, want %s: %s\nstdout:\n%s", r.Status, tt.want, r.Message, out)
					}
				}
			}
			if !found {
				t.Fatalf("the certificate has no AF-APP-1 verdict\nstdout:\n%s", out)
			}
		})
	}
}
