package mockserver

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// hiding is what the journal keeps out of a request's query and document, as
// journalHeaders does for its headers: the values of the credential
// parameters and every occurrence of a secret.
type hiding struct {
	secrets []string // the credentials' secrets and the admin token
	params  []string // query parameters the scheme signs with (a token), by their wire names
	escaped []string // each secret of 4 bytes or more as url.QueryEscape writes it, when that differs
	names   *names   // secretHeader's answers; nil: asked each time
}

// names memoises secretHeader, a pure function of the name: names repeat on
// every request (headers, a profile's parameters). The answers are kept for
// a bounded number of them, so a sender inventing names cannot grow the map.
type names struct {
	m sync.Map // name → bool
	n atomic.Int64
}

const maxNames = 4096

func (ns *names) secret(name string) bool {
	if ns == nil {
		return secretHeader(name)
	}
	if v, ok := ns.m.Load(name); ok {
		return v.(bool)
	}
	hit := secretHeader(name)
	if ns.n.Load() < maxNames {
		if _, loaded := ns.m.LoadOrStore(name, hit); !loaded {
			ns.n.Add(1)
		}
	}
	return hit
}

// headers are a request's headers for the journal (journalHeaders).
func (h *hiding) headers(hd http.Header) map[string]string {
	return headersWith(hd, h.secrets, h.names.secret)
}

// newHiding prepares the query forms of the secrets once, not per request.
func newHiding(secrets, params []string) hiding {
	h := hiding{secrets: secrets, params: params, names: &names{}}
	for _, sec := range secrets {
		if e := url.QueryEscape(sec); len(sec) >= 4 && e != sec {
			h.escaped = append(h.escaped, e)
		}
	}
	return h
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
	return h.names.secret(name) || slices.Contains(h.params, name)
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
	if !h.anyHidden(raw) {
		return h.cutQuery(h.scrubQuery(q))
	}
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
	return h.cutQuery(h.scrubQuery(q))
}

// anyHidden reports whether some parameter of raw must be redacted, what
// query's loop finds, without allocating for a query that has none.
func (h *hiding) anyHidden(raw string) bool {
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		k, v, hasValue := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			val = v
		}
		if h.holds(name) || (hasValue && (h.hidden(name) || h.holds(val))) {
			return true
		}
	}
	return false
}

// scrubQuery replaces every secret left in q, as sent or query-escaped.
func (h *hiding) scrubQuery(q string) string {
	for _, forms := range [][]string{h.secrets, h.escaped} {
		for _, form := range forms {
			if len(form) >= 4 && strings.Contains(q, form) {
				q = strings.ReplaceAll(q, form, profile.Redact)
			}
		}
	}
	return q
}

func (h *hiding) cutQuery(q string) (string, bool) {
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
	if !h.anyInDocument(e, m) {
		return m // nothing to hide: the request's own document, which nobody changes
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

// anyInDocument reports whether document would change anything of m.
func (h *hiding) anyInDocument(e *profile.Endpoint, m map[string]any) bool {
	for k, v := range m {
		if h.hidden(k) || h.hidden(e.WireName(k)) {
			return true
		}
		if s, ok := v.(string); ok && h.holds(s) {
			return true
		}
	}
	return false
}
