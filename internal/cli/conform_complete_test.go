package cli

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/reports"
)

// TestConformFilterAndRequire: a label filter that selects nothing is a
// usage error naming the nearest labels, before anything is sent; a narrowed
// run is CERTIFIED (partial), exit 0, and exit 3 with -require complete; a
// run that reaches its deadline is incomplete, exit 1, in every file.
func TestConformFilterAndRequire(t *testing.T) {
	up := startMock(t, profile.Strict)
	tests := []struct {
		name     string
		give     []string
		wantCode int
		wantOut  string // on stdout or stderr
	}{
		{name: "typo in a profile label", give: []string{"-target", "http://127.0.0.1:1", "-label-filter", "postbak"}, wantCode: ExitUsage,
			wantOut: "nearest labels: postback"},
		{name: "unknown rule", give: []string{"-target", "http://127.0.0.1:1", "-label-filter", "RS-AUTH-9"}, wantCode: ExitUsage,
			wantOut: "RS-AUTH-1"},
		{name: "bad -require", give: []string{"-target", up, "-require", "all"}, wantCode: ExitUsage, wantOut: "want complete"},
		{name: "partial is certified", give: []string{"-target", up, "-profile", "g123", "-label-filter", "G1-AUTH-1"}, wantCode: ExitOK,
			wantOut: "CERTIFIED (partial)"},
		{name: "partial with -require complete", give: []string{"-target", up, "-profile", "g123", "-label-filter", "G1-AUTH-1", "-require", "complete"},
			wantCode: exitMustFailed, wantOut: "-require complete: the certificate is partial"},
		{name: "deadline", give: []string{"-target", up, "-profile", "g123", "-timeout", "1ns"}, wantCode: ExitInternal,
			wantOut: "INCOMPLETE, NOT CERTIFIED: timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, "", append([]string{"conform", "-seed", "7"}, tt.give...)...)
			if code != tt.wantCode || !strings.Contains(out+errs, tt.wantOut) {
				t.Errorf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, tt.wantOut, out, errs)
			}
		})
	}
}

// TestConformInterruptedBySignal runs the real binary against a slow mock
// and sends it SIGINT (Ctrl-C) after a few checks: it ends with exit 1 and
// every file says the run is incomplete, never certified; JUnit has an error.
func TestConformInterruptedBySignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "s2s")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/s2s")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	m, err := mockserver.New(builtin.All())
	if err != nil {
		t.Fatal(err)
	}
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			time.Sleep(20 * time.Millisecond) // a run that lasts long enough to be interrupted
		}
		m.ServeHTTP(w, r)
	}))
	defer slow.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	reportDir := filepath.Join(dir, "report")
	cmd := exec.CommandContext(ctx, bin, "conform", "-target", slow.URL, "-profile", "dingyue", "-v", "-seed", "7", "-report-dir", reportDir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var out []string
	checks := 0
	for sc.Scan() {
		out = append(out, sc.Text())
		if strings.Contains(sc.Text(), "dingyue/") {
			if checks++; checks == 5 {
				if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitInternal {
		t.Fatalf("exit %v, want %d\nstdout:\n%s\nstderr:\n%s", err, ExitInternal, strings.Join(out, "\n"), stderr.String())
	}
	text := strings.Join(out, "\n")
	if !strings.Contains(text, "INCOMPLETE, NOT CERTIFIED: interrupted") || strings.Contains(text, "\nCERTIFIED") {
		t.Errorf("stdout:\n%s", text)
	}
	f, err := os.Open(filepath.Join(reportDir, reports.CertificateJSONFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cert, err := reports.ReadCertificate(f)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Certified || cert.Complete || cert.Reason != "interrupted" || cert.ChecksRun >= cert.ChecksSelected || cert.ChecksRun < 4 {
		t.Errorf("certificate: certified=%v complete=%v reason=%q ran %d of %d", cert.Certified, cert.Complete, cert.Reason, cert.ChecksRun, cert.ChecksSelected)
	}
	data, err := os.ReadFile(filepath.Join(reportDir, reports.CertificateJUnitFile))
	if err != nil {
		t.Fatal(err)
	}
	var j reports.JUnit
	if err := xml.Unmarshal(data, &j); err != nil {
		t.Fatal(err)
	}
	if j.Errors == 0 {
		t.Errorf("junit.xml of an interrupted run has no error:\n%s", data)
	}
	for _, name := range []string{reports.CertificateMarkdownFile, reports.CertificateHTMLFile} {
		b, err := os.ReadFile(filepath.Join(reportDir, name))
		if err != nil || !strings.Contains(string(b), "interrupted") {
			t.Errorf("%s does not say the run was interrupted (%v)", name, err)
		}
	}
}
