package conformance

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/readback"
)

// Config is the target config file: what the suite needs to know about the
// receiver, per profile. Profiles it does not name use the profile's defaults
// (the mock's test credentials and documented limits), so a mock started with
// no config is certified with no config. Key names match the mock's config.
type Config struct {
	Profiles map[string]ProfileConfig `json:"profiles,omitempty" yaml:"profiles,omitempty"`
	// Readback says where the deep checks read what the receiver recorded
	// when it does not serve the inspection API (docs/conformance.md, "Read-back").
	Readback *readback.Config `json:"readback,omitempty" yaml:"readback,omitempty"`
}

// ProfileConfig describes the target's side of one profile.
type ProfileConfig struct {
	// Common holds the target's credentials (API keys, a second one enabling
	// the per-key rate-limit check; Basic apps; dev keys per app with its
	// platform; JWT and HMAC secrets and subject), and its rate_limit and
	// max_items where they differ from the documented ones.
	Common `yaml:",inline"`
	// PathPrefix is put before every endpoint path (e.g. "/sandbox").
	PathPrefix string `json:"path_prefix,omitempty" yaml:"path_prefix,omitempty"`
	// Scope declares layers the receiver does not implement itself, by area
	// (auth, validation, batching, rate-limit, idempotency, time, response),
	// with the reason: {auth: gateway} when a gateway in front enforces the
	// JWT. Their rules are not applicable and the certification is partial;
	// with auth out of scope, credentials may be left out.
	Scope map[string]string `json:"scope,omitempty" yaml:"scope,omitempty"`
}

// Areas a target config may declare out of scope.
var scopeAreas = []profile.Area{profile.AreaAuth, profile.AreaValidation, profile.AreaBatching, profile.AreaRateLimit,
	profile.AreaIdempotency, profile.AreaTime, profile.AreaResponse}

// Common is the part of a profile's config every config file shares.
type Common = configfile.Profile

// RateConfig is a rolling-window limit: at most Limit requests in any Window.
type RateConfig = configfile.RateLimit

// ParseConfig reads a target config in YAML or JSON (format "json", "yaml" or
// "" to guess from the first byte). Unknown keys are errors naming them.
func ParseConfig(data []byte, format string) (Config, error) {
	var c Config
	if err := configfile.Decode(data, format, &c); err != nil {
		return Config{}, fmt.Errorf("target config: %w", err)
	}
	return c, nil
}

// Check reports the first bad value of c against the profiles, naming its key
// (e.g. "profiles.revosurge.rate_limit.limit").
func (c Config) Check(profiles []*profile.Profile) error {
	var names []string
	for _, p := range profiles {
		names = append(names, p.Name)
	}
	if c.Readback != nil {
		if err := c.Readback.Validate(); err != nil {
			return fmt.Errorf("target config key %w", err)
		}
		if err := c.Readback.CheckProfiles(names); err != nil {
			return fmt.Errorf("target config key %w", err)
		}
	}
	if err := configfile.CheckEach(c.Profiles, profiles, ProfileConfig.check, func(_ string, names []string) error {
		return fmt.Errorf("unknown profile (valid: %s)", strings.Join(names, ", "))
	}); err != nil {
		return fmt.Errorf("target config key %w", err)
	}
	return nil
}

func (pc ProfileConfig) check(p *profile.Profile) error {
	keys := slices.Sorted(maps.Keys(pc.Scope))
	for _, k := range keys {
		if !slices.Contains(scopeAreas, profile.Area(k)) {
			return fmt.Errorf("scope.%s: not an area (valid: %s)", k, joinAreas(scopeAreas))
		}
		if strings.TrimSpace(pc.Scope[k]) == "" {
			return fmt.Errorf("scope.%s: give the reason (e.g. gateway)", k)
		}
	}
	c := pc.Common
	if pc.Scope[string(profile.AreaAuth)] != "" {
		c.Credentials = nil // a gateway authenticates: the receiver's credentials are not needed
	}
	if err := c.Check(p); err != nil {
		return err
	}
	if pc.PathPrefix != "" && (!strings.HasPrefix(pc.PathPrefix, "/") || strings.HasSuffix(pc.PathPrefix, "/")) {
		return fmt.Errorf("path_prefix %q: want a path like /sandbox (leading slash, no trailing slash)", pc.PathPrefix)
	}
	return nil
}

// settings is one profile's target config: the target's credentials, limit
// and batch cap are in its effective profile (configfile.Profile.Apply).
type settings struct {
	creds  profile.Credentials
	rate   *profile.RateLimit // nil: no limit documented
	prefix string
	scope  map[string]string // area → why it is out of scope
}

// effective returns p as the target has it, and its settings.
func (c Config) effective(p *profile.Profile) (*profile.Profile, settings) {
	pc := c.Profiles[p.Name]
	q := pc.Common.Apply(p)
	return q, settings{creds: q.Defaults, rate: q.Rate, prefix: pc.PathPrefix, scope: pc.Scope}
}

func joinAreas(as []profile.Area) string {
	var out []string
	for _, a := range as {
		out = append(out, string(a))
	}
	return strings.Join(out, ", ")
}
