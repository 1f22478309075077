package mockserver

import (
	"github.com/s2s-harness/s2s-harness/load/engine" // breaks: consumers never import each other
	"github.com/s2s-harness/s2s-harness/profile"     // fine
)

var _ = engine.X
var _ = profile.Y
