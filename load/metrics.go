package load

import (
	"math"
	"slices"
)

type unit string

const (
	unitMS    unit = "ms"
	unitRatio unit = "ratio"
	unitRate  unit = "rps"
)

// metric is one measurable of a run: its unit, what it means, and how its
// value is read from a finished run (run) and, for windowed metrics, from a
// rolling window's traffic (window). A metric's value lives here and nowhere
// else.
type metric struct {
	unit      unit
	about     string
	quantile  float64 // latency percentile, 0 for others
	smallIsOK bool    // the natural bound is a maximum
	// run returns the metric over the whole run; false (and why) when the run
	// could not measure it.
	run func(*Result) (float64, bool, string)
	// window returns the metric over one rolling window; nil for metrics only
	// measured over the whole run.
	window func(*aggregate) (float64, bool)
}

func (m metric) windowed() bool { return m.window != nil }

const (
	noLatency  = "no request completed"
	noSchedule = "no request scheduled"
)

// latencyAt is a percentile of the run's latency, as summarize wrote it.
func latencyAt(q float64) func(*Result) (float64, bool, string) {
	return func(r *Result) (float64, bool, string) {
		l := r.Latency
		if l.Count == 0 {
			return 0, false, noLatency
		}
		switch q {
		case 50:
			return l.P50MS, true, ""
		case 90:
			return l.P90MS, true, ""
		case 95:
			return l.P95MS, true, ""
		case 99:
			return l.P99MS, true, ""
		case 99.9:
			return l.P999MS, true, ""
		}
		return l.MaxMS, true, ""
	}
}

func windowAt(q float64) func(*aggregate) (float64, bool) {
	return func(a *aggregate) (float64, bool) {
		if a.requests == 0 {
			return 0, false
		}
		return ms(a.hist.ValueAtQuantile(q)), true
	}
}

// receiverRate is a rate the receiver side measured (nil: not measured).
func receiverRate(get func(*Receiver) *float64, why string) func(*Result) (float64, bool, string) {
	return func(r *Result) (float64, bool, string) {
		v := get(&r.Receiver)
		if v == nil {
			return 0, false, why
		}
		return *v, true, ""
	}
}

func ingestLag(get func(*Latency) float64) func(*Result) (float64, bool, string) {
	return func(r *Result) (float64, bool, string) {
		if r.Receiver.IngestLag == nil {
			return 0, false, "not measured: needs a read-back of the receiver's records"
		}
		return get(r.Receiver.IngestLag), true, ""
	}
}

func share(num, den uint64) (float64, bool) {
	if den == 0 {
		return 0, false
	}
	return float64(num) / float64(den), true
}

// metrics is the catalogue of what an SLA may name.
var metrics = map[string]metric{
	"p50":         {unit: unitMS, quantile: 50, smallIsOK: true, about: "median latency from the scheduled send time", run: latencyAt(50), window: windowAt(50)},
	"p90":         {unit: unitMS, quantile: 90, smallIsOK: true, about: "90th percentile latency", run: latencyAt(90), window: windowAt(90)},
	"p95":         {unit: unitMS, quantile: 95, smallIsOK: true, about: "95th percentile latency", run: latencyAt(95), window: windowAt(95)},
	"p99":         {unit: unitMS, quantile: 99, smallIsOK: true, about: "99th percentile latency", run: latencyAt(99), window: windowAt(99)},
	"p99.9":       {unit: unitMS, quantile: 99.9, smallIsOK: true, about: "99.9th percentile latency", run: latencyAt(99.9), window: windowAt(99.9)},
	"max_latency": {unit: unitMS, quantile: 100, smallIsOK: true, about: "slowest answer", run: latencyAt(100), window: windowAt(100)},
	"mean_latency": {unit: unitMS, smallIsOK: true, about: "mean latency",
		run: func(r *Result) (float64, bool, string) {
			if r.Latency.Count == 0 {
				return 0, false, noLatency
			}
			return r.Latency.MeanMS, true, ""
		},
		window: func(a *aggregate) (float64, bool) {
			if a.requests == 0 {
				return 0, false
			}
			return a.hist.Mean() / 1000, true
		}},
	"availability": {unit: unitRatio, about: "share of requests answered 2xx (429, 5xx, timeouts, connection errors, not sent count against)",
		run: func(r *Result) (float64, bool, string) {
			return r.Availability, r.Requests.Scheduled > 0, noSchedule
		},
		window: func(a *aggregate) (float64, bool) { return share(a.available, a.requests) }},
	"error_rate": {unit: unitRatio, smallIsOK: true, about: "1 - availability",
		run: func(r *Result) (float64, bool, string) {
			return r.ErrorRate, r.Requests.Scheduled > 0, noSchedule
		},
		window: func(a *aggregate) (float64, bool) { return share(a.requests-a.available, a.requests) }},
	"rate_limited": {unit: unitRatio, smallIsOK: true, about: "share of answers that were 429",
		run: func(r *Result) (float64, bool, string) {
			return r.RateLimited, r.Requests.Attempts > 0, "no answer"
		},
		window: func(a *aggregate) (float64, bool) { return share(a.rateLimited, a.answered) }},
	"throughput": {unit: unitRate, about: "2xx answers per second",
		run: func(r *Result) (float64, bool, string) { return r.Throughput.Acknowledged, true, "" },
		window: func(a *aggregate) (float64, bool) {
			if a.requests == 0 || a.span <= 0 {
				return 0, false
			}
			return float64(a.available) / a.span.Seconds(), true
		}},
	"retry_rate": {unit: unitRatio, smallIsOK: true, about: "retries per first attempt",
		run: func(r *Result) (float64, bool, string) {
			return r.RetryRate, r.Requests.Sent > 0, "no request sent"
		}},
	"duplicate_rate": {unit: unitRatio, smallIsOK: true, about: "events recorded more than once per acknowledged event",
		run: receiverRate(func(r *Receiver) *float64 { return r.DuplicateRate }, "not measured: needs a read-back of the receiver's records, or replies carrying a replay flag")},
	"loss_rate": {unit: unitRatio, smallIsOK: true, about: "acknowledged events never recorded per acknowledged event",
		run: receiverRate(func(r *Receiver) *float64 { return r.LossRate }, "not measured: needs a read-back of the receiver's records")},
	"ingest_lag_mean": {unit: unitMS, smallIsOK: true, about: "mean time from acknowledgement to visible in the receiver's records",
		run: ingestLag(func(l *Latency) float64 { return l.MeanMS })},
	"ingest_lag_p95": {unit: unitMS, smallIsOK: true, about: "95th percentile ingest lag",
		run: ingestLag(func(l *Latency) float64 { return l.P95MS })},
	"ingest_lag_max": {unit: unitMS, smallIsOK: true, about: "largest ingest lag",
		run: ingestLag(func(l *Latency) float64 { return l.MaxMS })},
	"discrepancy": {unit: unitRatio, smallIsOK: true, about: "|recorded - acknowledged unique events| / acknowledged unique events",
		run: receiverRate(func(r *Receiver) *float64 { return r.Discrepancy }, "not measured: needs the receiver's counters or a read-back of its records")},
}

// Metrics lists the metric names an SLA may use, sorted.
func Metrics() []string {
	var names []string
	for n := range metrics {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// runValue returns a run-level metric for the SLA.
func runValue(res *Result) func(string) (float64, bool, string) {
	return func(name string) (float64, bool, string) {
		m, ok := metrics[name]
		if !ok {
			return 0, false, "unknown metric"
		}
		return m.run(res)
	}
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
