package validate

import (
	"testing"
	"testing/fstest"

	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
)

// TestRelaxed: how a body strictjson refuses was malformed, and what a liberal
// reader makes of it (permissive mode reads it when the ground is decided).
func TestRelaxed(t *testing.T) {
	tests := []struct {
		give    string
		wantHow string
		wantDoc bool
	}{
		{`{"a":1,}`, profile.MalformedTrailing, true},
		{"{ // note\n\"a\":1}", profile.MalformedComment, true},
		{`/* x */ {"a":[1,2,]}`, profile.MalformedComment, true},
		{`{"a":1,"a":2}`, profile.MalformedDuplicateKey, true},
		{`{"a":1`, profile.MalformedTruncated, false},
		{`event=test&amount=50`, profile.MalformedForm, false},
		{`{"s":"// not a comment,}"`, profile.MalformedTruncated, false},
	}
	for _, tt := range tests {
		_, strictErr := strictjson.Decode([]byte(tt.give))
		if strictErr == nil {
			t.Fatalf("%q decodes strictly", tt.give)
		}
		doc, how := relaxed([]byte(tt.give), strictErr)
		if how != tt.wantHow || (doc != nil) != tt.wantDoc {
			t.Errorf("relaxed(%q) = %v, %q; want doc %v, %q", tt.give, doc, how, tt.wantDoc, tt.wantHow)
		}
	}
}

// FuzzRelaxed: the liberal reader never panics and always names a
// kind of malformation.
func FuzzRelaxed(f *testing.F) {
	for _, s := range []string{`{"a":1,}`, "{//c\n}", `[1,2,]`, `{"a":"/*"}`, `{"a":1,"a":2}`, `x=1`, `"\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := strictjson.Decode([]byte(s))
		if err == nil {
			return
		}
		_, how := relaxed([]byte(s), err)
		if how == "" {
			t.Fatalf("relaxed(%q): no kind", s)
		}
	})
}

// TestPermissiveRejectsOnlyDocumented: permissive mode accepts (and reports)
// what a decided ground rejects, and rejects what a documented one does.
func TestPermissiveRejectsOnlyDocumented(t *testing.T) {
	p := &profile.Profile{Name: "x", MalformedRule: "X-JSON-1", Schemas: fstest.MapFS{},
		Rules: []profile.Rule{
			profile.NewRule("X-BODY-1", profile.Must, profile.AreaValidation, profile.Always, 400, "required"),
			profile.NewRule("X-JSON-1", profile.Must, profile.AreaValidation, profile.Always, 400, "json"),
		},
		Endpoints: []profile.Endpoint{{ID: "e", Method: "POST", Path: "/e"}},
		Check: func(doc any, _ *profile.Request, _ profile.Mode) []profile.Violation {
			m, _ := doc.(map[string]any)
			var vs []profile.Violation
			if v, ok := m["id"]; !ok {
				vs = append(vs, profile.Violation{Rule: "X-BODY-1", In: profile.InBody, Field: "id", Kind: profile.KindRequired})
			} else if v == "" {
				vs = append(vs, profile.Violation{Rule: "X-BODY-1", In: profile.InBody, Field: "id", Kind: profile.KindEmpty})
			}
			return vs
		},
		Grounds: []profile.Grounding{
			{Rule: "X-BODY-1", Kind: profile.KindRequired, Ground: profile.Doc("", profile.Citation{Seed: "s", Quote: "q", English: "e"})},
			{Rule: "X-BODY-1", Kind: profile.KindEmpty, Ground: profile.Dec("empty counts as missing")},
			{Rule: "X-JSON-1", Kind: profile.KindMalformed, Ground: profile.Dec("liberal JSON")},
			{Rule: "X-JSON-1", Kind: profile.KindMalformed, Field: profile.MalformedTruncated, Ground: profile.Doc("", profile.Citation{Seed: "s", Quote: "q", English: "e"})},
		}}
	v, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		body                    string
		wantStrict, wantPermiss bool // rejected
	}{
		{`{"id":"a"}`, false, false},
		{`{}`, true, true},
		{`{"id":""}`, true, false},
		{`{"id":"a",}`, true, false},
		{"{ // c\n \"id\":\"a\"}", true, false},
		{`{"id":"a"`, true, true},
		{`{"id":"",}`, true, false},
	}
	for _, tt := range tests {
		for mode, want := range map[profile.Mode]bool{profile.Strict: tt.wantStrict, profile.Permissive: tt.wantPermiss} {
			r := &profile.Request{Endpoint: &p.Endpoints[0], Body: []byte(tt.body)}
			res := v.Body(r, mode)
			if res.Rejected() != want {
				t.Errorf("%s %q: rejected %v, want %v (%v)", mode, tt.body, res.Rejected(), want, res.Violations)
			}
			if mode == profile.Permissive && !want && tt.body != `{"id":"a"}` && len(res.Violations) == 0 {
				t.Errorf("%s %q: accepted without reporting what strict mode rejects", mode, tt.body)
			}
		}
	}
}
