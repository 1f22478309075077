package configfile

import (
	"strings"
	"testing"
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
