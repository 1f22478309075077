// Package g123 is a placeholder until its definition lands.
package g123

import "github.com/s2s-harness/s2s-harness/profile"

// Name is the profile's stable name.
const Name = "g123"

// New returns the profile.
func New() *profile.Profile {
	return &profile.Profile{Name: Name}
}
