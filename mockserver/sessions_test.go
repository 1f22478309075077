package mockserver_test

import (
	"net/http"
	"testing"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
)

// TestSessionScript: a scripted session answers the first deliveries of each
// event with its fault, then serves the event; every request is tagged.
func TestSessionScript(t *testing.T) {
	h := newHarness(t, mockserver.Config{})
	var s inspect.Session
	if code := h.inspect(http.MethodPost, "sessions", inspect.SessionSpec{Name: "team-a",
		Script: &inspect.Script{Status: 429, RetryAfter: 2, Failures: 2}}, &s); code != http.StatusCreated || s.ID == "" {
		t.Fatalf("open: %d %+v", code, s)
	}
	p := h.ps["postback"]
	pl := valid(t, p, 1, "")
	send := func() int {
		r := h.request(p, pl.Clone(), nil)
		r.Header.Set(inspect.SessionHeader, s.ID)
		w := h.do(r)
		if w.Code == 429 && w.Header().Get("Retry-After") != "2" {
			t.Errorf("scripted 429 without Retry-After: 2")
		}
		return w.Code
	}
	for i, want := range []int{429, 429, 200, 200} {
		if got := send(); got != want {
			t.Fatalf("delivery %d: %d, want %d", i+1, got, want)
		}
	}
	// Untagged traffic is not the session's.
	if w := h.send(p, valid(t, p, 2, "")); w.Code != 200 {
		t.Fatalf("untagged: %d", w.Code)
	}
	var page inspect.Page
	h.inspect(http.MethodGet, "journal?session="+s.ID, nil, &page)
	if len(page.Entries) != 4 {
		t.Fatalf("session journal has %d entries, want 4", len(page.Entries))
	}
	first := page.Entries[0]
	if first.Outcome != inspect.Faulted || first.RetryAfter != 2 || len(first.Events) != 1 || first.Events[0].Key == "" {
		t.Errorf("scripted entry: %+v", first)
	}
	var ended inspect.Session
	if code := h.inspect(http.MethodDelete, "sessions/"+s.ID, nil, &ended); code != 200 || ended.EndedAt == nil {
		t.Fatalf("end: %d %+v", code, ended)
	}
	if code := h.inspect(http.MethodGet, "sessions/nope", nil, nil); code != http.StatusNotFound {
		t.Errorf("unknown session: %d, want 404", code)
	}
	if code := h.inspect(http.MethodPost, "sessions", inspect.SessionSpec{Script: &inspect.Script{Status: 404}}, nil); code != 400 {
		t.Errorf("script status 404: %d, want 400", code)
	}
}

// TestSessionClaimsUntagged: an untagged session takes requests without the
// header while it is open.
func TestSessionClaimsUntagged(t *testing.T) {
	h := newHarness(t, mockserver.Config{})
	var s inspect.Session
	h.inspect(http.MethodPost, "sessions", inspect.SessionSpec{Untagged: true}, &s)
	p := h.ps["revosurge"]
	h.send(p, valid(t, p, 1, "login"))
	h.inspect(http.MethodDelete, "sessions/"+s.ID, nil, nil)
	h.send(p, valid(t, p, 2, "login"))
	es := h.journal("revosurge")
	if len(es) != 2 || es[0].Session != s.ID || es[1].Session != "" {
		t.Errorf("sessions of the entries: %q %q, want %q then none", es[0].Session, es[1].Session, s.ID)
	}
}
