package openapi

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
)

// securityInfo is what a profile's authentication looks like on the wire.
type securityInfo struct {
	schemes     map[string]SecurityScheme
	requirement []map[string][]string
	headers     []string // the header names that carry credentials
}

// signedAt is the instant requests are signed at to observe a scheme; any
// fixed instant does, since only the shape of the headers is read.
var signedAt = time.Date(2025, 10, 21, 15, 12, 31, 0, time.UTC)

// security observes p's scheme instead of knowing it: it signs a request with
// the default credentials and reads the headers (and query parameters) the
// scheme set; a query parameter is an API key in the query. "Authorization:
// Basic" is HTTP basic, "Authorization: Bearer" HTTP bearer (JWT when the token
// has three parts), any other header an API key in that header. Each of the
// profile's breaks is applied to a signed copy, and the rules of those that
// change a header are that scheme's x-rule. Every scheme is required at once.
func security(p *profile.Profile, golden []fixtures.Golden) (securityInfo, error) {
	var info securityInfo
	if p.Auth == nil || len(p.Endpoints) == 0 {
		return info, nil
	}
	sign := func() (*profile.Outgoing, error) {
		o, err := sampleRequest(p, golden)
		if err != nil {
			return nil, err
		}
		if err := p.Auth.Sign(o, p.Defaults, signedAt); err != nil {
			return nil, fmt.Errorf("openapi: profile %s: sign a sample request: %w", p.Name, err)
		}
		return o, nil
	}
	unsigned, err := sampleRequest(p, golden)
	if err != nil {
		return info, err
	}
	signed, err := sign()
	if err != nil {
		return info, err
	}
	type observed struct {
		vals  []string
		rules []string
	}
	seen := map[string]*observed{} // canonical header name → what it carries
	for h, v := range signed.Header {
		if !slices.Equal(values(unsigned.Header, h), v) {
			seen[http.CanonicalHeaderKey(h)] = &observed{vals: v}
		}
	}
	inQuery := map[string]*observed{} // query parameter → what it carries
	for q, v := range signed.Query {
		if !slices.Equal(unsigned.Query[q], v) {
			inQuery[q] = &observed{vals: v}
		}
	}
	for _, b := range p.Auth.Breaks() {
		o, err := sign()
		if err != nil {
			return info, err
		}
		before, beforeQuery := o.Header.Clone(), maps.Clone(o.Query)
		b.Apply(o, p.Defaults, signedAt)
		for h, obs := range seen {
			if b.Rule != "" && !slices.Equal(values(before, h), values(o.Header, h)) && !slices.Contains(obs.rules, b.Rule) {
				obs.rules = append(obs.rules, b.Rule)
			}
		}
		for q, obs := range inQuery {
			if b.Rule != "" && !slices.Equal(beforeQuery[q], o.Query[q]) && !slices.Contains(obs.rules, b.Rule) {
				obs.rules = append(obs.rules, b.Rule)
			}
		}
	}
	info.schemes = map[string]SecurityScheme{}
	req := map[string][]string{}
	texts := func(obs *observed) []string {
		slices.Sort(obs.rules)
		var out []string
		for _, id := range obs.rules {
			if r, ok := p.Rule(id); ok {
				out = append(out, id+": "+r.Text)
			}
		}
		return out
	}
	for _, h := range slices.Sorted(maps.Keys(seen)) {
		obs := seen[h]
		ts := texts(obs)
		name := spelled(h, ts, golden)
		key, s := scheme(name, obs.vals)
		s.Rules = obs.rules
		s.Description = strings.TrimSpace(s.Description + " " + strings.Join(ts, " "))
		info.schemes[key] = s
		info.headers = append(info.headers, name)
		req[key] = []string{}
	}
	for _, q := range slices.Sorted(maps.Keys(inQuery)) {
		obs := inQuery[q]
		key := q
		if _, taken := info.schemes[key]; taken {
			key = "query-" + q
		}
		info.schemes[key] = SecurityScheme{Type: "apiKey", In: "query", Name: q, Rules: obs.rules,
			Description: strings.TrimSpace("Query parameter " + q + ". " + strings.Join(texts(obs), " "))}
		req[key] = []string{}
	}
	if len(req) > 0 {
		info.requirement = []map[string][]string{req}
	}
	return info, nil
}

// spelled returns a header name as the rules' texts (the catalogue quotes
// the seed document) or else the golden examples spell it; HTTP names are
// case-insensitive, but readers recognise the document's spelling.
func spelled(name string, texts []string, golden []fixtures.Golden) string {
	for _, t := range texts {
		if i := strings.Index(strings.ToLower(t), strings.ToLower(name)); i >= 0 {
			return t[i : i+len(name)]
		}
	}
	for _, g := range golden {
		for k := range g.Payload.Header {
			if strings.EqualFold(k, name) {
				return k
			}
		}
	}
	return name
}

// values returns a header's values whatever the case of its name.
func values(h http.Header, name string) []string {
	var out []string
	for k, v := range h {
		if strings.EqualFold(k, name) {
			out = append(out, v...)
		}
	}
	return out
}

// scheme classifies one signed header.
func scheme(name string, vals []string) (string, SecurityScheme) {
	v := ""
	if len(vals) > 0 {
		v = vals[0]
	}
	if strings.EqualFold(name, "Authorization") {
		kind, cred, _ := strings.Cut(v, " ")
		switch strings.ToLower(kind) {
		case "basic":
			return "basic", SecurityScheme{Type: "http", Scheme: "basic", Description: "HTTP Basic authentication."}
		case "bearer":
			s := SecurityScheme{Type: "http", Scheme: "bearer", Description: "A bearer token in Authorization."}
			if strings.Count(cred, ".") == 2 {
				s.BearerFormat = "JWT"
				s.Description = "A JWT bearer token in Authorization."
			}
			return "bearer", s
		}
	}
	return name, SecurityScheme{Type: "apiKey", In: "header", Name: name,
		Description: "Header " + name + " (the name is case-insensitive)."}
}

// sampleRequest is a request to the first endpoint with a golden body (or a
// generated event), as the endpoint's transport carries it, so schemes that
// sign the body (or the query) can sign it.
func sampleRequest(p *profile.Profile, golden []fixtures.Golden) (*profile.Outgoing, error) {
	e := &p.Endpoints[0]
	var body any
	for _, g := range golden {
		if g.Payload.Endpoint == e.ID && g.Payload.Body != nil {
			body = g.Payload.Body
			break
		}
	}
	if body == nil {
		for i := range p.Events {
			if e.Accepts(p.Events[i].Endpoint) {
				body = e.Wrap([]any{p.Events[i].New(profile.NewGen(1, signedAt))})
				break
			}
		}
	}
	if body == nil {
		return &profile.Outgoing{Endpoint: e, Header: http.Header{}, PathValues: map[string]string{}}, nil
	}
	o, err := (&profile.Payload{Body: body}).Outgoing(e)
	if err != nil {
		return nil, fmt.Errorf("openapi: profile %s: %w", p.Name, err)
	}
	if o.PathValues == nil {
		o.PathValues = map[string]string{}
	}
	return o, nil
}
