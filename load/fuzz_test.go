package load

import (
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
		p := NewPacer(s)
		var el time.Duration
		for n := uint64(0); n < 200; n++ {
			wait, stop := p.Pace(el, n)
			if stop {
				break
			}
			if wait < 0 {
				t.Fatalf("pacer went back in time at hit %d", n)
			}
			el += wait
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
