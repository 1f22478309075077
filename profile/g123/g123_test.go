package g123_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/g123"
	"github.com/s2s-harness/s2s-harness/schemas"
	"github.com/s2s-harness/s2s-harness/validate"
)

func decode(t testing.TB, s string) any {
	t.Helper()
	doc, err := strictjson.Decode([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return doc
}

func canonical(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	const role = `"role":{"id":"1"}`
	tests := []struct {
		name      string
		give      string
		want      string // the normalised document
		wantRules []string
		wantField []string
	}{
		{name: "not an object", give: `[1,2]`, want: `[1,2]`},
		{name: "strict shape is unchanged",
			give: `{"server_id":"s1","data":{` + role + `,"custom":{"physical_server":"h|1.2.3.4"}}}`,
			want: `{"data":{"custom":{"physical_server":"h|1.2.3.4"},"role":{"id":"1"}},"server_id":"s1"}`},
		{name: "game_server_id becomes server_id",
			give: `{"game_server_id":"s73"}`, want: `{"server_id":"s73"}`,
			wantRules: []string{"G1-AMB-1"}, wantField: []string{"game_server_id"}},
		{name: "game_server_id replaces an empty server_id",
			give: `{"server_id":"","game_server_id":"s73"}`, want: `{"server_id":"s73"}`,
			wantRules: []string{"G1-AMB-1"}, wantField: []string{"game_server_id"}},
		{name: "game_server_id beside server_id is an extra member",
			give: `{"server_id":"s1","game_server_id":"s73"}`, want: `{"game_server_id":"s73","server_id":"s1"}`},
		{name: "a wrongly typed alias is renamed for the schema to judge",
			give: `{"game_server_id":73}`, want: `{"server_id":73}`,
			wantRules: []string{"G1-AMB-1"}, wantField: []string{"game_server_id"}},
		{name: "top-level physical_server is copied into data.custom",
			give:      `{"data":{"custom":{"reg_server_id":"1"}},"custom":{"device_id":"","physical_server":"h|1.2.3.4"}}`,
			want:      `{"custom":{"device_id":"","physical_server":"h|1.2.3.4"},"data":{"custom":{"physical_server":"h|1.2.3.4","reg_server_id":"1"}}}`,
			wantRules: []string{"G1-AMB-2"}, wantField: []string{"custom.physical_server"}},
		{name: "top-level physical_server fills an empty data.custom.physical_server",
			give:      `{"data":{"custom":{"physical_server":""}},"custom":{"physical_server":"h|1.2.3.4"}}`,
			want:      `{"custom":{"physical_server":"h|1.2.3.4"},"data":{"custom":{"physical_server":"h|1.2.3.4"}}}`,
			wantRules: []string{"G1-AMB-2"}, wantField: []string{"custom.physical_server"}},
		{name: "data.custom.physical_server wins over the top-level one",
			give: `{"data":{"custom":{"physical_server":"a|1.1.1.1"}},"custom":{"physical_server":"b|2.2.2.2"}}`,
			want: `{"custom":{"physical_server":"b|2.2.2.2"},"data":{"custom":{"physical_server":"a|1.1.1.1"}}}`},
		{name: "no data.custom: nothing to copy into, the schema reports it",
			give: `{"data":{},"custom":{"physical_server":"h|1.2.3.4"}}`,
			want: `{"custom":{"physical_server":"h|1.2.3.4"},"data":{}}`},
		{name: "data is not an object",
			give: `{"data":"x","custom":{"physical_server":"h|1.2.3.4"}}`,
			want: `{"custom":{"physical_server":"h|1.2.3.4"},"data":"x"}`},
		{name: "top-level custom is not an object",
			give: `{"data":{"custom":{}},"custom":"h|1.2.3.4"}`,
			want: `{"custom":"h|1.2.3.4","data":{"custom":{}}}`},
		{name: "both aliases, as in the document's example",
			give:      `{"game_server_id":"s73","data":{"custom":{"reg_server_id":"1"}},"custom":{"physical_server":"h|1.2.3.4"}}`,
			want:      `{"custom":{"physical_server":"h|1.2.3.4"},"data":{"custom":{"physical_server":"h|1.2.3.4","reg_server_id":"1"}},"server_id":"s73"}`,
			wantRules: []string{"G1-AMB-1", "G1-AMB-2"}, wantField: []string{"game_server_id", "custom.physical_server"}},
	}
	p := g123.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, mode := range []profile.Mode{profile.Strict, profile.Lenient} {
				doc := decode(t, tt.give)
				before := canonical(t, doc)
				got, vs := p.Normalize(doc, &profile.Request{}, mode)
				if c := canonical(t, got); c != tt.want {
					t.Errorf("%s: got %s, want %s", mode, c, tt.want)
				}
				if after := canonical(t, doc); after != before {
					t.Errorf("%s: input changed from %s to %s", mode, before, after)
				}
				var rules, fields []string
				for _, v := range vs {
					rules = append(rules, v.Rule)
					fields = append(fields, v.Field)
					if v.Enforce != profile.StrictOnly || v.Level != profile.Ambiguous || v.Status != http.StatusBadRequest || v.In != profile.InBody {
						t.Errorf("%s: got %+v, want a strict-only AMBIGUOUS 400 body violation", mode, v)
					}
				}
				if !slices.Equal(rules, tt.wantRules) || !slices.Equal(fields, tt.wantField) {
					t.Errorf("%s: got rules %v fields %v, want %v %v", mode, rules, fields, tt.wantRules, tt.wantField)
				}
			}
		})
	}
}

// validBody is the document's example in the shape of its tables.
const validBody = `{"uid":"123","server_id":"s73","ctwid":"GIL6T4C0","timestamp":1605076260715,"level":10,
"data":{"game_user_id":"1234567","role":{"id":"3444382","exp":"1"},"custom":{"reg_server_id":"1","physical_server":"gs73.example.jp|203.0.113.7"}}}`

// TestValidate runs bodies through the validator: the aliases are one
// strict-only rule each, never also a G1-BODY-1.
func TestValidate(t *testing.T) {
	t.Parallel()
	example := strings.NewReplacer(`"server_id"`, `"game_server_id"`,
		`,"physical_server":"gs73.example.jp|203.0.113.7"}}}`, `}},"custom":{"device_id":"","physical_server":"gs73.example.jp|203.0.113.7"}}`).
		Replace(validBody)
	tests := []struct {
		name         string
		give         string
		giveMode     profile.Mode
		wantRules    []string
		wantFields   []string
		wantRejected bool
	}{
		{name: "valid", give: validBody, giveMode: profile.Strict},
		{name: "example shape, strict", give: example, giveMode: profile.Strict,
			wantRules: []string{"G1-AMB-1", "G1-AMB-2"}, wantFields: []string{"game_server_id", "custom.physical_server"}, wantRejected: true},
		{name: "example shape, lenient", give: example, giveMode: profile.Lenient,
			wantRules: []string{"G1-AMB-1", "G1-AMB-2"}, wantFields: []string{"game_server_id", "custom.physical_server"}},
		{name: "seconds", give: strings.Replace(validBody, "1605076260715", "1605076260", 1), giveMode: profile.Lenient,
			wantRules: []string{"G1-BODY-1"}, wantFields: []string{"timestamp"}, wantRejected: true},
		{name: "level as a string", give: strings.Replace(validBody, `"level":10`, `"level":"10"`, 1), giveMode: profile.Lenient,
			wantRules: []string{"G1-BODY-1"}, wantFields: []string{"level"}, wantRejected: true},
		{name: "no physical_server anywhere", give: strings.Replace(validBody, `,"physical_server":"gs73.example.jp|203.0.113.7"`, "", 1),
			giveMode: profile.Lenient, wantRules: []string{"G1-BODY-1"}, wantFields: []string{"data.custom.physical_server"}, wantRejected: true},
		{name: "empty role", give: strings.Replace(validBody, `{"id":"3444382","exp":"1"}`, `{}`, 1), giveMode: profile.Strict,
			wantRules: []string{"G1-BODY-1"}, wantFields: []string{"data.role"}, wantRejected: true},
		{name: "comment", give: strings.Replace(validBody, `"1"}`, `"1" // reg}`, 1), giveMode: profile.Lenient,
			wantRules: []string{"G1-JSON-1"}, wantFields: []string{""}, wantRejected: true},
	}
	p := g123.New()
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := p.Endpoint("level_up")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &profile.Request{Endpoint: e, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(tt.give)}
			res := v.Body(r, tt.giveMode)
			var fields []string
			for _, x := range res.Violations {
				fields = append(fields, x.Field)
			}
			if got := res.Rules(); !slices.Equal(got, tt.wantRules) || !slices.Equal(fields, tt.wantFields) {
				t.Errorf("got rules %v fields %v, want %v %v: %v", got, fields, tt.wantRules, tt.wantFields, res.Violations)
			}
			if res.Rejected() != tt.wantRejected {
				t.Errorf("got rejected=%v, want %v", res.Rejected(), tt.wantRejected)
			}
			if tt.wantRejected && res.Status() != http.StatusBadRequest {
				t.Errorf("got status %d, want 400", res.Status())
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	received := time.Date(2020, 11, 11, 7, 53, 51, 0, time.UTC)
	tests := []struct {
		name          string
		give          string
		wantEventTime time.Time
	}{
		{name: "milliseconds", give: `{"timestamp":1605076260715}`, wantEventTime: time.UnixMilli(1605076260715).UTC()},
		{name: "no timestamp", give: `{}`},
		{name: "timestamp as a string", give: `{"timestamp":"1605076260715"}`},
		{name: "fractional timestamp", give: `{"timestamp":1605076260715.5}`},
		{name: "not an object", give: `[]`},
	}
	p := g123.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Describe(decode(t, tt.give), &profile.Request{Received: received}, profile.Principal{App: "g123_test_app"})
			want := profile.Record{Event: "level_up", EventTime: tt.wantEventTime, RecordedAt: received}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestSuccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give     profile.Outcome
		wantBody string
	}{
		{give: profile.Outcome{Accepted: 1, Seq: 1, Token: "fdda6c9f-5745-4adc-9541-c3827d654dfa"},
			wantBody: `{"action":"game_event_created","id":"1","token":"fdda6c9f-5745-4adc-9541-c3827d654dfa"}`},
		{give: profile.Outcome{Accepted: 1, Seq: 18446744073709551615, Token: "0b6f5a52-3c1e-4d7e-8a4f-2b9c1d0e7f60"},
			wantBody: `{"action":"game_event_created","id":"18446744073709551615","token":"0b6f5a52-3c1e-4d7e-8a4f-2b9c1d0e7f60"}`},
	}
	p := g123.New()
	set := compile(t, p)
	for _, tt := range tests {
		status, body := p.Success(tt.give)
		if status != http.StatusOK {
			t.Errorf("seq %d: got status %d, want 200", tt.give.Seq, status)
		}
		if got := canonical(t, body); got != tt.wantBody {
			t.Errorf("seq %d: got %s, want %s", tt.give.Seq, got, tt.wantBody)
		}
		if vs := validateResponse(t, set, http.StatusOK, tt.wantBody); len(vs) > 0 {
			t.Errorf("seq %d: the answer breaks its own schema: %v", tt.give.Seq, vs)
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

func validateResponse(t *testing.T, set *schemas.Set, status int, body string) []profile.Violation {
	t.Helper()
	e, _ := g123.New().Endpoint("level_up")
	vs, err := set.Validate(e.Responses[status], decode(t, body))
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestDocumentResponse holds the 200 schema to the document's own OUTPUT.
func TestDocumentResponse(t *testing.T) {
	t.Parallel()
	sample, err := os.ReadFile("testdata/created.response.json")
	if err != nil {
		t.Fatal(err)
	}
	set := compile(t, g123.New())
	if vs := validateResponse(t, set, http.StatusOK, string(sample)); len(vs) > 0 {
		t.Errorf("the document's sample answer is rejected: %v", vs)
	}
}

func TestResponseSchema(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		giveStatus int
		give       string
		wantFields []string // fields breaking G1-RESP-1; none when valid
	}{
		{name: "extra member (the format may change)", giveStatus: 200,
			give: `{"action":"game_event_created","id":"7","token":"fdda6c9f-5745-4adc-9541-c3827d654dfa","expires_in":600}`},
		{name: "no token", giveStatus: 200, give: `{"action":"game_event_created","id":"7"}`, wantFields: []string{"token"}},
		{name: "token not a UUID", giveStatus: 200,
			give: `{"action":"game_event_created","id":"7","token":"not-a-uuid"}`, wantFields: []string{"token"}},
		{name: "id as a number", giveStatus: 200,
			give: `{"action":"game_event_created","id":7,"token":"fdda6c9f-5745-4adc-9541-c3827d654dfa"}`, wantFields: []string{"id"}},
		{name: "id not decimal", giveStatus: 200,
			give: `{"action":"game_event_created","id":"ev-7","token":"fdda6c9f-5745-4adc-9541-c3827d654dfa"}`, wantFields: []string{"id"}},
		{name: "other action", giveStatus: 200,
			give: `{"action":"created","id":"7","token":"fdda6c9f-5745-4adc-9541-c3827d654dfa"}`, wantFields: []string{"action"}},
		{name: "default error", giveStatus: 401,
			give: `{"error":"unauthorized","message":"Authorization: unknown appId (G1-AUTH-1)","rule":"G1-AUTH-1"}`},
		{name: "error without message", giveStatus: 400, give: `{"error":"invalid_request"}`, wantFields: []string{"message"}},
	}
	set := compile(t, g123.New())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fields []string
			for _, v := range validateResponse(t, set, tt.giveStatus, tt.give) {
				if v.Rule != "G1-RESP-1" {
					t.Errorf("got rule %s, want G1-RESP-1: %v", v.Rule, v)
				}
				fields = append(fields, v.Field)
			}
			if !slices.Equal(fields, tt.wantFields) {
				t.Errorf("got fields %v, want %v", fields, tt.wantFields)
			}
		})
	}
}

// TestDefaultErrorMatchesSchema renders rejections with the harness's error
// shape and holds them to the error schema of every error status.
func TestDefaultErrorMatchesSchema(t *testing.T) {
	t.Parallel()
	p := g123.New()
	set := compile(t, p)
	e, _ := p.Endpoint("level_up")
	for status := range e.Responses {
		if status == http.StatusOK {
			continue
		}
		vs := []profile.Violation{p.Violation("G1-BODY-1", profile.InBody, "data.custom.physical_server", "required field is missing")}
		body := canonical(t, p.ErrorBody(status, vs))
		if got := validateResponse(t, set, status, body); len(got) > 0 {
			t.Errorf("status %d: %s breaks the error schema: %v", status, body, got)
		}
	}
}

// TestCredentials checks the default app signs requests its own Verify accepts,
// and that the golden files' Authorization header is that app's.
func TestCredentials(t *testing.T) {
	t.Parallel()
	p := g123.New()
	e, _ := p.Endpoint("level_up")
	o := &profile.Outgoing{Endpoint: e, Header: http.Header{}}
	if err := p.Auth.Sign(o, p.Defaults, time.Time{}); err != nil {
		t.Fatal(err)
	}
	pr, vs := p.Auth.Verify(&profile.Request{Endpoint: e, Header: o.Header}, p.Defaults, time.Time{}, profile.Strict)
	if pr == nil || len(vs) > 0 {
		t.Fatalf("default credentials rejected: %v", vs)
	}
	golden, err := fixtures.LoadGolden(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range golden {
		got := g.Payload.Header["Authorization"]
		if want := o.Header.Get("Authorization"); got != want {
			t.Errorf("golden %s: got Authorization %q, want the default app's %q", g.Name, got, want)
		}
	}
}

// TestGeneratedLevelUp checks what the schema does not: physical_server is
// host|ip, and the ids look like the document's.
func TestGeneratedLevelUp(t *testing.T) {
	t.Parallel()
	gen, err := fixtures.NewGenerator(g123.New(), fixtures.Options{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		body := gen.Next().Object()
		ps, _ := profile.Get(body, "data.custom.physical_server")
		host, ip, ok := strings.Cut(ps.(string), "|")
		if !ok || host == "" || net.ParseIP(ip) == nil {
			t.Fatalf("physical_server %q: want host|ip", ps)
		}
		if s := body["server_id"].(string); !strings.HasPrefix(s, "s") {
			t.Errorf("server_id %q: want s<n> as the example's s73", s)
		}
		if c := body["ctwid"].(string); c != strings.ToUpper(c) {
			t.Errorf("ctwid %q: want upper case as the example's GIL6T4C0", c)
		}
	}
}

// FuzzNormalize feeds arbitrary JSON to Normalize: it never panics, never
// changes its input, and an alias it reports is gone from the output.
func FuzzNormalize(f *testing.F) {
	f.Add([]byte(`{"game_server_id":"s73","data":{"custom":{}},"custom":{"physical_server":"h|1.2.3.4"}}`))
	f.Add([]byte(`{"server_id":"","game_server_id":1,"data":{"custom":{"physical_server":""}},"custom":{"physical_server":null}}`))
	f.Add([]byte(`[{"custom":{}}]`))
	f.Add([]byte(`null`))
	p := g123.New()
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := strictjson.Decode(data)
		if err != nil {
			return
		}
		before, _ := json.Marshal(doc)
		got, vs := p.Normalize(doc, &profile.Request{}, profile.Strict)
		if after, _ := json.Marshal(doc); !bytes.Equal(before, after) {
			t.Fatalf("input changed from %s to %s", before, after)
		}
		for _, v := range vs {
			switch v.Rule {
			case "G1-AMB-1":
				if _, ok := profile.Get(got, "game_server_id"); ok {
					t.Fatalf("G1-AMB-1 reported but game_server_id kept: %s", before)
				}
			case "G1-AMB-2":
				want, _ := profile.Get(got, "custom.physical_server")
				if have, _ := profile.Get(got, "data.custom.physical_server"); !reflect.DeepEqual(have, want) {
					t.Fatalf("G1-AMB-2 reported but data.custom.physical_server is %v: %s", have, before)
				}
			default:
				t.Fatalf("unexpected rule %s", v.Rule)
			}
		}
	})
}
