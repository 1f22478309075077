package openapi_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/s2s-harness/s2s-harness/internal/querytest"
	"github.com/s2s-harness/s2s-harness/openapi"
)

// TestQueryStringProfile: a GET endpoint whose document travels in the
// query string is exported as a GET with one query parameter per schema
// member (its string keywords, required as the schema says, under its wire
// name) and no request body; a token in a query parameter is an apiKey
// scheme in: query.
func TestQueryStringProfile(t *testing.T) {
	p := querytest.New()
	d, _, doc := load(t, p)
	item := d.Paths["/qt/postback"]
	if len(item) != 1 {
		t.Fatalf("operations %v, want one GET", item)
	}
	op, ok := item["get"]
	if !ok {
		t.Fatalf("no get operation: %v", item)
	}
	if op.RequestBody != nil {
		t.Errorf("request body %+v: a query-string endpoint has none", op.RequestBody)
	}
	got := map[string]openapi.Parameter{}
	for _, prm := range op.Parameters {
		if prm.In != "query" {
			t.Errorf("parameter %s in %s, want query", prm.Name, prm.In)
		}
		got[prm.Name] = prm
	}
	tests := []struct {
		giveName     string
		wantRequired bool
		wantKey      string // a keyword its schema carries
	}{
		{"click_id", true, "pattern"},
		{"action_id", true, "minLength"},
		{"goal", false, "type"},
		{"sum", false, "pattern"},
		{"status", false, "enum"},
		{"currency", false, "pattern"},
	}
	for _, tt := range tests {
		prm, ok := got[tt.giveName]
		if !ok {
			t.Errorf("no parameter %s among %v", tt.giveName, op.Parameters)
			continue
		}
		if prm.Required != tt.wantRequired {
			t.Errorf("%s: required=%v, want %v", tt.giveName, prm.Required, tt.wantRequired)
		}
		if prm.Schema["type"] != "string" {
			t.Errorf("%s: type %v, want string", tt.giveName, prm.Schema["type"])
		}
		if _, ok := prm.Schema[tt.wantKey]; !ok {
			t.Errorf("%s: schema %v carries no %s", tt.giveName, prm.Schema, tt.wantKey)
		}
	}
	if len(got) != len(tests) {
		t.Errorf("%d parameters, want %d (the token is a security scheme): %v", len(got), len(tests), op.Parameters)
	}
	if enum, _ := got["status"].Schema["enum"].([]any); !slices.Equal(enum, []any{"1", "2", "3", "5"}) {
		t.Errorf("status enum %v", got["status"].Schema["enum"])
	}
	s, ok := d.Components.SecuritySchemes[querytest.TokenParam]
	if !ok || s.Type != "apiKey" || s.In != "query" || s.Name != querytest.TokenParam {
		t.Errorf("security schemes %+v, want apiKey in: query %s", d.Components.SecuritySchemes, querytest.TokenParam)
	}
	if !slices.Equal(s.Rules, []string{querytest.RuleToken, querytest.RuleUnknown}) {
		t.Errorf("scheme rules %v", s.Rules)
	}
	if len(d.Components.SecuritySchemes) != 1 {
		t.Errorf("schemes %v, want only the query token", d.Components.SecuritySchemes)
	}
	// kin-openapi reads the parameters as the document states them.
	kop := doc.Paths.Find("/qt/postback").GetOperation(http.MethodGet)
	if kop == nil || kop.Parameters.GetByInAndName("query", "click_id") == nil {
		t.Fatalf("kin-openapi finds no query parameter click_id")
	}
	if prm := kop.Parameters.GetByInAndName("query", "click_id"); !prm.Required || prm.Schema.Value.Pattern == "" {
		t.Errorf("kin-openapi's click_id: required=%v pattern=%q", prm.Required, prm.Schema.Value.Pattern)
	}
}
