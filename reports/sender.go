package reports

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/verify"
)

// Files of a sender certificate, as `s2s verify -report-dir` writes them.
const (
	SenderJSONFile     = "sender.json"
	SenderMarkdownFile = "sender.md"
	SenderHTMLFile     = "sender.html"
	SenderJUnitFile    = "sender-junit.xml"
)

// SenderFiles returns every rendering of r by file name, for a report folder.
func SenderFiles(r *verify.Result) map[string]Renderer {
	f := SenderRenderers(r)
	return map[string]Renderer{SenderJSONFile: f["json"], SenderMarkdownFile: f["md"], SenderHTMLFile: f["html"],
		SenderJUnitFile: f["junit"]}
}

// SenderRenderers maps the formats `s2s verify -format` takes to a renderer.
func SenderRenderers(r *verify.Result) map[string]Renderer {
	return map[string]Renderer{
		"json":  func(w io.Writer) error { return WriteJSON(w, r) },
		"md":    func(w io.Writer) error { return SenderMarkdown(w, r) },
		"html":  func(w io.Writer) error { return SenderHTML(w, r) },
		"junit": func(w io.Writer) error { return WriteJUnit(w, SenderJUnit(r)) },
		"text":  func(w io.Writer) error { return SenderText(w, r) },
	}
}

// senderScope says which traffic a certificate judged.
func senderScope(r *verify.Result) string {
	var parts []string
	if r.Session != nil {
		s := "session " + r.Session.ID
		if r.Session.Name != "" {
			s += " (" + r.Session.Name + ")"
		}
		parts = append(parts, s)
	}
	if r.Since != nil {
		parts = append(parts, "since "+r.Since.UTC().Format(time.RFC3339))
	}
	if r.Until != nil {
		parts = append(parts, "until "+r.Until.UTC().Format(time.RFC3339))
	}
	if len(parts) == 0 {
		return "everything in the journal"
	}
	return strings.Join(parts, ", ")
}

// SenderText is the terminal summary: the verdict, then every rule that did
// not pass with its first example.
func SenderText(w io.Writer, r *verify.Result) error {
	ew := &certWriter{w: w}
	ew.printf("sender certificate: %s (%d requests; %s)\n", strings.ToUpper(r.Verdict), r.Requests, senderScope(r))
	if !r.Complete {
		ew.printf("INCOMPLETE: %s\n", r.IncompleteReason)
	}
	for _, u := range r.Unserved {
		ew.printf("unserved: %s\n", u.Message)
	}
	line := func(x verify.RuleResult) {
		ew.printf("  %-4s %-12s %-9s %s\n", x.Status, x.ID, x.Level, x.Message)
		if len(x.Examples) > 0 {
			e := x.Examples[0]
			ew.printf("       e.g. seq %d %s %s → %d: %s\n", e.Seq, e.Method, e.Path, e.Status, e.Note)
			if b := basis(x); b != "" {
				ew.printf("       basis: %s\n", b)
			}
		}
	}
	for _, p := range r.Profiles {
		ew.printf("\n%s: %d requests, %d accepted, %d rejected, %d faulted, %d duplicates, %d rate-limited\n",
			p.Name, p.Requests, p.Accepted, p.Rejected, p.Faulted, p.Duplicates, p.RateLimited)
		ew.printf("  %s\n  %s\n", coverage("endpoints", p.Endpoints), coverage("event types", p.EventTypes))
		for _, x := range p.Rules {
			line(x)
		}
	}
	ew.printf("\nsender rules:\n")
	for _, x := range r.Sender {
		line(x)
	}
	return ew.err
}

// basis quotes the seed sentences a sender rule rests on ("" when decided).
func basis(x verify.RuleResult) string {
	if x.Ground == nil {
		return ""
	}
	var qs []string
	for _, c := range x.Ground.Cite {
		qs = append(qs, fmt.Sprintf("%s %q (%s)", c.Seed, c.Quote, c.English))
	}
	return strings.Join(qs, "; ")
}

func list(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// SenderMarkdown writes the certificate people read.
func SenderMarkdown(w io.Writer, r *verify.Result) error {
	ew := &certWriter{w: w}
	ew.printf("# Sender certificate\n\n")
	ew.printf("- Verdict: **%s**\n- Scope: %s\n- Requests: %d\n", r.Verdict, senderScope(r), r.Requests)
	if r.Target != "" {
		ew.printf("- Receiver: `%s`\n", r.Target)
	}
	if !r.Complete {
		ew.printf("- **Incomplete**: %s\n", mdCell(r.IncompleteReason))
	}
	for _, u := range r.Unserved {
		ew.printf("- Unserved: %s\n", mdCell(u.Message))
	}
	table := func(rules []verify.RuleResult) {
		ew.printf("| rule | level | status | count | what was seen |\n| --- | --- | --- | --- | --- |\n")
		for _, x := range rules {
			ew.printf("| %s | %s | %s | %d | %s |\n", x.ID, x.Level, x.Status, x.Count, mdCell(x.Message))
		}
		ew.printf("\n")
		for _, x := range rules {
			if len(x.Examples) == 0 {
				continue
			}
			ew.printf("**%s** (%s):\n\n", x.ID, x.Status)
			if b := basis(x); b != "" {
				ew.printf("Basis: %s\n\n", mdCell(b))
			}
			for _, e := range x.Examples {
				ew.printf("- seq %d, %s, `%s %s` → %d: %s\n", e.Seq, e.ReceivedAt.UTC().Format(time.RFC3339Nano), e.Method,
					e.Path, e.Status, mdCell(e.Note))
				if e.Body != "" {
					ew.printf("  `%s`\n", strings.ReplaceAll(e.Body, "`", "'"))
				}
			}
			ew.printf("\n")
		}
	}
	ew.printf("\n## Sender rules\n\n")
	table(r.Sender)
	for _, p := range r.Profiles {
		ew.printf("## %s — %s\n\n", p.Name, p.Title)
		ew.printf("%d requests: %d accepted, %d rejected, %d faulted; %d duplicates sent; %d rate-limited.\n\n",
			p.Requests, p.Accepted, p.Rejected, p.Faulted, p.Duplicates, p.RateLimited)
		ew.printf("- %s\n- %s\n\n", capital(coverage("endpoints", p.Endpoints)), capital(coverage("event types", p.EventTypes)))
		if len(p.Rules) == 0 {
			ew.printf("No request broke a rule of this profile.\n\n")
			continue
		}
		table(p.Rules)
	}
	return ew.err
}

// SenderJUnit writes a suite for the sender rules and one per profile: a
// failed MUST is a failure, a skip is skipped, a warning passes with its
// message in system-out.
func SenderJUnit(r *verify.Result) JUnit {
	suite := func(name string, rules []verify.RuleResult) JUnitSuite {
		s := JUnitSuite{Name: name}
		for _, x := range rules {
			tc := JUnitCase{Name: x.ID + " (" + x.Level + ")", Classname: name}
			text := x.Message
			if b := basis(x); b != "" {
				text += "\nbasis: " + b
			}
			for _, e := range x.Examples {
				text += fmt.Sprintf("\nseq %d %s %s → %d: %s", e.Seq, e.Method, e.Path, e.Status, e.Note)
			}
			switch x.Status {
			case verify.Fail:
				tc.Failure = &JUnitMessage{Message: x.Message, Type: x.Level, Text: text}
			case verify.Skip:
				tc.Skipped = &JUnitMessage{Message: x.Message}
			case verify.Warn, verify.Ambiguous:
				tc.SystemOut = x.Status + ": " + text
			}
			s.Add(tc)
		}
		return s
	}
	suites := []JUnitSuite{suite("sender", r.Sender)}
	if !r.Complete {
		// An error, not a failure: the traffic was not all read, so CI must not go green.
		s := JUnitSuite{Name: "completeness"}
		s.Add(JUnitCase{Name: "the receiver kept every record of the scope", Classname: "completeness",
			Error: &JUnitMessage{Message: "incomplete: " + r.IncompleteReason, Type: verify.Incomplete, Text: r.IncompleteReason}})
		suites = append(suites, s)
	}
	for _, p := range r.Profiles {
		suites = append(suites, suite(p.Name, p.Rules))
	}
	var start time.Time
	if r.Session != nil {
		start = r.Session.StartedAt
	}
	return NewJUnit("s2s verify "+senderScope(r), start, suites...)
}

// SenderHTML writes the certificate as one self-contained page.
func SenderHTML(w io.Writer, r *verify.Result) error {
	return senderPage.Execute(w, struct {
		R     *verify.Result
		Scope string
		Look  verdictView
	}{r, senderScope(r), senderVerdict(r)})
}

var senderPage = template.Must(withLook(template.New("sender")).Funcs(template.FuncMap{
	"list":     list,
	"coverage": coverage,
	"capital":  capital,
	"ts":       func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sender certificate: {{.R.Verdict}}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
.fail{background:#fdd}.warn,.ambiguous{background:#ffd}.skip{color:#777}.pass{background:#efe}
code{font-size:12px;word-break:break-all}
</style>{{template "look-style"}}</head><body>
<h1>Sender certificate</h1>
{{template "verdict" .Look}}
<p>Scope: {{.Scope}}. Requests: {{.R.Requests}}.{{if .R.Target}} Receiver: <code>{{.R.Target}}</code>.{{end}}
</p>
{{if not .R.Complete}}<p class="fail"><strong>Incomplete:</strong> {{.R.IncompleteReason}}</p>{{end}}
{{if .R.Unserved}}<h2>Requests no endpoint served</h2><ul>{{range .R.Unserved}}<li>{{.Message}}</li>{{end}}</ul>{{end}}
{{define "rules"}}<table><tr><th>rule</th><th>level</th><th>status</th><th>count</th><th>what was seen</th><th>examples</th></tr>
{{range .}}<tr class="{{.Status}}"><td class="rule">{{.ID}}</td><td>{{.Level}}</td><td>{{.Status}}</td><td>{{.Count}}</td><td>{{.Message}}</td>
<td>{{range .Examples}}<div>seq {{.Seq}} {{ts .ReceivedAt}} <code>{{.Method}} {{.Path}}</code> → {{.Status}}: {{.Note}}{{if .Body}}<br><code>{{.Body}}</code>{{end}}</div>{{end}}</td></tr>
{{end}}</table>{{end}}
<h2>Sender rules</h2>
{{template "rules" .R.Sender}}
{{range .R.Profiles}}<h2>{{.Name}}: {{.Title}}</h2>
<p>{{.Requests}} requests: {{.Accepted}} accepted, {{.Rejected}} rejected, {{.Faulted}} faulted; {{.Duplicates}} duplicates sent; {{.RateLimited}} rate-limited.</p>
<p>{{capital (coverage "endpoints" .Endpoints)}}.<br>
{{capital (coverage "event types" .EventTypes)}}.</p>
{{if .Rules}}{{template "rules" .Rules}}{{else}}<p>No request broke a rule of this profile.</p>{{end}}
{{end}}</body></html>
`))
