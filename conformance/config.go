package conformance

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/profile"
)

// Config is the target config file: what the suite needs to know about the
// receiver, per profile. Profiles it does not name use the profile's defaults
// (the mock's test credentials and documented limits), so a mock started with
// no config is certified with no config. Key names match the mock's config.
type Config struct {
	Profiles map[string]ProfileConfig `json:"profiles,omitempty" yaml:"profiles,omitempty"`
}

// ProfileConfig describes the target's side of one profile.
type ProfileConfig struct {
	// Credentials replace the profile's default test credentials: API keys (a
	// second key enables the per-key rate-limit check), Basic apps, dev keys per
	// app with its platform, JWT and HMAC secrets, the token subject.
	Credentials *profile.Credentials `json:"credentials,omitempty" yaml:"credentials,omitempty"`
	// RateLimit is the target's limit when it differs from the documented one.
	RateLimit *RateConfig `json:"rate_limit,omitempty" yaml:"rate_limit,omitempty"`
	// MaxItems is the target's item cap of batch endpoints when it differs.
	MaxItems int `json:"max_items,omitempty" yaml:"max_items,omitempty"`
	// PathPrefix is put before every endpoint path (e.g. "/sandbox").
	PathPrefix string `json:"path_prefix,omitempty" yaml:"path_prefix,omitempty"`
}

// RateConfig is a rolling-window limit: at most Limit requests in any Window.
type RateConfig struct {
	Limit  int              `json:"limit" yaml:"limit"`
	Window inspect.Duration `json:"window,omitempty" yaml:"window,omitempty"` // default: the profile's
}

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
	if pc.Credentials != nil && p.Auth != nil && len(p.Endpoints) > 0 {
		o := &profile.Outgoing{Endpoint: &p.Endpoints[0], Header: make(map[string][]string), PathValues: map[string]string{}}
		if err := p.Auth.Sign(o, *pc.Credentials, time.Now()); err != nil {
			return fmt.Errorf("credentials: not enough for the %s scheme: %w", p.Auth.Scheme(), err)
		}
		for i, a := range pc.Credentials.Apps {
			if a.ID == "" {
				return fmt.Errorf("credentials.apps[%d].id: must not be empty", i)
			}
		}
	}
	if r := pc.RateLimit; r != nil {
		if p.Rate == nil {
			return errors.New("rate_limit: the profile documents no rate limit")
		}
		if r.Limit < 1 {
			return fmt.Errorf("rate_limit.limit %d: want ≥ 1", r.Limit)
		}
		if r.Window < 0 {
			return fmt.Errorf("rate_limit.window %s: want > 0", r.Window)
		}
	}
	if pc.MaxItems < 0 {
		return fmt.Errorf("max_items %d: want ≥ 0", pc.MaxItems)
	}
	if pc.PathPrefix != "" && (!strings.HasPrefix(pc.PathPrefix, "/") || strings.HasSuffix(pc.PathPrefix, "/")) {
		return fmt.Errorf("path_prefix %q: want a path like /sandbox (leading slash, no trailing slash)", pc.PathPrefix)
	}
	return nil
}

// settings is one profile's target config with the defaults filled in.
type settings struct {
	creds    profile.Credentials
	rate     *profile.RateLimit // nil: no limit documented
	maxItems int                // 0: the endpoints' own
	prefix   string
}

func (c Config) settings(p *profile.Profile) settings {
	pc := c.Profiles[p.Name]
	s := settings{creds: p.Defaults, maxItems: pc.MaxItems, prefix: pc.PathPrefix}
	if pc.Credentials != nil {
		s.creds = *pc.Credentials
	}
	if p.Rate != nil {
		r := *p.Rate
		if pc.RateLimit != nil {
			r.Limit = pc.RateLimit.Limit
			if pc.RateLimit.Window > 0 {
				r.Window = pc.RateLimit.Window.D()
			}
		}
		s.rate = &r
	}
	return s
}
