package conformance

import (
	"fmt"
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
}

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
	keys := make([]string, 0, len(c.Profiles))
	for k := range c.Profiles {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, name := range keys {
		i := slices.Index(names, name)
		if i < 0 {
			return fmt.Errorf("target config key profiles.%s: unknown profile (valid: %s)", name, strings.Join(names, ", "))
		}
		if err := c.Profiles[name].check(profiles[i]); err != nil {
			return fmt.Errorf("target config key profiles.%s.%w", name, err)
		}
	}
	return nil
}

func (pc ProfileConfig) check(p *profile.Profile) error {
	if err := pc.Common.Check(p); err != nil {
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
}

// effective returns p as the target has it, and its settings.
func (c Config) effective(p *profile.Profile) (*profile.Profile, settings) {
	pc := c.Profiles[p.Name]
	q := pc.Common.Apply(p)
	return q, settings{creds: q.Defaults, rate: q.Rate, prefix: pc.PathPrefix}
}
