package reports

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// CertificateSchema names the version of the certificate JSON. It changes only
// when a member is removed or changes meaning; members may be added.
const CertificateSchema = "s2s-certificate/1"

// Verdict is the status of one rule or one check of a conformance run.
type Verdict string

// The verdicts, from worst to best (VerdictSkip says nothing about the target).
const (
	VerdictFail      Verdict = "fail"      // a MUST rule is broken: certification fails
	VerdictWarn      Verdict = "warn"      // a SHOULD rule, a decision or a "(strict)" reading is not followed
	VerdictAmbiguous Verdict = "ambiguous" // an AMBIGUOUS rule: Reading says which reading the target chose
	VerdictPass      Verdict = "pass"
	VerdictSkip      Verdict = "skip" // not judged: Message says why
)

// Verdicts lists every verdict, worst first.
func Verdicts() []Verdict {
	return []Verdict{VerdictFail, VerdictWarn, VerdictAmbiguous, VerdictPass, VerdictSkip}
}

// rank orders statuses: a rule takes the worst status of its checks, and any
// judgement beats a skip.
func (s Verdict) rank() int {
	switch s {
	case VerdictFail:
		return 5
	case VerdictWarn:
		return 4
	case VerdictAmbiguous:
		return 3
	case VerdictPass:
		return 2
	case VerdictSkip:
		return 1
	}
	return 0
}

// WorseVerdict returns the worse of a and b.
func WorseVerdict(a, b Verdict) Verdict {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// Certificate is the outcome of one `s2s conform` run: what was checked, against
// what, and the verdict on every rule of every profile. Its JSON form is the
// stable schema documented in docs/conformance.md.
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
	LabelFilter string    `json:"label_filter,omitempty"` // Ginkgo label filter the run was limited to
	// Certified is true when no rule failed.
	Certified bool          `json:"certified"`
	Counts    CertCounts    `json:"counts"` // rules by status, over every profile
	Profiles  []CertProfile `json:"profiles"`
	// InternalErrors are failures of the suite itself (never of the target); a
	// certificate with any is not to be trusted.
	InternalErrors []string `json:"internal_errors,omitempty"`
}

// CertCounts counts rules (or checks) by status.
type CertCounts struct {
	Pass      int `json:"pass"`
	Fail      int `json:"fail"`
	Warn      int `json:"warn"`
	Skip      int `json:"skip"`
	Ambiguous int `json:"ambiguous"`
}

// Add counts one more s.
func (c *CertCounts) Add(s Verdict) {
	switch s {
	case VerdictPass:
		c.Pass++
	case VerdictFail:
		c.Fail++
	case VerdictWarn:
		c.Warn++
	case VerdictSkip:
		c.Skip++
	case VerdictAmbiguous:
		c.Ambiguous++
	}
}

// Of returns the count of s.
func (c CertCounts) Of(s Verdict) int {
	switch s {
	case VerdictPass:
		return c.Pass
	case VerdictFail:
		return c.Fail
	case VerdictWarn:
		return c.Warn
	case VerdictSkip:
		return c.Skip
	case VerdictAmbiguous:
		return c.Ambiguous
	}
	return 0
}

// Total is the number counted.
func (c CertCounts) Total() int { return c.Pass + c.Fail + c.Warn + c.Skip + c.Ambiguous }

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
	ID      string  `json:"id"`
	Level   string  `json:"level"` // MUST, SHOULD, AMBIGUOUS or decision
	Area    string  `json:"area"`
	Text    string  `json:"text"`
	Status  Verdict `json:"status"`
	Reading string  `json:"reading,omitempty"` // AMBIGUOUS rules: the reading the target chose
	Message string  `json:"message"`
	// Evidence is the exchange that decided the status (the first failing one,
	// else the first one).
	Evidence *CertEvidence `json:"evidence,omitempty"`
	Checks   []CertCheck   `json:"checks"`
}

// CertCheck is one check's verdict on a rule.
type CertCheck struct {
	Name       string        `json:"name"`
	Area       string        `json:"area"`
	Status     Verdict       `json:"status"`
	Reading    string        `json:"reading,omitempty"`
	Message    string        `json:"message"`
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
}

// Rules returns every rule of every profile (for `s2s report` and tests).
func (c *Certificate) Rules() []CertRule {
	var out []CertRule
	for _, p := range c.Profiles {
		out = append(out, p.Rules...)
	}
	return out
}

// The files of a certificate in a report folder.
const (
	CertificateJSONFile     = "certificate.json"
	CertificateMarkdownFile = "certificate.md"
	CertificateJUnitFile    = "junit.xml"
)

// WriteCertificate writes c as indented JSON.
func WriteCertificate(w io.Writer, c *Certificate) error { return WriteJSON(w, c) }

// ReadCertificate reads a certificate.json, refusing unknown members and
// another schema.
func ReadCertificate(r io.Reader) (*Certificate, error) {
	var c Certificate
	if err := ReadJSON(r, &c); err != nil {
		return nil, err
	}
	if c.Schema != CertificateSchema {
		return nil, fmt.Errorf("schema %q, want %q", c.Schema, CertificateSchema)
	}
	return &c, nil
}

// CertificateRenderers are the renderings of c by format name (json, md,
// junit, text), for `s2s report -format`.
func CertificateRenderers(c *Certificate) map[string]Renderer {
	return map[string]Renderer{
		"json":  func(w io.Writer) error { return WriteCertificate(w, c) },
		"md":    func(w io.Writer) error { return CertificateMarkdown(w, c) },
		"junit": func(w io.Writer) error { return WriteJUnit(w, CertificateJUnit(c)) },
		"text":  func(w io.Writer) error { return CertificateText(w, c) },
	}
}

// CertificateFiles are the files of a certificate in a report folder.
func CertificateFiles(c *Certificate) map[string]Renderer {
	r := CertificateRenderers(c)
	return map[string]Renderer{
		CertificateJSONFile:     r["json"],
		CertificateMarkdownFile: r["md"],
		CertificateJUnitFile:    r["junit"],
	}
}

// CertificateText writes the console summary: rules by status per profile,
// then every rule that failed or warned and every ambiguous rule's reading,
// then the verdict.
func CertificateText(w io.Writer, c *Certificate) error {
	ew := &certWriter{w: w}
	insp := c.Inspect
	if insp == "" {
		insp = "none"
	}
	if c.Readback != "" {
		insp += ", read-back " + c.Readback
	}
	ew.printf("s2s conform %s (mode %s, inspection %s, seed %d)\n\n", c.Target, c.Mode, insp, c.Seed)
	var tb strings.Builder
	tw := tabwriter.NewWriter(&tb, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "profile\trules\tpass\tfail\twarn\tskip\tambiguous\tchecks\t")
	for _, p := range c.Profiles {
		n := p.Counts
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", p.Name, n.Total(), n.Pass, n.Fail, n.Warn, n.Skip, n.Ambiguous, p.Checks)
	}
	_ = tw.Flush()
	ew.printf("%s", tb.String())
	var notes []string
	for _, p := range c.Profiles {
		for _, r := range p.Rules {
			switch r.Status {
			case VerdictFail, VerdictWarn:
				notes = append(notes, fmt.Sprintf("  %-4s %s (%s): %s", r.Status, r.ID, r.Level, r.Message))
			case VerdictAmbiguous:
				notes = append(notes, fmt.Sprintf("  %-4s %s reads %q", "amb", r.ID, r.Reading))
			}
		}
	}
	if len(notes) > 0 {
		ew.printf("\n%s\n", strings.Join(notes, "\n"))
	}
	var diags []string
	for _, p := range c.Profiles {
		for _, d := range p.Diagnosis {
			diags = append(diags, fmt.Sprintf("  %s %s: %s", p.Name, d.Probe, d.Summary))
		}
	}
	if len(diags) > 0 {
		ew.printf("\ndiagnosis:\n%s\n", strings.Join(diags, "\n"))
	}
	verdict := "CERTIFIED: no MUST rule failed"
	if !c.Certified {
		verdict = "NOT CERTIFIED: a MUST rule failed"
	}
	ew.printf("\n%s (%d rules, %s)\n", verdict, c.Counts.Total(), time.Duration(c.DurationMS)*time.Millisecond)
	return ew.err
}

// CertificateJUnit turns c into JUnit XML: a suite per profile, a test case per
// rule. Fail is a failure, skip is skipped; warn and ambiguous pass with their
// message in system-out, since CI should not go red for them.
func CertificateJUnit(c *Certificate) JUnit {
	var suites []JUnitSuite
	for _, p := range c.Profiles {
		s := JUnitSuite{Name: p.Name, Properties: []JUnitProperty{
			{Name: "target", Value: c.Target}, {Name: "mode", Value: c.Mode}, {Name: "title", Value: p.Title}}}
		for _, r := range p.Rules {
			var secs float64
			for _, ch := range r.Checks {
				secs += ch.DurationMS / 1000
			}
			tc := JUnitCase{Name: r.ID + " (" + r.Level + ")", Classname: p.Name + "." + r.Area, Time: math.Round(secs*1e6) / 1e6}
			text := r.Message
			if r.Evidence != nil && r.Evidence.Curl != "" {
				text += "\n\n" + r.Evidence.Curl
			}
			switch r.Status {
			case VerdictFail:
				tc.Failure = &JUnitMessage{Message: r.Message, Type: r.Level, Text: text}
			case VerdictSkip:
				tc.Skipped = &JUnitMessage{Message: r.Message}
			case VerdictWarn, VerdictAmbiguous:
				tc.SystemOut = string(r.Status) + ": " + text
				if r.Reading != "" {
					tc.SystemOut = string(r.Status) + " (reading: " + r.Reading + "): " + text
				}
			}
			s.Add(tc)
		}
		suites = append(suites, s)
	}
	return NewJUnit("s2s conform "+c.Target, c.Started, suites...)
}

// CertificateMarkdown writes the summary people read: the verdict, a table per
// profile, then the details of every rule that did not pass.
func CertificateMarkdown(w io.Writer, c *Certificate) error {
	ew := &certWriter{w: w}
	verdict := "**certified**"
	if !c.Certified {
		verdict = "**not certified**: a MUST rule failed"
	}
	ew.printf("# Conformance certificate\n\n")
	ew.printf("- Target: `%s`\n", c.Target)
	switch {
	case c.Inspect != "":
		ew.printf("- Inspection API: `%s`\n", c.Inspect)
	case c.Readback == "":
		ew.printf("- Inspection API: none (checks of what the receiver recorded are skipped)\n")
	default:
		ew.printf("- Inspection API: none\n")
	}
	if c.Readback != "" {
		ew.printf("- Read-back: %s (what the receiver recorded, from the target config)\n", c.Readback)
	}
	ew.printf("- Mode seen: %s\n", c.Mode)
	ew.printf("- Started: %s, took %s\n", c.Started.UTC().Format(time.RFC3339), time.Duration(c.DurationMS)*time.Millisecond)
	if c.LabelFilter != "" {
		ew.printf("- Label filter: `%s`\n", c.LabelFilter)
	}
	ew.printf("- Tool: %s, seed %d\n", c.Tool, c.Seed)
	ew.printf("- Verdict: %s\n\n", verdict)

	ew.printf("| profile | rules | pass | fail | warn | skip | ambiguous | checks | verdict |\n")
	ew.printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, p := range c.Profiles {
		v := "certified"
		if !p.Certified {
			v = "**not certified**"
		}
		ew.printf("| %s | %d | %d | %d | %d | %d | %d | %d | %s |\n", p.Name, p.Counts.Total(), p.Counts.Pass,
			p.Counts.Fail, p.Counts.Warn, p.Counts.Skip, p.Counts.Ambiguous, p.Checks, v)
	}
	for _, p := range c.Profiles {
		ew.printf("\n## %s — %s\n\n", p.Name, p.Title)
		ew.printf("| rule | level | area | status | message |\n| --- | --- | --- | --- | --- |\n")
		for _, r := range p.Rules {
			status := string(r.Status)
			if r.Reading != "" {
				status += " (" + r.Reading + ")"
			}
			ew.printf("| %s | %s | %s | %s | %s |\n", r.ID, r.Level, r.Area, status, certCell(r.Message))
		}
		for _, r := range p.Rules {
			if r.Status != VerdictFail && r.Status != VerdictWarn {
				continue
			}
			ew.printf("\n### %s %s (%s)\n\n%s\n", r.ID, r.Status, r.Level, r.Message)
			for _, ch := range r.Checks {
				if ch.Status != VerdictFail && ch.Status != VerdictWarn {
					continue
				}
				ew.printf("\n- %s: %s\n", ch.Name, ch.Message)
				if ch.Evidence != nil {
					writeCertEvidence(ew, ch.Evidence)
				}
			}
		}
	}
	return ew.err
}

func writeCertEvidence(ew *certWriter, e *CertEvidence) {
	if e.Curl != "" {
		ew.printf("\n  ```sh\n%s\n  ```\n", certIndent(e.Curl, "  "))
	}
	if r := e.Response; r != nil {
		if r.Error != "" {
			ew.printf("\n  No answer: %s\n", r.Error)
		} else {
			ew.printf("\n  Answer: %d %s\n", r.Status, certCell(r.Body))
		}
	}
	for _, n := range e.Notes {
		ew.printf("\n  Note: %s\n", n)
	}
}

// cell makes s fit one Markdown table cell.
func certCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r", "")
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func certIndent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// certWriter keeps the first write error so a renderer can check once.
type certWriter struct {
	w   io.Writer
	err error
}

func (e *certWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
