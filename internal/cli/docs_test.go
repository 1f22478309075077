//go:build unix

package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The docs runner: every ```sh, ```bash and ```console block of README.md and
// docs/*.md runs, unless the line before its fence is exactly
//
//	<!-- docs: illustration -->
//
// (long-running servers, other machines, placeholders such as ./my-sender).
// Each block runs with `bash -euo pipefail` (a console block: its "$ " lines)
// and must exit 0 within docsBlockTimeout. What a block gets:
//
//   - the working directory: a fresh temporary folder (also HOME and TMPDIR,
//     so nothing outside it is written);
//   - PATH: `s2s` first (this test binary, which TestMain turns into the CLI
//     when S2S_DOCS_CLI=1; or the binary S2S_DOCS_BIN names, to try an
//     installed one: S2S_DOCS_BIN=$(go env GOPATH)/bin/s2s), then the
//     system's PATH (curl, openssl, jq);
//   - B: the base URL of a fresh `s2s mock` (zero config, strict mode) on a
//     free 127.0.0.1 port, started for the block and stopped after it;
//   - S2S_DOCS=1, for a block that wants to tell (none does yet).
//
// Blocks run one after another: each mock's state is its block's alone.

const docsIllustration = "<!-- docs: illustration -->"

const docsBlockTimeout = 90 * time.Second

// TestMain runs the CLI instead of the tests when the docs runner calls this
// binary as s2s.
func TestMain(m *testing.M) {
	if os.Getenv("S2S_DOCS_CLI") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// docBlock is one shell block of a Markdown file.
type docBlock struct {
	where        string // file:line of the opening fence
	lang, script string
	illustration bool
}

// docBlocks extracts the shell blocks of a Markdown document.
func docBlocks(name, text string) []docBlock {
	fence := regexp.MustCompile("^```(sh|bash|console)\\s*$")
	lines := strings.Split(text, "\n")
	var out []docBlock
	for i := 0; i < len(lines); i++ {
		m := fence.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		b := docBlock{where: fmt.Sprintf("%s:%d", name, i+1), lang: m[1],
			illustration: i > 0 && strings.TrimSpace(lines[i-1]) == docsIllustration}
		var body []string
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			l := lines[i]
			if b.lang == "console" {
				cmd, ok := strings.CutPrefix(l, "$ ")
				if !ok {
					continue // output
				}
				l = cmd
			}
			body = append(body, l)
		}
		b.script = strings.Join(body, "\n") + "\n"
		out = append(out, b)
	}
	return out
}

func TestDocBlocksExtraction(t *testing.T) {
	t.Parallel()
	md := "text\n```sh\necho one\n```\n" + docsIllustration + "\n```bash\nmake run\n```\n```console\n$ s2s version\ns2s 0.1.0\n```\n```go\nx := 1\n```\n"
	got := docBlocks("x.md", md)
	if len(got) != 3 {
		t.Fatalf("%d blocks, want 3 (sh, bash, console; not go): %+v", len(got), got)
	}
	if got[0].where != "x.md:2" || got[0].script != "echo one\n" || got[0].illustration {
		t.Errorf("block 1: %+v", got[0])
	}
	if !got[1].illustration {
		t.Errorf("block 2 follows the marker: %+v", got[1])
	}
	if got[2].script != "s2s version\n" {
		t.Errorf("console block: %q, want its $ lines only", got[2].script)
	}
}

// TestDocsRun runs every block that is not an illustration.
func TestDocsRun(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("bash is needed to run the docs' shell blocks")
		}
		t.Skip("no bash")
	}
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{"../../README.md"}, files...)
	bin := docsCLI(t)
	runnable := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range docBlocks(strings.TrimPrefix(f, "../../"), string(data)) {
			if b.illustration {
				continue
			}
			runnable++
			t.Run(b.where, func(t *testing.T) {
				out, err := runDocBlock(t, bin, b.script)
				if err != nil {
					t.Errorf("%s: %v (mark a block that cannot run here with %s on the line before its fence)\n--- block\n%s--- output\n%s",
						b.where, err, docsIllustration, b.script, out)
				}
			})
		}
	}
	if runnable < 10 {
		t.Errorf("only %d runnable blocks: the quickstart's requests against the mock should run", runnable)
	}
}

// A failing block fails: the runner cannot pass by not running.
func TestDocsRunnerFailsAFailingBlock(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	bin := docsCLI(t)
	for _, script := range []string{"false\necho never\n", "s2s frobnicate\n", "false | cat\n", "echo $UNSET\n", `test -n "$B" && exit 3` + "\n"} {
		if out, err := runDocBlock(t, bin, script); err == nil {
			t.Errorf("%q: passed, want a failure\n%s", script, out)
		}
	}
	if out, err := runDocBlock(t, bin, `curl -sf "$B/_s2s/health" && s2s version | grep -q s2s`+"\n"); err != nil {
		t.Errorf("the mock at $B and s2s on PATH: %v\n%s", err, out)
	}
}

// docsCLI puts this test binary on a PATH as s2s and returns the folder.
func docsCLI(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if b := os.Getenv("S2S_DOCS_BIN"); b != "" {
		if exe, err = filepath.Abs(b); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(dir, "s2s")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runDocBlock starts a mock, runs script against it and stops both.
func runDocBlock(t *testing.T, bin, script string) (string, error) {
	t.Helper()
	work := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), docsBlockTimeout)
	defer cancel()
	env := append(os.Environ(), "S2S_DOCS_CLI=1", "S2S_DOCS=1", "NO_COLOR=1", "HOME="+work, "TMPDIR="+work,
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	base, stopMock, err := docsMock(ctx, bin, work, env)
	if err != nil {
		return "", err
	}
	defer stopMock()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir, cmd.Env = work, append(env, "B="+base)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its background jobs go with it
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // what a block left running
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("still running after %s: %w", docsBlockTimeout, err)
	}
	return out.String(), err
}

// docsMock starts `s2s mock` on a free loopback port; stop ends it.
func docsMock(ctx context.Context, bin, dir string, env []string) (base string, stop func(), err error) {
	cmd := exec.Command(filepath.Join(bin, "s2s"), "mock", "-addr", "127.0.0.1:0", "-log-level", "warn")
	cmd.Dir, cmd.Env = dir, env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	var errs bytes.Buffer
	cmd.Stderr = &errs
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	found := make(chan string, 1)
	go func() {
		url := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u := url.FindString(sc.Text()); u != "" {
				select {
				case found <- u:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case base = <-found:
		return base, stop, nil
	case <-ctx.Done():
	case <-time.After(30 * time.Second):
	}
	stop()
	return "", nil, fmt.Errorf("s2s mock printed no address: %s", errs.String())
}
