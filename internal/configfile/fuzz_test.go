package configfile_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/mockserver"
)

var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// FuzzDecode: any bytes, either format, into the mock's config (the richest
// one): no panic, and an error never speaks Go.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"mode: strict\n", "profiles:\n  revosurge:\n    rate_limit: {limit: 5, window: abc}\n",
		`{"journal":{"size":"10"}}`, "profiles: [a]\n", "server: {read_timeout: 1}\n",
		`{"profiles":{"g123":{"credentials":{"apps":[{"id":1}]}}}}`, "a: &x 1\nb: *x\n", "- 1\n", "",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		format := "yaml"
		if asJSON {
			format = "json"
		}
		var c mockserver.Config
		err := configfile.Decode(data, format, &c)
		if err == nil {
			return
		}
		// What the file said (quoted values and keys, the key path) may be
		// anything; the words around it must not be Go's.
		msg := quoted.ReplaceAllString(err.Error(), `""`)
		if _, rest, ok := strings.Cut(msg, ": "); ok {
			msg = rest
		}
		if goWords.MatchString(msg) {
			t.Fatalf("Decode(%q, %s): error speaks Go: %v", data, format, err)
		}
	})
}
