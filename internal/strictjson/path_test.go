package strictjson

import (
	"slices"
	"testing"
)

func TestPathRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path  string
		steps []Step
	}{
		{"", nil},
		{"amount", []Step{Key("amount")}},
		{"data.custom.server", []Step{Key("data"), Key("custom"), Key("server")}},
		{"events[0].name", []Step{Key("events"), Index(0), Key("name")}},
		{"[2].amount", []Step{Index(2), Key("amount")}},
		{"m[1][3]", []Step{Key("m"), Index(1), Index(3)}},
	} {
		if got := ParsePath(tc.path); !slices.Equal(got, tc.steps) {
			t.Errorf("ParsePath(%q) = %v, want %v", tc.path, got, tc.steps)
		}
		if got := Path(tc.steps); got != tc.path {
			t.Errorf("Path(%v) = %q, want %q", tc.steps, got, tc.path)
		}
	}
	if got := ParsePath("a[x]"); !slices.Equal(got, []Step{Key("a"), {Index: -2}}) {
		t.Errorf("ParsePath(a[x]) = %v, want a non-index", got)
	}
}

func TestDecodeErrorNamesPath(t *testing.T) {
	t.Parallel()
	_, err := Decode([]byte(`{"events":[{"a":1},{"a":1,"a":2}]}`))
	dup, ok := err.(*DuplicateKeyError)
	if !ok || dup.Path != "events[1]" {
		t.Fatalf("Decode = %v, want a duplicate key at events[1]", err)
	}
}
