package load

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/readback"
)

// TargetConfig is the file `s2s load -config` names: the target's credentials
// per profile and headers for every request. Values may use ${NAME} for
// environment variables, so secrets stay out of the file. It is what
// conformance.Config is to `s2s conform`.
type TargetConfig struct {
	// Profiles are read as the mock's and conformance's configs read them:
	// credentials (and max_items, which sizes batches) per profile.
	Profiles map[string]configfile.Profile `yaml:"profiles"`
	Headers  map[string]string             `yaml:"headers"`
	// Readback is where the receiver's records are read back (its own HTTP
	// JSON record API or its database), as in conform's target config; loss,
	// duplicates, ingest lag and the discrepancy then come from there.
	Readback *readback.Config `yaml:"readback"`
}

// ParseTargetConfig expands ${NAME} in data with getenv, then reads it as
// YAML; unknown keys are errors naming them. A variable unset or empty is an
// error naming every such variable: a secret left out must not sign as "".
func ParseTargetConfig(data []byte, getenv func(string) string) (*TargetConfig, error) {
	var missing []string
	data = []byte(os.Expand(string(data), func(k string) string {
		v := getenv(k)
		if v == "" && !slices.Contains(missing, k) {
			missing = append(missing, k)
		}
		return v
	}))
	if len(missing) > 0 {
		return nil, fmt.Errorf("environment variables not set: %s", strings.Join(missing, ", "))
	}
	var c TargetConfig
	if err := configfile.Decode(data, "yaml", &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Check reports the first bad value of c against the profiles, in key order,
// naming its key (e.g. "profiles.g123.credentials.apps[0].id").
func (c *TargetConfig) Check(profiles []*profile.Profile) error {
	return configfile.CheckEach(c.Profiles, profiles, configfile.Profile.Check, func(name string, names []string) error {
		return fmt.Errorf("unknown profile %q (valid: %s)", name, strings.Join(names, ", "))
	})
}

// Apply puts c into a run's config: cfg.Profile with the target's
// credentials (its Defaults) when c configures it, and c's headers on every
// request. The read-back source is the caller's to open (readback.Open).
func (c *TargetConfig) Apply(cfg *Config) {
	if pc, ok := c.Profiles[cfg.Profile.Name]; ok {
		cfg.Profile = pc.Apply(cfg.Profile)
	}
	if len(c.Headers) > 0 {
		cfg.Header = http.Header{}
		for k, v := range c.Headers {
			cfg.Header.Set(k, v)
		}
	}
}
