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
)

// SLA is a set of thresholds a run is held to. See docs/load.md for the file
// format and DefaultSLA for the seed's service levels.
type SLA struct {
	Thresholds []Threshold
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
// p95 and availability are also held over every rolling window.
func DefaultSLA(window time.Duration) *SLA {
	s := &SLA{Thresholds: []Threshold{
		{Metric: "p95", Op: "<=", Limit: 500, Raw: "500ms", Over: OverRun},
		{Metric: "availability", Op: ">=", Limit: 0.995, Raw: "99.5%", Over: OverRun},
		{Metric: "ingest_lag_mean", Op: "<=", Limit: 60_000, Raw: "60s", Over: OverRun},
		{Metric: "discrepancy", Op: "<=", Limit: 0.03, Raw: "3%", Over: OverRun},
	}}
	if window > 0 {
		s.Thresholds = append(s.Thresholds,
			Threshold{Metric: "p95", Op: "<=", Limit: 500, Raw: "500ms", Over: OverWindow, Window: window},
			Threshold{Metric: "availability", Op: ">=", Limit: 0.995, Raw: "99.5%", Over: OverWindow, Window: window})
	}
	return s
}

type slaFile struct {
	Window     string          `yaml:"window"`
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

// worst tracks the worst rolling window of each window threshold.
type worst struct {
	sla   *SLA
	value []float64
	at    []time.Duration
	seen  []bool
}

func newWorst(s *SLA) *worst {
	n := len(s.Thresholds)
	return &worst{sla: s, value: make([]float64, n), at: make([]time.Duration, n), seen: make([]bool, n)}
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
		v, ok := m.window(a)
		if !ok {
			continue
		}
		if !w.seen[i] || t.worse(v, w.value[i]) {
			w.value[i], w.at[i], w.seen[i] = v, start, true
		}
	}
}

// evaluate judges every threshold: run thresholds from the run's values,
// window thresholds from their worst window (or the whole run when it was
// shorter than the window).
func (s *SLA) evaluate(run func(metric string) (float64, bool, string), w *worst) []ThresholdResult {
	var out []ThresholdResult
	for i, t := range s.Thresholds {
		m := metrics[t.Metric]
		r := ThresholdResult{Metric: t.Metric, Op: t.Op, Limit: t.Raw, Over: t.Over, Unit: string(m.unit)}
		var v float64
		var ok bool
		var note string
		if t.Over == OverWindow {
			r.WindowS = t.Window.Seconds()
			if w != nil && w.seen[i] {
				v, ok = w.value[i], true
				at := w.at[i].Seconds()
				r.WorstAtS = &at
			} else {
				v, ok, note = run(t.Metric)
				if ok {
					note = "the run was shorter than the window: judged over the whole run"
				}
			}
		} else {
			v, ok, note = run(t.Metric)
		}
		if ok && t.Over == OverRun {
			note = ""
		}
		r.Note = note
		switch {
		case !ok:
			r.Status = ThresholdSkipped
		case t.meets(v):
			r.Status = ThresholdPassed
			r.Actual = ptr(round(v))
		default:
			r.Status = ThresholdBreached
			r.Actual = ptr(round(v))
		}
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
