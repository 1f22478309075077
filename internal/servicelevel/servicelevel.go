// Package servicelevel holds the service levels of the postback seed (seed 004
// §11, SPECS.md "Service levels") that more than one package states. load
// judges runs against them and reports words its findings from them, so a
// number changes in one place and every text follows.
package servicelevel

import (
	"math"
	"strconv"
)

// ReconcileAbove is the reconciliation trigger: sender and receiver counts
// more than this fraction apart call for a mandatory reconciliation.
const ReconcileAbove = 0.03

// ReconcileLimit is ReconcileAbove as an SLA file writes a limit: "3%".
func ReconcileLimit() string { return percent(ReconcileAbove) + "%" }

// ReconcileNote is what a report adds to a flagged discrepancy:
// "over 3 %: reconcile".
func ReconcileNote() string { return "over " + percent(ReconcileAbove) + " %: reconcile" }

// percent writes a fraction as a percentage, to 0.01 %, without float noise.
func percent(f float64) string {
	return strconv.FormatFloat(math.Round(f*1e4)/1e2, 'f', -1, 64)
}
