package load

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/configfile"
)

//go:embed scenarios/*.yaml
var builtinFiles embed.FS

// Scenario is a load shape and a client's behaviour: what `s2s load -scenario`
// names. It is data, read from YAML (see docs/load.md for every field).
type Scenario struct {
	Name        string
	Description string
	// Rate is the base arrival rate per second; the shape's relative levels are
	// shares of it. Max asks for a closed-loop probe instead: MaxInFlight
	// clients sending back to back, to measure the highest rate the target takes.
	Rate     float64
	Max      bool
	Duration time.Duration
	Shape    []Stage
	// Endpoints weighs the endpoint ids requests go to; empty means each event
	// type's own endpoint in the profile's realistic mix.
	Endpoints map[string]int
	// Batch is the events per request on batch endpoints: 0 means
	// DefaultBatch, BatchMax the endpoint's limit; always capped at the limit.
	Batch int
	// Replay is the share of requests that re-send an already acknowledged
	// request, as a client does after a timeout.
	Replay      float64
	Retry       *Retry
	MaxInFlight int
	Timeout     time.Duration
	// Window is the rolling window the default SLA's latency and
	// availability thresholds are also checked over (0: the whole run only).
	Window time.Duration
	// LagTolerance is how late the generator may dispatch a request before it
	// counts as late; more than 1 % late makes the run invalid. The default
	// (25 ms) is jitter an SLA of hundreds of milliseconds does not notice;
	// tighten it to measure small latencies.
	LagTolerance time.Duration
	// Settle is how long to keep reading the receiver's journal after the last
	// answer; Horizon how long an acknowledged event may stay unrecorded before
	// it counts as lost.
	Settle  time.Duration
	Horizon time.Duration
	// Seed seeds the workload; 0 picks a fresh one per run (see DefaultSeed).
	Seed int64
}

// Stage is one piece of the rate shape: the rate moves linearly from From to
// To. Its length is For, or Share of what the absolute stages leave.
type Stage struct {
	For      time.Duration
	Share    float64
	From, To Level
}

// Level is a rate: absolute per second, or relative to the scenario's rate.
type Level struct {
	Value    float64
	Relative bool
}

func (l Level) at(base float64) float64 {
	if l.Relative {
		return l.Value * base
	}
	return l.Value
}

// Retry is a well-behaved client's policy: after a 429, a 5xx, a timeout or a
// connection error it waits min(Cap, Base·2^attempt), jittered, and tries
// again, at most Max times. With RetryAfter it waits what a Retry-After header
// asks instead (still capped).
type Retry struct {
	Max        int
	Base       time.Duration
	Cap        time.Duration
	Jitter     string // full, equal or none
	RetryAfter bool
}

// Defaults of a scenario's optional fields.
const (
	DefaultBatch        = 100
	BatchMax            = -1
	DefaultMaxInFlight  = 256
	DefaultTimeout      = 10 * time.Second
	DefaultLagTolerance = 25 * time.Millisecond
	DefaultSettle       = 5 * time.Second
	DefaultHorizon      = 2 * time.Minute
	// DefaultSeed 0 means a fresh seed per run (recorded in the report): a
	// stateful receiver must not take a second run's events for replays of the
	// first's. Set a seed to repeat a workload byte for byte.
	DefaultSeed = 0
)

// Jitter kinds.
const (
	JitterFull  = "full"
	JitterEqual = "equal"
	JitterNone  = "none"
)

// ErrScenario marks a scenario that cannot be run as written.
var ErrScenario = errors.New("invalid scenario")

// Builtins lists the scenarios shipped with the harness.
func Builtins() []string {
	files, _ := fs.Glob(builtinFiles, "scenarios/*.yaml") // cannot fail: constant pattern
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(f, "scenarios/"), ".yaml"))
	}
	return names
}

// Builtin returns the named built-in scenario.
func Builtin(name string) (*Scenario, error) {
	data, err := builtinFiles.ReadFile("scenarios/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("scenario %q: unknown (built-in: %s, or a YAML file): %w", name, strings.Join(Builtins(), ", "), ErrScenario)
	}
	return ParseScenario(data)
}

// BuiltinSource returns the YAML of a built-in scenario, for documentation.
func BuiltinSource(name string) ([]byte, error) {
	return builtinFiles.ReadFile("scenarios/" + name + ".yaml")
}

type scenarioFile struct {
	Name         string         `yaml:"name"`
	Description  string         `yaml:"description"`
	Rate         string         `yaml:"rate"`
	Duration     string         `yaml:"duration"`
	Shape        []stageFile    `yaml:"shape"`
	Endpoints    map[string]int `yaml:"endpoints"`
	Batch        string         `yaml:"batch"`
	Replay       *float64       `yaml:"replay"`
	Retry        *retryFile     `yaml:"retry"`
	MaxInFlight  *int           `yaml:"max_in_flight"`
	Timeout      string         `yaml:"timeout"`
	Window       string         `yaml:"window"`
	LagTolerance string         `yaml:"lag_tolerance"`
	Settle       string         `yaml:"settle"`
	Horizon      string         `yaml:"horizon"`
	Seed         *int64         `yaml:"seed"`
}

type stageFile struct {
	For  string `yaml:"for"`
	Rate string `yaml:"rate"`
	From string `yaml:"from"`
	To   string `yaml:"to"`
}

type retryFile struct {
	Max        *int   `yaml:"max"`
	Base       string `yaml:"base"`
	Cap        string `yaml:"cap"`
	Jitter     string `yaml:"jitter"`
	RetryAfter *bool  `yaml:"retry_after"`
}

// ParseScenario reads a scenario from YAML. Unknown fields and bad values are
// errors naming the field.
func ParseScenario(data []byte) (*Scenario, error) {
	var f scenarioFile
	if err := configfile.Decode(data, "yaml", &f); err != nil {
		return nil, fmt.Errorf("scenario: %w: %w", ErrScenario, err)
	}
	s, err := f.resolve()
	if err != nil {
		name := f.Name
		if name == "" {
			name = "(unnamed)"
		}
		return nil, fmt.Errorf("scenario %q: %w: %w", name, ErrScenario, err)
	}
	return s, nil
}

func (f *scenarioFile) resolve() (*Scenario, error) {
	s := &Scenario{Name: f.Name, Description: f.Description, Endpoints: f.Endpoints,
		MaxInFlight: DefaultMaxInFlight, Timeout: DefaultTimeout, LagTolerance: DefaultLagTolerance,
		Settle: DefaultSettle, Horizon: DefaultHorizon, Seed: DefaultSeed}
	if s.Name == "" {
		return nil, errors.New("name is required")
	}
	var err error
	if f.Rate == "" {
		return nil, errors.New("rate is required, e.g. 500/s")
	}
	if s.Rate, s.Max, err = ParseRate(f.Rate); err != nil {
		return nil, err
	}
	if f.Duration == "" {
		return nil, errors.New("duration is required, e.g. 60s")
	}
	if s.Duration, err = positiveDuration("duration", f.Duration); err != nil {
		return nil, err
	}
	for i, st := range f.Shape {
		stage, err := st.resolve()
		if err != nil {
			return nil, fmt.Errorf("shape[%d]: %w", i, err)
		}
		s.Shape = append(s.Shape, stage)
	}
	switch strings.TrimSpace(f.Batch) {
	case "":
	case "max":
		s.Batch = BatchMax
	default:
		n, err := strconv.Atoi(f.Batch)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("batch %q: want a count ≥ 1 or max", f.Batch)
		}
		s.Batch = n
	}
	for id, w := range f.Endpoints {
		if w < 0 {
			return nil, fmt.Errorf("endpoints.%s weight %d: want ≥ 0", id, w)
		}
	}
	if f.Replay != nil {
		if *f.Replay < 0 || *f.Replay >= 1 {
			return nil, fmt.Errorf("replay %v: want a ratio in [0, 1)", *f.Replay)
		}
		s.Replay = *f.Replay
	}
	if f.Retry != nil {
		if s.Retry, err = f.Retry.resolve(); err != nil {
			return nil, fmt.Errorf("retry.%w", err)
		}
	}
	if f.MaxInFlight != nil {
		if *f.MaxInFlight < 1 || *f.MaxInFlight > 100_000 {
			return nil, fmt.Errorf("max_in_flight %d: want 1..100000", *f.MaxInFlight)
		}
		s.MaxInFlight = *f.MaxInFlight
	}
	for _, d := range []struct {
		name string
		raw  string
		to   *time.Duration
	}{
		{"timeout", f.Timeout, &s.Timeout}, {"window", f.Window, &s.Window},
		{"lag_tolerance", f.LagTolerance, &s.LagTolerance}, {"settle", f.Settle, &s.Settle},
		{"horizon", f.Horizon, &s.Horizon},
	} {
		if d.raw == "" {
			continue
		}
		if *d.to, err = positiveDuration(d.name, d.raw); err != nil {
			return nil, err
		}
	}
	if f.Seed != nil {
		s.Seed = *f.Seed
	}
	return s, s.Validate()
}

func (st stageFile) resolve() (Stage, error) {
	var s Stage
	switch {
	case st.For == "":
		return s, errors.New("for is required: a duration (30s) or a share of the run (25%)")
	case strings.HasSuffix(st.For, "%"):
		v, err := percent(st.For)
		if err != nil || v <= 0 || v > 1 {
			return s, fmt.Errorf("for %q: want a share in (0%%, 100%%]", st.For)
		}
		s.Share = v
	default:
		d, err := positiveDuration("for", st.For)
		if err != nil {
			return s, err
		}
		s.For = d
	}
	var err error
	switch {
	case st.Rate != "" && (st.From != "" || st.To != ""):
		return s, errors.New("rate and from/to are exclusive")
	case st.Rate != "":
		if s.From, err = parseLevel("rate", st.Rate); err != nil {
			return s, err
		}
		s.To = s.From
	case st.From != "" && st.To != "":
		if s.From, err = parseLevel("from", st.From); err != nil {
			return s, err
		}
		if s.To, err = parseLevel("to", st.To); err != nil {
			return s, err
		}
	default:
		return s, errors.New("want rate, or from and to")
	}
	return s, nil
}

func (r *retryFile) resolve() (*Retry, error) {
	p := &Retry{Max: 3, Base: 100 * time.Millisecond, Cap: 5 * time.Second, Jitter: JitterFull, RetryAfter: true}
	if r.Max != nil {
		if *r.Max < 0 || *r.Max > 20 {
			return nil, fmt.Errorf("max %d: want 0..20", *r.Max)
		}
		p.Max = *r.Max
	}
	var err error
	if r.Base != "" {
		if p.Base, err = positiveDuration("base", r.Base); err != nil {
			return nil, err
		}
	}
	if r.Cap != "" {
		if p.Cap, err = positiveDuration("cap", r.Cap); err != nil {
			return nil, err
		}
	}
	if p.Cap < p.Base {
		return nil, fmt.Errorf("cap %s: want ≥ base %s", p.Cap, p.Base)
	}
	if r.Jitter != "" {
		if !slices.Contains([]string{JitterFull, JitterEqual, JitterNone}, r.Jitter) {
			return nil, fmt.Errorf("jitter %q: want full, equal or none", r.Jitter)
		}
		p.Jitter = r.Jitter
	}
	if r.RetryAfter != nil {
		p.RetryAfter = *r.RetryAfter
	}
	return p, nil
}

// Validate checks the fields that flags can change too.
func (s *Scenario) Validate() error {
	if !s.Max && (s.Rate <= 0 || math.IsInf(s.Rate, 0) || math.IsNaN(s.Rate)) {
		return fmt.Errorf("rate %v: want > 0 per second, or max", s.Rate)
	}
	if s.Duration <= 0 {
		return fmt.Errorf("duration %s: want > 0", s.Duration)
	}
	if s.Max && len(s.Shape) > 0 {
		return errors.New("rate max is a closed-loop probe: it takes no shape")
	}
	var shares float64
	var abs time.Duration
	for _, st := range s.Shape {
		shares += st.Share
		abs += st.For
	}
	if shares > 0 && math.Abs(shares-1) > 1e-6 {
		return fmt.Errorf("shape shares add up to %.4g%%: want 100%%", shares*100)
	}
	if shares > 0 && abs >= s.Duration {
		return fmt.Errorf("shape: absolute stages take %s of the %s run, leaving nothing for the shares", abs, s.Duration)
	}
	return nil
}

// Segment is a resolved stage: absolute times and rates.
type Segment struct {
	Start, End time.Duration
	From, To   float64 // per second
}

// Segments resolves the shape for the scenario's rate and duration. Absolute
// stages keep their length, shares split what is left; a shape made only of
// absolute stages is stretched to the duration.
func (s *Scenario) Segments() []Segment {
	shape := s.Shape
	if len(shape) == 0 {
		shape = []Stage{{Share: 1, From: Level{1, true}, To: Level{1, true}}}
	}
	var shares float64
	var abs time.Duration
	for _, st := range shape {
		shares += st.Share
		abs += st.For
	}
	scale := 1.0
	if shares == 0 && abs > 0 {
		scale = float64(s.Duration) / float64(abs)
	}
	rest := s.Duration - abs
	var out []Segment
	var at time.Duration
	for i, st := range shape {
		d := time.Duration(float64(st.For) * scale)
		if st.Share > 0 {
			d = time.Duration(st.Share * float64(rest))
		}
		if i == len(shape)-1 {
			d = s.Duration - at // no rounding gap at the end
		}
		out = append(out, Segment{Start: at, End: at + d, From: st.From.at(s.Rate), To: st.To.at(s.Rate)})
		at += d
	}
	return out
}

// ParseRate reads "500/s", "30/m", "2/1ms", a plain number (per second) or "max".
func ParseRate(s string) (perSecond float64, isMax bool, err error) {
	s = strings.TrimSpace(s)
	if s == "max" {
		return 0, true, nil
	}
	num, unit, found := strings.Cut(s, "/")
	v, perr := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if perr != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false, fmt.Errorf("rate %q: want N/s, N/m, N/h (N > 0) or max", s)
	}
	if !found {
		return v, false, nil
	}
	unit = strings.TrimSpace(unit)
	switch unit {
	case "s":
		unit = "1s"
	case "m":
		unit = "1m"
	case "h":
		unit = "1h"
	}
	per, derr := time.ParseDuration(unit)
	if derr != nil || per <= 0 {
		return 0, false, fmt.Errorf("rate %q: unit %q: want s, m, h or a duration", s, unit)
	}
	return v / per.Seconds(), false, nil
}

func parseLevel(field, s string) (Level, error) {
	if strings.HasSuffix(s, "%") {
		v, err := percent(s)
		if err != nil || v < 0 {
			return Level{}, fmt.Errorf("%s %q: want a share of the rate (50%%) or a rate (250/s)", field, s)
		}
		return Level{Value: v, Relative: true}, nil
	}
	if strings.TrimSpace(s) == "0" {
		return Level{}, nil
	}
	v, isMax, err := ParseRate(s)
	if err != nil || isMax {
		return Level{}, fmt.Errorf("%s %q: want a share of the rate (50%%) or a rate (250/s)", field, s)
	}
	return Level{Value: v}, nil
}

func percent(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q: not a percentage", s)
	}
	return v / 100, nil
}

func positiveDuration(field, s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s %q: want a positive duration like 250ms, 30s, 10m", field, s)
	}
	return d, nil
}
