package load

import (
	"math"
	"testing"
	"time"
)

// FuzzParseScenario: any input is a scenario or an error, never a panic; a
// scenario's segments cover its duration exactly and its pacer schedules
// forward in time.
func FuzzParseScenario(f *testing.F) {
	for _, n := range Builtins() {
		src, err := BuiltinSource(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src))
	}
	f.Add("name: x\nrate: 3/m\nduration: 10s\nshape:\n - {for: 2s, rate: 0}\n - {for: 50%, from: 0%, to: 300%}\n - {for: 50%, rate: 1/s}")
	f.Fuzz(func(t *testing.T, src string) {
		s, err := ParseScenario([]byte(src))
		if err != nil {
			return
		}
		if s.Duration > time.Hour || s.Max {
			return // keep each input fast
		}
		segs := s.Segments()
		if segs[0].Start != 0 || segs[len(segs)-1].End != s.Duration {
			t.Fatalf("segments %v do not cover %s", segs, s.Duration)
		}
		// The schedule: arrival times never go back, stay within the run, and
		// end after the shape's integral of hits.
		p := newShapePacer(segs)
		total := p.cum[len(p.cum)-1]
		var prev time.Duration
		for n := 1; n <= 200 && float64(n) <= total; n++ {
			at, ok := p.at(float64(n))
			if !ok {
				t.Fatalf("hit %d of %.1f not scheduled", n, total)
			}
			if at < prev || at > s.Duration {
				t.Fatalf("hit %d at %s: previous at %s, run of %s", n, at, prev, s.Duration)
			}
			prev = at
		}
		if _, ok := p.at(math.Floor(total) + 1); ok && total < 1e9 {
			t.Fatalf("hit %.0f scheduled past the shape's %.2f hits", math.Floor(total)+1, total)
		}
	})
}

// FuzzParseSLA: any input is an SLA or an error naming what is wrong.
func FuzzParseSLA(f *testing.F) {
	f.Add("thresholds:\n  - {metric: p95, max: 500ms}\n  - {metric: availability, min: 99.5%}")
	f.Add("window: 1m\nthresholds:\n  - {metric: throughput, min: 10/s, over: window}")
	f.Fuzz(func(t *testing.T, src string) {
		s, err := ParseSLA([]byte(src))
		if err != nil {
			return
		}
		for _, th := range s.Thresholds {
			if _, ok := metrics[th.Metric]; !ok || (th.Op != "<=" && th.Op != ">=") {
				t.Fatalf("accepted threshold %+v", th)
			}
			if th.Over == OverWindow && th.Window <= 0 {
				t.Fatalf("window threshold without a window: %+v", th)
			}
		}
	})
}
