package conformance

import (
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// CertificateSchema names the version of the certificate JSON. It changes only
// when a member is removed or changes meaning; members may be added.
//
// Version 2: "certified" is false for a run that did not complete (complete,
// reason, checks_selected, checks_run) and "partial" also covers MUST rules in
// scope that no check judged (uncovered, coverage).
const CertificateSchema = "s2s-certificate/2"

// Status is the verdict on one rule or one check of a conformance run.
type Status string

// The statuses, from worst to best (Skip and NotApplicable say nothing about
// the target).
const (
	Fail      Status = "fail"      // a documented MUST expectation is broken: certification fails
	Warn      Status = "warn"      // a SHOULD rule, a decision or a decided reading is not followed
	Ambiguous Status = "ambiguous" // an AMBIGUOUS rule: Reading says which reading the target chose
	Pass      Status = "pass"
	Skip      Status = "skip" // not judged: Message says why
	// NotApplicable: the target config declares the rule's layer out of
	// scope (e.g. auth enforced by a gateway); the certification is partial.
	NotApplicable Status = "not-applicable"
)

// Statuses lists every status, worst first.
func Statuses() []Status { return []Status{Fail, Warn, Ambiguous, Pass, Skip, NotApplicable} }

// rank orders statuses: a rule takes the worst status of its checks, and any
// judgement beats a skip.
func (s Status) rank() int {
	switch s {
	case Fail:
		return 5
	case Warn:
		return 4
	case Ambiguous:
		return 3
	case Pass:
		return 2
	case Skip:
		return 1
	case NotApplicable:
		return 0
	}
	return -1
}

// Worse returns the worse of a and b.
func Worse(a, b Status) Status {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// Certificate is the outcome of one conformance run (Certify): what was
// checked, against what, and the verdict on every rule of every profile. Its
// JSON form is the stable schema documented in docs/conformance.md; package
// reports renders it.
type Certificate struct {
	Schema  string `json:"schema"`
	Tool    string `json:"tool"`              // "s2s <version>"
	Target  string `json:"target"`            // base URL of the receiver
	Inspect string `json:"inspect,omitempty"` // inspection API used; "" when none
	// Readback is where the deep checks read what the receiver recorded when
	// not (only) through the inspection API: "http" or "sql" (target config).
	Readback    string    `json:"readback,omitempty"`
	Mode        string    `json:"mode"` // mode seen: strict, lenient, mixed or unknown
	Started     time.Time `json:"started"`
	DurationMS  int64     `json:"duration_ms"`
	Seed        int64     `json:"seed"`                   // generator seed: the same seed sends the same payloads
	LabelFilter string    `json:"label_filter,omitempty"` // label filter the run was limited to
	// Certified is true when the run completed and no rule failed.
	Certified bool `json:"certified"`
	// Complete is false when the run stopped before every selected check ran
	// (interrupted, timed out, lost the target): Reason says why, and such a
	// run is never certified.
	Complete bool   `json:"complete"`
	Reason   string `json:"reason,omitempty"`
	// ChecksSelected and ChecksRun: the checks the label filter selected and
	// those that ran to their verdict.
	ChecksSelected int `json:"checks_selected"`
	ChecksRun      int `json:"checks_run"`
	// Partial is true when a layer is declared out of scope (Scope says which
	// and why) or a MUST rule in scope has no check that ran (Uncovered says
	// which and why): the verdict is CERTIFIED (partial) at best.
	Partial   bool          `json:"partial,omitempty"`
	Scope     []string      `json:"scope,omitempty"`
	Uncovered []CertGap     `json:"uncovered,omitempty"`
	Coverage  []CertCover   `json:"coverage"` // every MUST rule in scope and the checks that judged it
	Counts    CertCounts    `json:"counts"`   // rules by status, over every profile
	Profiles  []CertProfile `json:"profiles"`
	// InternalErrors are failures of the suite itself (never of the target); a
	// certificate with any is not to be trusted.
	InternalErrors []string `json:"internal_errors,omitempty"`
}

// CertGap is a MUST rule in scope that no check judged, and why.
type CertGap struct {
	Profile string `json:"profile"`
	Rule    string `json:"rule"`
	Reason  string `json:"reason"`
}

// CertCover is one MUST rule in scope and the checks that judged it (not
// skipped): none means it is a gap (Certificate.Uncovered).
type CertCover struct {
	Profile string   `json:"profile"`
	Rule    string   `json:"rule"`
	Checks  []string `json:"checks"`
}

// CertCounts counts rules (or checks) by status.
type CertCounts struct {
	Pass          int `json:"pass"`
	Fail          int `json:"fail"`
	Warn          int `json:"warn"`
	Skip          int `json:"skip"`
	Ambiguous     int `json:"ambiguous"`
	NotApplicable int `json:"not_applicable,omitempty"`
}

// Add counts one more s.
func (c *CertCounts) Add(s Status) {
	switch s {
	case Pass:
		c.Pass++
	case Fail:
		c.Fail++
	case Warn:
		c.Warn++
	case Skip:
		c.Skip++
	case Ambiguous:
		c.Ambiguous++
	case NotApplicable:
		c.NotApplicable++
	}
}

// Of returns the count of s.
func (c CertCounts) Of(s Status) int {
	switch s {
	case Pass:
		return c.Pass
	case Fail:
		return c.Fail
	case Warn:
		return c.Warn
	case Skip:
		return c.Skip
	case Ambiguous:
		return c.Ambiguous
	case NotApplicable:
		return c.NotApplicable
	}
	return 0
}

// Total is the number counted.
func (c CertCounts) Total() int {
	return c.Pass + c.Fail + c.Warn + c.Skip + c.Ambiguous + c.NotApplicable
}

// CertProfile is the verdict on one profile.
type CertProfile struct {
	Name      string     `json:"name"`
	Title     string     `json:"title"`
	Certified bool       `json:"certified"`
	Counts    CertCounts `json:"counts"` // its rules by status
	Checks    int        `json:"checks"` // checks run
	Rules     []CertRule `json:"rules"`  // every rule of the profile, in catalogue order
	// Diagnosis says which other spellings (signature schemes, time
	// formats, header names) the receiver accepts: facts, not verdicts.
	Diagnosis []CertDiagnosis `json:"diagnosis,omitempty"`
}

// CertDiagnosis is what one probe of a profile found.
type CertDiagnosis struct {
	Probe      string   `json:"probe"`      // e.g. "signature scheme"
	Rule       string   `json:"rule"`       // the rule the documented spelling follows
	Documented []string `json:"documented"` // the spellings the document allows
	// DocumentedAccepted: every documented spelling was accepted. A probe
	// tried only on rejection then tries nothing else.
	DocumentedAccepted bool     `json:"documented_accepted"`
	DocumentedRejected []string `json:"documented_rejected,omitempty"`
	Accepted           []string `json:"accepted,omitempty"` // other spellings accepted
	Rejected           []string `json:"rejected,omitempty"`
	Unanswered         []string `json:"unanswered,omitempty"` // no answer, or not sent
	Summary            string   `json:"summary"`
}

// CertRule is the verdict on one rule: the worst of its checks.
type CertRule struct {
	ID      string `json:"id"`
	Level   string `json:"level"` // MUST, SHOULD, AMBIGUOUS or decision
	Area    string `json:"area"`
	Text    string `json:"text"`
	Status  Status `json:"status"`
	Reading string `json:"reading,omitempty"` // AMBIGUOUS rules: the reading the target chose
	Message string `json:"message"`
	// Evidence is the exchange that decided the status (the first failing one,
	// else the first one).
	Evidence *CertEvidence `json:"evidence,omitempty"`
	Checks   []CertCheck   `json:"checks"`
}

// CertCheck is one check's verdict on a rule.
type CertCheck struct {
	Name    string `json:"name"`
	Area    string `json:"area"`
	Status  Status `json:"status"`
	Reading string `json:"reading,omitempty"`
	// Basis is documented (Citations quote the seed sentences that require
	// the expected answer) or decided (Why names the decision); only a
	// documented check fails a MUST rule.
	Basis     profile.Basis      `json:"basis"`
	Citations []profile.Citation `json:"citations,omitempty"`
	Why       string             `json:"why,omitempty"`
	// Want and Got: what the check expected and what came, when it says.
	Want       string        `json:"want,omitempty"`
	Got        string        `json:"got,omitempty"`
	Message    string        `json:"message"`
	BlockedBy  string        `json:"blocked_by,omitempty"` // a skip: the rule whose failure explains the answer
	DurationMS float64       `json:"duration_ms"`
	Evidence   *CertEvidence `json:"evidence,omitempty"` // kept for checks that did not pass
}

// CertEvidence is one exchange with the receiver, secrets redacted, and a curl
// command that repeats it.
type CertEvidence struct {
	Request  CertRequest   `json:"request"`
	Response *CertResponse `json:"response,omitempty"` // nil when no answer came
	Curl     string        `json:"curl"`
	Notes    []string      `json:"notes,omitempty"` // retries, inspection findings, truncation
}

// CertRequest is what was sent.
type CertRequest struct {
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Header    map[string]string `json:"header"`
	Body      string            `json:"body,omitempty"` // cut to a few KiB; BodyBytes is the real size
	BodyBytes int               `json:"body_bytes"`
}

// CertResponse is what came back.
type CertResponse struct {
	Status    int               `json:"status"`
	Header    map[string]string `json:"header"`
	Body      string            `json:"body,omitempty"`
	BodyBytes int               `json:"body_bytes"`
	Error     string            `json:"error,omitempty"` // transport error instead of an answer
	// Truncated: the answer was longer than the suite reads (BodyBytes is
	// what was read); the rest was never read.
	Truncated bool `json:"truncated,omitempty"`
}

// Rules returns every rule of every profile.
func (c *Certificate) Rules() []CertRule {
	var out []CertRule
	for _, p := range c.Profiles {
		out = append(out, p.Rules...)
	}
	return out
}
