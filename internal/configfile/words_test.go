package configfile_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/load"
	"github.com/s2s-harness/s2s-harness/mockserver"
)

// goWords are the marks of an error that leaked Go's view of a config: a YAML
// tag, a package-qualified type, a "Go struct field", an "into" clause.
var goWords = regexp.MustCompile(`!!|\b[a-z]+\.[A-Z]\w*\b|Go struct|Go value|cannot unmarshal| into `)

// TestErrorsSpeakConfig feeds typos and bad values to every config reader and
// wants the key path, what it wants (or the nearest valid key), and no Go type.
func TestErrorsSpeakConfig(t *testing.T) {
	mock := func(format string) func(string) error {
		return func(s string) error { _, err := mockserver.ParseConfig([]byte(s), format); return err }
	}
	conform := func(format string) func(string) error {
		return func(s string) error { _, err := conformance.ParseConfig([]byte(s), format); return err }
	}
	scenario := func(s string) error { _, err := load.ParseScenario([]byte(s)); return err }
	sla := func(s string) error { _, err := load.ParseSLA([]byte(s)); return err }
	tests := []struct {
		name  string
		parse func(string) error
		give  string
		want  string
	}{
		{"mock duration", mock("yaml"), "profiles:\n  revosurge:\n    rate_limit: {limit: 5, window: abc}\n",
			`profiles.revosurge.rate_limit.window: want a duration like 1m, got "abc" (line 3)`},
		{"mock duration json", mock("json"), `{"profiles":{"revosurge":{"rate_limit":{"limit":5,"window":"abc"}}}}`,
			`profiles.revosurge.rate_limit.window: want a duration like 1m, got "abc"`},
		{"mock typo in inline key", mock("yaml"), "profiles:\n  revosurge:\n    rate_limt: {limit: 5}\n",
			`profiles.revosurge.rate_limt: unknown key (line 3); did you mean "rate_limit"?`},
		{"mock typo json", mock("json"), `{"profiles":{"g123":{"credentails":{}}}}`,
			`profiles.g123.credentails: unknown key (line 1); did you mean "credentials"?`},
		{"mock swapped letters", mock("yaml"), "mdoe: strict\n", `mdoe: unknown key (line 1); did you mean "mode"?`},
		{"mock no near key", mock("yaml"), "zzzzzz: 1\n", `zzzzzz: unknown key (line 1); valid keys: admin_token, journal, max_body, mode, profiles, server`},
		{"mock int", mock("yaml"), "journal: {size: many}\n", `journal.size: want a whole number, got "many" (line 1)`},
		{"mock int json", mock("json"), `{"journal":{"size":"10"}}`, `journal.size: want a whole number, got "10"`},
		{"mock float", mock("yaml"), "profiles:\n  postback:\n    faults: {error_rate: lots}\n",
			`profiles.postback.faults.error_rate: want a number, got "lots"`},
		{"mock bool", mock("yaml"), "profiles:\n  revosurge:\n    dedupe: {drop_duplicates: maybe}\n",
			`profiles.revosurge.dedupe.drop_duplicates: want true or false, got "maybe"`},
		{"mock list for mapping", mock("yaml"), "profiles: [revosurge]\n", `profiles: want a mapping of keys, got a list (line 1)`},
		{"mock server timeout", mock("yaml"), "server: {read_timeout: 5 seconds}\n", `server.read_timeout: want a duration like 1m, got "5 seconds"`},
		{"mock key list", mock("yaml"), "profiles:\n  revosurge:\n    credentials: {api_keys: key1}\n",
			`profiles.revosurge.credentials.api_keys: want a list, got "key1"`},
		{"conform typo", conform("yaml"), "profiles:\n  revosurge:\n    path_prefx: /x\n",
			`profiles.revosurge.path_prefx: unknown key (line 3); did you mean "path_prefix"?`},
		{"conform app typo", conform("yaml"), "profiles:\n  appsflyer:\n    credentials:\n      apps: [{id: a, secert: b}]\n",
			`profiles.appsflyer.credentials.apps[0].secert: unknown key (line 4); did you mean "secret"?`},
		{"conform max_items", conform("json"), `{"profiles":{"dingyue":{"max_items":1.5}}}`,
			`profiles.dingyue.max_items: want a whole number, got 1.5`},
		{"scenario typo", scenario, "name: x\nrat: 5/s\n", `rat: unknown key (line 2); did you mean "rate"?`},
		{"scenario replay", scenario, "name: x\nreplay: often\n", `replay: want a number, got "often"`},
		{"scenario retry typo", scenario, "name: x\nretry: {maxx: 3}\n", `retry.maxx: unknown key (line 2); did you mean "max"?`},
		{"sla typo", sla, "thresholds:\n  - {metric: p95, mx: 500ms}\n", `thresholds[0].mx: unknown key (line 2); did you mean "max"?`},
		{"sla list", sla, "thresholds: {metric: p95}\n", `thresholds: want a list, got a mapping`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse(tt.give)
			if err == nil {
				t.Fatalf("no error for %q", tt.give)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, tt.want)
			}
			if m := goWords.FindString(err.Error()); m != "" {
				t.Errorf("error %q speaks Go (%q)", err, m)
			}
		})
	}
}

func TestNearest(t *testing.T) {
	keys := []string{"limit", "window", "rate_limit", "max_items", "credentials"}
	tests := []struct {
		give string
		want string
		ok   bool
	}{
		{"limt", "limit", true},
		{"windwo", "window", true},
		{"ratelimit", "rate_limit", true},
		{"Max_Items", "max_items", true},
		{"credentails", "credentials", true},
		{"zebra", "", false},
	}
	for _, tt := range tests {
		got, ok := configfile.Nearest(tt.give, keys)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("Nearest(%q) = %q, %v; want %q, %v", tt.give, got, ok, tt.want, tt.ok)
		}
	}
}
