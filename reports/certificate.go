package reports

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/profile"
)

// The files of a certificate in a report folder.
const (
	CertificateJSONFile     = "certificate.json"
	CertificateMarkdownFile = "certificate.md"
	CertificateJUnitFile    = "junit.xml"
	CertificateHTMLFile     = "certificate.html"
)

// WriteCertificate writes c as indented JSON.
func WriteCertificate(w io.Writer, c *conformance.Certificate) error { return WriteJSON(w, c) }

// ReadCertificate reads a certificate.json, refusing unknown members and
// another schema.
func ReadCertificate(r io.Reader) (*conformance.Certificate, error) {
	var c conformance.Certificate
	if err := ReadJSON(r, &c); err != nil {
		return nil, err
	}
	if c.Schema != conformance.CertificateSchema {
		return nil, fmt.Errorf("schema %q, want %q", c.Schema, conformance.CertificateSchema)
	}
	return &c, nil
}

// CertificateRenderers are the renderings of c by format name (json, md,
// junit, text), for `s2s report -format`.
func CertificateRenderers(c *conformance.Certificate) map[string]Renderer {
	return map[string]Renderer{
		"json":  func(w io.Writer) error { return WriteCertificate(w, c) },
		"md":    func(w io.Writer) error { return CertificateMarkdown(w, c) },
		"junit": func(w io.Writer) error { return WriteJUnit(w, CertificateJUnit(c)) },
		"html":  func(w io.Writer) error { return CertificateHTML(w, c) },
		"text":  func(w io.Writer) error { return CertificateText(w, c) },
	}
}

// CertificateFiles are the files of a certificate in a report folder.
func CertificateFiles(c *conformance.Certificate) map[string]Renderer {
	r := CertificateRenderers(c)
	return map[string]Renderer{
		CertificateJSONFile:     r["json"],
		CertificateMarkdownFile: r["md"],
		CertificateJUnitFile:    r["junit"],
		CertificateHTMLFile:     r["html"],
	}
}

// CertificateText writes the console summary: a table of rules by status per
// profile, then one line per check that failed or warned (rule, check, want,
// got) and every ambiguous rule's reading, then the verdict.
func CertificateText(w io.Writer, c *conformance.Certificate) error {
	ew := &certWriter{w: w}
	insp := c.Inspect
	if insp == "" {
		insp = "none"
	}
	if c.Readback != "" {
		insp += ", read-back " + c.Readback
	}
	ew.printf("s2s conform %s (mode %s, inspection %s, seed %d)\n", c.Target, c.Mode, insp, c.Seed)
	if !c.Complete {
		ew.printf("INCOMPLETE: %s; %d of %d checks ran\n", c.Reason, c.ChecksRun, c.ChecksSelected)
	}
	for _, s := range c.Scope {
		ew.printf("partial certification: %s\n", s)
	}
	var tb strings.Builder
	tw := tabwriter.NewWriter(&tb, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "profile\trules\tpass\tfail\twarn\tskip\tambiguous\tn/a\tchecks\t")
	for _, p := range c.Profiles {
		n := p.Counts
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", p.Name, n.Total(), n.Pass, n.Fail, n.Warn, n.Skip, n.Ambiguous, n.NotApplicable, p.Checks)
	}
	_ = tw.Flush()
	ew.printf("\n%s", tb.String())
	var notes []string
	for _, p := range c.Profiles {
		for _, r := range p.Rules {
			for _, ch := range r.Checks {
				if ch.Status == conformance.Fail || ch.Status == conformance.Warn {
					notes = append(notes, fmt.Sprintf("  %-4s %s (%s) %s: %s%s", ch.Status, r.ID, r.Level, ch.Name, wantGot(ch), basisTag(ch)))
				}
			}
			if r.Status == conformance.Ambiguous {
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
	if len(c.Uncovered) > 0 {
		ew.printf("\nMUST rules in scope that no check judged (the certificate is partial):\n")
		for _, g := range c.Uncovered {
			ew.printf("  %s %s: %s\n", g.Profile, g.Rule, g.Reason)
		}
	}
	ew.printf("\n%s (%d rules, %s)\n", verdictLine(c), c.Counts.Total(), time.Duration(c.DurationMS)*time.Millisecond)
	return ew.err
}

// diagnosisOf is what the diagnosis found about rule id of p, one line per
// probe of that rule ("" when none).
func diagnosisOf(p conformance.CertProfile, id string) string {
	var out []string
	for _, d := range p.Diagnosis {
		if d.Rule == id {
			out = append(out, "diagnosis ("+d.Probe+"): "+d.Summary)
		}
	}
	return strings.Join(out, "; ")
}

// verdictLine is the one-line verdict of c.
func verdictLine(c *conformance.Certificate) string {
	var v string
	switch {
	case !c.Complete:
		return fmt.Sprintf("INCOMPLETE, NOT CERTIFIED: %s (%d of %d checks ran)", c.Reason, c.ChecksRun, c.ChecksSelected)
	case !c.Certified:
		v = "NOT CERTIFIED: a documented MUST expectation failed"
	case c.Partial:
		v = "CERTIFIED (partial): no documented MUST expectation failed"
	default:
		v = "CERTIFIED: no documented MUST expectation failed"
	}
	if n := len(c.Uncovered); n > 0 {
		v += fmt.Sprintf("; %d MUST rule(s) in scope had no check that ran", n)
	}
	if len(c.Scope) > 0 {
		v += "; partial: " + strings.Join(c.Scope, "; ")
	}
	return v
}

// wantGot says what a check expected and got, or its message.
func wantGot(ch conformance.CertCheck) string {
	if ch.Want != "" || ch.Got != "" {
		return fmt.Sprintf("want %s, got %s", ch.Want, ch.Got)
	}
	return ch.Message
}

// basisTag marks a decided expectation: it can only warn.
func basisTag(ch conformance.CertCheck) string {
	if ch.Basis == profile.Decided {
		return " [decided: " + ch.Why + "]"
	}
	return ""
}

// CertificateJUnit turns c into JUnit XML: a suite per profile, a test case per
// rule. Fail is a failure, skip is skipped; warn and ambiguous pass with their
// message in system-out, since CI should not go red for them.
func CertificateJUnit(c *conformance.Certificate) JUnit {
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
			msg := r.Message
			if d := diagnosisOf(p, r.ID); d != "" {
				msg += "; " + d
				text = msg
			}
			if r.Evidence != nil && r.Evidence.Curl != "" {
				text += "\n\n" + r.Evidence.Curl
			}
			switch r.Status {
			case conformance.Fail:
				tc.Failure = &JUnitMessage{Message: msg, Type: r.Level, Text: text}
			case conformance.Skip, conformance.NotApplicable:
				tc.Skipped = &JUnitMessage{Message: r.Message}
			case conformance.Warn, conformance.Ambiguous:
				tc.SystemOut = string(r.Status) + ": " + text
				if r.Reading != "" {
					tc.SystemOut = string(r.Status) + " (reading: " + r.Reading + "): " + text
				}
			}
			s.Add(tc)
		}
		suites = append(suites, s)
	}
	// The run itself: an incomplete run is an error, a partial one says why.
	run := JUnitSuite{Name: "run", Properties: []JUnitProperty{{Name: "target", Value: c.Target}}}
	tc := JUnitCase{Name: "every selected check ran", Classname: "run.complete"}
	if !c.Complete {
		tc.Error = &JUnitMessage{Message: verdictLine(c), Type: "incomplete",
			Text: fmt.Sprintf("%s\n%d of %d checks ran; the certificate covers only those.", c.Reason, c.ChecksRun, c.ChecksSelected)}
	}
	run.Add(tc)
	if len(c.Uncovered) > 0 {
		var lines []string
		for _, g := range c.Uncovered {
			lines = append(lines, fmt.Sprintf("%s %s: %s", g.Profile, g.Rule, g.Reason))
		}
		run.Add(JUnitCase{Name: "every MUST rule in scope was judged", Classname: "run.coverage",
			Skipped: &JUnitMessage{Message: fmt.Sprintf("partial: %d MUST rule(s) in scope had no check that ran", len(c.Uncovered)),
				Text: strings.Join(lines, "\n")}})
	}
	suites = append(suites, run)
	return NewJUnit("s2s conform "+c.Target, c.Started, suites...)
}

// CertificateMarkdown writes the summary people read: the verdict, a table per
// profile, then the details of every rule that did not pass.
func CertificateMarkdown(w io.Writer, c *conformance.Certificate) error {
	ew := &certWriter{w: w}
	verdict := "**" + verdictLine(c) + "**"
	ew.printf("# Conformance certificate\n\n")
	ew.printf("> %s\n\n", verdict)
	if len(c.Uncovered) > 0 {
		ew.printf("MUST rules in scope that no check judged:\n\n")
		for _, g := range c.Uncovered {
			ew.printf("- %s %s: %s\n", g.Profile, g.Rule, certCell(g.Reason))
		}
		ew.printf("\n")
	}
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

	ew.printf("| profile | rules | pass | fail | warn | skip | ambiguous | n/a | checks | verdict |\n")
	ew.printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, p := range c.Profiles {
		v := "certified"
		if !p.Certified {
			v = "**not certified**"
		}
		ew.printf("| %s | %d | %d | %d | %d | %d | %d | %d | %d | %s |\n", p.Name, p.Counts.Total(), p.Counts.Pass,
			p.Counts.Fail, p.Counts.Warn, p.Counts.Skip, p.Counts.Ambiguous, p.Counts.NotApplicable, p.Checks, v)
	}
	for _, p := range c.Profiles {
		ew.printf("\n## %s — %s\n\n", p.Name, p.Title)
		if len(p.Diagnosis) > 0 {
			ew.printf("Diagnosis (what the receiver accepts instead; facts, not verdicts):\n\n")
			for _, d := range p.Diagnosis {
				ew.printf("- %s (%s): %s\n", d.Probe, d.Rule, certCell(d.Summary))
			}
			ew.printf("\n")
		}
		ew.printf("| rule | level | area | status | message |\n| --- | --- | --- | --- | --- |\n")
		for _, r := range p.Rules {
			status := string(r.Status)
			if r.Reading != "" {
				status += " (" + r.Reading + ")"
			}
			ew.printf("| %s | %s | %s | %s | %s |\n", r.ID, r.Level, r.Area, status, certCell(r.Message))
		}
		for _, r := range p.Rules {
			if r.Status != conformance.Fail && r.Status != conformance.Warn {
				continue
			}
			ew.printf("\n### %s %s (%s)\n\n%s\n", r.ID, r.Status, r.Level, r.Message)
			if d := diagnosisOf(p, r.ID); d != "" {
				ew.printf("\n%s\n", certCell(d))
			}
			for _, ch := range r.Checks {
				if ch.Status != conformance.Fail && ch.Status != conformance.Warn {
					continue
				}
				ew.printf("\n- %s: %s\n", ch.Name, certCell(wantGot(ch)))
				writeCertBasis(ew, ch)
				if ch.Evidence != nil {
					writeCertEvidence(ew, ch.Evidence)
				}
			}
		}
	}
	return ew.err
}

// writeCertBasis writes why the check expects what it does: the seed
// sentences (original and translation), or the decision.
func writeCertBasis(ew *certWriter, ch conformance.CertCheck) {
	switch ch.Basis {
	case profile.Documented:
		ew.printf("\n  Basis: documented. %s\n", ch.Why)
		for _, ct := range ch.Citations {
			ew.printf("\n  > %s\n  > (%s: \"%s\")\n", certCell(ct.Quote), seedTitle(ct.Seed), certCell(ct.English))
		}
	case profile.Decided:
		ew.printf("\n  Basis: decided (a warning at most): %s\n", ch.Why)
	}
}

func writeCertEvidence(ew *certWriter, e *conformance.CertEvidence) {
	if e.Curl != "" {
		ew.printf("\n  ```sh\n%s\n  ```\n", certIndent(e.Curl, "  "))
	}
	if r := e.Response; r != nil {
		switch {
		case r.Error != "":
			ew.printf("\n  No answer: %s\n", r.Error)
		case r.Truncated:
			ew.printf("\n  Answer: %d %s (cut at %d bytes)\n", r.Status, certCell(r.Body), r.BodyBytes)
		default:
			ew.printf("\n  Answer: %d %s\n", r.Status, certCell(r.Body))
		}
	}
	for _, n := range e.Notes {
		ew.printf("\n  Note: %s\n", n)
	}
}

// certCell makes s fit one Markdown table cell.
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
