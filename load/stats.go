package load

import (
	"math"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// DefaultConfidence is the confidence of every interval a verdict rests on,
// unless the SLA file says otherwise (confidence: 0.99).
const DefaultConfidence = 0.95

// zFor is the two-sided standard normal quantile of a confidence level.
func zFor(conf float64) float64 { return math.Sqrt2 * math.Erfinv(conf) }

// wilson is the Wilson score interval of a proportion: k successes in n
// trials (k may be fractional when projecting a larger run). Unlike the
// normal approximation it stays within [0, 1] and holds at k = 0 or n.
func wilson(k, n, conf float64) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	z := zFor(conf)
	p := k / n
	z2 := z * z
	den := 1 + z2/n
	center := (p + z2/(2*n)) / den
	half := z / den * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	return math.Max(0, center-half), math.Min(1, center+half)
}

// decisive is how many trials a run with the same observed proportion p needs
// for its Wilson interval to lie wholly on one side of limit; 0 when no size
// would do (p is the limit itself).
func decisive(p, limit, conf float64) uint64 {
	if math.Abs(p-limit) < 1e-12 {
		return 0
	}
	clear := func(n float64) bool {
		lo, hi := wilson(p*n, n, conf)
		return hi < limit || lo > limit
	}
	hi := 1.0
	for !clear(hi) {
		hi *= 2
		if hi > 1e13 {
			return 0
		}
	}
	lo := hi / 2
	for hi-lo > 1 {
		mid := math.Floor((lo + hi) / 2)
		if clear(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return uint64(hi)
}

// orderRanks is the distribution-free confidence interval of the q-quantile
// (0 < q < 1) of n samples, as 1-based ranks of the sorted samples: the
// quantile lies between the l-th and the u-th smallest with at least conf
// probability, whatever the distribution, because the number of samples
// below it is Binomial(n, q). l = 0 or u = n+1 means that side is unbounded:
// the run is too small to bound it.
func orderRanks(n uint64, q, conf float64) (l, u uint64) {
	if n == 0 {
		return 0, 1
	}
	alpha := (1 - conf) / 2
	nf := float64(n)
	mode := math.Floor((nf + 1) * q)
	sd := math.Sqrt(nf * q * (1 - q))
	from := math.Max(0, math.Floor(mode-12*sd-12))
	to := math.Min(nf, math.Ceil(mode+12*sd+12))
	// The pmf from the mode outwards by ratios, in log space at the mode only.
	lg := func(x float64) float64 { v, _ := math.Lgamma(x + 1); return v }
	logMode := lg(nf) - lg(mode) - lg(nf-mode) + mode*math.Log(q) + (nf-mode)*math.Log1p(-q)
	size := int(to-from) + 1
	pmf := make([]float64, size)
	m := int(mode - from)
	pmf[m] = math.Exp(logMode)
	for i := m + 1; i < size; i++ {
		k := from + float64(i) // pmf(k) = pmf(k-1)·(n-k+1)/k·q/(1-q)
		pmf[i] = pmf[i-1] * (nf - k + 1) / k * q / (1 - q)
	}
	for i := m - 1; i >= 0; i-- {
		k := from + float64(i) // pmf(k) = pmf(k+1)·(k+1)/(n-k)·(1-q)/q
		pmf[i] = pmf[i+1] * (k + 1) / (nf - k) * (1 - q) / q
	}
	// Lower: the largest l with P(B ≤ l-1) ≤ alpha.
	cum := 0.0
	l = uint64(from) // everything below from is negligible
	for i := range size {
		if cum+pmf[i] > alpha {
			break
		}
		cum += pmf[i]
		l = uint64(from) + uint64(i) + 1
	}
	// Upper: the smallest u with P(B ≥ u) ≤ alpha.
	cum = 0
	u = uint64(to) + 1
	for i := size - 1; i >= 0; i-- {
		if cum+pmf[i] > alpha {
			break
		}
		cum += pmf[i]
		u = uint64(from) + uint64(i)
	}
	return l, u
}

// quantileBounds is the confidence interval of the q-th percentile of h, in
// ms; lo is 0 and hi +Inf on a side the samples cannot bound.
func quantileBounds(h *hdr.Histogram, q, conf float64) (lo, hi float64) {
	n := uint64(h.TotalCount())
	l, u := orderRanks(n, q/100, conf)
	lo, hi = 0, math.Inf(1)
	if l >= 1 {
		lo = ms(valueAtRank(h, l))
	}
	if u <= n {
		hi = ms(valueAtRank(h, u))
	}
	return lo, hi
}

// valueAtRank is the r-th smallest recorded value (1-based), at the
// histogram's precision.
func valueAtRank(h *hdr.Histogram, r uint64) int64 {
	var seen uint64
	for _, b := range h.Distribution() {
		seen += uint64(b.Count)
		if seen >= r {
			return b.To
		}
	}
	return h.Max()
}

// shareAtMost is the share of h's values at or below limit (in µs).
func shareAtMost(h *hdr.Histogram, limit int64) float64 {
	n := h.TotalCount()
	if n == 0 {
		return 0
	}
	var k int64
	for _, b := range h.Distribution() {
		if b.To > limit {
			break
		}
		k += b.Count
	}
	return float64(k) / float64(n)
}
