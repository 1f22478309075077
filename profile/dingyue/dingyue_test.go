package dingyue_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/dingyue"
	"github.com/s2s-harness/s2s-harness/schemas"
	"github.com/s2s-harness/s2s-harness/validate"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var received = time.Date(2025, 10, 21, 15, 12, 31, 0, time.UTC)

// sdkHeaders are the headers of the document's cURL example.
func sdkHeaders() http.Header {
	return http.Header{
		"X-Api-Key":    {"dy_test_key_123"},
		"X-User-Id":    {"user_123456"},
		"User-Agent":   {"YourApp/1.0"},
		"X-App-Id":     {"com.example.app"},
		"X-Platform":   {"iOS"},
		"X-Version":    {"1.0.0"},
		"Content-Type": {"application/json"},
	}
}

func without(h http.Header, names ...string) http.Header {
	h = h.Clone()
	for _, n := range names {
		h.Del(n)
	}
	return h
}

func with(h http.Header, name, value string) http.Header {
	h = h.Clone()
	h.Set(name, value)
	return h
}

const validBody = `{"events":[{"name":"app_opened","user":"user_123456","sessionId":"session_abc123","extra":{"source":"push_notification"}}]}`

func decode(t testing.TB, s string) any {
	t.Helper()
	doc, err := strictjson.Decode([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return doc
}

func request(p *profile.Profile, endpoint string, h http.Header, body string) *profile.Request {
	e, _ := p.Endpoint(endpoint)
	return &profile.Request{Endpoint: e, Header: h, Body: []byte(body), Received: received}
}

// found is a violation reduced to what the tests compare.
type found struct {
	Rule, Field, Code string
	Enforce           profile.Enforcement
}

func reduce(vs []profile.Violation) []found {
	out := make([]found, 0, len(vs))
	for _, v := range vs {
		out = append(out, found{v.Rule, v.Field, v.Code, v.Enforce})
	}
	return out
}

func TestCheck(t *testing.T) {
	t.Parallel()
	p := dingyue.New()
	tests := []struct {
		name       string
		giveHeader http.Header
		giveBody   string
		want       []found
	}{
		{name: "cURL example headers", giveHeader: sdkHeaders(), giveBody: validBody},
		{name: "header names in any case", giveBody: validBody, giveHeader: http.Header{
			"x-user-id": {"u"}, "x-app-id": {"a"}, "x-platform": {"android"}, "x-version": {"1"}}},
		{name: "no User-Agent", giveHeader: without(sdkHeaders(), "User-Agent"), giveBody: validBody},
		{name: "no X-USER-ID", giveHeader: without(sdkHeaders(), "X-USER-ID"), giveBody: validBody,
			want: []found{{"DY-HDR-1", "X-USER-ID", "MISSING_REQUIRED_HEADER", profile.StrictOnly}}},
		{name: "blank X-VERSION", giveHeader: with(sdkHeaders(), "X-VERSION", " "), giveBody: validBody,
			want: []found{{"DY-HDR-1", "X-VERSION", "MISSING_REQUIRED_HEADER", profile.StrictOnly}}},
		{name: "no headers at all", giveHeader: http.Header{}, giveBody: validBody, want: []found{
			{"DY-HDR-1", "X-USER-ID", "MISSING_REQUIRED_HEADER", profile.StrictOnly},
			{"DY-HDR-1", "X-APP-ID", "MISSING_REQUIRED_HEADER", profile.StrictOnly},
			{"DY-HDR-1", "X-PLATFORM", "MISSING_REQUIRED_HEADER", profile.StrictOnly},
			{"DY-HDR-1", "X-VERSION", "MISSING_REQUIRED_HEADER", profile.StrictOnly},
		}},
		{name: "X-PLATFORM ios", giveHeader: with(sdkHeaders(), "X-PLATFORM", "ios"), giveBody: validBody},
		{name: "X-PLATFORM ANDROID", giveHeader: with(sdkHeaders(), "X-PLATFORM", "ANDROID"), giveBody: validBody},
		{name: "X-PLATFORM Web", giveHeader: with(sdkHeaders(), "X-PLATFORM", "Web"), giveBody: validBody,
			want: []found{{"DY-HDR-2", "X-PLATFORM", "INVALID_PARAMETER", profile.StrictOnly}}},
		{name: "X-PLATFORM iPadOS", giveHeader: with(sdkHeaders(), "X-PLATFORM", "iPadOS"), giveBody: validBody,
			want: []found{{"DY-HDR-2", "X-PLATFORM", "INVALID_PARAMETER", profile.StrictOnly}}},
		{name: "names off the convention, by index", giveHeader: sdkHeaders(),
			giveBody: `{"events":[{"name":"app_opened"},{"name":"AppOpened"},{"name":"screen-view"},{"name":"purchaseCompleted"}]}`,
			want: []found{
				{"DY-NAME-1", "events[1].name", "", profile.Advisory},
				{"DY-NAME-1", "events[2].name", "", profile.Advisory},
				{"DY-NAME-1", "events[3].name", "", profile.Advisory},
			}},
		{name: "names the schema rejects are not linted", giveHeader: sdkHeaders(),
			giveBody: `{"events":[{"name":""},{"name":12},{},"x",null]}`},
		{name: "body of the wrong shape", giveHeader: sdkHeaders(), giveBody: `[{"name":"AppOpened"}]`},
		{name: "events not an array", giveHeader: sdkHeaders(), giveBody: `{"events":{"name":"AppOpened"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, mode := range []profile.Mode{profile.Strict, profile.Lenient} {
				got := reduce(p.Check(decode(t, tt.giveBody), request(p, "events", tt.giveHeader, tt.giveBody), mode))
				if !slices.Equal(got, tt.want) {
					t.Errorf("%s: got %v, want %v", mode, got, tt.want)
				}
			}
		})
	}
}

func TestCheckWithoutEndpoint(t *testing.T) {
	t.Parallel()
	p := dingyue.New()
	body := `{"events":[{"name":"ok"},{"name":"NotOk"}]}`
	got := reduce(p.Check(decode(t, body), &profile.Request{Header: sdkHeaders()}, profile.Strict))
	want := []found{{"DY-NAME-1", "events[1].name", "", profile.Advisory}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestValidate runs whole requests through the validator: the rule, the place,
// the documented code and whether each mode rejects.
func TestValidate(t *testing.T) {
	t.Parallel()
	p := dingyue.New()
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	ev := func(name, user, session string) string {
		return `{"name":"` + name + `","user":"` + user + `","sessionId":"` + session + `"}`
	}
	tests := []struct {
		name            string
		giveEndpoint    string
		giveHeader      http.Header
		giveBody        string
		want            []found
		wantStatus      int
		wantLenientPass bool
	}{
		{name: "valid v1", giveEndpoint: "events", giveHeader: sdkHeaders(), giveBody: validBody, wantLenientPass: true},
		{name: "valid v2", giveEndpoint: "events-v2", giveHeader: sdkHeaders(), giveBody: validBody, wantLenientPass: true},
		{name: "third event without name", giveEndpoint: "events", giveHeader: sdkHeaders(),
			giveBody: `{"events":[` + ev("a", "u", "s") + `,` + ev("b", "u", "s") + `,{"user":"u","sessionId":"s"}]}`,
			want:     []found{{"DY-BODY-2", "events[2].name", "EVENT_NAME_REQUIRED", profile.Always}}, wantStatus: 400},
		{name: "empty user and sessionId on v2", giveEndpoint: "events-v2", giveHeader: sdkHeaders(),
			giveBody: `{"events":[` + ev("a", "", "") + `]}`,
			want: []found{
				{"DY-BODY-2", "events[0].sessionId", "SESSION_ID_REQUIRED", profile.Always},
				{"DY-BODY-2", "events[0].user", "USER_REQUIRED", profile.Always},
			}, wantStatus: 400},
		{name: "name of the wrong type", giveEndpoint: "events", giveHeader: sdkHeaders(),
			giveBody: `{"events":[{"name":7,"user":"u","sessionId":"s"}]}`,
			want:     []found{{"DY-BODY-2", "events[0].name", "EVENT_NAME_REQUIRED", profile.Always}}, wantStatus: 400},
		{name: "extra a string", giveEndpoint: "events", giveHeader: sdkHeaders(),
			giveBody: `{"events":[{"name":"a","user":"u","sessionId":"s","extra":"x"}]}`,
			want:     []found{{"DY-BODY-2", "events[0].extra", "INVALID_PARAMETER", profile.Always}}, wantStatus: 400},
		{name: "empty events", giveEndpoint: "events", giveHeader: sdkHeaders(), giveBody: `{"events":[]}`,
			want: []found{{"DY-BODY-1", "events", "INVALID_PARAMETER", profile.Always}}, wantStatus: 400},
		{name: "not JSON", giveEndpoint: "events", giveHeader: sdkHeaders(), giveBody: `{"events":[}`,
			want: []found{{"DY-BODY-1", "", "INVALID_PARAMETER", profile.Always}}, wantStatus: 400},
		{name: "missing header and bad body: the body decides the status", giveEndpoint: "events",
			giveHeader: without(sdkHeaders(), "X-APP-ID"), giveBody: `{"events":[{"name":"AppOpened","user":"u"}]}`,
			want: []found{
				{"DY-BODY-2", "events[0].sessionId", "SESSION_ID_REQUIRED", profile.Always},
				{"DY-HDR-1", "X-APP-ID", "MISSING_REQUIRED_HEADER", profile.StrictOnly},
				{"DY-NAME-1", "events[0].name", "", profile.Advisory},
			}, wantStatus: 400},
		{name: "missing header only: lenient accepts", giveEndpoint: "events",
			giveHeader: without(sdkHeaders(), "X-PLATFORM"), giveBody: validBody,
			want:       []found{{"DY-HDR-1", "X-PLATFORM", "MISSING_REQUIRED_HEADER", profile.StrictOnly}},
			wantStatus: 400, wantLenientPass: true},
		{name: "advisory name only: both accept", giveEndpoint: "events", giveHeader: sdkHeaders(),
			giveBody:        `{"events":[` + ev("screen-view", "u", "s") + `]}`,
			want:            []found{{"DY-NAME-1", "events[0].name", "", profile.Advisory}},
			wantLenientPass: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(p, tt.giveEndpoint, tt.giveHeader, tt.giveBody)
			strict := v.Validate(r, profile.Strict, nil, received)
			if got := reduce(strict.Violations); !slices.Equal(got, tt.want) {
				t.Errorf("strict: got %v, want %v", got, tt.want)
			}
			if got := strict.Status(); got != tt.wantStatus {
				t.Errorf("strict: got status %d, want %d", got, tt.wantStatus)
			}
			lenient := v.Validate(r, profile.Lenient, nil, received)
			if got := !lenient.Rejected(); got != tt.wantLenientPass {
				t.Errorf("lenient: got accepted=%v, want %v: %v", got, tt.wantLenientPass, lenient.Violations)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	p := dingyue.New()
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		giveHeader http.Header
		wantStatus int
		wantCode   string
	}{
		{name: "test key", giveHeader: sdkHeaders()},
		{name: "second test key", giveHeader: with(sdkHeaders(), "X-API-KEY", "dy_test_key_456")},
		{name: "header name in lower case", giveHeader: func() http.Header {
			h := without(sdkHeaders(), "X-API-KEY")
			h["x-api-key"] = []string{"dy_test_key_123"}
			return h
		}()},
		{name: "no key", giveHeader: without(sdkHeaders(), "X-API-KEY"), wantStatus: 401, wantCode: "INVALID_API_KEY"},
		{name: "unknown key", giveHeader: with(sdkHeaders(), "X-API-KEY", "YOUR_API_KEY"), wantStatus: 401, wantCode: "INVALID_API_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := v.Validate(request(p, "events", tt.giveHeader, validBody), profile.Strict, &p.Defaults, received)
			if got := res.Status(); got != tt.wantStatus {
				t.Fatalf("got status %d, want %d: %v", got, tt.wantStatus, res.Violations)
			}
			if tt.wantStatus == 0 {
				return
			}
			if got := res.Violations[0]; got.Rule != "DY-AUTH-1" || got.Code != tt.wantCode {
				t.Errorf("got %s code %q, want DY-AUTH-1 code %q", got.Rule, got.Code, tt.wantCode)
			}
		})
	}
}

func TestSnakeCase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give string
		want bool
	}{
		{"app_opened", true},
		{"purchase_completed", true},
		{"screen_view", true},
		{"level_2_completed", true},
		{"x", true},
		{"AppOpened", false},
		{"purchaseCompleted", false},
		{"screen-view", false},
		{"app opened", false},
		{"_app_opened", false},
		{"app_opened_", false},
		{"app__opened", false},
		{"2nd_deposit", false},
		{"app.opened", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := dingyue.SnakeCase(tt.give); got != tt.want {
			t.Errorf("SnakeCase(%q): got %v, want %v", tt.give, got, tt.want)
		}
	}
}

func TestPlatform(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give string
		want bool
	}{
		{"iOS", true}, {"ios", true}, {"IOS", true}, {"Android", true}, {"android", true}, {" Android ", true},
		{"Web", false}, {"iPadOS", false}, {"", false}, {"iOS/Android", false},
	}
	for _, tt := range tests {
		if got := dingyue.Platform(tt.give); got != tt.want {
			t.Errorf("Platform(%q): got %v, want %v", tt.give, got, tt.want)
		}
	}
}

func TestRenderError(t *testing.T) {
	t.Parallel()
	p := dingyue.New()
	viol := func(rule, field, code string, reject bool) profile.Violation {
		v := p.Violation(rule, profile.InBody, field, "broken")
		if code != "" {
			v.Code = code
		}
		v.Reject = reject
		return v
	}
	tests := []struct {
		name        string
		giveStatus  int
		give        []profile.Violation
		wantCode    string
		wantRule    string
		wantMessage string
	}{
		{name: "field code", giveStatus: 400,
			give:     []profile.Violation{viol("DY-BODY-2", "events[0].name", "EVENT_NAME_REQUIRED", true)},
			wantCode: "EVENT_NAME_REQUIRED", wantRule: "DY-BODY-2",
			wantMessage: "Event name is required: events[0].name: broken (DY-BODY-2)"},
		{name: "the first rejecting violation decides", giveStatus: 400,
			give: []profile.Violation{viol("DY-NAME-1", "events[0].name", "", false),
				viol("DY-HDR-1", "X-USER-ID", "", true), viol("DY-BODY-2", "events[1].user", "USER_REQUIRED", true)},
			wantCode: "MISSING_REQUIRED_HEADER", wantRule: "DY-HDR-1",
			wantMessage: "Missing required header: X-USER-ID: broken (DY-HDR-1); and 2 more"},
		{name: "auth", giveStatus: 401, give: []profile.Violation{viol("DY-AUTH-1", "X-API-KEY", "", true)},
			wantCode: "INVALID_API_KEY", wantRule: "DY-AUTH-1",
			wantMessage: "Invalid API key: X-API-KEY: broken (DY-AUTH-1)"},
		{name: "no violation, documented status", giveStatus: 401, wantCode: "INVALID_API_KEY", wantMessage: "Invalid API key"},
		{name: "no violation, undocumented status", giveStatus: 500, wantCode: "INTERNAL_SERVER_ERROR",
			wantMessage: "Internal Server Error"},
		{name: "violation without a code", giveStatus: 400,
			give:     []profile.Violation{{Rule: "DY-X", In: profile.InBody, Message: "m", Reject: true}},
			wantCode: "INVALID_PARAMETER", wantRule: "DY-X", wantMessage: "Invalid parameter: m (DY-X)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := p.ErrorBody(tt.giveStatus, tt.give).(dingyue.ErrorBody)
			if !ok {
				t.Fatalf("got %T, want dingyue.ErrorBody", p.ErrorBody(tt.giveStatus, tt.give))
			}
			if got.Status != "error" || got.Code != tt.wantCode || got.Rule != tt.wantRule || got.Message != tt.wantMessage {
				t.Errorf("got status %q code %q rule %q message %q, want error %q %q %q",
					got.Status, got.Code, got.Rule, got.Message, tt.wantCode, tt.wantRule, tt.wantMessage)
			}
			if len(got.Fields) != len(tt.give) {
				t.Errorf("got %d fields, want every violation (%d)", len(got.Fields), len(tt.give))
			}
		})
	}
}

func TestSuccess(t *testing.T) {
	t.Parallel()
	status, body := dingyue.New().Success(profile.Outcome{Accepted: 3, Seq: 1})
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"status":"success","message":"Events reported successfully"}`
	if status != http.StatusOK || string(b) != want {
		t.Errorf("got %d %s, want 200 %s", status, b, want)
	}
}

func compile(t *testing.T) *schemas.Set {
	t.Helper()
	set, err := schemas.Compile(dingyue.New())
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func holds(t *testing.T, set *schemas.Set, file string, data []byte) error {
	t.Helper()
	sch, ok := set.Schema(file)
	if !ok {
		t.Fatalf("no schema %s", file)
	}
	return sch.Validate(decode(t, string(data)))
}

// TestResponseExamples holds the document's response examples to the response
// schemas the endpoints declare.
func TestResponseExamples(t *testing.T) {
	t.Parallel()
	set := compile(t)
	p := dingyue.New()
	e, _ := p.Endpoint("events")
	tests := []struct {
		giveFile   string
		giveStatus int
	}{
		{"success.response.json", http.StatusOK},
		{"error.response.json", http.StatusBadRequest},
		{"error.response.json", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join("testdata", tt.giveFile))
		if err != nil {
			t.Fatal(err)
		}
		if err := holds(t, set, e.Responses[tt.giveStatus], data); err != nil {
			t.Errorf("%s as %d: %v", tt.giveFile, tt.giveStatus, err)
		}
	}
}

// TestResponseSchemasReject makes sure the response schemas can fail.
func TestResponseSchemasReject(t *testing.T) {
	t.Parallel()
	set := compile(t)
	tests := []struct {
		giveFile string
		giveBody string
	}{
		{"error.response.schema.json", `{"status":"error","code":"invalid_request","message":"m"}`},
		{"error.response.schema.json", `{"status":"error","message":"m"}`},
		{"error.response.schema.json", `{"status":"success","code":"INVALID_PARAMETER","message":"m"}`},
		{"success.response.schema.json", `{"status":"queued","message":"Events reported successfully"}`},
		{"success.response.schema.json", `{"status":"success"}`},
	}
	for _, tt := range tests {
		if err := holds(t, set, tt.giveFile, []byte(tt.giveBody)); err == nil {
			t.Errorf("%s accepted %s", tt.giveFile, tt.giveBody)
		}
	}
}

// TestRenderedAnswers renders the answer to every variant and to valid traffic,
// and holds each to the response schema of its status.
func TestRenderedAnswers(t *testing.T) {
	t.Parallel()
	p := dingyue.New()
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	variants, err := fixtures.Variants(p, v.Schemas(), fixtures.Options{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, vr := range variants {
		r, err := fixtures.Request(p, vr.Payload, received)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("X-API-KEY", p.Defaults.APIKeys[0])
		e := r.Endpoint
		res := v.Validate(r, profile.Strict, &p.Defaults, received)
		status, body := http.StatusOK, any(nil)
		if res.Rejected() {
			status, body = res.Status(), p.ErrorBody(res.Status(), res.Violations)
		} else {
			status, body = p.Success(profile.Outcome{Accepted: len(res.Items)})
		}
		file, ok := e.Responses[status]
		if !ok {
			t.Errorf("%s: status %d has no response schema", vr.Name, status)
			continue
		}
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		if err := holds(t, v.Schemas(), file, b); err != nil {
			t.Errorf("%s: answer %s breaks %s: %v", vr.Name, b, file, err)
		}
		if status != http.StatusOK {
			var got struct{ Code string }
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if vr.Code != "" && got.Code != vr.Code {
				t.Errorf("%s: answered code %q, want %q", vr.Name, got.Code, vr.Code)
			}
		}
	}
}

// TestErrorGolden pins the whole answer to one request the document's users
// get wrong in several ways. Regenerate with -update.
func TestErrorGolden(t *testing.T) {
	t.Parallel()
	p := dingyue.New()
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"events":[{"name":"app_opened","user":"user_123456","sessionId":"session_abc123"},` +
		`{"name":"AppOpened","user":"user_123456","extra":["source"]}]}`
	res := v.Validate(request(p, "events-v2", without(sdkHeaders(), "X-VERSION"), body), profile.Strict, &p.Defaults, received)
	got, err := json.MarshalIndent(p.ErrorBody(res.Status(), res.Violations), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "error-rendered.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	p := dingyue.New()
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 11, BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	platforms := map[string]int{}
	for range 200 {
		pl := gen.Next()
		h := http.Header{}
		for k, v := range pl.Header {
			h.Set(k, v)
		}
		user, _ := profile.Get(pl.Body, "events[0].user")
		if got := h.Get("X-USER-ID"); got != user {
			t.Fatalf("got X-USER-ID %q, want the first event's user %v", got, user)
		}
		platform := h.Get("X-PLATFORM")
		platforms[platform]++
		if ua := h.Get("User-Agent"); !strings.Contains(ua, map[string]string{"iOS": "iOS ", "Android": "Android "}[platform]) {
			t.Errorf("User-Agent %q does not match X-PLATFORM %q", ua, platform)
		}
		for _, name := range []string{"X-APP-ID", "X-VERSION"} {
			if h.Get(name) == "" {
				t.Errorf("no %s header", name)
			}
		}
	}
	if platforms["iOS"] == 0 || platforms["Android"] == 0 || len(platforms) != 2 {
		t.Errorf("got platforms %v, want a mix of iOS and Android only", platforms)
	}
}

func TestEventMix(t *testing.T) {
	t.Parallel()
	p := dingyue.New()
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for range 3000 {
		et, item := gen.Item()
		seen[et.Name]++
		if name, _ := item["name"].(string); name != et.Name {
			t.Fatalf("event type %s generated name %q", et.Name, name)
		}
		if !dingyue.SnakeCase(et.Name) {
			t.Errorf("catalogue name %q is not snake_case", et.Name)
		}
	}
	for _, et := range p.Events {
		if seen[et.Name] == 0 {
			t.Errorf("%s never generated in 3000 events", et.Name)
		}
	}
	if seen["screen_view"] <= seen["purchase_completed"] {
		t.Errorf("got %d screen views and %d purchases, want views to dominate", seen["screen_view"], seen["purchase_completed"])
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	p := dingyue.New()
	item := decode(t, `{"name":"purchase_completed","user":"u","sessionId":"s"}`)
	got := p.Describe(item, &profile.Request{Received: received}, profile.Principal{})
	want := profile.Record{Event: "purchase_completed", RecordedAt: received}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestCatalogue checks the catalogue against SPECS.md's levels and codes.
func TestCatalogue(t *testing.T) {
	t.Parallel()
	p := dingyue.New()
	if p.Seed != "002_4c04d6b68939c366.txt" {
		t.Errorf("seed %q", p.Seed)
	}
	tests := []struct {
		id          string
		wantLevel   profile.Level
		wantEnforce profile.Enforcement
		wantStatus  int
		wantCode    string
	}{
		{"DY-AUTH-1", profile.Must, profile.Always, 401, "INVALID_API_KEY"},
		{"DY-HDR-1", profile.Ambiguous, profile.StrictOnly, 400, "MISSING_REQUIRED_HEADER"},
		{"DY-HDR-2", profile.Should, profile.StrictOnly, 400, "INVALID_PARAMETER"},
		{"DY-BODY-1", profile.Must, profile.Always, 400, "INVALID_PARAMETER"},
		{"DY-BODY-2", profile.Must, profile.Always, 400, "INVALID_PARAMETER"},
		{"DY-RESP-1", profile.Must, profile.Always, 0, ""},
		{"DY-V2-1", profile.Must, profile.Always, 0, ""},
		{"DY-NAME-1", profile.Should, profile.Advisory, 0, ""},
		{"DY-BATCH-1", profile.Decision, profile.Always, 400, "INVALID_PARAMETER"},
	}
	if len(p.Rules) != len(tests) {
		t.Errorf("got %d rules, want %d", len(p.Rules), len(tests))
	}
	for _, tt := range tests {
		r, ok := p.Rule(tt.id)
		if !ok {
			t.Errorf("%s missing", tt.id)
			continue
		}
		if r.Level != tt.wantLevel || r.Enforce != tt.wantEnforce || r.Status != tt.wantStatus || r.Code != tt.wantCode {
			t.Errorf("%s: got %s %s %d %q, want %s %s %d %q", tt.id, r.Level, r.Enforce, r.Status, r.Code,
				tt.wantLevel, tt.wantEnforce, tt.wantStatus, tt.wantCode)
		}
		if r.Text == "" || r.Area == "" {
			t.Errorf("%s: area %q, text %q", tt.id, r.Area, r.Text)
		}
	}
}

// FuzzCheck feeds arbitrary bodies and X-PLATFORM values to the validator and
// the profile's check: no panic, and every violation is catalogued.
func FuzzCheck(f *testing.F) {
	p := dingyue.New()
	v, err := validate.New(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(validBody), "iOS")
	f.Add([]byte(`{"events":[{"name":"AppOpened"},1,null,[]]}`), "web")
	f.Add([]byte(`[]`), "")
	f.Add([]byte(`{"events":{}}`), "Android")
	f.Fuzz(func(t *testing.T, body []byte, platform string) {
		h := with(sdkHeaders(), "X-PLATFORM", platform)
		for _, e := range []string{"events", "events-v2"} {
			res := v.Validate(request(p, e, h, string(body)), profile.Strict, &p.Defaults, received)
			for _, vi := range res.Violations {
				if _, ok := p.Rule(vi.Rule); !ok {
					t.Fatalf("violation of an uncatalogued rule: %v", vi)
				}
			}
			if res.Rejected() {
				b, err := json.Marshal(p.ErrorBody(res.Status(), res.Violations))
				if err != nil || !json.Valid(b) {
					t.Fatalf("error answer does not render: %v", err)
				}
			}
		}
	})
}
