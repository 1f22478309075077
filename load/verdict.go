package load

import "fmt"

// judge gives a run its verdict: invalid when the run did not measure the
// target (interrupted, the workload failed, the generator fell behind),
// breached when a threshold was missed, passed otherwise. The reasons say why
// a run is invalid.
func (e *engine) judge(result *Result, interrupted bool) (reasons []string, verdict string) {
	if interrupted {
		reasons = append(reasons, "interrupted before the end of the scenario")
	}
	if err := e.fatal.Load(); err != nil {
		reasons = append(reasons, fmt.Sprintf("the workload failed: %v", *err))
	}
	g := result.Generator
	if g.FellBehind {
		reasons = append(reasons, fmt.Sprintf("the load generator fell behind its schedule (%d of %d requests dispatched more than %s late by the generator, %d never sent): the offered rate was not offered",
			g.Late, result.Requests.Scheduled, e.s.LagTolerance, g.NotSent))
	}
	switch {
	case len(reasons) > 0:
		return reasons, Invalid
	case len(result.Breached()) > 0:
		return reasons, Breached
	}
	return reasons, Passed
}
