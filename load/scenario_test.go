package load

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestBuiltinsParse(t *testing.T) {
	t.Parallel()
	names := Builtins()
	want := []string{"constant", "ramp", "retry-storm", "soak", "spike"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("got built-ins %v, want %v", names, want)
	}
	for _, n := range names {
		s, err := Builtin(n)
		if err != nil {
			t.Fatalf("built-in %s: %v", n, err)
		}
		if s.Name != n {
			t.Errorf("built-in %s is named %q", n, s.Name)
		}
	}
}

func TestParseScenarioErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		give    string
		wantErr string
	}{
		{name: "unknown field", give: "name: x\nrate: 1/s\nduration: 1s\nrat: 2", wantErr: `rat: unknown key (line 4); did you mean "rate"?`},
		{name: "no name", give: "rate: 1/s\nduration: 1s", wantErr: "name is required"},
		{name: "no rate", give: "name: x\nduration: 1s", wantErr: "rate is required"},
		{name: "bad rate", give: "name: x\nrate: fast\nduration: 1s", wantErr: `rate "fast"`},
		{name: "zero rate", give: "name: x\nrate: 0/s\nduration: 1s", wantErr: `rate "0/s"`},
		{name: "bad duration", give: "name: x\nrate: 1/s\nduration: soon", wantErr: `duration "soon"`},
		{name: "shares", give: "name: x\nrate: 1/s\nduration: 1s\nshape:\n - {for: 50%, rate: 100%}", wantErr: "add up to 50%"},
		{name: "stage rate and from", give: "name: x\nrate: 1/s\nduration: 1s\nshape:\n - {for: 100%, rate: 1/s, from: 0%, to: 1%}", wantErr: "shape[0]: rate and from/to are exclusive"},
		{name: "stage without for", give: "name: x\nrate: 1/s\nduration: 1s\nshape:\n - {rate: 100%}", wantErr: "shape[0]: for is required"},
		{name: "replay", give: "name: x\nrate: 1/s\nduration: 1s\nreplay: 1", wantErr: "replay 1"},
		{name: "batch", give: "name: x\nrate: 1/s\nduration: 1s\nbatch: lots", wantErr: `batch "lots"`},
		{name: "retry jitter", give: "name: x\nrate: 1/s\nduration: 1s\nretry: {jitter: some}", wantErr: `retry.jitter "some"`},
		{name: "retry cap", give: "name: x\nrate: 1/s\nduration: 1s\nretry: {base: 2s, cap: 1s}", wantErr: "retry.cap 1s"},
		{name: "in flight", give: "name: x\nrate: 1/s\nduration: 1s\nmax_in_flight: 0", wantErr: "max_in_flight 0"},
		{name: "max with shape", give: "name: x\nrate: max\nduration: 1s\nshape:\n - {for: 100%, rate: 100%}", wantErr: "takes no shape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScenario([]byte(tt.give))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrScenario) {
				t.Fatalf("got %v, want an ErrScenario containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give    string
		want    float64
		wantMax bool
	}{
		{give: "500/s", want: 500}, {give: "30/m", want: 0.5}, {give: "7200/h", want: 2},
		{give: "1/100ms", want: 10}, {give: "250", want: 250}, {give: "max", wantMax: true},
	}
	for _, tt := range tests {
		got, isMax, err := ParseRate(tt.give)
		if err != nil || math.Abs(got-tt.want) > 1e-9 || isMax != tt.wantMax {
			t.Errorf("ParseRate(%q) = %v, %v, %v; want %v, %v", tt.give, got, isMax, err, tt.want, tt.wantMax)
		}
	}
}

// hits counts the arrivals a pacer schedules over d, stepping virtual time
// the way the engine does.
func hits(p vegeta.Pacer, d time.Duration) (n uint64, at []time.Duration) {
	var el time.Duration
	for {
		wait, stop := p.Pace(el, n)
		if stop || el+wait > d {
			return n, at
		}
		el += wait
		at = append(at, el)
		n++
	}
}

func TestPacerShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		giveYAML  string
		wantHits  uint64
		wantFirst uint64 // arrivals in the first 40 % of the run
	}{
		{name: "constant", giveYAML: "name: c\nrate: 100/s\nduration: 2s", wantHits: 200, wantFirst: 80},
		{name: "fractional", giveYAML: "name: c\nrate: 2.5/s\nduration: 4s", wantHits: 10, wantFirst: 4},
		// 0 → 100/s over 2 s: 100 arrivals, 16 in the first 0.8 s (t²/2·50).
		{name: "ramp", giveYAML: "name: r\nrate: 100/s\nduration: 2s\nshape:\n - {for: 100%, from: 0%, to: 100%}", wantHits: 100, wantFirst: 16},
		// spike: 40 % at 100/s, 10 % at 500/s, 50 % at 100/s over 10 s.
		{name: "spike", giveYAML: "name: s\nrate: 100/s\nduration: 10s\nshape:\n - {for: 40%, rate: 100%}\n - {for: 10%, rate: 500%}\n - {for: 50%, rate: 100%}", wantHits: 1400, wantFirst: 400},
		{name: "absolute stages stretch", giveYAML: "name: a\nrate: 1/s\nduration: 4s\nshape:\n - {for: 1s, rate: 10/s}\n - {for: 1s, rate: 30/s}", wantHits: 80, wantFirst: 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseScenario([]byte(tt.giveYAML))
			if err != nil {
				t.Fatal(err)
			}
			n, at := hits(NewPacer(s), s.Duration)
			if diff := int64(n) - int64(tt.wantHits); diff < -1 || diff > 1 {
				t.Errorf("got %d arrivals, want %d", n, tt.wantHits)
			}
			var first uint64
			for _, a := range at {
				if a <= s.Duration*4/10 {
					first++
				}
			}
			if diff := int64(first) - int64(tt.wantFirst); diff < -1 || diff > 1 {
				t.Errorf("got %d arrivals in the first 40 %%, want %d", first, tt.wantFirst)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	rng := newTestRand()
	p := &Retry{Max: 5, Base: 100 * time.Millisecond, Cap: time.Second, Jitter: JitterNone, RetryAfter: true}
	tests := []struct {
		name           string
		giveAttempt    int
		giveRetryAfter time.Duration
		giveJitter     string
		wantMin        time.Duration
		wantMax        time.Duration
	}{
		{name: "first", giveAttempt: 0, giveJitter: JitterNone, wantMin: 100 * time.Millisecond, wantMax: 100 * time.Millisecond},
		{name: "doubles", giveAttempt: 2, giveJitter: JitterNone, wantMin: 400 * time.Millisecond, wantMax: 400 * time.Millisecond},
		{name: "capped", giveAttempt: 9, giveJitter: JitterNone, wantMin: time.Second, wantMax: time.Second},
		{name: "full jitter", giveAttempt: 3, giveJitter: JitterFull, wantMin: 0, wantMax: 800 * time.Millisecond},
		{name: "equal jitter", giveAttempt: 3, giveJitter: JitterEqual, wantMin: 400 * time.Millisecond, wantMax: 800 * time.Millisecond},
		{name: "retry-after wins, capped", giveAttempt: 0, giveRetryAfter: 30 * time.Second, giveJitter: JitterFull, wantMin: time.Second, wantMax: time.Second},
	}
	for _, tt := range tests {
		p.Jitter = tt.giveJitter
		for range 50 {
			got := backoff(p, tt.giveAttempt, tt.giveRetryAfter, rng)
			if got < tt.wantMin || got > tt.wantMax {
				t.Fatalf("%s: got %s, want in [%s, %s]", tt.name, got, tt.wantMin, tt.wantMax)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		give string
		want time.Duration
	}{
		{"", 0}, {"3", 3 * time.Second}, {"soon", 0}, {"Thu, 01 Jan 2026 00:00:10 GMT", 10 * time.Second},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.give, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.give, got, tt.want)
		}
	}
}
