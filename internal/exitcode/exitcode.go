// Package exitcode is the one table of the exit codes of s2s and the one
// place that maps a command's result to its code (Certificate, Load, Sender,
// Lint, Reconcile). Every command returns one of these; the CLI's help and
// the README list them; the reports print the code a verdict ends in. It sits
// above the result packages and below the CLI and reports, which both ask it.
package exitcode

import (
	"fmt"
	"io"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/load"
	"github.com/s2s-harness/s2s-harness/reconcile"
	"github.com/s2s-harness/s2s-harness/verify"
)

// The codes, in the order of Table.
const (
	OK          = 0
	Internal    = 1
	Usage       = 2
	MustFailed  = 3
	SLABreached = 4
	InvalidRun  = 5
	// Inconclusive: a load run too small to tell (added by helper load).
	Inconclusive = 6
)

// Entry is one row of the table.
type Entry struct {
	Code    int
	Name    string
	Meaning string
}

// Table lists every code with its one meaning, in code order.
func Table() []Entry {
	return []Entry{
		{OK, "ok", "success: served and stopped cleanly, certified, every SLA threshold met, no MUST rule broken"},
		{Internal, "internal", "internal error, target or inspection API unreachable, a run interrupted, timed out or that lost its target (incomplete), or a file could not be written"},
		{Usage, "usage", "bad flag, unknown profile, or invalid config, scenario or SLA file (the message names the field)"},
		{MustFailed, "must-failed", "a MUST rule failed: the target is not certified (conform; a partial certificate too under -require complete), a payload breaks the spec (lint), the sender broke one or sent nothing in scope (verify)"},
		{SLABreached, "sla-breached", "at least one SLA threshold breached (load), or a discrepancy over the threshold, 3 % by default (reconcile, seed 004 §11)"},
		{InvalidRun, "invalid-run", "the load run says nothing about the target: the generator fell behind, the workload failed or the run was interrupted"},
		{Inconclusive, "inconclusive", "the load run was too small to tell: a threshold's confidence interval straddles its limit (the report gives the size of a decisive run)"},
	}
}

// Meaning returns the meaning of code, or "" for a code not in the table.
func Meaning(code int) string {
	for _, e := range Table() {
		if e.Code == code {
			return e.Meaning
		}
	}
	return ""
}

// WriteHelp writes the "Exit codes:" section of a command's help for the
// codes that command can return.
func WriteHelp(w io.Writer, codes ...int) {
	fmt.Fprintf(w, "\nExit codes:\n")
	for _, c := range codes {
		fmt.Fprintf(w, "  %d  %s\n", c, Meaning(c))
	}
}

// Certificate is the code of `s2s conform`: an incomplete run or internal
// errors are Internal (no verdict either way), not certified MustFailed, a
// partial certificate MustFailed when requireComplete (-require complete),
// else OK.
func Certificate(c *conformance.Certificate, requireComplete bool) int {
	switch {
	case !c.Complete, len(c.InternalErrors) > 0:
		return Internal
	case !c.Certified, c.Partial && requireComplete:
		return MustFailed
	}
	return OK
}

// Load is the code of `s2s load` and `s2s load merge` for a run's verdict:
// met OK, breached SLABreached, invalid InvalidRun, inconclusive
// Inconclusive, anything else Internal.
func Load(verdict string) int {
	switch verdict {
	case load.Passed:
		return OK
	case load.Breached:
		return SLABreached
	case load.Invalid:
		return InvalidRun
	case load.Inconclusive:
		return Inconclusive
	}
	return Internal
}

// Sender is the code of `s2s verify` for a sender certificate: incomplete
// (not all of the traffic could be read) Internal, a MUST rule broken or
// nothing sent in scope MustFailed, else OK.
func Sender(r *verify.Result) int {
	switch {
	case r.Verdict == verify.Incomplete:
		return Internal
	case !r.Certified():
		return MustFailed
	}
	return OK
}

// Lint is the code of `s2s lint`: MustFailed when a payload breaks a MUST
// rule, else OK.
func Lint(mustBroken bool) int {
	if mustBroken {
		return MustFailed
	}
	return OK
}

// Reconcile is the code of `s2s reconcile` for a report's verdict: a
// discrepancy over the threshold SLABreached, within it OK, anything else
// Internal.
func Reconcile(verdict string) int {
	switch verdict {
	case reconcile.VerdictOK:
		return OK
	case reconcile.VerdictOver:
		return SLABreached
	}
	return Internal
}
