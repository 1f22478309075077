// Package dingyue is a placeholder until its definition lands.
package dingyue

import "github.com/s2s-harness/s2s-harness/profile"

// Name is the profile's stable name.
const Name = "dingyue"

// New returns the profile.
func New() *profile.Profile {
	return &profile.Profile{Name: Name}
}
