package conformance

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Attribution: an answer explained by another rule's failure (the receiver
// refused a validly signed request as inauthentic, answers the documented
// signature scheme the way it answered this request, or the endpoint is
// missing) counts under that rule; the rules the check was written for get a
// skip "blocked by <rule>", never a verdict the answer does not support.

// answerText describes an answer for a message, its body quoted as it came:
// `401 "Invalid signature"`, `403 text/plain "Forbidden"`, `200`.
func (x *exchange) answerText() string {
	if x.err != nil || len(x.body) == 0 {
		return x.what()
	}
	s := x.what()
	if mt, _, err := mime.ParseMediaType(x.header.Get("Content-Type")); err == nil && mt != "application/json" {
		s += " " + mt
	}
	return s + " " + strconv.Quote(short(x.body))
}

// explained says which rule explains the answer to e when it is not the one
// e expects and not e's own rule: a refusal with an auth rule's status on a
// check of another area (valid credentials were sent), or a 404/405 from an
// endpoint that mirrors another (its alias rule says it exists).
func (s *session) explained(x *exchange, e expectation) (profile.Rule, profile.Ground, string, bool) {
	if !off(x, e) || x.status/100 != 4 || e.judged.Area == profile.AreaAuth || e.rule.Area == profile.AreaAuth {
		return profile.Rule{}, profile.Ground{}, "", false
	}
	if ep := x.req.endpoint; (x.status == http.StatusNotFound || x.status == http.StatusMethodNotAllowed) && ep != nil && ep.AliasRule != "" &&
		ep.AliasRule != e.judged.ID && ep.AliasRule != e.rule.ID {
		if r, ok := s.p.Rule(ep.AliasRule); ok {
			return r, s.p.GroundOf(r.ID, profile.KindAlias, ""),
				fmt.Sprintf("%s %s answered %s: the endpoint is missing", ep.Method, ep.Path, x.answerText()), true
		}
	}
	if ar, ok := s.authRule(x.status); ok {
		return ar, s.p.GroundOf(ar.ID, profile.KindAuth, ""),
			fmt.Sprintf("refused as inauthentic (%s) though its credentials and signature are valid", x.answerText()), true
	}
	return profile.Rule{}, profile.Ground{}, "", false
}

// off reports whether x is not the answer e expects: an acceptance refused,
// a rejection with another status than the documented one, or no rejection
// or acceptance at all (3xx, 5xx).
func off(x *exchange, e expectation) bool {
	if x.err != nil {
		return false
	}
	switch {
	case x.status/100 == 3 || x.status/100 == 5:
		return true
	case e.expect == profile.Reject || e.expect == profile.RejectStrict:
		want := wantStatus(e.rule)
		return x.status/100 == 4 && want != 0 && x.status != want
	}
	return !x.accepted()
}

// blocked are the verdicts of a check whose answer another rule explains:
// the verdict under that rule, and a skip on the rules the check judges.
func blocked(x *exchange, e expectation, cause profile.Rule, g profile.Ground, why string) []Verdict {
	wantText := "accepted"
	if e.expect == profile.Reject || e.expect == profile.RejectStrict {
		wantText = "rejected with " + statusText(wantStatus(e.rule))
	}
	ev := x.evidence()
	out := []Verdict{{Rule: cause.ID, Level: cause.Level, Status: judgeOn(cause.Level, g), Ground: g, Want: wantText,
		Got: x.answerText(), Evidence: ev, answer: x, moved: true, off: true, what: e.what,
		Message: fmt.Sprintf("%s: %s (%s)", e.what, why, cause.ID)}}
	for _, r := range []profile.Rule{e.judged, e.rule} {
		if r.ID == "" || r.ID == cause.ID || slices.ContainsFunc(out, func(v Verdict) bool { return v.Rule == r.ID }) {
			continue
		}
		out = append(out, Verdict{Rule: r.ID, Level: r.Level, Status: Skip, BlockedBy: cause.ID, Evidence: ev, answer: x, off: true, what: e.what,
			Message: fmt.Sprintf("%s: blocked by %s: %s, before its %s was judged", e.what, cause.ID, why, r.ID)})
	}
	return out
}

// maxRefused bounds the refused answers a check keeps for attribution.
const maxRefused = 64

// explainRefusals attributes the verdicts a check gave without judging an
// answer itself (idempotency, duplicates, limits: "the first delivery was
// answered 401") by the answers it got: a refusal with an auth rule's status
// on a check of another area is that rule's failure, the check's rules
// blocked by it; any other refusal is kept with the verdict, so the
// diagnosis can explain it later (attribute).
func (s *session) explainRefusals(vs []Verdict) []Verdict {
	s.mu.Lock()
	refused := slices.Clone(s.refused)
	s.mu.Unlock()
	bad := slices.ContainsFunc(vs, func(v Verdict) bool { return v.answer == nil && (v.Status == Fail || v.Status == Warn) })
	if len(refused) == 0 || !bad || s.c.Area == profile.AreaAuth {
		return vs
	}
	for _, x := range refused {
		ar, ok := s.authRule(x.status)
		if !ok || x.err != nil {
			continue
		}
		g := s.p.GroundOf(ar.ID, profile.KindAuth, "")
		why := fmt.Sprintf("refused as inauthentic (%s) though its credentials and signature are valid", x.answerText())
		ev := x.evidence()
		out := []Verdict{{Rule: ar.ID, Level: ar.Level, Status: judgeOn(ar.Level, g), Ground: g, Want: "accepted", Got: x.answerText(),
			Evidence: ev, answer: x, moved: true, off: true, what: s.c.Name, Message: fmt.Sprintf("%s: %s (%s)", s.c.Name, why, ar.ID)}}
		for _, id := range s.c.Rules {
			if id != ar.ID {
				out = append(out, Verdict{Rule: id, Status: Skip, BlockedBy: ar.ID, Evidence: ev, answer: x, off: true, what: s.c.Name,
					Message: fmt.Sprintf("%s: blocked by %s: %s, before its %s was judged", s.c.Name, ar.ID, why, id)})
			}
		}
		return out
	}
	for i := range vs {
		if v := &vs[i]; v.answer == nil && (v.Status == Fail || v.Status == Warn) {
			v.answer, v.off, v.what = refused[0], true, s.c.Name
		}
	}
	return vs
}

// cause is what the diagnosis found a receiver answers a documented
// spelling it refuses with: an answer like it elsewhere has that cause.
type cause struct {
	rule    string // the probe's rule
	probe   string // e.g. "signature scheme"
	status  int
	body    []byte // normalized (fingerprint)
	summary string // the diagnosis line
}

// fingerprint is an answer's status and body with digit runs folded (ids and
// times differ between answers to the same fault), cut to 256 bytes.
func fingerprint(b []byte) []byte {
	if len(b) > 256 {
		b = b[:256]
	}
	var out []byte
	digit := false
	for _, c := range bytes.TrimSpace(b) {
		if c >= '0' && c <= '9' {
			if !digit {
				out = append(out, '0')
			}
			digit = true
			continue
		}
		digit = false
		out = append(out, c)
	}
	return out
}

func (c cause) matches(x *exchange) bool {
	return x != nil && x.err == nil && x.status == c.status && bytes.Equal(fingerprint(x.body), c.body)
}

// attribute re-files, after the diagnosis, the verdicts whose answer is the
// one the receiver gives a documented spelling it refuses (the signature
// scheme it verifies instead): under the probe's rule, the check's own rules
// blocked by it. Checks of the probe's own area keep their verdicts: they
// test that layer.
func (r *Runner) attribute(name string) {
	ps := r.profiles[name]
	if ps == nil {
		return
	}
	ps.mu.Lock()
	causes := slices.Clone(ps.causes)
	ps.mu.Unlock()
	if len(causes) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.results {
		res := &r.results[i]
		if res.Check == nil || res.Check.Profile != name {
			continue
		}
		changed := false
		var added []Verdict
		for k := range res.Verdicts {
			v := &res.Verdicts[k]
			if v.answer == nil || !v.off {
				continue
			}
			ci := slices.IndexFunc(causes, func(c cause) bool { return c.matches(v.answer) })
			if ci < 0 {
				continue
			}
			c := causes[ci]
			rule, ok := ps.p.Rule(c.rule)
			if !ok {
				continue
			}
			own, _ := ps.p.Rule(v.Rule)
			why := fmt.Sprintf("refused (%s) as the receiver answers the documented %s; diagnosis: %s", v.answer.answerText(), c.probe, c.summary)
			switch {
			case v.shape:
				if v.Rule == rule.ID {
					continue
				}
				v.Message = strings.ReplaceAll(v.Message, "("+v.Rule+")", "("+rule.ID+")")
				v.Rule = rule.ID
			case v.moved:
				v.Rule, v.Level = rule.ID, rule.Level
				v.Ground = ps.p.GroundOf(rule.ID, profile.KindAuth, "")
				v.Status = judgeOn(rule.Level, v.Ground)
				v.Message = fmt.Sprintf("%s: %s (%s)", v.what, why, rule.ID)
			case v.BlockedBy != "":
				v.BlockedBy = rule.ID
				v.Message = fmt.Sprintf("%s: blocked by %s: %s", v.what, rule.ID, why)
			case own.Area == rule.Area:
				continue // a check of the probe's layer: its verdict stands
			default:
				v.Status, v.Reading, v.BlockedBy = Skip, "", rule.ID
				v.Message = fmt.Sprintf("%s: blocked by %s: %s", v.what, rule.ID, why)
				if !slices.ContainsFunc(added, func(a Verdict) bool { return a.answer == v.answer }) &&
					!slices.ContainsFunc(res.Verdicts, func(a Verdict) bool { return a.answer == v.answer && a.moved }) {
					g := ps.p.GroundOf(rule.ID, profile.KindAuth, "")
					added = append(added, Verdict{Rule: rule.ID, Level: rule.Level, Status: judgeOn(rule.Level, g), Ground: g,
						Want: v.Want, Got: v.answer.answerText(), Evidence: v.Evidence, answer: v.answer, moved: true, off: true, what: v.what,
						Message: fmt.Sprintf("%s: %s (%s)", v.what, why, rule.ID)})
				}
			}
			changed = true
		}
		if !changed {
			continue
		}
		res.Verdicts = fillJudged(res.Check, append(res.Verdicts, added...))
		for k := range res.Verdicts {
			v := &res.Verdicts[k]
			if why := r.outOfScope(ps, v.Rule); why != "" && v.Status != Skip {
				v.Status, v.Reading, v.Message = NotApplicable, "", why
			}
			if v.BlockedBy != "" && r.outOfScope(ps, v.BlockedBy) != "" && !strings.Contains(v.Message, "out of scope") {
				v.Message += fmt.Sprintf(" (%s is out of scope)", v.BlockedBy)
			}
		}
		res.summarize()
	}
}
