package load

import (
	"math"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/profile/postback"
	"github.com/s2s-harness/s2s-harness/profile/revosurge"
)

// Reference values computed independently (Python: statistics.NormalDist and
// math.comb over the exact binomial).
func TestWilsonKnownValues(t *testing.T) {
	tests := []struct {
		k, n   float64
		lo, hi float64
	}{
		{8, 800, 0.0050756879, 0.0196076108},
		{3, 800, 0.0012761404, 0.0109668942},
		{15, 1000, 0.0091109788, 0.0246009769},
		{0, 1000, 0, 0.0038267585},
	}
	for _, tt := range tests {
		lo, hi := wilson(tt.k, tt.n, 0.95)
		if math.Abs(lo-tt.lo) > 1e-9 || math.Abs(hi-tt.hi) > 1e-9 {
			t.Errorf("wilson(%v/%v) = [%.10f, %.10f], want [%.10f, %.10f]", tt.k, tt.n, lo, hi, tt.lo, tt.hi)
		}
	}
}

func TestOrderRanksKnownValues(t *testing.T) {
	tests := []struct {
		n    uint64
		q    float64
		l, u uint64
	}{
		{20, 0.5, 6, 15}, // the textbook median interval of 20 samples
		{100, 0.95, 90, 100},
		{1000, 0.95, 936, 964},
		{50, 0.99, 48, 51}, // 51 > n: the top is not bounded by 50 samples
	}
	for _, tt := range tests {
		l, u := orderRanks(tt.n, tt.q, 0.95)
		if l != tt.l || u != tt.u {
			t.Errorf("orderRanks(%d, %v) = (%d, %d), want (%d, %d)", tt.n, tt.q, l, u, tt.l, tt.u)
		}
	}
}

func TestDecisiveIsTheSmallestDecidingSize(t *testing.T) {
	for _, p := range []float64{0, 0.00375, 0.015, 0.2} {
		n := decisive(p, 0.005, 0.95)
		if n == 0 {
			t.Fatalf("decisive(%v) = 0", p)
		}
		clear := func(n float64) bool { lo, hi := wilson(p*n, n, 0.95); return hi < 0.005 || lo > 0.005 }
		if !clear(float64(n)) || clear(float64(n-1)) {
			t.Errorf("decisive(%v) = %d: want the smallest n whose interval clears 0.5 %%", p, n)
		}
	}
	if n := decisive(0.005, 0.005, 0.95); n != 0 {
		t.Errorf("decisive at the limit = %d, want 0 (no size decides)", n)
	}
}

// The case: 1.5 % of requests answered 500 observed as 3 errors in
// 800 (99.625 % against ≥ 99.5 %) must not pass; 12 in 800 breaches; none
// in 2,000 passes.
func TestAvailabilityVerdictsAreStatistical(t *testing.T) {
	th := Threshold{Metric: "availability", Op: ">=", Limit: 0.995, Raw: "99.5%", Over: OverRun}
	tests := []struct {
		acked, n uint64
		want     string
	}{
		{797, 800, ThresholdInconclusive},
		{788, 800, ThresholdBreached},
		{2000, 2000, ThresholdPassed},
		{800, 800, ThresholdPassed}, // 0 errors: the upper error bound 0.48 % clears 0.5 %
		{799, 800, ThresholdInconclusive},
	}
	for _, tt := range tests {
		j := th.judge(ratio(tt.acked, tt.n, "requests", ""), 0.95)
		if j.status != tt.want {
			t.Errorf("%d of %d: %s [%.5f, %.5f], want %s", tt.acked, tt.n, j.status, j.lo, j.hi, tt.want)
		}
		if j.status == ThresholdInconclusive && j.needed <= tt.n {
			t.Errorf("%d of %d: a decisive run needs %d, want more than %d", tt.acked, tt.n, j.needed, tt.n)
		}
	}
}

func TestPercentileVerdictsAreStatistical(t *testing.T) {
	th := Threshold{Metric: "p95", Op: "<=", Limit: 500, Raw: "500ms", Over: OverRun}
	tests := []struct {
		n, slow int
		want    string
	}{
		{1000, 20, ThresholdPassed},       // 2 % slow: p95 is fast, surely
		{1000, 200, ThresholdBreached},    // 20 % slow
		{1000, 45, ThresholdInconclusive}, // 4.5 % slow: p95 fast, but not surely
		{100, 0, ThresholdPassed},         // 100 fast: the max bounds p95, and it is fast
		{40, 0, ThresholdInconclusive},    // 40 samples cannot bound p95 from above
	}
	for _, tt := range tests {
		h := newHist(3)
		for i := range tt.n {
			d := 5 * time.Millisecond
			if i < tt.slow {
				d = 900 * time.Millisecond
			}
			recordUS(h, d)
		}
		e := estimate{value: ms(h.ValueAtQuantile(95)), ok: true, hist: h, q: 95}
		j := th.judge(e, 0.95)
		if j.status != tt.want {
			t.Errorf("%d of %d slow: %s [%v, %v], want %s", tt.slow, tt.n, j.status, j.lo, j.hi, tt.want)
		}
		if j.status == ThresholdInconclusive && tt.slow > 0 && j.needed <= uint64(tt.n) {
			t.Errorf("%d of %d slow: needs %d, want more than %d", tt.slow, tt.n, j.needed, tt.n)
		}
	}
}

func TestSLAConfidence(t *testing.T) {
	s, err := ParseSLA([]byte("confidence: 0.99\nthresholds: [{metric: availability, min: 99.5%}]\n"))
	if err != nil || s.confidence() != 0.99 {
		t.Fatalf("confidence: %v, %v", s, err)
	}
	for _, bad := range []string{"0.4", "1", "1.5", "-0.9"} {
		if _, err := ParseSLA([]byte("confidence: " + bad + "\nthresholds: [{metric: p95, max: 1s}]\n")); err == nil {
			t.Errorf("confidence %s: accepted, want an error", bad)
		}
	}
}

// The default SLA holds an idempotent API to no duplicates at all (seed 004
// §5) and one without idempotency to none; a zero limit is judged by count.
func TestDefaultDuplicateRate(t *testing.T) {
	has := func(s *SLA) bool {
		for _, th := range s.Thresholds {
			if th.Metric == "duplicate_rate" {
				return true
			}
		}
		return false
	}
	if !has(DefaultSLA(postback.New(), 0)) || has(DefaultSLA(revosurge.New(), 0)) {
		t.Fatal("want duplicate_rate ≤ 0 for postback only")
	}
	th := Threshold{Metric: "duplicate_rate", Op: "<=", Limit: 0, Raw: "0%", Over: OverRun}
	if j := th.judge(ratio(0, 500, "events", ""), 0.95); j.status != ThresholdPassed || !j.bounded {
		t.Errorf("0 duplicates of 500: %+v, want passed with its interval", j)
	}
	if j := th.judge(ratio(1, 500, "events", ""), 0.95); j.status != ThresholdBreached {
		t.Errorf("1 duplicate of 500: %s, want breached", j.status)
	}
}
