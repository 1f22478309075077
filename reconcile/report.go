package reconcile

import (
	"encoding/json"
	"fmt"
	"io"
)

// Schema is the version of reconcile.json.
const Schema = "s2s-reconcile/1"

// The causes of a difference, in the order the reports list them.
const (
	MissingAtTracker  = "missing_at_tracker"
	MissingAtOperator = "missing_at_operator"
	Duplicate         = "duplicate"
	AmountMismatch    = "amount_mismatch"
	CurrencyMismatch  = "currency_mismatch"
	DayShifted        = "day_shifted"
	RefusedByReceiver = "refused"
	ReplayedAtTracker = "replayed"
	MatchedByFallback = "matched_by_fallback"
)

// Causes lists every cause in report order.
func Causes() []string {
	return []string{MissingAtTracker, MissingAtOperator, Duplicate, AmountMismatch, CurrencyMismatch,
		DayShifted, RefusedByReceiver, ReplayedAtTracker, MatchedByFallback}
}

func causeIndex(c string) int {
	for i, x := range Causes() {
		if x == c {
			return i
		}
	}
	return -1
}

// Section11 is seed 004 §11's rule as the seed words it, and ours.
const (
	Section11         = "Verilerin uyumsuzlaştırılması> %3 - 5 iş günü içinde ham günlüklerin zorunlu mutabakatı."
	Section11English  = "a data discrepancy over 3 % requires a mandatory reconciliation of the raw logs within 5 business days"
	Section15Playbook = "reconcile the UTC window and the currencies; unload the raw logs by event_id / click_id; look for token and idempotency refusals (signature, TTL); redeliver stuck events from the DLQ (seed 004 §15)"
)

// Verdicts.
const (
	VerdictOK   = "ok"
	VerdictOver = "over-threshold"
)

// Report is reconcile.json.
type Report struct {
	Schema      string  `json:"schema"`
	GeneratedAt string  `json:"generated_at"`
	Operator    Side    `json:"operator"`
	Tracker     Side    `json:"tracker"`
	Threshold   float64 `json:"threshold"`
	TZ          string  `json:"tz"`
	Window      string  `json:"window"`

	Matched            int            `json:"matched"`
	MatchedByFallback  int            `json:"matched_by_fallback"`
	MissingAtTracker   int            `json:"missing_at_tracker"`
	MissingAtOperator  int            `json:"missing_at_operator"`
	Duplicates         Duplicates     `json:"duplicates"`
	AmountMismatches   int            `json:"amount_mismatches"`
	CurrencyMismatches int            `json:"currency_mismatches"`
	DayShifted         int            `json:"day_shifted"`
	Refused            int            `json:"refused"`
	RefusedByRule      map[string]int `json:"refused_by_rule,omitempty"`
	Replayed           int            `json:"replayed"`
	Differences        int            `json:"differences"`

	MaxDiscrepancy float64  `json:"max_discrepancy"`
	MaxCell        *CellRef `json:"max_cell,omitempty"`
	Verdict        string   `json:"verdict"`
	// ExitCode is the code `s2s reconcile` ends in for Verdict; the command
	// sets it from internal/exitcode, the one place that decides codes.
	ExitCode int    `json:"exit_code"`
	Required string `json:"required,omitempty"`

	Cells   []Cell      `json:"cells"`    // UTC day × event
	CellsTZ []Cell      `json:"cells_tz"` // day in TZ × event
	Days    []Cell      `json:"days"`     // UTC day, every event
	Events  []Cell      `json:"events"`   // event, every day
	Causes  []CauseList `json:"causes"`
	FX      *FXSummary  `json:"fx,omitempty"`
}

// Side describes one dump.
type Side struct {
	Source     string          `json:"source"`
	Format     string          `json:"format"`
	Events     int             `json:"events"` // rows read
	Unique     int             `json:"unique"` // unique events counted
	Refused    int             `json:"refused_rows,omitempty"`
	Replayed   int             `json:"replayed_rows,omitempty"`
	ByCurrency []CurrencyTotal `json:"by_currency"`
	Converted  *float64        `json:"converted,omitempty"` // total in the report currency (-fx)
}

// CurrencyTotal is the sum of one currency's amounts over unique events.
type CurrencyTotal struct {
	Currency string `json:"currency"` // "" for events without one
	Events   int    `json:"events"`
	Amount   Money  `json:"amount"`
}

// Duplicates counts repeated event_ids per side (the extra rows).
type Duplicates struct {
	Operator int `json:"operator"`
	Tracker  int `json:"tracker"`
}

// CellRef names a cell.
type CellRef struct {
	Day   string `json:"day,omitempty"`
	Event string `json:"event,omitempty"`
}

// Cell is the 3 % rule on one day × event (or a day, or an event): each
// side's unique events counted by its own timestamps.
type Cell struct {
	Day         string         `json:"day,omitempty"`
	Event       string         `json:"event,omitempty"`
	Operator    int            `json:"operator"`
	Tracker     int            `json:"tracker"`
	Discrepancy float64        `json:"discrepancy"`
	Over        bool           `json:"over"`
	Causes      map[string]int `json:"causes,omitempty"` // the differences of the cell's operator events (the tracker's when the operator has none)
	// ShiftedIn counts the tracker's events here that the operator has on
	// another day (their day_shifted difference is in the operator's cell).
	ShiftedIn int `json:"shifted_in,omitempty"`
	// Amounts in the report currency (-fx).
	OperatorAmount *float64 `json:"operator_amount,omitempty"`
	TrackerAmount  *float64 `json:"tracker_amount,omitempty"`
}

// CauseList is one cause's count and its first differences.
type CauseList struct {
	Cause     string       `json:"cause"`
	Count     int          `json:"count"`
	Examples  []Difference `json:"examples"`
	Truncated int          `json:"truncated,omitempty"` // differences not listed (mismatches.csv has all)
}

// Difference is one difference with its one cause.
type Difference struct {
	Cause    string   `json:"cause"`
	Side     string   `json:"side,omitempty"` // duplicate: operator or tracker
	Day      string   `json:"day"`            // the UTC day it counts in
	Event    string   `json:"event"`
	Operator *RowView `json:"operator,omitempty"`
	Tracker  *RowView `json:"tracker,omitempty"`
	Rule     string   `json:"rule,omitempty"`   // refused: the receiver's rule
	Offset   string   `json:"offset,omitempty"` // day_shifted: tracker − operator
	Detail   string   `json:"detail"`
}

// RowView is one side's values of a difference.
type RowView struct {
	Line     int    `json:"line"`
	EventID  string `json:"event_id,omitempty"`
	ClickID  string `json:"click_id,omitempty"`
	Event    string `json:"event"`
	TS       string `json:"ts_event"`
	Amount   *Money `json:"amount,omitempty"`
	Currency string `json:"currency,omitempty"`
	Status   string `json:"status,omitempty"`
}

// FXSummary is what -fx converted.
type FXSummary struct {
	Quote   string         `json:"report_currency"`
	Rates   map[string]int `json:"rates"`
	Missing map[string]int `json:"missing,omitempty"` // events of a currency without a rate at their time
}

// Read reads a reconcile.json and checks its schema.
func Read(r io.Reader) (*Report, error) {
	var rep Report
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("reconcile report: %w", err)
	}
	if rep.Schema != Schema {
		return nil, fmt.Errorf("reconcile report: schema %q, want %q", rep.Schema, Schema)
	}
	return &rep, nil
}

// Cause returns the list of one cause.
func (r *Report) Cause(c string) CauseList {
	for _, l := range r.Causes {
		if l.Cause == c {
			return l
		}
	}
	return CauseList{Cause: c}
}
