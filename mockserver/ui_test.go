package mockserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
)

// TestJournalHeadersHideSecrets: the journal keeps every profile's request
// headers for the inspector, and none of the credentials in them.
func TestJournalHeadersHideSecrets(t *testing.T) {
	t.Parallel()
	forEachProfile(t, func(t *testing.T, p *profile.Profile) {
		h := newHarness(t, unlimited(mockserver.Config{}))
		w := h.send(p, valid(t, p, 1, ""))
		if !ok2xx(w.Code) {
			t.Fatalf("valid request answered %d: %s", w.Code, w.Body)
		}
		e := h.last(p.Name)
		// On a shared store an answer that carries the app's sequence number
		// (G123's id) is not journaled: the number is decided with the entry.
		_, one := p.SuccessBody(profile.Outcome{Accepted: 1, Seq: 1})
		_, two := p.SuccessBody(profile.Outcome{Accepted: 1, Seq: 2})
		seqAnswer := sharedState != nil && !reflect.DeepEqual(one, two)
		if len(e.Headers) == 0 && e.Query == "" || (e.Answer == "") != seqAnswer {
			t.Fatalf("entry lacks headers or answer (or journals an answer it cannot know): %+v", e)
		}
		if !seqAnswer && strings.TrimSpace(w.Body.String()) != e.Answer {
			t.Errorf("answer journaled %q, sent %q", e.Answer, w.Body)
		}
		all, _ := json.Marshal([]any{e.Headers, e.Query, e.Document})
		for _, s := range p.Defaults.Secrets() {
			if len(s) >= 4 && strings.Contains(string(all), s) {
				t.Errorf("headers or query show the secret %q: %s", s, all)
			}
		}
	})
}

// TestInspectorNeedsTheToken: with -admin-token the page itself is served
// (it asks for the token), but its API needs the token and the stream a
// ticket the token bought.
func TestInspectorNeedsTheToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, mockserver.Config{AdminToken: "tok-1234"})
	get := func(method, path, token string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "http://mock"+path, nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return h.do(r)
	}
	if w := get(http.MethodGet, mockserver.UIPath, ""); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "token-dialog") {
		t.Errorf("page: %d", w.Code)
	}
	if w := get(http.MethodGet, strings.TrimSuffix(mockserver.UIPath, "/"), ""); w.Code != http.StatusFound {
		t.Errorf("page without its slash: %d, want a redirect", w.Code)
	}
	for _, path := range []string{"api/profiles", "api/sessions/x/certificate"} {
		if w := get(http.MethodGet, mockserver.UIPath+path, ""); w.Code != http.StatusUnauthorized {
			t.Errorf("%s without the token: %d", path, w.Code)
		}
	}
	if w := get(http.MethodPost, mockserver.UIPath+"api/ticket", "wrong"); w.Code != http.StatusUnauthorized {
		t.Errorf("ticket with a wrong token: %d", w.Code)
	}
	w := get(http.MethodPost, mockserver.UIPath+"api/ticket", "tok-1234")
	var tk struct{ Ticket string }
	if err := json.Unmarshal(w.Body.Bytes(), &tk); err != nil || tk.Ticket == "" {
		t.Fatalf("ticket: %d %s", w.Code, w.Body)
	}
	for _, c := range []struct {
		query string
		want  int
	}{{"", http.StatusUnauthorized}, {"?ticket=tok-1234", http.StatusUnauthorized}, {"?ticket=" + tk.Ticket + "x", http.StatusUnauthorized}} {
		if w := get(http.MethodGet, mockserver.UIPath+"api/stream"+c.query, ""); w.Code != c.want {
			t.Errorf("stream%s: %d, want %d", c.query, w.Code, c.want)
		}
	}
	// With the ticket the stream opens, and ends with its request.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	r := httptest.NewRequest(http.MethodGet, "http://mock"+mockserver.UIPath+"api/stream?ticket="+tk.Ticket, nil).WithContext(ctx)
	sw := httptest.NewRecorder()
	h.m.ServeHTTP(sw, r)
	if sw.Code != http.StatusOK || sw.Header().Get("Content-Type") != "text/event-stream" {
		t.Errorf("stream with the ticket: %d %s", sw.Code, sw.Header().Get("Content-Type"))
	}
	if w := get(http.MethodGet, mockserver.UIPath+"api/sessions/nope/certificate", "tok-1234"); w.Code != http.StatusNotFound {
		t.Errorf("certificate of no session: %d, want 404", w.Code)
	}
	r = httptest.NewRequest(http.MethodPost, "http://mock"+inspect.Prefix+"sessions", strings.NewReader(`{"name":"a"}`))
	r.Header.Set("Authorization", "Bearer tok-1234")
	w = h.do(r)
	var s inspect.Session
	if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil || w.Code != http.StatusCreated {
		t.Fatalf("open session: %d %s", w.Code, w.Body)
	}
	if w := get(http.MethodGet, mockserver.UIPath+"api/sessions/"+s.ID+"/certificate", "tok-1234"); w.Code != http.StatusNotImplemented {
		t.Errorf("certificate without a report: %d, want 501 naming why", w.Code)
	}
}
