package conformance

import (
	"fmt"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
)

// probe is a request the response checks send themselves, so they judge
// answers of every kind even when run alone (-label-filter on their rule).
type probe struct {
	pl *profile.Payload
	o  sendOpts
}

// probes: per endpoint, a valid event, an inauthentic one and an invalid one.
func (d *deriver) probes() ([]probe, error) {
	var out []probe
	for i := range d.p.Endpoints {
		e := &d.p.Endpoints[i]
		var event string
		for _, et := range d.p.Events {
			if e.Accepts(et.Endpoint) {
				event = et.Name
				break
			}
		}
		if event == "" {
			continue
		}
		pl, err := d.gen.Of(event, e.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, probe{pl: pl})
		if d.p.Auth != nil {
			for _, b := range d.p.Auth.Breaks() {
				if b.Expect == profile.Reject {
					pl, err := d.gen.Of(event, e.ID)
					if err != nil {
						return nil, err
					}
					out = append(out, probe{pl: pl, o: sendOpts{brk: &b}})
					break
				}
			}
		}
		for _, vr := range d.variants {
			if vr.Payload.Endpoint == e.ID && vr.Origin == fixtures.FromSchema && vr.Expect == profile.Reject {
				out = append(out, probe{pl: vr.Payload})
				break
			}
		}
	}
	return out, nil
}

// responses: the answers' schemas, content type and the no-redirect rule,
// judged over the probes and every answer the profile gave before.
func (d *deriver) responses() error {
	rs := d.p.Responses
	probes, err := d.probes()
	if err != nil {
		return err
	}
	// Every response check judges all the profile's answers: the probes go out
	// once, for whichever check runs first.
	send := func(s *session) {
		s.ps.mu.Lock()
		done := s.ps.probed
		s.ps.probed = true
		s.ps.mu.Unlock()
		if done {
			return
		}
		for _, pb := range probes {
			_, _ = s.send(pb.pl, pb.o)
		}
	}
	if rs.Rule != "" && (rs.Body != "" || rs.ErrorBody != "") {
		r := d.rule(rs.Rule)
		d.add(Check{Area: profile.AreaResponse, Name: "answers with the documented response bodies", Rules: []string{r.ID},
			Grounds: []RuleGround{{Rule: r.ID, Ground: d.p.GroundOf(r.ID, profile.KindBody, "success")},
				{Rule: r.ID, Ground: d.p.GroundOf(r.ID, profile.KindBody, "error")}},
			budget: len(probes), run: func(s *session) []Verdict {
				send(s)
				return []Verdict{d.judgeBodies(s, r)}
			}})
	}
	if rs.Rule != "" && rs.ContentType != "" {
		r := d.rule(rs.Rule)
		d.add(Check{Area: profile.AreaResponse, Name: "answers with Content-Type application/json", Rules: []string{r.ID},
			Ground: d.p.GroundOf(r.ID, profile.KindMedia, ""),
			budget: len(probes), run: func(s *session) []Verdict {
				send(s)
				return []Verdict{judgeAll(s, r, rs.ContentType, s.p.GroundOf(r.ID, profile.KindMedia, ""), "carry Content-Type application/json", "do not carry Content-Type application/json", func(x *exchange) string {
					if len(x.body) == 0 || x.json() {
						return ""
					}
					return fmt.Sprintf("Content-Type is %q", x.header.Get("Content-Type"))
				})}
			}})
	}
	if rs.NoRedirectRule != "" {
		r := d.rule(rs.NoRedirectRule)
		d.add(Check{Area: profile.AreaResponse, Name: "never answers with a redirect", Rules: []string{r.ID},
			Ground: d.p.GroundOf(r.ID, profile.KindRedirect, ""),
			budget: len(probes), run: func(s *session) []Verdict {
				send(s)
				return []Verdict{judgeAll(s, r, r.Level, s.p.GroundOf(r.ID, profile.KindRedirect, ""), "are no redirects", "are redirects", func(x *exchange) string {
					if x.status/100 == 3 {
						return "answered " + x.what()
					}
					return ""
				})}
			}})
	}
	return nil
}

// judgeAll holds every answer the profile gave to a property: the first
// answer that breaks it decides, at level.
func judgeAll(s *session, r profile.Rule, level profile.Level, g profile.Ground, holds, breaks string, broken func(*exchange) string) Verdict {
	xs := s.seen()
	bad, first := 0, ""
	var ev *exchange
	for _, x := range xs {
		if x.err != nil {
			continue
		}
		if msg := broken(x); msg != "" {
			if bad == 0 {
				first, ev = msg, x
			}
			bad++
		}
	}
	if bad > 0 {
		id := s.answerRule(ev, r).ID
		return Verdict{Rule: id, Level: level, Status: judgeOn(level, g), Ground: g, Evidence: ev.evidence(), answer: ev, off: true, shape: true,
			Message: fmt.Sprintf("%d of %d answers %s; the first: %s (%s)", bad, len(xs), breaks, first, id)}
	}
	if len(xs) == 0 {
		return Verdict{Rule: r.ID, Status: Skip, Message: "no answers to judge"}
	}
	return Verdict{Rule: r.ID, Status: Pass, Ground: g, Evidence: xs[len(xs)-1].evidence(),
		Message: fmt.Sprintf("all %d answers %s", len(xs), holds)}
}

// judgeBodies validates every answer that has a documented schema for its
// status: success bodies at the spec's Body level, error bodies at ErrorBody.
func (d *deriver) judgeBodies(s *session, r profile.Rule) Verdict {
	rs := d.p.Responses
	xs := s.seen()
	checked, bad := 0, 0
	var worst profile.Level
	var first string
	var ev *exchange
	var wg profile.Ground
	for _, x := range xs {
		if x.err != nil || x.req.endpoint == nil {
			continue
		}
		file, ok := x.req.endpoint.Responses[x.status]
		level := rs.ErrorBody
		if x.status/100 == 2 {
			level = rs.Body
		}
		if !ok || level == "" {
			continue
		}
		checked++
		msg := ""
		if doc := x.doc(); doc == nil {
			msg = fmt.Sprintf("the %d answer is not JSON: %s", x.status, x.answerText())
		} else if vs, err := d.set.Validate(file, doc); err != nil {
			msg = err.Error()
		} else if len(vs) > 0 {
			msg = fmt.Sprintf("the %d answer breaks %s at %q: %s", x.status, file, vs[0].Field, vs[0].Message)
		}
		if msg == "" {
			continue
		}
		bad++
		which := "error"
		if x.status/100 == 2 {
			which = "success"
		}
		g := s.p.GroundOf(r.ID, profile.KindBody, which)
		if ev == nil || judgeOn(weaker(r.Level, level), g) == Fail && judgeOn(weaker(r.Level, worst), wg) != Fail {
			first, ev, worst, wg = msg, x, level, g
		}
	}
	if bad > 0 {
		id := s.answerRule(ev, r).ID
		return Verdict{Rule: id, Level: worst, Status: judgeOn(weaker(r.Level, worst), wg), Ground: wg, Evidence: ev.evidence(), answer: ev, off: true, shape: true,
			Message: fmt.Sprintf("%d of %d answers do not match their documented schema; %s (%s)", bad, checked, first, id)}
	}
	if checked == 0 {
		return Verdict{Rule: r.ID, Status: Skip, Message: "no answer with a documented schema to judge"}
	}
	return Verdict{Rule: r.ID, Status: Pass, Message: fmt.Sprintf("all %d answers with a documented schema match it", checked)}
}

// answerRule is the rule an answer's shape is judged under: a success under
// the response rule; a refusal under the auth rule whose status it carries
// (its error body is that rule's), or the rule whose rejection it was.
func (s *session) answerRule(x *exchange, def profile.Rule) profile.Rule {
	if x == nil || x.status/100 != 4 {
		return def
	}
	if r, ok := s.p.Rule(x.judgedRule()); ok && (r.Area == profile.AreaAuth || x.req.endpoint != nil && r.ID == x.req.endpoint.AliasRule) {
		return r // the refusal's own rule, or the one that explains it
	}
	if ar, ok := s.authRule(x.status); ok {
		return ar
	}
	if r, ok := s.p.Rule(x.judgedRule()); ok && r.Level != profile.Ambiguous {
		return r
	}
	return def
}
