package appsflyer_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/appsflyer"
	"github.com/s2s-harness/s2s-harness/validate"
)

const validBody = `{"appsflyer_id":"1415211453000-6513894","advertising_id":"38412345-8cf0-aa78-b23e-10b96e40000d",` +
	`"eventName":"af_purchase","eventValue":"{\"af_revenue\":\"6\"}","eventTime":"2014-05-15 12:17:00.000","af_events_api":"true"}`

func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	doc, err := strictjson.Decode([]byte(body))
	if err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		t.Fatalf("%s is not an object", body)
	}
	return m
}

// edit returns validBody decoded with members set (nil value: removed).
func edit(t *testing.T, set map[string]any) map[string]any {
	t.Helper()
	m := decode(t, validBody)
	for k, v := range set {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	return m
}

type drop struct{}

func TestNormalize(t *testing.T) {
	t.Parallel()
	p := appsflyer.New()
	tests := []struct {
		name       string
		give       map[string]any
		wantRules  []string
		wantFields map[string]any // members after normalisation; drop{} for absent
	}{
		{name: "valid body unchanged", give: edit(t, nil), wantFields: map[string]any{"af_events_api": "true", "eventTime": "2014-05-15 12:17:00.000"}},
		{name: "event_value alias", give: edit(t, map[string]any{"eventValue": nil, "event_value": ""}),
			wantRules: []string{"AF-AMB-1"}, wantFields: map[string]any{"eventValue": "", "event_value": drop{}}},
		{name: "event_value beside eventValue is left alone", give: edit(t, map[string]any{"event_value": "x"}),
			wantFields: map[string]any{"eventValue": `{"af_revenue":"6"}`, "event_value": "x"}},
		{name: "boolean true", give: edit(t, map[string]any{"af_events_api": true}),
			wantRules: []string{"AF-BODY-3"}, wantFields: map[string]any{"af_events_api": "true"}},
		{name: "boolean false is left for the schema", give: edit(t, map[string]any{"af_events_api": false}),
			wantFields: map[string]any{"af_events_api": false}},
		{name: "string false is left for the schema", give: edit(t, map[string]any{"af_events_api": "false"}),
			wantFields: map[string]any{"af_events_api": "false"}},
		{name: "missing af_events_api (CDP)", give: edit(t, map[string]any{"af_events_api": nil}),
			wantRules: []string{"AF-BODY-1"}, wantFields: map[string]any{"af_events_api": "true"}},
		{name: "ISO 8601 eventTime (CDP)", give: edit(t, map[string]any{"eventTime": "2020-08-14T05:30:30.118Z"}),
			wantRules: []string{"AF-TIME-1"}, wantFields: map[string]any{"eventTime": "2020-08-14 05:30:30.118"}},
		{name: "other eventTime format is left for the schema", give: edit(t, map[string]any{"eventTime": "2014/05/15 12:17:00.000"}),
			wantFields: map[string]any{"eventTime": "2014/05/15 12:17:00.000"}},
		{name: "CDP event: both readings", give: edit(t, map[string]any{"af_events_api": nil, "eventTime": "2020-08-14T05:30:30.118Z"}),
			wantRules: []string{"AF-BODY-1", "AF-TIME-1"}, wantFields: map[string]any{"af_events_api": "true", "eventTime": "2020-08-14 05:30:30.118"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, vs := p.Normalize(tt.give, &profile.Request{}, profile.Strict)
			var rules []string
			for _, v := range vs {
				rules = append(rules, v.Rule)
				if v.Enforce != profile.StrictOnly || v.In != profile.InBody || v.Field == "" || v.Message == "" {
					t.Errorf("%s: got enforce %v in %q field %q, want a strict-only body violation with field and message", v.Rule, v.Enforce, v.In, v.Field)
				}
			}
			slices.Sort(rules)
			if !slices.Equal(rules, tt.wantRules) {
				t.Errorf("got rules %v, want %v", rules, tt.wantRules)
			}
			m, _ := doc.(map[string]any)
			for k, want := range tt.wantFields {
				got, ok := m[k]
				if _, absent := want.(drop); absent {
					if ok {
						t.Errorf("%s: got %v, want absent", k, got)
					}
					continue
				}
				if got != want {
					t.Errorf("%s: got %#v, want %#v", k, got, want)
				}
			}
		})
	}
}

func TestNormalizeNonObject(t *testing.T) {
	t.Parallel()
	p := appsflyer.New()
	for _, give := range []any{nil, "x", []any{map[string]any{}}, true} {
		if _, vs := p.Normalize(give, &profile.Request{}, profile.Lenient); len(vs) != 0 {
			t.Errorf("Normalize(%v): got %v, want nothing", give, vs)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	p := appsflyer.New()
	tests := []struct {
		name       string
		give       map[string]any
		giveApp    string
		wantFields []string // fields of the AF-REC-1 findings, in order
	}{
		{name: "valid body", give: edit(t, nil)},
		{name: "idfa only", give: edit(t, map[string]any{"advertising_id": nil, "idfa": "5D3A1B2C-8F4E-4A6B-9C7D-0E1F2A3B4C5D"})},
		{name: "no device id, android app", give: edit(t, map[string]any{"advertising_id": nil}), giveApp: "com.appsflyer.myapp",
			wantFields: []string{"advertising_id"}},
		{name: "no device id, iOS app", give: edit(t, map[string]any{"advertising_id": nil}), giveApp: "id123456789",
			wantFields: []string{"idfa"}},
		{name: "empty device ids", give: edit(t, map[string]any{"advertising_id": "", "idfa": ""}),
			wantFields: []string{"advertising_id"}},
		{name: "device id not a string", give: edit(t, map[string]any{"advertising_id": true}),
			wantFields: []string{"advertising_id"}},
		{name: "values inside eventValue that are not strings", give: edit(t, map[string]any{"eventValue": `{"b":6,"a":{"x":"y"},"c":"ok","d":null}`}),
			wantFields: []string{"eventValue", "eventValue", "eventValue"}},
		{name: "eventValue not parseable: the schema reports it", give: edit(t, map[string]any{"eventValue": `[1]`})},
		{name: "eventValue an object: the schema reports it", give: edit(t, map[string]any{"eventValue": map[string]any{"a": 1}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := p.Check(tt.give, request(nil, tt.giveApp), profile.Strict)
			var fields []string
			for _, v := range vs {
				if v.Rule != "AF-REC-1" {
					t.Errorf("got %s, want only AF-REC-1", v.Rule)
				}
				fields = append(fields, v.Field)
			}
			if !slices.Equal(fields, tt.wantFields) {
				t.Errorf("got fields %v, want %v: %v", fields, tt.wantFields, vs)
			}
		})
	}
}

// TestLenientReadingsThroughValidator holds the contract the brief gives the
// conformance suite: each lenient reading is rejected by strict mode for exactly
// one rule and accepted, with that rule reported, by lenient mode.
func TestLenientReadingsThroughValidator(t *testing.T) {
	t.Parallel()
	p := appsflyer.New()
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := p.Endpoint("inappevent")
	tests := []struct {
		name       string
		give       string
		wantRule   string
		wantAccept bool // lenient accepts
	}{
		{"event_value", `{"appsflyer_id":"a-1","advertising_id":"x","eventName":"af_login","event_value":"","af_events_api":"true"}`, "AF-AMB-1", true},
		{"boolean true", `{"appsflyer_id":"a-1","advertising_id":"x","eventName":"af_login","eventValue":"","af_events_api":true}`, "AF-BODY-3", true},
		{"no af_events_api", `{"appsflyer_id":"a-1","advertising_id":"x","eventName":"af_login","eventValue":""}`, "AF-BODY-1", true},
		{"ISO eventTime", `{"appsflyer_id":"a-1","advertising_id":"x","eventName":"af_login","eventValue":"","af_events_api":"true","eventTime":"2020-08-14T05:30:30.118Z"}`, "AF-TIME-1", true},
		{"string false", `{"appsflyer_id":"a-1","advertising_id":"x","eventName":"af_login","eventValue":"","af_events_api":"false"}`, "AF-BODY-3", false},
		{"empty af_events_api", `{"appsflyer_id":"a-1","advertising_id":"x","eventName":"af_login","eventValue":"","af_events_api":""}`, "AF-BODY-1", false},
		{"eventValue object", `{"appsflyer_id":"a-1","advertising_id":"x","eventName":"af_login","eventValue":{"a":"b"},"af_events_api":"true"}`, "AF-BODY-2", false},
		{"eventTime without ms", `{"appsflyer_id":"a-1","advertising_id":"x","eventName":"af_login","eventValue":"","af_events_api":"true","eventTime":"2014-05-15 12:17:00"}`, "AF-TIME-1", false},
		{"body is an array", `[{"appsflyer_id":"a-1"}]`, "AF-BODY-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &profile.Request{Endpoint: e, Header: http.Header{"Content-Type": {"application/json"}},
				PathValues: map[string]string{"app_id": "com.appsflyer.myapp"}, Body: []byte(tt.give), Received: now}
			strict := v.Body(r, profile.Strict)
			if got := strict.Rules(); !slices.Equal(got, []string{tt.wantRule}) || strict.Status() != http.StatusBadRequest {
				t.Errorf("strict: got %v status %d, want [%s] 400: %v", got, strict.Status(), tt.wantRule, strict.Violations)
			}
			r.Body = []byte(tt.give)
			lenient := v.Body(r, profile.Lenient)
			if lenient.Rejected() == tt.wantAccept || !slices.Equal(lenient.Rules(), []string{tt.wantRule}) {
				t.Errorf("lenient: got rejected=%v rules %v, want rejected=%v with [%s]", lenient.Rejected(), lenient.Rules(), !tt.wantAccept, tt.wantRule)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	p := appsflyer.New()
	at := utc(2025, 10, 21, 15, 0, 0, 0)
	item := func(set map[string]any) map[string]any { return edit(t, set) }
	rec := func(it map[string]any, app string, pr profile.Principal) profile.Record {
		return p.Describe(it, &profile.Request{PathValues: map[string]string{"app_id": app}, Received: at}, pr)
	}
	base := rec(item(nil), "com.appsflyer.myapp", profile.Principal{App: "com.appsflyer.myapp"})
	if base.Event != "af_purchase" {
		t.Errorf("got event %q, want af_purchase", base.Event)
	}
	if want := utc(2014, 5, 15, 12, 17, 0, 0); !base.EventTime.Equal(want) {
		t.Errorf("got event time %v, want %v", base.EventTime, want)
	}
	if !base.RecordedAt.Equal(at) {
		t.Errorf("got recorded %v, want the time received %v (event years old)", base.RecordedAt, at)
	}
	if base.DedupeKey == "" || base.ID != "" {
		t.Errorf("got dedupe key %q id %q, want a dedupe key and no idempotency id", base.DedupeKey, base.ID)
	}
	tests := []struct {
		name     string
		give     profile.Record
		wantSame bool
	}{
		{"same event again", rec(item(nil), "com.appsflyer.myapp", profile.Principal{App: "com.appsflyer.myapp"}), true},
		{"same app from the path when no principal", rec(item(nil), "com.appsflyer.myapp", profile.Principal{}), true},
		{"other app", rec(item(nil), "id123456789", profile.Principal{App: "id123456789"}), false},
		{"other device", rec(item(map[string]any{"appsflyer_id": "1415211453000-0000000"}), "com.appsflyer.myapp", profile.Principal{App: "com.appsflyer.myapp"}), false},
		{"other event name", rec(item(map[string]any{"eventName": "af_add_to_cart"}), "com.appsflyer.myapp", profile.Principal{App: "com.appsflyer.myapp"}), false},
		{"other event time", rec(item(map[string]any{"eventTime": "2014-05-15 12:17:00.001"}), "com.appsflyer.myapp", profile.Principal{App: "com.appsflyer.myapp"}), false},
		{"no event time", rec(item(map[string]any{"eventTime": nil}), "com.appsflyer.myapp", profile.Principal{App: "com.appsflyer.myapp"}), false},
		{"other event value", rec(item(map[string]any{"eventValue": `{"af_revenue":"7"}`}), "com.appsflyer.myapp", profile.Principal{App: "com.appsflyer.myapp"}), false},
		{"other ip is still a repeat", rec(item(map[string]any{"ip": "1.2.3.4"}), "com.appsflyer.myapp", profile.Principal{App: "com.appsflyer.myapp"}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.give.DedupeKey == base.DedupeKey; got != tt.wantSame {
				t.Errorf("got same key %v (%s vs %s), want %v", got, tt.give.DedupeKey, base.DedupeKey, tt.wantSame)
			}
		})
	}
}

func TestDedupeKeyIsUnambiguous(t *testing.T) {
	t.Parallel()
	a := appsflyer.DedupeKey("app", "x y", "z", "", "")
	b := appsflyer.DedupeKey("app", "x", "y z", "", "")
	if a == b {
		t.Errorf("different parts share key %s", a)
	}
}
