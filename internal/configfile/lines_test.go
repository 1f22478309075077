package configfile

import (
	"strings"
	"testing"
)

// A broken flow mapping is reported on its own line, not the one before.
func TestSyntaxErrorLine(t *testing.T) {
	data := []byte("mode: strict\nprofiles:\n  postback: {rate_limit: {limit: 5, window: 1s}\nmax_body: 10\n")
	var v map[string]any
	err := Decode(data, "yaml", &v)
	if err == nil || !strings.HasPrefix(err.Error(), "line 3: ") {
		t.Errorf("got %v, want the error on line 3", err)
	}
	// A scanner error yaml.v3 already places right stays where it is.
	err = Decode([]byte("a: 1\nb: @x\n"), "yaml", &v)
	if err == nil || !strings.HasPrefix(err.Error(), "line 2: ") {
		t.Errorf("got %v, want line 2", err)
	}
}

func TestKeyLine(t *testing.T) {
	yml := []byte("mode: strict\nprofiles:\n  revosurge:\n    rate_limit: {limit: 0}\n    credentials:\n      apps:\n        - {id: a}\n        - {id: \"\"}\n")
	jsn := []byte("{\n  \"profiles\": {\n    \"revosurge\": {\n      \"rate_limit\": {\"limit\": 0}\n    }\n  }\n}\n")
	for _, tt := range []struct {
		data []byte
		path string
		want int
	}{
		{yml, "mode", 1},
		{yml, "profiles.revosurge.rate_limit.limit", 4},
		{yml, "profiles.revosurge.credentials.apps[1].id", 8},
		{yml, "profiles.g123", 0},
		{jsn, "profiles.revosurge.rate_limit.limit", 4},
		{[]byte("a: [1"), "a", 0},
	} {
		if got := KeyLine(tt.data, tt.path); got != tt.want {
			t.Errorf("KeyLine(%s) = %d, want %d", tt.path, got, tt.want)
		}
	}
}
