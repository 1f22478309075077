package load

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/profile/revosurge"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fixtureReport is a made-up run with every section filled: a slow stretch,
// errors of several classes, replays, retries and receiver accounting.
func fixtureReport(t *testing.T) *Result {
	t.Helper()
	s, err := Builtin("spike")
	if err != nil {
		t.Fatal(err)
	}
	s.Rate, s.Duration, s.Replay, s.Seed = 50, 20*time.Second, 0.1, 1 // a run always reports its resolved seed
	s.Retry = &Retry{Max: 3, Base: 100 * time.Millisecond, Cap: 2 * time.Second, Jitter: JitterFull, RetryAfter: true}
	sla := DefaultSLA(nil, 5*time.Second)
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
		o.added = time.Duration(50+n%5*100) * time.Microsecond
		o.at = start.Add(at + lat)
		e.rec.record(o)
		e.rec.dispatched(time.Duration(n%5)*100*time.Microsecond, n%50 == 0)
		if o.class != class2xx && n%2 == 0 {
			e.rec.record(&outcome{endpoint: 0, class: class2xx, status: 200, events: 1, latency: lat, service: lat, at: o.at.Add(time.Millisecond)})
		}
	}
	e.rec.finish(start.Add(s.Duration))
	res := &Result{Schema: ResultSchema, Version: "test", Profile: "revosurge", Target: e.cfg.Target,
		Inspect: e.cfg.Target, Scenario: e.describe(), Started: start, Finished: start.Add(s.Duration + 2*time.Second)}
	e.fill(res, start, start.Add(s.Duration), 0, 0)
	res.Receiver = Receiver{Source: "journal", SentEvents: 900, Recorded: ptr(uint64(990)), Duplicates: ptr(uint64(90)),
		DuplicateRate: ptr(0.0909), Lost: ptr(uint64(0)), LossRate: ptr(0.0), IngestLag: &Latency{Count: 900, MeanMS: 120, P95MS: 240, MaxMS: 260},
		ResolutionMS: 250, Discrepancy: ptr(0.1), Flagged: true}
	res.Thresholds = sla.evaluate(e.measured(res, false), e.rec.worst)
	res.Verdict = Breached
	return res
}

// TestReportGolden pins load.json as the engine writes it. The renderings of
// this file are pinned by the reports package's own golden tests, which read a
// copy of it (reports/testdata/load.input.json): run go test -update here,
// then copy the file there and run its tests with -update.
func TestReportGolden(t *testing.T) {
	t.Parallel()
	res := fixtureReport(t)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "report.json.golden")
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
		t.Errorf("load.json differs from the golden file; run go test -update and review the diff")
	}
	var back Result
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&back); err != nil {
		t.Fatal(err)
	}
	if err := back.Validate(); err != nil {
		t.Fatal(err)
	}
}
