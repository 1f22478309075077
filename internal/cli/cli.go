// Package cli is the s2s command line: one file per subcommand. It is the only
// package that touches the process (standard streams, environment, exit codes,
// files named on the command line); everything else receives what it needs.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/internal/exitcode"
)

// Exit codes, named here for the subcommands; the one table with their
// meanings, and the one mapping of a command's result (certificate, verdict,
// report) to its code, is internal/exitcode (README "Exit codes" shows it).
const (
	ExitOK           = exitcode.OK
	ExitInternal     = exitcode.Internal
	ExitUsage        = exitcode.Usage
	exitMustFailed   = exitcode.MustFailed
	exitSLABreached  = exitcode.SLABreached
	exitInvalidRun   = exitcode.InvalidRun
	exitInconclusive = exitcode.Inconclusive
)

// Env is the process as the subcommands see it.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads an environment variable.
	Getenv func(string) string
	// IsTerminal tells whether w is an interactive terminal (progress lines).
	IsTerminal func(w io.Writer) bool

	// flagSink, when set, receives a subcommand's flag set instead of its -h
	// help: completion reads the real flags this way.
	flagSink func(*flag.FlagSet)
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) int
	exits   []int // the exit codes it can return, for its help
	// examples are shown by -h, one command line (with a comment) a line.
	examples string
}

// commands is the one list of subcommands.
func commands() []command {
	basicExits := []int{ExitOK, ExitInternal, ExitUsage} // len == cap: each append below copies
	return []command{
		{"mock", "serve every profile's reference implementation (the mock)", runMock, basicExits, `
  s2s mock                                    # every profile on 127.0.0.1:8080, strict mode
  s2s mock -addr :9090 -mode lenient -profiles revosurge,postback
  s2s mock -config mock.yaml                  # credentials, rate limits, faults per profile`},
		{"conform", "certify a receiver at a URL against the specs", runConform, append(basicExits, exitMustFailed), `
  s2s conform -target http://127.0.0.1:8080                     # certify the mock, zero config
  s2s conform -target https://sandbox.example.com -config target.yaml -report-dir cert/
  s2s conform -target http://127.0.0.1:8080 -profile postback -label-filter 'MUST && !rate-limit'`},
		{"load", "run an SLA load scenario against a receiver", runLoad, append(basicExits, exitSLABreached, exitInvalidRun, exitInconclusive), `
  s2s load -target http://127.0.0.1:8080 -profile postback -rate 500/s -duration 60s
  s2s load -target http://127.0.0.1:8080 -profile revosurge -scenario spike -sla sla.yaml -report-dir out/`},
		{"verify", "certify a sender from what the mock saw of it", runVerify, append(basicExits, exitMustFailed), `
  s2s verify -open '{"name":"team-a","script":{"status":503,"failures":3}}'   # open a session, print its id
  s2s verify -session ID -format md -report-dir out/          # the sender certificate of that session
  s2s verify -since 2026-01-02T15:00:00Z                      # everything received since then`},
		{"report", "re-render a past conformance or load report", runReport, basicExits, `
  s2s report out/                    # rewrite every file of the folder's report
  s2s report out/ -format junit      # one rendering to stdout: json, md, html, junit or text`},
		{"reconcile", "reconcile an operator's dump with a tracker's: causes and the 3 % rule", runReconcile, append(basicExits, exitSLABreached), `
  s2s reconcile -operator operator.csv -tracker tracker.jsonl -report-dir out/
  s2s reconcile -operator ftd.csv -tracker journal:http://127.0.0.1:8080 -tz Europe/Istanbul -fx rates.csv
  s2s reconcile -operator export.csv -map event_id=txid,ts_event=created_at -tracker tracker.csv -format md`},
		{"rules", "list every rule with its ID, level and text", runRules, basicExits, `
  s2s rules
  s2s rules -profile appsflyer -format json`},
		{"fixtures", "print valid (or invalid) payloads as JSON Lines", runFixtures, basicExits, `
  s2s fixtures -profile revosurge -n 1000 -seed 42
  s2s fixtures -profile dingyue -batch 50 -n 10
  s2s fixtures -profile appsflyer -invalid    # one labelled variant per breakable rule`},
		{"lint", "check payloads a sender produced against a profile", runLint, append(basicExits, exitMustFailed), `
  my-sender --dry-run | s2s lint -profile revosurge
  s2s lint -profile postback -mode lenient payloads.jsonl`},
		{"schemas", "write the JSON Schemas of the profiles to a folder", runSchemas, basicExits, `
  s2s schemas -out ./schemas-out`},
		{"openapi", "write an OpenAPI 3.1 document per profile", runOpenAPI, basicExits, `
  s2s openapi -out ./openapi-out              # <profile>.openapi.json for every profile
  s2s openapi -profile postback > postback.openapi.json`},
		{"completion", "print a shell completion script (bash or zsh)", runCompletion, basicExits, `
  source <(s2s completion bash)
  mkdir -p ~/.zfunc && s2s completion zsh > ~/.zfunc/_s2s   # and in ~/.zshrc before compinit: fpath=(~/.zfunc $fpath)`},
		{"version", "print the version", runVersion, []int{ExitOK}, `
  s2s version`},
	}
}

// Version is the release this source tree is, changed by hand at a release.
// The commit a binary was built from is not compiled in; versionText reads it
// from the build information the Go toolchain records.
const Version = "0.1.0"

// Run executes the command line args (args[0] is the program name) and returns
// the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// A dumb terminal cannot rewrite a line in place: no progress line there.
	term := func(w io.Writer) bool { return os.Getenv("TERM") != "dumb" && isTerminal(w) }
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: os.Getenv, IsTerminal: term}
	return run(ctx, env, args)
}

func run(ctx context.Context, env *Env, args []string) int {
	if len(args) < 2 {
		usage(env.Stderr)
		return ExitUsage
	}
	name := args[1]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 2 {
			return run(ctx, env, []string{args[0], args[2], "-h"})
		}
		usage(env.Stdout)
		return ExitOK
	case "-v", "-version", "--version":
		return runVersion(ctx, env, nil)
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, env, args[2:])
		}
	}
	hint := ""
	if near, ok := configfile.Nearest(name, commandNames()); ok {
		hint = fmt.Sprintf(" (did you mean %q?)", near)
	}
	fmt.Fprintf(env.Stderr, "s2s: unknown command %q%s\nUsage: s2s <command> [flags]; 's2s help' lists the commands.\n", name, hint)
	return ExitUsage
}

func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return names
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "s2s %s: test harness for server-to-server event APIs\n\nUsage:\n  s2s <command> [flags]\n\nCommands:\n", Version)
	cs := commands()
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 's2s <command> -h' for a command's flags and examples; 's2s --version' for the version.\n")
}

// usageRequest is what parse asks of a flag set's Usage. The flag package
// calls Usage itself (on -h and on errors) with no arguments, so parse
// passes the request through the set's output, which Usage reads back.
type usageRequest struct {
	err  error // nil: the full help
	help bool  // the full help was asked for
}

func (*usageRequest) Write(p []byte) (int, error) { return len(p), nil } // the flag package's own messages go nowhere

// flags returns a subcommand's flag set. -h prints the full help (synopsis,
// flags, examples, exit codes) to stdout; a bad flag prints one line and the
// usage line to stderr.
func flags(env *Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("s2s "+name, flag.ContinueOnError)
	c := commandFor(name)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		req, _ := fs.Output().(*usageRequest)
		fs.SetOutput(env.Stderr)
		switch {
		case req == nil: // called outside parse
			fmt.Fprintf(env.Stderr, "Usage: s2s %s %s\n", name, synopsis)
		case req.help && env.flagSink != nil:
			env.flagSink(fs)
		case req.help:
			fmt.Fprintf(env.Stdout, "Usage: s2s %s %s\n\n%s.\n\nFlags:\n", name, synopsis, c.summary)
			fs.SetOutput(env.Stdout)
			fs.PrintDefaults()
			fs.SetOutput(env.Stderr)
			if c.examples != "" {
				fmt.Fprintf(env.Stdout, "\nExamples:%s\n", c.examples)
			}
			exitcode.WriteHelp(env.Stdout, c.exits...)
		case req.err != nil:
			fmt.Fprintf(env.Stderr, "s2s %s: %v%s\nUsage: s2s %s %s (-h: flags and examples)\n",
				name, req.err, flagHint(fs, req.err), name, synopsis)
		}
	}
	return fs
}

// flagHint suggests the nearest defined flag for an undefined one.
func flagHint(fs *flag.FlagSet, err error) string {
	bad, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !ok {
		return ""
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	if near, ok := configfile.Nearest(strings.TrimPrefix(bad, "-"), names); ok {
		return fmt.Sprintf(" (did you mean -%s?)", near)
	}
	return ""
}

// parse parses args; it returns the exit code to stop with, or -1 to go on.
func parse(fs *flag.FlagSet, args []string) int {
	out := fs.Output()
	fs.SetOutput(&usageRequest{}) // silent: Parse calls Usage before it returns
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = usage
	if err == nil {
		fs.SetOutput(out)
		return -1
	}
	fs.SetOutput(&usageRequest{err: flagError(fs, err), help: errors.Is(err, flag.ErrHelp)})
	fs.Usage()
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	return ExitUsage
}

// fail prints a usage-class error and returns ExitUsage.
func fail(env *Env, format string, args ...any) int {
	fmt.Fprintf(env.Stderr, "s2s: "+strings.TrimSuffix(format, "\n")+"\n", args...)
	return ExitUsage
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runVersion(_ context.Context, env *Env, _ []string) int {
	bi, ok := debug.ReadBuildInfo()
	fmt.Fprintln(env.Stdout, versionText(bi, ok))
	return ExitOK
}

// versionText is the version line: the release, then what the build
// recorded: the module version when installed with go install, the VCS
// revision (and whether the tree was modified) and its time, the Go version.
func versionText(bi *debug.BuildInfo, ok bool) string {
	line := "s2s " + Version
	if !ok || bi == nil {
		return line
	}
	var extra []string
	if v := bi.Main.Version; v != "" && v != "(devel)" && strings.TrimPrefix(v, "v") != Version {
		extra = append(extra, "module "+v)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if settings["vcs.modified"] == "true" {
			rev += "+modified"
		}
		extra = append(extra, "revision "+rev)
	}
	if t := settings["vcs.time"]; t != "" {
		extra = append(extra, t)
	}
	if bi.GoVersion != "" {
		extra = append(extra, bi.GoVersion)
	}
	if len(extra) == 0 {
		return line
	}
	return line + " (" + strings.Join(extra, ", ") + ")"
}
