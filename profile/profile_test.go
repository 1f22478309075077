package profile

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPaths(t *testing.T) {
	t.Parallel()
	doc := func() any {
		return map[string]any{
			"a":      map[string]any{"b": "x"},
			"events": []any{map[string]any{"name": "n0"}, map[string]any{"name": "n1"}},
		}
	}
	tests := []struct {
		name    string
		path    string
		wantGet any
		wantOK  bool
	}{
		{name: "member", path: "a.b", wantGet: "x", wantOK: true},
		{name: "item member", path: "events[1].name", wantGet: "n1", wantOK: true},
		{name: "missing", path: "a.c", wantOK: false},
		{name: "index out of range", path: "events[5].name", wantOK: false},
		{name: "index on object", path: "a[0]", wantOK: false},
		{name: "key on array", path: "events.name", wantOK: false},
		{name: "bad index", path: "events[x]", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Get(doc(), tt.path)
			if ok != tt.wantOK || (ok && got != tt.wantGet) {
				t.Fatalf("Get(%q) = %v, %v; want %v, %v", tt.path, got, ok, tt.wantGet, tt.wantOK)
			}
		})
	}

	d := doc()
	if !Set(d, "a.new.deep", 1) {
		t.Fatal("Set created path: false")
	}
	if v, _ := Get(d, "a.new.deep"); v != 1 {
		t.Fatalf("after Set: %v", v)
	}
	if !Set(d, "events[0].name", "changed") || !Delete(d, "events[1].name") || Delete(d, "events[1].name") {
		t.Fatal("Set/Delete on items")
	}
	if !Rename(d, "a.b", "c") {
		t.Fatal("Rename: false")
	}
	if v, ok := Get(d, "a.c"); !ok || v != "x" {
		t.Fatalf("after Rename a.c = %v", v)
	}
	if Set(d, "events[9].x", 1) || Set(d, "", 1) || Delete(d, "") {
		t.Fatal("unreachable paths reported as set")
	}
}

func TestEnforcement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give        Enforcement
		wantStrict  bool
		wantLenient bool
	}{
		{AsCatalogued, true, true},
		{Always, true, true},
		{StrictOnly, true, false},
		{Advisory, false, false},
	}
	for _, tt := range tests {
		if got := tt.give.Rejects(Strict); got != tt.wantStrict {
			t.Errorf("%s.Rejects(strict) = %v, want %v", tt.give, got, tt.wantStrict)
		}
		if got := tt.give.Rejects(Lenient); got != tt.wantLenient {
			t.Errorf("%s.Rejects(lenient) = %v, want %v", tt.give, got, tt.wantLenient)
		}
	}
}

func testProfile() *Profile {
	return &Profile{Name: "t", Rules: []Rule{
		{ID: "T-1", Level: Must, Status: 400, Code: "BAD"},
		{ID: "T-2", Level: Should, Status: 400, Enforce: StrictOnly},
	}}
}

func TestFill(t *testing.T) {
	t.Parallel()
	p := testProfile()
	v := p.Violation("T-2", InBody, "f", "bad %s", "thing")
	if v.Level != Should || v.Enforce != StrictOnly || v.Status != 400 || v.Message != "bad thing" {
		t.Fatalf("Violation = %+v", v)
	}
	over := Violation{Rule: "T-2", Enforce: Always, Code: "OTHER", Status: 403}
	p.Fill(&over)
	if over.Enforce != Always || over.Code != "OTHER" || over.Status != 403 {
		t.Fatalf("Fill overrode the violation's own values: %+v", over)
	}
	unknown := Violation{Rule: "T-9", Message: "m"}
	p.Fill(&unknown)
	if unknown.Level != Must || unknown.Status != 400 {
		t.Fatalf("unknown rule not made visible: %+v", unknown)
	}
}

func TestDefaultError(t *testing.T) {
	t.Parallel()
	p := testProfile()
	vs := []Violation{p.Violation("T-1", InBody, "amount", "must be a number"), p.Violation("T-2", InBody, "ip", "bad")}
	b, _ := json.Marshal(DefaultError(400, vs))
	var got map[string]any
	json.Unmarshal(b, &got)
	if got["error"] != "BAD" || got["rule"] != "T-1" || got["message"] != "amount: must be a number (T-1); and 1 more" {
		t.Fatalf("DefaultError = %s", b)
	}
	if fields, _ := got["fields"].([]any); len(fields) != 2 {
		t.Fatalf("fields = %v", got["fields"])
	}
	b, _ = json.Marshal(DefaultError(429, nil))
	if string(b) != `{"error":"rate_limited","message":""}` {
		t.Fatalf("DefaultError(429) = %s", b)
	}
}

func TestEndpointItems(t *testing.T) {
	t.Parallel()
	item := map[string]any{"k": "v"}
	tests := []struct {
		items    string
		wantBody any
		wantPath string
	}{
		{ItemsSelf, item, ""},
		{ItemsRoot, []any{item}, "[0]"},
		{"events", map[string]any{"events": []any{item}}, "events[0]"},
	}
	for _, tt := range tests {
		e := &Endpoint{Items: tt.items}
		body := e.Wrap([]any{item})
		if !reflect.DeepEqual(body, tt.wantBody) {
			t.Errorf("Wrap(%q) = %v, want %v", tt.items, body, tt.wantBody)
		}
		if got := e.ItemsOf(body); len(got) != 1 || !reflect.DeepEqual(got[0], item) {
			t.Errorf("ItemsOf(Wrap) = %v", got)
		}
		if got := e.ItemPath(0); got != tt.wantPath {
			t.Errorf("ItemPath(0) = %q, want %q", got, tt.wantPath)
		}
	}
	if got := (&Endpoint{Items: "events"}).ItemsOf("not an object"); got != nil {
		t.Errorf("ItemsOf on a wrong shape = %v, want nil", got)
	}
	if got := (&Endpoint{Path: "/a/{x}/b"}).Expand(map[string]string{"x": "1"}); got != "/a/1/b" {
		t.Errorf("Expand = %q", got)
	}
}

// TestBuiltinSchemes: each built-in scheme accepts what it signs, and every
// break it lists is refused with its rule (case-insensitive header names).
func TestBuiltinSchemes(t *testing.T) {
	t.Parallel()
	creds := Credentials{APIKeys: []string{"k1", "k2"}, Apps: []App{{ID: "app", Secret: "s3cret"}}}
	schemes := []Auth{
		APIKey{Header: "X-API-Key", MissingRule: "A-1", UnknownRule: "A-2"},
		Basic{Rule: "B-1"},
	}
	now := time.Now()
	for _, a := range schemes {
		t.Run(a.Scheme(), func(t *testing.T) {
			o := &Outgoing{Endpoint: &Endpoint{}, Header: http.Header{}}
			if err := a.Sign(o, creds, now); err != nil {
				t.Fatal(err)
			}
			p, vs := a.Verify(&Request{Header: o.Header}, creds, now, Strict)
			if p == nil || len(vs) != 0 {
				t.Fatalf("signed request refused: %v", vs)
			}
			lower := http.Header{}
			for k, v := range o.Header {
				lower[http.CanonicalHeaderKey(k)] = v
			}
			if p, _ := a.Verify(&Request{Header: lower}, creds, now, Strict); p == nil {
				t.Fatal("header name case matters")
			}
			if err := a.Sign(&Outgoing{Header: http.Header{}}, Credentials{}, now); err == nil {
				t.Fatal("Sign without credentials: no error")
			}
			for _, b := range a.Breaks() {
				o := &Outgoing{Endpoint: &Endpoint{}, Header: http.Header{}}
				a.Sign(o, creds, now)
				b.Apply(o, creds, now)
				p, vs := a.Verify(&Request{Header: o.Header}, creds, now, Strict)
				if p != nil || len(vs) != 1 || vs[0].Rule != b.Rule || vs[0].Status != http.StatusUnauthorized {
					t.Errorf("break %q: principal %v, violations %v; want one %s 401", b.Name, p, vs, b.Rule)
				}
			}
		})
	}
}

func TestCredentialsRedacted(t *testing.T) {
	t.Parallel()
	c := Credentials{APIKeys: []string{"k"}, Apps: []App{{ID: "a", Secret: "s"}}, JWTSecret: "j", HMACSecret: "h", Subject: "sub"}
	r := c.Redacted()
	b, _ := json.Marshal(r)
	for _, secret := range []string{`"k"`, `"s"`, `"j"`, `"h"`} {
		if strings.Contains(string(b), secret) {
			t.Errorf("redacted credentials still hold %s: %s", secret, b)
		}
	}
	if r.Apps[0].ID != "a" || r.Subject != "sub" {
		t.Errorf("redaction removed identifiers: %+v", r)
	}
	if got := c.Secrets(); len(got) != 4 {
		t.Errorf("Secrets() = %v", got)
	}
}

func TestGenIsDeterministicAndUnique(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, b := NewGen(3, at), NewGen(3, at)
	seen := map[string]bool{}
	for range 1000 {
		x, y := a.ID("tx"), b.ID("tx")
		if x != y {
			t.Fatalf("same seed, different ids: %s %s", x, y)
		}
		if seen[x] {
			t.Fatalf("id %s repeated", x)
		}
		seen[x] = true
	}
	if NewGen(4, at).ID("tx") == NewGen(3, at).ID("tx") {
		t.Fatal("different seeds, same first id")
	}
	if z1, z2 := NewGen(0, at), NewGen(0, at); z1.ID("x") != z2.ID("x") {
		t.Fatal("seed 0 is not deterministic")
	}
}

func TestEqualJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b any
		want bool
	}{
		{json.Number("1"), json.Number("1.0"), true},
		{json.Number("1"), 1, true},
		{json.Number("1e3"), 1000.0, true},
		{json.Number("1"), "1", false},
		{map[string]any{"a": []any{json.Number("2"), nil}}, map[string]any{"a": []any{2, nil}}, true},
		{map[string]any{"a": 1}, map[string]any{"a": 1, "b": 2}, false},
		{[]any{true}, []any{false}, false},
		{nil, nil, true},
		{"x", map[string]any{}, false},
	}
	for _, tt := range tests {
		if got := EqualJSON(tt.a, tt.b); got != tt.want {
			t.Errorf("EqualJSON(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestSuccessBody(t *testing.T) {
	t.Parallel()
	p := &Profile{}
	if status, body := p.SuccessBody(Outcome{Accepted: 3}); status != http.StatusOK || body.(map[string]any)["accepted"] != 3 {
		t.Errorf("default = %d %v, want 200 {accepted: 3}", status, body)
	}
	p.Success = func(o Outcome) (int, any) { return http.StatusAccepted, o.Replay }
	if status, body := p.SuccessBody(Outcome{Replay: true}); status != http.StatusAccepted || body != true {
		t.Errorf("profile's own = %d %v, want 202 true", status, body)
	}
}
