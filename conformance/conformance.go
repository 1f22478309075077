// Package conformance certifies a receiver of the S2S APIs against their specs.
// It derives every check from a profile's data (golden examples, generated
// valid events, labelled variants, auth breaks, limits, repeat policy,
// recorded-time cases, response specs), runs checks against a target over
// HTTP (and, when the target serves it, the inspection API of package
// inspect), and judges each answer by the level of the rule it exercises:
// MUST → fail, SHOULD and decisions → warn, AMBIGUOUS → the reading the target
// chose. `go test ./conformance/...` runs the checks through a Ginkgo suite
// (suite_test.go), `s2s conform` through Certify: both are thin shells over
// Checks and Runner; the mutant tests call the Runner directly.
//
// The package never switches on a profile or a rule ID: a sixth profile gets
// its checks from its data.
package conformance

import (
	"slices"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Readings of an AMBIGUOUS rule: what the target did with a request whose
// treatment the document leaves open.
const (
	ReadingStrict  = "strict"  // rejected what strict mode rejects
	ReadingLenient = "lenient" // accepted what lenient mode accepts
	ReadingAccepts = "accepts" // accepted a request both readings may treat either way
	ReadingRejects = "rejects"
	ReadingAlias   = "document's other code" // answered a code the document itself also uses for the fault
	ReadingLimits  = "limits"                // answered 429 past the limit
	ReadingNoLimit = "no limit"              // no 429 past the limit
)

// Options choose what Checks derives.
type Options struct {
	// Seed seeds every generator: the same seed sends the same payloads.
	Seed int64
	// Now is the reference time of generated events (zero: time.Now()).
	Now time.Time
}

// Check is one derived conformance check: a few requests and a verdict on
// each rule they exercise.
type Check struct {
	Profile string
	Area    profile.Area
	Name    string
	// Rules are the rule IDs the check judges, main one first.
	Rules []string
	// Levels are the levels of Rules (for labels).
	Levels []profile.Level
	// Ground is why a receiver must behave as the check expects (checks that
	// send several expectations ground each verdict themselves: Grounds).
	Ground profile.Ground
	// Grounds are the ground of each rule the check judges (`s2s rules`).
	Grounds []RuleGround
	// Inspect says the check needs to read what the receiver recorded (the
	// inspection API or a read-back, package readback) for its verdict;
	// without one it is skipped with that reason. (Checks that only deepen
	// their verdict through it decide for themselves.)
	Inspect bool
	// budget is how many requests it sends on the profile's main credential.
	budget int
	// stateful checks read the profile's journal: the runner resets the
	// profile before one (with inspection) and never under it.
	stateful bool
	run      func(s *session) []Verdict
}

// RuleGround is the ground of a check's expectation on one rule.
type RuleGround struct {
	Rule   string
	Ground profile.Ground
}

// Labels are the Ginkgo labels of the check: its rule IDs, their levels, the
// profile and the area, so -label-filter selects by any of them.
func (c *Check) Labels() []string {
	out := []string{c.Profile, string(c.Area)}
	for _, r := range c.Rules {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	for _, l := range c.Levels {
		if !slices.Contains(out, string(l)) {
			out = append(out, string(l))
		}
	}
	return out
}

// Judges reports whether the check gives a verdict on rule id.
func (c *Check) Judges(id string) bool { return slices.Contains(c.Rules, id) }

// Verdict is a check's judgement on one rule.
type Verdict struct {
	Rule    string
	Level   profile.Level
	Status  Status
	Reading string // AMBIGUOUS rules: the reading the target chose
	// Ground is why the receiver must answer as the check expects.
	Ground profile.Ground
	// Want and Got say what the check expected and what came ("" when the
	// message says it all).
	Want, Got string
	Message   string
	Evidence  *CertEvidence
	// BlockedBy names the rule whose failure explains the answer this verdict
	// was about to judge: the verdict is a skip, counted under that rule.
	BlockedBy string

	answer *exchange // the answer judged (attribution compares answers)
	off    bool      // the answer is not the one the check expects
	what   string    // the request, as the message names it
	moved  bool      // filed under the rule that explains the answer, not the check's own
	shape  bool      // judges the shape of answers (schema, Content-Type): filed under the answer's rule
}

// Result is what running one check produced: the worst of its verdicts, and
// every verdict.
type Result struct {
	Check    *Check
	Status   Status
	Message  string
	Evidence *CertEvidence
	Verdicts []Verdict
	Duration time.Duration
}

// summarize sets the result's status, message and evidence from its verdicts:
// the worst one decides.
func (r *Result) summarize() {
	r.Status = Skip
	first := true
	for _, v := range r.Verdicts {
		if first || Worse(r.Status, v.Status) != r.Status {
			r.Status, r.Message, r.Evidence = v.Status, v.Message, v.Evidence
			first = false
		}
	}
	if first {
		r.Message = "no verdict"
	}
}

// judgeOn maps a broken expectation to a status by the level it is held to
// and its ground: a MUST whose ground cites the seed fails, AMBIGUOUS records
// a reading, the rest warn (a decision is the harness's choice, never
// stricter than the document).
func judgeOn(l profile.Level, g profile.Ground) Status {
	switch {
	case l == profile.Must && g.Documents():
		return Fail
	case l == profile.Ambiguous:
		return Ambiguous
	}
	return Warn
}

// weaker returns the less binding of two levels (MUST > SHOULD > decision);
// AMBIGUOUS stays AMBIGUOUS.
func weaker(a, b profile.Level) profile.Level {
	rank := func(l profile.Level) int {
		switch l {
		case profile.Must:
			return 3
		case profile.Should:
			return 2
		case profile.Decision:
			return 1
		}
		return 0
	}
	if a == profile.Ambiguous || b == profile.Ambiguous {
		return profile.Ambiguous
	}
	if rank(b) < rank(a) {
		return b
	}
	return a
}

// areaOrder is the order areas run in: stateless checks first, response checks
// once the profile has answered, rate limits last.
func areaOrder() []profile.Area {
	return []profile.Area{profile.AreaAuth, profile.AreaValidation, profile.AreaBatching,
		profile.AreaIdempotency, profile.AreaTime, profile.AreaResponse, profile.AreaRateLimit}
}

// Areas returns the areas of checks in run order.
func Areas(checks []Check) []profile.Area {
	var out []profile.Area
	for _, a := range areaOrder() {
		for i := range checks {
			if checks[i].Area == a {
				out = append(out, a)
				break
			}
		}
	}
	for i := range checks {
		if !slices.Contains(out, checks[i].Area) {
			out = append(out, checks[i].Area)
		}
	}
	return out
}
