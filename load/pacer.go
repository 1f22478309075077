package load

import (
	"math"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// NewPacer returns the vegeta Pacer of a scenario's rate shape: vegeta's own
// ConstantPacer for a constant whole-number rate, a piecewise-linear pacer
// for anything else (ramps, spikes, stages). A Max scenario has no pacer.
func NewPacer(s *Scenario) vegeta.Pacer {
	segs := s.Segments()
	if len(segs) == 1 && segs[0].From == segs[0].To && segs[0].From == math.Trunc(segs[0].From) && segs[0].From >= 1 {
		return vegeta.ConstantPacer{Freq: int(segs[0].From), Per: time.Second}
	}
	return newShapePacer(segs)
}

// shapePacer paces a piecewise-linear rate. Within a segment the rate is
// r(τ) = a + bτ, so the hits so far are H0 + aτ + bτ²/2, which inverts in
// closed form: the time of hit n is exact, not searched for.
type shapePacer struct {
	segs []Segment
	cum  []float64 // hits before each segment
}

var _ vegeta.Pacer = (*shapePacer)(nil)

func newShapePacer(segs []Segment) *shapePacer {
	p := &shapePacer{segs: segs}
	var total float64
	for _, s := range segs {
		p.cum = append(p.cum, total)
		d := (s.End - s.Start).Seconds()
		total += (s.From + s.To) / 2 * d
	}
	p.cum = append(p.cum, total)
	return p
}

// Pace implements vegeta.Pacer: the wait from elapsed until hit number hits+1.
func (p *shapePacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	at, ok := p.at(float64(hits + 1))
	if !ok {
		return 0, true
	}
	if at < elapsed {
		return 0, false
	}
	return at - elapsed, false
}

// at returns when the cumulative hit count reaches n.
func (p *shapePacer) at(n float64) (time.Duration, bool) {
	for i, s := range p.segs {
		if n > p.cum[i+1] {
			continue
		}
		m := n - p.cum[i]
		d := (s.End - s.Start).Seconds()
		if d <= 0 {
			continue
		}
		a := s.From
		b := (s.To - s.From) / d
		den := a + math.Sqrt(math.Max(0, a*a+2*b*m))
		if den <= 0 {
			return s.Start, true
		}
		tau := 2 * m / den
		return s.Start + time.Duration(tau*float64(time.Second)), true
	}
	return 0, false
}

// Rate implements vegeta.Pacer.
func (p *shapePacer) Rate(elapsed time.Duration) float64 {
	for _, s := range p.segs {
		if elapsed >= s.Start && elapsed < s.End {
			f := float64(elapsed-s.Start) / float64(s.End-s.Start)
			return s.From + (s.To-s.From)*f
		}
	}
	return 0
}
