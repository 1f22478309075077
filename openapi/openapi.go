// Package openapi derives an OpenAPI 3.1 document from a profile: its
// endpoints as paths (a query-string endpoint's document as query
// parameters, one per member), its authentication as security schemes, its JSON Schemas
// (draft 2020-12, which OpenAPI 3.1 takes as they are) as components, the seed
// document's golden examples as request examples, and every status a rule
// rejects with as a documented response, each tagged with its rule IDs
// (x-rule). Nothing here knows an API by name: a new profile gets its document
// for free. Used by `s2s openapi`, so Prism, Schemathesis and Postman users
// can reuse the harness's specs.
package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
)

// Version is the OpenAPI version of the documents.
const Version = "3.1.0"

// Dialect is the JSON Schema dialect of the components: the profiles' schemas
// are plain draft 2020-12 (their x-rule and x-message keywords are annotations).
const Dialect = "https://json-schema.org/draft/2020-12/schema"

// MockServer is the URL the harness's mock serves every profile at by default.
const MockServer = "http://127.0.0.1:8080"

// Document is an OpenAPI 3.1 document; members are in the specification's
// order so the file reads top-down.
type Document struct {
	OpenAPI    string                          `json:"openapi"`
	Info       Info                            `json:"info"`
	Dialect    string                          `json:"jsonSchemaDialect"`
	Servers    []Server                        `json:"servers"`
	Security   []map[string][]string           `json:"security,omitempty"`
	Tags       []Tag                           `json:"tags"`
	Paths      map[string]map[string]Operation `json:"paths"`
	Components Components                      `json:"components"`
	Rules      []Rule                          `json:"x-rules"`
}

// Info is the document's info object.
type Info struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description"`
	Profile     string `json:"x-s2s-profile"`
}

// Server is one base URL.
type Server struct {
	URL         string `json:"url"`
	Description string `json:"description"`
}

// Tag groups the operations of a profile.
type Tag struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Operation is one endpoint.
type Operation struct {
	OperationID string              `json:"operationId"`
	Summary     string              `json:"summary"`
	Description string              `json:"description,omitempty"`
	Tags        []string            `json:"tags"`
	Parameters  []Parameter         `json:"parameters,omitempty"`
	RequestBody *RequestBody        `json:"requestBody,omitempty"`
	Responses   map[string]Response `json:"responses"`
	Rules       []string            `json:"x-rule,omitempty"`
	Endpoint    string              `json:"x-s2s-endpoint"`
}

// Parameter is a path, header or query parameter.
type Parameter struct {
	Name        string         `json:"name"`
	In          string         `json:"in"`
	Required    bool           `json:"required"`
	Description string         `json:"description,omitempty"`
	Schema      map[string]any `json:"schema"`
	Example     string         `json:"example,omitempty"`
	Rules       []string       `json:"x-rule,omitempty"`
}

// RequestBody is an operation's body.
type RequestBody struct {
	Description string               `json:"description,omitempty"`
	Required    bool                 `json:"required"`
	Content     map[string]MediaType `json:"content"`
	Rules       []string             `json:"x-rule,omitempty"`
}

// MediaType is a body of one content type.
type MediaType struct {
	Schema   map[string]any     `json:"schema,omitempty"`
	Examples map[string]Example `json:"examples,omitempty"`
}

// Example is a named example.
type Example struct {
	Summary     string `json:"summary,omitempty"`
	Description string `json:"description,omitempty"`
	Value       any    `json:"value"`
}

// Response is the answer with one status.
type Response struct {
	Description string               `json:"description"`
	Headers     map[string]Header    `json:"headers,omitempty"`
	Content     map[string]MediaType `json:"content,omitempty"`
	Rules       []string             `json:"x-rule,omitempty"`
	// BodyLevel is how binding the body's shape is (MUST, SHOULD); "" when
	// the seed document gives no body and the example is the mock's choice.
	BodyLevel string `json:"x-body-level,omitempty"`
}

// Header is a response header.
type Header struct {
	Description string         `json:"description"`
	Schema      map[string]any `json:"schema"`
}

// Components holds the schemas and security schemes.
type Components struct {
	Schemas         map[string]any            `json:"schemas"`
	SecuritySchemes map[string]SecurityScheme `json:"securitySchemes,omitempty"`
}

// SecurityScheme is one credential a request carries.
type SecurityScheme struct {
	Type         string   `json:"type"`
	Scheme       string   `json:"scheme,omitempty"`
	BearerFormat string   `json:"bearerFormat,omitempty"`
	In           string   `json:"in,omitempty"`
	Name         string   `json:"name,omitempty"`
	Description  string   `json:"description"`
	Rules        []string `json:"x-rule,omitempty"`
}

// Rule is a catalogue entry as the document lists it.
type Rule struct {
	ID     string `json:"id"`
	Level  string `json:"level"`
	Area   string `json:"area"`
	Status int    `json:"status,omitempty"`
	Code   string `json:"code,omitempty"`
	Text   string `json:"text"`
}

// Figures count what a document holds.
type Figures struct {
	Paths, Operations, Schemas, Examples int
}

// Figures counts d's paths, operations, component schemas and examples
// (request and response).
func (d *Document) Figures() Figures {
	f := Figures{Paths: len(d.Paths), Schemas: len(d.Components.Schemas)}
	for _, item := range d.Paths {
		for _, op := range item {
			f.Operations++
			if op.RequestBody != nil {
				for _, mt := range op.RequestBody.Content {
					f.Examples += len(mt.Examples)
				}
			}
			for _, r := range op.Responses {
				for _, mt := range r.Content {
					f.Examples += len(mt.Examples)
				}
			}
		}
	}
	return f
}

// Marshal writes d as indented JSON (stable: map members sorted), ending in a
// newline.
func (d *Document) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return buf.Bytes(), nil
}

// Build derives p's document; version is the document's info.version (the
// harness's release, since the document is the harness's reading of the API).
func Build(p *profile.Profile, version string) (*Document, error) {
	comps, err := components(p)
	if err != nil {
		return nil, err
	}
	golden, err := fixtures.LoadGolden(p)
	if err != nil {
		return nil, err
	}
	sec, err := security(p, golden)
	if err != nil {
		return nil, err
	}
	comps.SecuritySchemes = sec.schemes
	d := &Document{
		OpenAPI: Version,
		Info: Info{Title: p.Title, Version: version, Profile: p.Name,
			Description: fmt.Sprintf("The %s API as s2s-harness reads it (profile %q), derived from the seed document %s. "+
				"Every constraint names the rule it enforces in x-rule; x-rules lists the catalogue.", p.Title, p.Name, p.Seed)},
		Dialect:    Dialect,
		Servers:    servers(p),
		Security:   sec.requirement,
		Tags:       []Tag{{Name: p.Name, Description: p.Title}},
		Paths:      map[string]map[string]Operation{},
		Components: comps,
	}
	for _, r := range p.Rules {
		d.Rules = append(d.Rules, Rule{ID: r.ID, Level: string(r.Level), Area: string(r.Area), Status: r.Status, Code: r.Code, Text: r.Text})
	}
	for i := range p.Endpoints {
		e := &p.Endpoints[i]
		op, err := operation(p, e, golden, sec.headers)
		if err != nil {
			return nil, err
		}
		path := oasPath(e.Path)
		if d.Paths[path] == nil {
			d.Paths[path] = map[string]Operation{}
		}
		d.Paths[path][strings.ToLower(e.Method)] = op
	}
	return d, nil
}

func servers(p *profile.Profile) []Server {
	var s []Server
	if p.Host != "" {
		s = append(s, Server{URL: p.Host, Description: "production, as the seed document gives it"})
	}
	return append(s, Server{URL: MockServer, Description: "the s2s-harness mock (s2s mock)"})
}

// oasPath turns a net/http pattern path into an OpenAPI path template:
// "{name...}" becomes "{name}", and "{$}" goes.
func oasPath(p string) string {
	p = strings.ReplaceAll(p, "{$}", "")
	return strings.ReplaceAll(p, "...}", "}")
}

// pathParams lists the {name} parameters of an OpenAPI path template.
func pathParams(path string) []string {
	var names []string
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			return names
		}
		j := strings.IndexByte(path[i:], '}')
		if j < 0 {
			return names
		}
		names = append(names, path[i+1:i+j])
		path = path[i+j+1:]
	}
}

// ownRules are the rules an endpoint names for itself; another endpoint's own
// rules do not govern this one.
func ownRules(e *profile.Endpoint) []string {
	var ids []string
	for _, id := range []string{e.ItemsRule, e.AtomicRule, e.SizeRule, e.ContentTypeRule, e.AliasRule} {
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// rulesOf returns the catalogue entries that govern e, in catalogue order.
func rulesOf(p *profile.Profile, e *profile.Endpoint) []profile.Rule {
	mine := ownRules(e)
	var others []string
	for i := range p.Endpoints {
		others = append(others, ownRules(&p.Endpoints[i])...)
	}
	var out []profile.Rule
	for _, r := range p.Rules {
		if slices.Contains(others, r.ID) && !slices.Contains(mine, r.ID) {
			continue
		}
		out = append(out, r)
	}
	return out
}

func ids(rs []profile.Rule) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func operation(p *profile.Profile, e *profile.Endpoint, golden []fixtures.Golden, secHeaders []string) (Operation, error) {
	rules := rulesOf(p, e)
	op := Operation{OperationID: p.Name + "." + e.ID, Tags: []string{p.Name}, Rules: ids(rules), Endpoint: e.ID,
		Summary: e.Method + " " + e.Path, Responses: map[string]Response{}}
	if e.Alias != "" {
		op.Description = fmt.Sprintf("Mirrors operation %s.%s: the same request and answers (%s).", p.Name, e.Alias, e.AliasRule)
	}
	if e.Batch() {
		limit := "no item limit"
		if e.MaxItems > 0 {
			limit = fmt.Sprintf("at most %d items (%s)", e.MaxItems, e.ItemsRule)
		}
		op.Description = strings.TrimSpace(op.Description + " A batch of events; " + limit + ".")
	}
	mine, lenient := examplesOf(e, golden)
	if len(lenient) > 0 {
		op.Description = strings.TrimSpace(op.Description + " The seed document's examples " + strings.Join(lenient, ", ") +
			" are left out: only the lenient reading accepts them (the rules in brackets).")
	}
	for _, name := range pathParams(oasPath(e.Path)) {
		prm := Parameter{Name: name, In: "path", Required: true, Schema: map[string]any{"type": "string"}}
		for _, g := range mine {
			if v := g.Payload.PathValues[name]; v != "" {
				prm.Example = v
				break
			}
		}
		op.Parameters = append(op.Parameters, prm)
	}
	op.Parameters = append(op.Parameters, headerParams(rules, mine, secHeaders)...)
	if e.Request != "" && e.In() == profile.InQuery {
		qs, err := queryParams(p, e, mine)
		if err != nil {
			return op, err
		}
		op.Parameters = append(op.Parameters, qs...)
	}
	if e.Request != "" && e.Carriage().Body {
		body := &RequestBody{Required: true, Rules: ownRules(e)}
		mt := MediaType{Schema: ref(e.Request)}
		for _, g := range mine {
			if mt.Examples == nil {
				mt.Examples = map[string]Example{}
			}
			mt.Examples[g.Name] = Example{Summary: g.Name, Description: strings.TrimSpace(g.Source + " " + g.Note),
				Value: g.Payload.Body}
		}
		if e.MaxBody > 0 {
			body.Description = fmt.Sprintf("At most %d bytes.", e.MaxBody)
		}
		body.Content = map[string]MediaType{"application/json": mt}
		op.RequestBody = body
	}
	if err := responses(p, e, rules, &op); err != nil {
		return op, err
	}
	return op, nil
}

// examplesOf returns the golden examples sent to e that are JSON and that
// strict mode accepts, and the names of those only the lenient reading
// accepts (the schemas are the strict reading, so they would not match).
func examplesOf(e *profile.Endpoint, golden []fixtures.Golden) (strict []fixtures.Golden, lenient []string) {
	for _, g := range golden {
		if g.Payload.Endpoint != e.ID || g.Payload.Raw != "" || g.Payload.Body == nil || len(g.Reject) > 0 {
			continue
		}
		if len(g.Strict) > 0 {
			lenient = append(lenient, fmt.Sprintf("%s (%s)", g.Name, strings.Join(g.Strict, ", ")))
			continue
		}
		strict = append(strict, g)
	}
	return strict, lenient
}

// headerParams are the headers the examples send beside credentials and
// Content-Type, each with the rules whose text names it.
func headerParams(rules []profile.Rule, examples []fixtures.Golden, secHeaders []string) []Parameter {
	skip := append([]string{"Content-Type", "Content-Length", "Accept", "User-Agent"}, secHeaders...)
	seen := map[string]string{}
	for _, g := range examples {
		for k, v := range g.Payload.Header {
			if slices.ContainsFunc(skip, func(s string) bool { return strings.EqualFold(s, k) }) {
				continue
			}
			if _, ok := seen[http.CanonicalHeaderKey(k)]; !ok {
				seen[http.CanonicalHeaderKey(k)] = v
			}
		}
	}
	names := make([]string, 0, len(seen))
	for k := range seen {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []Parameter
	for _, k := range names {
		prm := Parameter{Name: k, In: "header", Schema: map[string]any{"type": "string"}, Example: seen[k],
			Description: "sent by the seed document's examples"}
		for _, r := range rules {
			if strings.Contains(strings.ToLower(r.Text), strings.ToLower(k)) {
				prm.Rules = append(prm.Rules, r.ID)
			}
		}
		out = append(out, prm)
	}
	return out
}

// responses documents the success answer and every status a governing rule
// rejects with, each with an example rendered by the profile itself.
func responses(p *profile.Profile, e *profile.Endpoint, rules []profile.Rule, op *Operation) error {
	status, body := p.SuccessBody(profile.Outcome{Accepted: 1, Seq: 1, Token: "3fa85f64-5717-4562-b3fc-2c963f66afa6"})
	ok := Response{Description: "accepted" + binding(p.Responses.Body, p.Responses.Rule), BodyLevel: string(p.Responses.Body)}
	if err := withBody(&ok, e, status, "accepted", body); err != nil {
		return err
	}
	op.Responses[strconv.Itoa(status)] = ok

	byStatus := map[int][]profile.Rule{}
	for _, r := range rules {
		if r.Status >= 400 {
			byStatus[r.Status] = append(byStatus[r.Status], r)
		}
	}
	for s := range e.Responses {
		if _, ok := byStatus[s]; !ok && s >= 400 {
			byStatus[s] = nil
		}
	}
	for s, rs := range byStatus {
		res := Response{Description: http.StatusText(s), Rules: ids(rs)}
		if len(rs) > 0 {
			res.Description += ": " + strings.Join(ids(rs), ", ") + binding(p.Responses.ErrorBody, p.Responses.Rule)
			res.BodyLevel = string(p.Responses.ErrorBody)
			first := rs[0]
			v := p.Violation(first.ID, profile.InRequest, "", "%s", first.Text)
			v.Reject = true
			if err := withBody(&res, e, s, first.ID, p.ErrorBody(s, []profile.Violation{v})); err != nil {
				return err
			}
		}
		if p.Rate != nil && s == http.StatusTooManyRequests {
			res.Headers = map[string]Header{"Retry-After": {Description: "seconds until the window admits a request (" + p.Rate.Rule + ")",
				Schema: map[string]any{"type": "integer", "minimum": 0}}}
		}
		op.Responses[strconv.Itoa(s)] = res
	}
	return nil
}

// binding tells how far a receiver is held to a body's shape.
func binding(level profile.Level, rule string) string {
	if level == "" {
		return ". The seed document gives no body: the example is the mock's answer and no receiver is held to it."
	}
	if rule != "" {
		return fmt.Sprintf(". The body's shape is %s (%s).", level, rule)
	}
	return fmt.Sprintf(". The body's shape is %s.", level)
}

// withBody adds the JSON answer body: the endpoint's schema for the status
// when it documents one, and the example.
func withBody(r *Response, e *profile.Endpoint, status int, name string, body any) error {
	val, err := plain(body)
	if err != nil {
		return err
	}
	mt := MediaType{Examples: map[string]Example{name: {Value: val}}}
	if f := e.Responses[status]; f != "" {
		mt.Schema = ref(f)
	}
	r.Content = map[string]MediaType{"application/json": mt}
	return nil
}

// plain returns v as decoded JSON, so struct answers render like the wire.
func plain(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("openapi: example: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("openapi: example: %w", err)
	}
	return out, nil
}
