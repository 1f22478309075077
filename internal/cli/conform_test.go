package cli

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// startMock serves the reference mock on 127.0.0.1.
func startMock(t *testing.T, mode profile.Mode) string {
	t.Helper()
	m, err := mockserver.New(builtin.All(), mockserver.WithConfig(mockserver.Config{Mode: mode}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestConformUsage(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	unknownKey := write("unknown.yaml", "profiles:\n  revosurge:\n    api_keys: [k]\n")
	badValue := write("bad.json", `{"profiles":{"revosurge":{"rate_limit":{"limit":0}}}}`)
	// A port nothing listens on: bind, note, close.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	up := startMock(t, profile.Strict)
	tests := []struct {
		name     string
		give     []string
		wantCode int
		wantErr  string
	}{
		{name: "no target", give: nil, wantCode: ExitUsage, wantErr: "-target is required"},
		{name: "bad target", give: []string{"-target", "ftp://x"}, wantCode: ExitUsage, wantErr: "want http(s)://host"},
		{name: "unknown profile", give: []string{"-target", closed, "-profile", "acme"}, wantCode: ExitUsage, wantErr: "valid: revosurge, g123"},
		{name: "unknown config key", give: []string{"-target", closed, "-config", unknownKey}, wantCode: ExitUsage, wantErr: "api_keys"},
		{name: "bad config value", give: []string{"-target", closed, "-config", badValue}, wantCode: ExitUsage, wantErr: "profiles.revosurge.rate_limit.limit: want ≥ 1, got 0"},
		{name: "missing config file", give: []string{"-target", closed, "-config", filepath.Join(dir, "nope.yaml")}, wantCode: ExitUsage, wantErr: "nope.yaml"},
		{name: "bad label filter", give: []string{"-target", closed, "-label-filter", "MUST &&"}, wantCode: ExitUsage, wantErr: "-label-filter"},
		{name: "stray argument", give: []string{"-target", closed, "extra"}, wantCode: ExitUsage, wantErr: `unexpected argument "extra"`},
		{name: "unreachable target", give: []string{"-target", closed}, wantCode: ExitInternal, wantErr: "target unreachable"},
		{name: "inspection that does not answer", give: []string{"-target", up, "-inspect", closed}, wantCode: ExitInternal, wantErr: "inspection API does not answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runCLI(t, "", append([]string{"conform"}, tt.give...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.wantCode, errs)
			}
			if !strings.Contains(errs, tt.wantErr) {
				t.Errorf("stderr %q, want it to contain %q", errs, tt.wantErr)
			}
		})
	}
}

// TestConformEndToEnd certifies the reference mock in process and
// reads the certificate back; then it breaks a MUST rule of the mock and wants
// exit code 3 naming the rule.
func TestConformEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	url := startMock(t, profile.Strict)
	dir := t.TempDir()
	code, out, errs := runCLI(t, "", "conform", "-target", url, "-profile", "revosurge,g123", "-report-dir", dir, "-seed", "7")
	if code != ExitOK {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, want := range []string{"CERTIFIED", "revosurge", "g123", "inspection " + url} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	var cert conformance.Certificate
	if err := readJSONFile(filepath.Join(dir, "certificate.json"), &cert); err != nil {
		t.Fatalf("certificate.json: %v", err)
	}
	if !cert.Certified || cert.Mode != "strict" || cert.Seed != 7 || len(cert.Profiles) != 2 || cert.Counts.Fail != 0 {
		t.Errorf("certificate: certified=%v mode=%q seed=%d profiles=%d counts=%+v", cert.Certified, cert.Mode, cert.Seed, len(cert.Profiles), cert.Counts)
	}
	for _, bad := range []string{"ginkgo", "gomega", ".go:", "[It]", "Expected"} {
		if strings.Contains(out+errs, bad) {
			t.Errorf("output shows suite internals (%q):\n%s\n%s", bad, out, errs)
		}
	}
	for _, f := range []string{"certificate.md", "junit.xml", "certificate.html"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}

	// A receiver that accepts everything the documents do not forbid is
	// certified too: exit 0, its liberties only warnings.
	liberal := startMock(t, profile.Permissive)
	code, out, errs = runCLI(t, "", "conform", "-target", liberal, "-profile", "g123,appsflyer", "-seed", "7")
	if code != ExitOK || !strings.Contains(out, "warn") {
		t.Fatalf("permissive mock: exit %d, want 0 with warnings\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}

	insp, err := inspect.NewClient(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := insp.SetFaults(context.Background(), "revosurge", inspect.Faults{Break: []string{"RS-BODY-1"}}); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCLI(t, "", "conform", "-target", url, "-profile", "revosurge", "-label-filter", "RS-BODY-1")
	if code != exitMustFailed {
		t.Fatalf("broken RS-BODY-1: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitMustFailed, out, errs)
	}
	if !strings.Contains(out, "fail RS-BODY-1 (MUST)") || !strings.Contains(out, "NOT CERTIFIED") {
		t.Errorf("stdout does not name the failed rule:\n%s", out)
	}
}

// TestConformAdminToken: against a mock that guards its inspection API with
// a token, conform's deep checks read the journal with the token from
// $S2S_ADMIN_TOKEN (or -admin-token); without it they cannot judge the
// idempotency rule, and the certificate does not say it holds.
func TestConformAdminToken(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a conformance subset")
	}
	m, err := mockserver.New(builtin.All(), mockserver.WithConfig(mockserver.Config{Mode: profile.Strict, AdminToken: "tok-123"}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	judged := func(vars map[string]string, extra ...string) (bool, string) {
		dir := t.TempDir()
		args := append([]string{"conform", "-target", srv.URL, "-profile", "postback", "-label-filter", "PB-IDEM-1",
			"-seed", "3", "-report-dir", dir}, extra...)
		code, out, errs := runCLIEnv(t, vars, args...)
		var cert conformance.Certificate
		if err := readJSONFile(filepath.Join(dir, "certificate.json"), &cert); err != nil {
			return false, fmt.Sprintf("exit %d, no certificate: %v\n%s\n%s", code, err, out, errs)
		}
		for _, g := range cert.Uncovered {
			if g.Rule == "PB-IDEM-1" {
				return false, g.Reason
			}
		}
		ok := code == ExitOK && cert.Certified && cert.Complete
		return ok, fmt.Sprintf("exit %d certified %v complete %v\n%s\n%s", code, cert.Certified, cert.Complete, out, errs)
	}
	if ok, why := judged(map[string]string{adminTokenEnv: "tok-123"}); !ok {
		t.Errorf("with $%s: PB-IDEM-1 not judged and certified: %s", adminTokenEnv, why)
	}
	if ok, why := judged(nil, "-admin-token", "tok-123"); !ok {
		t.Errorf("with -admin-token: PB-IDEM-1 not judged and certified: %s", why)
	}
	if ok, why := judged(nil); ok {
		t.Errorf("without the token PB-IDEM-1 was judged and certified: %s", why)
	}
}
