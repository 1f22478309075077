package load

import (
	"math"
	"slices"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
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
	// run returns the metric over the whole run.
	run func(*measured) estimate
	// window returns the metric over one rolling window; nil for metrics only
	// measured over the whole run.
	window func(*aggregate) estimate
}

func (m metric) windowed() bool { return m.window != nil }

// measured is what a run's metrics are read from: the result, and the
// latency distribution the percentiles come from. The availability trials are
// here, not derived from the result, so that a verdict can also be taken
// without the requests the generator itself never sent (verdict.go).
type measured struct {
	res     *Result
	latency *hdr.Histogram // nil: use the result's summary, no interval
	trials  uint64         // availability's denominator
}

// estimate is a metric's value over a run or a window, with what its
// confidence interval needs: k of n trials for a proportion, the
// distribution for a percentile, nothing for the rest (judged as measured).
type estimate struct {
	value float64
	ok    bool
	why   string // why not measured

	proportion bool
	k, n       uint64
	trials     string // what n counts: requests, answers, events

	hist *hdr.Histogram // µs
	q    float64
}

func notMeasured(why string) estimate { return estimate{why: why} }

func point(v float64) estimate { return estimate{value: v, ok: true} }

// ratio is a proportion estimate, k of n.
func ratio(k, n uint64, trials, why string) estimate {
	if n == 0 {
		return notMeasured(why)
	}
	k = min(k, n)
	return estimate{value: float64(k) / float64(n), ok: true, proportion: true, k: k, n: n, trials: trials}
}

const (
	noLatency  = "no request completed"
	noSchedule = "no request scheduled"
	noReadBack = "not measured: needs a read-back of the receiver's records"
)

// latencyAt is a percentile of the run's latency.
func latencyAt(q float64) func(*measured) estimate {
	return func(m *measured) estimate {
		l := m.res.Latency
		if l.Count == 0 {
			return notMeasured(noLatency)
		}
		v := l.MaxMS
		switch q {
		case 50:
			v = l.P50MS
		case 90:
			v = l.P90MS
		case 95:
			v = l.P95MS
		case 99:
			v = l.P99MS
		case 99.9:
			v = l.P999MS
		}
		if m.latency != nil {
			v = ms(m.latency.ValueAtQuantile(q))
		}
		e := point(v)
		if q < 100 {
			e.hist, e.q = m.latency, q
		}
		return e
	}
}

func windowAt(q float64) func(*aggregate) estimate {
	return func(a *aggregate) estimate {
		if a.requests == 0 {
			return notMeasured(noLatency)
		}
		e := point(ms(a.hist.ValueAtQuantile(q)))
		if q < 100 {
			e.hist, e.q = a.hist, q
		}
		return e
	}
}

// receiverShare is a proportion the receiver side measured (nil: not measured).
func receiverShare(get func(*Result) (k *uint64, n uint64), why string) func(*measured) estimate {
	return func(m *measured) estimate {
		k, n := get(m.res)
		if k == nil {
			return notMeasured(why)
		}
		return ratio(*k, n, "events", why)
	}
}

func ingestLag(get func(*Latency) float64) func(*measured) estimate {
	return func(m *measured) estimate {
		if m.res.Receiver.IngestLag == nil {
			return notMeasured(noReadBack)
		}
		return point(get(m.res.Receiver.IngestLag))
	}
}

// answered counts attempts that got an HTTP answer, from the status counts.
func answered(status map[string]uint64) (n, limited uint64) {
	for k, c := range status {
		if k != "" && k[0] >= '1' && k[0] <= '5' {
			n += c
		}
	}
	return n, status["429"]
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
		run: func(m *measured) estimate {
			if m.res.Latency.Count == 0 {
				return notMeasured(noLatency)
			}
			if m.latency != nil {
				return point(m.latency.Mean() / 1000)
			}
			return point(m.res.Latency.MeanMS)
		},
		window: func(a *aggregate) estimate {
			if a.requests == 0 {
				return notMeasured(noLatency)
			}
			return point(a.hist.Mean() / 1000)
		}},
	"availability": {unit: unitRatio, about: "share of requests answered 2xx (429, 5xx, timeouts, connection errors, not sent count against)",
		run: func(m *measured) estimate {
			return ratio(m.res.Requests.Acknowledged, m.trials, "requests", noSchedule)
		},
		window: func(a *aggregate) estimate { return ratio(a.available, a.requests, "requests", noSchedule) }},
	"error_rate": {unit: unitRatio, smallIsOK: true, about: "1 - availability",
		run: func(m *measured) estimate {
			return ratio(m.trials-min(m.trials, m.res.Requests.Acknowledged), m.trials, "requests", noSchedule)
		},
		window: func(a *aggregate) estimate { return ratio(a.requests-a.available, a.requests, "requests", noSchedule) }},
	"rate_limited": {unit: unitRatio, smallIsOK: true, about: "share of answers that were 429",
		run: func(m *measured) estimate {
			n, k := answered(m.res.Status)
			return ratio(k, n, "answers", "no answer")
		},
		window: func(a *aggregate) estimate { return ratio(a.rateLimited, a.answered, "answers", "no answer") }},
	"throughput": {unit: unitRate, about: "2xx answers per second",
		run: func(m *measured) estimate { return point(m.res.Throughput.Acknowledged) },
		window: func(a *aggregate) estimate {
			if a.requests == 0 || a.span <= 0 {
				return notMeasured("no request")
			}
			return point(float64(a.available) / a.span.Seconds())
		}},
	// Retries per first attempt can exceed 1: a count ratio, not a proportion.
	"retry_rate": {unit: unitRatio, smallIsOK: true, about: "retries per first attempt",
		run: func(m *measured) estimate {
			if m.res.Requests.Sent == 0 {
				return notMeasured("no request sent")
			}
			return point(m.res.RetryRate)
		}},
	"duplicate_rate": {unit: unitRatio, smallIsOK: true, about: "events recorded more than once per acknowledged event",
		run: receiverShare(func(r *Result) (*uint64, uint64) { return r.Receiver.Duplicates, r.Requests.AckedEvents },
			"not measured: needs a read-back of the receiver's records, or replies carrying a replay flag")},
	"loss_rate": {unit: unitRatio, smallIsOK: true, about: "acknowledged events never recorded per unique event acknowledged",
		run: receiverShare(func(r *Result) (*uint64, uint64) {
			return r.Receiver.Lost, r.Receiver.SentEvents - min(r.Receiver.SentEvents, r.Receiver.Unsettled)
		}, noReadBack)},
	"ingest_lag_mean": {unit: unitMS, smallIsOK: true, about: "mean time from acknowledgement to visible in the receiver's records",
		run: ingestLag(func(l *Latency) float64 { return l.MeanMS })},
	"ingest_lag_p95": {unit: unitMS, smallIsOK: true, about: "95th percentile ingest lag",
		run: ingestLag(func(l *Latency) float64 { return l.P95MS })},
	"ingest_lag_max": {unit: unitMS, smallIsOK: true, about: "largest ingest lag",
		run: ingestLag(func(l *Latency) float64 { return l.MaxMS })},
	"discrepancy": {unit: unitRatio, smallIsOK: true, about: "|recorded - acknowledged unique events| / acknowledged unique events",
		run: func(m *measured) estimate {
			r := m.res.Receiver
			if r.Recorded == nil {
				return notMeasured("not measured: needs the receiver's counters or a read-back of its records")
			}
			d := max(*r.Recorded, r.SentEvents) - min(*r.Recorded, r.SentEvents)
			return ratio(d, r.SentEvents, "events", "no event acknowledged")
		}},
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

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
