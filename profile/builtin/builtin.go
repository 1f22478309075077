// Package builtin is the one explicit list of the profiles the harness ships.
// The CLI, the mock, the conformance suite and the load engine look profiles up
// here; adding an API is one folder under profile/ and one line in All.
package builtin

import (
	"fmt"
	"strings"

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/affise"
	"github.com/s2s-harness/s2s-harness/profile/appsflyer"
	"github.com/s2s-harness/s2s-harness/profile/dingyue"
	"github.com/s2s-harness/s2s-harness/profile/g123"
	"github.com/s2s-harness/s2s-harness/profile/postback"
	"github.com/s2s-harness/s2s-harness/profile/revosurge"
)

// All returns every profile, in a stable order. Each call builds new Profile
// values, but the tables inside them (rules, endpoints, events, cases) are
// shared and read-only: to change a profile, copy what changes first, as
// configfile.Profile.Apply does.
func All() []*profile.Profile {
	return []*profile.Profile{
		revosurge.New(),
		g123.New(),
		dingyue.New(),
		appsflyer.New(),
		postback.New(),
		affise.New(),
	}
}

// Names lists the profile names, in the order of All.
func Names() []string {
	var names []string
	for _, p := range All() {
		names = append(names, p.Name)
	}
	return names
}

// Lookup returns the named profile; the error lists the valid names.
func Lookup(name string) (*profile.Profile, error) {
	for _, p := range All() {
		if p.Name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("unknown profile %q (valid: %s)", name, strings.Join(Names(), ", "))
}

// Select parses a comma-separated list of names ("" or "all" for every profile).
func Select(list string) ([]*profile.Profile, error) {
	if list == "" || list == "all" {
		return All(), nil
	}
	var out []*profile.Profile
	for _, name := range strings.Split(list, ",") {
		p, err := Lookup(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
