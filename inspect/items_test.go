package inspect_test

import (
	"net/http"
	"testing"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

func TestEntryItems(t *testing.T) {
	p, err := builtin.Lookup("revosurge")
	if err != nil {
		t.Fatal(err)
	}
	batch := `[{"event_name":"login"},{"event_name":"register"}]`
	tests := []struct {
		name string
		give inspect.Entry
		want int
	}{
		{name: "batch kept whole", give: inspect.Entry{Endpoint: "batch", Body: batch, BodyBytes: len(batch)}, want: 2},
		{name: "single event", give: inspect.Entry{Endpoint: "event", Body: `{"event_name":"login"}`, BodyBytes: 22}, want: 1},
		{name: "body cut by the journal", give: inspect.Entry{Endpoint: "batch", Body: batch, BodyBytes: len(batch) + 100}, want: 0},
		{name: "not JSON", give: inspect.Entry{Endpoint: "batch", Body: "[", BodyBytes: 1}, want: 0},
		{name: "unknown endpoint", give: inspect.Entry{Endpoint: "nope", Body: batch, BodyBytes: len(batch)}, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := len(tt.give.Items(p)); got != tt.want {
				t.Fatalf("got %d items, want %d", got, tt.want)
			}
		})
	}
}

// TestEntryItemsQuery: a query-string endpoint's event is read from the
// entry's query, through the endpoint's codec (aliases and renames included).
func TestEntryItemsQuery(t *testing.T) {
	p := &profile.Profile{Name: "q", Endpoints: []profile.Endpoint{{ID: "get", Method: http.MethodGet, Path: "/pb",
		Transport: profile.QueryString, ParamAliases: map[string][]string{"click_id": {"clickid"}}}}}
	tests := []struct {
		name      string
		give      inspect.Entry
		wantItems int
		wantClick string
	}{
		{name: "query", give: inspect.Entry{Endpoint: "get", Query: "click_id=c1&sum=1.5"}, wantItems: 1, wantClick: "c1"},
		{name: "alias", give: inspect.Entry{Endpoint: "get", Query: "clickid=c2"}, wantItems: 1, wantClick: "c2"},
		{name: "cut", give: inspect.Entry{Endpoint: "get", Query: "click_id=c1", QueryCut: true}},
		{name: "repeated parameter", give: inspect.Entry{Endpoint: "get", Query: "click_id=a&click_id=b"}},
		{name: "no query", give: inspect.Entry{Endpoint: "get"}},
		{name: "a body is not the document", give: inspect.Entry{Endpoint: "get", Body: `{"click_id":"c"}`, BodyBytes: 16}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := tt.give.Items(p)
			if len(items) != tt.wantItems {
				t.Fatalf("got %d items, want %d", len(items), tt.wantItems)
			}
			if tt.wantItems > 0 {
				if got := items[0].(map[string]any)["click_id"]; got != tt.wantClick {
					t.Errorf("got click_id %v, want %s", got, tt.wantClick)
				}
			}
		})
	}
}
