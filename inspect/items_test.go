package inspect_test

import (
	"testing"

	"github.com/s2s-harness/s2s-harness/inspect"
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
