package postback_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/postback"
	"github.com/s2s-harness/s2s-harness/schemas"
	"github.com/s2s-harness/s2s-harness/validate"
)

// TestCatalogue holds the rule catalogue to SPECS.md's postback table.
func TestCatalogue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		giveID      string
		wantLevel   profile.Level
		wantEnforce profile.Enforcement
		wantStatus  int
	}{
		{"PB-AUTH-1", profile.Must, profile.Always, 401},
		{"PB-SIG-1", profile.Must, profile.Always, 403},
		{"PB-SIG-2", profile.Must, profile.Always, 0},
		{"PB-SIG-3", profile.Ambiguous, profile.Always, 0},
		{"PB-BODY-1", profile.Must, profile.Always, 400},
		{"PB-BODY-2", profile.Must, profile.Always, 400},
		{"PB-TS-1", profile.Must, profile.StrictOnly, 400},
		{"PB-IDEM-1", profile.Must, profile.Always, 0},
		{"PB-IDEM-2", profile.Must, profile.Always, 0},
		{"PB-DEDUP-1", profile.Should, profile.Advisory, 0},
		{"PB-REDIR-1", profile.Must, profile.Always, 0},
		{"PB-RATE-1", profile.Should, profile.Always, 429},
		{"PB-EVT-1", profile.Decision, profile.Advisory, 0},
	}
	p := postback.New()
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
		if p.Seed == "" || r.Area == "" || r.Text == "" {
			t.Errorf("%s: got seed %q area %q text %q, want all set", tt.giveID, p.Seed, r.Area, r.Text)
		}
	}
	if r, _ := p.Rule("PB-SIG-1"); r.Code != "signature_invalid" {
		t.Errorf("PB-SIG-1: got code %q, want signature_invalid", r.Code)
	}
}

// TestRulesReferencedAreCatalogued checks every rule the profile names.
func TestRulesReferencedAreCatalogued(t *testing.T) {
	t.Parallel()
	p := postback.New()
	refs := []string{p.MalformedRule, p.Rate.Rule, p.Dedupe.Rule, p.Dedupe.ConcurrentRule, p.Dedupe.FallbackRule,
		p.Responses.Rule, p.Responses.NoRedirectRule}
	for _, e := range p.Events {
		refs = append(refs, e.Rule)
	}
	for _, c := range p.Cases {
		refs = append(refs, c.Rule)
	}
	for _, b := range p.Auth.Breaks() {
		refs = append(refs, b.Rule)
	}
	for _, id := range refs {
		if _, ok := p.Rule(id); !ok {
			t.Errorf("rule %q is referenced but not catalogued", id)
		}
	}
}

func compile(t *testing.T, p *profile.Profile) *schemas.Set {
	t.Helper()
	set, err := schemas.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// responseOK validates a JSON answer against the endpoint's schema for status.
func responseOK(t *testing.T, p *profile.Profile, set *schemas.Set, status int, body []byte) bool {
	t.Helper()
	file, ok := p.Endpoints[0].Responses[status]
	if !ok {
		t.Fatalf("no response schema for %d", status)
	}
	doc, err := strictjson.Decode(body)
	if err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	sch, _ := set.Schema(file)
	return sch.Validate(doc) == nil
}

// TestSeedResponses checks the seed's §14 answers against the response schemas.
func TestSeedResponses(t *testing.T) {
	t.Parallel()
	p := postback.New()
	set := compile(t, p)
	tests := []struct {
		giveFile   string
		giveStatus int
	}{
		{"ok-first.json", http.StatusOK},
		{"ok-replay.json", http.StatusOK},
		{"signature-invalid.json", http.StatusForbidden},
	}
	for _, tt := range tests {
		body, err := os.ReadFile(filepath.Join("testdata", "responses", tt.giveFile))
		if err != nil {
			t.Fatal(err)
		}
		if !responseOK(t, p, set, tt.giveStatus, body) {
			t.Errorf("%s: rejected by the %d schema", tt.giveFile, tt.giveStatus)
		}
	}
}

// TestResponseSchemasReject keeps the response schemas from being vacuous.
func TestResponseSchemasReject(t *testing.T) {
	t.Parallel()
	p := postback.New()
	set := compile(t, p)
	tests := []struct {
		giveStatus int
		giveBody   string
	}{
		{http.StatusOK, `{"status":"ok","idempotent":"false"}`},
		{http.StatusOK, `{"status":"queued","idempotent":false}`},
		{http.StatusOK, `{"status":"ok"}`},
		{http.StatusForbidden, `{"error":"signature_invalid"}`},
		{http.StatusForbidden, `{"error":"forbidden","hint":"check canonical order"}`},
		{http.StatusUnauthorized, `{"error":401}`},
		{http.StatusBadRequest, `{"error":"invalid_request","fields":[{"rule":"PB-BODY-1"}]}`},
	}
	for _, tt := range tests {
		if responseOK(t, p, set, tt.giveStatus, []byte(tt.giveBody)) {
			t.Errorf("%d %s: accepted, want rejected", tt.giveStatus, tt.giveBody)
		}
	}
}

// TestAnswers renders the profile's own answers and holds them to the schemas
// and to the seed's §14 bodies.
func TestAnswers(t *testing.T) {
	t.Parallel()
	p := postback.New()
	set := compile(t, p)
	for _, replay := range []bool{false, true} {
		status, body := p.Success(profile.Outcome{Accepted: 1, Replay: replay})
		got, _ := json.Marshal(body)
		file := map[bool]string{false: "ok-first.json", true: "ok-replay.json"}[replay]
		want, err := os.ReadFile(filepath.Join("testdata", "responses", file))
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusOK || !jsonEqual(t, got, want) {
			t.Errorf("replay=%v: got %d %s, want 200 %s", replay, status, got, want)
		}
	}
	sig := p.Violation("PB-SIG-1", profile.InHeader, postback.SignatureHeader, "does not match")
	tests := []struct {
		giveStatus int
		giveVs     []profile.Violation
		wantError  string
		wantHint   bool
	}{
		{http.StatusForbidden, []profile.Violation{sig}, "signature_invalid", true},
		{http.StatusForbidden, nil, "signature_invalid", true},
		{http.StatusUnauthorized, []profile.Violation{p.Violation("PB-AUTH-1", profile.InHeader, "Authorization", "expired")}, "unauthorized", false},
		{http.StatusBadRequest, []profile.Violation{p.Violation("PB-BODY-1", profile.InBody, "click_id", "required field is missing")}, "invalid_request", false},
		{http.StatusTooManyRequests, nil, "rate_limited", false},
	}
	for _, tt := range tests {
		b, err := json.Marshal(p.ErrorBody(tt.giveStatus, tt.giveVs))
		if err != nil {
			t.Fatal(err)
		}
		if !responseOK(t, p, set, tt.giveStatus, b) {
			t.Errorf("%d: %s rejected by its schema", tt.giveStatus, b)
		}
		var got struct {
			Error string  `json:"error"`
			Hint  *string `json:"hint"`
			Rule  string  `json:"rule"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if got.Error != tt.wantError || (got.Hint != nil) != tt.wantHint {
			t.Errorf("%d: got %s, want error %q and hint=%v", tt.giveStatus, b, tt.wantError, tt.wantHint)
		}
		if len(tt.giveVs) > 0 && got.Rule != tt.giveVs[0].Rule {
			t.Errorf("%d: got rule %q, want %q", tt.giveStatus, got.Rule, tt.giveVs[0].Rule)
		}
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	p := postback.New()
	received := now.Add(2 * time.Second)
	tests := []struct {
		name string
		give map[string]any
		want profile.Record
	}{
		{
			name: "seed §14.1",
			give: map[string]any{"event": "deposit_success", "event_id": "dep_9aa", "click_id": "clk_123", "ts_event": "2025-10-21T15:12:31Z"},
			want: profile.Record{Event: "deposit_success", ID: "dep_9aa", FallbackKey: "clk_123|deposit_success",
				EventTime: now, RecordedAt: received},
		},
		{
			name: "+00:00 and lower-case t",
			give: map[string]any{"event": "registration", "event_id": "r1", "click_id": "c1", "ts_event": "2025-10-21t15:12:31.5+00:00"},
			want: profile.Record{Event: "registration", ID: "r1", FallbackKey: "c1|registration",
				EventTime: now.Add(500 * time.Millisecond), RecordedAt: received},
		},
		{
			name: "offset read as the instant it names (lenient mode)",
			give: map[string]any{"event": "registration", "event_id": "r1", "click_id": "c1", "ts_event": "2025-10-21T18:12:31+03:00"},
			want: profile.Record{Event: "registration", ID: "r1", FallbackKey: "c1|registration", EventTime: now, RecordedAt: received},
		},
		{
			name: "leap second: no event time",
			give: map[string]any{"event": "registration", "event_id": "r1", "click_id": "c1", "ts_event": "2016-12-31T23:59:60Z"},
			want: profile.Record{Event: "registration", ID: "r1", FallbackKey: "c1|registration", RecordedAt: received},
		},
		{
			name: "no click_id: no fallback key",
			give: map[string]any{"event": "registration", "event_id": "r1", "ts_event": 7},
			want: profile.Record{Event: "registration", ID: "r1", RecordedAt: received},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &profile.Request{Endpoint: &p.Endpoints[0], Received: received}
			got := p.Describe(tt.give, r, profile.Principal{})
			if !got.EventTime.Equal(tt.want.EventTime) || got.EventTime.Location() != time.UTC {
				t.Errorf("got event time %v, want %v in UTC", got.EventTime, tt.want.EventTime)
			}
			got.EventTime, tt.want.EventTime = time.Time{}, time.Time{}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	// Not an object: an empty record, no panic.
	if got := p.Describe([]any{1}, &profile.Request{Received: received}, profile.Principal{}); got.ID != "" || got.FallbackKey != "" {
		t.Errorf("got %+v, want no keys", got)
	}
}

// TestBodyRules runs single members through the validator: time zones
// (PB-TS-1 is strict-only), dates (PB-BODY-1) and money (PB-BODY-2).
func TestBodyRules(t *testing.T) {
	t.Parallel()
	p := postback.New()
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		giveMember  string
		giveValue   any // nil deletes the member
		wantStrict  []string
		wantLenient bool // lenient rejects
	}{
		{"Z", "ts_event", "2025-10-21T15:12:31Z", nil, false},
		{"lower-case z", "ts_event", "2025-10-21t15:12:31z", nil, false},
		{"+00:00", "ts_event", "2025-10-21T15:12:31+00:00", nil, false},
		{"-00:00 (UTC, local offset unknown)", "ts_event", "2025-10-21T15:12:31-00:00", nil, false},
		{"nanoseconds", "ts_event", "2025-10-21T15:12:31.123456789Z", nil, false},
		{"+03:00", "ts_event", "2025-10-21T18:12:31+03:00", []string{"PB-TS-1"}, false},
		{"-05:30", "ts_event", "2025-10-21T09:42:31-05:30", []string{"PB-TS-1"}, false},
		{"+00:01", "ts_event", "2025-10-21T15:13:31+00:01", []string{"PB-TS-1"}, false},
		{"no zone", "ts_event", "2025-10-21T15:12:31", []string{"PB-BODY-1"}, true},
		{"month 13", "ts_event", "2025-13-21T15:12:31Z", []string{"PB-BODY-1"}, true},
		{"date only", "ts_event", "2025-10-21", []string{"PB-BODY-1"}, true},
		{"Unix milliseconds", "ts_event", json.Number("1761059551000"), []string{"PB-BODY-1"}, true},
		{"integer amount", "amount", json.Number("100"), nil, false},
		{"negative amount", "amount", json.Number("-12.5"), nil, false},
		{"amount \"100,00\"", "amount", "100,00", []string{"PB-BODY-2"}, true},
		{"currency without amount", "amount", nil, nil, false},
		{"amount JSON null", "amount", json.RawMessage("null"), []string{"PB-BODY-2"}, true},
		{"currency EUR", "currency", "EUR", nil, false},
		{"currency BTC", "currency", "BTC", []string{"PB-BODY-2"}, true},
		{"currency empty", "currency", "", []string{"PB-BODY-2"}, true},
		{"no currency", "currency", nil, []string{"PB-BODY-2"}, true},
		{"empty event", "event", "", []string{"PB-BODY-1"}, true},
		{"no event_id", "event_id", nil, []string{"PB-BODY-1"}, true},
		{"object extra member", "device", map[string]any{"os": "android", "model": "A54"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := map[string]any{"event": "deposit_success", "event_id": "dep_1", "click_id": "clk_1",
				"ts_event": "2025-10-21T15:12:31Z", "amount": json.Number("100.00"), "currency": "USD"}
			if tt.giveValue == nil {
				delete(ev, tt.giveMember)
			} else {
				ev[tt.giveMember] = tt.giveValue
			}
			body, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			r := request(http.Header{"Content-Type": {"application/json"}}, body)
			strict := v.Validate(r, profile.Strict, nil, now)
			if got := strict.Rules(); !slices.Equal(got, tt.wantStrict) || strict.Rejected() != (len(tt.wantStrict) > 0) {
				t.Errorf("strict: got %v (rejected=%v), want %v", strict.Violations, strict.Rejected(), tt.wantStrict)
			}
			if lenient := v.Validate(r, profile.Lenient, nil, now); lenient.Rejected() != tt.wantLenient {
				t.Errorf("lenient: got rejected=%v (%v), want %v", lenient.Rejected(), lenient.Violations, tt.wantLenient)
			}
		})
	}
}
