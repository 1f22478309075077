// Package postback is a placeholder until its definition lands.
package postback

import "github.com/s2s-harness/s2s-harness/profile"

// Name is the profile's stable name.
const Name = "postback"

// New returns the profile.
func New() *profile.Profile {
	return &profile.Profile{Name: Name}
}
