package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// helpFlags reads the flags a command's -h prints (flag.PrintDefaults lines),
// independently of the flag sink completion uses.
func helpFlags(t *testing.T, name string) []string {
	t.Helper()
	_, out, _ := runCLI(t, "", name, "-h")
	var flags []string
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`).FindAllStringSubmatch(out, -1) {
		flags = append(flags, m[1])
	}
	return flags
}

// TestCompletionNamesEverything: both scripts name every subcommand and
// every flag its -h shows.
func TestCompletionNamesEverything(t *testing.T) {
	total := 0
	for _, shell := range []string{"bash", "zsh"} {
		code, script, errs := runCLI(t, "", "completion", shell)
		if code != ExitOK || errs != "" {
			t.Fatalf("completion %s: exit %d, stderr %q", shell, code, errs)
		}
		for _, c := range commands() {
			if !strings.Contains(script, c.name) {
				t.Errorf("%s: command %s missing", shell, c.name)
			}
			flags := helpFlags(t, c.name)
			total += len(flags)
			for _, f := range flags {
				// The flag is listed in the command's own entry.
				re := regexp.MustCompile(`(?s)\b` + regexp.QuoteMeta(c.name) + `\)[^;]*?['" ]-` + regexp.QuoteMeta(f) + `\b`)
				if !re.MatchString(script) {
					t.Errorf("%s: flag -%s of %s missing", shell, f, c.name)
				}
			}
		}
	}
	if total < 40 {
		t.Fatalf("only %d flags seen in the help texts: the check compares nothing", total)
	}
	if code, _, errs := runCLI(t, "", "completion", "fish"); code != ExitUsage || !strings.Contains(errs, "want bash or zsh") {
		t.Errorf("completion fish: exit %d, stderr %q", code, errs)
	}
}

// TestBashCompletionCompletes runs the bash script: commands, flags and
// profile names complete.
func TestBashCompletionCompletes(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	_, script, _ := runCLI(t, "", "completion", "bash")
	file := filepath.Join(t.TempDir(), "s2s.bash")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		words string // the command line; the last word is being completed
		want  string
	}{
		{"s2s mo", "mock"},
		{"s2s op", "openapi"},
		{"s2s mock -add", "-addr"},
		{"s2s conform -label", "-label-filter"},
		{"s2s load -profile post", "postback"},
		{"s2s mock -mode le", "lenient"},
		{"s2s mock -mode pe", "permissive"},
		{"s2s load merge -", "-report-dir"}, // merge's flags only
		{"s2s load mer", "merge"},
		{"s2s verify -format ht", "html"},
		{"s2s report out -format ju", "junit"},
		{"s2s completion z", "zsh"},
		{"s2s help con", "conform"},
	}
	for _, tt := range tests {
		words := strings.Fields(tt.words)
		prog := `source "$1"; COMP_WORDS=(` + strings.Join(words, " ") + `); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _s2s; printf '%s\n' "${COMPREPLY[@]}"`
		out, err := exec.CommandContext(context.Background(), bash, "-c", prog, "bash", file).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", tt.words, err, out)
		}
		if got := strings.Fields(string(out)); len(got) != 1 || got[0] != tt.want {
			t.Errorf("%q completes to %q, want %q", tt.words, got, tt.want)
		}
	}
}

// TestZshCompletionParses checks the zsh script's syntax when zsh is there.
func TestZshCompletionParses(t *testing.T) {
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("zsh not installed (.ci/run installs it)")
		}
		t.Skip("zsh not installed (apt-get install zsh); the script's content is checked by TestCompletionNamesEverything")
	}
	_, script, _ := runCLI(t, "", "completion", "zsh")
	file := filepath.Join(t.TempDir(), "_s2s")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(zsh, "-n", file).CombinedOutput(); err != nil {
		t.Fatalf("zsh -n: %v\n%s", err, out)
	}
}

func TestOpenAPICommand(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, "", "openapi", "-out", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, name := range []string{"revosurge", "g123", "dingyue", "appsflyer", "postback"} {
		path := filepath.Join(dir, name+".openapi.json")
		if !strings.Contains(out, "wrote "+path+" (") {
			t.Errorf("stdout %q does not name %s", out, path)
		}
		if data, err := os.ReadFile(path); err != nil || !strings.Contains(string(data), `"openapi": "3.1.0"`) {
			t.Errorf("%s: %v", path, err)
		}
	}
	code, out, _ = runCLI(t, "", "openapi", "-profile", "g123")
	if code != ExitOK || !strings.Contains(out, `"x-s2s-profile": "g123"`) {
		t.Errorf("to stdout: exit %d, %.100q", code, out)
	}
	if code, _, errs := runCLI(t, "", "openapi"); code != ExitUsage || !strings.Contains(errs, "-out DIR") {
		t.Errorf("several profiles to stdout: exit %d, stderr %q", code, errs)
	}
}
