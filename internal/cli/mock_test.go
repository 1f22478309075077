package cli

import (
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

func TestExposure(t *testing.T) {
	tests := []struct {
		addr             string
		exposed, wantErr bool
	}{
		{"127.0.0.1:8080", false, false},
		{"[::1]:8080", false, false},
		{"localhost:8080", false, false},
		{"0.0.0.0:8080", true, false},
		{":8080", true, false},
		{"10.0.0.5:8080", true, false},
		{"no-port", false, true},
	}
	for _, tt := range tests {
		exposed, err := exposure(tt.addr)
		if exposed != tt.exposed || (err != nil) != tt.wantErr {
			t.Errorf("exposure(%q) = %v, %v; want %v, error %v", tt.addr, exposed, err, tt.exposed, tt.wantErr)
		}
	}
}

// TestBannerHidesConfiguredSecrets: the defaults are printed (they are in
// the docs), configured secrets never.
func TestBannerHidesConfiguredSecrets(t *testing.T) {
	p, _ := builtin.Select("revosurge")
	cfg := mockserver.Config{Profiles: map[string]mockserver.ProfileConfig{
		"revosurge": {Common: mockserver.Common{Credentials: &profile.Credentials{APIKeys: []string{"team-secret-key"}}}}}}
	m, err := mockserver.New(p, mockserver.WithConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	banner(&b, "http://127.0.0.1:1", m)
	if strings.Contains(b.String(), "team-secret-key") || !strings.Contains(b.String(), "not printed") {
		t.Errorf("banner shows a configured secret:\n%s", b.String())
	}
	d, _ := mockserver.New(p)
	b.Reset()
	banner(&b, "http://127.0.0.1:1", d)
	if !strings.Contains(b.String(), p[0].Defaults.APIKeys[0]) {
		t.Errorf("banner lacks the default key:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "http://127.0.0.1:1/_s2s/ui/") {
		t.Errorf("banner lacks the inspector's URL:\n%s", b.String())
	}
}
