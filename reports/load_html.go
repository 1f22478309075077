package reports

import (
	"github.com/s2s-harness/s2s-harness/load"

	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/exitcode"
	"github.com/s2s-harness/s2s-harness/internal/servicelevel"
)

// LoadHTML writes l as one self-contained page: inline CSS and inline SVG
// charts (latency over time, throughput and errors over time, the percentile
// distribution), no script and no external asset, so it can be attached to a
// ticket or archived as is.
func LoadHTML(w io.Writer, l *load.Result) error {
	v := htmlView{L: l, Exit: exitcode.Load(l.Verdict), Shape: shapeText(l.Scenario), Client: clientText(l.Scenario),
		Elapsed: secondsText(l.ElapsedMS / 1000), Verdict: verdictText(l), ReasonLabel: reasonLabel(l), Started: l.Started.Format("2006-01-02 15:04:05 MST")}
	for _, t := range l.Thresholds {
		r := htmlThreshold{Name: thresholdName(t), Measured: measuredText(t), Status: t.Status, Note: t.Note}
		v.Thresholds = append(v.Thresholds, r)
	}
	row := func(name string, x load.Latency) htmlLatency {
		return htmlLatency{Name: name, Count: countText(x.Count), P50: msText(x.P50MS), P90: msText(x.P90MS), P95: msText(x.P95MS),
			P99: msText(x.P99MS), P999: msText(x.P999MS), Max: msText(x.MaxMS), Mean: msText(x.MeanMS)}
	}
	v.Latency = append(v.Latency, row("latency", l.Latency), row("service time", l.Service))
	for _, g := range l.Endpoints {
		v.Latency = append(v.Latency, row("endpoint "+g.Name, g.Latency))
	}
	for _, g := range l.Classes {
		v.Latency = append(v.Latency, row("status "+g.Name, g.Latency))
	}
	for k, n := range l.Status {
		v.Status = append(v.Status, [2]string{k, countText(n)})
	}
	sort.Slice(v.Status, func(i, j int) bool { return v.Status[i][0] < v.Status[j][0] })
	q := l.Requests
	v.Counts = [][2]string{{"Scheduled", countText(q.Scheduled)}, {"Sent", countText(q.Sent)}, {"Not sent", countText(q.NotSent)},
		{"Attempts", countText(q.Attempts)}, {"Retries", countText(q.Retries)}, {"Re-sent", countText(q.Resent)}, {"Exhausted", countText(q.Exhausted)},
		{"Replays", countText(q.Replays)}, {"Events", countText(q.Events)}, {"Acknowledged", countText(q.Acknowledged)}}
	v.Headline = [][2]string{{"p95", msText(l.Latency.P95MS)}, {"p99", msText(l.Latency.P99MS)}, {"availability", pctText(l.Availability)},
		{"throughput", rateText(l.Throughput.Acknowledged)}, {"429 ratio", pctText(l.RateLimited)}, {"retry rate", pctText(l.RetryRate)}}
	v.Receiver = receiverRows(l.Receiver)
	v.LatencyChart = latencyChart(l)
	v.RateChart = rateChart(l)
	v.Distribution = distributionChart(l)
	v.Look = loadVerdict(l, v)
	return loadPage.Execute(w, v)
}

type htmlView struct {
	L                                     *load.Result
	Exit                                  int
	Shape, Client, Elapsed, Started       string
	Verdict, ReasonLabel                  string
	Thresholds                            []htmlThreshold
	Latency                               []htmlLatency
	Status, Counts, Headline, Receiver    [][2]string
	LatencyChart, RateChart, Distribution template.HTML
	Look                                  verdictView
}

// loadVerdict is the run's verdict block: the first reason, else the
// thresholds missed, else that every one held.
func loadVerdict(l *load.Result, v htmlView) verdictView {
	class := map[string]string{load.Passed: "good", load.Breached: "bad", load.Invalid: "warn", load.Inconclusive: "warn"}[l.Verdict]
	if class == "" {
		class = "neutral"
	}
	look := verdictView{Class: class, Word: v.Verdict, When: "started " + v.Started + ", ran " + v.Elapsed}
	if l.Version != "" {
		look.Tool = "s2s " + l.Version
	}
	var missed []string
	for _, t := range v.Thresholds {
		if t.Status == load.ThresholdBreached {
			missed = append(missed, t.Name)
		}
	}
	switch {
	case len(l.Reasons) > 0:
		look.Reason = l.Reasons[0]
	case len(missed) > 0:
		look.Reason = fmt.Sprintf("missed %d of %d thresholds: %s", len(missed), len(v.Thresholds), strings.Join(missed, "; "))
	case len(v.Thresholds) > 0:
		look.Reason = fmt.Sprintf("every one of the %d thresholds held", len(v.Thresholds))
	}
	return look
}

type htmlThreshold struct{ Name, Measured, Status, Note string }

type htmlLatency struct{ Name, Count, P50, P90, P95, P99, P999, Max, Mean string }

func receiverRows(r load.Receiver) [][2]string {
	if r.Source == "" && r.Recorded == nil {
		return nil
	}
	opt := func(v *uint64) string {
		if v == nil {
			return "not measured"
		}
		return countText(*v)
	}
	optPct := func(v *float64) string {
		if v == nil {
			return "not measured"
		}
		return pctText(*v)
	}
	disc := optPct(r.Discrepancy)
	if r.Flagged {
		disc += " (" + servicelevel.ReconcileNote() + ")"
	}
	rows := [][2]string{{"Counted from", r.Source}, {"Unique events acknowledged", countText(r.SentEvents)},
		{"Events recorded", opt(r.Recorded)}, {"Discrepancy", disc},
		{"Duplicates", opt(r.Duplicates) + " (rate " + optPct(r.DuplicateRate) + ")"},
		{"Lost", opt(r.Lost) + " (rate " + optPct(r.LossRate) + ")"}}
	if r.IngestLag != nil {
		rows = append(rows, [2]string{"Ingest lag", fmt.Sprintf("mean %s, p95 %s, max %s (resolution %s)", msText(r.IngestLag.MeanMS),
			msText(r.IngestLag.P95MS), msText(r.IngestLag.MaxMS), msText(r.ResolutionMS))})
	}
	rows = append(rows, [2]string{"Missed / unmatched / foreign", fmt.Sprintf("%s / %s / %s", countText(r.Missed), countText(r.Unmatched), countText(r.Foreign))})
	return rows
}

var loadPage = template.Must(withLook(template.New("load")).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>s2s load: {{.L.Profile}} {{.L.Scenario.Name}}: {{.Verdict}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:980px;padding:0 1rem;color:#1d2330}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:2rem 0 .6rem;border-bottom:1px solid #dde2ea;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}td,th{padding:.28rem .5rem;border-bottom:1px solid #eef1f5;text-align:left;vertical-align:top}
th{font-weight:600;background:#f6f8fb}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.verdict{display:inline-block;padding:.15rem .6rem;border-radius:.3rem;font-weight:700;color:#fff}
.passed{background:#1f8a4c}.breached{background:#c6362f}.invalid{background:#8a5a00}.skipped{background:#6b7280}.inconclusive{background:#5b4bb7}
.tag{display:inline-block;padding:0 .45rem;border-radius:.25rem;color:#fff;font-size:.85em}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}.card{border:1px solid #dde2ea;border-radius:.4rem;padding:.5rem .8rem;min-width:7.5rem}
.card b{display:block;font-size:1.25rem}.card span{color:#5b6473;font-size:.85em}
.muted{color:#5b6473}.reason{background:#fff4e0;border-left:4px solid #8a5a00;padding:.5rem .8rem;margin:.6rem 0}
svg{width:100%;height:auto;background:#fff}svg text{font:11px system-ui,sans-serif;fill:#5b6473}
</style>
{{template "look-style"}}
</head>
<body>
<h1>{{.L.Profile}}: scenario {{.L.Scenario.Name}}</h1>
{{template "verdict" .Look}}
<p class="muted">exit {{.Exit}} · {{.L.Target}}{{if .L.Inspect}} · inspection {{.L.Inspect}}{{end}} · started {{.Started}} · elapsed {{.Elapsed}}{{if .L.Version}} · s2s {{.L.Version}}{{end}}</p>
<p>{{.Shape}}<br><span class="muted">{{.Client}}</span></p>
{{range .L.Reasons}}<div class="reason"><b>{{$.ReasonLabel}}:</b> {{.}}</div>{{end}}
<div class="cards">{{range .Headline}}<div class="card"><b>{{index . 1}}</b><span>{{index . 0}}</span></div>{{end}}</div>

<h2>SLA thresholds</h2>
<table><tr><th>Threshold</th><th>Measured</th><th>Status</th><th>Note</th></tr>
{{range .Thresholds}}<tr><td>{{.Name}}</td><td>{{.Measured}}</td><td><span class="tag {{.Status}}">{{.Status}}</span></td><td class="muted">{{.Note}}</td></tr>
{{end}}</table>

<h2>Latency over time</h2>
{{.LatencyChart}}
<h2>Throughput and errors over time</h2>
{{.RateChart}}
<h2>Percentile distribution</h2>
{{.Distribution}}
<p class="muted">Latency runs from each request's scheduled send time, so time spent waiting for a stalled target counts; service time runs from the actual send, as a closed-loop tool would measure it.</p>

<h2>Latency</h2>
<table><tr><th></th><th class="n">Count</th><th class="n">p50</th><th class="n">p90</th><th class="n">p95</th><th class="n">p99</th><th class="n">p99.9</th><th class="n">max</th><th class="n">mean</th></tr>
{{range .Latency}}<tr><td>{{.Name}}</td><td class="n">{{.Count}}</td><td class="n">{{.P50}}</td><td class="n">{{.P90}}</td><td class="n">{{.P95}}</td><td class="n">{{.P99}}</td><td class="n">{{.P999}}</td><td class="n">{{.Max}}</td><td class="n">{{.Mean}}</td></tr>
{{end}}</table>

<h2>Requests</h2>
<table><tr>{{range .Counts}}<th class="n">{{index . 0}}</th>{{end}}</tr><tr>{{range .Counts}}<td class="n">{{index . 1}}</td>{{end}}</tr></table>
{{if .Status}}<table><tr><th>Answer</th><th class="n">Count</th></tr>{{range .Status}}<tr><td>{{index . 0}}</td><td class="n">{{index . 1}}</td></tr>{{end}}</table>{{end}}
{{if .L.Errors}}<h2>Errors</h2>
<table><tr><th>Class</th><th class="n">Count</th><th>Example</th></tr>
{{range .L.Errors}}<tr><td>{{.Class}}</td><td class="n">{{.Count}}</td><td class="muted">{{.Example}}</td></tr>
{{end}}</table>{{end}}

<h2>Load generator</h2>
<p>Lag p99 {{printf "%.2f" .L.Generator.LagP99MS}} ms, max {{printf "%.2f" .L.Generator.LagMaxMS}} ms; {{.L.Generator.Late}} requests later than {{.L.Generator.ToleranceMS}} ms; {{.L.Generator.NotSent}} never reached; {{.L.Generator.CapWaits}} waited for an in-flight slot. Fell behind: <b>{{.L.Generator.FellBehind}}</b>.
The engine adds p50 {{printf "%.3f" .L.Generator.AddedP50MS}} ms, p99 {{printf "%.3f" .L.Generator.AddedP99MS}} ms to what it reports (scheduled time to first byte written).</p>

<h2>Receiver</h2>
{{if .Receiver}}<table>{{range .Receiver}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td></tr>{{end}}</table>{{else}}<p class="muted">Not measured: run with <code>-inspect URL</code> against a receiver with the inspection API.</p>{{end}}
{{range .L.Receiver.Notes}}<p class="muted">{{.}}</p>{{end}}
</body>
</html>
`))

// chart draws line series (and bars) on linear axes as inline SVG.
type chart struct {
	w, h                   float64
	left, right, top, bot  float64
	xmin, xmax, ymin, ymax float64
	xlabel                 func(float64) string
	ylabel                 func(float64) string
	xticks, yticks         []float64
	b                      strings.Builder
}

type series struct {
	name, color string
	dash        bool
	pts         [][2]float64
}

func newChart(xmin, xmax, ymax float64) *chart {
	if xmax <= xmin {
		xmax = xmin + 1
	}
	if ymax <= 0 || math.IsNaN(ymax) {
		ymax = 1
	}
	c := &chart{w: 900, h: 260, left: 64, right: 30, top: 14, bot: 34, xmin: xmin, xmax: xmax}
	c.yticks = niceTicks(ymax)
	c.ymax = c.yticks[len(c.yticks)-1]
	c.xticks = niceTicks(xmax - xmin)
	for i := range c.xticks {
		c.xticks[i] += xmin
	}
	return c
}

func (c *chart) x(v float64) float64 {
	return c.left + (v-c.xmin)/(c.xmax-c.xmin)*(c.w-c.left-c.right)
}

func (c *chart) y(v float64) float64 {
	return c.top + (1-(v-c.ymin)/(c.ymax-c.ymin))*(c.h-c.top-c.bot)
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func (c *chart) axes() {
	fmt.Fprintf(&c.b, `<svg viewBox="0 0 %s %s" xmlns="http://www.w3.org/2000/svg" role="img">`, f1(c.w), f1(c.h))
	for _, t := range c.yticks {
		y := f1(c.y(t))
		fmt.Fprintf(&c.b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#eef1f5"/>`, f1(c.left), f1(c.w-c.right), y, y)
		fmt.Fprintf(&c.b, `<text x="%s" y="%s" text-anchor="end" dy="4">%s</text>`, f1(c.left-6), y, template.HTMLEscapeString(c.ylabel(t)))
	}
	for _, t := range c.xticks {
		if t > c.xmax+1e-9 {
			continue
		}
		x := f1(c.x(t))
		fmt.Fprintf(&c.b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#eef1f5"/>`, x, x, f1(c.top), f1(c.h-c.bot))
		fmt.Fprintf(&c.b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`, x, f1(c.h-c.bot+16), template.HTMLEscapeString(c.xlabel(t)))
	}
	fmt.Fprintf(&c.b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#9aa3b2"/>`, f1(c.left), f1(c.w-c.right), f1(c.h-c.bot), f1(c.h-c.bot))
}

func (c *chart) line(s series) {
	if len(s.pts) == 0 {
		return
	}
	var d strings.Builder
	for i, p := range s.pts {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&d, "%s%s %s", cmd, f1(c.x(p[0])), f1(c.y(math.Min(p[1], c.ymax))))
	}
	dash := ""
	if s.dash {
		dash = ` stroke-dasharray="6 4"`
	}
	fmt.Fprintf(&c.b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.6"%s><title>%s</title></path>`, d.String(), s.color, dash, template.HTMLEscapeString(s.name))
}

func (c *chart) bars(color string, width float64, pts [][2]float64) {
	bw := math.Max(1, c.x(c.xmin+width)-c.x(c.xmin)-1)
	for _, p := range pts {
		if p[1] <= 0 {
			continue
		}
		top := c.y(math.Min(p[1], c.ymax))
		fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" opacity=".55"/>`, f1(c.x(p[0])), f1(top), f1(bw), f1(c.h-c.bot-top), color)
	}
}

func (c *chart) legend(ss []series) {
	x := c.left + 8
	for _, s := range ss {
		fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="12" height="3" fill="%s"/><text x="%s" y="%s">%s</text>`, f1(x), f1(c.top+4), s.color, f1(x+16), f1(c.top+8), template.HTMLEscapeString(s.name))
		x += 24 + 7*float64(len(s.name))
	}
}

func (c *chart) svg() template.HTML {
	c.b.WriteString("</svg>")
	return template.HTML(c.b.String()) // built from numbers and escaped labels only
}

// niceTicks returns 0 and about five round steps up to at least max.
func niceTicks(max float64) []float64 {
	raw := max / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for v := 0.0; ; v += step {
		out = append(out, v)
		if v >= max-1e-9 {
			return out
		}
	}
}

func emptySVG(msg string) template.HTML {
	return template.HTML(`<svg viewBox="0 0 900 60" xmlns="http://www.w3.org/2000/svg"><text x="450" y="34" text-anchor="middle">` +
		template.HTMLEscapeString(msg) + `</text></svg>`)
}

func latencyChart(l *load.Result) template.HTML {
	if len(l.Windows) == 0 {
		return emptySVG("no traffic")
	}
	ss := []series{{name: "p50", color: "#4c78a8"}, {name: "p95", color: "#f58518"}, {name: "p99", color: "#e45756"}, {name: "max", color: "#9d7fb8", dash: true}}
	thin := thinWindows(l)
	var ymax float64
	var faint []load.Window
	for _, w := range l.Windows {
		if w.Requests == 0 {
			continue
		}
		if thin(w) {
			faint = append(faint, w)
			continue
		}
		mid := w.StartS + l.WindowS/2
		for i, v := range []float64{w.P50MS, w.P95MS, w.P99MS, w.MaxMS} {
			ss[i].pts = append(ss[i].pts, [2]float64{mid, v})
		}
		ymax = math.Max(ymax, w.MaxMS)
	}
	if ymax == 0 { // only thin slices: scale to them
		for _, w := range faint {
			ymax = math.Max(ymax, w.MaxMS)
		}
	}
	var limit float64
	for _, t := range l.Thresholds {
		if t.Metric == "p95" && t.Unit == "ms" {
			if v, err := parseLimitMS(t.Limit); err == nil {
				limit = v
			}
		}
	}
	// The axis fits the data; a limit near it is drawn in place, one far
	// above is marked at the top edge, so a fast run is not a flat line.
	offScale := limit > 0 && limit > ymax*limitNear
	if limit > 0 && !offScale {
		ymax = math.Max(ymax, limit*1.1)
	}
	c := newChart(0, lastEnd(l), ymax)
	c.xlabel = func(v float64) string { return secondsText(v) }
	c.ylabel = axisMS
	c.axes()
	c.worstWindows(l, func(metric string) bool {
		return strings.HasPrefix(metric, "p") || strings.HasSuffix(metric, "_latency")
	})
	if limit > 0 {
		at, label := c.y(limit), "p95 limit "+msText(limit)
		if offScale {
			at, label = c.y(c.ymax), "▲ p95 limit "+msText(limit)+", above the chart"
		}
		y := f1(at)
		fmt.Fprintf(&c.b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#c6362f" stroke-width="1.5" stroke-dasharray="4 3"><title>p95 SLA</title></line>`,
			f1(c.left), f1(c.w-c.right), y, y)
		fmt.Fprintf(&c.b, `<text x="%s" y="%s" text-anchor="end" dy="12" fill="#c6362f">%s</text>`, f1(c.w-c.right-4), y, template.HTMLEscapeString(label))
	}
	for _, s := range ss {
		c.line(s)
	}
	for _, w := range faint {
		c.faint(w.StartS+l.WindowS/2, w.P95MS, "#f58518", w)
	}
	c.legend(ss)
	return c.svg()
}

// limitNear is how far above the data a limit may be and still set the
// axis: past it the limit is marked at the top edge instead.
const limitNear = 2.0

// thinWindows tells the slices with too few requests to mean anything: under
// a tenth of a typical (median) slice. They are drawn faint, off the lines,
// so two stragglers at the end do not draw a hook or a dip.
func thinWindows(l *load.Result) func(load.Window) bool {
	var counts []uint64
	for _, w := range l.Windows {
		if w.Requests > 0 {
			counts = append(counts, w.Requests)
		}
	}
	if len(counts) < 3 {
		return func(load.Window) bool { return false }
	}
	sort.Slice(counts, func(i, j int) bool { return counts[i] < counts[j] })
	median := float64(counts[len(counts)/2])
	return func(w load.Window) bool { return float64(w.Requests) < median/10 }
}

// faint draws a thin slice's value as a pale dot naming why it is off the line.
func (c *chart) faint(x, v float64, color string, w load.Window) {
	fmt.Fprintf(&c.b, `<circle cx="%s" cy="%s" r="3" fill="%s" opacity=".3"><title>%s: %d requests, too few to draw</title></circle>`,
		f1(c.x(x)), f1(c.y(math.Min(v, c.ymax))), color, template.HTMLEscapeString(secondsText(w.StartS)), w.Requests)
}

func rateChart(l *load.Result) template.HTML {
	if len(l.Windows) == 0 {
		return emptySVG("no traffic")
	}
	rate := series{name: "answers/s", color: "#4c78a8"}
	errs := series{name: "errors/s (right axis)", color: "#e45756"}
	var ymax, emax float64
	var bars [][2]float64
	thin := thinWindows(l)
	var faint []load.Window
	for _, w := range l.Windows {
		span := l.WindowS
		if w.SpanS > 0 { // the last slice, partial: a rate over its own span
			span = w.SpanS
		}
		// A sliver of a slice, or a slice of stragglers, says nothing about
		// the rate: not drawn as a dip.
		switch {
		case thin(w):
			faint = append(faint, w)
		case span >= l.WindowS/2:
			rate.pts = append(rate.pts, [2]float64{w.StartS + span/2, w.Rate})
			ymax = math.Max(ymax, w.Rate)
		}
		e := float64(w.Errors) / span
		bars = append(bars, [2]float64{w.StartS, e})
		emax = math.Max(emax, e)
	}
	c := newChart(0, lastEnd(l), ymax)
	c.xlabel = func(v float64) string { return secondsText(v) }
	c.ylabel = func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	c.axes()
	c.worstWindows(l, func(metric string) bool {
		return !strings.HasPrefix(metric, "p") && !strings.HasSuffix(metric, "_latency")
	})
	// Errors on their own axis (right), so a few stand out beside many answers.
	if emax > 0 {
		et := niceTicks(emax)
		top := et[len(et)-1]
		scale := c.ymax / top
		for _, t := range et {
			fmt.Fprintf(&c.b, `<text x="%s" y="%s" text-anchor="start" dy="4" fill="#e45756">%s</text>`, f1(c.w-c.right+4), f1(c.y(t*scale)),
				template.HTMLEscapeString(strconv.FormatFloat(t, 'f', -1, 64)))
		}
		for i := range bars {
			bars[i][1] *= scale
		}
	}
	c.bars(errs.color, l.WindowS, bars)
	c.line(rate)
	for _, w := range faint {
		c.faint(w.StartS+l.WindowS/2, w.Rate, rate.color, w)
	}
	c.legend([]series{rate, errs})
	return c.svg()
}

// distributionChart plots latency against percentile on a "nines" axis:
// 90, 99, 99.9 … are evenly spaced, where the tail lives.
func distributionChart(l *load.Result) template.HTML {
	if len(l.Latency.Percentiles) == 0 {
		return emptySVG("no traffic")
	}
	nines := func(p float64) float64 {
		if p >= 99.99 {
			return 4
		}
		return -math.Log10(1 - p/100)
	}
	mk := func(name, color string, x load.Latency) series {
		s := series{name: name, color: color}
		for _, p := range x.Percentiles {
			if p.Percentile < 100 {
				s.pts = append(s.pts, [2]float64{nines(p.Percentile), p.MS})
			}
		}
		return s
	}
	ss := []series{mk("latency", "#f58518", l.Latency), mk("service time", "#4c78a8", l.Service)}
	ymax := 0.0
	for _, s := range ss {
		for _, p := range s.pts {
			ymax = math.Max(ymax, p[1])
		}
	}
	c := newChart(0, 4, ymax)
	c.xticks = []float64{0, 1, 2, 3, 4}
	c.xlabel = func(v float64) string {
		return [...]string{"p0", "p90", "p99", "p99.9", "p99.99"}[int(v)]
	}
	c.ylabel = axisMS
	c.axes()
	for _, s := range ss {
		c.line(s)
	}
	c.legend(ss)
	return c.svg()
}

// worstWindows shades the worst rolling window of each window threshold whose
// metric pick accepts, and names it.
func (c *chart) worstWindows(l *load.Result, pick func(metric string) bool) {
	for _, t := range l.Thresholds {
		if t.WorstAtS == nil || t.WindowS <= 0 || !pick(t.Metric) {
			continue
		}
		x0, x1 := c.x(*t.WorstAtS), c.x(math.Min(*t.WorstAtS+t.WindowS, c.xmax))
		color := "#f2c94c"
		if t.Status == load.ThresholdBreached {
			color = "#e45756"
		}
		fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" opacity=".15"><title>worst %s window of %s: %s</title></rect>`,
			f1(x0), f1(c.top), f1(math.Max(1, x1-x0)), f1(c.h-c.bot-c.top), color, secondsText(t.WindowS), template.HTMLEscapeString(t.Metric), template.HTMLEscapeString(measuredText(t)))
		fmt.Fprintf(&c.b, `<text x="%s" y="%s" dy="10">worst %s</text>`, f1(x0+2), f1(c.top), template.HTMLEscapeString(t.Metric))
	}
}

func lastEnd(l *load.Result) float64 {
	if n := len(l.Windows); n > 0 {
		return math.Max(l.Windows[n-1].StartS+l.WindowS, l.Scenario.DurationS)
	}
	return l.Scenario.DurationS
}

// parseLimitMS reads a latency limit as written ("500ms", "2s").
func parseLimitMS(s string) (float64, error) {
	d, err := time.ParseDuration(s)
	return float64(d) / float64(time.Millisecond), err
}

func axisMS(v float64) string {
	if v == 0 {
		return "0"
	}
	return msText(v)
}
