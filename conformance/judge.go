package conformance

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/s2s-harness/s2s-harness/profile"
)

// expectation is what a conforming receiver does with one request.
type expectation struct {
	what   string // the request, for messages
	expect profile.Expect
	rule   profile.Rule // the rule the request exercises: rejection status and code come from it
	// judged is the rule the verdict is recorded under: rule itself, or the
	// AMBIGUOUS rule the request is a reading of (Case.Also).
	judged profile.Rule
	code   string // documented error code of a rejection ("" when none)
	// kind is the kind of expectation (profile.KindRequired…) and ground why
	// a receiver must answer so: only a documented ground fails a MUST rule.
	kind   string
	ground profile.Ground
}

// verb says what a conforming receiver does with a request expected so.
func verb(e profile.Expect) string {
	switch e {
	case profile.Reject:
		return "rejects"
	case profile.RejectStrict:
		return "rejects in strict mode"
	case profile.AcceptDropped:
		return "accepts without recording"
	}
	return "accepts"
}

// judgeAnswer turns the answer to one request into verdicts: on the judged
// rule, and on the rule and the response rule when the status or the error
// code of a rejection is not the documented one.
func (s *session) judgeAnswer(x *exchange, e expectation) []Verdict {
	ev := x.evidence()
	if x.rule == "" {
		x.rule = e.rule.ID
	}
	lvl := e.judged.Level
	amb := lvl == profile.Ambiguous
	out := []Verdict{}
	want := wantStatus(e.rule)
	wantText := "accepted"
	if e.expect == profile.Reject || e.expect == profile.RejectStrict {
		wantText = "rejected with " + statusText(want)
	}
	isOff := off(x, e)
	add := func(rule string, level profile.Level, st Status, reading, format string, args ...any) {
		out = append(out, Verdict{Rule: rule, Level: level, Status: st, Reading: reading, Ground: e.ground,
			Want: wantText, Got: x.what(), Message: fmt.Sprintf(format, args...), Evidence: ev, answer: x, off: isOff, what: e.what})
	}
	switch {
	case x.err != nil || x.status/100 == 3 || x.status/100 == 5 || x.status/100 == 1:
		// Neither an acceptance nor a rejection: no reading of any rule allows it.
		st := Warn
		if lvl == profile.Must && e.ground.Documents() {
			st = Fail
		}
		add(e.judged.ID, lvl, st, "", "%s: answered %s; a receiver %s it", e.what, x.answerText(), verb(e.expect))
		return out
	case x.status == http.StatusTooManyRequests:
		add(e.judged.ID, lvl, Skip, "", "%s: still rate-limited (429) after waiting; not judged", e.what)
		return out
	}
	if cause, g, why, ok := s.explained(x, e); ok {
		x.rule = cause.ID // its shape, too, is that rule's answer
		return blocked(x, e, cause, g, why)
	}
	switch e.expect {
	case profile.Reject, profile.RejectStrict:
		if x.accepted() {
			switch {
			case amb && e.expect == profile.RejectStrict:
				add(e.judged.ID, lvl, Ambiguous, ReadingLenient, "%s: accepted (%s), the lenient reading of %s", e.what, x.what(), e.judged.ID)
			case amb:
				add(e.judged.ID, lvl, Ambiguous, ReadingAccepts, "%s: accepted (%s)", e.what, x.what())
			case e.expect == profile.RejectStrict:
				add(e.judged.ID, lvl, Warn, "", "%s: accepted (%s); strict mode rejects it with %s (%s)", e.what, x.what(), statusText(want), e.rule.ID)
			default:
				add(e.judged.ID, lvl, judgeOn(lvl, e.ground), "", "%s: accepted (%s); want %s for %s", e.what, x.what(), statusText(want), e.rule.ID)
			}
			return out
		}
		switch {
		case amb && e.expect == profile.RejectStrict:
			add(e.judged.ID, lvl, Ambiguous, ReadingStrict, "%s: rejected (%s), the strict reading of %s", e.what, x.what(), e.judged.ID)
		case amb:
			add(e.judged.ID, lvl, Ambiguous, ReadingRejects, "%s: rejected (%s)", e.what, x.what())
		default:
			add(e.judged.ID, lvl, Pass, "", "%s: rejected (%s)", e.what, x.what())
		}
		if e.judged.ID != e.rule.ID && e.rule.Level != profile.Ambiguous {
			add(e.rule.ID, e.rule.Level, Pass, "", "%s: rejected (%s)", e.what, x.what())
		}
		out = append(out, s.judgeRejection(x, e)...)
	default: // Accept, AcceptDropped
		if x.accepted() {
			reading := ""
			st := Pass
			if amb {
				st, reading = Ambiguous, ReadingAccepts
			}
			add(e.judged.ID, lvl, st, reading, "%s: accepted (%s)", e.what, x.what())
			return out
		}
		reading := ""
		if amb {
			reading = ReadingRejects
		}
		add(e.judged.ID, lvl, judgeOn(lvl, e.ground), reading, "%s: rejected (%s); a receiver accepts it", e.what, x.answerText())
	}
	return out
}

// judgeRejection checks the status and the documented error code of a
// rejection, at the level the profile's response spec gives them, under the
// rule whose rejection it is, each on its own ground (profile.KindStatus,
// profile.KindCode): a status or code the document never gives only warns.
func (s *session) judgeRejection(x *exchange, e expectation) []Verdict {
	var out []Verdict
	rs := s.p.Responses
	add := func(r profile.Rule, level profile.Level, g profile.Ground, want, got, format string, args ...any) {
		if r.ID == "" || r.Level == profile.Ambiguous {
			return
		}
		out = append(out, Verdict{Rule: r.ID, Level: level, Status: judgeOn(level, g), Ground: g, Want: want, Got: got,
			Message: fmt.Sprintf(format, args...), Evidence: x.evidence(), answer: x, off: off(x, e), what: e.what})
	}
	if want := wantStatus(e.rule); want != 0 && x.status != want {
		level := rs.Status
		if level == "" {
			level = profile.Must
		}
		g := s.p.GroundOf(e.rule.ID, profile.KindStatus, e.kind)
		if !e.ground.Documents() {
			g = e.ground // the rejection itself is decided: so is its status
		}
		add(e.rule, weaker(e.rule.Level, level), g, fmt.Sprint(want), fmt.Sprint(x.status),
			"%s: rejected with %d, want %d (%s)", e.what, x.status, want, e.rule.ID)
	}
	if e.code != "" && rs.CodeField != "" {
		got, has := member(x.doc(), rs.CodeField)
		if !has {
			// Not a JSON object with the code: say what came, quoted.
			g := s.p.GroundOf(e.rule.ID, profile.KindCode, e.kind)
			if !e.ground.Documents() {
				g = e.ground
			}
			what := "an answer without an " + strconv.Quote(rs.CodeField) + " member: " + x.answerText()
			if x.doc() == nil {
				what = "an answer that is not JSON: " + x.answerText()
			}
			add(e.rule, e.rule.Level, g, e.code, what, "%s: %s, want {%q: %q} (%s)", e.what, what, rs.CodeField, e.code, e.rule.ID)
			return out
		}
		if slices.Contains(rs.CodeAliases[e.code], got) {
			// The document contradicts itself on this code: a reading, not a fault.
			out = append(out, Verdict{Rule: e.rule.ID, Level: e.rule.Level, Status: Ambiguous, Reading: ReadingAlias,
				Ground: e.ground, Want: e.code, Got: got,
				Message:  fmt.Sprintf("%s: error %s is %q, which the document's own example uses for what its table calls %q", e.what, rs.CodeField, got, e.code),
				Evidence: x.evidence(), answer: x, off: off(x, e), what: e.what})
		} else if got != e.code {
			g := s.p.GroundOf(e.rule.ID, profile.KindCode, e.kind)
			if !e.ground.Documents() {
				g = e.ground
			}
			add(e.rule, e.rule.Level, g, e.code, got, "%s: error %s is %q, want the documented %q (%s)", e.what, rs.CodeField, got, e.code, e.rule.ID)
		}
	}
	return out
}

// authRule is the profile's auth rule whose rejections answer status (401,
// 403), if any.
func (s *session) authRule(status int) (profile.Rule, bool) {
	for _, r := range s.p.Rules {
		if r.Area == profile.AreaAuth && r.Status == status && status/100 == 4 {
			return r, true
		}
	}
	return profile.Rule{}, false
}

// wantStatus is the status a rejection for r answers with (0: any 4xx).
func wantStatus(r profile.Rule) int {
	if r.Status/100 == 4 {
		return r.Status
	}
	return 0
}

func statusText(status int) string {
	if status == 0 {
		return "a 4xx rejection"
	}
	return fmt.Sprint(status)
}

// member returns a string member of a JSON object.
func member(doc any, name string) (string, bool) {
	m, ok := doc.(map[string]any)
	if !ok {
		return "", false
	}
	v, ok := m[name].(string)
	return v, ok
}

// short is the start of an answer's body, for messages.
func short(b []byte) string {
	const n = 160
	if len(b) == 0 {
		return ""
	}
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
