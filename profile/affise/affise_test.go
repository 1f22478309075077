package affise_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/affise"
	"github.com/s2s-harness/s2s-harness/schemas"
	"github.com/s2s-harness/s2s-harness/validate"
)

var now = time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)

// TestCatalogue holds the rule catalogue: levels, enforcement, statuses, and
// one prefix of the profile's own.
func TestCatalogue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		giveID      string
		wantLevel   profile.Level
		wantEnforce profile.Enforcement
		wantStatus  int
	}{
		{"AFF-AUTH-1", profile.Must, profile.Always, 403},
		{"AFF-CLICK-1", profile.Must, profile.Always, 400},
		{"AFF-CLICK-2", profile.Should, profile.StrictOnly, 400},
		{"AFF-ACTION-1", profile.Must, profile.Always, 0},
		{"AFF-SUM-1", profile.Must, profile.Always, 400},
		{"AFF-STATUS-1", profile.Must, profile.Always, 400},
		{"AFF-CUR-1", profile.Should, profile.Always, 400},
		{"AFF-DEV-1", profile.Should, profile.StrictOnly, 400},
		{"AFF-PARAM-1", profile.Decision, profile.Always, 400},
		{"AFF-QUERY-1", profile.Decision, profile.Always, 400},
	}
	p := affise.New()
	if len(p.Rules) != len(tests) {
		t.Errorf("got %d rules, want %d", len(p.Rules), len(tests))
	}
	for _, tt := range tests {
		r, ok := p.Rule(tt.giveID)
		if !ok {
			t.Errorf("%s: missing", tt.giveID)
			continue
		}
		if r.Level != tt.wantLevel || r.Enforce != tt.wantEnforce || r.Status != tt.wantStatus {
			t.Errorf("%s: got %s %s %d, want %s %s %d", tt.giveID, r.Level, r.Enforce, r.Status, tt.wantLevel, tt.wantEnforce, tt.wantStatus)
		}
		if !strings.HasPrefix(r.ID, "AFF-") || r.Area == "" || r.Text == "" {
			t.Errorf("%s: got area %q text %q, want AFF- prefix, area and text", r.ID, r.Area, r.Text)
		}
	}
	if p.Seed != "" || p.Source == nil || p.Rate != nil {
		t.Errorf("seed %q source %v rate %v: want no seed, its own source, no rate limit", p.Seed, p.Source, p.Rate)
	}
}

// TestRulesReferencedAreCatalogued checks every rule the profile names.
func TestRulesReferencedAreCatalogued(t *testing.T) {
	t.Parallel()
	p := affise.New()
	refs := []string{p.MalformedRule, p.Dedupe.Rule, p.Dedupe.ConcurrentRule}
	for _, c := range p.Cases {
		refs = append(refs, c.Rule)
	}
	for _, b := range p.Auth.Breaks() {
		refs = append(refs, b.Rule)
	}
	for _, g := range p.Grounds {
		refs = append(refs, g.Rule)
	}
	for _, id := range refs {
		if _, ok := p.Rule(id); !ok {
			t.Errorf("rule %q is referenced but not catalogued", id)
		}
	}
}

// received builds what a receiver sees of a query as sent: GET /postback?query.
func received(p *profile.Profile, e *profile.Endpoint, query string) *profile.Request {
	return &profile.Request{Endpoint: e, Header: http.Header{}, RawQuery: query, Received: now}
}

const click = "5f1e2d3c4b5a69788796a5b4"

// TestValidate runs query strings through the validator with credentials:
// rule, place, status in strict mode, and whether lenient rejects.
func TestValidate(t *testing.T) {
	t.Parallel()
	p := affise.New()
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	base := "click_id=" + click + "&action_id=a1&goal=deposit&status=1&sum=100.5&currency=USD&secure=" + affise.TestToken
	tests := []struct {
		name        string
		giveQuery   string
		wantRules   []string // strict
		wantIn      string
		wantField   string
		wantStatus  int
		wantLenient bool // lenient rejects
	}{
		{"go-tracking's full query", "action_id=2&click_id=" + click + "&comment=10&custom_field1=16&custom_field15=30&device_type=mobile&fbclid=12&goal=3&ip=5.6.7.8&referrer=9&secure=" + affise.TestToken + "&status=1&sum=4&user_id=14", nil, "", "", 0, false},
		{"documented minimum", "clickid=" + click + "&secure=" + affise.TestToken, nil, "", "", 0, false},
		{"base", base, nil, "", "", 0, false},
		{"no click_id", strings.Replace(base, "click_id="+click+"&", "", 1), []string{"AFF-CLICK-1"}, profile.InQuery, "click_id", 400, true},
		{"empty click_id", strings.Replace(base, click, "", 1), []string{"AFF-CLICK-1"}, profile.InQuery, "click_id", 400, true},
		{"click_id and clickid", base + "&clickid=" + click, []string{"AFF-QUERY-1"}, profile.InQuery, "clickid", 400, true},
		{"status twice", base + "&status=2", []string{"AFF-QUERY-1"}, profile.InQuery, "status", 400, true},
		{"bad escape", base + "&goal2=%zz", []string{"AFF-QUERY-1"}, profile.InQuery, "goal2", 400, true},
		{"status 4", strings.Replace(base, "status=1", "status=4", 1), []string{"AFF-STATUS-1"}, profile.InQuery, "status", 400, true},
		{"sum with a comma", strings.Replace(base, "sum=100.5", "sum=100%2C5", 1), []string{"AFF-SUM-1"}, profile.InQuery, "sum", 400, true},
		{"sum empty (unfilled macro)", strings.Replace(base, "sum=100.5", "sum=", 1), nil, "", "", 0, false},
		{"currency lower-case", strings.Replace(base, "USD", "usd", 1), []string{"AFF-CUR-1"}, profile.InQuery, "currency", 400, true},
		{"click_id of 23 characters", strings.Replace(base, click, click[1:], 1), []string{"AFF-CLICK-2"}, profile.InQuery, "click_id", 400, false},
		{"device_type phone", base + "&device_type=phone", []string{"AFF-DEV-1"}, profile.InQuery, "device_type", 400, false},
		{"no secure", strings.Replace(base, "&secure="+affise.TestToken, "", 1), []string{"AFF-AUTH-1"}, profile.InQuery, "secure", 403, true},
		{"wrong secure", strings.Replace(base, affise.TestToken, "nope", 1), []string{"AFF-AUTH-1"}, profile.InQuery, "secure", 403, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			strict := v.Validate(received(p, &p.Endpoints[0], tt.giveQuery), profile.Strict, &p.Defaults, now)
			if got := strict.Rules(); !slices.Equal(got, tt.wantRules) {
				t.Fatalf("strict: got %v, want %v", strict.Violations, tt.wantRules)
			}
			if strict.Status() != tt.wantStatus {
				t.Errorf("strict: got status %d, want %d", strict.Status(), tt.wantStatus)
			}
			if len(tt.wantRules) > 0 {
				if got := strict.Violations[0]; got.In != tt.wantIn || got.Field != tt.wantField {
					t.Errorf("strict: got %s %q, want %s %q", got.In, got.Field, tt.wantIn, tt.wantField)
				}
			}
			lenient := v.Validate(received(p, &p.Endpoints[0], tt.giveQuery), profile.Lenient, &p.Defaults, now)
			if lenient.Rejected() != tt.wantLenient {
				t.Errorf("lenient: got rejected=%v (%v), want %v", lenient.Rejected(), lenient.Violations, tt.wantLenient)
			}
		})
	}
}

// TestRenamedParams: a target spelling the parameters its own way (Keitaro's
// subid, payout, tid) is validated under its names.
func TestRenamedParams(t *testing.T) {
	t.Parallel()
	p := affise.New()
	e, err := p.Endpoints[0].Rename(map[string]string{"click_id": "subid", "sum": "payout", "action_id": "tid"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	ok := v.Validate(received(p, &e, "subid="+click+"&tid=t1&payout=12.5&secure="+affise.TestToken), profile.Strict, &p.Defaults, now)
	if ok.Rejected() {
		t.Fatalf("renamed query rejected: %v", ok.Violations)
	}
	if d, _ := ok.Doc.(map[string]any); d["click_id"] != click || d["sum"] != "12.5" || d["action_id"] != "t1" {
		t.Errorf("got document %v, want the members under their own names", ok.Doc)
	}
	bad := v.Validate(received(p, &e, "subid="+click+"&payout=12,5&secure="+affise.TestToken), profile.Strict, &p.Defaults, now)
	if got := bad.Violations; len(got) != 1 || got[0].Rule != "AFF-SUM-1" || got[0].Field != "payout" {
		t.Errorf("got %v, want AFF-SUM-1 on payout", got)
	}
}

// TestConfiguredParams: a target configured with params: {click_id: subid,
// sum: payout, action_id: tid} (a Keitaro-style receiver) gets the harness's
// conversions under its own names, and they validate.
func TestConfiguredParams(t *testing.T) {
	t.Parallel()
	var c configfile.Profile
	if err := configfile.Decode([]byte("params: {click_id: subid, sum: payout, action_id: tid}"), "yaml", &c); err != nil {
		t.Fatal(err)
	}
	base := affise.New()
	if err := c.Check(base); err != nil {
		t.Fatal(err)
	}
	p := c.Apply(base)
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 5, Now: now, Event: "deposit"})
	if err != nil {
		t.Fatal(err)
	}
	r := send(t, p, gen.Next())
	q, err := url.ParseQuery(r.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"subid", "payout", "tid", "secure"} {
		if q.Get(name) == "" {
			t.Errorf("query %s: no %s", r.RawQuery, name)
		}
	}
	for _, name := range []string{"click_id", "sum", "action_id"} {
		if q.Has(name) {
			t.Errorf("query %s: still sends %s", r.RawQuery, name)
		}
	}
	if res := v.Validate(r, profile.Strict, &p.Defaults, now); res.Rejected() {
		t.Errorf("renamed conversion rejected: %v", res.Violations)
	}
	if _, ok := base.Endpoints[0].Params["click_id"]; ok {
		t.Error("Apply changed the shared profile's endpoint")
	}
}

// send is a sender's request for pl, signed, as the receiver sees it.
func send(t *testing.T, p *profile.Profile, pl *profile.Payload) *profile.Request {
	t.Helper()
	e, ok := p.Endpoint(pl.Endpoint)
	if !ok {
		t.Fatalf("endpoint %q", pl.Endpoint)
	}
	o, err := pl.Outgoing(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Auth.Sign(o, p.Defaults, now); err != nil {
		t.Fatal(err)
	}
	if o.Body != nil || o.Endpoint.Method != http.MethodGet {
		t.Fatalf("got %s with body %q, want a GET without a body", o.Endpoint.Method, o.Body)
	}
	return o.Received(now)
}

// TestEventsAndGoldenAccepted: every generated conversion and every golden
// example, sent as a query string with the token, is accepted in both modes
// and described with its identity.
func TestEventsAndGoldenAccepted(t *testing.T) {
	t.Parallel()
	p := affise.New()
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	var pls []*profile.Payload
	for _, et := range p.Events {
		gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 11, Now: now, Event: et.Name})
		if err != nil {
			t.Fatal(err)
		}
		for range 20 {
			pls = append(pls, gen.Next())
		}
	}
	golden, err := fixtures.LoadGolden(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(golden) == 0 {
		t.Fatal("no golden examples")
	}
	for _, g := range golden {
		pls = append(pls, g.Payload)
	}
	for _, pl := range pls {
		for _, mode := range []profile.Mode{profile.Strict, profile.Lenient} {
			res := v.Validate(send(t, p, pl), mode, &p.Defaults, now)
			if res.Rejected() || len(res.Violations) > 0 {
				t.Fatalf("%s %s %v: got %v, want accepted", mode, pl.Event, pl.Body, res.Violations)
			}
			if rec := p.Describe(res.Items[0], send(t, p, pl), profile.Principal{}); rec.ID == "" || rec.Event == "" {
				t.Errorf("%v: got record %+v, want an identity and an event", pl.Body, rec)
			}
		}
	}
}

// TestCases: each hand-written case, sent the way a sender sends it, is
// answered as it says in strict and lenient mode, for its rule.
func TestCases(t *testing.T) {
	t.Parallel()
	p := affise.New()
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	variants, err := fixtures.Variants(p, v.Schemas(), fixtures.Options{Seed: 3, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, vr := range variants {
		if vr.Origin != fixtures.FromCase {
			continue // derived variants are the fixtures package's to shape
		}
		n++
		t.Run(vr.Name, func(t *testing.T) {
			for _, mode := range []profile.Mode{profile.Strict, profile.Lenient} {
				res := v.Validate(send(t, p, vr.Payload), mode, &p.Defaults, now)
				wantReject := vr.Expect == profile.Reject || (vr.Expect == profile.RejectStrict && mode == profile.Strict)
				if res.Rejected() != wantReject {
					t.Errorf("%s: got rejected=%v (%v), want %v", mode, res.Rejected(), res.Violations, wantReject)
				}
				if vr.Expect != profile.Accept && !slices.Contains(res.Rules(), vr.Rule) {
					t.Errorf("%s: got %v, want %s reported", mode, res.Rules(), vr.Rule)
				}
			}
		})
	}
	if n != len(p.Cases) {
		t.Errorf("got %d cases, want %d", n, len(p.Cases))
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	p := affise.New()
	r := &profile.Request{Endpoint: &p.Endpoints[0], Received: now}
	tests := []struct {
		name      string
		give      map[string]any
		wantEvent string
		wantID    string
	}{
		{"action_id and goal", map[string]any{"click_id": click, "action_id": "a1", "goal": "deposit"}, "deposit", "action:a1\x1fdeposit"},
		{"another goal is another conversion", map[string]any{"click_id": click, "action_id": "a1", "goal": "2"}, "2", "action:a1\x1f2"},
		{"default goal", map[string]any{"click_id": click, "action_id": "a1"}, "conversion", "action:a1\x1f"},
		{"no action_id: the click", map[string]any{"click_id": click, "goal": "1"}, "1", "click:" + click + "\x1f1"},
		{"nothing", map[string]any{}, "conversion", ""},
	}
	for _, tt := range tests {
		got := p.Describe(tt.give, r, profile.Principal{})
		if got.Event != tt.wantEvent || got.ID != tt.wantID || !got.RecordedAt.Equal(now) {
			t.Errorf("%s: got %+v, want event %q id %q at %v", tt.name, got, tt.wantEvent, tt.wantID, now)
		}
	}
	if got := p.Describe([]any{1}, r, profile.Principal{}); got.ID != "" {
		t.Errorf("not an object: got %+v, want no identity", got)
	}
}

// TestAnswers: 200 {"status":1} for first deliveries and repeats alike (a
// repeat says so in replay);
// rejections in the default shape, located in the query.
func TestAnswers(t *testing.T) {
	t.Parallel()
	p := affise.New()
	for _, replay := range []bool{false, true} {
		status, body := p.SuccessBody(profile.Outcome{Accepted: 1, Replay: replay})
		if m, _ := body.(map[string]any); status != http.StatusOK || m["status"] != 1 || m["replay"] != replay {
			t.Errorf("replay=%v: got %d %v, want 200 status 1 replay %v", replay, status, body, replay)
		}
	}
	vi := p.Violation("AFF-AUTH-1", profile.InQuery, "secure", "unknown token")
	b, _ := p.ErrorBody(vi.Status, []profile.Violation{vi}).(profile.ErrorBody)
	if vi.Status != http.StatusForbidden || b.Error != "forbidden" || b.Rule != "AFF-AUTH-1" {
		t.Errorf("got %d %+v, want 403 forbidden AFF-AUTH-1", vi.Status, b)
	}
	set, err := schemas.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		giveStatus int
		giveBody   any
		wantOK     bool
	}{
		{http.StatusOK, must(p.SuccessBody(profile.Outcome{Accepted: 1})), true},
		{http.StatusOK, must(p.SuccessBody(profile.Outcome{Accepted: 1, Replay: true})), true},
		{http.StatusOK, map[string]any{"status": 2, "replay": false}, false},
		{http.StatusForbidden, b, true},
		{http.StatusBadRequest, p.ErrorBody(400, []profile.Violation{p.Violation("AFF-SUM-1", profile.InQuery, "sum", "bad")}), true},
		{http.StatusBadRequest, map[string]any{"error": 400}, false},
	}
	for _, tt := range tests {
		raw, _ := json.Marshal(tt.giveBody)
		doc, err := strictjson.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		sch, _ := set.Schema(p.Endpoints[0].Responses[tt.giveStatus])
		if got := sch.Validate(doc) == nil; got != tt.wantOK {
			t.Errorf("%d %s: schema accepts=%v, want %v", tt.giveStatus, raw, got, tt.wantOK)
		}
	}
}

func must(_ int, body any) any { return body }

// TestOutgoingLikeGoTracking: the harness's own sender builds the URL the
// way affise/go-tracking does (url.Values, sorted, GET /postback).
func TestOutgoingLikeGoTracking(t *testing.T) {
	t.Parallel()
	p := affise.New()
	pl := &profile.Payload{Profile: p.Name, Endpoint: "postback",
		Body: map[string]any{"click_id": click, "action_id": "2", "sum": "4", "status": "1", "custom_field1": "USD"}}
	o, err := pl.Outgoing(&p.Endpoints[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Auth.Sign(o, p.Defaults, now); err != nil {
		t.Fatal(err)
	}
	req, err := o.Request(context.Background(), "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"click_id": {click}, "action_id": {"2"}, "sum": {"4"}, "status": {"1"}, "custom_field1": {"USD"},
		"secure": {affise.TestToken}}.Encode()
	if req.Method != http.MethodGet || req.URL.Path != "/postback" || req.URL.RawQuery != want {
		t.Errorf("got %s %s?%s, want GET /postback?%s", req.Method, req.URL.Path, req.URL.RawQuery, want)
	}
}
