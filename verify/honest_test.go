package verify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/profile/sender"
	"github.com/s2s-harness/s2s-harness/reports"
	"github.com/s2s-harness/s2s-harness/verify"
)

// mockOf is a real mock of the named profiles on a loopback port.
func mockOf(t *testing.T, cfg mockserver.Config, names string) (string, *inspect.Client, []*profile.Profile) {
	t.Helper()
	ps, err := builtin.Select(names)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mockserver.New(ps, mockserver.WithConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	c, err := inspect.NewClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv.URL, c, ps
}

// raw sends one request as a sender would, tagged with session s, signed
// by p's scheme when p is given, and returns the status.
func raw(t *testing.T, p *profile.Profile, method, url, s string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	if p != nil {
		e := &p.Endpoints[0]
		o := &profile.Outgoing{Endpoint: e, Header: http.Header{"Content-Type": {"application/json"}}, Body: body,
			PathValues: map[string]string{"app_id": "com.appsflyer.myapp"}}
		if err := p.Auth.Sign(o, p.Defaults, time.Now()); err != nil {
			t.Fatal(err)
		}
		req.Header = o.Header
	}
	req.Header.Set(inspect.SessionHeader, s)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func ruleOf(r *verify.Result, id string) verify.RuleResult {
	for _, x := range r.Sender {
		if x.ID == id {
			return x
		}
	}
	return verify.RuleResult{}
}

// TestUnservedRequestsAreCounted: a sender speaking a query-string postback
// (GET, answered 405) and one hitting no endpoint at all (404) are the
// session's requests, counted and explained; never "no traffic".
func TestUnservedRequestsAreCounted(t *testing.T) {
	url, c, ps := mockOf(t, mockserver.Config{}, "postback")
	ctx := context.Background()
	s, err := c.OpenSession(ctx, inspect.SessionSpec{Name: "affise"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if got := raw(t, nil, http.MethodGet, fmt.Sprintf("%s/postback?click_id=c%d&action_id=a&secure=s3cr3t", url, i), s.ID, nil); got != 405 {
			t.Fatalf("GET /postback: %d, want 405", got)
		}
	}
	if got := raw(t, nil, http.MethodPost, url+"/track?x=1", s.ID, []byte(`{}`)); got != 404 {
		t.Fatalf("POST /track: %d, want 404", got)
	}
	r, err := verify.Verify(ctx, c, url, ps, verify.Options{Session: s.ID, Secrets: []string{"s3cr3t"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 5 || r.Verdict != verify.NotCertified || len(r.Unserved) != 2 {
		t.Fatalf("%s on %d requests, %d unserved groups; want not certified on 5, 2 groups", r.Verdict, r.Requests, len(r.Unserved))
	}
	want := "4 requests were GET /postback with a query string (answered 405): this sender speaks a query-string postback; the JSON postback endpoint takes POST"
	if got := r.Unserved[0].Message; got != want {
		t.Errorf("message:\n got %s\nwant %s", got, want)
	}
	if got := r.Unserved[1].Message; !strings.Contains(got, "1 request was POST /track with a query string (answered 404): nothing is served") ||
		!strings.Contains(got, "POST /postback") {
		t.Errorf("404 message: %s", got)
	}
	route := ruleOf(r, sender.Route)
	if route.Status != verify.Fail || route.Count != 5 || !strings.Contains(route.Message, want) {
		t.Errorf("%s: %s %d %q", sender.Route, route.Status, route.Count, route.Message)
	}
	var text strings.Builder
	if err := reports.SenderText(&text, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "5 requests;") || !strings.Contains(text.String(), want) {
		t.Errorf("text:\n%s", text.String())
	}
	t.Logf("verify of the query-string sender:\n%s", text.String())
	ex := r.Unserved[0].Examples[0]
	if !strings.Contains(ex.Path, "?click_id=c0") || strings.Contains(ex.Path, "s3cr3t") {
		t.Errorf("example path %q: want the query kept, the secret redacted", ex.Path)
	}
}

// afEvent is an AppsFlyer in-app event body.
func afEvent(name, eventTime string) []byte {
	return fmt.Appendf(nil, `{"appsflyer_id":"1415211453000-6513894","eventName":%q,"eventValue":"","af_events_api":"true","eventTime":%q}`,
		name, eventTime)
}

// TestIdenticalBodiesWithoutIDsAreAmbiguous: 18 byte-identical AppsFlyer
// events refused 400 cannot be told from retries: SND-RETRY-4 is ambiguous,
// not a MUST failure; a scripted 503 faults the first delivery of the body
// and the 17 others are accepted, which SND-RETRY-5 cannot judge either.
func TestIdenticalBodiesWithoutIDsAreAmbiguous(t *testing.T) {
	url, c, ps := mockOf(t, mockserver.Config{}, "appsflyer")
	p := ps[0]
	ctx := context.Background()
	at := "http://x/inappevent/com.appsflyer.myapp"[len("http://x"):]

	bad, err := c.OpenSession(ctx, inspect.SessionSpec{Name: "rudderstack-400"})
	if err != nil {
		t.Fatal(err)
	}
	body := afEvent("af_purchase", "2026/01/01 10:00") // AF-TIME-1: 400
	for range 18 {
		if got := raw(t, p, http.MethodPost, url+at, bad.ID, body); got != 400 {
			t.Fatalf("bad eventTime: %d, want 400", got)
		}
	}
	r, err := verify.Verify(ctx, c, url, ps, verify.Options{Session: bad.ID})
	if err != nil {
		t.Fatal(err)
	}
	if x := ruleOf(r, sender.NoRetry4xx); x.Status != verify.Ambiguous || x.Count != 17 || !strings.Contains(x.Message, "gives its events no id") {
		t.Errorf("%s: %s %d %q, want ambiguous on 17", sender.NoRetry4xx, x.Status, x.Count, x.Message)
	}

	sc, err := c.OpenSession(ctx, inspect.SessionSpec{Name: "rudderstack-503", Script: &inspect.Script{Status: 503, Failures: 1}})
	if err != nil {
		t.Fatal(err)
	}
	ok := afEvent("af_purchase", time.Now().UTC().Format("2006-01-02 15:04:05.000"))
	var got []int
	for range 18 {
		got = append(got, raw(t, p, http.MethodPost, url+at, sc.ID, ok))
	}
	if got[0] != 503 || got[1] != 200 || got[17] != 200 {
		t.Fatalf("scripted deliveries: %v, want 503 then 200s", got)
	}
	r, err = verify.Verify(ctx, c, url, ps, verify.Options{Session: sc.ID})
	if err != nil {
		t.Fatal(err)
	}
	if x := ruleOf(r, sender.RetryLimit); x.Status != verify.Ambiguous {
		t.Errorf("%s: %s %q, want ambiguous", sender.RetryLimit, x.Status, x.Message)
	}
	if !r.Certified() {
		t.Errorf("verdict %s: an ambiguous rule must not fail the sender", r.Verdict)
	}
}

// TestLocalTimeIsReported: a documented UTC timestamp a whole number of
// hours ahead of the receive time is local time (a fail, naming the zone);
// behind it, it may be a late event (ambiguous). The fields come from each
// profile's own reading of its events.
func TestLocalTimeIsReported(t *testing.T) {
	ps := builtin.All()
	recv := time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)
	entry := func(seq uint64, prof, endpoint, body string) inspect.Entry {
		return inspect.Entry{Seq: seq, Profile: prof, Endpoint: endpoint, Method: "POST", Path: "/", Status: 200,
			Outcome: inspect.Accepted, Body: body, BodyBytes: len(body), ReceivedAt: recv}
	}
	af := func(d time.Duration) string {
		return string(afEvent("af_login", recv.Add(d).Format("2006-01-02 15:04:05.000")))
	}
	pb := func(d time.Duration) string {
		return fmt.Sprintf(`{"event":"purchase","event_id":"e%d","click_id":"c","ts_event":%q}`, d, recv.Add(d).Format(time.RFC3339))
	}
	for _, tt := range []struct {
		name   string
		e      inspect.Entry
		status string
		want   string
	}{
		{"appsflyer Tokyo", entry(1, "appsflyer", "inappevent", af(9*time.Hour+2*time.Minute)), verify.Fail,
			"appsflyer eventTime 2026-03-01T12:02:00Z is 9h2m0s ahead of the receive time 2026-03-01T03:00:00Z: looks like local time, UTC+9: format the time in UTC"},
		{"postback UTC+3", entry(1, "postback", "postback", pb(3*time.Hour-10*time.Minute)), verify.Fail, "postback ts_event"},
		{"appsflyer New York", entry(1, "appsflyer", "inappevent", af(-5*time.Hour)), verify.Ambiguous, "UTC-5 formatted as UTC, or an event sent 5 h late"},
		{"appsflyer UTC", entry(1, "appsflyer", "inappevent", af(-2*time.Minute)), verify.Pass, ""},
		{"appsflyer 40 min late", entry(1, "appsflyer", "inappevent", af(-40*time.Minute)), verify.Pass, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := verify.Judge([]inspect.Entry{tt.e}, ps, verify.Options{})
			x := ruleOf(r, sender.LocalTime)
			if x.Status != tt.status || !strings.Contains(x.Message, tt.want) {
				t.Errorf("%s: %s %q, want %s %q", sender.LocalTime, x.Status, x.Message, tt.status, tt.want)
			}
			if x.Ground == nil || len(x.Ground.Cite) != 2 {
				t.Errorf("%s carries no citations: %+v", sender.LocalTime, x.Ground)
			}
		})
	}
}

// fakeInspection is an inspection API written in the test: its session
// opened in epoch open, its health says health, its journal pages say pages.
func fakeInspection(t *testing.T, open, health string, pages ...string) string {
	t.Helper()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mux := http.NewServeMux()
	answer := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /_s2s/sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		answer(w, inspect.Session{ID: r.PathValue("id"), StartedAt: t0, Epoch: open})
	})
	mux.HandleFunc("GET /_s2s/health", func(w http.ResponseWriter, _ *http.Request) {
		answer(w, inspect.Health{Status: "ok", Profiles: []string{"revosurge"}, Epoch: health})
	})
	mux.HandleFunc("GET /_s2s/journal", func(w http.ResponseWriter, r *http.Request) {
		var after uint64
		fmt.Sscan(r.URL.Query().Get("after"), &after)
		if int(after) >= len(pages) {
			answer(w, inspect.Page{Entries: []inspect.Entry{}, Next: after})
			return
		}
		answer(w, inspect.Page{Next: after + 1, Epoch: pages[after], Entries: []inspect.Entry{{Seq: after + 1,
			Profile: "revosurge", Endpoint: "event", Method: "POST", Path: "/v2/s2s/event", Status: 200,
			Outcome: inspect.Accepted, ReceivedAt: t0.Add(time.Minute), Session: "s1"}}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestVerifyTellsLostRecords: a receiver whose state epoch changed since the
// session opened, or while its journal was read, makes the certificate
// incomplete with the reason; an epoch it does not give is no evidence.
func TestVerifyTellsLostRecords(t *testing.T) {
	ps, _ := builtin.Select("revosurge")
	for _, tt := range []struct {
		name               string
		open, health       string
		pages              []string
		complete           bool
		wantA, wantB, when string
	}{
		{name: "same epoch", open: "e1", health: "e1", pages: []string{"e1", "e1"}, complete: true},
		{name: "no epoch", pages: []string{"", ""}, complete: true},
		{name: "reset since the session opened", open: "e1", health: "e2", pages: []string{"e2"},
			wantA: `"e1" when the session opened`, wantB: `"e2" before the journal was read`},
		{name: "reset while reading", health: "", pages: []string{"e1", "e2"},
			wantA: `"e1" on journal page 1`, wantB: `"e2" on journal page 2`},
		{name: "session epoch unknown", open: "", health: "e2", pages: []string{"e2"}, complete: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			url := fakeInspection(t, tt.open, tt.health, tt.pages...)
			c, _ := inspect.NewClient(url, nil)
			r, err := verify.Verify(context.Background(), c, url, ps, verify.Options{Session: "s1"})
			if err != nil {
				t.Fatal(err)
			}
			if r.Complete != tt.complete || (r.Verdict == verify.Incomplete) == tt.complete {
				t.Fatalf("complete %v verdict %s (%s), want complete %v", r.Complete, r.Verdict, r.IncompleteReason, tt.complete)
			}
			if !tt.complete && (!strings.Contains(r.IncompleteReason, tt.wantA) || !strings.Contains(r.IncompleteReason, tt.wantB)) {
				t.Errorf("reason %q, want %q and %q", r.IncompleteReason, tt.wantA, tt.wantB)
			}
		})
	}
}

// TestVerifyTellsEvictions: a journal that let entries of the session go
// (a small ring) makes the certificate incomplete; a session opened after
// the evictions is complete.
func TestVerifyTellsEvictions(t *testing.T) {
	url, c, ps := mockOf(t, mockserver.Config{Journal: mockserver.JournalConfig{Size: 4}}, "postback")
	ctx := context.Background()
	s, err := c.OpenSession(ctx, inspect.SessionSpec{Name: "busy"})
	if err != nil {
		t.Fatal(err)
	}
	for range 6 {
		raw(t, nil, http.MethodGet, url+"/postback?x=1", s.ID, nil)
	}
	r, err := verify.Verify(ctx, c, url, ps, verify.Options{Session: s.ID})
	if err != nil {
		t.Fatal(err)
	}
	if r.Complete || r.Evicted != 2 || !strings.Contains(r.IncompleteReason, "let 2 entries go") {
		t.Errorf("evicted session: complete %v evicted %d %q", r.Complete, r.Evicted, r.IncompleteReason)
	}
	if r.Verdict != verify.NotCertified { // the 405s fail SND-ROUTE-1: a failure found stays a failure
		t.Errorf("verdict %s, want not certified", r.Verdict)
	}
	later, err := c.OpenSession(ctx, inspect.SessionSpec{Name: "later"})
	if err != nil {
		t.Fatal(err)
	}
	r, err = verify.Verify(ctx, c, url, ps, verify.Options{Session: later.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Complete || r.Verdict != verify.NoTraffic {
		t.Errorf("a session after the evictions: complete %v verdict %s (%s)", r.Complete, r.Verdict, r.IncompleteReason)
	}
}

// TestVerifyAfterGlobalReset: a session's records wiped by a reset once it
// ended (the mock allows it then) make its certificate incomplete, exit 1,
// not "no traffic" or certified.
func TestVerifyAfterGlobalReset(t *testing.T) {
	url, c, ps := mockOf(t, mockserver.Config{}, "postback")
	ctx := context.Background()
	s, err := c.OpenSession(ctx, inspect.SessionSpec{Name: "qa"})
	if err != nil {
		t.Fatal(err)
	}
	raw(t, nil, http.MethodGet, url+"/postback?click_id=1", s.ID, nil)
	if _, err := c.EndSession(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Reset(ctx, ""); err != nil {
		t.Fatalf("reset once every session ended: %v", err)
	}
	r, err := verify.Verify(ctx, c, url, ps, verify.Options{Session: s.ID})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != verify.Incomplete || r.Complete || !strings.Contains(r.IncompleteReason, "when the session opened") {
		t.Errorf("after a reset: %s complete %v %q, want incomplete", r.Verdict, r.Complete, r.IncompleteReason)
	}
}
