package load

import (
	"encoding/base64"
	"slices"
	"strconv"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds, from 1 µs to an hour: a value
// above is clamped to an hour rather than lost.
const histMaxUS = int64(time.Hour / time.Microsecond)

// Precision: 3 significant digits (0.1 %) for the run's distributions, 2
// (1 %) for the many small ones (windows, groups), which keeps a window at
// about 26 KB.
func newHist(digits int) *hdr.Histogram { return hdr.New(1, histMaxUS, digits) }

func recordUS(h *hdr.Histogram, d time.Duration) {
	us := int64(d / time.Microsecond)
	if us < 1 {
		us = 1
	}
	_ = h.RecordValue(min(us, histMaxUS)) // cannot fail: clamped into range
}

// Status classes of an attempt.
const (
	class2xx        = "2xx"
	class3xx        = "3xx"
	class4xx        = "4xx"
	class429        = "429"
	class5xx        = "5xx"
	classTimeout    = "timeout"
	classConnection = "connection"
	classNotSent    = "not_sent"
	// classAborted: on the wire when the run was interrupted.
	classAborted = "aborted"
)

var classOrder = []string{class2xx, class3xx, class4xx, class429, class5xx, classTimeout, classConnection, classNotSent, classAborted}

func statusClass(status int) string {
	switch {
	case status == 429:
		return class429
	case status >= 500:
		return class5xx
	case status >= 400:
		return class4xx
	case status >= 300:
		return class3xx
	}
	return class2xx
}

// outcome is one attempt's result, or one scheduled request never sent.
type outcome struct {
	endpoint int
	class    string
	status   int // 0 without an answer
	latency  time.Duration
	service  time.Duration
	events   int
	first    bool // the request's first attempt (not a retry)
	// resent marks an attempt sent again at once after a reused connection
	// failed past the write; resendable the failed attempt that calls for it.
	resent, resendable bool
	// added is the engine's own delay before the first byte (-1: not
	// measured, e.g. the request waited for a slot).
	added  time.Duration
	replay bool
	at     time.Time // completion
	detail string    // error text or answer excerpt, kept as the class's example
}

// aggregate is the traffic of one time slice (or of a rolling window of them).
type aggregate struct {
	hist        *hdr.Histogram
	requests    uint64
	available   uint64
	rateLimited uint64
	answered    uint64
	span        time.Duration
}

func newAggregate() *aggregate { return &aggregate{hist: newHist(2)} }

func (a *aggregate) add(o *outcome) {
	recordUS(a.hist, o.latency)
	a.requests++
	if o.class == class2xx {
		a.available++
	}
	if o.status != 0 {
		a.answered++
	}
	if o.class == class429 {
		a.rateLimited++
	}
}

func (a *aggregate) reset() {
	a.hist.Reset()
	a.requests, a.available, a.rateLimited, a.answered, a.span = 0, 0, 0, 0, 0
}

func (a *aggregate) merge(b *aggregate) {
	a.hist.Merge(b.hist)
	a.requests += b.requests
	a.available += b.available
	a.rateLimited += b.rateLimited
	a.answered += b.answered
	a.span += b.span
}

func ms(us int64) float64 { return float64(us) / 1000 }

// recorder collects every outcome of a run in bounded memory: HDR histograms
// overall, per endpoint, per status class and per time slice; the rolling
// windows an SLA asks for are merged from the last slices as they close.
type recorder struct {
	mu     sync.Mutex
	start  time.Time
	bucket time.Duration

	overall, service *hdr.Histogram
	endpoints        map[int]*group
	classes          map[string]*group
	status           map[string]uint64
	errs             map[string]*ErrorClass

	attempts, retries, firstAttempts, replays, events uint64
	acked, ackedEvents, uniqueEvents                  uint64
	available, rateLimited, answered                  uint64
	exhausted, notSent, resent, aborted               uint64
	added                                             *hdr.Histogram // engine-added latency

	lag      *hdr.Histogram
	lagTol   time.Duration
	late     uint64
	capWaits uint64

	// timeline: cur is the slice being filled; recent the last closed ones.
	cur      int
	curAgg   *aggregate
	timeline []Window
	recent   []*aggregate // ring, newest at (head-1)
	head     int
	closed   int
	spans    []int // rolling windows, in slices
	scratch  *aggregate
	worst    *worst
	spanDur  []time.Duration
	lastDone time.Time
	// keepSlices keeps every closed slice, unsummarised, for a sharded
	// run's Part.
	keepSlices bool
	slices     []PartSlice
}

type group struct {
	hist     *hdr.Histogram
	requests uint64
}

func newRecorder(start time.Time, bucket, lagTol time.Duration, sla *SLA) *recorder {
	r := &recorder{start: start, bucket: bucket, lagTol: lagTol,
		overall: newHist(3), service: newHist(3), lag: newHist(2), added: newHist(2),
		endpoints: map[int]*group{}, classes: map[string]*group{}, status: map[string]uint64{},
		errs: map[string]*ErrorClass{}, curAgg: newAggregate(), scratch: newAggregate(), worst: newWorst(sla)}
	keep := 1
	for _, d := range sla.windows() {
		k := max(1, int((d+bucket/2)/bucket))
		r.spans = append(r.spans, k)
		r.spanDur = append(r.spanDur, d)
		keep = max(keep, k)
	}
	r.recent = make([]*aggregate, keep)
	for i := range r.recent {
		r.recent[i] = newAggregate()
	}
	return r
}

// bucketFor picks the timeline's slice length: a second, or longer for runs
// over 20 minutes so the timeline stays at most 1,200 slices.
func bucketFor(d time.Duration) time.Duration {
	const most = 1200
	if d <= most*time.Second {
		return time.Second
	}
	b := (d + most - 1) / most
	return ((b + time.Second - 1) / time.Second) * time.Second
}

func (r *recorder) record(o *outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.advance(o.at)
	if o.class == classAborted { // cut short: no latency, no verdict
		r.attempts++
		r.aborted++
		if o.first {
			r.firstAttempts++
			r.events += uint64(o.events)
		}
		r.status[classAborted]++
		return
	}
	recordUS(r.overall, o.latency)
	if o.added > 0 && o.first {
		recordUS(r.added, o.added)
	}
	if o.class != classNotSent {
		recordUS(r.service, o.service)
		r.attempts++
		if o.first {
			r.firstAttempts++
			r.events += uint64(o.events)
			if o.replay {
				r.replays++
			}
		} else {
			r.retries++
			if o.resent {
				r.resent++
			}
		}
	} else {
		r.notSent++
	}
	g := r.endpoints[o.endpoint]
	if g == nil {
		g = &group{hist: newHist(2)}
		r.endpoints[o.endpoint] = g
	}
	recordUS(g.hist, o.latency)
	g.requests++
	c := r.classes[o.class]
	if c == nil {
		c = &group{hist: newHist(2)}
		r.classes[o.class] = c
	}
	recordUS(c.hist, o.latency)
	c.requests++
	key := o.class
	if o.status != 0 {
		key = statusKey(o.status)
		r.answered++
	}
	r.status[key]++
	switch o.class {
	case class2xx:
		r.available++
		r.acked++
		r.ackedEvents += uint64(o.events)
		if !o.replay {
			r.uniqueEvents += uint64(o.events)
		}
	case class429:
		r.rateLimited++
	}
	if o.class != class2xx {
		e := r.errs[o.class]
		if e == nil {
			e = &ErrorClass{Class: o.class, Example: o.detail}
			r.errs[o.class] = e
		}
		e.Count++
	}
	r.curAgg.add(o)
	if o.at.After(r.lastDone) {
		r.lastDone = o.at
	}
}

// statusKey is the status's count key; the usual ones without an allocation
// (this runs for every answer).
func statusKey(status int) string {
	switch status {
	case 200:
		return "200"
	case 201:
		return "201"
	case 202:
		return "202"
	case 204:
		return "204"
	case 400:
		return "400"
	case 401:
		return "401"
	case 403:
		return "403"
	case 409:
		return "409"
	case 429:
		return "429"
	case 500:
		return "500"
	case 503:
		return "503"
	}
	return strconv.Itoa(status)
}

func (r *recorder) exhaust() {
	r.mu.Lock()
	r.exhausted++
	r.mu.Unlock()
}

// dispatched notes how late the generator itself sent a request, and whether
// it had to wait for an in-flight slot.
func (r *recorder) dispatched(own time.Duration, capWait bool) {
	r.mu.Lock()
	recordUS(r.lag, own)
	if own > r.lagTol {
		r.late++
	}
	if capWait {
		r.capWaits++
	}
	r.mu.Unlock()
}

func (r *recorder) advance(now time.Time) {
	idx := int(now.Sub(r.start) / r.bucket)
	for r.cur < idx {
		r.closeSlice(r.bucket)
	}
}

// closeSlice ends the current slice: its summary joins the timeline, it enters
// the ring of recent slices, and every complete rolling window ending here is
// judged.
func (r *recorder) closeSlice(span time.Duration) {
	a := r.curAgg
	a.span = span
	w := Window{StartS: (time.Duration(r.cur) * r.bucket).Seconds(), Requests: a.requests,
		Errors: a.requests - a.available, RateLimited: a.rateLimited}
	if span > 0 {
		w.Rate = round(float64(a.answered) / span.Seconds())
	}
	if a.requests > 0 {
		w.Availability = round(float64(a.available) / float64(a.requests))
		w.P50MS = ms(a.hist.ValueAtQuantile(50))
		w.P95MS = ms(a.hist.ValueAtQuantile(95))
		w.P99MS = ms(a.hist.ValueAtQuantile(99))
		w.MaxMS = ms(a.hist.Max())
	}
	r.timeline = append(r.timeline, w)
	if r.keepSlices {
		r.slices = append(r.slices, PartSlice{Requests: a.requests, Available: a.available,
			RateLimited: a.rateLimited, Answered: a.answered, SpanNS: int64(span), HDR: encodeHist(a.hist)})
	}
	// Swap the filled slice into the ring; reuse the one falling out.
	old := r.recent[r.head]
	r.recent[r.head] = a
	r.head = (r.head + 1) % len(r.recent)
	old.reset()
	r.curAgg = old
	r.closed++
	for i, k := range r.spans {
		if r.closed < k {
			continue
		}
		r.scratch.reset()
		for j := 1; j <= k; j++ {
			r.scratch.merge(r.recent[(r.head-j+len(r.recent))%len(r.recent)])
		}
		start := time.Duration(r.cur+1-k) * r.bucket
		r.worst.observe(r.spanDur[i], start, r.scratch)
	}
	r.cur++
}

// finish closes the timeline at end (the last slice may be partial).
func (r *recorder) finish(end time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.advance(end)
	// The tail slice is partial: its rate is over the time it covers, and
	// it says so (SpanS), so that a report does not draw it as a dip.
	if rest := end.Sub(r.start) - time.Duration(r.cur)*r.bucket; rest > 0 && r.curAgg.requests > 0 {
		r.closeSlice(rest)
		if rest < r.bucket {
			r.timeline[len(r.timeline)-1].SpanS = rest.Seconds()
		}
	}
}

func summarize(h *hdr.Histogram, full bool) Latency {
	n := h.TotalCount()
	if n == 0 {
		return Latency{}
	}
	l := Latency{Count: uint64(n), MinMS: ms(h.Min()), MeanMS: round(h.Mean() / 1000),
		P50MS: ms(h.ValueAtQuantile(50)), P90MS: ms(h.ValueAtQuantile(90)), P95MS: ms(h.ValueAtQuantile(95)),
		P99MS: ms(h.ValueAtQuantile(99)), P999MS: ms(h.ValueAtQuantile(99.9)), MaxMS: ms(h.Max())}
	if full {
		for _, q := range distribution {
			l.Percentiles = append(l.Percentiles, Percentile{Percentile: q, MS: ms(h.ValueAtQuantile(q))})
		}
		if enc, err := h.Encode(hdr.V2CompressedEncodingCookieBase); err == nil {
			l.HDR = base64.StdEncoding.EncodeToString(enc)
		}
	}
	return l
}

// distribution are the percentiles a report plots: dense towards the tail.
var distribution = []float64{0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 99, 99.5, 99.9, 99.99, 100}

func (r *recorder) classGroups() []Group {
	var out []Group
	for _, c := range classOrder {
		if g := r.classes[c]; g != nil {
			out = append(out, Group{Name: c, Requests: g.requests, Latency: summarize(g.hist, false)})
		}
	}
	return out
}

func (r *recorder) errorList() []ErrorClass {
	var out []ErrorClass
	for _, c := range classOrder {
		if e := r.errs[c]; e != nil {
			out = append(out, *e)
		}
	}
	return slices.Clip(out)
}
