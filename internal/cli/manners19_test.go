package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/internal/exitcode"
	"github.com/s2s-harness/s2s-harness/load"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/reports"
	"github.com/s2s-harness/s2s-harness/verify"
)

// Completion offers the values the commands really take: every -mode and
// -format value it completes is accepted by the command, a value it does not
// offer is refused, and docs/mock.md's tables name every mode.
func TestCompletionValuesAreTheRealOnes(t *testing.T) {
	t.Parallel()
	spec := completionSpec(t.Context())
	values := func(cmd, flag string) []string {
		for _, c := range spec {
			if c.name == cmd {
				for _, f := range c.flags {
					if f.name == flag {
						return f.values
					}
				}
			}
		}
		t.Fatalf("no flag -%s of %s", flag, cmd)
		return nil
	}
	var modes []string
	for _, m := range profile.Modes() {
		modes = append(modes, string(m))
	}
	if got := values("mock", "mode"); !slices.Equal(got, modes) || !slices.Contains(got, "permissive") {
		t.Errorf("mock -mode completes %v, want %v", got, modes)
	}
	if got := values("lint", "mode"); !slices.Equal(got, modes) {
		t.Errorf("lint -mode completes %v, want %v", got, modes)
	}
	doc, err := os.ReadFile("../../docs/mock.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range regexp.MustCompile("(?m)^\\| `-?mode` \\|.*$").FindAllString(string(doc), -1) {
		for _, m := range modes {
			if !strings.Contains(row, m) {
				t.Errorf("docs/mock.md: %q does not name mode %s", row, m)
			}
		}
	}
	// Each offered format runs; one not offered is a usage error.
	runs := map[string][]string{
		"rules":  {"rules", "-profile", "postback", "-format"},
		"lint":   {"lint", "-profile", "postback", "-format"},
		"verify": {"verify", "-mock", "http://127.0.0.1:1", "-format"},
	}
	for cmd, args := range runs {
		for _, f := range values(cmd, "format") {
			if code, _, errs := runCLI(t, "{}\n", append(args, f)...); code == ExitUsage {
				t.Errorf("%s -format %s: completed, but refused: %s", cmd, f, errs)
			}
		}
		if code, _, _ := runCLI(t, "{}\n", append(args, "yaml")...); code != ExitUsage {
			t.Errorf("%s -format yaml: exit %d, want %d", cmd, code, ExitUsage)
		}
	}
}

// `s2s load -h` lists every code a load run's verdict maps to.
func TestLoadHelpListsEveryVerdictCode(t *testing.T) {
	t.Parallel()
	_, out, _ := runCLI(t, "", "load", "-h")
	_, merge, _ := runCLI(t, "", "load", "merge", "-h")
	for _, v := range []string{load.Passed, load.Breached, load.Invalid, load.Inconclusive} {
		code := exitcode.Load(v)
		line := "\n  " + string(rune('0'+code)) + "  "
		if !strings.Contains(out, line) || !strings.Contains(merge, line) {
			t.Errorf("verdict %s exits %d: missing from load -h or load merge -h", v, code)
		}
	}
}

// Flag-parse errors in our words.
func TestFlagErrorsInOurWords(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"load", "-duration", "10"}, `s2s load: -duration: want a duration like 60s, 500ms or 1m30s, got "10"`},
		{[]string{"load", "-duration"}, `s2s load: -duration needs a value: want a duration like 60s`},
		{[]string{"fixtures", "-n", "many"}, `s2s fixtures: -n: want a whole number, got "many"`},
		{[]string{"conform", "-diagnose=maybe"}, `s2s conform: -diagnose: want true or false, got "maybe"`},
		{[]string{"load", "-targt", "x"}, `(did you mean -target?)`},
	} {
		code, _, errs := runCLI(t, "", tt.args...)
		if code != ExitUsage || !strings.Contains(errs, tt.want) || strings.Contains(errs, "parse error") {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errs, ExitUsage, tt.want)
		}
	}
}

// While conform waits for a rate limit its progress says so, on a terminal
// in place and elsewhere as a line; the line is cleared before what follows.
func TestConformProgressSaysItWaits(t *testing.T) {
	t.Parallel()
	c := &conformance.Check{Profile: "revosurge", Area: "rate", Name: "a burst over the limit"}
	p := conformance.Progress{Index: 40, Total: 41, Check: c, Waiting: 24*time.Second + time.Millisecond, Limit: "RevoSurge's 60/min"}
	for _, live := range []bool{true, false} {
		var errb bytes.Buffer
		env := &Env{Stdout: io.Discard, Stderr: &errb, Getenv: func(string) string { return "" },
			IsTerminal: func(io.Writer) bool { return live }}
		progress(env, false)(p)
		endLiveLine(env)
		got := errb.String()
		if !strings.Contains(got, "waiting 25 s for RevoSurge's 60/min limit") {
			t.Errorf("live %v: %q, want the wait left and the limit", live, got)
		}
		if ansi := strings.Contains(got, "\x1b["); ansi != live {
			t.Errorf("live %v: ANSI codes %v in %q", live, ansi, got)
		}
		if live && !strings.HasSuffix(got, "\r\x1b[K") {
			t.Errorf("live: %q, want the line cleared at the end", got)
		}
	}
}

// Config errors in one style, whichever command reads the file: FILE:LINE:
// key path: what it wants, what it got, the nearest name.
func TestConfigErrorsInOneStyle(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flow := write("flow.yaml", "mode: strict\nprofiles:\n  postback: {rate_limit: {limit: 5, window: 1s}\nmax_body: 10\n")
	typo := write("typo.yaml", "profiles:\n  revosurg: {}\n")
	limit := write("limit.yaml", "profiles:\n  revosurge:\n    rate_limit: {limit: 0}\n")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"mock", "-addr", "127.0.0.1:0", "-config", flow}, flow + `:3: did not find expected ',' or '}'`},
		{[]string{"conform", "-target", "http://127.0.0.1:1", "-config", flow}, flow + `:3: did not find expected ',' or '}'`},
		{[]string{"load", "-target", "http://127.0.0.1:1", "-profile", "revosurge", "-config", flow}, flow + `:3: did not find expected ',' or '}'`},
		{[]string{"mock", "-addr", "127.0.0.1:0", "-config", typo}, typo + `:2: profiles.revosurg: unknown profile`},
		{[]string{"conform", "-target", "http://127.0.0.1:1", "-config", typo}, `(did you mean "revosurge"?)`},
		{[]string{"load", "-target", "http://127.0.0.1:1", "-profile", "revosurge", "-config", typo}, typo + `:2: profiles.revosurg: unknown profile`},
		{[]string{"mock", "-addr", "127.0.0.1:0", "-config", limit}, limit + `:3: profiles.revosurge.rate_limit.limit: want ≥ 1, got 0`},
		{[]string{"conform", "-target", "http://127.0.0.1:1", "-config", limit}, limit + `:3: profiles.revosurge.rate_limit.limit: want ≥ 1, got 0`},
		{[]string{"load", "-target", "http://127.0.0.1:1", "-profile", "revosurge", "-config", limit}, limit + `:3: profiles.revosurge.rate_limit.limit: want ≥ 1, got 0`},
	} {
		code, _, errs := runCLI(t, "", tt.args...)
		if code != ExitUsage || !strings.Contains(errs, tt.want) || strings.Contains(errs, "config key") {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tt.args[0], code, errs, ExitUsage, tt.want)
		}
	}
}

// -q: the result on stdout, no hints on stderr; -verbose is -v.
func TestQuietAndVerbose(t *testing.T) {
	t.Parallel()
	m, err := mockserver.New(builtin.All())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()
	spec := `{"name":"q"}`
	code, out, errs := runCLI(t, "", "verify", "-mock", srv.URL, "-open", spec)
	if code != ExitOK || !strings.Contains(errs, "send with header") || !json.Valid([]byte(out)) {
		t.Fatalf("-open: exit %d, stdout %q, stderr %q: want the session as JSON and the hint on stderr", code, out, errs)
	}
	code, out, errs = runCLI(t, "", "verify", "-q", "-mock", srv.URL, "-open", spec)
	if code != ExitOK || errs != "" || !json.Valid([]byte(out)) {
		t.Errorf("-q -open: exit %d, stdout %q, stderr %q: want the session and nothing on stderr", code, out, errs)
	}
	for _, f := range []string{"-v", "-verbose"} {
		code, out, _ := runCLI(t, "", "conform", "-target", srv.URL, "-profile", "postback", "-label-filter", "PB-AUTH-1", "-diagnose=false", f)
		if code != ExitOK || !strings.Contains(out, "pass") || !strings.Contains(out, "postback/") {
			t.Errorf("conform %s: exit %d, want a line per check:\n%s", f, code, out)
		}
	}
}

// `s2s report DIR` renders a sender certificate's folder as it does the
// other kinds: every file again, or one format.
func TestReportRendersASenderCertificate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := &verify.Result{Schema: verify.Schema, Verdict: verify.Certified, Requests: 2,
		Sender: []verify.RuleResult{{ID: "SND-RETRY-1", Level: "MUST", Status: verify.Pass, Message: "1 answers of 5xx"}}}
	if err := writeFiles(dir, reports.SenderFiles(r)); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "report", dir)
	if code != ExitOK || !strings.Contains(out, "sender certificate: CERTIFIED") || !strings.Contains(out, "1 answers of 5xx") {
		t.Errorf("report DIR: exit %d\n%s\n%s", code, out, errs)
	}
	for _, f := range reportFormats() {
		if code, out, errs := runCLI(t, "", "report", dir, "-format", f); code != ExitOK || out == "" {
			t.Errorf("report -format %s: exit %d, %d bytes, %s", f, code, len(out), errs)
		}
	}
}

// -out json=- writes the attempts on stdout (the summary moves to stderr);
// -out prometheus=127.0.0.1:0 says which port it took.
func TestLoadOutputsToStdoutAndAnnounced(t *testing.T) {
	t.Parallel()
	m, err := mockserver.New(builtin.All())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()
	code, out, errs := runCLI(t, "", "load", "-target", srv.URL, "-profile", "postback", "-rate", "20/s", "-duration", "1s",
		"-out", "json=-", "-out", "prometheus=127.0.0.1:0")
	if code == ExitUsage || code == ExitInternal {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("stdout line %d is not JSON: %q", i+1, l)
		}
	}
	if len(lines) < 10 || !strings.Contains(errs, "s2s load postback") {
		t.Errorf("%d JSON lines on stdout, stderr %q: want the attempts on stdout, the summary on stderr", len(lines), errs)
	}
	if !regexp.MustCompile(`prometheus metrics at http://127\.0\.0\.1:[1-9][0-9]*/metrics`).MatchString(errs) {
		t.Errorf("stderr %q: want the address the prometheus output took", errs)
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error(`a file named "-" was written`)
	}
}

// The docs' flag tables name exactly the real flags: docs/mock.md every flag
// of s2s mock; docs/conformance.md every flag of s2s conform.
func TestDocsFlagTablesAreTheRealFlags(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ doc, cmd string }{{"../../docs/mock.md", "mock"}, {"../../docs/conformance.md", "conform"}} {
		data, err := os.ReadFile(tt.doc)
		if err != nil {
			t.Fatal(err)
		}
		var documented []string
		for _, row := range regexp.MustCompile("(?m)^\\| (`-[^|]*)\\|").FindAllStringSubmatch(string(data), -1) {
			for _, m := range regexp.MustCompile("`-([a-z-]+)").FindAllStringSubmatch(row[1], -1) {
				documented = append(documented, m[1])
			}
		}
		real := helpFlags(t, tt.cmd)
		slices.Sort(documented)
		slices.Sort(real)
		if !slices.Equal(slices.Compact(documented), real) {
			t.Errorf("%s documents %v, s2s %s has %v", tt.doc, documented, tt.cmd, real)
		}
	}
}
