package mockserver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver/inspectui"
	"github.com/s2s-harness/s2s-harness/profile"
)

// UIPath is where the mock serves its live inspector page.
const UIPath = inspect.Prefix + "ui/"

// SessionReport renders the sender certificate of a session's journal
// entries in format "html" or "json" (s2s verify's judgement). The mock
// cannot import package verify, which imports it, so the caller injects it.
type SessionReport func(w io.Writer, s inspect.Session, entries []inspect.Entry, format string) error

// WithSessionReport lets the inspector show a session's sender certificate.
func WithSessionReport(f SessionReport) Option { return func(o *options) { o.report = f } }

// Stream bounds: how often the stream reads the journal, how many entries one
// read takes, how long a ticket opens the stream, the keep-alive period.
const (
	streamPoll    = 200 * time.Millisecond
	streamPage    = 500
	ticketTTL     = time.Minute
	streamComment = 15 * time.Second
)

// uiRoutes are the inspector's routes: the page (open: it asks for the token
// itself), a ticket for the event stream (EventSource cannot send an
// Authorization header), the stream, the rule catalogue and a session's
// certificate.
func (m *Mock) uiRoutes(p string) []struct {
	method, path string
	h            http.Handler
} {
	ui := p + "/ui"
	return []struct {
		method, path string
		h            http.Handler
	}{
		{http.MethodGet, ui, http.RedirectHandler(UIPath, http.StatusFound)},
		{http.MethodGet, ui + "/{$}", http.StripPrefix(ui, inspectui.Handler())},
		{http.MethodGet, ui + "/{file}", http.StripPrefix(ui, inspectui.Handler())},
		{http.MethodPost, ui + "/api/ticket", m.admin(m.uiTicket())},
		{http.MethodGet, ui + "/api/stream", m.uiStream()},
		{http.MethodGet, ui + "/api/profiles", m.admin(m.uiProfiles())},
		{http.MethodGet, ui + "/api/sessions/{id}/certificate", m.admin(m.uiCertificate())},
	}
}

// uiTicket hands out a ticket that opens the event stream for a minute.
func (m *Mock) uiTicket() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		exp := time.Now().Add(ticketTTL)
		m.respond(w, http.StatusOK, map[string]any{"ticket": inspectui.Ticket(m.cfg.AdminToken, exp),
			"expires": exp.UTC().Format(time.RFC3339)})
	})
}

// uiItem is one journal entry as the stream sends it: the entry and the
// rule that decided it, with its ground.
type uiItem struct {
	Entry    inspect.Entry `json:"entry"`
	Decision *uiDecision   `json:"decision,omitempty"`
}

// uiDecision is the deciding rule of an entry: its field, level, the rule's
// line and the seed sentence it rests on (or the decision that is ours).
type uiDecision struct {
	Rule    string `json:"rule"`
	Field   string `json:"field,omitempty"`
	Level   string `json:"level,omitempty"`
	Text    string `json:"text,omitempty"`
	Basis   string `json:"basis,omitempty"`
	Why     string `json:"why,omitempty"`
	Seed    string `json:"seed,omitempty"` // the seed document's title
	Quote   string `json:"quote,omitempty"`
	English string `json:"english,omitempty"`
}

// uiStream sends the journal as server-sent events, from ?after= (or the
// Last-Event-ID of a reconnect), following it by polling the State's journal
// so that the traffic of every replica sharing it shows.
func (m *Mock) uiStream() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.cfg.AdminToken != "" {
			if err := inspectui.CheckTicket(m.cfg.AdminToken, r.URL.Query().Get("ticket"), time.Now()); err != nil {
				m.respond(w, http.StatusUnauthorized, apiError{Error: "unauthorized",
					Message: "the stream needs ?ticket= from POST " + UIPath + "api/ticket: " + err.Error()})
				return
			}
		}
		q := inspect.Query{Session: r.URL.Query().Get("session")}
		tail := 0
		if s := r.URL.Query().Get("tail"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				m.badRequest(w, fmt.Errorf("tail %q: want an integer ≥ 1 (the newest entries to start with)", s))
				return
			}
			tail = min(n, maxTail)
		}
		for _, s := range []string{r.Header.Get("Last-Event-ID"), r.URL.Query().Get("after")} {
			if s == "" {
				continue
			}
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				m.badRequest(w, fmt.Errorf("after %q: want a journal seq (an integer ≥ 0)", s))
				return
			}
			q.After, tail = n, 0 // a reconnect goes on where it stopped
			break
		}
		rc := http.NewResponseController(w)
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		_ = rc.Flush()
		_ = rc.SetWriteDeadline(time.Time{}) // the server's timeouts are for requests, not streams
		if tail > 0 {
			q.After = m.tailStart(r.Context(), q, tail)
		}
		m.follow(r.Context(), w, rc, q)
	})
}

// maxTail bounds the entries a stream starts with.
const maxTail = 5000

// tailStart is the cursor from which q's newest n entries follow: the
// journal is read through once, from its oldest entry.
func (m *Mock) tailStart(ctx context.Context, q inspect.Query, n int) uint64 {
	var seqs []uint64 // the last n entries' seqs, oldest first
	before := q.After
	for {
		page, err := m.journal.Query(ctx, q, MaxPage)
		if err != nil {
			return before // the stream reports the error itself
		}
		for _, e := range page.Entries {
			seqs = append(seqs, e.Seq)
		}
		if len(seqs) > n {
			seqs = seqs[len(seqs)-n:]
		}
		if page.Next <= q.After {
			break
		}
		q.After = page.Next
	}
	if len(seqs) == 0 {
		return q.After
	}
	return seqs[0] - 1
}

// follow writes the entries after q.After until the client leaves or the
// mock shuts down.
func (m *Mock) follow(ctx context.Context, w io.Writer, rc *http.ResponseController, q inspect.Query) {
	tick := time.NewTicker(streamPoll)
	defer tick.Stop()
	var buf bytes.Buffer
	evicted, lastWrite := uint64(0), time.Now()
	for {
		page, err := m.journal.Query(ctx, q, streamPage)
		buf.Reset()
		switch {
		case err != nil && ctx.Err() == nil:
			fmt.Fprintf(&buf, "event: problem\ndata: %s\n\n", mustJSON(map[string]string{"message": "the journal could not be read: " + err.Error()}))
		case err == nil:
			for _, e := range page.Entries {
				fmt.Fprintf(&buf, "id: %d\nevent: entry\ndata: %s\n\n", e.Seq, mustJSON(m.uiItem(e)))
			}
			if page.Evicted != evicted {
				evicted = page.Evicted
				fmt.Fprintf(&buf, "event: evicted\ndata: %d\n\n", evicted)
			}
			if page.Next > q.After {
				// An id on its own moves the client's Last-Event-ID past filtered entries.
				if len(page.Entries) == 0 || page.Entries[len(page.Entries)-1].Seq != page.Next {
					fmt.Fprintf(&buf, "id: %d\n\n", page.Next)
				}
				q.After = page.Next
			}
		}
		if buf.Len() == 0 && time.Since(lastWrite) > streamComment {
			buf.WriteString(": keep-alive\n\n")
		}
		if buf.Len() > 0 {
			if _, err := w.Write(buf.Bytes()); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
			lastWrite = time.Now()
		}
		if err == nil && len(page.Entries) == streamPage {
			continue // more are waiting
		}
		select {
		case <-ctx.Done():
			return
		case <-m.drain:
			return
		case <-tick.C:
		}
	}
}

func mustJSON(v any) []byte {
	var b bytes.Buffer
	if err := encodeJSON(&b, v); err != nil {
		return []byte(`{"message":"could not be encoded"}`)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// uiItem adds to e the rule that decided it.
func (m *Mock) uiItem(e inspect.Entry) uiItem {
	it := uiItem{Entry: e}
	st := m.byName[e.Profile]
	if e.Rule == "" || st == nil {
		return it
	}
	d := &uiDecision{Rule: e.Rule}
	for _, v := range e.Violations {
		if v.Rule == e.Rule {
			d.Field, d.Level = v.Field, string(v.Level)
			break
		}
	}
	if r, ok := st.p.Rule(e.Rule); ok {
		d.Text = r.Text
		if d.Level == "" {
			d.Level = string(r.Level)
		}
	}
	g := groundFor(st.p, e.Rule, d.Field)
	d.Basis, d.Why = string(g.Basis), g.Why
	if len(g.Cite) > 0 {
		d.Seed, d.Quote, d.English = st.p.SeedName(), g.Cite[0].Quote, g.Cite[0].English
	}
	it.Decision = d
	return it
}

// groundFor is the ground a rule's rejection at field rests on: the
// documented grounding of that field, else any documented one of the rule,
// else the rule's own.
func groundFor(p *profile.Profile, rule, field string) profile.Ground {
	field = batchIndex.ReplaceAllString(field, "[]")
	var doc profile.Ground
	for _, g := range p.Grounds {
		if g.Rule != rule || !g.Ground.Documents() {
			continue
		}
		if g.Field == field {
			return g.Ground
		}
		if len(doc.Cite) == 0 {
			doc = g.Ground
		}
	}
	if len(doc.Cite) > 0 {
		return doc
	}
	return p.GroundOf(rule, "", field)
}

var batchIndex = regexp.MustCompile(`\[\d+\]`)

// uiProfile is what the page knows of a profile: its endpoints, rules and
// the seed document, for the filters and the curl commands.
type uiProfile struct {
	Name      string            `json:"name"`
	Title     string            `json:"title"`
	Seed      string            `json:"seed"`
	Endpoints []string          `json:"endpoints"`
	Rules     map[string]uiRule `json:"rules"`
}

type uiRule struct {
	Level string `json:"level"`
	Text  string `json:"text"`
}

func (m *Mock) uiProfiles() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		out := []uiProfile{}
		for _, st := range m.profiles {
			up := uiProfile{Name: st.p.Name, Title: st.p.Title, Seed: st.p.SeedName(), Rules: map[string]uiRule{}}
			for _, ep := range st.endpoints {
				up.Endpoints = append(up.Endpoints, ep.e.ID)
			}
			for _, r := range st.p.Rules {
				up.Rules[r.ID] = uiRule{Level: string(r.Level), Text: r.Text}
			}
			out = append(out, up)
		}
		m.respond(w, http.StatusOK, map[string]any{"profiles": out, "version": m.version,
			"certificates": m.report != nil})
	})
}

// uiCertificate renders a session's sender certificate from its entries.
func (m *Mock) uiCertificate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := m.sessions.get(r.PathValue("id"))
		if err != nil {
			m.sessionAnswer(w, s, err)
			return
		}
		if m.report == nil {
			m.respond(w, http.StatusNotImplemented, apiError{Error: "not_implemented",
				Message: "this mock was built without sender certificates (mockserver.WithSessionReport)"})
			return
		}
		format := r.URL.Query().Get("format")
		if format == "" {
			format = "html"
		}
		if !slices.Contains([]string{"html", "json"}, format) {
			m.badRequest(w, fmt.Errorf("format %q: want html or json", format))
			return
		}
		var entries []inspect.Entry
		q := inspect.Query{Session: s.ID}
		for {
			page, err := m.journal.Query(r.Context(), q, MaxPage)
			if err != nil {
				m.stateError(w, err)
				return
			}
			entries = append(entries, page.Entries...)
			if page.Next <= q.After {
				break
			}
			q.After = page.Next
		}
		var b bytes.Buffer
		if err := m.report(&b, s, entries, format); err != nil {
			m.respond(w, http.StatusInternalServerError, apiError{Error: "internal", Message: "certificate: " + err.Error()})
			return
		}
		if format == "html" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", "application/json")
		}
		_, _ = w.Write(b.Bytes())
	})
}

// Bounds of the headers an entry keeps.
const (
	maxJournalHeaders = 40
	maxHeaderValue    = 512
)

// secretHeader reports a header whose value is a credential whatever it
// holds, by its name (any case), without allocating: this runs per request.
func secretHeader(name string) bool {
	for _, w := range [...]string{"auth", "key", "token", "secret", "sign", "cookie", "password"} {
		if containsFold(name, w) {
			return true
		}
	}
	return false
}

// containsFold reports whether s holds the lower-case ASCII word w in any case.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for j < len(w) && s[i+j]|0x20 == w[j] {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

// journalHeaders are r's headers for the journal, one value each, secrets
// redacted: any header named like a credential, and any value holding one
// of the profile's secrets (or the admin token).
func journalHeaders(h http.Header, secrets []string) map[string]string {
	return headersWith(h, secrets, secretHeader)
}

// headersWith is journalHeaders telling a credential's name with secret.
func headersWith(h http.Header, secrets []string, secret func(string) bool) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]string, min(len(h), maxJournalHeaders))
	for name, vs := range h {
		if len(out) == maxJournalHeaders {
			break
		}
		v := strings.Join(vs, ", ")
		if secret(name) {
			v = redactValue(v)
		} else {
			for _, s := range secrets {
				if len(s) >= 4 && strings.Contains(v, s) {
					v = strings.ReplaceAll(v, s, profile.Redact)
				}
			}
		}
		if len(v) > maxHeaderValue {
			v = v[:maxHeaderValue] + "…"
		}
		out[name] = v
	}
	return out
}

// redactValue hides a credential, keeping an auth scheme ("Bearer <redacted>").
func redactValue(v string) string {
	if scheme, _, ok := strings.Cut(v, " "); ok && !strings.ContainsAny(scheme, "=:,") {
		return scheme + " " + profile.Redact
	}
	return profile.Redact
}
