package reports

import (
	"github.com/s2s-harness/s2s-harness/load"

	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/exitcode"
	"github.com/s2s-harness/s2s-harness/internal/servicelevel"
)

// Files of a load report, as `s2s load -report-dir` writes them.
const (
	LoadJSONFile     = "load.json"
	LoadMarkdownFile = "load.md"
	LoadHTMLFile     = "load.html"
	LoadJUnitFile    = "junit.xml"
)

// LoadFiles returns every rendering of l by file name, which the CLI writes.
func LoadFiles(l *load.Result) map[string]Renderer {
	return map[string]Renderer{
		LoadJSONFile:     func(w io.Writer) error { return LoadJSON(w, l) },
		LoadMarkdownFile: func(w io.Writer) error { return LoadMarkdown(w, l) },
		LoadHTMLFile:     func(w io.Writer) error { return LoadHTML(w, l) },
		LoadJUnitFile:    func(w io.Writer) error { return LoadJUnit(w, l) },
	}
}

// LoadRenderers maps the formats `s2s report -format` takes to a renderer.
func LoadRenderers(l *load.Result) map[string]Renderer {
	return map[string]Renderer{
		"json":  func(w io.Writer) error { return LoadJSON(w, l) },
		"md":    func(w io.Writer) error { return LoadMarkdown(w, l) },
		"html":  func(w io.Writer) error { return LoadHTML(w, l) },
		"junit": func(w io.Writer) error { return LoadJUnit(w, l) },
	}
}

// ReadLoad reads a load.json and checks it is a report this version renders.
func ReadLoad(r io.Reader) (*load.Result, error) {
	var l load.Result
	if err := ReadJSON(r, &l); err != nil {
		return nil, err
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return &l, nil
}

// LoadJSON writes l in the documented load.json layout.
func LoadJSON(w io.Writer, l *load.Result) error { return WriteJSON(w, l) }

// LoadJUnit writes one test case per SLA threshold, plus one for the run's
// validity, so a CI system fails a breached or invalid run.
func LoadJUnit(w io.Writer, l *load.Result) error {
	s := JUnitSuite{Name: fmt.Sprintf("s2s load %s %s", l.Profile, l.Scenario.Name),
		Time: l.ElapsedMS / 1000,
		Properties: []JUnitProperty{{Name: "target", Value: l.Target}, {Name: "verdict", Value: verdictText(l)},
			{Name: "rate", Value: rateText(l.Scenario.Rate)}, {Name: "duration", Value: secondsText(l.Scenario.DurationS)}}}
	class := "load." + l.Profile + "." + l.Scenario.Name
	valid := JUnitCase{Name: "valid run", Classname: class}
	if l.Verdict == load.Invalid {
		valid.Error = &JUnitMessage{Message: "the run is invalid", Type: "invalid", Text: strings.Join(l.Reasons, "\n")}
	}
	s.Add(valid)
	for _, t := range l.Thresholds {
		c := JUnitCase{Name: thresholdName(t), Classname: class}
		switch t.Status {
		case load.ThresholdBreached:
			c.Failure = &JUnitMessage{Message: fmt.Sprintf("%s is %s", t.Metric, measuredText(t)), Type: "breached", Text: t.Note}
		case load.ThresholdInconclusive:
			c.Failure = &JUnitMessage{Message: fmt.Sprintf("%s is %s", t.Metric, measuredText(t)), Type: "inconclusive", Text: t.Note}
		case load.ThresholdSkipped:
			c.Skipped = &JUnitMessage{Message: t.Note}
		default:
			c.SystemOut = fmt.Sprintf("%s is %s", t.Metric, measuredText(t))
		}
		s.Add(c)
	}
	// The run's time belongs to the suite, not to a case.
	s.Time = l.ElapsedMS / 1000
	return WriteJUnit(w, NewJUnit("s2s load", l.Started, s))
}

func thresholdName(t load.ThresholdResult) string {
	name := fmt.Sprintf("%s %s %s", t.Metric, opText(t.Op), t.Limit)
	if t.Over == "window" {
		name += fmt.Sprintf(" in every %s window", secondsText(t.WindowS))
	}
	return name
}

func opText(op string) string {
	switch op {
	case "<=":
		return "≤"
	case ">=":
		return "≥"
	}
	return op
}

// actualText renders a threshold's measured value in its unit.
func actualText(t load.ThresholdResult) string {
	if t.Actual == nil {
		return "not measured"
	}
	return valueText(*t.Actual, t.Unit)
}

// measuredText is a threshold's value with its confidence interval, and for
// an inconclusive one the size of a run that would decide.
func measuredText(t load.ThresholdResult) string {
	s := actualText(t)
	if t.Low != nil {
		hi := "∞"
		if t.High != nil {
			hi = valueText(*t.High, t.Unit)
		}
		s += fmt.Sprintf(" (%s %% CI %s … %s, %s %s)", strconv.FormatFloat(t.Confidence*100, 'f', -1, 64), valueText(*t.Low, t.Unit), hi, countText(t.Samples), t.SampleUnit)
	}
	if t.Status == load.ThresholdInconclusive {
		if t.Needed > 0 {
			s += fmt.Sprintf("; a decisive run needs about %s %s", countText(t.Needed), t.SampleUnit)
		} else {
			s += "; the estimate sits on the limit: no run size decides"
		}
	}
	if t.WorstAtS != nil {
		s += fmt.Sprintf(" (worst window at %s)", secondsText(*t.WorstAtS))
	}
	return s
}

// verdictText names the verdict, and says when a breached run's generator lagged.
func verdictText(l *load.Result) string {
	if l.GeneratorLagged {
		return l.Verdict + " (generator lagged)"
	}
	return l.Verdict
}

// reasonLabel heads the reasons of a run: why it is invalid, or notes.
func reasonLabel(l *load.Result) string {
	if l.Verdict == load.Invalid {
		return "Invalid run"
	}
	return "Note"
}

func valueText(v float64, unit string) string {
	switch unit {
	case "ms":
		return msText(v)
	case "ratio":
		return pctText(v)
	case "rps":
		return rateText(v)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// msText renders milliseconds the way people read them: 0.93 ms, 512 ms, 2.1 s.
func msText(v float64) string {
	switch {
	case v >= 10_000:
		return strconv.FormatFloat(v/1000, 'f', 1, 64) + " s"
	case v >= 1000:
		return strconv.FormatFloat(v/1000, 'f', 2, 64) + " s"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + " ms"
}

func pctText(v float64) string {
	p := v * 100
	switch {
	case p == 0 || p == 100:
		return strconv.FormatFloat(p, 'f', 0, 64) + " %"
	case p >= 99 || p < 1:
		return strconv.FormatFloat(p, 'f', 3, 64) + " %"
	}
	return strconv.FormatFloat(p, 'f', 2, 64) + " %"
}

func rateText(v float64) string {
	if v == 0 {
		return "max"
	}
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64) + "/s"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + "/s"
}

func secondsText(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(time.Millisecond).String()
}

func countText(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// shapeText describes the rate shape in one line.
func shapeText(s load.RunScenario) string {
	if s.Rate == 0 && len(s.Stages) == 0 {
		return fmt.Sprintf("closed-loop max probe with %d clients for %s", s.MaxInFlight, secondsText(s.DurationS))
	}
	var parts []string
	for _, st := range s.Stages {
		if st.From == st.To {
			parts = append(parts, fmt.Sprintf("%s for %s", rateText(st.From), secondsText(st.DurationS)))
		} else {
			parts = append(parts, fmt.Sprintf("%s → %s over %s", rateText(st.From), rateText(st.To), secondsText(st.DurationS)))
		}
	}
	return strings.Join(parts, ", then ")
}

// timelineRows folds the timeline into at most n rows, keeping each group's
// worst values, so a long soak stays readable.
func timelineRows(l *load.Result, n int) ([]load.Window, float64) {
	ws := l.Windows
	if len(ws) <= n {
		return ws, l.WindowS
	}
	step := (len(ws) + n - 1) / n
	var out []load.Window
	for i := 0; i < len(ws); i += step {
		g := load.Window{StartS: ws[i].StartS, Availability: 1}
		var rate float64
		k := 0
		for _, w := range ws[i:min(i+step, len(ws))] {
			k++
			g.Requests += w.Requests
			g.Errors += w.Errors
			g.RateLimited += w.RateLimited
			rate += w.Rate
			if w.Requests > 0 {
				g.Availability = math.Min(g.Availability, w.Availability)
			}
			g.P50MS = math.Max(g.P50MS, w.P50MS)
			g.P95MS = math.Max(g.P95MS, w.P95MS)
			g.P99MS = math.Max(g.P99MS, w.P99MS)
			g.MaxMS = math.Max(g.MaxMS, w.MaxMS)
		}
		g.Rate = rate / float64(k)
		if g.Requests == 0 {
			g.Availability = 0
		}
		out = append(out, g)
	}
	return out, l.WindowS * float64(step)
}

// LoadText writes the short summary `s2s load` prints when a run ends.
func LoadText(w io.Writer, l *load.Result) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("s2s load %s, scenario %s, target %s: %s (exit %d)\n", l.Profile, l.Scenario.Name, l.Target, strings.ToUpper(verdictText(l)), exitcode.Load(l.Verdict))
	for _, r := range l.Reasons {
		p("  %s: %s\n", strings.ToLower(reasonLabel(l)), r)
	}
	q := l.Requests
	p("  requests   %s scheduled, %s sent, %s not sent, %s retries (%s re-sent on a lost connection), %s replays; %s acknowledged\n",
		countText(q.Scheduled), countText(q.Sent), countText(q.NotSent), countText(q.Retries), countText(q.Resent), countText(q.Replays), rateText(l.Throughput.Acknowledged))
	if q.Aborted > 0 {
		p("  interrupted with %s requests on the wire: counted neither for nor against\n", countText(q.Aborted))
	}
	x := l.Latency
	p("  latency    p50 %s  p90 %s  p95 %s  p99 %s  max %s (service p95 %s)\n", msText(x.P50MS), msText(x.P90MS), msText(x.P95MS),
		msText(x.P99MS), msText(x.MaxMS), msText(l.Service.P95MS))
	p("  answers    availability %s, 429 %s, retry rate %s", pctText(l.Availability), pctText(l.RateLimited), pctText(l.RetryRate))
	for _, e := range l.Errors {
		p(", %s %s", e.Class, countText(e.Count))
	}
	p("\n")
	if r := l.Receiver; r.Source != "" || r.Recorded != nil {
		var parts []string // joined, so that a missing last figure leaves no dangling comma
		if r.DuplicateRate != nil {
			parts = append(parts, "duplicates "+pctText(*r.DuplicateRate))
		}
		if r.Lost != nil {
			parts = append(parts, "lost "+countText(*r.Lost))
		}
		if r.IngestLag != nil {
			parts = append(parts, "ingest lag mean "+msText(r.IngestLag.MeanMS))
		}
		if r.Discrepancy != nil {
			d := "discrepancy " + pctText(*r.Discrepancy)
			if r.Flagged {
				d += " (" + servicelevel.ReconcileNote() + ")"
			}
			parts = append(parts, d)
		}
		p("  receiver   %s\n", strings.Join(parts, ", "))
	}
	for _, t := range l.Thresholds {
		mark := map[string]string{load.ThresholdPassed: "ok  ", load.ThresholdBreached: "FAIL", load.ThresholdSkipped: "skip", load.ThresholdInconclusive: "??  "}[t.Status]
		p("  %s %s: %s", mark, thresholdName(t), measuredText(t))
		if t.Note != "" {
			p(" (%s)", t.Note)
		}
		p("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
