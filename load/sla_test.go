package load

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseSLA(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		give    string
		want    []Threshold
		wantErr string
	}{
		{name: "seed defaults written out", give: `
thresholds:
  - {metric: p95, max: 500ms}
  - {metric: availability, min: 99.5%}
  - {metric: ingest_lag_mean, max: 60s}
  - {metric: discrepancy, max: "0.03"}
`, want: []Threshold{
			{Metric: "p95", Op: "<=", Limit: 500, Raw: "500ms", Over: OverRun},
			{Metric: "availability", Op: ">=", Limit: 0.995, Raw: "99.5%", Over: OverRun},
			{Metric: "ingest_lag_mean", Op: "<=", Limit: 60000, Raw: "60s", Over: OverRun},
			{Metric: "discrepancy", Op: "<=", Limit: 0.03, Raw: "0.03", Over: OverRun},
		}},
		{name: "windows", give: `
window: 1m
thresholds:
  - {metric: p99, max: 2s, over: window}
  - {metric: throughput, min: 400/s, over: window, window: 10s}
`, want: []Threshold{
			{Metric: "p99", Op: "<=", Limit: 2000, Raw: "2s", Over: OverWindow, Window: time.Minute},
			{Metric: "throughput", Op: ">=", Limit: 400, Raw: "400/s", Over: OverWindow, Window: 10 * time.Second},
		}},
		{name: "unknown metric", give: "thresholds:\n  - {metric: p96, max: 1s}", wantErr: `thresholds[0] (p96): invalid SLA: unknown metric "p96"`},
		{name: "latency limit not a duration", give: "thresholds:\n  - {metric: p95, max: 500}", wantErr: `thresholds[0] (p95): invalid SLA: limit "500": want a duration`},
		{name: "ratio over 100 %", give: "thresholds:\n  - {metric: availability, min: 150%}", wantErr: `limit "150%"`},
		{name: "both bounds", give: "thresholds:\n  - {metric: p95, max: 1s, min: 1ms}", wantErr: "max and min are exclusive"},
		{name: "no bound", give: "thresholds:\n  - {metric: p95}", wantErr: "want max or min"},
		{name: "run-only metric over a window", give: "window: 1m\nthresholds:\n  - {metric: discrepancy, max: 3%, over: window}", wantErr: "only measured over the whole run"},
		{name: "window without length", give: "thresholds:\n  - {metric: p95, max: 1s, over: window}", wantErr: "needs a window"},
		{name: "bad over", give: "thresholds:\n  - {metric: p95, max: 1s, over: month}", wantErr: `over "month"`},
		{name: "unknown key", give: "thresholds:\n  - {metric: p95, maximum: 1s}", wantErr: "thresholds[0].maximum: unknown key (line 2); valid keys: max, metric, min, over, window"},
		{name: "empty", give: "", wantErr: "no thresholds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSLA([]byte(tt.give))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrSLA) {
					t.Fatalf("got %v, want an ErrSLA containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Thresholds) != len(tt.want) {
				t.Fatalf("got %d thresholds, want %d", len(got.Thresholds), len(tt.want))
			}
			for i, th := range got.Thresholds {
				w := tt.want[i]
				if th.Metric != w.Metric || th.Op != w.Op || th.Raw != w.Raw || th.Over != w.Over || th.Window != w.Window || th.Limit-w.Limit > 1e-9 || w.Limit-th.Limit > 1e-9 {
					t.Errorf("threshold %d: got %+v, want %+v", i, th, w)
				}
			}
		})
	}
}

// A window threshold is judged on the worst rolling window: one bad second
// in an otherwise fast run breaches a 1 s p95, and the report says where.
func TestWorstWindowCounts(t *testing.T) {
	t.Parallel()
	sla := &SLA{Thresholds: []Threshold{
		{Metric: "p95", Op: "<=", Limit: 100, Raw: "100ms", Over: OverRun},
		{Metric: "p95", Op: "<=", Limit: 100, Raw: "100ms", Over: OverWindow, Window: 2 * time.Second},
		{Metric: "availability", Op: ">=", Limit: 0.99, Raw: "99%", Over: OverWindow, Window: 2 * time.Second},
	}}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := newRecorder(start, time.Second, 10*time.Millisecond, sla)
	for sec := range 10 {
		for i := range 100 {
			lat := 5 * time.Millisecond
			class, status := class2xx, 200
			if sec == 6 && i < 20 {
				lat = 900 * time.Millisecond // a slow second: 2 % of the run, 10 % of its windows
			}
			if sec == 3 && i < 5 {
				class, status = class5xx, 500
			}
			at := start.Add(time.Duration(sec)*time.Second + time.Duration(i)*10*time.Millisecond)
			rec.record(&outcome{class: class, status: status, latency: lat, service: lat, events: 1, first: true, at: at})
		}
	}
	rec.finish(start.Add(10 * time.Second))
	if got := len(rec.timeline); got != 10 {
		t.Fatalf("got %d slices, want 10", got)
	}
	run := &Result{Latency: Latency{Count: 1000}, Requests: Counts{Scheduled: 1000, Attempts: 1000, Acknowledged: 995}}
	res := sla.evaluate(&measured{res: run, latency: rec.overall, trials: 1000}, rec.worst)
	tests := []struct {
		i          int
		wantStatus string
		wantAt     float64
	}{
		{0, ThresholdPassed, -1},
		{1, ThresholdBreached, 5}, // windows [5,7) and [6,8) both hold the slow second; the first found stays
		{2, ThresholdBreached, 2},
	}
	for _, tt := range tests {
		got := res[tt.i]
		if got.Status != tt.wantStatus {
			t.Errorf("threshold %d (%s %s): got %s, want %s (actual %v)", tt.i, got.Metric, got.Over, got.Status, tt.wantStatus, *got.Actual)
		}
		if tt.wantAt >= 0 && (got.WorstAtS == nil || *got.WorstAtS != tt.wantAt) {
			t.Errorf("threshold %d: worst window at %v, want %v", tt.i, got.WorstAtS, tt.wantAt)
		}
	}
	if a := *res[2].Actual; a != 0.975 {
		t.Errorf("worst availability %v, want 0.975 (5 errors in 200)", a)
	}
}

func TestUnmeasuredThresholdIsSkipped(t *testing.T) {
	run := &Result{Latency: Latency{Count: 1, P95MS: 1}, Requests: Counts{Scheduled: 100_000, Attempts: 100_000, Acknowledged: 100_000},
		Receiver: Receiver{IngestLag: &Latency{MeanMS: 1}}}
	res := DefaultSLA(nil, 0).evaluate(&measured{res: run, trials: 100_000}, nil)
	for _, r := range res {
		want := ThresholdPassed
		switch r.Metric {
		case "discrepancy":
			want = ThresholdSkipped
		case "availability":
			want = ThresholdPassed
		}
		if r.Status != want {
			t.Errorf("%s: got %s, want %s", r.Metric, r.Status, want)
		}
	}
}
