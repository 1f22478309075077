package configfile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/profile"
)

type cfg struct {
	Mode  string `json:"mode" yaml:"mode"`
	Limit int    `json:"limit" yaml:"limit"`
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		give    string
		format  string
		want    cfg
		wantErr string
	}{
		{name: "yaml", give: "mode: strict\nlimit: 3\n", want: cfg{"strict", 3}},
		{name: "json by first byte", give: ` {"mode":"lenient"}`, want: cfg{Mode: "lenient"}},
		{name: "empty yaml", give: "", want: cfg{}},
		{name: "unknown yaml key", give: "mode: strict\nlimt: 3\n", wantErr: "limt"},
		{name: "unknown json key", give: `{"mod":"x"}`, wantErr: "mod"},
		{name: "two json values", give: `{"mode":"a"} {"mode":"b"}`, format: "json", wantErr: "more than one"},
		{name: "wrong type", give: "limit: many\n", wantErr: "many"},
		{name: "bad format", give: "x", format: "toml", wantErr: "toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got cfg
			err := Decode([]byte(tt.give), tt.format, &got)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Decode(%q) error %v, want one naming %q", tt.give, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Decode(%q) = %+v, %v; want %+v", tt.give, got, err, tt.want)
			}
		})
	}
}

// TestCheckEach: entries are checked in key order against the profile
// their key names, and the first error names its key.
func TestCheckEach(t *testing.T) {
	ps := []*profile.Profile{{Name: "a"}, {Name: "b"}}
	bad := func(v int, p *profile.Profile) error {
		if v < 0 {
			return fmt.Errorf("limit %d (%s): want ≥ 0", v, p.Name)
		}
		return nil
	}
	unknown := func(name string, names []string) error {
		return fmt.Errorf("unknown %s (valid: %s)", name, strings.Join(names, ", "))
	}
	for _, tc := range []struct {
		give map[string]int
		want string
	}{
		{map[string]int{"a": 1, "b": 2}, ""},
		{map[string]int{"b": -1, "a": -2}, "profiles.a.limit -2 (a): want ≥ 0"},
		{map[string]int{"zz": 1, "b": -1}, "profiles.b.limit -1 (b): want ≥ 0"},
		{map[string]int{"c": 1}, "profiles.c: unknown c (valid: a, b)"},
	} {
		err := CheckEach(tc.give, ps, bad, unknown)
		if got := fmt.Sprint(err); tc.want == "" && err != nil || tc.want != "" && got != tc.want {
			t.Errorf("%v: got %v, want %q", tc.give, err, tc.want)
		}
	}
}
