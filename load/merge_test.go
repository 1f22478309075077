package load

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		give    string
		want    Shard
		wantErr bool
	}{
		{"0/1", Shard{0, 1}, false},
		{"2/3", Shard{2, 3}, false},
		{"3/3", Shard{}, true},
		{"-1/3", Shard{}, true},
		{"1/0", Shard{}, true},
		{"1", Shard{}, true},
		{"a/b", Shard{}, true},
	}
	for _, tt := range tests {
		got, err := ParseShard(tt.give)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, error %v", tt.give, got, err, tt.want, tt.wantErr)
		}
	}
}

// The shards' arrivals are exactly the whole schedule's, each once.
func TestShardsPartitionTheSchedule(t *testing.T) {
	const n = 3
	for a := range uint64(100) {
		owners := 0
		for i := range n {
			if (Shard{i, n}).owns(a) {
				owners++
			}
		}
		if owners != 1 {
			t.Fatalf("arrival %d owned by %d shards", a, owners)
		}
	}
}

// synthetic outcomes of one schedule: arrival i at i×5 ms, a latency that is
// a function of i, some errors and 429s, two endpoints.
func synthetic(start time.Time, n int) []*outcome {
	out := make([]*outcome, n)
	for i := range n {
		lat := time.Duration(3+(i*37)%400) * time.Millisecond
		if i%500 < 40 { // a slow stretch: a window worse than the run
			lat += 900 * time.Millisecond
		}
		o := &outcome{endpoint: i % 2, class: class2xx, status: 200, latency: lat, service: lat - time.Millisecond,
			events: 1 + i%3, first: true, at: start.Add(time.Duration(i)*5*time.Millisecond + lat)}
		switch {
		case i%53 == 0:
			o.class, o.status, o.detail = class5xx, 503, "busy"
		case i%71 == 0:
			o.class, o.status, o.detail = class429, 429, "slow down"
		case i%97 == 0:
			o.class, o.status, o.detail = classTimeout, 0, "timeout"
		}
		out[i] = o
	}
	return out
}

// summarizeRun turns a recorder fed with outcomes into a result, as a run does.
func summarizeRun(t *testing.T, sh Shard, start time.Time, outs []*outcome, s *Scenario, sla *SLA) (*Result, *Part) {
	t.Helper()
	p, err := builtin.Lookup("revosurge")
	if err != nil {
		t.Fatal(err)
	}
	r := newRecorder(start, time.Second, s.LagTolerance, sla)
	r.keepSlices = sh.sharded()
	byDone := slices.Clone(outs)
	slices.SortStableFunc(byDone, func(a, b *outcome) int { return a.at.Compare(b.at) })
	for _, o := range byDone {
		r.dispatched(time.Millisecond, false)
		r.record(o)
	}
	end := start.Add(s.Duration)
	r.finish(maxTime(end, r.lastDone))
	e := &engine{cfg: Config{Profile: p, Scenario: s, SLA: sla, Shard: sh}, s: s, rec: r}
	res := &Result{Schema: ResultSchema, Profile: p.Name,
		Scenario: RunScenario{Name: s.Name, Rate: s.Rate, DurationS: s.Duration.Seconds(), MaxInFlight: s.MaxInFlight}}
	e.fill(res, start, end, 0, 0)
	res.Thresholds = sla.evaluate(e.measured(res, false), r.worst)
	res.Reasons, res.Verdict, res.GeneratorLagged = e.judge(res, false)
	return res, e.part(res, start, end, 0, 0, false)
}

// Three shards' parts merge into the result one recorder gives for the same
// outcomes: counts, histograms, the timeline and every threshold, the
// windowed ones included.
func TestMergeEqualsOneRun(t *testing.T) {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	outs := synthetic(start, 3000) // 15 s of schedule
	s := &Scenario{Name: "synthetic", Rate: 200, Duration: 15 * time.Second, LagTolerance: 10 * time.Millisecond, MaxInFlight: 10}
	sla := &SLA{Thresholds: []Threshold{
		{Metric: "p95", Op: "<=", Limit: 500, Raw: "500ms", Over: OverRun},
		{Metric: "availability", Op: ">=", Limit: 0.95, Raw: "95%", Over: OverRun},
		{Metric: "p95", Op: "<=", Limit: 500, Raw: "500ms", Over: OverWindow, Window: 2 * time.Second},
		{Metric: "availability", Op: ">=", Limit: 0.95, Raw: "95%", Over: OverWindow, Window: 3 * time.Second},
	}}
	whole, _ := summarizeRun(t, Shard{}, start, outs, s, sla)

	const n = 3
	var parts []*Part
	for i := range n {
		// Shards start a moment apart: their outcomes are at the same
		// offsets from their own start.
		shift := time.Duration(i) * time.Millisecond
		var mine []*outcome
		for a, o := range outs {
			if (Shard{i, n}).owns(uint64(a)) {
				c := *o
				c.at = o.at.Add(shift)
				mine = append(mine, &c)
			}
		}
		shardStart := start.Add(shift)
		_, part := summarizeRun(t, Shard{i, n}, shardStart, mine, s, sla)
		// Through JSON, as the files carry it.
		data, err := json.Marshal(part)
		if err != nil {
			t.Fatal(err)
		}
		var back Part
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, &back)
	}
	merged, err := Merge([]*Part{parts[2], parts[0], parts[1]})
	if err != nil {
		t.Fatal(err)
	}
	if merged.Requests != whole.Requests || !mapsEqual(merged.Status, whole.Status) {
		t.Errorf("counts: merged %+v %v, whole %+v %v", merged.Requests, merged.Status, whole.Requests, whole.Status)
	}
	for _, q := range []struct {
		name string
		m, w float64
	}{{"p50", merged.Latency.P50MS, whole.Latency.P50MS}, {"p95", merged.Latency.P95MS, whole.Latency.P95MS},
		{"p99", merged.Latency.P99MS, whole.Latency.P99MS}, {"max", merged.Latency.MaxMS, whole.Latency.MaxMS},
		{"availability", merged.Availability, whole.Availability}, {"rate_limited", merged.RateLimited, whole.RateLimited}} {
		if math.Abs(q.m-q.w) > 0.001*math.Abs(q.w) { // HDR: 3 significant digits
			t.Errorf("%s: merged %v, whole %v", q.name, q.m, q.w)
		}
	}
	if len(merged.Windows) != len(whole.Windows) {
		t.Fatalf("%d windows merged, %d whole", len(merged.Windows), len(whole.Windows))
	}
	for i := range whole.Windows {
		if merged.Windows[i] != whole.Windows[i] {
			t.Errorf("window %d: merged %+v, whole %+v", i, merged.Windows[i], whole.Windows[i])
		}
	}
	if len(merged.Thresholds) != len(whole.Thresholds) {
		t.Fatalf("thresholds: %d merged, %d whole", len(merged.Thresholds), len(whole.Thresholds))
	}
	breachedWindow := false
	for i, w := range whole.Thresholds {
		m := merged.Thresholds[i]
		mj, _ := json.Marshal(m)
		wj, _ := json.Marshal(w)
		if string(mj) != string(wj) {
			t.Errorf("threshold %d: merged %s, whole %s", i, mj, wj)
		}
		breachedWindow = breachedWindow || w.Over == OverWindow && w.Status == ThresholdBreached
	}
	if !breachedWindow {
		t.Error("the synthetic run was meant to breach a window threshold (the slow stretch): the test checks nothing")
	}
	if merged.Verdict != whole.Verdict || merged.Shards != n {
		t.Errorf("verdict: merged %s (%d shards), whole %s", merged.Verdict, merged.Shards, whole.Verdict)
	}
}

func mapsEqual(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestMergeRefusesIncompleteSets(t *testing.T) {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := &Scenario{Name: "synthetic", Rate: 200, Duration: 2 * time.Second, LagTolerance: 10 * time.Millisecond}
	sla := &SLA{Thresholds: []Threshold{{Metric: "p95", Op: "<=", Limit: 500, Raw: "500ms", Over: OverRun}}}
	outs := synthetic(start, 400)
	part := func(i, n int) *Part {
		_, p := summarizeRun(t, Shard{i, n}, start, outs, s, sla)
		return p
	}
	other := part(1, 2)
	other.Result.Scenario.Rate++
	for _, tt := range []struct {
		name  string
		parts []*Part
		want  string
	}{
		{"none", nil, "no parts"},
		{"missing", []*Part{part(0, 3), part(1, 3)}, "2 parts of a run in 3 shards"},
		{"twice", []*Part{part(0, 2), part(0, 2)}, "missing or given twice"},
		{"mixed counts", []*Part{part(0, 2), part(1, 3)}, "one of 3 shards"},
		{"another schedule", []*Part{part(0, 2), other}, "another schedule"},
	} {
		_, err := Merge(tt.parts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}

// TestMergeKeepsAStateReset: a shard whose receiver was reset makes the
// merged run invalid with that shard named, never a loss figure.
func TestMergeKeepsAStateReset(t *testing.T) {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := &Scenario{Name: "synthetic", Rate: 200, Duration: 2 * time.Second, LagTolerance: 10 * time.Millisecond}
	sla := &SLA{Thresholds: []Threshold{{Metric: "p95", Op: "<=", Limit: 500, Raw: "500ms", Over: OverRun}}}
	outs := synthetic(start, 400)
	var parts []*Part
	for i := range 2 {
		_, p := summarizeRun(t, Shard{i, 2}, start, outs, s, sla)
		p.Result.Receiver.Source, p.Result.Receiver.Lost = "journal", ptr(uint64(0))
		parts = append(parts, p)
	}
	parts[1].Result.Receiver.StateReset = "the receiver's state was reset during the run (epoch a became b)"
	parts[1].Result.Receiver.Lost = nil
	merged, err := Merge(parts)
	if err != nil {
		t.Fatal(err)
	}
	r := merged.Receiver
	if merged.Verdict != Invalid || !strings.Contains(r.StateReset, "shard 1/2") || r.Lost != nil {
		t.Errorf("merged verdict %s, state reset %q, lost %v: want invalid naming shard 1/2, no loss figure", merged.Verdict, r.StateReset, r.Lost)
	}
}

// attempts records every attempt a run reports (an Output), so that a test
// can compare a summary with the outcomes it summarised, not with another
// run's timing.
type attempts struct {
	mu  sync.Mutex
	all []Attempt
}

func (a *attempts) Start(context.Context) error { return nil }
func (a *attempts) Stop() error                 { return nil }
func (a *attempts) Add(x Attempt) {
	a.mu.Lock()
	a.all = append(a.all, x)
	a.mu.Unlock()
}

// latencyOf summarises recorded attempts as the recorder does (one histogram,
// microseconds).
func latencyOf(as ...*attempts) Latency {
	h := newHist(3)
	for _, a := range as {
		for _, x := range a.all {
			recordUS(h, time.Duration(math.Round(x.LatencyMS*float64(time.Millisecond))))
		}
	}
	return summarize(h, false)
}

// End to end: a receiver whose latency is a function of the time since a
// reference instant; one run of a schedule, then three shards of it started
// at one instant, merged. What must hold on any machine, however busy: the
// same counts; the merged percentiles are exactly those of the attempts the
// shards recorded (TestMergeEqualsOneRun checks the arithmetic against one
// recorder); the slow stretch breaches p95 in both; every threshold of the
// merge says what the merged numbers say. Latencies of two real runs are not
// compared with each other: on a loaded machine they differ by its jitter.
func TestShardedRunsMergeLikeOneRun(t *testing.T) {
	var base time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off := time.Since(base)
		d := 20 * time.Millisecond
		if off%time.Second > 600*time.Millisecond { // the last 400 ms of each second are slow
			d = 120 * time.Millisecond
		}
		time.Sleep(d)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"accepted":1,"status":"queued"}`))
	}))
	defer srv.Close()
	p, err := builtin.Lookup("revosurge")
	if err != nil {
		t.Fatal(err)
	}
	s := scenario(t, 150, 3*time.Second)
	s.Seed, s.Settle = 42, 0
	sla := &SLA{Thresholds: []Threshold{
		{Metric: "p50", Op: "<=", Limit: 100, Raw: "100ms", Over: OverRun},
		{Metric: "p95", Op: "<=", Limit: 100, Raw: "100ms", Over: OverRun},
		{Metric: "p95", Op: "<=", Limit: 1000, Raw: "1s", Over: OverWindow, Window: 2 * time.Second},
	}}
	cfg := Config{Profile: p, Target: srv.URL, Scenario: s, SLA: sla}

	var wholeSeen attempts
	start := time.Now().Add(300 * time.Millisecond).Truncate(time.Millisecond)
	base, cfg.Start = start, start
	wc := cfg
	wc.Outputs = []Output{&wholeSeen}
	whole := run(t, wc)

	start = time.Now().Add(300 * time.Millisecond).Truncate(time.Millisecond)
	base = start
	const n = 3
	parts := make([]*Part, n)
	seen := make([]*attempts, n)
	done := make(chan error, n)
	for i := range n {
		c := cfg
		seen[i] = &attempts{}
		c.Shard, c.Start, c.Outputs = Shard{i, n}, start, []Output{seen[i]}
		go func() {
			res, err := Run(t.Context(), c)
			if err == nil {
				parts[i] = res.Part()
			}
			done <- err
		}()
	}
	for range n {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	merged, err := Merge(parts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("whole: %d sent, p50 %.1f p95 %.1f ms, %s; merged: %d sent, p50 %.1f p95 %.1f ms, %s",
		whole.Requests.Sent, whole.Latency.P50MS, whole.Latency.P95MS, whole.Verdict,
		merged.Requests.Sent, merged.Latency.P50MS, merged.Latency.P95MS, merged.Verdict)
	// The shards partition the schedule: every arrival once. What was sent
	// of it is the machine's to say (a busy one leaves some unsent).
	mq, wq := merged.Requests, whole.Requests
	if mq.Scheduled != wq.Scheduled || mq.Sent+mq.NotSent != mq.Scheduled || merged.Shards != n ||
		mq.NotSent == 0 && wq.NotSent == 0 && (mq.Sent != wq.Sent || merged.Status["200"] != whole.Status["200"]) {
		t.Errorf("counts: merged %+v %v (%d shards), whole %+v %v", mq, merged.Status, merged.Shards, wq, whole.Status)
	}
	// Recorded outcomes, fed to one histogram: the same numbers exactly.
	if merged.Requests.NotSent == 0 {
		want := latencyOf(seen...)
		for _, q := range []struct {
			name string
			m, w float64
		}{{"p50", merged.Latency.P50MS, want.P50MS}, {"p95", merged.Latency.P95MS, want.P95MS},
			{"p99", merged.Latency.P99MS, want.P99MS}, {"max", merged.Latency.MaxMS, want.MaxMS}} {
			if q.m != q.w {
				t.Errorf("%s: merged %v ms, the shards' attempts %v ms", q.name, q.m, q.w)
			}
		}
		if got := latencyOf(&wholeSeen); got.P95MS != whole.Latency.P95MS {
			t.Errorf("whole p95 %v ms, its attempts %v ms", whole.Latency.P95MS, got.P95MS)
		}
	}
	// 40 % of requests sleep 120 ms: no machine makes them faster.
	for name, r := range map[string]*Result{"whole": whole, "merged": merged} {
		if r.Latency.P95MS < 120 || r.Thresholds[1].Status != ThresholdBreached {
			t.Errorf("%s: p95 %.1f ms, %s; want ≥ 120 ms, breached", name, r.Latency.P95MS, r.Thresholds[1].Status)
		}
	}
	// Each threshold of the merge agrees with the merged numbers.
	for i, th := range merged.Thresholds {
		if th.Actual == nil || th.Status != ThresholdPassed && th.Status != ThresholdBreached {
			continue
		}
		over := *th.Actual > sla.Thresholds[i].Limit
		if over != (th.Status == ThresholdBreached) {
			mj, _ := json.Marshal(th)
			t.Errorf("threshold %d: %s", i, mj)
		}
	}
	if th := merged.Thresholds[0]; th.Actual != nil && *th.Actual != merged.Latency.P50MS {
		t.Errorf("p50 threshold actual %v, merged p50 %v", *th.Actual, merged.Latency.P50MS)
	}
}
