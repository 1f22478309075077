package load

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/profile/revosurge"
	"github.com/s2s-harness/s2s-harness/reports"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fixtureReport is a made-up run with every section filled: a slow stretch,
// errors of several classes, replays, retries and receiver accounting.
func fixtureReport(t *testing.T) *reports.Load {
	t.Helper()
	s, err := Builtin("spike")
	if err != nil {
		t.Fatal(err)
	}
	s.Rate, s.Duration, s.Replay, s.Seed = 50, 20*time.Second, 0.1, 1 // a run always reports its resolved seed
	s.Retry = &Retry{Max: 3, Base: 100 * time.Millisecond, Cap: 2 * time.Second, Jitter: JitterFull, RetryAfter: true}
	sla := DefaultSLA(5 * time.Second)
	start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	e := &engine{cfg: Config{Profile: revosurge.New(), Target: "http://127.0.0.1:8080", SLA: sla, Version: "test"}, s: s,
		w: &workload{batch: map[string]int{}}}
	e.rec = newRecorder(start, time.Second, s.LagTolerance, sla)
	n := 0
	for at := time.Duration(0); at < s.Duration; at += 20 * time.Millisecond {
		n++
		lat := time.Duration(3+n%7) * time.Millisecond
		o := &outcome{endpoint: 0, class: class2xx, status: 200, events: 1, first: true, replay: n%10 == 0}
		switch {
		case at >= 8*time.Second && at < 10*time.Second:
			lat = time.Duration(400+n%300) * time.Millisecond // the spike hurts
		case n%97 == 0:
			o.class, o.status, o.detail = class5xx, 500, `500 {"error":"internal_error","message":"injected fault"}`
		case n%211 == 0:
			o.class, o.status, o.detail = class429, 429, `429 {"error":"rate_limited"}`
		case n%401 == 0:
			o.class, o.detail = classTimeout, "context deadline exceeded"
		}
		o.latency, o.service = lat, lat/2
		o.at = start.Add(at + lat)
		e.rec.record(o)
		e.rec.dispatched(time.Duration(n%5)*100*time.Microsecond, n%50 == 0)
		if o.class != class2xx && n%2 == 0 {
			e.rec.record(&outcome{endpoint: 0, class: class2xx, status: 200, events: 1, latency: lat, service: lat, at: o.at.Add(time.Millisecond)})
		}
	}
	e.rec.finish(start.Add(s.Duration))
	res := &reports.Load{Schema: reports.LoadSchema, Version: "test", Profile: "revosurge", Target: e.cfg.Target,
		Inspect: e.cfg.Target, Scenario: e.describe(), Started: start, Finished: start.Add(s.Duration + 2*time.Second)}
	e.fill(res, start, 0, 0)
	res.Receiver = reports.LoadReceiver{Source: "journal", SentEvents: 900, Recorded: ptr(uint64(990)), Duplicates: ptr(uint64(90)),
		DuplicateRate: ptr(0.0909), Lost: ptr(uint64(0)), LossRate: ptr(0.0), IngestLag: &reports.LoadLatency{Count: 900, MeanMS: 120, P95MS: 240, MaxMS: 260},
		ResolutionMS: 250, Discrepancy: ptr(0.1), Flagged: true}
	res.Thresholds = sla.evaluate(e.metricValue(res), e.rec.worst)
	res.Verdict = reports.LoadBreached
	return res
}

func TestReportGolden(t *testing.T) {
	t.Parallel()
	res := fixtureReport(t)
	renderers := map[string]reports.Renderer{
		"report.json.golden": func(w io.Writer) error { return reports.LoadJSON(w, res) },
		"report.md.golden":   func(w io.Writer) error { return reports.LoadMarkdown(w, res) },
		"report.html.golden": func(w io.Writer) error { return reports.LoadHTML(w, res) },
		"report.xml.golden":  func(w io.Writer) error { return reports.LoadJUnit(w, res) },
		"report.txt.golden":  func(w io.Writer) error { return reports.LoadText(w, res) },
	}
	for name, render := range renderers {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := render(&buf); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from the golden file; run go test -update and review the diff", name)
			}
		})
	}
}

// load.json round-trips: what `s2s report` reads back renders the same.
func TestReportRoundTrip(t *testing.T) {
	t.Parallel()
	res := fixtureReport(t)
	var file bytes.Buffer
	if err := reports.LoadFiles(res)[reports.LoadJSONFile](&file); err != nil {
		t.Fatal(err)
	}
	back, err := reports.ReadLoad(&file)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := reports.LoadMarkdown(&a, res); err != nil {
		t.Fatal(err)
	}
	if err := reports.LoadMarkdown(&b, back); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("markdown of the re-read report differs from the original")
	}
	var page bytes.Buffer
	if err := reports.LoadFiles(res)[reports.LoadHTMLFile](&page); err != nil {
		t.Fatal(err)
	}
	html := page.Bytes()
	// The target's URL and the SVG namespace are text, not references.
	html = bytes.ReplaceAll(html, []byte("http://www.w3.org/2000/svg"), nil)
	html = bytes.ReplaceAll(html, []byte(res.Target), nil)
	for _, banned := range []string{"<script", "http://", "https://", "src=", "<link"} {
		if bytes.Contains(html, []byte(banned)) {
			t.Errorf("load.html contains %q: it must be self-contained", banned)
		}
	}
}
