package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/verify"
)

func TestVerifyCommand(t *testing.T) {
	m, err := mockserver.New(builtin.All(), mockserver.WithConfig(mockserver.Config{AdminToken: "tok"}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()

	code, out, errs := runCLI(t, "", "verify", "-mock", srv.URL, "-admin-token", "tok", "-open", `{"name":"qa","script":{"status":503}}`)
	if code != ExitOK || !strings.Contains(out, `"name": "qa"`) {
		t.Fatalf("-open: exit %d\n%s\n%s", code, out, errs)
	}
	var s struct{ ID string }
	// Stdout is the session alone (| jq -r .id); the hint is on stderr.
	if err := json.Unmarshal([]byte(out), &s); err != nil || s.ID == "" || !strings.Contains(errs, "-session "+s.ID) {
		t.Fatalf("-open printed no session on stdout, or no hint on stderr: %v\n%s\n%s", err, out, errs)
	}
	code, out, errs = runCLI(t, "", "verify", "-mock", srv.URL, "-admin-token", "tok", "-session", s.ID, "-format", "json")
	var r verify.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if code != exitMustFailed || r.Verdict != verify.NoTraffic {
		t.Errorf("empty session: exit %d verdict %q, want %d %q (%s)", code, r.Verdict, exitMustFailed, verify.NoTraffic, errs)
	}
	for _, tt := range []struct {
		args    []string
		want    int
		wantErr string
	}{
		{[]string{"-mock", srv.URL, "-format", "xml"}, ExitUsage, `-format "xml"`},
		{[]string{"-mock", srv.URL, "-since", "yesterday"}, ExitUsage, "RFC 3339"},
		{[]string{"-mock", srv.URL}, ExitInternal, "401"}, // no token
	} {
		code, _, errs := runCLI(t, "", append([]string{"verify"}, tt.args...)...)
		if code != tt.want || !strings.Contains(errs, tt.wantErr) {
			t.Errorf("%v: exit %d %q, want %d %q", tt.args, code, errs, tt.want, tt.wantErr)
		}
	}
}

// TestVerifyIncompleteExit: a receiver whose state epoch changed since the
// session opened gives exit 1 and the reason, in the text and on stderr.
func TestVerifyIncompleteExit(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mux := http.NewServeMux()
	answer := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /_s2s/sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		answer(w, inspect.Session{ID: r.PathValue("id"), StartedAt: t0, Epoch: "before-reset"})
	})
	mux.HandleFunc("GET /_s2s/health", func(w http.ResponseWriter, _ *http.Request) {
		answer(w, inspect.Health{Status: "ok", Profiles: []string{"revosurge"}, Epoch: "after-reset"})
	})
	mux.HandleFunc("GET /_s2s/journal", func(w http.ResponseWriter, _ *http.Request) {
		answer(w, inspect.Page{Entries: []inspect.Entry{}, Epoch: "after-reset"})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	code, out, errs := runCLI(t, "", "verify", "-mock", srv.URL, "-session", "s1")
	if code != ExitInternal || !strings.Contains(out, "INCOMPLETE") || !strings.Contains(out, `"before-reset"`) ||
		!strings.Contains(errs, "incomplete") {
		t.Errorf("exit %d, want %d with the reason\nstdout:\n%s\nstderr:\n%s", code, ExitInternal, out, errs)
	}
}
