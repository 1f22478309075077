package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// runCLI runs the command line with stdin and returns exit code and streams.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, IsTerminal: func(io.Writer) bool { return false }}
	code := run(context.Background(), env, append([]string{"s2s"}, args...))
	return code, out.String(), errb.String()
}

func TestUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		give     []string
		wantCode int
		wantErr  string
		wantOut  string
	}{
		{name: "no command", give: nil, wantCode: ExitUsage, wantErr: "Commands:"},
		{name: "help", give: []string{"help"}, wantCode: ExitOK, wantOut: "lint"},
		{name: "unknown command", give: []string{"frobnicate"}, wantCode: ExitUsage, wantErr: `unknown command "frobnicate"`},
		{name: "command help", give: []string{"help", "lint"}, wantCode: ExitOK, wantOut: "Usage: s2s lint"},
		{name: "bad flag", give: []string{"rules", "-nope"}, wantCode: ExitUsage, wantErr: "flag provided but not defined"},
		{name: "unknown profile lists valid names", give: []string{"fixtures", "-profile", "acme"}, wantCode: ExitUsage,
			wantErr: "valid: revosurge, g123, dingyue, appsflyer, postback"},
		{name: "missing profile", give: []string{"lint"}, wantCode: ExitUsage, wantErr: "-profile is required"},
		{name: "bad format", give: []string{"rules", "-format", "xml"}, wantCode: ExitUsage, wantErr: `-format "xml"`},
		{name: "version", give: []string{"version"}, wantCode: ExitOK, wantOut: "s2s " + Version},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, "", tt.give...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.wantCode, errs)
			}
			if tt.wantErr != "" && !strings.Contains(errs, tt.wantErr) {
				t.Errorf("stderr %q, want it to contain %q", errs, tt.wantErr)
			}
			if tt.wantOut != "" && !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout %q, want it to contain %q", out, tt.wantOut)
			}
		})
	}
}

var updateSpecs = flag.Bool("update", false, "regenerate testdata/specs-rules.txt from ../shared/SPECS.md (outside the repository)")

// specsSnapshot holds the rule IDs and levels of ../shared/SPECS.md. The test
// reads only this snapshot, so a lone clone runs it; -update regenerates it.
const specsSnapshot = "testdata/specs-rules.txt"

// TestRulesMatchSpecs: `s2s rules -format json` lists every rule ID of SPECS.md
// (as snapshotted) with the same level, and nothing else, for the profiles
// resting on its seeds. A profile with a public source of its own is not in
// SPECS.md: its rules must instead all carry one prefix of its own, a level,
// a text and a basis (a grounding), and name the source.
func TestRulesMatchSpecs(t *testing.T) {
	t.Parallel()
	if *updateSpecs {
		live, err := os.ReadFile("../../../shared/SPECS.md")
		if err != nil {
			t.Fatalf("-update: %v", err)
		}
		if err := os.WriteFile(specsSnapshot, specsRulesText(live), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := specRules(t, specsSnapshot)
	code, out, errs := runCLI(t, "", "rules", "-format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rows []ruleJSON
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	own := map[string]*profile.Profile{} // profiles with a source of their own
	for _, p := range builtin.All() {
		if p.Source != nil {
			own[p.Name] = p
		}
	}
	got := map[string]string{}
	prefixes := map[string]string{} // own-source rule prefix → profile
	for _, r := range rows {
		if _, dup := got[r.ID]; dup {
			t.Errorf("%s listed twice", r.ID)
		}
		got[r.ID] = r.Level
		if r.Text == "" || r.Area == "" {
			t.Errorf("%s: empty text or area", r.ID)
		}
		p, ok := own[r.Profile]
		if !ok {
			if r.Seed == "" {
				t.Errorf("%s: no seed", r.ID)
			}
			continue
		}
		prefix, _, _ := strings.Cut(r.ID, "-")
		if other, ok := prefixes[prefix]; ok && other != p.Name {
			t.Errorf("%s: prefix %s is also %s's", r.ID, prefix, other)
		}
		prefixes[prefix] = p.Name
		if r.Source == nil || r.Source.Title != p.Source.Title || r.Source.URL != p.Source.URL || r.Seed != "" {
			t.Errorf("%s: seed %q source %+v, want %s's source and no seed", r.ID, r.Seed, r.Source, p.Name)
		}
		if !slices.Contains([]profile.Level{profile.Must, profile.Should, profile.Ambiguous, profile.Decision}, profile.Level(r.Level)) {
			t.Errorf("%s: level %q", r.ID, r.Level)
		}
		if !slices.ContainsFunc(p.Grounds, func(g profile.Grounding) bool { return g.Rule == r.ID }) {
			t.Errorf("%s: no basis (no grounding names it)", r.ID)
		}
	}
	for prefix, name := range prefixes {
		for id := range want {
			if strings.HasPrefix(id, prefix+"-") {
				t.Errorf("%s's prefix %s is used by SPECS.md's %s", name, prefix, id)
			}
		}
	}
	for id, level := range want {
		if got[id] != level {
			t.Errorf("%s: level %q, want %q (SPECS.md)", id, got[id], level)
		}
	}
	for _, r := range rows {
		if _, ok := want[r.ID]; !ok && own[r.Profile] == nil {
			t.Errorf("%s is not in SPECS.md", r.ID)
		}
	}
}

// specsRulesText is the snapshot of a SPECS.md: one "ID LEVEL" line per rule
// row, in the document's order.
func specsRulesText(specs []byte) []byte {
	re := regexp.MustCompile(`(?m)^\| ([A-Z0-9]+-[A-Z0-9]+-\d+) \| (MUST|SHOULD|AMBIGUOUS|decision) \|`)
	var b bytes.Buffer
	b.WriteString("# Rule IDs and levels of ../shared/SPECS.md. TestRulesMatchSpecs reads only this snapshot;\n")
	b.WriteString("# go test ./internal/cli -run TestRulesMatchSpecs -update regenerates it.\n")
	for _, m := range re.FindAllSubmatch(specs, -1) {
		fmt.Fprintf(&b, "%s %s\n", m[1], m[2])
	}
	return b.Bytes()
}

func specRules(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		id, level, ok := strings.Cut(sc.Text(), " ")
		if ok && !strings.HasPrefix(id, "#") {
			out[id] = level
		}
	}
	return out
}

func TestFixturesDeterministic(t *testing.T) {
	t.Parallel()
	args := []string{"fixtures", "-profile", "revosurge", "-n", "5", "-seed", "9"}
	_, a, _ := runCLI(t, "", args...)
	_, b, _ := runCLI(t, "", args...)
	if a != b || strings.Count(a, "\n") != 5 {
		t.Fatalf("two runs differ or wrong count:\n%s\n---\n%s", a, b)
	}
	_, c, _ := runCLI(t, "", "fixtures", "-profile", "revosurge", "-n", "5", "-seed", "10")
	if c == a {
		t.Fatal("another seed gave the same output")
	}
}

func TestLint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		give      string
		args      []string
		wantCode  int
		wantRules []string
	}{
		{name: "valid event", give: `{"client_user_id":"u1","click_id":"c1","event_name":"login","timestamp":1702963200000,"ip_address":"203.0.113.1"}`,
			wantCode: ExitOK},
		{name: "must broken", give: `{"client_user_id":"u1","event_name":"login","timestamp":1702963200000,"ip_address":"203.0.113.1"}`,
			wantCode: exitMustFailed, wantRules: []string{"RS-BODY-1"}},
		{name: "should only", give: `{"client_user_id":"u1","click_id":"c1","event_name":"login","timestamp":1702963200000,"ip_address":"999.1.1.1"}`,
			wantCode: ExitOK, wantRules: []string{"RS-IP-1"}},
		{name: "malformed line", give: "{\"client_user_id\":\n", wantCode: exitMustFailed, wantRules: []string{"RS-TYPE-1"}},
		{name: "envelope numbers stay exact", // more digits than a float64 holds; the envelope passes them on as written
			give:     `{"endpoint":"event","body":{"client_user_id":"u1","click_id":"c1","event_name":"deposit","timestamp":1702963200000,"ip_address":"203.0.113.1","transaction_id":"t1","amount":12345678901234567890.123456789,"currency":"USD"}}`,
			wantCode: ExitOK},
		{name: "overflowing number in an envelope", // 1e400 is beyond float64: the envelope is read, the body rejected
			give:     `{"endpoint":"event","body":{"client_user_id":"u1","click_id":"c1","event_name":"deposit","timestamp":1702963200000,"ip_address":"203.0.113.1","transaction_id":"t1","amount":1e400,"currency":"USD"}}`,
			wantCode: exitMustFailed, wantRules: []string{"RS-TYPE-1"}},
		{name: "array goes to batch", give: `[{"client_user_id":"u1","click_id":"c1","event_name":"login","timestamp":1,"ip_address":"203.0.113.1"}]`,
			wantCode: ExitOK},
		{name: "lenient accepts ambiguity", args: []string{"-mode", "lenient"},
			give:     `{"client_user_id":"u1","event_name":"bet","timestamp":1,"transaction_id":"t","amount":1,"currency":"USD"}`,
			wantCode: ExitOK, wantRules: []string{"RS-AMB-1", "RS-AMB-1"}}, // click_id and ip_address
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"lint", "-profile", "revosurge", "-format", "json"}, tt.args...)
			code, out, errs := runCLI(t, tt.give, args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %s%s", code, tt.wantCode, out, errs)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				var r lintResult
				if err := json.Unmarshal([]byte(line), &r); err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				for _, v := range r.Violations {
					got = append(got, v.Rule)
				}
			}
			if !slices.Equal(got, tt.wantRules) {
				t.Fatalf("rules %v, want %v", got, tt.wantRules)
			}
		})
	}
}

// TestLintReadsFixtures: what `s2s fixtures` prints, `s2s lint` reads; the
// valid payloads are clean and every invalid one is reported.
func TestLintReadsFixtures(t *testing.T) {
	t.Parallel()
	_, valid, _ := runCLI(t, "", "fixtures", "-profile", "revosurge", "-n", "20")
	if code, out, _ := runCLI(t, valid, "lint", "-profile", "revosurge"); code != ExitOK || !strings.Contains(out, "20 payloads, 0 with findings") {
		t.Fatalf("valid fixtures: exit %d\n%s", code, out)
	}
	_, invalid, _ := runCLI(t, "", "fixtures", "-profile", "revosurge", "-invalid")
	code, out, _ := runCLI(t, invalid, "lint", "-profile", "revosurge", "-format", "json")
	if code != exitMustFailed {
		t.Fatalf("invalid fixtures: exit %d, want %d", code, exitMustFailed)
	}
	lines := strings.Split(strings.TrimSpace(invalid), "\n")
	results := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(results) {
		t.Fatalf("%d variants, %d results", len(lines), len(results))
	}
	for i, line := range lines {
		var v variantLine
		var r lintResult
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(results[i]), &r); err != nil {
			t.Fatal(err)
		}
		if v.Expect == "accept" || v.Expect == "accept-dropped" {
			continue
		}
		found := false
		for _, x := range r.Violations {
			found = found || x.Rule == v.Rule
		}
		if !found {
			t.Errorf("variant %s %q: lint reported %v", v.Rule, v.Name, r.Violations)
		}
	}
}

// TestLintReadsQueryLines: for a query-string endpoint a line is what a
// sender's log shows (a bare query, a path, a URL, a request line), and its
// findings are in the query.
func TestLintReadsQueryLines(t *testing.T) {
	t.Parallel()
	const q = "click_id=5f1e2d3c4b5a69788796a5b4&action_id=o1&status=1"
	in := strings.Join([]string{q, "/postback?" + q, "https://t.example/postback?" + q, "GET /postback?" + q + " HTTP/1.1",
		"/postback?click_id=5f1e2d3c4b5a69788796a5b4&status=9"}, "\n")
	code, out, _ := runCLI(t, in, "lint", "-profile", "affise", "-format", "json")
	results := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitMustFailed || len(results) != 5 {
		t.Fatalf("exit %d, %d results, want %d and 5:\n%s", code, len(results), exitMustFailed, out)
	}
	for i, line := range results {
		var r struct {
			Violations []profile.Violation `json:"violations"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if bad := i == 4; bad != (len(r.Violations) > 0) {
			t.Errorf("line %d: %v", i+1, r.Violations)
		} else if bad && (r.Violations[0].In != profile.InQuery || r.Violations[0].Field != "status") {
			t.Errorf("line %d: %+v, want in query, field status", i+1, r.Violations[0])
		}
	}
}
