package mockserver

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/mockserver/mutant"
	"github.com/s2s-harness/s2s-harness/profile"
)

// Defaults of the mock's own limits (the profiles' limits come from the profiles).
const (
	DefaultJournalSize     = 10_000
	DefaultJournalBody     = 4 << 10
	DefaultJournalEvents   = 100
	DefaultJournalBytes    = 64 << 20
	DefaultMaxBody         = 10 << 20
	DefaultDedupeKeys      = 10_000
	DefaultReadHeaderLimit = 10 * time.Second
	DefaultReadLimit       = 30 * time.Second
	DefaultIdleLimit       = 120 * time.Second
	DefaultShutdownGrace   = 10 * time.Second
)

// Config is everything the mock can be told. The zero value serves every profile
// with its defaults (credentials, limits) in strict mode.
type Config struct {
	// Mode is strict (default) or lenient for every profile.
	Mode profile.Mode `json:"mode,omitempty" yaml:"mode,omitempty"`
	// MaxBody caps a request body on endpoints without a documented size (bytes).
	MaxBody int64         `json:"max_body,omitempty" yaml:"max_body,omitempty"`
	Journal JournalConfig `json:"journal,omitzero" yaml:"journal,omitempty"`
	// AdminToken, when set, is required on every /_s2s/ call but health, as
	// "Authorization: Bearer <token>": the inspection API can reset state and
	// switch rules off.
	AdminToken string       `json:"admin_token,omitempty" yaml:"admin_token,omitempty"`
	Server     ServerConfig `json:"server,omitzero" yaml:"server,omitempty"`
	// Store is where `s2s mock` keeps the state: "memory" (default) or a
	// Redis URL (redis://host:6379/0, rediss:// for TLS) shared by replicas.
	Store string `json:"store,omitempty" yaml:"store,omitempty"`
	// Profiles holds per-profile settings by profile name.
	Profiles map[string]ProfileConfig `json:"profiles,omitempty" yaml:"profiles,omitempty"`
}

// JournalConfig bounds the journal: entries are kept in a ring, counters are not.
type JournalConfig struct {
	Size      int `json:"size,omitempty" yaml:"size,omitempty"`             // entries kept (default 10,000)
	BodyBytes int `json:"body_bytes,omitempty" yaml:"body_bytes,omitempty"` // body bytes kept per entry (default 4 KiB)
	Events    int `json:"events,omitempty" yaml:"events,omitempty"`         // events kept per entry (default 100)
	// MaxBytes bounds the estimated memory of the kept entries (default 64 MiB):
	// past it the oldest go, whatever Size allows.
	MaxBytes int `json:"max_bytes,omitempty" yaml:"max_bytes,omitempty"`
}

// ServerConfig are the HTTP server's timeouts (used by Serve).
type ServerConfig struct {
	ReadHeaderTimeout inspect.Duration `json:"read_header_timeout,omitempty" yaml:"read_header_timeout,omitempty"`
	ReadTimeout       inspect.Duration `json:"read_timeout,omitempty" yaml:"read_timeout,omitempty"`
	IdleTimeout       inspect.Duration `json:"idle_timeout,omitempty" yaml:"idle_timeout,omitempty"`
	ShutdownGrace     inspect.Duration `json:"shutdown_grace,omitempty" yaml:"shutdown_grace,omitempty"`
}

// ProfileConfig overrides one profile's defaults.
type ProfileConfig struct {
	// Common holds credentials, rate_limit and max_items, read the same way by
	// a conformance target config.
	Common `yaml:",inline"`
	Dedupe DedupeConfig `json:"dedupe,omitzero" yaml:"dedupe,omitempty"`
	// Faults are injected from start; the inspection API can change them.
	Faults inspect.Faults `json:"faults,omitzero" yaml:"faults,omitempty"`
}

// Common is the part of a profile's config every config file shares:
// credentials, rate_limit, max_items.
type Common = configfile.Profile

// RateConfig is a rolling-window limit: at most Limit requests in any Window.
type RateConfig = configfile.RateLimit

// DedupeConfig sizes the repeat-detection state of a profile.
type DedupeConfig struct {
	// Keys bounds each store (idempotency keys, duplicate keys, fallback keys,
	// per-app sequences): the oldest key is forgotten past it (default 10,000).
	Keys int `json:"keys,omitempty" yaml:"keys,omitempty"`
	// FallbackWindow replaces the profile's probable-duplicate window.
	FallbackWindow inspect.Duration `json:"fallback_window,omitempty" yaml:"fallback_window,omitempty"`
	// DropDuplicates: a repeat that would be marked duplicate is answered as
	// accepted but not recorded (RS-DUP-1's optional switch).
	DropDuplicates bool `json:"drop_duplicates,omitempty" yaml:"drop_duplicates,omitempty"`
}

// ParseConfig reads a config in YAML or JSON (format "json", "yaml" or "" to
// guess from the first byte). Unknown keys are errors naming them; the values
// are checked by Config.Check when the mock is built.
func ParseConfig(data []byte, format string) (Config, error) {
	var c Config
	if err := configfile.Decode(data, format, &c); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return c, nil
}

// Check reports the first bad value of c against the profiles it will serve,
// naming its key (e.g. "profiles.revosurge.rate_limit.limit").
func (c Config) Check(profiles []*profile.Profile) error {
	if c.Mode != "" {
		if _, err := profile.ParseMode(string(c.Mode)); err != nil {
			return fmt.Errorf("config key mode: %w", err)
		}
	}
	if err := CheckStore(c.Store); err != nil {
		return fmt.Errorf("config key %w", err)
	}
	if c.MaxBody < 0 {
		return fmt.Errorf("config key max_body %d: want ≥ 0", c.MaxBody)
	}
	for _, f := range []struct {
		key string
		v   int
	}{{"journal.size", c.Journal.Size}, {"journal.body_bytes", c.Journal.BodyBytes}, {"journal.events", c.Journal.Events}, {"journal.max_bytes", c.Journal.MaxBytes}} {
		if f.v < 0 {
			return fmt.Errorf("config key %s %d: want ≥ 0", f.key, f.v)
		}
	}
	for _, f := range []struct {
		key string
		v   inspect.Duration
	}{{"server.read_header_timeout", c.Server.ReadHeaderTimeout}, {"server.read_timeout", c.Server.ReadTimeout},
		{"server.idle_timeout", c.Server.IdleTimeout}, {"server.shutdown_grace", c.Server.ShutdownGrace}} {
		if f.v < 0 {
			return fmt.Errorf("config key %s %s: want ≥ 0", f.key, f.v)
		}
	}
	if err := configfile.CheckEach(c.Profiles, profiles, ProfileConfig.check, func(_ string, names []string) error {
		return fmt.Errorf("unknown profile (served: %s)", strings.Join(names, ", "))
	}); err != nil {
		return fmt.Errorf("config key %w", err)
	}
	return nil
}

func (pc ProfileConfig) check(p *profile.Profile) error {
	if err := pc.Common.Check(p); err != nil {
		return err
	}
	if pc.Dedupe.Keys < 0 {
		return fmt.Errorf("dedupe.keys %d: want ≥ 0", pc.Dedupe.Keys)
	}
	if pc.Dedupe.FallbackWindow < 0 {
		return fmt.Errorf("dedupe.fallback_window %s: want ≥ 0", pc.Dedupe.FallbackWindow)
	}
	if err := pc.Faults.Validate(); err != nil {
		return fmt.Errorf("faults.%w", err)
	}
	if err := mutant.CheckIDs(p, pc.Faults.Break); err != nil {
		return fmt.Errorf("faults.%w", err)
	}
	return nil
}

// StoreMemory is the Store value of the in-process state (the default).
const StoreMemory = "memory"

// CheckStore reports what is wrong with a Store value.
func CheckStore(s string) error {
	if s == "" || s == StoreMemory {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return fmt.Errorf("store %q: want memory or a Redis URL such as redis://127.0.0.1:6379/0", redactURL(s))
	}
	return nil
}

// redactURL hides a password for messages.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}

func orInt(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func orDuration(v inspect.Duration, def time.Duration) time.Duration {
	if v > 0 {
		return v.D()
	}
	return def
}
