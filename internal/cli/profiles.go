package cli

import (
	"strings"

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

func joinNames() string { return strings.Join(builtin.Names(), ", ") }

// lookup resolves -profile, which every profile-bound command requires.
func lookup(env *Env, cmd, name string) (*profile.Profile, int) {
	if name == "" {
		return nil, fail(env, "%s: -profile is required (one of: %s)", cmd, joinNames())
	}
	p, err := builtin.Lookup(name)
	if err != nil {
		return nil, fail(env, "%s: %v", cmd, err)
	}
	return p, -1
}
