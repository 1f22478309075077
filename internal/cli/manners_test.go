package cli

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "-v", "-version", "--version"} {
		code, out, errs := runCLI(t, "", arg)
		if code != ExitOK || !strings.HasPrefix(out, "s2s "+Version) || errs != "" {
			t.Errorf("s2s %s: exit %d, stdout %q, stderr %q", arg, code, out, errs)
		}
	}
	tests := []struct {
		name string
		give *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "s2s " + Version},
		{"go install", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v9.9.9"}},
			"s2s " + Version + " (module v9.9.9, go1.26.0)"},
		{"make build in a modified tree", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"},
				{Key: "vcs.time", Value: "2026-12-04T10:00:00Z"}}},
			"s2s " + Version + " (revision 0123456789ab+modified, 2026-12-04T10:00:00Z, go1.26.0)"},
	}
	for _, tt := range tests {
		if got := versionText(tt.give, tt.give != nil); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestBadFlagIsOneLinePlusUsage: an unknown flag gets the error (with the
// nearest flag) and the usage line; not the whole help.
func TestBadFlagIsOneLinePlusUsage(t *testing.T) {
	tests := []struct {
		give []string
		want string
	}{
		{[]string{"rules", "-nope"}, "s2s rules: flag provided but not defined: -nope\n"},
		{[]string{"rules", "-profle", "g123"}, "s2s rules: flag provided but not defined: -profle (did you mean -profile?)\n"},
		{[]string{"mock", "--adr", ":1"}, "(did you mean -addr?)\n"},
		{[]string{"fixtures", "-n", "many"}, `s2s fixtures: -n: want a whole number, got "many"`},
	}
	for _, tt := range tests {
		code, out, errs := runCLI(t, "", tt.give...)
		lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
		if code != ExitUsage || out != "" || len(lines) != 2 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q: want 2 and two lines", tt.give, code, out, errs)
			continue
		}
		if !strings.Contains(errs, tt.want) || !strings.HasPrefix(lines[1], "Usage: s2s "+tt.give[0]+" ") ||
			!strings.HasSuffix(lines[1], " (-h: flags and examples)") {
			t.Errorf("%v: stderr %q, want %q and the usage line", tt.give, errs, tt.want)
		}
	}
	if code, _, errs := runCLI(t, "", "mokc"); code != ExitUsage || !strings.Contains(errs, `(did you mean "mock"?)`) || strings.Contains(errs, "Commands:") {
		t.Errorf("unknown command: exit %d, stderr %q", code, errs)
	}
}

// TestHelpHasExamples: every command's -h prints its usage, flags and
// examples to stdout, and each example runs the command it documents.
func TestHelpHasExamples(t *testing.T) {
	for _, c := range commands() {
		code, out, errs := runCLI(t, "", c.name, "-h")
		if c.name == "version" {
			continue // takes no flags
		}
		if code != ExitOK || errs != "" {
			t.Errorf("%s -h: exit %d, stderr %q", c.name, code, errs)
		}
		if !strings.HasPrefix(out, "Usage: s2s "+c.name) || !strings.Contains(out, "\nExamples:\n") {
			t.Errorf("%s -h: stdout %q: want the usage line and examples", c.name, out)
		}
		for _, ex := range strings.Split(strings.TrimSpace(c.examples), "\n") {
			if !strings.Contains(ex, "s2s "+c.name) {
				t.Errorf("%s: example %q does not run s2s %s", c.name, ex, c.name)
			}
		}
	}
}

// TestReportFormatNames: every report kind takes the same -format names.
func TestReportFormatNames(t *testing.T) {
	kinds := map[string]string{
		"certificate.json": "../../reports/testdata/certificate.golden.json",
		"load.json":        "../../load/testdata/report.json.golden",
	}
	for file, src := range kinds {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"json", "md", "markdown", "MD", "html", "junit", "xml", "text"} {
			if code, out, errs := runCLI(t, "", "report", dir, "-format", f); code != ExitOK || out == "" {
				t.Errorf("%s -format %s: exit %d, stderr %q", file, f, code, errs)
			}
		}
		code, _, errs := runCLI(t, "", "report", dir, "-format", "pdf")
		if code != ExitUsage || !strings.Contains(errs, "want one of json, md, html, junit, text") {
			t.Errorf("%s -format pdf: exit %d, stderr %q", file, code, errs)
		}
		code, out, _ := runCLI(t, "", "report", dir)
		if code != ExitOK || strings.Count(out, "wrote "+dir) < 3 {
			t.Errorf("%s re-render: exit %d, want every written file named; stdout %q", file, code, out)
		}
	}
}

// TestConfigErrorsAtTheCommandLine: each command that reads a config stops
// with exit 2 and one line naming the key, before it listens or sends.
func TestConfigErrorsAtTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	window := write("window.yaml", "profiles:\n  revosurge:\n    rate_limit: {limit: 5, window: abc}\n")
	typo := write("typo.yaml", "profiles:\n  revosurge:\n    credentails: {api_keys: [a]}\n")
	jsonTypo := write("typo.json", `{"profiles":{"postback":{"credentials":{"jwt_secert":"x"}}}}`)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"mock", "-addr", "127.0.0.1:0", "-config", window}, `window.yaml:3: profiles.revosurge.rate_limit.window: want a duration like 1m, got "abc"`},
		{[]string{"mock", "-addr", "127.0.0.1:0", "-config", jsonTypo}, `typo.json:1: profiles.postback.credentials.jwt_secert: unknown key (did you mean "jwt_secret"?)`},
		{[]string{"conform", "-target", "http://127.0.0.1:1", "-config", window}, `profiles.revosurge.rate_limit.window: want a duration like 1m, got "abc"`},
		{[]string{"conform", "-target", "http://127.0.0.1:1", "-config", typo}, `typo.yaml:3: profiles.revosurge.credentails: unknown key (did you mean "credentials"?)`},
		{[]string{"load", "-target", "http://127.0.0.1:1", "-profile", "revosurge", "-config", typo}, `typo.yaml:3: profiles.revosurge.credentails: unknown key (did you mean "credentials"?)`},
		{[]string{"load", "-target", "http://127.0.0.1:1", "-profile", "revosurge", "-config", window}, `profiles.revosurge.rate_limit.window: want a duration like 1m, got "abc"`},
	}
	for _, tt := range tests {
		code, _, errs := runCLI(t, "", tt.args...)
		if code != ExitUsage || !strings.Contains(errs, tt.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", tt.args, code, errs, tt.want)
		}
	}
}
