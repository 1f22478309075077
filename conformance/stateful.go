package conformance

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/readback"
)

// The checks of what a receiver records, through the inspection API: drops,
// batch atomicity, repeats and recorded times. Each resets the profile first,
// so the journal holds exactly its own requests.

// concurrentDeliveries is how many copies of one event the concurrency check
// sends at once.
const concurrentDeliveries = 12

// dropped: a request answered as accepted whose events must not be recorded.
func (d *deriver) dropped(name string, pl *profile.Payload, exp expectation, also []string) {
	d.add(Check{Area: exp.judged.Area, Name: name, Rules: append([]string{exp.judged.ID, exp.rule.ID}, also...), Ground: exp.ground,
		budget: 1, stateful: true, run: func(s *session) []Verdict {
			x, err := s.send(pl, sendOpts{})
			if err != nil {
				return skipAll(s.c, err.Error())
			}
			vs := s.judgeAnswer(x, exp)
			if !x.accepted() {
				return vs
			}
			if !s.canRead() {
				return []Verdict{{Rule: exp.judged.ID, Status: Skip, Evidence: x.evidence(),
					Message: fmt.Sprintf("%s: answered %s as required; whether it was recorded %s", exp.what, x.what(), noReadback)}}
			}
			return []Verdict{s.nothingRecorded(exp.judged, exp.ground, exp.what, pl, x.evidence())}
		}})
}

// nothingRecorded judges, under r, that the receiver recorded none of pl's
// events. It waits the source's whole settle time: a record may come late.
func (s *session) nothingRecorded(r profile.Rule, g profile.Ground, what string, pl *profile.Payload, ev *CertEvidence) Verdict {
	recs, err := s.recordsOf(s.identities(pl), nil)
	if err != nil {
		return Verdict{Rule: r.ID, Status: Skip, Message: fmt.Sprintf("%s: %v", what, err), Evidence: ev}
	}
	note := s.readbackName() + ": " + describeRecords(recs)
	ev = withNote(ev, note)
	if n := recorded(recs); n > 0 {
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
	doc, err := req.Document()
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
	d.add(Check{Area: r.Area, Name: "records " + what + " twice, the second marked duplicate", Rules: []string{r.ID}, Ground: g,
		budget: 2, Inspect: true, stateful: true, run: func(s *session) []Verdict {
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
			recs, err := s.recordsOf(s.identities(pl), atLeast(2))
			if err != nil {
				return []Verdict{{Rule: r.ID, Status: Skip, Evidence: xs[1].evidence(), Message: fmt.Sprintf("%s: %v", what, err)}}
			}
			note := s.readbackName() + ": " + describeRecords(recs)
			ev := withNote(xs[1].evidence(), note)
			var kept []readback.Record
			for _, rec := range recs {
				if rec.Recorded() {
					kept = append(kept, rec)
				}
			}
			switch {
			case len(kept) == 0:
				return []Verdict{{Rule: r.ID, Status: Skip, Evidence: ev,
					Message: fmt.Sprintf("%s: the %s shows neither delivery recorded; cannot judge the repeat (%s)", what, s.readbackName(), note)}}
			case len(kept) < 2:
				return []Verdict{{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: ev,
					Message: fmt.Sprintf("%s: recorded once; want the repeat recorded too, marked duplicate (%s)", what, r.ID)}}
			case !kept[len(kept)-1].HasFlags:
				return []Verdict{{Rule: r.ID, Status: Pass, Evidence: ev,
					Message: what + ": both recorded; the read-back carries no duplicate flag, so the mark is not checked"}}
			case !kept[len(kept)-1].Duplicate:
				return []Verdict{{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: ev,
					Message: fmt.Sprintf("%s: the repeat is recorded but not marked duplicate (%s)", what, r.ID)}}
			}
			return []Verdict{{Rule: r.ID, Status: Pass, Evidence: ev, Message: what + ": both recorded, the second marked duplicate"}}
		}})
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
	d.add(Check{Area: r.Area, Name: "answers " + what + " as first delivery then replay, recording it once", Rules: []string{r.ID}, Ground: g,
		budget: budget, stateful: true, run: func(s *session) []Verdict {
			if len(m.first) == 0 && !s.canRead() {
				return skipAll(s.c, "the answers do not tell a replay from a first delivery; "+noReadback)
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
			if !s.canRead() {
				return []Verdict{{Rule: r.ID, Status: Pass, Evidence: last.evidence(),
					Message: what + ": answered first delivery, then replay; that it was recorded once is not checked without a read-back of the receiver's records"}}
			}
			ids := s.identities(pl)
			if hasConflict {
				ids = append(ids, s.identities(conflict)...)
			}
			return []Verdict{s.recordedOnce(r, g, what, ids, last.evidence(), what+": answered first delivery then replay, recorded once")}
		}})
}

// recordedOnce judges, under r, that exactly one of the records of ids is
// recorded. None at all is a skip: the read-back may not see the profile.
func (s *session) recordedOnce(r profile.Rule, g profile.Ground, what string, ids []readback.Identity, ev *CertEvidence, pass string) Verdict {
	recs, err := s.recordsOf(ids, nil)
	if err != nil {
		return Verdict{Rule: r.ID, Status: Skip, Evidence: ev, Message: fmt.Sprintf("%s: %v", what, err)}
	}
	note := s.readbackName() + ": " + describeRecords(recs)
	ev = withNote(ev, note)
	switch n := recorded(recs); {
	case n == 0:
		return Verdict{Rule: r.ID, Status: Skip, Evidence: ev,
			Message: fmt.Sprintf("%s: the %s shows no recorded event; cannot tell whether it was recorded once (%s)", what, s.readbackName(), note)}
	case n != 1:
		return Verdict{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: ev,
			Message: fmt.Sprintf("%s: recorded %d times; want once (%s)", what, n, r.ID)}
	}
	return Verdict{Rule: r.ID, Status: Pass, Evidence: ev, Message: pass}
}

// delivery is one send of the idempotency check and the markers its answer carries.
type delivery struct {
	pl     *profile.Payload
	want   map[string]string
	name   string
	level  profile.Level // how binding this delivery's answer is
	ground profile.Ground
}

// concurrent: concurrent deliveries of one event yield exactly one first
// delivery (and, with a read-back, one record).
func (d *deriver) concurrent() {
	id := d.p.Dedupe.ConcurrentRule
	if id == "" {
		return
	}
	r := d.rule(id)
	pl, _, ok := d.sample(func(rec profile.Record) bool { return rec.ID != "" })
	if !ok {
		return
	}
	m := d.markers()
	what := fmt.Sprintf("%d concurrent deliveries of one %s event", concurrentDeliveries, pl.Event)
	g := d.p.GroundOf(r.ID, profile.KindRepeat, "concurrent")
	d.add(Check{Area: r.Area, Name: "answers " + what + " with exactly one first delivery", Rules: []string{r.ID}, Ground: g,
		budget: concurrentDeliveries, stateful: true, run: func(s *session) []Verdict {
			if len(m.first) == 0 && !s.canRead() {
				return skipAll(s.c, "the answers do not tell a replay from a first delivery; "+noReadback)
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
			if s.canRead() {
				return []Verdict{s.recordedOnce(r, g, what, s.identities(pl), ev, what+": exactly one first delivery, recorded once")}
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
	d.add(Check{Area: r.Area, Name: "flags " + what + " as a probable duplicate", Rules: []string{r.ID}, Ground: g,
		budget: 2, Inspect: true, stateful: true, run: func(s *session) []Verdict {
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
			recs, err := s.recordsOf(s.identities(twin), atLeast(1))
			if err != nil {
				return []Verdict{{Rule: r.ID, Status: Skip, Evidence: last.evidence(), Message: fmt.Sprintf("%s: %v", what, err)}}
			}
			note := s.readbackName() + ": second " + describeRecords(recs)
			ev := withNote(last.evidence(), note)
			switch {
			case len(recs) == 0:
				return []Verdict{{Rule: r.ID, Status: Skip, Evidence: ev,
					Message: fmt.Sprintf("%s: the %s shows no record of the second", what, s.readbackName())}}
			case !recs[0].HasFlags:
				return []Verdict{{Rule: r.ID, Status: Skip, Evidence: ev,
					Message: what + ": the read-back carries no probable_duplicate flag (readback fields.probable_duplicate)"}}
			case !recs[0].ProbableDuplicate:
				return []Verdict{{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: ev,
					Message: fmt.Sprintf("%s: the second is not flagged a probable duplicate (%s)", what, r.ID)}}
			}
			return []Verdict{{Rule: r.ID, Status: Pass, Evidence: ev, Message: what + ": the second flagged a probable duplicate"}}
		}})
}

// times: each worked example of the recorded-time rule, with the receiver's
// clock stopped at the instant received; then the examples that hold on the
// real clock, which need no clock control.
func (d *deriver) times() error {
	if len(d.p.Events) == 0 {
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
		d.add(Check{Area: r.Area, Name: "records at the right time: " + tc.Name, Rules: []string{r.ID}, Ground: g,
			budget: 1, Inspect: true, stateful: true, run: func(s *session) []Verdict {
				restore, err := s.holdClock(tc.Received)
				if err != nil {
					return skipAll(s.c, err.Error())
				}
				x, err := s.send(pl, sendOpts{})
				restore()
				if err != nil {
					return skipAll(s.c, err.Error())
				}
				what := fmt.Sprintf("%s=%q received at %s", tc.Field, tc.EventTime, tc.Received.Format("2006-01-02 15:04:05.000"))
				return []Verdict{s.recordedAt(r, g, what, pl, x, func(got time.Time) (bool, string) {
					return got.Equal(tc.Recorded), tc.Recorded.UTC().Format("2006-01-02 15:04:05.000")
				})}
			}})
	}
	for _, tc := range d.p.LiveTimeCases {
		r := d.rule(tc.Rule)
		base, err := d.gen.Of(et.Name, "")
		if err != nil {
			return err
		}
		e, _ := d.p.Endpoint(base.Endpoint)
		path := itemField(e, tc.Field)
		g := d.p.GroundOf(r.ID, profile.KindTime, "")
		d.add(Check{Area: r.Area, Name: "records at the right time: " + tc.Name, Rules: []string{r.ID}, Ground: g,
			budget: 1, Inspect: true, stateful: true, run: func(s *session) []Verdict {
				pl := base.Clone()
				// Whole seconds: any time format writes the instant exactly.
				event := s.now().Add(-tc.Age).UTC().Truncate(time.Second)
				stated := ""
				if tc.NoTime || tc.Format == nil {
					profile.Delete(pl.Body, path)
				} else {
					stated = tc.Format(event)
					profile.Set(pl.Body, path, stated)
				}
				sent := s.now()
				x, err := s.send(pl, sendOpts{})
				if err != nil {
					return skipAll(s.c, err.Error())
				}
				answered := s.now()
				what := fmt.Sprintf("%s=%q sent at %s", tc.Field, stated, sent.UTC().Format("2006-01-02 15:04:05.000"))
				return []Verdict{s.recordedAt(r, g, what, pl, x, func(got time.Time) (bool, string) {
					if tc.AtEvent {
						return got.Equal(event), "its " + tc.Field + " " + stated
					}
					// At receipt: between sending and the answer, with a margin
					// for the two hosts' clocks.
					return !got.Before(sent.Add(-liveMargin)) && !got.After(answered.Add(liveMargin)),
						fmt.Sprintf("the time received (%s, ± %s)", sent.UTC().Format("2006-01-02 15:04:05.000"), liveMargin)
				})}
			}})
	}
	return nil
}

// liveMargin is how far a receiver's clock may be from ours when a check
// compares a recorded time with the time it sent: far below the hours and
// days the live time cases tell apart.
const liveMargin = time.Minute

// recordedAt judges, under r, the time the receiver recorded pl's event at.
func (s *session) recordedAt(r profile.Rule, g profile.Ground, what string, pl *profile.Payload, x *exchange, ok func(time.Time) (bool, string)) Verdict {
	if !x.accepted() {
		return Verdict{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: x.evidence(),
			Message: fmt.Sprintf("%s: answered %s; want 2xx", what, x.what())}
	}
	recs, err := s.recordsOf(s.identities(pl), atLeast(1))
	if err != nil {
		return Verdict{Rule: r.ID, Status: Skip, Evidence: x.evidence(), Message: fmt.Sprintf("%s: %v", what, err)}
	}
	var got *time.Time
	for _, rec := range recs {
		if rec.Recorded() {
			got = rec.RecordedAt
			break
		}
	}
	if got == nil {
		return Verdict{Rule: r.ID, Status: Skip, Evidence: withNote(x.evidence(), s.readbackName()+": "+describeRecords(recs)),
			Message: fmt.Sprintf("%s: the %s does not show the event recorded", what, s.readbackName())}
	}
	at := got.UTC().Format("2006-01-02 15:04:05.000")
	ev := withNote(x.evidence(), s.readbackName()+": recorded_at "+got.UTC().Format("2006-01-02T15:04:05.000Z"))
	if good, want := ok(*got); !good {
		return Verdict{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: ev,
			Message: fmt.Sprintf("%s: recorded at %s, want %s (%s)", what, at, want, r.ID)}
	}
	return Verdict{Rule: r.ID, Status: Pass, Evidence: ev, Message: what + ": recorded at " + at}
}
