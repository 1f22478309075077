package reports

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/s2s-harness/s2s-harness/reconcile"
)

// ReconcileHTML writes the reconciliation as one self-contained page: a day
// × event grid coloured by discrepancy (green none, amber under the
// threshold, red over it) and the causes as an inline SVG bar chart; inline
// CSS, no script, no external asset.
func ReconcileHTML(w io.Writer, r *reconcile.Report) error {
	v := reconcileView{R: r, Verdict: reconcileVerdict(r), Section11: reconcile.Section11, Section11English: reconcile.Section11English,
		Grid: rcGrid(r.Cells, r.Threshold), GridTZ: rcGrid(r.CellsTZ, r.Threshold), Chart: rcCauseChart(r),
		Currencies: rcCurrencies(r), Over: r.Verdict == reconcile.VerdictOver}
	for _, c := range r.Causes {
		if c.Count == 0 {
			continue
		}
		l := reconcileList{Cause: c.Cause, Count: c.Count, Truncated: c.Truncated}
		for _, d := range c.Examples {
			l.Rows = append(l.Rows, [5]string{d.Day, d.Event, rcView(d.Operator), rcView(d.Tracker), d.Detail})
		}
		v.Lists = append(v.Lists, l)
	}
	return reconcilePage.Execute(w, v)
}

type reconcileView struct {
	R                                    *reconcile.Report
	Verdict, Section11, Section11English string
	Over                                 bool
	Grid, GridTZ                         rcGridView
	Chart                                template.HTML
	Currencies                           [][5]string
	Lists                                []reconcileList
}

type reconcileList struct {
	Cause            string
	Count, Truncated int
	Rows             [][5]string
}

type rcGridView struct {
	Events []string
	Rows   []rcGridRow
}

type rcGridRow struct {
	Day   string
	Cells []rcGridCell
}

type rcGridCell struct {
	Text, Title string
	Style       template.CSS
}

func rcGrid(cells []reconcile.Cell, threshold float64) rcGridView {
	var g rcGridView
	byDay := map[string]map[string]reconcile.Cell{}
	var days []string
	for _, c := range cells {
		if !slices.Contains(g.Events, c.Event) {
			g.Events = append(g.Events, c.Event)
		}
		if byDay[c.Day] == nil {
			byDay[c.Day] = map[string]reconcile.Cell{}
			days = append(days, c.Day)
		}
		byDay[c.Day][c.Event] = c
	}
	slices.Sort(g.Events)
	for _, d := range days {
		row := rcGridRow{Day: d}
		for _, ev := range g.Events {
			c, ok := byDay[d][ev]
			if !ok {
				row.Cells = append(row.Cells, rcGridCell{Text: "—", Style: "background:#f4f4f4"})
				continue
			}
			row.Cells = append(row.Cells, rcGridCell{
				Text:  fmt.Sprintf("%d / %d · %s", c.Operator, c.Tracker, reconcile.Percent(c.Discrepancy)),
				Title: rcCellCauses(c), Style: template.CSS("background:" + rcHeat(c.Discrepancy, threshold))})
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// rcHeat is a cell's colour: green at 0, amber toward the threshold, red over.
func rcHeat(d, threshold float64) string {
	switch {
	case d == 0:
		return "#d9f2d9"
	case d > threshold:
		return fmt.Sprintf("hsl(0,80%%,%d%%)", int(math.Max(55, 80-100*(d-threshold))))
	}
	return fmt.Sprintf("hsl(%d,85%%,75%%)", int(90-50*d/math.Max(threshold, 1e-9)))
}

// rcCauseChart is the causes as horizontal bars.
func rcCauseChart(r *reconcile.Report) template.HTML {
	const width, bar, label = 640, 22, 170
	maxN := 1
	for _, c := range r.Causes {
		maxN = max(maxN, c.Count)
	}
	var b strings.Builder
	h := len(r.Causes)*(bar+6) + 6
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="differences by cause">`, width, h)
	for i, c := range r.Causes {
		y := 6 + i*(bar+6)
		wd := int(float64(width-label-80) * float64(c.Count) / float64(maxN))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="13">%s</text>`, label-8, y+bar-6, template.HTMLEscapeString(c.Cause))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#c0392b"/>`, label, y, wd, bar)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13">%d</text>`, label+wd+6, y+bar-6, c.Count)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from escaped text and numbers only
}

var reconcilePage = template.Must(template.New("reconcile").Funcs(template.FuncMap{"deref": rcDeref}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>s2s reconcile</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:14px}
th{background:#eee}.grid td{text-align:center;white-space:nowrap}
.over{color:#a00}.ok{color:#070}blockquote{border-left:4px solid #ccc;margin:1em 0;padding:0 1em;color:#555}
</style></head><body>
<h1>s2s reconcile: operator ↔ tracker</h1>
<p class="{{if .Over}}over{{else}}ok{{end}}"><strong>{{.Verdict}}</strong></p>
<blockquote>Seed 004 §11: «{{.Section11}}» — {{.Section11English}}.</blockquote>
{{with .R.Required}}<p class="over">Required: {{.}}</p>{{end}}
<table><tr><th></th><th>operator</th><th>tracker</th></tr>
<tr><td>source</td><td>{{.R.Operator.Source}} ({{.R.Operator.Format}})</td><td>{{.R.Tracker.Source}} ({{.R.Tracker.Format}})</td></tr>
<tr><td>rows read</td><td>{{.R.Operator.Events}}</td><td>{{.R.Tracker.Events}}</td></tr>
<tr><td>unique events</td><td>{{.R.Operator.Unique}}</td><td>{{.R.Tracker.Unique}}</td></tr>
</table>
<p>Matched by event_id: {{.R.Matched}}; by click_id + event + ts_event within {{.R.Window}} (§8): {{.R.MatchedByFallback}}. Generated {{.R.GeneratedAt}}.</p>
<h2>Days × events (UTC)</h2>
<p>Each cell: operator / tracker unique events · |operator − tracker| / operator. Hover a cell for its causes.</p>
{{template "grid" .Grid}}
<h2>Days × events ({{.R.TZ}})</h2>
{{template "grid" .GridTZ}}
<h2>Causes</h2>
{{.Chart}}
<h2>Totals per currency</h2>
<table><tr><th>currency</th><th>operator events</th><th>operator amount</th><th>tracker events</th><th>tracker amount</th></tr>
{{range .Currencies}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{with .R.FX}}<p>In {{.Quote}} at each event's rate (§7): operator {{printf "%.2f" (deref $.R.Operator.Converted)}}, tracker {{printf "%.2f" (deref $.R.Tracker.Converted)}}.</p>{{end}}
<h2>Differences</h2>
{{range .Lists}}<h3>{{.Cause}} ({{.Count}})</h3>
<table><tr><th>day</th><th>event</th><th>operator</th><th>tracker</th><th>detail</th></tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>{{if .Truncated}}<p>… and {{.Truncated}} more in mismatches.csv.</p>{{end}}
{{end}}
</body></html>
{{define "grid"}}<table class="grid"><tr><th>day</th>{{range .Events}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><th>{{.Day}}</th>{{range .Cells}}<td style="{{.Style}}" title="{{.Title}}">{{.Text}}</td>{{end}}</tr>
{{end}}</table>{{end}}`))
