package load

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/internal/servicelevel"
	"github.com/s2s-harness/s2s-harness/profile"
)

// SLA is a set of thresholds a run is held to. See docs/load.md for the file
// format and DefaultSLA for the seed's service levels.
type SLA struct {
	Thresholds []Threshold
	// Confidence is the level of every confidence interval a verdict rests
	// on; 0 means DefaultConfidence.
	Confidence float64
}

// Threshold is one metric bound, over the whole run or over every rolling
// window of the run (the worst window counts).
type Threshold struct {
	Metric string
	Op     string  // "<=" or ">="
	Limit  float64 // in the metric's unit: ms, ratio or per second
	Raw    string  // the limit as written
	Over   string  // "run" or "window"
	Window time.Duration
}

// Scopes of a threshold.
const (
	OverRun    = "run"
	OverWindow = "window"
)

// ErrSLA marks an SLA file that cannot be used.
var ErrSLA = errors.New("invalid SLA")

// DefaultSLA is the postback seed's section 11: p95 ≤ 500 ms, availability ≥
// 99.5 %, mean ingest delay ≤ 60 s, discrepancy ≤ 3 %. With a window (soak),
// p95 and availability are also held over every rolling window. Section 11
// names the duplicate rate as a metric without a number; the number is the
// seed's section 5: "Idempotence: POST'u aynı 'event _ id'ile tekrarlayın,
// çift olmadan' 200 OK 'vermelidir" (a repeat of an event_id answers 200 OK
// without a duplicate). So a profile whose API is idempotent (p.Dedupe) is
// held to a duplicate rate of 0; one without idempotency (RevoSurge,
// AppsFlyer) records repeats by design and is not. p may be nil.
func DefaultSLA(p *profile.Profile, window time.Duration) *SLA {
	s := &SLA{Thresholds: []Threshold{
		{Metric: "p95", Op: "<=", Limit: 500, Raw: "500ms", Over: OverRun},
		{Metric: "availability", Op: ">=", Limit: 0.995, Raw: "99.5%", Over: OverRun},
		{Metric: "ingest_lag_mean", Op: "<=", Limit: 60_000, Raw: "60s", Over: OverRun},
		{Metric: "discrepancy", Op: "<=", Limit: servicelevel.ReconcileAbove, Raw: servicelevel.ReconcileLimit(), Over: OverRun},
	}}
	if p != nil && p.Dedupe.Kind == profile.Idempotent {
		s.Thresholds = append(s.Thresholds, Threshold{Metric: "duplicate_rate", Op: "<=", Limit: 0, Raw: "0%", Over: OverRun})
	}
	if window > 0 {
		s.Thresholds = append(s.Thresholds,
			Threshold{Metric: "p95", Op: "<=", Limit: 500, Raw: "500ms", Over: OverWindow, Window: window},
			Threshold{Metric: "availability", Op: ">=", Limit: 0.995, Raw: "99.5%", Over: OverWindow, Window: window})
	}
	return s
}

type slaFile struct {
	Window     string          `yaml:"window"`
	Confidence *float64        `yaml:"confidence"`
	Thresholds []thresholdFile `yaml:"thresholds"`
}

type thresholdFile struct {
	Metric string `yaml:"metric"`
	Max    string `yaml:"max"`
	Min    string `yaml:"min"`
	Over   string `yaml:"over"`
	Window string `yaml:"window"`
}

// ParseSLA reads an SLA file. Every problem is an error naming the threshold
// and the field; nothing is guessed.
func ParseSLA(data []byte) (*SLA, error) {
	var f slaFile
	if err := configfile.Decode(data, "yaml", &f); err != nil {
		return nil, fmt.Errorf("sla: %w: %w", ErrSLA, err)
	}
	var window time.Duration
	if f.Window != "" {
		d, err := positiveDuration("window", f.Window)
		if err != nil {
			return nil, fmt.Errorf("sla: %w: %w", ErrSLA, err)
		}
		window = d
	}
	if len(f.Thresholds) == 0 {
		return nil, fmt.Errorf("sla: %w: no thresholds", ErrSLA)
	}
	s := &SLA{}
	if c := f.Confidence; c != nil {
		if !(*c >= 0.5 && *c < 1) {
			return nil, fmt.Errorf("sla: confidence %v: %w: want a level in [0.5, 1), e.g. 0.95", *c, ErrSLA)
		}
		s.Confidence = *c
	}
	for i, tf := range f.Thresholds {
		t, err := tf.resolve(window)
		if err != nil {
			return nil, fmt.Errorf("sla: thresholds[%d] (%s): %w: %w", i, tf.Metric, ErrSLA, err)
		}
		s.Thresholds = append(s.Thresholds, t)
	}
	return s, nil
}

func (tf thresholdFile) resolve(window time.Duration) (Threshold, error) {
	m, ok := metrics[tf.Metric]
	if !ok {
		return Threshold{}, fmt.Errorf("unknown metric %q (known: %s)", tf.Metric, strings.Join(Metrics(), ", "))
	}
	t := Threshold{Metric: tf.Metric, Over: OverRun}
	switch {
	case tf.Max != "" && tf.Min != "":
		return t, errors.New("max and min are exclusive: write two thresholds")
	case tf.Max != "":
		t.Op, t.Raw = "<=", tf.Max
	case tf.Min != "":
		t.Op, t.Raw = ">=", tf.Min
	default:
		return t, errors.New("want max or min")
	}
	v, err := parseLimit(m.unit, t.Raw)
	if err != nil {
		return t, err
	}
	t.Limit = v
	switch tf.Over {
	case "", OverRun:
		if tf.Window != "" {
			return t, errors.New("window is only for over: window")
		}
	case OverWindow:
		if !m.windowed() {
			return t, fmt.Errorf("metric %s is only measured over the whole run, not over: window", tf.Metric)
		}
		t.Over = OverWindow
		t.Window = window
		if tf.Window != "" {
			if t.Window, err = positiveDuration("window", tf.Window); err != nil {
				return t, err
			}
		}
		if t.Window <= 0 {
			return t, errors.New("over: window needs a window (here or at the top of the file)")
		}
	default:
		return t, fmt.Errorf("over %q: want run or window", tf.Over)
	}
	return t, nil
}

// parseLimit reads a limit in a metric's unit: a duration for latencies, a
// percentage or fraction for ratios, a rate for throughput.
func parseLimit(u unit, s string) (float64, error) {
	s = strings.TrimSpace(s)
	switch u {
	case unitMS:
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("limit %q: want a duration like 500ms or 2s", s)
		}
		return float64(d) / float64(time.Millisecond), nil
	case unitRatio:
		var v float64
		var err error
		if strings.HasSuffix(s, "%") {
			v, err = percent(s)
		} else {
			v, err = strconv.ParseFloat(s, 64)
		}
		if err != nil || v < 0 || v > 1 || math.IsNaN(v) {
			return 0, fmt.Errorf("limit %q: want a percentage (99.5%%) or a fraction in [0, 1]", s)
		}
		return v, nil
	case unitRate:
		v, isMax, err := ParseRate(s)
		if err != nil || isMax {
			return 0, fmt.Errorf("limit %q: want a rate like 400/s", s)
		}
		return v, nil
	}
	return 0, fmt.Errorf("limit %q: unknown unit", s)
}

// windows returns the distinct rolling-window lengths the SLA needs.
func (s *SLA) windows() []time.Duration {
	var out []time.Duration
	for _, t := range s.Thresholds {
		if t.Over == OverWindow && !slices.Contains(out, t.Window) {
			out = append(out, t.Window)
		}
	}
	return out
}

// meets reports whether v satisfies t.
func (t Threshold) meets(v float64) bool {
	if t.Op == ">=" {
		return v >= t.Limit-1e-12
	}
	return v <= t.Limit+1e-12
}

// worse reports whether a is worse than b for t.
func (t Threshold) worse(a, b float64) bool {
	if t.Op == ">=" {
		return a < b
	}
	return a > b
}

// judgement is a threshold's verdict on one estimate: passed when the whole
// confidence interval meets the limit, breached when the whole interval
// misses it, inconclusive otherwise. Metrics without an interval are judged
// on their value.
type judgement struct {
	status  string
	value   float64
	lo, hi  float64 // the interval; hi is +Inf when the samples cannot bound it
	bounded bool    // lo and hi are set
	samples uint64
	trials  string
	needed  uint64 // samples a decisive run needs (inconclusive only; 0: unknown)
}

func (t Threshold) judge(e estimate, conf float64) judgement {
	j := judgement{status: ThresholdSkipped, value: e.value}
	if !e.ok {
		return j
	}
	switch {
	case e.proportion:
		j.lo, j.hi = wilson(float64(e.k), float64(e.n), conf)
		j.bounded, j.samples, j.trials = true, e.n, e.trials
	case e.hist != nil && e.hist.TotalCount() > 0:
		j.lo, j.hi = quantileBounds(e.hist, e.q, conf)
		j.bounded, j.samples, j.trials = true, uint64(e.hist.TotalCount()), "requests"
	}
	if !j.bounded {
		if t.meets(e.value) {
			j.status = ThresholdPassed
		} else {
			j.status = ThresholdBreached
		}
		return j
	}
	// A limit at 0 (or 100 %) forbids the thing outright: no sample can
	// prove a rate is exactly 0, but one occurrence proves it is not. Judged
	// by count, the interval still shown.
	if e.proportion && (t.Limit == 0 && t.Op == "<=" || t.Limit == 1 && t.Op == ">=") {
		if t.meets(e.value) {
			j.status = ThresholdPassed
		} else {
			j.status = ThresholdBreached
		}
		return j
	}
	// The interval is closed: a bound equal to the limit meets it.
	switch {
	case t.meets(j.lo) && t.meets(j.hi):
		j.status = ThresholdPassed
	case !t.meets(j.lo) && !t.meets(j.hi):
		j.status = ThresholdBreached
	default:
		j.status = ThresholdInconclusive
		j.needed = t.decisiveSamples(e, conf)
	}
	return j
}

// decisiveSamples is how many samples a run like this one needs for a
// decisive verdict. A percentile threshold is a proportion in disguise: p95
// ≤ 500 ms holds when at least 95 % of requests take at most 500 ms.
func (t Threshold) decisiveSamples(e estimate, conf float64) uint64 {
	if e.proportion {
		return decisive(e.value, t.Limit, conf)
	}
	limitUS := int64(math.Round(t.Limit * 1000))
	return decisive(shareAtMost(e.hist, limitUS), e.q/100, conf)
}

// worst tracks the worst rolling window of each window threshold, judged as
// it is found (the window's traffic is reused afterwards).
type worst struct {
	sla   *SLA
	judge []judgement
	at    []time.Duration
	seen  []bool
}

func newWorst(s *SLA) *worst {
	n := len(s.Thresholds)
	return &worst{sla: s, judge: make([]judgement, n), at: make([]time.Duration, n), seen: make([]bool, n)}
}

// observe feeds one complete window of length d starting at start.
func (w *worst) observe(d, start time.Duration, a *aggregate) {
	for i, t := range w.sla.Thresholds {
		if t.Over != OverWindow || t.Window != d {
			continue
		}
		m := metrics[t.Metric]
		if !m.windowed() {
			continue
		}
		e := m.window(a)
		if !e.ok {
			continue
		}
		if !w.seen[i] || t.worse(e.value, w.judge[i].value) {
			w.judge[i], w.at[i], w.seen[i] = t.judge(e, w.sla.confidence()), start, true
		}
	}
}

// confidence is the SLA's confidence level for every interval.
func (s *SLA) confidence() float64 {
	if s.Confidence <= 0 {
		return DefaultConfidence
	}
	return s.Confidence
}

// evaluate judges every threshold: run thresholds from the run's values,
// window thresholds from their worst window (or the whole run when it was
// shorter than the window).
func (s *SLA) evaluate(m *measured, w *worst) []ThresholdResult {
	conf := s.confidence()
	var out []ThresholdResult
	for i, t := range s.Thresholds {
		mt := metrics[t.Metric]
		r := ThresholdResult{Metric: t.Metric, Op: t.Op, Limit: t.Raw, Over: t.Over, Unit: string(mt.unit)}
		var j judgement
		var note string
		if t.Over == OverWindow && w != nil && w.seen[i] {
			r.WindowS = t.Window.Seconds()
			j = w.judge[i]
			at := w.at[i].Seconds()
			r.WorstAtS = &at
		} else {
			e := mt.run(m)
			j = t.judge(e, conf)
			note = e.why
			if t.Over == OverWindow {
				r.WindowS = t.Window.Seconds()
				if e.ok {
					note = "the run was shorter than the window: judged over the whole run"
				}
			}
		}
		r.Note = note
		r.Status = j.status
		if j.status != ThresholdSkipped {
			r.Actual = ptr(round(j.value))
		}
		if j.bounded {
			r.Confidence = conf
			r.Low = ptr(round(j.lo))
			if !math.IsInf(j.hi, 1) {
				r.High = ptr(round(j.hi))
			}
			r.Samples, r.SampleUnit = j.samples, j.trials
		}
		r.Needed = j.needed
		out = append(out, r)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// round keeps reports readable and stable: 4 significant decimals of a ms or ratio.
func round(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	return math.Round(v*1e6) / 1e6
}
