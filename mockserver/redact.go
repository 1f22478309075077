package mockserver

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// hiding is what the journal keeps out of a request's query and document, as
// journalHeaders does for its headers: the values of the credential
// parameters and every occurrence of a secret.
type hiding struct {
	secrets []string // the credentials' secrets and the admin token
	params  []string // query parameters the scheme signs with (a token), by their wire names
}

// credentialParams lists the query parameters p's scheme puts a credential
// in, found by signing an empty request of each endpoint with creds: the
// scheme says where its credential goes, no name is guessed.
func credentialParams(p *profile.Profile, creds profile.Credentials) []string {
	if p.Auth == nil {
		return nil
	}
	var out []string
	for i := range p.Endpoints {
		for k := range signedQuery(p.Auth, &p.Endpoints[i], creds) {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

// signedQuery is the query a scheme adds to an empty request of e: none when
// it cannot sign one (a signature over a body), nor when it fails doing so.
func signedQuery(a profile.Auth, e *profile.Endpoint, creds profile.Credentials) (q url.Values) {
	defer func() {
		if recover() != nil {
			q = nil
		}
	}()
	o := &profile.Outgoing{Endpoint: e, Header: http.Header{}, Query: url.Values{}}
	if err := a.Sign(o, creds, time.Time{}); err != nil {
		return nil
	}
	return o.Query
}

// hidden reports whether a query parameter (or document member) named name
// holds a credential whatever its value.
func (h *hiding) hidden(name string) bool {
	return secretHeader(name) || slices.Contains(h.params, name)
}

// holds reports whether s holds one of the secrets.
func (h *hiding) holds(s string) bool {
	for _, sec := range h.secrets {
		if len(sec) >= 4 && strings.Contains(s, sec) {
			return true
		}
	}
	return false
}

// scrub replaces every secret in s.
func (h *hiding) scrub(s string) string {
	for _, sec := range h.secrets {
		if len(sec) >= 4 && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, profile.Redact)
		}
	}
	return s
}

// query is a raw query string for the journal: the value of a credential
// parameter or of any parameter holding a secret (however escaped) redacted,
// then every secret left replaced, then cut to maxQuery. The parameters keep
// their order and spelling.
func (h *hiding) query(raw string) (q string, over bool) {
	if raw == "" {
		return "", false
	}
	q = raw
	parts := strings.Split(raw, "&")
	changed := false
	for i, part := range parts {
		k, v, hasValue := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			val = v
		}
		switch {
		case h.holds(name):
			parts[i], changed = profile.Redact, true
		case hasValue && (h.hidden(name) || h.holds(val)):
			// A value holding a secret however it is escaped is a credential.
			parts[i], changed = k+"="+profile.Redact, true
		}
	}
	if changed {
		q = strings.Join(parts, "&")
	}
	for _, sec := range h.secrets {
		if len(sec) < 4 {
			continue
		}
		for _, form := range []string{sec, url.QueryEscape(sec)} {
			if strings.Contains(q, form) {
				q = strings.ReplaceAll(q, form, profile.Redact)
			}
		}
	}
	if len(q) > maxQuery {
		return string(cut([]byte(q), maxQuery)), true
	}
	return q, false
}

// document is a query-string request's decoded document for the journal: a
// copy with a credential member's value redacted and every secret replaced.
func (h *hiding) document(e *profile.Endpoint, doc any) map[string]any {
	m, ok := doc.(map[string]any)
	if !ok || len(m) == 0 {
		return nil
	}
	out := maps.Clone(m) // the request's own document is shared: never changed
	for k, v := range out {
		if h.hidden(k) || h.hidden(e.WireName(k)) {
			out[k] = profile.Redact
		} else if s, ok := v.(string); ok {
			out[k] = h.scrub(s)
		}
	}
	return out
}
