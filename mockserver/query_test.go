package mockserver_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/mockserver/mutant"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// queryToken is the test profile's one token.
const queryToken = "qt_test_secure_123"

// queryProfile is a profile of another shape than the five, built here from
// profile types only: GET /postback (beside postback's POST /postback) with
// the event in the query string, a token in a query parameter, action_id the
// idempotency key.
func queryProfile() *profile.Profile {
	const schema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "x-rule": "QT-BODY-1",
  "required": ["click_id"],
  "properties": {
    "click_id": {"type": "string", "minLength": 1, "x-rule": "QT-BODY-1"},
    "action_id": {"type": "string"},
    "sum": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "x-rule": "QT-BODY-2"}
  }
}`
	return &profile.Profile{
		Name:  "querytest",
		Title: "Query-string postback (test only)",
		Rules: []profile.Rule{
			profile.NewRule("QT-AUTH-1", profile.Must, profile.AreaAuth, profile.Always, 401, "secure is required."),
			profile.NewRule("QT-AUTH-2", profile.Must, profile.AreaAuth, profile.Always, 403, "secure must be a known token."),
			profile.NewRule("QT-BODY-1", profile.Must, profile.AreaValidation, profile.Always, 400, "click_id is required; a malformed query → 400."),
			profile.NewRule("QT-BODY-2", profile.Must, profile.AreaValidation, profile.Always, 400, "sum is a decimal number."),
			profile.NewRule("QT-IDEM-1", profile.Must, profile.AreaIdempotency, profile.Always, 0, "A repeated action_id → 200, recorded once."),
			profile.NewRule("QT-REDIR-1", profile.Must, profile.AreaResponse, profile.Always, 0, "The endpoint never redirects."),
		},
		Endpoints: []profile.Endpoint{{ID: "postback", Method: http.MethodGet, Path: "/postback",
			Transport: profile.QueryString, Request: "postback.request.schema.json",
			ParamAliases: map[string][]string{"click_id": {"clickid"}}}},
		Auth:          profile.QueryToken{Param: "secure", MissingRule: "QT-AUTH-1", UnknownRule: "QT-AUTH-2"},
		Defaults:      profile.Credentials{APIKeys: []string{queryToken}},
		Schemas:       fstest.MapFS{"postback.request.schema.json": {Data: []byte(schema)}},
		MalformedRule: "QT-BODY-1",
		Describe: func(item any, r *profile.Request, _ profile.Principal) profile.Record {
			m, _ := item.(map[string]any)
			id, _ := m["action_id"].(string)
			return profile.Record{Event: "conversion", ID: id, RecordedAt: r.Received}
		},
		Dedupe:    profile.Dedupe{Kind: profile.Idempotent, Rule: "QT-IDEM-1"},
		Responses: profile.ResponseSpec{NoRedirectRule: "QT-REDIR-1"},
		Events: []profile.EventType{{Name: "conversion", Endpoint: "postback", Weight: 1, New: func(g *profile.Gen) map[string]any {
			return map[string]any{"click_id": g.ID("clk"), "action_id": g.ID("act"), "sum": "10.5"}
		}}},
		Success: func(o profile.Outcome) (int, any) {
			return http.StatusOK, map[string]any{"status": "ok", "replay": o.Replay}
		},
	}
}

// newQueryHarness serves the test profile beside the five.
func newQueryHarness(t *testing.T) (*harness, *profile.Profile) {
	t.Helper()
	qp := queryProfile()
	clock := &fixedClock{t: testNow}
	opts := []mockserver.Option{mockserver.WithConfig(unlimited(mockserver.Config{})), mockserver.WithClock(clock), mockserver.WithSeed(1)}
	if sharedState != nil {
		opts = append(opts, mockserver.WithState(sharedState(t)))
	}
	// Beside every built-in profile but one serving the test profile's route.
	var served []*profile.Profile
	h := &harness{t: t, clock: clock, ps: map[string]*profile.Profile{qp.Name: qp}}
	for _, p := range builtin.All() {
		if !slices.ContainsFunc(p.Endpoints, func(e profile.Endpoint) bool { return e.Pattern() == qp.Endpoints[0].Pattern() }) {
			served = append(served, p)
			h.ps[p.Name] = p
		}
	}
	m, err := mockserver.New(append(served, qp), opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.m = m
	return h, qp
}

// signedQuery is the test profile's request for doc, signed with the default
// token, as a sender builds it (Payload.Outgoing, Auth.Sign, Outgoing.Target).
func signedQuery(t *testing.T, qp *profile.Profile, doc map[string]any) *profile.Outgoing {
	t.Helper()
	o, err := (&profile.Payload{Endpoint: "postback", Body: doc}).Outgoing(&qp.Endpoints[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := qp.Auth.Sign(o, qp.Defaults, testNow); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestRoutesByMethod: two profiles serve /postback, one per method; another
// method is a 405 naming both and journaled as unrouted (which profile it
// meant is not known), with its path and query.
func TestRoutesByMethod(t *testing.T) {
	h, qp := newQueryHarness(t)
	pb := h.ps["postback"]
	if w := h.send(pb, valid(t, pb, 1, "")); w.Code != http.StatusOK {
		t.Fatalf("POST /postback: got %d, want 200: %s", w.Code, w.Body)
	}
	if w := h.do(build(signedQuery(t, qp, map[string]any{"click_id": "c1", "action_id": "a1"}))); w.Code != http.StatusOK {
		t.Fatalf("GET /postback: got %d, want 200: %s", w.Code, w.Body)
	}
	if e := h.last("querytest"); e.Endpoint != "postback" || e.Method != http.MethodGet {
		t.Errorf("GET journaled as %s %s, want querytest's postback", e.Method, e.Endpoint)
	}
	w := h.do(httptest.NewRequest(http.MethodPut, "http://mock/postback?secure="+queryToken, nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("PUT /postback: got %d, want 405", w.Code)
	}
	if got, want := w.Header().Get("Allow"), "POST, GET"; got != want {
		t.Errorf("Allow %q, want %q", got, want)
	}
	var page inspect.Page
	h.inspect(http.MethodGet, "journal?limit=1000", nil, &page)
	e := page.Entries[len(page.Entries)-1]
	if e.Profile != "" || e.Path != "/postback" || e.Status != http.StatusMethodNotAllowed {
		t.Errorf("405 journaled as profile %q path %q status %d, want unrouted /postback 405", e.Profile, e.Path, e.Status)
	}
	if e.Query != "secure="+profile.Redact {
		t.Errorf("405 query journaled as %q, want the token redacted", e.Query)
	}
	var st inspect.Stats
	h.inspect(http.MethodGet, "stats", nil, &st)
	if st.Unrouted == nil || st.Unrouted.ByStatus["405"] != 1 {
		t.Errorf("unrouted stats %+v, want one 405", st.Unrouted)
	}

	// A path one profile serves alone still journals its 405 under it.
	w = h.do(httptest.NewRequest(http.MethodGet, "http://mock/v2/s2s/event", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /v2/s2s/event: got %d, want 405", w.Code)
	}
	if e := h.last("revosurge"); e.Status != http.StatusMethodNotAllowed || e.Endpoint != "event" {
		t.Errorf("405 journaled as %s %d, want revosurge's event", e.Endpoint, e.Status)
	}
}

// TestQueryStringEndpoint: a GET with the event in its query goes through
// auth (the token from the query), validation, idempotency, journal and
// answer like any other request; no body rule applies.
func TestQueryStringEndpoint(t *testing.T) {
	h, qp := newQueryHarness(t)
	get := func(o *profile.Outgoing, change func(*http.Request)) *httptest.ResponseRecorder {
		r := build(o)
		if change != nil {
			change(r)
		}
		return h.do(r)
	}
	doc := map[string]any{"click_id": "c1", "action_id": "a1", "sum": "100.5"}

	tests := []struct {
		name       string
		give       *profile.Outgoing
		change     func(*http.Request)
		wantStatus int
		wantRule   string
	}{
		{name: "valid", give: signedQuery(t, qp, doc), wantStatus: http.StatusOK},
		{name: "a repeat is a replay", give: signedQuery(t, qp, doc), wantStatus: http.StatusOK},
		{name: "alias of click_id", give: renamed(signedQuery(t, qp, map[string]any{"click_id": "c2", "action_id": "a2"}), "click_id", "clickid"),
			wantStatus: http.StatusOK},
		{name: "no token", give: withoutParam(signedQuery(t, qp, map[string]any{"click_id": "c3", "action_id": "a3"}), "secure"),
			wantStatus: http.StatusUnauthorized, wantRule: "QT-AUTH-1"},
		{name: "unknown token", give: withParam(signedQuery(t, qp, map[string]any{"click_id": "c3", "action_id": "a3"}), "secure", "nope_nope"),
			wantStatus: http.StatusForbidden, wantRule: "QT-AUTH-2"},
		{name: "no click_id", give: signedQuery(t, qp, map[string]any{"action_id": "a4"}),
			wantStatus: http.StatusBadRequest, wantRule: "QT-BODY-1"},
		{name: "sum not a number", give: signedQuery(t, qp, map[string]any{"click_id": "c5", "action_id": "a5", "sum": "100,5"}),
			wantStatus: http.StatusBadRequest, wantRule: "QT-BODY-2"},
		{name: "parameter given twice", give: signedQuery(t, qp, map[string]any{"click_id": "c6", "action_id": "a6"}),
			change: func(r *http.Request) { r.URL.RawQuery += "&click_id=c7" }, wantStatus: http.StatusBadRequest, wantRule: "QT-BODY-1"},
		{name: "no content type rule", give: signedQuery(t, qp, map[string]any{"click_id": "c8", "action_id": "a8"}),
			change: func(r *http.Request) {
				r.Header.Set("Content-Type", "text/plain")
				r.Header.Set("Content-Encoding", "gzip")
			},
			wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := get(tt.give, tt.change)
			if w.Code != tt.wantStatus {
				t.Fatalf("got %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if got := violations(w); tt.wantRule != "" && !slices.Contains(got, tt.wantRule) {
				t.Errorf("violations %v, want %s", got, tt.wantRule)
			}
			e := h.last("querytest")
			if e.Method != http.MethodGet || e.Endpoint != "postback" || e.Status != tt.wantStatus {
				t.Errorf("journaled %s %s %d, want GET postback %d", e.Method, e.Endpoint, e.Status, tt.wantStatus)
			}
			if !strings.Contains(e.Query, "secure="+profile.Redact) && tt.name != "no token" {
				t.Errorf("query journaled as %q, want the token redacted", e.Query)
			}
		})
	}

	es := h.journal("querytest")
	first, repeat := es[0], es[1]
	if first.Outcome != inspect.Accepted || repeat.Outcome != inspect.Replay {
		t.Errorf("outcomes %s, %s, want accepted then replay", first.Outcome, repeat.Outcome)
	}
	if len(first.Events) != 1 || first.Events[0].ID != "a1" || !first.Events[0].Recorded {
		t.Errorf("first delivery's events %+v, want a1 recorded", first.Events)
	}
	if got := first.Document; got["click_id"] != "c1" || got["sum"] != "100.5" || got["secure"] != profile.Redact {
		t.Errorf("document %v, want click_id c1, sum 100.5, secure redacted", got)
	}
	if items := first.Items(qp); len(items) != 1 || items[0].(map[string]any)["action_id"] != "a1" {
		t.Errorf("Items %v, want the one event with action_id a1", items)
	}
	if alias := es[2].Document; alias["click_id"] != "c2" {
		t.Errorf("alias request's document %v, want click_id c2 under its member name", alias)
	}
	var st inspect.Stats
	h.inspect(http.MethodGet, "stats", nil, &st)
	if s := st.Profiles["querytest"]; s.Events != 3 || s.Replays != 1 {
		t.Errorf("stats events %d replays %d, want 3 and 1", s.Events, s.Replays)
	}

	// The token appears nowhere the mock shows.
	for _, path := range []string{"journal?limit=1000", "stats"} {
		w := h.do(httptest.NewRequest(http.MethodGet, "http://mock"+inspect.Prefix+path, nil))
		if strings.Contains(w.Body.String(), queryToken) {
			t.Errorf("%s shows the token: %s", path, w.Body)
		}
	}
}

// TestJournalQueryBound: a long query is cut, marked so, and its events are
// not read from what is left.
func TestJournalQueryBound(t *testing.T) {
	h, qp := newQueryHarness(t)
	o := signedQuery(t, qp, map[string]any{"click_id": "c1", "action_id": "a1", "pad": strings.Repeat("x", 5000)})
	if w := h.do(build(o)); w.Code != http.StatusOK {
		t.Fatalf("got %d, want 200: %s", w.Code, w.Body)
	}
	e := h.last("querytest")
	if !e.QueryCut || len(e.Query) > 2048 {
		t.Errorf("query of %d bytes kept (cut %v), want at most 2048 and cut", len(e.Query), e.QueryCut)
	}
	if items := e.Items(qp); items != nil {
		t.Errorf("Items of a cut query: %v, want none", items)
	}
}

// TestQueryStringMutants: the mutants of a query-string profile compile (for
// every rule the analysis finds a switch for: auth and idempotency among
// them), and one that breaks idempotency records a repeated action_id twice.
func TestQueryStringMutants(t *testing.T) {
	h, qp := newQueryHarness(t)
	roles, err := mutant.Roles(qp, qp.Defaults)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"QT-AUTH-1", "QT-AUTH-2", "QT-BODY-1", "QT-IDEM-1"} {
		if len(roles[id]) == 0 {
			t.Errorf("%s: no switch breaks it", id)
		}
	}
	for _, r := range qp.Rules {
		if len(roles[r.ID]) == 0 {
			continue
		}
		b, err := json.Marshal(inspect.Faults{Break: []string{r.ID}})
		if err != nil {
			t.Fatal(err)
		}
		w := h.do(httptest.NewRequest(http.MethodPut, "http://mock"+inspect.Prefix+"faults/querytest", bytes.NewReader(b)))
		if w.Code != http.StatusOK {
			t.Errorf("break %s: got %d, want 200: %s", r.ID, w.Code, w.Body)
		}
	}
	h.setFaults("querytest", inspect.Faults{Break: []string{"QT-IDEM-1"}})
	doc := map[string]any{"click_id": "c1", "action_id": "a1"}
	for range 2 {
		if w := h.do(build(signedQuery(t, qp, doc))); w.Code != http.StatusOK {
			t.Fatalf("got %d, want 200: %s", w.Code, w.Body)
		}
	}
	var st inspect.Stats
	h.inspect(http.MethodGet, "stats", nil, &st)
	if s := st.Profiles["querytest"]; s.Events != 2 || s.Replays != 0 {
		t.Errorf("broken idempotency: events %d replays %d, want 2 and 0", s.Events, s.Replays)
	}
}

// TestQueryStringRedirectMutant: the redirect mutant sends a query-string
// request back with its query kept verbatim and marked, and serves the
// followed request as first sent (the mark is not a document member).
func TestQueryStringRedirectMutant(t *testing.T) {
	h, qp := newQueryHarness(t)
	h.setFaults("querytest", inspect.Faults{Break: []string{"QT-REDIR-1"}})
	o := signedQuery(t, qp, map[string]any{"click_id": "c1", "action_id": "a1"})
	w := h.do(build(o))
	if w.Code != http.StatusTemporaryRedirect {
		t.Fatalf("got %d, want 307: %s", w.Code, w.Body)
	}
	loc := w.Header().Get("Location")
	if want := o.Target() + "&" + mutant.RedirectMark + "=1"; loc != want {
		t.Fatalf("Location %q, want %q", loc, want)
	}
	if w := h.do(httptest.NewRequest(http.MethodGet, "http://mock"+loc, nil)); w.Code != http.StatusOK {
		t.Fatalf("followed: got %d, want 200: %s", w.Code, w.Body)
	}
	e := h.last("querytest")
	if _, ok := e.Document[mutant.RedirectMark]; ok || strings.Contains(e.Query, mutant.RedirectMark) {
		t.Errorf("followed request journaled with the mark: query %q document %v", e.Query, e.Document)
	}
}

func renamed(o *profile.Outgoing, from, to string) *profile.Outgoing {
	o.Query[to] = o.Query[from]
	delete(o.Query, from)
	return o
}

func withoutParam(o *profile.Outgoing, name string) *profile.Outgoing {
	o.Query.Del(name)
	return o
}

func withParam(o *profile.Outgoing, name, value string) *profile.Outgoing {
	o.Query.Set(name, value)
	return o
}
