package cli

import (
	"flag"
	"io"
)

// quietFlag is -q, the same for every command that has progress or hints:
// the result on stdout and errors on stderr, nothing else.
func quietFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("q", false, "quiet: no progress lines or hints on stderr (errors and the result only)")
}

// hints is where a command writes what a person may want to know next
// (the session's next step, the address it took): stderr, or nowhere with -q.
func hints(env *Env, quiet bool) io.Writer {
	if quiet {
		return io.Discard
	}
	return env.Stderr
}

// subcommand is a command inside a command (`s2s load merge`): its own flag
// set, the parent's exit codes.
type subcommand struct {
	parent, name, summary string
}

// subcommands is the one list of them (help and completion read it).
func subcommands() []subcommand {
	return []subcommand{
		{"load", "merge", "merge the parts the shards of one sharded load run wrote into one report and one verdict"},
	}
}

// commandFor is the command whose help a flag set named name shows: the
// command itself, or for "load merge" the subcommand with its parent's exit
// codes and without the parent's examples.
func commandFor(name string) command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
		for _, s := range subcommands() {
			if s.parent == c.name && c.name+" "+s.name == name {
				c.name, c.summary, c.examples = name, s.summary, ""
				return c
			}
		}
	}
	return command{name: name}
}
