package reports

import (
	"github.com/s2s-harness/s2s-harness/load"

	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/s2s-harness/s2s-harness/internal/exitcode"
	"github.com/s2s-harness/s2s-harness/internal/servicelevel"
)

// LoadMarkdown writes l as a Markdown page: verdict, thresholds, then every
// metric with the group breakdowns and a folded timeline.
func LoadMarkdown(w io.Writer, l *load.Result) error {
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("# Load run: %s, scenario %s: %s\n\n", l.Profile, l.Scenario.Name, strings.ToUpper(verdictText(l)))
	p("| | |\n| --- | --- |\n")
	p("| Verdict | **%s** (exit %d) |\n", verdictText(l), exitcode.Load(l.Verdict))
	p("| Target | %s |\n", mdCell(l.Target))
	if l.Inspect != "" {
		p("| Inspection API | %s |\n", mdCell(l.Inspect))
	}
	p("| Scenario | %s: %s |\n", mdCell(l.Scenario.Name), mdCell(shapeText(l.Scenario)))
	p("| Client | %s |\n", mdCell(clientText(l.Scenario)))
	p("| Started | %s |\n", l.Started.Format("2006-01-02 15:04:05 MST"))
	p("| Elapsed | %s |\n", secondsText(l.ElapsedMS/1000))
	if l.Version != "" {
		p("| s2s | %s |\n", mdCell(l.Version))
	}
	p("\n")
	for _, r := range l.Reasons {
		p("> **%s:** %s\n\n", reasonLabel(l), mdCell(r))
	}

	p("## SLA thresholds\n\n")
	p("| Threshold | Measured | Status | Note |\n| --- | --- | --- | --- |\n")
	for _, t := range l.Thresholds {
		p("| %s | %s | %s | %s |\n", mdCell(thresholdName(t)), measuredText(t), statusMark(t.Status), mdCell(t.Note))
	}
	p("\n")

	q := l.Requests
	p("## Requests\n\n")
	p("| Scheduled | Sent | Not sent | Attempts | Retries | Re-sent | Exhausted | Replays | Events | Acknowledged |\n")
	p("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n\n", countText(q.Scheduled), countText(q.Sent), countText(q.NotSent),
		countText(q.Attempts), countText(q.Retries), countText(q.Resent), countText(q.Exhausted), countText(q.Replays), countText(q.Events), countText(q.Acknowledged))
	if q.Resent > 0 {
		p("Re-sent: retries the engine made at once because the receiver closed a reused connection after reading a request and before answering it; the receiver may hold those requests twice.\n\n")
	}
	if q.Aborted > 0 {
		p("Interrupted with %s requests on the wire: they count neither for nor against the receiver.\n\n", countText(q.Aborted))
	}
	t := l.Throughput
	p("Throughput: offered %s, sent %s, acknowledged %s (events %s).\n\n", rateText(t.Offered), rateText(t.Sent), rateText(t.Acknowledged), rateText(t.Events))
	p("Availability **%s**, error rate %s, 429 ratio %s, retry rate %s.\n\n", pctText(l.Availability), pctText(l.ErrorRate), pctText(l.RateLimited), pctText(l.RetryRate))

	p("## Latency\n\n")
	p("Latency runs from each request's scheduled send time; service time from the actual send (what a closed-loop tool would report).\n\n")
	p("| | Count | p50 | p90 | p95 | p99 | p99.9 | max | mean |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	row := func(name string, x load.Latency) {
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", mdCell(name), countText(x.Count), msText(x.P50MS), msText(x.P90MS),
			msText(x.P95MS), msText(x.P99MS), msText(x.P999MS), msText(x.MaxMS), msText(x.MeanMS))
	}
	row("latency", l.Latency)
	row("service time", l.Service)
	for _, g := range l.Endpoints {
		row("endpoint "+g.Name, g.Latency)
	}
	for _, g := range l.Classes {
		row("status "+g.Name, g.Latency)
	}
	p("\n")

	if len(l.Status) > 0 {
		p("## Answers\n\n| Status | Count |\n| --- | ---: |\n")
		keys := make([]string, 0, len(l.Status))
		for k := range l.Status {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p("| %s | %s |\n", mdCell(k), countText(l.Status[k]))
		}
		p("\n")
	}
	if len(l.Errors) > 0 {
		p("## Errors\n\n| Class | Count | Example |\n| --- | ---: | --- |\n")
		for _, e := range l.Errors {
			p("| %s | %s | %s |\n", e.Class, countText(e.Count), mdCell(e.Example))
		}
		p("\n")
	}

	g := l.Generator
	p("## Load generator\n\n")
	p("Lag (how late the generator itself dispatched): p99 %s, max %s; %s requests later than %s; %s never reached. %s requests waited for an in-flight slot (the target held them all). Fell behind: **%t**.\n\n",
		msText(g.LagP99MS), msText(g.LagMaxMS), countText(g.Late), msText(g.ToleranceMS), countText(g.NotSent), countText(g.CapWaits), g.FellBehind)
	p("Latency the engine adds to what it reports (scheduled time to first byte written): p50 %s, p99 %s, mean %s.\n\n",
		msText(g.AddedP50MS), msText(g.AddedP99MS), msText(g.AddedMeanMS))

	p("## Receiver\n\n")
	writeReceiverMarkdown(p, l.Receiver)

	rows, span := timelineRows(l, 60)
	if len(rows) > 0 {
		p("## Timeline\n\n")
		if span != l.WindowS {
			p("Each row folds %s of the run and shows its worst values.\n\n", secondsText(span))
		}
		p("| From | Answers/s | Requests | Errors | 429 | Availability | p50 | p95 | p99 | max |\n")
		p("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, w := range rows {
			p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", secondsText(w.StartS), strings.TrimSuffix(rateText(w.Rate), "/s"),
				countText(w.Requests), countText(w.Errors), countText(w.RateLimited), pctText(w.Availability),
				msText(w.P50MS), msText(w.P95MS), msText(w.P99MS), msText(w.MaxMS))
		}
	}
	return b.Flush()
}

func writeReceiverMarkdown(p func(string, ...any), r load.Receiver) {
	if r.Source == "" && r.Recorded == nil {
		p("Not measured: run with `-inspect URL` against a receiver with the inspection API (duplicates, loss, ingest lag, discrepancy).\n\n")
		for _, n := range r.Notes {
			p("- %s\n", mdCell(n))
		}
		if len(r.Notes) > 0 {
			p("\n")
		}
		return
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
	p("| Measure | Value |\n| --- | --- |\n")
	p("| Counted from | %s |\n", mdCell(r.Source))
	p("| Unique events acknowledged (sender's count) | %s |\n", countText(r.SentEvents))
	p("| Events recorded (receiver's count) | %s |\n", opt(r.Recorded))
	p("| Discrepancy | %s%s |\n", optPct(r.Discrepancy), map[bool]string{true: " **(" + servicelevel.ReconcileNote() + ")**"}[r.Flagged])
	p("| Duplicates | %s (rate %s) |\n", opt(r.Duplicates), optPct(r.DuplicateRate))
	p("| Lost | %s (rate %s) |\n", opt(r.Lost), optPct(r.LossRate))
	if r.IngestLag != nil {
		p("| Ingest lag | mean %s, p95 %s, max %s (resolution %s) |\n", msText(r.IngestLag.MeanMS), msText(r.IngestLag.P95MS),
			msText(r.IngestLag.MaxMS), msText(r.ResolutionMS))
	} else {
		p("| Ingest lag | not measured |\n")
	}
	p("| Journal entries missed / events unmatched / foreign | %s / %s / %s |\n", countText(r.Missed), countText(r.Unmatched), countText(r.Foreign))
	if r.Unsettled > 0 {
		p("| Unsettled (on their way at the interrupt) | %s |\n", countText(r.Unsettled))
	}
	p("\n")
	for _, n := range r.Notes {
		p("- %s\n", mdCell(n))
	}
	if len(r.Notes) > 0 {
		p("\n")
	}
}

func clientText(s load.RunScenario) string {
	parts := []string{fmt.Sprintf("at most %d in flight", s.MaxInFlight), fmt.Sprintf("timeout %s", msText(s.TimeoutMS))}
	if s.Batch > 1 {
		parts = append(parts, fmt.Sprintf("batches of %d", s.Batch))
	}
	if len(s.Endpoints) > 0 {
		keys := make([]string, 0, len(s.Endpoints))
		for k := range s.Endpoints {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var mix []string
		for _, k := range keys {
			mix = append(mix, fmt.Sprintf("%s %d", k, s.Endpoints[k]))
		}
		parts = append(parts, "endpoints "+strings.Join(mix, ", "))
	}
	if s.Replay > 0 {
		parts = append(parts, fmt.Sprintf("%s replays", pctText(s.Replay)))
	}
	if r := s.Retry; r != nil {
		parts = append(parts, fmt.Sprintf("retries 429/5xx up to %d times (backoff %s…%s, %s jitter)", r.Max, msText(r.BaseMS), msText(r.CapMS), r.Jitter))
	}
	parts = append(parts, fmt.Sprintf("seed %d", s.Seed))
	return strings.Join(parts, "; ")
}

func statusMark(s string) string {
	switch s {
	case load.ThresholdPassed:
		return "✅ passed"
	case load.ThresholdBreached:
		return "❌ **breached**"
	case load.ThresholdInconclusive:
		return "❔ **inconclusive**"
	}
	return "⏭ skipped"
}

// mdCell keeps text inside one table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}
