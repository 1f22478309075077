package load

import (
	"fmt"
)

// measured returns what the run's metrics are read from. The neutral view
// leaves out what the generator itself may have caused: requests it never
// sent do not count against availability, and latency percentiles come from
// the service time (from the actual send), which excludes its lag (and,
// conservatively, the target's in-flight slot waits too).
func (e *engine) measured(res *Result, neutral bool) *measured {
	m := &measured{res: res, latency: e.rec.overall, trials: res.Requests.trials()}
	if neutral {
		m.latency = e.rec.service
		m.trials -= min(m.trials, res.Generator.NotSent)
	}
	return m
}

// judge gives a run its verdict.
//
//   - invalid: the run did not measure the target (interrupted, the workload
//     failed), or the generator fell behind and no breach stands without its
//     share;
//   - breached: a threshold's whole confidence interval misses its limit. A
//     run whose generator fell behind is breached (lagged) when a breach
//     also stands in the neutral view (measured);
//   - inconclusive: no breach, but an interval straddles its limit;
//   - passed: every interval clears its limit.
//
// Requests the generator never sent count against availability (the
// documented formula); when they alone decide a breach, the run is invalid.
func (e *engine) judge(res *Result, interrupted bool) (reasons []string, verdict string, lagged bool) {
	if interrupted {
		reasons = append(reasons, "interrupted before the end of the scenario")
	}
	if err := e.fatal.Load(); err != nil {
		reasons = append(reasons, fmt.Sprintf("the workload failed: %v", *err))
	}
	if r := res.Receiver.StateReset; r != "" {
		reasons = append(reasons, r)
	}
	if len(reasons) > 0 {
		return reasons, Invalid, false
	}
	g := res.Generator
	breached := len(res.Breached()) > 0
	neutralBreached := breached
	if g.FellBehind || g.NotSent > 0 {
		neutralBreached = false
		for _, t := range e.cfg.SLA.evaluate(e.measured(res, true), nil) {
			neutralBreached = neutralBreached || t.Status == ThresholdBreached
		}
	}
	if g.FellBehind {
		reasons = append(reasons, fmt.Sprintf("the load generator fell behind its schedule (%d of %d requests dispatched more than %s late by the generator, %d never sent): the offered rate was not offered",
			g.Late, res.Requests.Scheduled, e.s.LagTolerance, g.NotSent))
		if neutralBreached {
			return reasons, Breached, true // failed (generator lagged)
		}
		return reasons, Invalid, false
	}
	if breached && !neutralBreached {
		reasons = append(reasons, fmt.Sprintf("the %d requests the generator never sent decide the breach: the run does not measure the target", g.NotSent))
		return reasons, Invalid, false
	}
	switch {
	case breached:
		return nil, Breached, false
	case len(res.Inconclusive()) > 0:
		return nil, Inconclusive, false
	}
	return nil, Passed, false
}
