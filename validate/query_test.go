package validate_test

import (
	"net/http"
	"testing"
	"testing/fstest"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/validate"
)

// queryProfile is a minimal query-string API: GET /pb?click_id=…&sum=…
func queryProfile(params map[string]string) *profile.Profile {
	schema := `{"type":"object","x-rule":"Q-1","required":["click_id"],
		"properties":{"click_id":{"type":"string","minLength":1},"sum":{"type":"string","pattern":"^[0-9]+$"}}}`
	return &profile.Profile{Name: "q", Rules: []profile.Rule{
		profile.NewRule("Q-1", profile.Must, profile.AreaValidation, profile.Always, 400, "click_id required; sum digits")},
		Endpoints: []profile.Endpoint{{ID: "pb", Method: http.MethodGet, Path: "/pb", Transport: profile.QueryString,
			Params: params, ParamAliases: map[string][]string{"click_id": {"clickid"}}, Request: "pb.schema.json"}},
		Schemas:       fstest.MapFS{"pb.schema.json": {Data: []byte(schema)}},
		MalformedRule: "Q-1"}
}

// TestQueryFindingsInQuery: on a query-string endpoint the schema's findings
// are in: query, named as the wire spells the parameter, keyed by member.
func TestQueryFindingsInQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		giveParams         map[string]string
		giveQuery          string
		wantField, wantKey string
		wantRejected       bool
	}{
		{"missing click_id", nil, "sum=1", "click_id", "", true},
		{"missing renamed click_id", map[string]string{"click_id": "subid"}, "sum=1", "subid", "click_id", true},
		{"bad sum", nil, "click_id=c1&sum=1.5", "sum", "", true},
		{"alias accepted", nil, "clickid=c1&sum=2", "", "", false},
		{"renamed accepted", map[string]string{"click_id": "subid"}, "subid=c1", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := queryProfile(tt.giveParams)
			v, err := validate.New(p)
			if err != nil {
				t.Fatal(err)
			}
			r := &profile.Request{Endpoint: &p.Endpoints[0], Header: http.Header{}, RawQuery: tt.giveQuery, Received: time.Now()}
			res := v.Body(r, profile.Strict)
			if res.Rejected() != tt.wantRejected {
				t.Fatalf("got rejected=%v (%v), want %v", res.Rejected(), res.Violations, tt.wantRejected)
			}
			if !tt.wantRejected {
				return
			}
			got := res.Violations[0]
			if got.In != profile.InQuery || got.Field != tt.wantField || got.Key != tt.wantKey || got.Rule != "Q-1" {
				t.Errorf("got %+v, want Q-1 in query field %q key %q", got, tt.wantField, tt.wantKey)
			}
		})
	}
}
