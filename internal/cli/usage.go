package cli

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
