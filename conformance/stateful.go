package conformance

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
)

// The checks of what a receiver records, through the inspection API: drops,
// batch atomicity, repeats and recorded times. Each resets the profile first,
// so the journal holds exactly its own requests.

// concurrentDeliveries is how many copies of one event the concurrency check
// sends at once.
const concurrentDeliveries = 12

// dropped: a request answered as accepted whose events must not be recorded.
func (d *deriver) dropped(name string, pl *profile.Payload, exp expectation, also []string) {
	d.add(Check{Area: exp.judged.Area, Name: name, Rules: append([]string{exp.judged.ID, exp.rule.ID}, also...),
		Ground: exp.ground, budget: 1, stateful: true, run: func(s *session) []Verdict {
			x, err := s.send(pl, sendOpts{})
			if err != nil {
				return skipAll(s.c, err.Error())
			}
			vs := s.judgeAnswer(x, exp)
			if !x.accepted() {
				return vs
			}
			if !s.inspection() {
				return []Verdict{{Rule: exp.judged.ID, Status: Skip, Evidence: x.evidence(),
					Message: fmt.Sprintf("%s: answered %s as required; whether it was recorded needs the inspection API", exp.what, x.what())}}
			}
			return []Verdict{s.nothingRecorded(exp.judged, exp.ground, exp.what, x.evidence())}
		}})
}

// nothingRecorded judges, under r, that the profile's journal since the reset
// records no event.
func (s *session) nothingRecorded(r profile.Rule, g profile.Ground, what string, ev *CertEvidence) Verdict {
	es, err := s.entries()
	if err != nil {
		return Verdict{Rule: r.ID, Status: Skip, Message: fmt.Sprintf("%s: %v", what, err), Evidence: ev}
	}
	if len(es) == 0 {
		return Verdict{Rule: r.ID, Status: Skip, Evidence: ev,
			Message: fmt.Sprintf("%s: the journal shows no request after the reset; cannot tell what was recorded", what)}
	}
	last := es[len(es)-1]
	n := 0
	for _, e := range last.Events {
		if e.Recorded {
			n++
		}
	}
	note := fmt.Sprintf("journal: outcome %q, %d of %d events recorded", last.Outcome, n, len(last.Events))
	if last.Reason != "" {
		note += ", reason: " + last.Reason
	}
	ev = withNote(ev, note)
	if n > 0 {
		return Verdict{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: ev,
			Message: fmt.Sprintf("%s: the receiver recorded %d event(s) it must not record (%s)", what, n, note)}
	}
	return Verdict{Rule: r.ID, Status: Pass, Evidence: ev, Message: fmt.Sprintf("%s: nothing recorded (%s)", what, note)}
}

func withNote(ev *CertEvidence, note string) *CertEvidence {
	if ev == nil {
		return nil
	}
	c := *ev
	c.Notes = append(append([]string(nil), ev.Notes...), note)
	return &c
}

// record is what the profile says a receiver keeps of pl's first event.
func (d *deriver) record(pl *profile.Payload) (profile.Record, bool) {
	if d.p.Describe == nil {
		return profile.Record{}, false
	}
	req, err := fixtures.Request(d.p, pl, d.o.Now)
	if err != nil {
		return profile.Record{}, false
	}
	doc, err := strictjson.Decode(req.Body)
	if err != nil {
		return profile.Record{}, false
	}
	items := req.Endpoint.ItemsOf(doc)
	if len(items) == 0 {
		return profile.Record{}, false
	}
	return d.p.Describe(items[0], req, profile.Principal{}), true
}

// sample returns a fresh payload of the first event type whose record has
// what want asks for.
func (d *deriver) sample(want func(profile.Record) bool) (*profile.Payload, profile.Record, bool) {
	for _, et := range d.p.Events {
		pl, err := d.gen.Of(et.Name, "")
		if err != nil {
			continue
		}
		if rec, ok := d.record(pl); ok && want(rec) {
			return pl, rec, true
		}
	}
	return nil, profile.Record{}, false
}

// itemField is the path of a member of the first event of a body for e.
func itemField(e *profile.Endpoint, field string) string {
	if p := e.ItemPath(0); p != "" {
		return p + "." + field
	}
	return field
}

// dedupe: the profile's repeat policy.
func (d *deriver) dedupe() error {
	dd := d.p.Dedupe
	switch dd.Kind {
	case profile.MarkDuplicates:
		d.markDuplicates()
	case profile.Idempotent:
		d.idempotent()
		d.concurrent()
	}
	if dd.FallbackRule != "" {
		d.fallback()
	}
	return nil
}

// markDuplicates: a repeat is accepted and recorded again, flagged duplicate.
func (d *deriver) markDuplicates() {
	r := d.rule(d.p.Dedupe.Rule)
	pl, _, ok := d.sample(func(rec profile.Record) bool { return rec.DedupeKey != "" })
	if !ok {
		return
	}
	what := fmt.Sprintf("the same %s event sent twice", pl.Event)
	g := d.p.GroundOf(r.ID, profile.KindRepeat, "duplicate")
	d.add(Check{Area: r.Area, Name: "records " + what + " twice, the second marked duplicate", Rules: []string{r.ID},
		Ground: g, budget: 2, Inspect: true, stateful: true, run: func(s *session) []Verdict {
			var xs []*exchange
			for range 2 {
				x, err := s.send(pl, sendOpts{})
				if err != nil {
					return skipAll(s.c, err.Error())
				}
				if !x.accepted() {
					return []Verdict{{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: x.evidence(),
						Message: fmt.Sprintf("%s: answered %s; a repeat is accepted (%s)", what, x.what(), r.ID)}}
				}
				xs = append(xs, x)
			}
			es, err := s.entries()
			if err != nil || len(es) < 2 || len(es[len(es)-1].Events) == 0 {
				return []Verdict{{Rule: r.ID, Status: Skip, Evidence: xs[1].evidence(),
					Message: fmt.Sprintf("%s: the journal does not show both requests (%v)", what, err)}}
			}
			first, second := es[len(es)-2], es[len(es)-1]
			ev := withNote(xs[1].evidence(), fmt.Sprintf("journal: first %s %s, second %s %s", first.Outcome, flags(first), second.Outcome, flags(second)))
			e := second.Events[0]
			if !e.Recorded || !e.Duplicate {
				return []Verdict{{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: ev,
					Message: fmt.Sprintf("%s: the repeat is recorded=%v duplicate=%v; want recorded and marked duplicate (%s)", what, e.Recorded, e.Duplicate, r.ID)}}
			}
			return []Verdict{{Rule: r.ID, Status: Pass, Evidence: ev, Message: what + ": both recorded, the second marked duplicate"}}
		}})
}

func flags(e inspect.Entry) string {
	if len(e.Events) == 0 {
		return "(no events)"
	}
	ev := e.Events[0]
	return fmt.Sprintf("(recorded=%v duplicate=%v replay=%v conflict=%v probable_duplicate=%v)",
		ev.Recorded, ev.Duplicate, ev.Replay, ev.Conflict, ev.ProbableDuplicate)
}

// markers are the members of the success answer that tell a first delivery
// from a replay (postback's "idempotent"), with their value for each.
type markers struct{ first, replay map[string]string }

func (d *deriver) markers() markers {
	m := markers{first: map[string]string{}, replay: map[string]string{}}
	if f := d.p.Responses.ReplayField; f != "" {
		m.first[f], m.replay[f] = "false", "true"
	}
	return m
}

// mismatch says how an answer's markers differ from want ("" when they match).
func (m markers) mismatch(x *exchange, want map[string]string) string {
	var got map[string]json.RawMessage
	if err := json.Unmarshal(x.body, &got); err != nil {
		return "the answer is not a JSON object"
	}
	for k, v := range want {
		if string(got[k]) != v {
			return fmt.Sprintf("%s is %s, want %s", k, orNone(string(got[k])), v)
		}
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "absent"
	}
	return s
}

// sameID returns another event of pl's type carrying pl's idempotency key.
func (d *deriver) sameID(pl *profile.Payload, id string) (*profile.Payload, bool) {
	e, _ := d.p.Endpoint(pl.Endpoint)
	other, err := d.gen.Of(pl.Event, pl.Endpoint)
	if err != nil {
		return nil, false
	}
	for _, f := range d.p.UniqueFields {
		path := itemField(e, f)
		v, ok := profile.Get(pl.Body, path)
		if !ok {
			continue
		}
		c := other.Clone()
		profile.Set(c.Body, path, profile.DeepCopy(v))
		if rec, ok := d.record(c); ok && rec.ID == id {
			return c, true
		}
	}
	return nil, false
}

// idempotent: the first delivery is answered as such and recorded; a replay
// (even with another payload) is answered as a replay and not recorded.
func (d *deriver) idempotent() {
	r := d.rule(d.p.Dedupe.Rule)
	pl, rec, ok := d.sample(func(rec profile.Record) bool { return rec.ID != "" })
	if !ok {
		return
	}
	m := d.markers()
	conflict, hasConflict := d.sameID(pl, rec.ID)
	what := fmt.Sprintf("a %s event delivered twice", pl.Event)
	budget := 2
	if hasConflict {
		budget = 3
	}
	g := d.p.GroundOf(r.ID, profile.KindRepeat, "replay")
	gc := d.p.GroundOf(r.ID, profile.KindRepeat, "conflict")
	d.add(Check{Area: r.Area, Name: "answers " + what + " as first delivery then replay, recording it once", Rules: []string{r.ID},
		Ground: g, budget: budget, stateful: true, run: func(s *session) []Verdict {
			if len(m.first) == 0 && !s.inspection() {
				return skipAll(s.c, "the answers do not tell a replay from a first delivery; needs the inspection API")
			}
			fail := func(x *exchange, level profile.Level, g profile.Ground, format string, args ...any) []Verdict {
				return []Verdict{{Rule: r.ID, Status: judgeOn(level, g), Ground: g, Evidence: x.evidence(), Message: fmt.Sprintf(format, args...)}}
			}
			sends := []delivery{{pl, m.first, "first delivery", r.Level, g}, {pl, m.replay, "replay", r.Level, g}}
			if hasConflict {
				level := r.Level
				if cl := d.p.Dedupe.ConflictLevel; cl != "" {
					level = weaker(level, cl)
				}
				sends = append(sends, delivery{conflict, m.replay, "replay with a different payload", level, gc})
			}
			var last *exchange
			for _, sd := range sends {
				x, err := s.send(sd.pl, sendOpts{})
				if err != nil {
					return skipAll(s.c, err.Error())
				}
				last = x
				level := sd.level
				if !x.accepted() {
					return fail(x, level, sd.ground, "%s: the %s was answered %s; want 2xx (%s)", what, sd.name, x.what(), r.ID)
				}
				if msg := m.mismatch(x, sd.want); len(sd.want) > 0 && msg != "" {
					return fail(x, level, sd.ground, "%s: the %s: %s (%s)", what, sd.name, msg, r.ID)
				}
			}
			if !s.inspection() {
				return []Verdict{{Rule: r.ID, Status: Pass, Evidence: last.evidence(),
					Message: what + ": answered first delivery, then replay; that it was recorded once is not checked without the inspection API"}}
			}
			es, err := s.entries()
			if err != nil {
				return []Verdict{{Rule: r.ID, Status: Skip, Evidence: last.evidence(), Message: err.Error()}}
			}
			n := recordedWithID(es, rec.ID)
			ev := withNote(last.evidence(), fmt.Sprintf("journal: %d request(s), %d event(s) recorded with id %s", len(es), n, rec.ID))
			if n != 1 {
				return []Verdict{{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: ev,
					Message: fmt.Sprintf("%s: recorded %d times; want once (%s)", what, n, r.ID)}}
			}
			return []Verdict{{Rule: r.ID, Status: Pass, Evidence: ev, Message: what + ": answered first delivery then replay, recorded once"}}
		}})
}

// delivery is one send of the idempotency check and the markers its answer carries.
type delivery struct {
	pl     *profile.Payload
	want   map[string]string
	name   string
	level  profile.Level // how binding this delivery's answer is
	ground profile.Ground
}

func recordedWithID(es []inspect.Entry, id string) int {
	n := 0
	for _, e := range es {
		for _, ev := range e.Events {
			if ev.Recorded && ev.ID == id {
				n++
			}
		}
	}
	return n
}

// concurrent: concurrent deliveries of one event yield exactly one first
// delivery (and, with inspection, one record).
func (d *deriver) concurrent() {
	id := d.p.Dedupe.ConcurrentRule
	if id == "" {
		return
	}
	r := d.rule(id)
	pl, rec, ok := d.sample(func(rec profile.Record) bool { return rec.ID != "" })
	if !ok {
		return
	}
	m := d.markers()
	what := fmt.Sprintf("%d concurrent deliveries of one %s event", concurrentDeliveries, pl.Event)
	g := d.p.GroundOf(r.ID, profile.KindRepeat, "concurrent")
	d.add(Check{Area: r.Area, Name: "answers " + what + " with exactly one first delivery", Rules: []string{r.ID},
		Ground: g, budget: concurrentDeliveries, stateful: true, run: func(s *session) []Verdict {
			if len(m.first) == 0 && !s.inspection() {
				return skipAll(s.c, "the answers do not tell a replay from a first delivery; needs the inspection API")
			}
			pr, err := s.prepare(pl, sendOpts{})
			if err != nil {
				return skipAll(s.c, err.Error())
			}
			xs := make([]*exchange, concurrentDeliveries)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range xs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					xs[i] = s.do(pr, false)
				}()
			}
			close(start)
			wg.Wait()
			firsts := 0
			for _, x := range xs {
				if !x.accepted() {
					return []Verdict{{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: x.evidence(),
						Message: fmt.Sprintf("%s: one was answered %s; want 2xx (%s)", what, x.what(), r.ID)}}
				}
				if len(m.first) > 0 && m.mismatch(x, m.first) == "" {
					firsts++
				}
			}
			ev := xs[0].evidence()
			if len(m.first) > 0 && firsts != 1 {
				return []Verdict{{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: ev,
					Message: fmt.Sprintf("%s: %d answers say first delivery; want exactly 1 (%s)", what, firsts, r.ID)}}
			}
			if s.inspection() {
				es, err := s.entries()
				if err != nil {
					return []Verdict{{Rule: r.ID, Status: Skip, Evidence: ev, Message: err.Error()}}
				}
				if n := recordedWithID(es, rec.ID); n != 1 {
					return []Verdict{{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: ev,
						Message: fmt.Sprintf("%s: recorded %d times; want once (%s)", what, n, r.ID)}}
				}
			}
			return []Verdict{{Rule: r.ID, Status: Pass, Evidence: ev, Message: what + ": exactly one first delivery"}}
		}})
}

// fallback: the same fallback key under another idempotency key within the
// window is accepted and flagged a probable duplicate.
func (d *deriver) fallback() {
	r := d.rule(d.p.Dedupe.FallbackRule)
	pl, rec, ok := d.sample(func(rec profile.Record) bool { return rec.FallbackKey != "" })
	if !ok {
		return
	}
	e, _ := d.p.Endpoint(pl.Endpoint)
	fresh, err := d.gen.Of(pl.Event, pl.Endpoint)
	if err != nil {
		return
	}
	twin := pl.Clone()
	for _, f := range d.p.UniqueFields {
		path := itemField(e, f)
		v, ok := profile.Get(fresh.Body, path)
		if !ok {
			continue
		}
		prev, _ := profile.Get(twin.Body, path)
		profile.Set(twin.Body, path, profile.DeepCopy(v))
		if got, ok := d.record(twin); !ok || got.FallbackKey != rec.FallbackKey {
			profile.Set(twin.Body, path, prev)
		}
	}
	if got, ok := d.record(twin); !ok || got.ID == rec.ID || got.FallbackKey != rec.FallbackKey {
		return
	}
	what := fmt.Sprintf("two %s events with the same fallback key and different ids", pl.Event)
	g := d.p.GroundOf(r.ID, profile.KindRepeat, "probable")
	d.add(Check{Area: r.Area, Name: "flags " + what + " as a probable duplicate", Rules: []string{r.ID},
		Ground: g, budget: 2, Inspect: true, stateful: true, run: func(s *session) []Verdict {
			var last *exchange
			for _, p := range []*profile.Payload{pl, twin} {
				x, err := s.send(p, sendOpts{})
				if err != nil {
					return skipAll(s.c, err.Error())
				}
				if !x.accepted() {
					return []Verdict{{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: x.evidence(),
						Message: fmt.Sprintf("%s: answered %s; a probable duplicate is not rejected (%s)", what, x.what(), r.ID)}}
				}
				last = x
			}
			es, err := s.entries()
			if err != nil || len(es) < 2 || len(es[len(es)-1].Events) == 0 {
				return []Verdict{{Rule: r.ID, Status: Skip, Evidence: last.evidence(),
					Message: fmt.Sprintf("%s: the journal does not show both requests (%v)", what, err)}}
			}
			second := es[len(es)-1]
			ev := withNote(last.evidence(), "journal: second "+second.Outcome+" "+flags(second))
			if !second.Events[0].ProbableDuplicate {
				return []Verdict{{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: ev,
					Message: fmt.Sprintf("%s: the second is not flagged a probable duplicate (%s)", what, r.ID)}}
			}
			return []Verdict{{Rule: r.ID, Status: Pass, Evidence: ev, Message: what + ": the second flagged a probable duplicate"}}
		}})
}

// times: each worked example of the recorded-time rule, with the receiver's
// clock fixed at the instant received.
func (d *deriver) times() error {
	if len(d.p.TimeCases) == 0 || len(d.p.Events) == 0 {
		return nil
	}
	et := d.p.Events[0]
	for _, tc := range d.p.TimeCases {
		r := d.rule(tc.Rule)
		pl, err := d.gen.Of(et.Name, "")
		if err != nil {
			return err
		}
		e, _ := d.p.Endpoint(pl.Endpoint)
		path := itemField(e, tc.Field)
		if tc.EventTime == "" {
			profile.Delete(pl.Body, path)
		} else {
			profile.Set(pl.Body, path, tc.EventTime)
		}
		g := d.p.GroundOf(r.ID, profile.KindTime, "")
		d.add(Check{Area: r.Area, Name: "records at the right time: " + tc.Name, Rules: []string{r.ID},
			Ground: g, budget: 1, Inspect: true, stateful: true, run: func(s *session) []Verdict {
				restore, err := s.fixClock(tc.Received)
				if err != nil {
					return skipAll(s.c, err.Error())
				}
				x, err := s.send(pl, sendOpts{})
				restore()
				if err != nil {
					return skipAll(s.c, err.Error())
				}
				what := fmt.Sprintf("%s=%q received at %s", tc.Field, tc.EventTime, tc.Received.Format("2006-01-02 15:04:05.000"))
				if !x.accepted() {
					return []Verdict{{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: x.evidence(),
						Message: fmt.Sprintf("%s: answered %s; want 2xx", what, x.what())}}
				}
				es, err := s.entries()
				if err != nil || len(es) == 0 || len(es[len(es)-1].Events) == 0 {
					return []Verdict{{Rule: r.ID, Status: Skip, Evidence: x.evidence(),
						Message: fmt.Sprintf("%s: the journal does not show the event (%v)", what, err)}}
				}
				got := es[len(es)-1].Events[0].RecordedAt
				ev := withNote(x.evidence(), "journal: recorded_at "+got.UTC().Format("2006-01-02T15:04:05.000Z"))
				if !got.Equal(tc.Recorded) {
					return []Verdict{{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: ev,
						Message: fmt.Sprintf("%s: recorded at %s, want %s (%s)", what, got.UTC().Format("2006-01-02 15:04:05.000"),
							tc.Recorded.UTC().Format("2006-01-02 15:04:05.000"), r.ID)}}
				}
				return []Verdict{{Rule: r.ID, Status: Pass, Evidence: ev, Message: what + ": recorded at " + got.UTC().Format("2006-01-02 15:04:05.000")}}
			}})
	}
	return nil
}
