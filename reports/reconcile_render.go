package reports

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/reconcile"
)

// Files of a reconciliation, as `s2s reconcile -report-dir` writes them
// (mismatches.csv is streamed by the run itself: every difference).
const (
	ReconcileJSONFile       = "reconcile.json"
	ReconcileMarkdownFile   = "reconcile.md"
	ReconcileHTMLFile       = "reconcile.html"
	ReconcileJUnitFile      = "reconcile-junit.xml"
	ReconcileMismatchesFile = "mismatches.csv"
)

// ReconcileFiles returns every rendering of r by file name.
func ReconcileFiles(r *reconcile.Report) map[string]Renderer {
	return map[string]Renderer{
		ReconcileJSONFile:     func(w io.Writer) error { return WriteJSON(w, r) },
		ReconcileMarkdownFile: func(w io.Writer) error { return ReconcileMarkdown(w, r) },
		ReconcileHTMLFile:     func(w io.Writer) error { return ReconcileHTML(w, r) },
		ReconcileJUnitFile:    func(w io.Writer) error { return ReconcileJUnit(w, r) },
	}
}

// ReconcileRenderers maps the -format names to a renderer.
func ReconcileRenderers(r *reconcile.Report) map[string]Renderer {
	return map[string]Renderer{
		"json":  func(w io.Writer) error { return WriteJSON(w, r) },
		"md":    func(w io.Writer) error { return ReconcileMarkdown(w, r) },
		"html":  func(w io.Writer) error { return ReconcileHTML(w, r) },
		"junit": func(w io.Writer) error { return ReconcileJUnit(w, r) },
		"text":  func(w io.Writer) error { return ReconcileText(w, r) },
	}
}

// ReconcileText is the summary the CLI prints.
func ReconcileText(w io.Writer, r *reconcile.Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "reconcile %s (%d rows, %d unique) ↔ %s (%d rows, %d unique)\n",
		r.Operator.Source, r.Operator.Events, r.Operator.Unique, r.Tracker.Source, r.Tracker.Events, r.Tracker.Unique)
	fmt.Fprintf(&b, "  matched %d by event_id, %d by click_id+event+ts (window %s)\n", r.Matched, r.MatchedByFallback, rcWindow(r.Window))
	for _, c := range r.Causes {
		if c.Count > 0 {
			fmt.Fprintf(&b, "  %-20s %d\n", c.Cause, c.Count)
		}
	}
	fmt.Fprintf(&b, "%s\n", reconcileVerdict(r))
	if r.Required != "" {
		fmt.Fprintf(&b, "  %s\n", r.Required)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func reconcileVerdict(r *reconcile.Report) string {
	where := ""
	if r.MaxCell != nil {
		where = fmt.Sprintf(" on %s %s", r.MaxCell.Day, r.MaxCell.Event)
	}
	return fmt.Sprintf("verdict: %s: max discrepancy %s%s, threshold %s (exit %d)",
		r.Verdict, reconcile.Percent(r.MaxDiscrepancy), where, reconcile.Percent(r.Threshold), r.ExitCode)
}

func rcWindow(s string) string {
	if s == "" {
		return "off"
	}
	return s
}

// ReconcileMarkdown writes the reconciliation for people.
func ReconcileMarkdown(w io.Writer, r *reconcile.Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# s2s reconcile: operator ↔ tracker\n\n**%s**\n\n", reconcileVerdict(r))
	fmt.Fprintf(&b, "> Seed 004 §11: «%s» — %s.\n\n", reconcile.Section11, reconcile.Section11English)
	if r.Required != "" {
		fmt.Fprintf(&b, "Required: %s\n\n", r.Required)
	}
	fmt.Fprintf(&b, "| | operator | tracker |\n| --- | --- | --- |\n")
	fmt.Fprintf(&b, "| source | %s (%s) | %s (%s) |\n", mdCell(r.Operator.Source), r.Operator.Format, mdCell(r.Tracker.Source), r.Tracker.Format)
	fmt.Fprintf(&b, "| rows read | %d | %d |\n| unique events | %d | %d |\n", r.Operator.Events, r.Tracker.Events, r.Operator.Unique, r.Tracker.Unique)
	if r.Tracker.Refused+r.Tracker.Replayed > 0 {
		fmt.Fprintf(&b, "| refused / replayed rows | | %d / %d |\n", r.Tracker.Refused, r.Tracker.Replayed)
	}
	fmt.Fprintf(&b, "\nMatched by event_id: %d; by click_id + event + ts_event within %s (§8): %d. Report time zone: %s. Generated %s.\n\n",
		r.Matched, rcWindow(r.Window), r.MatchedByFallback, r.TZ, r.GeneratedAt)

	b.WriteString("## Causes\n\n| cause | count |\n| --- | --- |\n")
	for _, c := range r.Causes {
		fmt.Fprintf(&b, "| %s | %d |\n", c.Cause, c.Count)
	}
	if len(r.RefusedByRule) > 0 {
		b.WriteString("\nRefused by rule:")
		for _, rule := range reconcileKeys(r.RefusedByRule) {
			fmt.Fprintf(&b, " %s %d;", rule, r.RefusedByRule[rule])
		}
		b.WriteString("\n")
	}
	rcCells(&b, "Days × events (UTC)", r.Cells)
	rcCells(&b, "Days × events ("+r.TZ+")", r.CellsTZ)
	rcCells(&b, "Days (UTC, every event)", r.Days)
	rcCells(&b, "Events (every day)", r.Events)

	b.WriteString("\n## Totals per currency (unique events)\n\n| currency | operator events | operator amount | tracker events | tracker amount |\n| --- | --- | --- | --- | --- |\n")
	for _, row := range rcCurrencies(r) {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", row[0], row[1], row[2], row[3], row[4])
	}
	if r.FX != nil {
		fmt.Fprintf(&b, "\nIn %s at each event's rate (§7): operator %.2f, tracker %.2f.", r.FX.Quote, rcDeref(r.Operator.Converted), rcDeref(r.Tracker.Converted))
		for _, cur := range reconcileKeys(r.FX.Missing) {
			fmt.Fprintf(&b, " %d %s event(s) had no rate at their time.", r.FX.Missing[cur], cur)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n## Differences\n")
	for _, c := range r.Causes {
		if c.Count == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### %s (%d)\n\n| day | event | operator | tracker | detail |\n| --- | --- | --- | --- | --- |\n", c.Cause, c.Count)
		for _, d := range c.Examples {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", d.Day, mdCell(d.Event), mdCell(rcView(d.Operator)), mdCell(rcView(d.Tracker)), mdCell(d.Detail))
		}
		if c.Truncated > 0 {
			fmt.Fprintf(&b, "\n… and %d more in %s.\n", c.Truncated, ReconcileMismatchesFile)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func rcCells(b *strings.Builder, title string, cells []reconcile.Cell) {
	fmt.Fprintf(b, "\n## %s\n\n| day | event | operator | tracker | discrepancy | causes |\n| --- | --- | --- | --- | --- | --- |\n", title)
	for _, c := range cells {
		mark := ""
		if c.Over {
			mark = " **over**"
		}
		fmt.Fprintf(b, "| %s | %s | %d | %d | %s%s | %s |\n", rcAll(c.Day), rcAll(mdCell(c.Event)), c.Operator, c.Tracker,
			reconcile.Percent(c.Discrepancy), mark, rcCellCauses(c))
	}
}

func rcAll(s string) string {
	if s == "" {
		return "all"
	}
	return s
}

func rcCauses(m map[string]int) string {
	var parts []string
	for _, c := range reconcile.Causes() {
		if m[c] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c, m[c]))
		}
	}
	return strings.Join(parts, ", ")
}

// rcCellCauses is a cell's causes, and the events shifted into it.
func rcCellCauses(c reconcile.Cell) string {
	s := rcCauses(c.Causes)
	if c.ShiftedIn > 0 {
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf("%d shifted here from another day", c.ShiftedIn)
	}
	return s
}

func rcView(v *reconcile.RowView) string {
	if v == nil {
		return "—"
	}
	s := fmt.Sprintf("line %d: %s %s %s", v.Line, v.EventID, v.Event, v.TS)
	if v.ClickID != "" {
		s += " click " + v.ClickID
	}
	if v.Amount != nil {
		s += " " + v.Amount.String() + " " + v.Currency
	}
	if v.Status != "" {
		s += " (" + v.Status + ")"
	}
	return s
}

func rcCurrencies(r *reconcile.Report) [][5]string {
	idx := map[string]int{}
	var rows [][5]string
	for side, totals := range [][]reconcile.CurrencyTotal{r.Operator.ByCurrency, r.Tracker.ByCurrency} {
		for _, t := range totals {
			i, ok := idx[t.Currency]
			if !ok {
				i = len(rows)
				idx[t.Currency] = i
				cur := t.Currency
				if cur == "" {
					cur = "(none)"
				}
				rows = append(rows, [5]string{cur, "0", "0.00", "0", "0.00"})
			}
			rows[i][1+2*side] = fmt.Sprint(t.Events)
			rows[i][2+2*side] = t.Amount.String()
		}
	}
	return rows
}

func rcDeref(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}

// ReconcileJUnit writes a test case per UTC day × event cell: it fails when
// the cell's discrepancy is over the threshold.
func ReconcileJUnit(w io.Writer, r *reconcile.Report) error {
	s := JUnitSuite{Name: "s2s reconcile " + r.Operator.Source + " ↔ " + r.Tracker.Source,
		Properties: []JUnitProperty{{Name: "threshold", Value: reconcile.Percent(r.Threshold)},
			{Name: "max_discrepancy", Value: reconcile.Percent(r.MaxDiscrepancy)}, {Name: "verdict", Value: r.Verdict}}}
	for _, c := range r.Cells {
		jc := JUnitCase{Name: c.Day + " " + c.Event, Classname: "reconcile.utc"}
		text := fmt.Sprintf("operator %d, tracker %d, discrepancy %s; %s", c.Operator, c.Tracker, reconcile.Percent(c.Discrepancy), rcCellCauses(c))
		if c.Over {
			jc.Failure = &JUnitMessage{Message: fmt.Sprintf("discrepancy %s > %s", reconcile.Percent(c.Discrepancy), reconcile.Percent(r.Threshold)),
				Type: "over-threshold", Text: text + "\n" + reconcile.Section11English + " (seed 004 §11)"}
		} else {
			jc.SystemOut = text
		}
		s.Add(jc)
	}
	return WriteJUnit(w, NewJUnit("s2s reconcile", reconcileTime(r.GeneratedAt), s))
}

func reconcileKeys(m map[string]int) []string { return slices.Sorted(maps.Keys(m)) }

func reconcileTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}
