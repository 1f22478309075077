// Package exitcode is the one table of the exit codes of s2s. Every command
// returns one of these; the CLI's help and the README list them; the load
// report prints the code its verdict ends in. It is a leaf package so that
// reports, which cannot import the CLI, names the same codes.
package exitcode

import (
	"fmt"
	"io"
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
