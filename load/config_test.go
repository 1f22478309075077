package load

import (
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

func TestParseTargetConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{"S2S_KEY": "sk_from_env"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name    string
		give    string
		wantKey string // the revosurge API key read
		wantErr string
	}{
		{name: "literal", give: "profiles:\n  revosurge:\n    credentials:\n      api_keys: [sk_literal]\n", wantKey: "sk_literal"},
		{name: "from the environment", give: "profiles:\n  revosurge:\n    credentials:\n      api_keys: [${S2S_KEY}]\n", wantKey: "sk_from_env"},
		{name: "unset variables, each named once", give: "headers:\n  X-A: ${S2S_A}\n  X-B: ${S2S_B}\n  X-C: $S2S_A\n",
			wantErr: "environment variables not set: S2S_A, S2S_B"},
		{name: "unknown key", give: "profile:\n  revosurge: {}\n", wantErr: "profile"},
		{name: "not YAML", give: "profiles: [", wantErr: "line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := ParseTargetConfig([]byte(tt.give), getenv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Profiles["revosurge"].Credentials.APIKeys; len(got) != 1 || got[0] != tt.wantKey {
				t.Errorf("api_keys = %v, want [%s]", got, tt.wantKey)
			}
		})
	}
}

func TestTargetConfigCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		give    string
		wantErr string
	}{
		{name: "fine", give: "profiles:\n  revosurge:\n    credentials:\n      api_keys: [sk_1]\n"},
		{name: "no profiles", give: "headers:\n  X-Env: staging\n"},
		{name: "unknown profile", give: "profiles:\n  acme: {}\n", wantErr: `profiles.acme: unknown profile "acme" (valid: `},
		{name: "first bad key in key order", give: "profiles:\n  revosurge:\n    rate_limit: {limit: 0, window: 1m}\n  g123:\n    credentials:\n      apps: [{id: '', secret: s}]\n",
			wantErr: "profiles.g123.credentials.apps[0].id"},
		{name: "bad rate limit", give: "profiles:\n  revosurge:\n    rate_limit: {limit: 0, window: 1m}\n", wantErr: "profiles.revosurge.rate_limit.limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := ParseTargetConfig([]byte(tt.give), func(string) string { return "" })
			if err != nil {
				t.Fatal(err)
			}
			err = c.Check(builtin.All())
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check: %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestTargetConfigApply(t *testing.T) {
	t.Parallel()
	p, err := builtin.Lookup("revosurge")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseTargetConfig([]byte("profiles:\n  revosurge:\n    credentials:\n      api_keys: [sk_target]\n  g123:\n    credentials:\n      apps: [{id: a, secret: s}]\nheaders:\n  x-env: staging\n"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Profile: p}
	c.Apply(&cfg)
	if got := cfg.Profile.Defaults.APIKeys; len(got) != 1 || got[0] != "sk_target" {
		t.Errorf("credentials %v, want the target's [sk_target]", got)
	}
	if p.Defaults.APIKeys[0] == "sk_target" {
		t.Error("Apply changed the built-in profile")
	}
	if got := cfg.Header.Get("X-Env"); got != "staging" {
		t.Errorf("header X-Env = %q, want staging", got)
	}

	none := Config{Profile: p}
	(&TargetConfig{}).Apply(&none)
	if none.Profile != p || none.Header != nil {
		t.Errorf("an empty config changed the run: profile %p (want %p), header %v", none.Profile, p, none.Header)
	}
}
