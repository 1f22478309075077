package configfile

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
)

// Profile is what every config says of one profile, the mock's and a
// conformance target's alike: the credentials, and the rate limit and batch
// cap where they differ from the documented ones. Both embed it inline, so
// the keys read the same in either file.
type Profile struct {
	// Credentials replace the profile's default test credentials.
	Credentials *profile.Credentials `json:"credentials,omitempty" yaml:"credentials,omitempty"`
	// RateLimit replaces the documented limit (same rule IDs).
	RateLimit *RateLimit `json:"rate_limit,omitempty" yaml:"rate_limit,omitempty"`
	// MaxItems replaces the item cap of the profile's batch endpoints.
	MaxItems int `json:"max_items,omitempty" yaml:"max_items,omitempty"`
	// Params renames document members on the wire of the profile's
	// query-string endpoints (member → parameter: click_id: subid), for a
	// target that spells them its own way (Keitaro, Voluum).
	Params map[string]string `json:"params,omitempty" yaml:"params,omitempty"`
}

// RateLimit is a rolling-window limit: at most Limit requests in any Window.
type RateLimit struct {
	Limit  int              `json:"limit" yaml:"limit"`
	Window inspect.Duration `json:"window,omitempty" yaml:"window,omitempty"` // default: the profile's
}

// Check reports the first bad value against p, naming its key relative to
// the profile ("rate_limit.limit 0: want ≥ 1").
func (c Profile) Check(p *profile.Profile) error {
	if c.Credentials != nil && p.Auth != nil {
		o := &profile.Outgoing{Header: http.Header{}, PathValues: map[string]string{}}
		if len(p.Endpoints) > 0 {
			o.Endpoint = &p.Endpoints[0]
		}
		if err := p.Auth.Sign(o, *c.Credentials, time.Now()); err != nil {
			return fmt.Errorf("credentials: not enough for the %s scheme: %w", p.Auth.Scheme(), err)
		}
		for i, a := range c.Credentials.Apps {
			if a.ID == "" {
				return fmt.Errorf("credentials.apps[%d].id: must not be empty", i)
			}
			switch a.Platform {
			case "", "ios", "android":
			default:
				return fmt.Errorf("credentials.apps[%d].platform %q: want ios or android", i, a.Platform)
			}
		}
	}
	if r := c.RateLimit; r != nil {
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
	if len(c.Params) > 0 {
		renamed := false
		for _, e := range p.Endpoints {
			if e.Transport != profile.QueryString {
				continue
			}
			if _, err := e.Rename(c.Params); err != nil {
				return fmt.Errorf("params: %w", err)
			}
			renamed = true
		}
		if !renamed {
			return errors.New("params: the profile has no query-string endpoint whose parameters could be renamed")
		}
	}
	if c.MaxItems < 0 {
		return fmt.Errorf("max_items %d: want ≥ 0", c.MaxItems)
	}
	if c.MaxItems > 0 && !slices.ContainsFunc(p.Endpoints, func(e profile.Endpoint) bool { return e.MaxItems > 0 }) {
		return errors.New("max_items: the profile has no batch endpoint with an item limit")
	}
	return nil
}

// Apply returns p as this config has it: a copy whose Defaults are the
// configured credentials, with the configured rate limit, batch cap and
// parameter names. The mock
// serves it; conformance derives its checks from it.
func (c Profile) Apply(p *profile.Profile) *profile.Profile {
	q := *p
	q.Endpoints = slices.Clone(p.Endpoints)
	if c.MaxItems > 0 {
		for i := range q.Endpoints {
			if q.Endpoints[i].MaxItems > 0 {
				q.Endpoints[i].MaxItems = c.MaxItems
			}
		}
	}
	for i, e := range q.Endpoints {
		if e.Transport == profile.QueryString {
			if r, err := e.Rename(c.Params); err == nil { // Check reported an error
				q.Endpoints[i] = r
			}
		}
	}
	if p.Rate != nil && c.RateLimit != nil {
		r := *p.Rate
		r.Limit = c.RateLimit.Limit
		if c.RateLimit.Window > 0 {
			r.Window = c.RateLimit.Window.D()
		}
		q.Rate = &r
	}
	if c.Credentials != nil {
		q.Defaults = *c.Credentials
	}
	return &q
}

// CheckEach checks every entry of configured, in key order (so the first
// error is always the same), against the profile its key names, the way
// each command's config does: check's error comes back as
// "profiles.NAME.<its error>", and a name none of profiles has as
// "profiles.NAME: <unknown's error>", unknown being given the name and the
// valid names.
func CheckEach[T any](configured map[string]T, profiles []*profile.Profile,
	check func(T, *profile.Profile) error, unknown func(name string, names []string) error) error {
	names := make([]string, 0, len(profiles))
	for _, p := range profiles {
		names = append(names, p.Name)
	}
	keys := make([]string, 0, len(configured))
	for k := range configured {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, name := range keys {
		i := slices.Index(names, name)
		if i < 0 {
			return fmt.Errorf("profiles.%s: %w", name, unknown(name, names))
		}
		if err := check(configured[name], profiles[i]); err != nil {
			return fmt.Errorf("profiles.%s.%w", name, err)
		}
	}
	return nil
}
