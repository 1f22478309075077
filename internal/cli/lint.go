package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/internal/exitcode"
	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/validate"
)

// lintResult is one line of `s2s lint -format json`.
type lintResult struct {
	Index      int                 `json:"index"`
	Endpoint   string              `json:"endpoint"`
	Rejected   bool                `json:"rejected"`
	Must       bool                `json:"must"`
	Violations []profile.Violation `json:"violations"`
	Note       string              `json:"note,omitempty"`
}

func runLint(_ context.Context, env *Env, args []string) int {
	fs := flags(env, "lint", "-profile P [-endpoint ID] [-mode strict|lenient] [-format text|json] [FILE|-]")
	name := fs.String("profile", "", "profile: "+joinNames())
	endpoint := fs.String("endpoint", "", "endpoint id of bare bodies (default: by shape, else the first)")
	modeFlag := fs.String("mode", "strict", "strict or lenient")
	format := fs.String("format", "text", "text or json")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	p, code := lookup(env, "lint", *name)
	if code >= 0 {
		return code
	}
	mode, err := profile.ParseMode(*modeFlag)
	if err != nil {
		return fail(env, "lint: %v", err)
	}
	if *format != "text" && *format != "json" {
		return fail(env, "lint: -format %q: want text or json", *format)
	}
	if *endpoint != "" {
		if _, ok := p.Endpoint(*endpoint); !ok {
			return fail(env, "lint: unknown endpoint %q (valid: %v)", *endpoint, fixtures.EndpointIDs(p))
		}
	}
	if fs.NArg() > 1 {
		return fail(env, "lint: one input at most, got %d", fs.NArg())
	}
	var in io.Reader = env.Stdin
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return fail(env, "lint: %v", err)
		}
		defer f.Close()
		in = f
	}
	data, err := io.ReadAll(in)
	if err != nil {
		return fail(env, "lint: reading input: %v", err)
	}
	v, err := validate.New(p)
	if err != nil {
		fmt.Fprintf(env.Stderr, "s2s: lint: %v\n", err)
		return ExitInternal
	}
	now := time.Now().UTC()
	results := lint(v, splitInput(data), *endpoint, mode, now)
	if len(results) == 0 {
		return fail(env, "lint: no payloads in the input")
	}
	must := false
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	bad := 0
	for _, r := range results {
		must = must || r.Must
		if len(r.Violations) > 0 {
			bad++
		}
		if *format == "json" {
			if err := enc.Encode(r); err != nil {
				return ExitInternal
			}
			continue
		}
		printLint(env.Stdout, r)
	}
	if *format == "text" {
		fmt.Fprintf(env.Stdout, "%d payloads, %d with findings (%s mode)\n", len(results), bad, mode)
	}
	return exitcode.Lint(must)
}

func printLint(w io.Writer, r lintResult) {
	if len(r.Violations) == 0 {
		fmt.Fprintf(w, "#%d %s: ok\n", r.Index, r.Endpoint)
		return
	}
	verdict := "accepted"
	if r.Rejected {
		verdict = "REJECTED"
	}
	fmt.Fprintf(w, "#%d %s: %s\n", r.Index, r.Endpoint, verdict)
	for _, v := range r.Violations {
		where := v.In
		if v.Field != "" {
			where += " " + v.Field
		}
		tag := "warning"
		if v.Reject {
			tag = "rejects"
		}
		fmt.Fprintf(w, "  %-10s %-9s %-24s %s [%s]\n", v.Rule, v.Level, where, v.Message, tag)
	}
	if r.Note != "" {
		fmt.Fprintf(w, "  note: %s\n", r.Note)
	}
}

// splitInput returns the payload texts: one JSON document, or JSON Lines.
func splitInput(data []byte) [][]byte {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil
	}
	if _, err := strictjson.Decode(trimmed); err == nil {
		return [][]byte{trimmed}
	}
	var out [][]byte
	for _, line := range bytes.Split(data, []byte("\n")) {
		if line = bytes.TrimSpace(line); len(line) > 0 {
			out = append(out, line)
		}
	}
	return out
}

func lint(v *validate.Validator, inputs [][]byte, endpoint string, mode profile.Mode, now time.Time) []lintResult {
	p := v.Profile()
	var out []lintResult
	for i, raw := range inputs {
		pl, headers := payloadOf(p, raw, endpoint)
		res := lintResult{Index: i + 1, Endpoint: pl.Endpoint}
		req, err := fixtures.Request(p, pl, now)
		if err != nil {
			res.Violations = []profile.Violation{p.Violation(p.MalformedRule, profile.InRequest, "", "%v", err)}
			res.Must, res.Rejected = true, true
			out = append(out, res)
			continue
		}
		r := v.Body(req, mode)
		for _, vi := range r.Violations {
			// A bare body has no headers: header rules cannot be judged.
			if !headers && vi.In == profile.InHeader {
				res.Note = "headers not checked: give envelopes with \"headers\" (as s2s fixtures prints) to check them"
				continue
			}
			res.Violations = append(res.Violations, vi)
			res.Rejected = res.Rejected || vi.Reject
			res.Must = res.Must || vi.Level == profile.Must || (vi.Level == profile.Decision && vi.Reject)
		}
		out = append(out, res)
	}
	return out
}

// payloadOf reads one input: an envelope as s2s fixtures prints, or a bare body.
func payloadOf(p *profile.Profile, raw []byte, endpoint string) (*profile.Payload, bool) {
	doc, err := strictjson.Decode(raw)
	if m, ok := doc.(map[string]any); err == nil && ok && fixtures.IsEnvelope(m) {
		if pl, err := fixtures.ReadEnvelope(p.Name, m, fixtures.LabelKeys()); err == nil {
			if endpoint != "" {
				pl.Endpoint = endpoint
			}
			if pl.Endpoint == "" {
				pl.Endpoint = byShape(p, pl.Body)
			}
			_, hasHeaders := m["headers"]
			return pl, hasHeaders
		}
	}
	pl := &profile.Payload{Profile: p.Name, Endpoint: endpoint, Raw: string(raw)}
	if pl.Endpoint == "" {
		pl.Endpoint = byShape(p, doc)
	}
	if e, ok := p.Endpoint(pl.Endpoint); ok && e.Transport == profile.QueryString {
		pl.Raw = queryOf(pl.Raw)
	}
	return pl, false
}

// queryOf returns the query string of a line a sender's log shows: a bare
// query, a URL, a path with its query, or a request line ("GET /p?q HTTP/1.1").
func queryOf(line string) string {
	s := strings.TrimSpace(line)
	if m, rest, ok := strings.Cut(s, " "); ok && m != "" && strings.ToUpper(m) == m && !strings.Contains(m, "=") {
		s, _, _ = strings.Cut(strings.TrimSpace(rest), " ") // the request line's target
	}
	if strings.HasPrefix(s, "/") || strings.Contains(s, "://") {
		_, q, _ := strings.Cut(s, "?")
		return q
	}
	return s
}

// byShape picks the endpoint a bare body most likely targets: an array goes to
// the endpoint that takes arrays, anything else to the first endpoint.
func byShape(p *profile.Profile, doc any) string {
	if _, ok := doc.([]any); ok {
		for _, e := range p.Endpoints {
			if e.Items == profile.ItemsRoot {
				return e.ID
			}
		}
	}
	if len(p.Endpoints) == 0 {
		return ""
	}
	return p.Endpoints[0].ID
}
