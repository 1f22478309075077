package load

import (
	"fmt"
	"time"
)

// ResultSchema names the version of the load.json layout; a reader refuses
// another. Fields are only ever added.
const ResultSchema = "s2s-load/1"

// Result verdicts.
const (
	Passed   = "passed"   // every threshold met
	Breached = "breached" // at least one threshold missed
	Invalid  = "invalid"  // the run does not measure the target (generator fell behind, interrupted)
	// Inconclusive: no threshold missed, but at least one confidence interval
	// straddles its limit: the run was too small to tell.
	Inconclusive = "inconclusive"
)

// Threshold outcomes.
const (
	ThresholdPassed   = "passed"
	ThresholdBreached = "breached"
	ThresholdSkipped  = "skipped" // the metric could not be measured in this run
	// ThresholdInconclusive: the confidence interval straddles the limit; a
	// larger run decides.
	ThresholdInconclusive = "inconclusive"
)

// Result is the result of one `s2s load` run: what load.json holds and what the
// Markdown, HTML and JUnit renderings show. Durations are milliseconds (the
// `_ms` fields), ratios are fractions in [0, 1], rates are per second. A
// metric the run could not measure is null, never 0.
type Result struct {
	Schema   string      `json:"schema"`
	Version  string      `json:"version"` // s2s version that ran it
	Profile  string      `json:"profile"`
	Target   string      `json:"target"`
	Inspect  string      `json:"inspect,omitempty"` // inspection API used for receiver-side metrics
	Scenario RunScenario `json:"scenario"`
	Started  time.Time   `json:"started"`
	Finished time.Time   `json:"finished"`
	// ElapsedMS is the wall time from the first scheduled request to the last answer.
	ElapsedMS float64 `json:"elapsed_ms"`

	Verdict string   `json:"verdict"`           // passed, breached, inconclusive or invalid
	Reasons []string `json:"reasons,omitempty"` // why a run is invalid, or why a breached one lagged
	// GeneratorLagged marks a breached run whose generator fell behind: the
	// breach holds even without the generator's share (verdict.go), so the
	// run failed although it did not offer the whole rate.
	GeneratorLagged bool `json:"generator_lagged,omitempty"`

	Requests     Counts            `json:"requests"`
	Throughput   Throughput        `json:"throughput"`
	Latency      Latency           `json:"latency"`      // from each request's scheduled send time
	Service      Latency           `json:"service_time"` // from the actual send (what a closed-loop tool reports)
	Availability float64           `json:"availability"`
	RateLimited  float64           `json:"rate_limited"` // share of answers that were 429
	ErrorRate    float64           `json:"error_rate"`   // 1 - availability
	RetryRate    float64           `json:"retry_rate"`   // retries / first attempts
	Status       map[string]uint64 `json:"status"`       // "200", "429", "timeout", "connection", "not_sent" → count
	Errors       []ErrorClass      `json:"errors,omitempty"`
	Endpoints    []Group           `json:"endpoints"`
	Classes      []Group           `json:"classes"` // by status class
	Generator    Generator         `json:"generator"`
	Receiver     Receiver          `json:"receiver"`
	// WindowS is the length of each entry of Windows, in seconds.
	WindowS    float64           `json:"window_s"`
	Windows    []Window          `json:"windows"`
	Thresholds []ThresholdResult `json:"thresholds"`
	// Shards is how many runners sent the schedule (s2s load merge); 0: one.
	Shards int `json:"shards,omitempty"`

	part *Part // a shard's measurements, for Merge
}

// RunScenario is the resolved scenario the run used.
type RunScenario struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Rate        float64        `json:"rate"` // base arrival rate per second; 0 for a closed-loop "max" probe
	DurationS   float64        `json:"duration_s"`
	Stages      []RunStage     `json:"stages,omitempty"`
	Endpoints   map[string]int `json:"endpoints,omitempty"` // weights; empty: the profile's own mix
	Batch       int            `json:"batch"`
	Replay      float64        `json:"replay"`
	Retry       *RunRetry      `json:"retry,omitempty"`
	MaxInFlight int            `json:"max_in_flight"`
	TimeoutMS   float64        `json:"timeout_ms"`
	Seed        int64          `json:"seed"`
}

// RunStage is one piece of the rate shape: the rate goes linearly from From
// to To per second over DurationS.
type RunStage struct {
	DurationS float64 `json:"duration_s"`
	From      float64 `json:"from"`
	To        float64 `json:"to"`
}

// RunRetry is the well-behaved client's policy.
type RunRetry struct {
	Max        int     `json:"max"`
	BaseMS     float64 `json:"base_ms"`
	CapMS      float64 `json:"cap_ms"`
	Jitter     string  `json:"jitter"`
	RetryAfter bool    `json:"retry_after"`
}

// Counts counts requests.
type Counts struct {
	Scheduled uint64 `json:"scheduled"` // arrivals the rate shape asked for
	Sent      uint64 `json:"sent"`      // first attempts sent (scheduled minus not sent)
	NotSent   uint64 `json:"not_sent"`  // scheduled but never sent by the end of the run
	Attempts  uint64 `json:"attempts"`  // every request on the wire, retries included
	Retries   uint64 `json:"retries"`
	// Resent counts retries the engine made at once because the receiver
	// closed a reused connection after the request was written and before any
	// answer: the receiver may hold such a request twice. They are in Retries.
	Resent uint64 `json:"resent"`
	// Aborted counts attempts on the wire when the run was interrupted: cut
	// short, they count neither for nor against the receiver.
	Aborted uint64 `json:"aborted,omitempty"`
	// Exhausted is how many requests still failed after the last retry (the
	// client's dead-letter queue).
	Exhausted uint64 `json:"exhausted"`
	Replays   uint64 `json:"replays"` // first attempts that re-sent an acknowledged request
	Events    uint64 `json:"events"`  // events carried by first attempts
	// Acknowledged counts attempts answered 2xx; AckedEvents the events they carried.
	Acknowledged uint64 `json:"acknowledged"`
	AckedEvents  uint64 `json:"acknowledged_events"`
}

// trials is availability's denominator: attempts that ended (not cut short by
// an interrupt) plus requests scheduled but never sent.
func (c Counts) trials() uint64 { return c.Attempts - min(c.Aborted, c.Attempts) + c.NotSent }

// Throughput is in requests per second over the run.
type Throughput struct {
	Offered      float64 `json:"offered"`      // scheduled / duration
	Sent         float64 `json:"sent"`         // attempts / elapsed
	Acknowledged float64 `json:"acknowledged"` // 2xx / elapsed
	Events       float64 `json:"events"`       // acknowledged events / elapsed
}

// Latency summarises a latency distribution.
type Latency struct {
	Count  uint64  `json:"count"`
	MinMS  float64 `json:"min_ms"`
	MeanMS float64 `json:"mean_ms"`
	P50MS  float64 `json:"p50_ms"`
	P90MS  float64 `json:"p90_ms"`
	P95MS  float64 `json:"p95_ms"`
	P99MS  float64 `json:"p99_ms"`
	P999MS float64 `json:"p999_ms"`
	MaxMS  float64 `json:"max_ms"`
	// Percentiles is the distribution for plots: percentile → ms.
	Percentiles []Percentile `json:"percentiles,omitempty"`
	// HDR is the full HdrHistogram (microseconds, V2 compressed, base64), so runs
	// can be merged and re-analysed.
	HDR string `json:"hdr,omitempty"`
}

// Percentile is one point of a distribution.
type Percentile struct {
	Percentile float64 `json:"percentile"`
	MS         float64 `json:"ms"`
}

// ErrorClass is one class of failure with an example.
type ErrorClass struct {
	Class   string `json:"class"` // 4xx, 429, 5xx, timeout, connection, not_sent
	Count   uint64 `json:"count"`
	Example string `json:"example,omitempty"`
}

// Group is the traffic of one endpoint or status class.
type Group struct {
	Name     string  `json:"name"`
	Requests uint64  `json:"requests"`
	Latency  Latency `json:"latency"`
}

// Generator says whether the load generator kept to the schedule. Lag is
// how late the generator itself dispatched a request; time spent waiting for
// an in-flight slot (the target being slow) is not lag.
type Generator struct {
	LagP99MS float64 `json:"lag_p99_ms"`
	LagMaxMS float64 `json:"lag_max_ms"`
	// Late counts requests dispatched more than ToleranceMS late by the generator.
	Late        uint64  `json:"late"`
	ToleranceMS float64 `json:"tolerance_ms"`
	// NotSent counts scheduled requests the generator itself never reached.
	NotSent uint64 `json:"not_sent"`
	// CapWaits counts requests that waited for an in-flight slot (the target
	// held every slot); their wait is part of their latency.
	CapWaits   uint64 `json:"cap_waits"`
	FellBehind bool   `json:"fell_behind"`
	// Added is the latency the engine itself adds to what it reports: from a
	// request's scheduled time to its first byte written, for requests that
	// did not wait for an in-flight slot (timer wake-up, hand-off, signing).
	AddedP50MS  float64 `json:"added_p50_ms"`
	AddedP99MS  float64 `json:"added_p99_ms"`
	AddedMeanMS float64 `json:"added_mean_ms"`
}

// Receiver holds what the receiver recorded, from its inspection API and
// the answers. Pointers are null when the run could not measure them.
type Receiver struct {
	// Source says how duplicates were counted: "journal", "response-flag",
	// "counters" or "" (not measured).
	Source string `json:"source,omitempty"`
	// SentEvents is the sender's count: unique events acknowledged.
	SentEvents uint64 `json:"sent_events"`
	// Recorded is the receiver's count of events recorded during the run (exact counters).
	Recorded *uint64 `json:"recorded,omitempty"`
	// Duplicates are events recorded more than once; DuplicateRate divides by acknowledged events.
	Duplicates    *uint64  `json:"duplicates,omitempty"`
	DuplicateRate *float64 `json:"duplicate_rate,omitempty"`
	// Lost are unique events acknowledged but not recorded within the horizon.
	Lost     *uint64  `json:"lost,omitempty"`
	LossRate *float64 `json:"loss_rate,omitempty"`
	// IngestLag: acknowledged → visible in the journal, at the poll resolution.
	IngestLag    *Latency `json:"ingest_lag,omitempty"`
	ResolutionMS float64  `json:"resolution_ms,omitempty"`
	// Discrepancy is |recorded - sent_events| / sent_events; Flagged above servicelevel.ReconcileAbove.
	Discrepancy *float64 `json:"discrepancy,omitempty"`
	Flagged     bool     `json:"flagged"`
	// Missed counts journal entries evicted before they were read; Unmatched
	// events whose key could not be read from the journal; Foreign events
	// recorded that this run did not send.
	Missed    uint64 `json:"missed"`
	Unmatched uint64 `json:"unmatched"`
	Foreign   uint64 `json:"foreign"`
	// Unsettled counts acknowledged events not yet recorded when an
	// interrupt cut the wait short: neither recorded nor lost, and left out
	// of the loss rate.
	Unsettled uint64   `json:"unsettled,omitempty"`
	Notes     []string `json:"notes,omitempty"`
	// StateReset, when set, says the receiver's state epoch changed during
	// the run (inspect.Health.Epoch): its state was reset or lost, nothing
	// above is measured, and the verdict is invalid.
	StateReset string `json:"state_reset,omitempty"`
}

// Window is one slice of the run's timeline, by completion time.
type Window struct {
	StartS float64 `json:"start_s"` // offset from the start of the run
	// SpanS is set on a last slice shorter than the others: the seconds it
	// covers (its Rate is over them).
	SpanS        float64 `json:"span_s,omitempty"`
	Requests     uint64  `json:"requests"`
	Rate         float64 `json:"rate"` // answers per second
	Availability float64 `json:"availability"`
	Errors       uint64  `json:"errors"`
	RateLimited  uint64  `json:"rate_limited"`
	P50MS        float64 `json:"p50_ms"`
	P95MS        float64 `json:"p95_ms"`
	P99MS        float64 `json:"p99_ms"`
	MaxMS        float64 `json:"max_ms"`
}

// ThresholdResult is one SLA threshold and what the run measured.
type ThresholdResult struct {
	Metric string `json:"metric"`
	Op     string `json:"op"`    // "<=" or ">="
	Limit  string `json:"limit"` // as written, e.g. "500ms", "99.5%"
	// Over is "run" or "window"; a window threshold is met when its worst
	// rolling window of WindowS seconds meets it.
	Over    string   `json:"over"`
	WindowS float64  `json:"window_s,omitempty"`
	Actual  *float64 `json:"actual,omitempty"` // in the metric's unit (ms, ratio, /s)
	Unit    string   `json:"unit"`             // ms, ratio or rps
	// WorstAtS is where the worst window starts, for window thresholds.
	WorstAtS *float64 `json:"worst_at_s,omitempty"`
	Status   string   `json:"status"` // passed, breached, inconclusive or skipped
	// The confidence interval of Actual at Confidence (e.g. 0.95): a Wilson
	// score interval for proportions, an order-statistic interval for latency
	// percentiles. High is absent when the samples cannot bound it. Absent
	// for metrics judged on their value alone.
	Confidence float64  `json:"confidence,omitempty"`
	Low        *float64 `json:"low,omitempty"`
	High       *float64 `json:"high,omitempty"`
	// Samples is the interval's sample size, counted in SampleUnit
	// (requests, answers or events).
	Samples    uint64 `json:"samples,omitempty"`
	SampleUnit string `json:"sample_unit,omitempty"`
	// Needed is, for an inconclusive threshold, how many samples a run with
	// the same observed value needs for a decisive verdict (0: none would do).
	Needed uint64 `json:"needed,omitempty"`
	Note   string `json:"note,omitempty"`
}

// Validate checks a Result read back from disk is one this version renders.
func (l *Result) Validate() error {
	if l.Schema != ResultSchema {
		return fmt.Errorf("load report schema %q: want %q", l.Schema, ResultSchema)
	}
	switch l.Verdict {
	case Passed, Breached, Invalid, Inconclusive:
	default:
		return fmt.Errorf("load report verdict %q: want passed, breached, inconclusive or invalid", l.Verdict)
	}
	return nil
}

// Inconclusive reports the thresholds the run was too small to judge.
func (l *Result) Inconclusive() []ThresholdResult {
	var out []ThresholdResult
	for _, t := range l.Thresholds {
		if t.Status == ThresholdInconclusive {
			out = append(out, t)
		}
	}
	return out
}

// Breached reports the thresholds the run missed.
func (l *Result) Breached() []ThresholdResult {
	var out []ThresholdResult
	for _, t := range l.Thresholds {
		if t.Status == ThresholdBreached {
			out = append(out, t)
		}
	}
	return out
}

// Part is what a shard of a sharded run leaves for Merge (nil for a whole run).
func (r *Result) Part() *Part { return r.part }
