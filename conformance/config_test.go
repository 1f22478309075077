package conformance_test

import (
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name       string
		give       string
		giveFormat string
		wantErr    string // "" for success
		check      func(t *testing.T, c conformance.Config)
	}{
		{name: "empty YAML", give: "", check: func(t *testing.T, c conformance.Config) {
			if len(c.Profiles) != 0 {
				t.Errorf("got %d profiles, want 0", len(c.Profiles))
			}
		}},
		{name: "YAML", give: `
profiles:
  revosurge:
    credentials:
      api_keys: [k1, k2]
    rate_limit: {limit: 100, window: 1m}
    path_prefix: /sandbox
  appsflyer:
    credentials:
      apps:
        - {id: com.acme.app, secret: dk1, platform: android}
    max_items: 5
`, check: func(t *testing.T, c conformance.Config) {
			rs := c.Profiles["revosurge"]
			if got := rs.Credentials.APIKeys; len(got) != 2 || got[1] != "k2" {
				t.Errorf("got api_keys %v, want [k1 k2]", got)
			}
			if rs.RateLimit.Limit != 100 || rs.RateLimit.Window.D() != time.Minute || rs.PathPrefix != "/sandbox" {
				t.Errorf("got %+v, want limit 100 per 1m under /sandbox", rs)
			}
			if got := c.Profiles["appsflyer"].Credentials.Apps[0]; got.ID != "com.acme.app" || got.Platform != "android" {
				t.Errorf("got app %+v", got)
			}
		}},
		{name: "JSON guessed", give: `{"profiles":{"postback":{"credentials":{"jwt_secret":"j","hmac_secret":"h","subject":"acme"}}}}`,
			check: func(t *testing.T, c conformance.Config) {
				if got := c.Profiles["postback"].Credentials.Subject; got != "acme" {
					t.Errorf("got subject %q, want acme", got)
				}
			}},
		{name: "unknown top-level key", give: "profile:\n  revosurge: {}\n", wantErr: "profile"},
		{name: "unknown nested key YAML", give: "profiles:\n  revosurge:\n    rate: {limit: 1}\n", wantErr: "rate"},
		{name: "unknown nested key JSON", give: `{"profiles":{"g123":{"credentials":{"app":[]}}}}`, wantErr: `credentials.app: unknown key (line 1); did you mean "apps"?`},
		{name: "bad duration", give: "profiles:\n  revosurge:\n    rate_limit: {limit: 1, window: soon}\n", wantErr: "soon"},
		{name: "two JSON values", give: `{} {}`, wantErr: "more than one"},
		{name: "unknown format", give: `{}`, giveFormat: "toml", wantErr: "toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := conformance.ParseConfig([]byte(tt.give), tt.giveFormat)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			tt.check(t, c)
		})
	}
}

func TestConfigCheck(t *testing.T) {
	tests := []struct {
		name    string
		give    string
		wantErr string
	}{
		{name: "defaults", give: ""},
		{name: "unknown profile", give: "profiles:\n  acme: {}\n", wantErr: "profiles.acme: unknown profile (valid: revosurge"},
		{name: "rate limit below 1", give: "profiles:\n  revosurge:\n    rate_limit: {limit: 0}\n", wantErr: "profiles.revosurge.rate_limit.limit 0"},
		{name: "rate limit without a documented one", give: "profiles:\n  g123:\n    rate_limit: {limit: 5}\n", wantErr: "profiles.g123.rate_limit"},
		{name: "credentials the scheme cannot sign with", give: "profiles:\n  g123:\n    credentials: {api_keys: [k]}\n", wantErr: "profiles.g123.credentials"},
		{name: "app without id", give: "profiles:\n  appsflyer:\n    credentials:\n      apps: [{secret: x}]\n", wantErr: "apps[0].id"},
		{name: "prefix without slash", give: "profiles:\n  dingyue:\n    path_prefix: sandbox\n", wantErr: "path_prefix"},
		{name: "prefix with trailing slash", give: "profiles:\n  dingyue:\n    path_prefix: /sandbox/\n", wantErr: "path_prefix"},
		{name: "negative max_items", give: "profiles:\n  dingyue:\n    max_items: -1\n", wantErr: "max_items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := conformance.ParseConfig([]byte(tt.give), "yaml")
			if err != nil {
				t.Fatal(err)
			}
			err = c.Check(builtin.All())
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// FuzzParseConfig: any bytes give a config or an error, never a panic, and a
// config that parses passes Check or is refused naming its key.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("profiles:\n  revosurge:\n    credentials: {api_keys: [a, b]}\n    rate_limit: {limit: 3, window: 2s}\n"))
	f.Add([]byte(`{"profiles":{"appsflyer":{"credentials":{"apps":[{"id":"id1","secret":"s","platform":"ios"}]},"path_prefix":"/x"}}}`))
	f.Add([]byte("profiles: [1, 2]"))
	f.Add([]byte("{"))
	profiles := builtin.All()
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := conformance.ParseConfig(data, "")
		if err != nil {
			return
		}
		if err := c.Check(profiles); err != nil && !strings.Contains(err.Error(), "target config key profiles.") {
			t.Fatalf("config %q refused without naming its key: %v", data, err)
		}
	})
}

func TestConfigReadback(t *testing.T) {
	ps := builtin.All()
	good := "readback:\n  events:\n    url: http://127.0.0.1:9/records?after={cursor}\n    fields: {body: payload}\n"
	c, err := conformance.ParseConfig([]byte(good), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(ps); err != nil || c.Readback == nil || c.Readback.Events.Fields.Body != "payload" {
		t.Fatalf("got %+v, %v", c.Readback, err)
	}
	for give, wantErr := range map[string]string{
		"readback:\n  events:\n    url: http://h/r\n    fields: {profile: api}\n":                       "target config key readback.events.fields: body or key is required",
		"readback:\n  events:\n    url: http://h/r\n    fields: {key: k}\n    profiles: {postbak: p}\n": "readback.events.profiles.postbak: unknown profile",
	} {
		c, err := conformance.ParseConfig([]byte(give), "")
		if err == nil {
			err = c.Check(ps)
		}
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%q: got %v, want %q", give, err, wantErr)
		}
	}
	if _, err := conformance.ParseConfig([]byte("readback: {events: {ur: x}}\n"), ""); err == nil || !strings.Contains(err.Error(), "ur") {
		t.Fatalf("unknown key: %v", err)
	}
}
