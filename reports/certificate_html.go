package reports

import (
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
)

// CertificateHTML writes the certificate as one self-contained HTML page (no
// external assets): the verdict, a table per profile, every rule with its
// checks, and for each check that did not pass the want and got, its basis
// (the seed sentences with their translation, or the decision) and the
// evidence with its curl command.
func CertificateHTML(w io.Writer, c *conformance.Certificate) error {
	took := time.Duration(c.DurationMS) * time.Millisecond
	look := verdictView{Class: "good", Word: "CERTIFIED", Reason: verdictReason(verdictLine(c)), Tool: c.Tool,
		When: "run " + c.Started.UTC().Format("2006-01-02 15:04:05 MST") + ", took " + took.String()}
	switch {
	case !c.Complete:
		look.Class, look.Word = "warn", "INCOMPLETE"
	case !c.Certified:
		look.Class, look.Word = "bad", "NOT CERTIFIED"
	case c.Partial:
		look.Class, look.Word = "warn", "CERTIFIED (partial)"
	}
	return certTemplate.Execute(w, struct {
		C       *conformance.Certificate
		Verdict string
		Took    time.Duration
		Look    verdictView
	}{c, verdictLine(c), took, look})
}

var certTemplate = template.Must(withLook(template.New("certificate")).Funcs(template.FuncMap{
	"bad": func(s conformance.Status) bool {
		return s == conformance.Fail || s == conformance.Warn || s == conformance.Ambiguous
	},
	"lower": strings.ToLower,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Conformance certificate: {{.C.Target}}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f3f3f3}
.fail{color:#b00020;font-weight:600}.warn{color:#a05a00}.pass{color:#16702e}.skip,.not-applicable{color:#777}.ambiguous{color:#5546a8}
.verdict{font-size:1.15em;padding:.6em;border-radius:4px;background:#eef6ee}.verdict.no{background:#fbecec}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;white-space:pre-wrap}blockquote{margin:.3em 0 .3em 1em;border-left:3px solid #ccc;padding-left:.6em}
details{margin:.3em 0}.small{color:#666;font-size:.9em}
</style>{{template "look-style"}}</head><body>
<h1>Conformance certificate</h1>
{{template "verdict" .Look}}
<p class="small">Target <code>{{.C.Target}}</code>{{if .C.Inspect}}, inspection <code>{{.C.Inspect}}</code>{{end}}, mode {{.C.Mode}}, seed {{.C.Seed}},
started {{.C.Started.Format "2006-01-02T15:04:05Z07:00"}}, took {{.Took}}, {{.C.Tool}}{{if .C.LabelFilter}}, label filter <code>{{.C.LabelFilter}}</code>{{end}}.</p>
{{if not .C.Complete}}<p class="verdict no">Incomplete: {{.C.Reason}}. {{.C.ChecksRun}} of {{.C.ChecksSelected}} checks ran; this certificate covers only those.</p>{{end}}
{{with .C.Uncovered}}<div class="verdict no"><p>MUST rules in scope that no check judged (the certificate is partial):</p><ul>
{{range .}}<li>{{.Profile}} {{.Rule}}: {{.Reason}}</li>{{end}}</ul></div>{{end}}
{{range .C.InternalErrors}}<p class="fail">Internal error of the suite: {{.}}</p>{{end}}
<table><tr><th>profile</th><th>rules</th><th>pass</th><th>fail</th><th>warn</th><th>skip</th><th>ambiguous</th><th>n/a</th><th>checks</th><th>verdict</th></tr>
{{range .C.Profiles}}<tr><td><a href="#{{.Name}}">{{.Name}}</a></td><td>{{.Counts.Total}}</td><td>{{.Counts.Pass}}</td><td>{{.Counts.Fail}}</td><td>{{.Counts.Warn}}</td>
<td>{{.Counts.Skip}}</td><td>{{.Counts.Ambiguous}}</td><td>{{.Counts.NotApplicable}}</td><td>{{.Checks}}</td><td>{{if .Certified}}<span class="pass">certified</span>{{else}}<span class="fail">not certified</span>{{end}}</td></tr>
{{end}}</table>
<p class="small">A check's basis is <b>documented</b> when a sentence of the seed document requires the answer it expects (quoted below with
our translation); only those fail a MUST rule. A <b>decided</b> expectation is our reading (a SPECS.md decision or a strict-mode
choice): a receiver that answers otherwise gets a warning.</p>
{{range .C.Profiles}}<h2 id="{{.Name}}">{{.Name}} — {{.Title}}</h2>
{{with .Diagnosis}}<p>Diagnosis (what the receiver accepts instead; facts, not verdicts):</p><ul>
{{range .}}<li>{{.Probe}} ({{.Rule}}): {{.Summary}}</li>{{end}}</ul>{{end}}
<table><tr><th>rule</th><th>level</th><th>area</th><th>status</th><th>message</th></tr>
{{range .Rules}}<tr><td class="rule">{{.ID}}</td><td>{{.Level}}</td><td>{{.Area}}</td><td class="{{.Status}}">{{.Status}}{{if .Reading}} ({{.Reading}}){{end}}</td><td>{{.Message}}</td></tr>
{{end}}</table>
{{range .Rules}}{{$r := .}}{{range .Checks}}{{if bad .Status}}
<details{{if eq (print .Status) "fail"}} open{{end}}><summary><span class="{{.Status}}">{{.Status}}</span> <span class="rule">{{$r.ID}}</span> ({{$r.Level}}): {{.Name}}</summary>
<p>{{if or .Want .Got}}Want <b>{{.Want}}</b>, got <b>{{.Got}}</b>. {{end}}{{.Message}}</p>
<p>Basis: <b>{{.Basis}}</b>{{if .Why}} — {{.Why}}{{end}}</p>
{{range .Citations}}<blockquote lang="und">{{.Quote}}<br><span class="small">{{seedTitle .Seed}}: “{{.English}}”</span></blockquote>{{end}}
{{with .Evidence}}<pre>{{.Curl}}</pre>{{with .Response}}<p>Answer: {{if .Error}}no answer ({{.Error}}){{else}}{{.Status}} <code>{{.Body}}</code>{{if .Truncated}} (cut at {{.BodyBytes}} bytes){{end}}{{end}}</p>{{end}}
{{range .Notes}}<p class="small">Note: {{.}}</p>{{end}}{{end}}
</details>{{end}}{{end}}{{end}}
{{end}}
</body></html>
`))
