package engine

import "github.com/s2s-harness/s2s-harness/profile" // fine

const X = 1

var _ = profile.Y
