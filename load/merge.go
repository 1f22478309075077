package load

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Sharded runs. One schedule can be sent by N runners: shard i of N sends
// every N-th arrival from the i-th (arrivals i, i+N, i+2N…), so together the
// shards send exactly the arrivals of one run, at the same offsets from their
// start. Each shard writes a Part: its histograms (HDR, encoded), counts and
// time slices, unsummarised. Merge adds the parts up and summarises them the
// way one run summarises itself, so the merged report and SLA verdict,
// windowed thresholds included, are those of one run of the whole schedule,
// within HDR precision.

// PartSchema names the layout of a Part; Merge refuses another.
const PartSchema = "s2s-load-part/1"

// PartFile is the file a shard writes its Part to, in its report folder.
const PartFile = "part.json"

// Shard is one runner's share of the schedule; the zero value is a whole run.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// ErrShard marks a shard or a set of parts that cannot be used.
var ErrShard = errors.New("invalid shard")

// ParseShard reads "i/N" (0 ≤ i < N).
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("%w: %q: want i/N with 0 ≤ i < N, e.g. 0/3", ErrShard, s)
	}
	return Shard{Index: i, Count: n}, nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// sharded reports whether the run is one of several.
func (s Shard) sharded() bool { return s.Count > 1 }

// owns reports whether arrival n (from 0) of the schedule is this shard's.
func (s Shard) owns(n uint64) bool { return s.Count <= 1 || n%uint64(s.Count) == uint64(s.Index) }

// seed is the shard's workload seed: shards of one seed must not send the
// same events.
func (s Shard) seed(base int64) int64 {
	if !s.sharded() {
		return base
	}
	return int64(uint64(base) + uint64(s.Index)*0x9e3779b97f4a7c15)
}

// Part is what a shard leaves for Merge: its own result (for the run's
// description and the receiver's view), the SLA it was held to, and its
// measurements unsummarised.
type Part struct {
	Schema string  `json:"schema"`
	Shard  Shard   `json:"shard"`
	Result *Result `json:"result"`
	SLA    *SLA    `json:"sla"`
	Run    PartRun `json:"run"`
}

// PartRun is a shard's measurements. Times are unix nanoseconds.
type PartRun struct {
	Start       int64    `json:"start_ns"`
	Span        int64    `json:"span_ns"` // end of the schedule (or the interrupt)
	LastDone    int64    `json:"last_done_ns"`
	BucketNS    int64    `json:"bucket_ns"`
	DurationNS  int64    `json:"duration_ns"`
	LagTolNS    int64    `json:"lag_tolerance_ns"`
	Max         bool     `json:"max,omitempty"`
	Seed        int64    `json:"seed"` // the run's seed, before the shard's own
	Endpoints   []string `json:"endpoints"`
	GenNotSent  uint64   `json:"gen_not_sent"`
	CapNotSent  uint64   `json:"cap_not_sent"`
	Interrupted bool     `json:"interrupted,omitempty"`
	Fatal       string   `json:"fatal,omitempty"`

	Overall, Service, Lag, Added string // HDR, V2 compressed, base64
	Endpoint                     map[int]PartGroup
	Classes                      map[string]PartGroup
	Status                       map[string]uint64
	Errors                       []ErrorClass
	Counters                     map[string]uint64
	Slices                       []PartSlice
}

// PartGroup is one endpoint's or status class's traffic.
type PartGroup struct {
	Requests uint64 `json:"requests"`
	HDR      string `json:"hdr"`
}

// PartSlice is one time slice of the timeline.
type PartSlice struct {
	Requests    uint64 `json:"requests"`
	Available   uint64 `json:"available"`
	RateLimited uint64 `json:"rate_limited"`
	Answered    uint64 `json:"answered"`
	SpanNS      int64  `json:"span_ns"` // the time it covers: a bucket, less for the last
	HDR         string `json:"hdr"`
}

func encodeHist(h *hdr.Histogram) string {
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(b)
}

func decodeHist(s string) (*hdr.Histogram, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	return hdr.Decode(b)
}

// counters names the recorder's counts in a Part.
func (r *recorder) counters() map[string]*uint64 {
	return map[string]*uint64{"attempts": &r.attempts, "retries": &r.retries, "first_attempts": &r.firstAttempts,
		"replays": &r.replays, "events": &r.events, "acked": &r.acked, "acked_events": &r.ackedEvents,
		"unique_events": &r.uniqueEvents, "available": &r.available, "rate_limited": &r.rateLimited,
		"answered": &r.answered, "exhausted": &r.exhausted, "not_sent": &r.notSent, "resent": &r.resent,
		"aborted": &r.aborted, "late": &r.late, "cap_waits": &r.capWaits}
}

// part is the engine's Part once the run is summarised.
func (e *engine) part(res *Result, start, span time.Time, genNotSent, capNotSent uint64, interrupted bool) *Part {
	r := e.rec
	r.mu.Lock()
	defer r.mu.Unlock()
	run := PartRun{Start: start.UnixNano(), Span: span.UnixNano(), LastDone: maxTime(r.lastDone, start).UnixNano(),
		BucketNS: int64(r.bucket), DurationNS: int64(e.s.Duration), LagTolNS: int64(e.s.LagTolerance), Max: e.s.Max,
		Seed: e.cfg.Scenario.Seed, GenNotSent: genNotSent, CapNotSent: capNotSent, Interrupted: interrupted,
		Overall: encodeHist(r.overall), Service: encodeHist(r.service), Lag: encodeHist(r.lag), Added: encodeHist(r.added),
		Endpoint: map[int]PartGroup{}, Classes: map[string]PartGroup{}, Status: maps.Clone(r.status),
		Errors: r.errorList(), Counters: map[string]uint64{}, Slices: r.slices}
	if err := e.fatal.Load(); err != nil {
		run.Fatal = (*err).Error()
	}
	for _, ep := range e.cfg.Profile.Endpoints {
		run.Endpoints = append(run.Endpoints, ep.ID)
	}
	for i, g := range r.endpoints {
		run.Endpoint[i] = PartGroup{Requests: g.requests, HDR: encodeHist(g.hist)}
	}
	for c, g := range r.classes {
		run.Classes[c] = PartGroup{Requests: g.requests, HDR: encodeHist(g.hist)}
	}
	for k, p := range r.counters() {
		run.Counters[k] = *p
	}
	return &Part{Schema: PartSchema, Shard: e.cfg.Shard, Result: res, SLA: e.cfg.SLA, Run: run}
}

// Merge adds up the parts of one sharded run (every shard of it, once) and
// judges the whole: one result, one verdict.
func Merge(parts []*Part) (*Result, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: no parts to merge", ErrShard)
	}
	parts = slices.Clone(parts)
	slices.SortFunc(parts, func(a, b *Part) int { return a.Shard.Index - b.Shard.Index })
	first := parts[0]
	n := max(first.Shard.Count, 1)
	if len(parts) != n {
		return nil, fmt.Errorf("%w: %d parts of a run in %d shards", ErrShard, len(parts), n)
	}
	for i, p := range parts {
		if err := p.compatible(first); err != nil {
			return nil, fmt.Errorf("%w: shard %s: %w", ErrShard, p.Shard, err)
		}
		if p.Shard.Index != i {
			return nil, fmt.Errorf("%w: shard %d/%d is missing or given twice", ErrShard, i, n)
		}
	}
	run := first.Run
	start, span, lastDone := time.Unix(0, run.Start), time.Unix(0, run.Span), time.Unix(0, run.LastDone)
	for _, p := range parts[1:] {
		start = minTime(start, time.Unix(0, p.Run.Start))
		span = maxTime(span, time.Unix(0, p.Run.Span))
		lastDone = maxTime(lastDone, time.Unix(0, p.Run.LastDone))
	}
	sla := first.SLA
	r := newRecorder(start, time.Duration(run.BucketNS), time.Duration(run.LagTolNS), sla)
	var genNotSent, capNotSent uint64
	interrupted := false
	var fatal error
	for _, p := range parts {
		if err := r.absorb(&p.Run); err != nil {
			return nil, fmt.Errorf("%w: shard %s: %w", ErrShard, p.Shard, err)
		}
		genNotSent += p.Run.GenNotSent
		capNotSent += p.Run.CapNotSent
		interrupted = interrupted || p.Run.Interrupted
		if p.Run.Fatal != "" && fatal == nil {
			fatal = fmt.Errorf("shard %s: %s", p.Shard, p.Run.Fatal)
		}
	}
	r.lastDone = lastDone
	// The timeline: slice k of the whole is slice k of every shard, and
	// covers the longest of their spans (they differ in the last only).
	most := 0
	for _, p := range parts {
		most = max(most, len(p.Run.Slices))
	}
	for k := range most {
		r.curAgg.reset()
		var span time.Duration
		for _, p := range parts {
			if k < len(p.Run.Slices) {
				span = max(span, time.Duration(p.Run.Slices[k].SpanNS))
			}
		}
		for _, p := range parts {
			if k >= len(p.Run.Slices) {
				continue
			}
			s := p.Run.Slices[k]
			h, err := decodeHist(s.HDR)
			if err != nil {
				return nil, fmt.Errorf("%w: shard %s slice %d: %w", ErrShard, p.Shard, k, err)
			}
			r.curAgg.merge(&aggregate{hist: h, requests: s.Requests, available: s.Available,
				rateLimited: s.RateLimited, answered: s.Answered})
		}
		r.closeSlice(span)
		if span < r.bucket {
			r.timeline[len(r.timeline)-1].SpanS = span.Seconds()
		}
	}

	p := &profile.Profile{Name: first.Result.Profile}
	for _, id := range run.Endpoints {
		p.Endpoints = append(p.Endpoints, profile.Endpoint{ID: id})
	}
	s := &Scenario{Duration: time.Duration(run.DurationNS), LagTolerance: time.Duration(run.LagTolNS), Max: run.Max}
	e := &engine{cfg: Config{Profile: p, SLA: sla}, s: s, rec: r}
	if fatal != nil {
		e.fatal.Store(&fatal)
	}
	res := &Result{Schema: ResultSchema, Version: first.Result.Version, Profile: first.Result.Profile,
		Target: first.Result.Target, Inspect: first.Result.Inspect, Scenario: first.Result.Scenario,
		Started: start.UTC(), Shards: n}
	res.Scenario.Seed = run.Seed
	res.Scenario.MaxInFlight = 0
	for _, p := range parts {
		res.Scenario.MaxInFlight += p.Result.Scenario.MaxInFlight
		res.Finished = maxTime(res.Finished, p.Result.Finished)
	}
	e.fill(res, start, span, genNotSent, capNotSent)
	res.Receiver = mergeReceivers(parts, res)
	res.Thresholds = sla.evaluate(e.measured(res, false), r.worst)
	res.Reasons, res.Verdict, res.GeneratorLagged = e.judge(res, interrupted)
	return res, nil
}

// compatible reports how p differs from first where shards of one run agree.
func (p *Part) compatible(first *Part) error {
	switch {
	case p.Schema != PartSchema:
		return fmt.Errorf("part schema %q: want %q", p.Schema, PartSchema)
	case p.Result == nil || p.SLA == nil:
		return errors.New("part without its result or SLA")
	case p.Shard.Count != first.Shard.Count:
		return fmt.Errorf("one of %d shards, merged with one of %d", p.Shard.Count, first.Shard.Count)
	case p.Result.Profile != first.Result.Profile:
		return fmt.Errorf("profile %s, others %s", p.Result.Profile, first.Result.Profile)
	case p.Run.DurationNS != first.Run.DurationNS || p.Run.BucketNS != first.Run.BucketNS ||
		p.Run.Max != first.Run.Max || p.Result.Scenario.Name != first.Result.Scenario.Name ||
		p.Result.Scenario.Rate != first.Result.Scenario.Rate || !reflect.DeepEqual(p.Result.Scenario.Stages, first.Result.Scenario.Stages):
		return errors.New("another schedule (scenario, rate or duration) than the other shards")
	case !reflect.DeepEqual(p.SLA, first.SLA):
		return errors.New("another SLA than the other shards")
	case !slices.Equal(p.Run.Endpoints, first.Run.Endpoints):
		return errors.New("another profile definition than the other shards")
	}
	return nil
}

// absorb adds a shard's measurements into r (all but the timeline).
func (r *recorder) absorb(run *PartRun) error {
	for _, h := range []struct {
		dst *hdr.Histogram
		src string
	}{{r.overall, run.Overall}, {r.service, run.Service}, {r.lag, run.Lag}, {r.added, run.Added}} {
		if h.src == "" {
			continue
		}
		d, err := decodeHist(h.src)
		if err != nil {
			return err
		}
		h.dst.Merge(d)
	}
	for i, g := range run.Endpoint {
		d, err := decodeHist(g.HDR)
		if err != nil {
			return err
		}
		if r.endpoints[i] == nil {
			r.endpoints[i] = &group{hist: newHist(2)}
		}
		r.endpoints[i].hist.Merge(d)
		r.endpoints[i].requests += g.Requests
	}
	for c, g := range run.Classes {
		d, err := decodeHist(g.HDR)
		if err != nil {
			return err
		}
		if r.classes[c] == nil {
			r.classes[c] = &group{hist: newHist(2)}
		}
		r.classes[c].hist.Merge(d)
		r.classes[c].requests += g.Requests
	}
	for k, v := range run.Status {
		r.status[k] += v
	}
	for _, e := range run.Errors {
		if x := r.errs[e.Class]; x != nil {
			x.Count += e.Count
		} else {
			c := e
			r.errs[e.Class] = &c
		}
	}
	cs := r.counters()
	for k, v := range run.Counters {
		p, ok := cs[k]
		if !ok {
			return fmt.Errorf("unknown counter %q", k)
		}
		*p += v
	}
	return nil
}

// mergeReceivers joins the shards' views of the receiver. What each shard
// counted of its own events adds up; the receiver's own counters were read
// by every shard over its own run, which the other shards' traffic overlaps,
// so the largest reading stands for the run.
func mergeReceivers(parts []*Part, res *Result) Receiver {
	var out Receiver
	first := parts[0].Result.Receiver
	out.Source, out.ResolutionMS = first.Source, first.ResolutionMS
	sum := func(get func(Receiver) *uint64) *uint64 {
		var total uint64
		for _, p := range parts {
			v := get(p.Result.Receiver)
			if v == nil {
				return nil
			}
			total += *v
		}
		return &total
	}
	out.Duplicates = sum(func(r Receiver) *uint64 { return r.Duplicates })
	out.Lost = sum(func(r Receiver) *uint64 { return r.Lost })
	var ingest []*Latency
	for _, p := range parts {
		rv := p.Result.Receiver
		if rv.Source != out.Source {
			out.Source = ""
		}
		out.SentEvents += rv.SentEvents
		out.Missed += rv.Missed
		out.Unmatched += rv.Unmatched
		out.Unsettled += rv.Unsettled
		if rv.Recorded != nil && (out.Recorded == nil || *rv.Recorded > *out.Recorded) {
			out.Recorded = ptr(*rv.Recorded)
		}
		if rv.IngestLag != nil {
			ingest = append(ingest, rv.IngestLag)
		}
		for _, n := range rv.Notes {
			out.Notes = append(out.Notes, fmt.Sprintf("shard %s: %s", p.Shard, n))
		}
	}
	var resets []string
	for _, p := range parts {
		if r := p.Result.Receiver.StateReset; r != "" {
			resets = append(resets, fmt.Sprintf("shard %s: %s", p.Shard, r))
		}
	}
	if len(resets) > 0 { // as one run's reset: no loss or duplicate figure stands
		out.StateReset = strings.Join(resets, "; ")
		out.Duplicates, out.Lost, out.Recorded = nil, nil, nil
		return out
	}
	if out.Source == "" {
		out.Duplicates, out.Lost, out.Recorded = nil, nil, nil
		return out
	}
	if out.Duplicates != nil && res.Requests.AckedEvents > 0 {
		out.DuplicateRate = ptr(round(float64(*out.Duplicates) / float64(res.Requests.AckedEvents)))
	}
	if out.Lost != nil && out.SentEvents > 0 {
		out.LossRate = ptr(round(float64(*out.Lost) / float64(out.SentEvents)))
	}
	if out.Recorded != nil && out.SentEvents > 0 {
		d := float64(*out.Recorded) - float64(out.SentEvents)
		if d < 0 {
			d = -d
		}
		out.Discrepancy = ptr(round(d / float64(out.SentEvents)))
		out.Flagged = *out.Discrepancy > 0.03
	}
	if len(ingest) == len(parts) {
		out.IngestLag = mergeLatencies(ingest)
	}
	out.Notes = append(out.Notes, "merged from shards: the receiver's counters (recorded, discrepancy) are the largest shard's reading; foreign events are not told apart, each shard seeing the others' events as foreign")
	return out
}

// mergeLatencies joins summaries: exactly from their HDR histograms when
// all have one, else conservatively (the worst of each percentile).
func mergeLatencies(ls []*Latency) *Latency {
	h := newHist(3)
	exact := true
	for _, l := range ls {
		d, err := decodeHist(l.HDR)
		if l.HDR == "" || err != nil {
			exact = false
			break
		}
		h.Merge(d)
	}
	if exact {
		l := summarize(h, true)
		return &l
	}
	out := *ls[0]
	out.HDR, out.Percentiles = "", nil
	for _, l := range ls[1:] {
		out.Count += l.Count
		out.MinMS = min(out.MinMS, l.MinMS)
		out.MeanMS = max(out.MeanMS, l.MeanMS)
		out.P50MS, out.P90MS, out.P95MS = max(out.P50MS, l.P50MS), max(out.P90MS, l.P90MS), max(out.P95MS, l.P95MS)
		out.P99MS, out.P999MS, out.MaxMS = max(out.P99MS, l.P99MS), max(out.P999MS, l.P999MS), max(out.MaxMS, l.MaxMS)
	}
	return &out
}

// sleepUntil waits for t, or for ctx; it reports whether t came.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}
