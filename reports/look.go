package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"strings"

	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/verify"
)

// lookCSS is the style every HTML report shares (look.css).
//
//go:embed look.css
var lookCSS string

// verdictView is the one verdict block of every report: a large coloured
// word, the one-line reason, the tool and the run's time.
type verdictView struct {
	Class  string // good, bad, warn or neutral
	Word   string
	Reason string
	Tool   string
	When   string
}

// withLook gives a report's template the shared look: {{template
// "look-style"}} after its own style, {{template "verdict" .}} for its
// verdict, and seedTitle to cite a seed document (or a profile's own source) by its title.
func withLook(t *template.Template) *template.Template {
	return template.Must(t.Funcs(template.FuncMap{
		"lookCSS":   func() template.CSS { return template.CSS(lookCSS) }, // our own file, not input
		"seedTitle": seedTitle,
	}).Parse(`{{define "look-style"}}<style>{{lookCSS}}</style>{{end}}` +
		`{{define "verdict"}}<div class="look-verdict {{.Class}}" role="status"><div class="word">{{.Word}}</div>` +
		`{{if .Reason}}<div class="why">{{.Reason}}</div>{{end}}` +
		`<div class="meta">{{if .Tool}}{{.Tool}}{{end}}{{if and .Tool .When}} · {{end}}{{.When}}</div></div>{{end}}`))
}

// seedTitle cites a document by its title: a seed with its number
// ("RevoSurge server events API (seed 000)"), or a profile's own source, from
// the profile that rests on it; a file no profile names is cited as it is.
func seedTitle(file string) string {
	for _, p := range builtin.All() {
		if p.SourceFile() == file {
			return p.SeedName()
		}
	}
	return file
}

// verdictReason is a verdict line's reason, without the word before ": ".
func verdictReason(line string) string {
	if _, why, ok := strings.Cut(line, ": "); ok {
		return why
	}
	return line
}

// senderVerdict is the sender certificate's verdict block: the rules that
// failed, or what held.
func senderVerdict(r *verify.Result) verdictView {
	v := verdictView{Class: "good", Word: r.Verdict, Tool: r.Tool}
	if r.JudgedAt != nil {
		v.When = "judged " + r.JudgedAt.UTC().Format("2006-01-02 15:04:05 MST")
	}
	var failed, warned []string
	for _, rules := range append([][]verify.RuleResult{r.Sender}, profileRules(r)...) {
		for _, x := range rules {
			switch x.Status {
			case verify.Fail:
				failed = append(failed, x.ID)
			case verify.Warn:
				warned = append(warned, x.ID)
			}
		}
	}
	switch {
	case r.Verdict == verify.NoTraffic:
		v.Class, v.Reason = "neutral", "no request in scope: nothing to judge"
	case r.Verdict == verify.Incomplete:
		v.Class, v.Reason = "warn", "not certified, the receiver lost records: "+r.IncompleteReason
	case len(failed) > 0:
		v.Class, v.Reason = "bad", fmt.Sprintf("%d MUST rule%s broken over %d request%s: %s", len(failed), plural(len(failed)), r.Requests, plural(r.Requests), strings.Join(failed, ", "))
	case len(warned) > 0:
		v.Reason = fmt.Sprintf("no MUST rule broken over %d request%s; %d warning%s: %s", r.Requests, plural(r.Requests), len(warned), plural(len(warned)), strings.Join(warned, ", "))
	default:
		v.Reason = fmt.Sprintf("no rule broken over %d request%s", r.Requests, plural(r.Requests))
	}
	if r.Verdict == verify.NotCertified && len(failed) == 0 {
		v.Class = "bad"
	}
	return v
}

func profileRules(r *verify.Result) [][]verify.RuleResult {
	out := make([][]verify.RuleResult, 0, len(r.Profiles))
	for _, p := range r.Profiles {
		out = append(out, p.Rules)
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
