package load

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
)

func setFaults(t *testing.T, ic *inspect.Client, name string, f inspect.Faults) {
	t.Helper()
	if err := ic.SetFaults(context.Background(), name, f); err != nil {
		t.Fatal(err)
	}
}

// A fixed added latency is what the report says, within 2 %.
func TestFixedLatencyIsReported(t *testing.T) {
	srv, ic, ps := startMock(t, "revosurge")
	const added = time.Second
	setFaults(t, ic, "revosurge", inspect.Faults{Latency: &inspect.Latency{Dist: inspect.Fixed, Fixed: inspect.Duration(added)}})
	s := scenario(t, 100, 2*time.Second)
	s.LagTolerance = 10 * time.Millisecond
	var seen *attempts
	res := valid(t, func() *Result {
		seen = &attempts{}
		return run(t, Config{Profile: ps[0], Target: srv.URL, Scenario: s, Outputs: []Output{seen}})
	})
	want := float64(added / time.Millisecond)
	t.Logf("added %s: p50 %.2f ms, p95 %.2f ms (%+.2f %%)", added, res.Latency.P50MS, res.Latency.P95MS, (res.Latency.P95MS-want)/want*100)
	// The report is the attempts' own numbers, and none of them came back
	// sooner than the added second. No upper bound tighter than the machine
	// allows: a busy one adds its own delay on top (how much is its jitter).
	if got := latencyOf(seen); res.Requests.NotSent == 0 && (got.P50MS != res.Latency.P50MS || got.P95MS != res.Latency.P95MS || got.Count != res.Latency.Count) {
		t.Errorf("reported p50 %v p95 %v ms of %d, the attempts' %v %v of %d", res.Latency.P50MS, res.Latency.P95MS, res.Latency.Count, got.P50MS, got.P95MS, got.Count)
	}
	if res.Latency.MinMS < want*0.999 { // 0.1 %: the histogram's precision
		t.Errorf("min %.2f ms: want every request ≥ the added %.0f ms", res.Latency.MinMS, want)
	}
	if res.Verdict != Breached || res.Breached()[0].Metric != "p95" {
		t.Errorf("verdict %s, want breached on p95 (1 s is over the default 500 ms)", res.Verdict)
	}
}

// A 2 s stall shows in the percentiles although only 20 requests may be in
// flight: latency runs from the scheduled send, not from the actual one.
func TestStallIsVisibleWithBoundedConcurrency(t *testing.T) {
	srv, ic, ps := startMock(t, "revosurge")
	s := scenario(t, 100, 4*time.Second)
	s.MaxInFlight = 20
	// Waiting on a stalled target is not generator lag; a generator that fell
	// behind anyway was on a machine too busy to tell service times apart.
	res := onSchedule(t, func() *Result {
		setFaults(t, ic, "revosurge", inspect.Faults{Stall: &inspect.Stall{From: time.Now().Add(time.Second), For: inspect.Duration(2 * time.Second)}})
		return run(t, Config{Profile: ps[0], Target: srv.URL, Scenario: s})
	})
	t.Logf("2 s stall, %d in flight: p90 %.0f ms, p95 %.0f ms, p99 %.0f ms; service time p90 %.1f ms, p95 %.0f ms", s.MaxInFlight,
		res.Latency.P90MS, res.Latency.P95MS, res.Latency.P99MS, res.Service.P90MS, res.Service.P95MS)
	if res.Latency.P99MS < 1800 || res.Latency.P95MS < 1200 {
		t.Errorf("p95 %.0f ms, p99 %.0f ms: want the 2 s stall visible (p95 ≥ 1200, p99 ≥ 1800)", res.Latency.P95MS, res.Latency.P99MS)
	}
	// What a closed-loop tool would have reported: only the requests that
	// held a slot saw the stall.
	if res.Service.P90MS > 500 { // a quarter of the stall: holds on a busy machine
		t.Errorf("service p90 %.0f ms, want < 500 (only the %d in-flight requests were held)", res.Service.P90MS, s.MaxInFlight)
	}
	if res.Generator.CapWaits == 0 {
		t.Errorf("cap waits 0, want > 0: every slot was held during the stall")
	}
	// The stall ends before the run; a machine too busy to drain the backlog
	// in the time left may still leave some unsent, but then charged to the
	// target that held every slot, never to the generator.
	if q := res.Requests; q.NotSent > 0 {
		held := false
		for _, e := range res.Errors {
			held = held || e.Class == classNotSent && strings.Contains(e.Example, "held by the target")
		}
		if !held || res.Generator.FellBehind {
			t.Errorf("not sent %d, errors %+v, generator %+v: want them charged to the target", q.NotSent, res.Errors, res.Generator)
		}
	}
}

// 1.5 % of requests answered 500 breaches the 99.5 % availability of the
// seed, given 2,000 requests: the whole interval is then below the limit.
func TestInjectedErrorsBreachAvailability(t *testing.T) {
	srv, ic, ps := startMock(t, "revosurge")
	setFaults(t, ic, "revosurge", inspect.Faults{ErrorRate: 0.015})
	res := valid(t, func() *Result {
		return run(t, Config{Profile: ps[0], Target: srv.URL, Scenario: scenario(t, 500, 4*time.Second)})
	})
	if res.Verdict != Breached {
		t.Fatalf("verdict %s, want breached", res.Verdict)
	}
	var breached []string
	for _, th := range res.Breached() {
		breached = append(breached, th.Metric)
	}
	// A busy machine may breach latency too; availability it only lowers.
	if !slices.Contains(breached, "availability") || res.Availability > 0.99 {
		t.Errorf("breached %v, availability %.4f: want availability breached, at most 0.99", breached, res.Availability)
	}
	// The share of 500s among the answers is the mock's, not the machine's:
	// 1.5 % within 4.5 standard deviations.
	var answered uint64
	for code, n := range res.Status {
		if _, err := strconv.Atoi(code); err == nil {
			answered += n
		}
	}
	mean := 0.015 * float64(answered)
	if k := float64(res.Status["500"]); math.Abs(k-mean) > 4.5*math.Sqrt(mean*0.985)+1 {
		t.Errorf("%v 500s of %d answers, want about 1.5 %% (%.0f)", k, answered, mean)
	}
}

// Replays against a receiver without idempotency are recorded again: the
// duplicate rate follows the replay ratio. Postback is idempotent: 0.
func TestDuplicateRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		giveInspect bool
		giveBroken  bool // the mock stops honouring the profile's idempotency rule
		wantSource  string
		wantZero    bool
	}{
		{name: "revosurge", giveInspect: true, wantSource: "journal"},
		{name: "postback", giveInspect: true, wantSource: "journal", wantZero: true},
		{name: "postback", giveInspect: false, wantSource: "response-flag", wantZero: true},
		{name: "postback", giveInspect: false, giveBroken: true, wantSource: "response-flag"},
		{name: "postback", giveInspect: true, giveBroken: true, wantSource: "journal"},
	}
	for _, tt := range tests {
		t.Run(tt.name+map[bool]string{true: "/journal", false: "/flag"}[tt.giveInspect]+map[bool]string{true: "/broken"}[tt.giveBroken], func(t *testing.T) {
			t.Parallel()
			srv, ic, ps := startMock(t, tt.name)
			if tt.giveBroken {
				setFaults(t, ic, tt.name, inspect.Faults{Break: []string{ps[0].Dedupe.Rule}})
			}
			s := scenario(t, 200, 2*time.Second)
			s.Replay = 0.2
			cfg := Config{Profile: ps[0], Target: srv.URL, Scenario: s}
			if tt.giveInspect {
				cfg.Inspect = srv.URL
			}
			res := run(t, cfg)
			rv := res.Receiver
			if rv.Source != tt.wantSource || rv.DuplicateRate == nil {
				t.Fatalf("source %q rate %v, want %q measured (notes %v)", rv.Source, rv.DuplicateRate, tt.wantSource, rv.Notes)
			}
			// A replay repeats an acknowledged request: on a busy machine the
			// first answers come late and the share falls below the 20 %
			// asked for. Enough replays to compare is what the check needs;
			// the rate is compared with the share actually sent.
			replayShare := float64(res.Requests.Replays) / float64(res.Requests.Sent)
			if res.Requests.Replays < 20 {
				t.Fatalf("replays %d of %d, want at least 20 (20 %% asked)", res.Requests.Replays, res.Requests.Sent)
			}
			want := replayShare
			if tt.wantZero {
				want = 0
			}
			if got := *rv.DuplicateRate; math.Abs(got-want) > 0.01 {
				t.Errorf("duplicate rate %.4f, want %.4f", got, want)
			}
			if rv.Lost != nil && *rv.Lost != 0 {
				t.Errorf("lost %d, want 0", *rv.Lost)
			}
		})
	}
}

// A generator that cannot keep to the schedule makes the run invalid, not
// passed: the target was never offered the rate.
func TestGeneratorLagMakesRunInvalid(t *testing.T) {
	t.Parallel()
	srv, _, ps := startMock(t, "revosurge")
	cfg := Config{Profile: ps[0], Target: srv.URL, Scenario: scenario(t, 1000, time.Second),
		build: func() { time.Sleep(2 * time.Millisecond) }} // at most 500 requests a second
	res := run(t, cfg)
	if res.Verdict != Invalid {
		t.Fatalf("verdict %s, want invalid", res.Verdict)
	}
	if !res.Generator.FellBehind || res.Generator.Late == 0 {
		t.Errorf("generator %+v, want fell behind with late requests", res.Generator)
	}
	// Requests never sent count against availability (docs/load.md).
	q := res.Requests
	if want := float64(q.Acknowledged) / float64(q.Attempts+q.NotSent); q.NotSent == 0 || math.Abs(res.Availability-want) > 1e-6 {
		t.Errorf("availability %v with %d not sent, want %v", res.Availability, q.NotSent, want)
	}
}

// A lagging generator against a receiver failing half its requests: the
// breach stands without the generator's share, so the run failed (generator
// lagged) rather than being only invalid.
func TestClearBreachWithLaggingGeneratorFails(t *testing.T) {
	srv, ic, ps := startMock(t, "revosurge")
	setFaults(t, ic, "revosurge", inspect.Faults{ErrorRate: 0.5})
	cfg := Config{Profile: ps[0], Target: srv.URL, Scenario: scenario(t, 1000, time.Second),
		build: func() { time.Sleep(2 * time.Millisecond) }}
	res := run(t, cfg)
	if res.Verdict != Breached || !res.GeneratorLagged || len(res.Reasons) == 0 {
		t.Fatalf("verdict %s, lagged %v, reasons %v; want breached (generator lagged)", res.Verdict, res.GeneratorLagged, res.Reasons)
	}
}

// The case at the engine: a receiver answering 1.5 % 500s never
// passes at 800 requests; when the run cannot tell, it says so and how many
// requests would.
func TestSmallSampleNeverPasses(t *testing.T) {
	srv, ic, ps := startMock(t, "revosurge")
	setFaults(t, ic, "revosurge", inspect.Faults{ErrorRate: 0.015})
	for range 3 {
		res := valid(t, func() *Result {
			return run(t, Config{Profile: ps[0], Target: srv.URL, Scenario: scenario(t, 400, 2*time.Second)})
		})
		var av *ThresholdResult
		for i := range res.Thresholds {
			if res.Thresholds[i].Metric == "availability" {
				av = &res.Thresholds[i]
			}
		}
		t.Logf("availability %v [%v, %v]: %s, needs %d", *av.Actual, *av.Low, deref(av.High), av.Status, av.Needed)
		if av.Status == ThresholdPassed || res.Verdict == Passed {
			t.Fatalf("passed at %d requests with availability %v", av.Samples, *av.Actual)
		}
		if res.Verdict == Inconclusive && av.Needed <= av.Samples {
			t.Errorf("inconclusive, needs %d requests, want more than the %d it had", av.Needed, av.Samples)
		}
	}
}

// After an interrupt the summary divides by the time the run really took and
// reports no loss for events still on their way.
func TestInterruptedRunIsHonest(t *testing.T) {
	srv, _, ps := startMock(t, "revosurge")
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	s := scenario(t, 200, 10*time.Second)
	res, err := Run(ctx, Config{Profile: ps[0], Target: srv.URL, Inspect: srv.URL, Scenario: s})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != Invalid {
		t.Errorf("verdict %s, want invalid", res.Verdict)
	}
	if res.ElapsedMS > 5000 { // half the schedule: a busy machine drains slowly, never that slowly
		t.Errorf("elapsed %.0f ms, want the 1.5 s the run took, not the 10 s scheduled", res.ElapsedMS)
	}
	// Divided by the time the run took (the attempts it counts over its own
	// elapsed time), not by the 10 s scheduled: exact on any machine.
	if want := float64(res.Requests.Attempts) / (res.ElapsedMS / 1000); math.Abs(res.Throughput.Sent-want) > 0.01*want+0.01 {
		t.Errorf("throughput %+v, want %.2f/s: %d attempts over the %.0f ms the run took", res.Throughput, want, res.Requests.Attempts, res.ElapsedMS)
	}
	if rv := res.Receiver; rv.Lost != nil && *rv.Lost != 0 {
		t.Errorf("lost %d after an interrupt (unsettled %d), want 0", *rv.Lost, rv.Unsettled)
	}
}

// Large batches outgrow the journal's body cut: events are still matched one
// by one through the keys the receiver journals with them, so duplicates and
// losses are measured, not inferred from counters.
func TestBatchesAreMatchedByJournaledKeys(t *testing.T) {
	t.Parallel()
	srv, _, ps := startMock(t, "dingyue")
	s := scenario(t, 50, 2*time.Second)
	s.Batch, s.Replay = 50, 0.2
	res := run(t, Config{Profile: ps[0], Target: srv.URL, Inspect: srv.URL, Scenario: s})
	rv := res.Receiver
	if rv.Source != "journal" || rv.DuplicateRate == nil || rv.Lost == nil {
		t.Fatalf("source %q, duplicate rate %v, lost %v; want journal measurements (notes %v)", rv.Source, rv.DuplicateRate, rv.Lost, rv.Notes)
	}
	for _, n := range rv.Notes {
		if strings.Contains(n, "could not account") {
			t.Fatalf("fell back to counters: %s", n)
		}
	}
	if *rv.Lost != 0 {
		t.Errorf("lost %d, want 0", *rv.Lost)
	}
	if share := float64(res.Requests.Replays) / float64(res.Requests.Sent); math.Abs(*rv.DuplicateRate-share) > 0.02 {
		t.Errorf("duplicate rate %.3f, want about the replay share %.3f", *rv.DuplicateRate, share)
	}
}

// The report gives the batch size the run used: the scenario's request capped
// by the endpoint's limit.
func TestReportedBatchIsTheCappedOne(t *testing.T) {
	t.Parallel()
	srv, _, ps := startMock(t, "revosurge")
	s := scenario(t, 2, time.Second)
	s.Endpoints, s.Batch = map[string]int{"batch": 1}, 5000
	res := run(t, Config{Profile: ps[0], Target: srv.URL, Scenario: s})
	e, _ := ps[0].Endpoint("batch")
	if res.Scenario.Batch != e.MaxItems {
		t.Fatalf("reported batch %d, want the endpoint's cap %d", res.Scenario.Batch, e.MaxItems)
	}
}
