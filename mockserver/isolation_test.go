package mockserver_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
)

func (h *harness) openSession(spec inspect.SessionSpec) inspect.Session {
	h.t.Helper()
	var s inspect.Session
	if code := h.inspect(http.MethodPost, "sessions", spec, &s); code != http.StatusCreated {
		h.t.Fatalf("open session: %d", code)
	}
	return s
}

func (h *harness) epoch() string {
	h.t.Helper()
	var hl inspect.Health
	h.inspect(http.MethodGet, "health", nil, &hl)
	return hl.Epoch
}

// TestResetRefusedWhileSessionsOpen: an unscoped reset would wipe the
// records of open sessions: it is refused with a 409 naming them; once they
// ended it goes through and the state epoch changes.
func TestResetRefusedWhileSessionsOpen(t *testing.T) {
	h := newHarness(t, mockserver.Config{})
	e1 := h.epoch()
	qa := h.openSession(inspect.SessionSpec{Name: "qa-team"})
	inProcess := sharedState == nil // a shared store gives its own epoch, or none
	if inProcess && e1 == "" || qa.Epoch != e1 {
		t.Fatalf("epochs: health %q, session %q; want one, recorded at open", e1, qa.Epoch)
	}
	for _, path := range []string{"reset", "reset?profile=postback"} {
		w := h.do(httptest.NewRequest(http.MethodPost, "http://mock"+inspect.Prefix+path, nil))
		if body := w.Body.String(); w.Code != http.StatusConflict || !strings.Contains(body, "sessions_open") ||
			!strings.Contains(body, qa.ID+" (qa-team)") {
			t.Errorf("%s with a session open: %d %s, want 409 naming %s (qa-team)", path, w.Code, body, qa.ID)
		}
	}
	if h.epoch() != e1 {
		t.Errorf("a refused reset changed the epoch")
	}
	// An abandoned session (its run was killed) is overridden by force=1.
	stale := h.openSession(inspect.SessionSpec{Name: "killed run"})
	if code := h.inspect(http.MethodPost, "reset?force=1", nil, nil); code != http.StatusOK {
		t.Errorf("forced reset with sessions open: %d, want 200", code)
	}
	h.inspect(http.MethodDelete, "sessions/"+stale.ID, nil, nil)
	e1 = h.epoch()
	h.inspect(http.MethodDelete, "sessions/"+qa.ID, nil, nil)
	if code := h.inspect(http.MethodPost, "reset", nil, nil); code != http.StatusOK {
		t.Fatalf("reset with no session open: %d", code)
	}
	if e2 := h.epoch(); inProcess && (e2 == "" || e2 == e1) {
		t.Errorf("epoch after a reset: %q, was %q; want a new one", e2, e1)
	}
}

// TestSessionScopedResetAndClock: a reset inside a session keeps every
// session's journal entries and the epoch; a session's clock is read by its
// requests only.
func TestSessionScopedResetAndClock(t *testing.T) {
	h := newHarness(t, mockserver.Config{})
	p := h.ps["postback"]
	qa := h.openSession(inspect.SessionSpec{Name: "qa"})
	conform := h.openSession(inspect.SessionSpec{Name: "s2s conform"})
	send := func(s string, seed int64) int {
		r := h.request(p, valid(t, p, seed, ""), nil)
		r.Header.Set(inspect.SessionHeader, s)
		return h.do(r).Code
	}
	send(qa.ID, 1)
	e1 := h.epoch()
	if code := h.inspect(http.MethodPost, "reset?profile=postback&session="+conform.ID, nil, nil); code != http.StatusOK {
		t.Fatalf("scoped reset: %d", code)
	}
	if es := h.journal("postback"); len(es) != 1 || es[0].Session != qa.ID {
		t.Fatalf("after a scoped reset the journal has %d entries, want the QA one", len(es))
	}
	if h.epoch() != e1 {
		t.Errorf("a scoped reset changed the epoch: nothing recorded was lost")
	}

	at := testNow.Add(30 * time.Second)
	var k inspect.Clock
	if code := h.inspect(http.MethodPut, "clock?session="+conform.ID, inspect.ClockSet{Fixed: &at}, &k); code != 200 || k.Mode != "fixed" {
		t.Fatalf("session clock: %d %+v", code, k)
	}
	h.inspect(http.MethodGet, "clock", nil, &k)
	if k.Mode != "real" {
		t.Errorf("the mock's clock is %s after a session set its own", k.Mode)
	}
	send(conform.ID, 2)
	send(qa.ID, 3)
	es := h.journal("postback")
	if len(es) != 3 || !es[1].ReceivedAt.Equal(at) || es[2].ReceivedAt.Equal(at) {
		t.Errorf("received: conform %s, qa %s; want %s for conform's only", es[1].ReceivedAt, es[2].ReceivedAt, at)
	}
	h.inspect(http.MethodDelete, "clock?session="+conform.ID, nil, &k)
	if !k.Now.Equal(testNow) {
		t.Errorf("a cleared session clock shows %s, want the mock's %s", k.Now, testNow)
	}

	for _, tt := range []struct {
		path string
		want int
	}{
		{"reset?session=nope", http.StatusNotFound},
		{"reset?profile=nope&session=" + conform.ID, http.StatusBadRequest},
	} {
		if code := h.inspect(http.MethodPost, tt.path, nil, nil); code != tt.want {
			t.Errorf("%s: %d, want %d", tt.path, code, tt.want)
		}
	}
	h.inspect(http.MethodDelete, "sessions/"+conform.ID, nil, nil)
	if code := h.inspect(http.MethodPost, "reset?session="+conform.ID, nil, nil); code != http.StatusConflict {
		t.Errorf("reset in an ended session: %d, want 409", code)
	}
}

// TestUnservedKeepSessionAndQuery: a 405 or 404 is journaled with the
// session it belongs to and its query string, so verify counts it.
func TestUnservedKeepSessionAndQuery(t *testing.T) {
	h := newHarness(t, mockserver.Config{})
	s := h.openSession(inspect.SessionSpec{Name: "affise"})
	for _, url := range []string{"http://mock/postback?click_id=c1&action_id=a1", "http://mock/nothing/here?a=b"} {
		r := httptest.NewRequest(http.MethodPut, url, nil) // a method no profile serves
		r.Header.Set(inspect.SessionHeader, s.ID)
		h.do(r)
	}
	var page inspect.Page
	h.inspect(http.MethodGet, "journal?session="+s.ID, nil, &page)
	if len(page.Entries) != 2 {
		t.Fatalf("the session has %d entries, want 2", len(page.Entries))
	}
	for i, want := range []struct {
		status int
		query  string
	}{{405, "click_id=c1&action_id=a1"}, {404, "a=b"}} {
		e := page.Entries[i]
		if e.Status != want.status || e.Query != want.query || e.Session != s.ID {
			t.Errorf("entry %d: %d %q session %q, want %d %q %s", i, e.Status, e.Query, e.Session, want.status, want.query, s.ID)
		}
	}
}

// TestScriptFaultsPerEvent: a script faults the first delivery of each
// event, not of each AppsFlyer device: two events of one appsflyer_id are
// both faulted once.
func TestScriptFaultsPerEvent(t *testing.T) {
	h := newHarness(t, mockserver.Config{})
	p := h.ps["appsflyer"]
	s := h.openSession(inspect.SessionSpec{Script: &inspect.Script{Status: 503, Failures: 1}})
	var got []int
	for _, seed := range []int64{1, 1, 2, 2} {
		pl := valid(t, p, seed, "")
		pl.Body.(map[string]any)["appsflyer_id"] = "1415211453000-6513894" // one device
		r := h.request(p, pl, nil)
		r.Header.Set(inspect.SessionHeader, s.ID)
		got = append(got, h.do(r).Code)
	}
	if want := []int{503, 200, 503, 200}; !slices.Equal(got, want) {
		t.Errorf("deliveries: %v, want %v", got, want)
	}
}

// TestIsolatedSessionState: an isolated session's rate limit and repeat
// memory are its own: its burst does not rate-limit other senders, its
// replays are judged within it, and a reset inside it clears only them.
func TestIsolatedSessionState(t *testing.T) {
	h := newHarness(t, mockserver.Config{Profiles: map[string]mockserver.ProfileConfig{
		"postback": {Common: mockserver.Common{RateLimit: &mockserver.RateConfig{Limit: 3}}}}})
	p := h.ps["postback"]
	qa := h.openSession(inspect.SessionSpec{Name: "qa"})
	iso := h.openSession(inspect.SessionSpec{Name: "s2s conform", Isolated: true})
	send := func(s string, seed int64) inspect.Entry {
		r := h.request(p, valid(t, p, seed, ""), nil)
		r.Header.Set(inspect.SessionHeader, s)
		h.do(r)
		return h.last("postback")
	}
	if e := send(qa.ID, 1); e.Outcome != inspect.Accepted {
		t.Fatalf("QA's first delivery: %s", e.Outcome)
	}
	if e := send(iso.ID, 1); e.Outcome != inspect.Accepted {
		t.Errorf("the isolated session's first delivery of the same event: %s, want accepted (its own memory)", e.Outcome)
	}
	if e := send(iso.ID, 1); e.Outcome != inspect.Replay {
		t.Errorf("its second delivery: %s, want replay", e.Outcome)
	}
	if e := send(iso.ID, 2); e.Status != 200 {
		t.Fatalf("third request of the isolated session: %d", e.Status)
	}
	if e := send(iso.ID, 3); e.Status != 429 {
		t.Errorf("fourth request of the isolated session: %d, want 429 (its own limit of 3)", e.Status)
	}
	if e := send(qa.ID, 4); e.Status != 200 {
		t.Errorf("QA's second request after the isolated burst: %d, want 200 (QA's bucket is not the session's)", e.Status)
	}
	if code := h.inspect(http.MethodPost, "reset?profile=postback&session="+iso.ID, nil, nil); code != 200 {
		t.Fatalf("reset inside the isolated session: %d", code)
	}
	if e := send(iso.ID, 1); e.Outcome != inspect.Accepted {
		t.Errorf("after its reset, the isolated session's event: %s, want accepted again", e.Outcome)
	}
	if e := send(qa.ID, 1); e.Outcome != inspect.Replay {
		t.Errorf("QA's replay after the isolated reset: %s, want replay (QA's memory kept)", e.Outcome)
	}
}
