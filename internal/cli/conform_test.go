package cli

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/reports"
)

// helperEnv carries the arguments of a `s2s conform` run in a child process:
// Ginkgo's suite runs once per process, so each end-to-end run gets its own.
const helperEnv = "S2S_CONFORM_HELPER_ARGS"

// TestConformHelperProcess is not a test: it is the child process of
// runConformProcess.
func TestConformHelperProcess(t *testing.T) {
	args, ok := os.LookupEnv(helperEnv)
	if !ok {
		t.Skip("runs only as the child of a conform end-to-end test")
	}
	os.Exit(Run(context.Background(), append([]string{"s2s", "conform"}, strings.Split(args, "\x1f")...),
		os.Stdin, os.Stdout, os.Stderr))
}

// runConformProcess runs `s2s conform args…` in a child process.
func runConformProcess(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestConformHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+strings.Join(args, "\x1f"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errb.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String(), errb.String()
	}
	t.Fatalf("child process: %v", err)
	return 0, "", ""
}

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
		{name: "bad config value", give: []string{"-target", closed, "-config", badValue}, wantCode: ExitUsage, wantErr: "profiles.revosurge.rate_limit.limit 0"},
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

// TestConformEndToEnd certifies the reference mock from a child process and
// reads the certificate back; then it breaks a MUST rule of the mock and wants
// exit code 3 naming the rule.
func TestConformEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	url := startMock(t, profile.Strict)
	dir := t.TempDir()
	code, out, errs := runConformProcess(t, "-target", url, "-profile", "revosurge,g123", "-report-dir", dir, "-seed", "7")
	if code != ExitOK {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, want := range []string{"CERTIFIED", "revosurge", "g123", "inspection " + url} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	var cert reports.Certificate
	if err := readJSONFile(filepath.Join(dir, "certificate.json"), &cert); err != nil {
		t.Fatalf("certificate.json: %v", err)
	}
	if !cert.Certified || cert.Mode != "strict" || cert.Seed != 7 || len(cert.Profiles) != 2 || cert.Counts.Fail != 0 {
		t.Errorf("certificate: certified=%v mode=%q seed=%d profiles=%d counts=%+v", cert.Certified, cert.Mode, cert.Seed, len(cert.Profiles), cert.Counts)
	}
	for _, f := range []string{"certificate.md", "junit.xml"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}

	insp, err := inspect.NewClient(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := insp.SetFaults(context.Background(), "revosurge", inspect.Faults{Break: []string{"RS-BODY-1"}}); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runConformProcess(t, "-target", url, "-profile", "revosurge", "-label-filter", "RS-BODY-1")
	if code != exitMustFailed {
		t.Fatalf("broken RS-BODY-1: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitMustFailed, out, errs)
	}
	if !strings.Contains(out, "fail RS-BODY-1 (MUST)") || !strings.Contains(out, "NOT CERTIFIED") {
		t.Errorf("stdout does not name the failed rule:\n%s", out)
	}
}
