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

	"github.com/s2s-harness/s2s-harness/internal/exitcode"
)

// Exit codes, named here for the subcommands; the one table with their
// meanings is internal/exitcode (README "Exit codes" shows it).
const (
	ExitOK          = exitcode.OK
	ExitInternal    = exitcode.Internal
	ExitUsage       = exitcode.Usage
	exitMustFailed  = exitcode.MustFailed
	exitSLABreached = exitcode.SLABreached
	exitInvalidRun  = exitcode.InvalidRun
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
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) int
	exits   []int // the exit codes it can return, for its help
}

// commands is the one list of subcommands.
func commands() []command {
	basicExits := []int{ExitOK, ExitInternal, ExitUsage} // len == cap: each append below copies
	return []command{
		{"mock", "serve every profile's reference implementation (the mock)", runMock, basicExits},
		{"conform", "certify a receiver at a URL against the specs", runConform, append(basicExits, exitMustFailed)},
		{"load", "run an SLA load scenario against a receiver", runLoad, append(basicExits, exitSLABreached, exitInvalidRun)},
		{"report", "re-render a past conformance or load report", runReport, basicExits},
		{"rules", "list every rule with its ID, level and text", runRules, basicExits},
		{"fixtures", "print valid (or invalid) payloads as JSON Lines", runFixtures, basicExits},
		{"lint", "check payloads a sender produced against a profile", runLint, append(basicExits, exitMustFailed)},
		{"schemas", "write the JSON Schemas of the profiles to a folder", runSchemas, basicExits},
		{"version", "print the version", runVersion, []int{ExitOK}},
	}
}

// Version is the release this source tree is, changed by hand at a release.
// The commit a binary was built from is not compiled in; versionText reads it
// from the build information the Go toolchain records.
const Version = "0.1.0"

// versionText is Version plus, when the toolchain recorded them, the VCS
// revision and whether the tree was modified: "0.1.0 (rev 1a2b3c4d5e6f, modified)".
func versionText() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Version
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return Version
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		return Version + " (rev " + rev + ", modified)"
	}
	return Version + " (rev " + rev + ")"
}

// Run executes the command line args (args[0] is the program name) and returns
// the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: os.Getenv, IsTerminal: isTerminal}
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
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, env, args[2:])
		}
	}
	fmt.Fprintf(env.Stderr, "s2s: unknown command %q\n\n", name)
	usage(env.Stderr)
	return ExitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "s2s %s: test harness for server-to-server event APIs\n\nUsage:\n  s2s <command> [flags]\n\nCommands:\n", Version)
	cs := commands()
	for _, c := range cs {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 's2s <command> -h' for a command's flags and exit codes.\n")
}

// flags returns a flag set for a subcommand that prints its usage to stderr.
func flags(env *Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("s2s "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: s2s %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
		for _, c := range commands() {
			if c.name == name {
				exitcode.WriteHelp(fs.Output(), c.exits...)
			}
		}
	}
	return fs
}

// parse parses args; it returns the exit code to stop with, or -1 to go on.
func parse(fs *flag.FlagSet, args []string) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	return -1
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
	fmt.Fprintf(env.Stdout, "s2s %s\n", versionText())
	return ExitOK
}
