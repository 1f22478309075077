package readback

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
)

// Config is the `readback` key of a target config: where the harness reads
// what the receiver recorded. Exactly one of Events (an HTTP JSON record API)
// and SQL (a query on the receiver's database) is set; Clock and Reset are
// optional abilities of the HTTP kind.
type Config struct {
	Events *EventsConfig `json:"events,omitempty" yaml:"events,omitempty"`
	SQL    *SQLConfig    `json:"sql,omitempty" yaml:"sql,omitempty"`
	Clock  *ClockConfig  `json:"clock,omitempty" yaml:"clock,omitempty"`
	Reset  *Request      `json:"reset,omitempty" yaml:"reset,omitempty"`
	// Settle is how long a check waits for a record to appear before it
	// concludes the receiver did not record it (default 2s): records may
	// reach the record API after the answer.
	Settle inspect.Duration `json:"settle,omitempty" yaml:"settle,omitempty"`
}

// EventsConfig describes a vendor's HTTP JSON record API.
type EventsConfig struct {
	// URL is fetched with GET; {profile} and {cursor} are replaced
	// (query-escaped). {cursor} is "" on the first page.
	URL string `json:"url" yaml:"url"`
	// Headers are sent on every request; ${VAR} is read from the environment.
	Headers map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`
	// Items is the dotted path to the array of records in the answer ("" or
	// "." when the answer is the array).
	Items string `json:"items,omitempty" yaml:"items,omitempty"`
	// Cursor is the record field to resume after; without it every answer is
	// the whole list and the harness resumes by position.
	Cursor string `json:"cursor,omitempty" yaml:"cursor,omitempty"`
	// Profiles maps our profile names to the vendor's, for {profile} and the
	// profile field.
	Profiles map[string]string `json:"profiles,omitempty" yaml:"profiles,omitempty"`
	Fields   Fields            `json:"fields" yaml:"fields"`
	// TimeFormat is rfc3339 (default), unix_ms or unix_s.
	TimeFormat string `json:"time_format,omitempty" yaml:"time_format,omitempty"`
}

// Fields are the vendor's names of a record's members (HTTP) or columns (SQL).
// Body or Key is required.
type Fields struct {
	Body       string `json:"body,omitempty" yaml:"body,omitempty"`
	Key        string `json:"key,omitempty" yaml:"key,omitempty"`
	Profile    string `json:"profile,omitempty" yaml:"profile,omitempty"`
	ReceivedAt string `json:"received_at,omitempty" yaml:"received_at,omitempty"`
	RecordedAt string `json:"recorded_at,omitempty" yaml:"recorded_at,omitempty"`
	Dropped    string `json:"dropped,omitempty" yaml:"dropped,omitempty"`
	// Duplicate and ProbableDuplicate name the receiver's repeat flags, when
	// it keeps them (RS-DUP-1, AF-DUP-1, PB-DEDUP-1).
	Duplicate         string `json:"duplicate,omitempty" yaml:"duplicate,omitempty"`
	ProbableDuplicate string `json:"probable_duplicate,omitempty" yaml:"probable_duplicate,omitempty"`
}

// SQLConfig is a query on the receiver's PostgreSQL database. Query takes the
// cursor as $1 (the value of the cursor column of the last row read, "" on
// the first page: write e.g. `where id > coalesce(nullif($1, ”)::bigint, 0)`)
// and returns columns named like Fields (default: body, key, profile,
// received_at, recorded_at, dropped).
type SQLConfig struct {
	DSN   string `json:"dsn" yaml:"dsn"`
	Query string `json:"query" yaml:"query"`
	// Cursor is the column to resume after (default "id" when the query
	// returns it; else the harness resumes by position).
	Cursor   string            `json:"cursor,omitempty" yaml:"cursor,omitempty"`
	Profiles map[string]string `json:"profiles,omitempty" yaml:"profiles,omitempty"`
	Fields   *Fields           `json:"fields,omitempty" yaml:"fields,omitempty"`
}

// ClockConfig moves the receiver's clock: Set stops it at {time} (RFC 3339
// with nanoseconds, UTC), Release gives it back its real time.
type ClockConfig struct {
	Set     Request `json:"set" yaml:"set"`
	Release Request `json:"release" yaml:"release"`
}

// Request is one HTTP call of the read-back config. Headers default to the
// events' headers.
type Request struct {
	Method  string            `json:"method" yaml:"method"`
	URL     string            `json:"url" yaml:"url"`
	Body    string            `json:"body,omitempty" yaml:"body,omitempty"`
	Headers map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`
}

// The time formats.
const (
	RFC3339 = "rfc3339"
	UnixMS  = "unix_ms"
	UnixS   = "unix_s"
)

// DefaultSettle is how long a check waits for a record by default.
const DefaultSettle = 2 * time.Second

// Validate reports the first thing wrong with c, naming its key under
// "readback" (e.g. "readback.events.fields: body or key is required").
func (c Config) Validate() error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("readback.%w", err)
	}
	return nil
}

func (c Config) validate() error {
	switch {
	case c.Events == nil && c.SQL == nil:
		return errors.New("events: one of events (HTTP JSON) or sql is required")
	case c.Events != nil && c.SQL != nil:
		return errors.New("sql: give events (HTTP JSON) or sql, not both")
	case c.Settle < 0:
		return fmt.Errorf("settle %s: want ≥ 0", c.Settle)
	}
	if c.Events != nil {
		if err := c.Events.validate(); err != nil {
			return fmt.Errorf("events.%w", err)
		}
	}
	if c.SQL != nil {
		if c.Clock != nil {
			return errors.New("clock: only with events (a SQL read-back cannot move the receiver's clock)")
		}
		if c.Reset != nil {
			return errors.New("reset: only with events (a SQL read-back cannot clear the receiver)")
		}
		if err := c.SQL.validate(); err != nil {
			return fmt.Errorf("sql.%w", err)
		}
	}
	if c.Clock != nil {
		if err := c.Clock.Set.validate(); err != nil {
			return fmt.Errorf("clock.set.%w", err)
		}
		if !strings.Contains(c.Clock.Set.URL+c.Clock.Set.Body, "{time}") {
			return errors.New("clock.set: neither url nor body contains {time}")
		}
		if err := c.Clock.Release.validate(); err != nil {
			return fmt.Errorf("clock.release.%w", err)
		}
	}
	if c.Reset != nil {
		if err := c.Reset.validate(); err != nil {
			return fmt.Errorf("reset.%w", err)
		}
	}
	return nil
}

func (e *EventsConfig) validate() error {
	if err := checkURL(e.URL); err != nil {
		return fmt.Errorf("url%w", err)
	}
	if err := checkHeaders(e.Headers); err != nil {
		return err
	}
	if e.Items != "" && e.Items != "." {
		for _, part := range strings.Split(e.Items, ".") {
			if part == "" {
				return fmt.Errorf("items %q: want a dotted path like data.items (no empty parts)", e.Items)
			}
		}
	}
	switch e.TimeFormat {
	case "", RFC3339, UnixMS, UnixS:
	default:
		return fmt.Errorf("time_format %q: want rfc3339, unix_ms or unix_s", e.TimeFormat)
	}
	if err := checkProfiles(e.Profiles); err != nil {
		return err
	}
	if err := e.Fields.validate(); err != nil {
		return fmt.Errorf("fields%w", err)
	}
	return nil
}

func (f Fields) validate() error {
	if f.Body == "" && f.Key == "" {
		return errors.New(": body or key is required (the harness matches records to what it sent by them)")
	}
	seen := map[string]string{}
	for _, kv := range [][2]string{{"body", f.Body}, {"key", f.Key}, {"profile", f.Profile}, {"received_at", f.ReceivedAt},
		{"recorded_at", f.RecordedAt}, {"dropped", f.Dropped}, {"duplicate", f.Duplicate}, {"probable_duplicate", f.ProbableDuplicate}} {
		if kv[1] == "" {
			continue
		}
		if prev, ok := seen[kv[1]]; ok {
			return fmt.Errorf(".%s %q: also named by fields.%s", kv[0], kv[1], prev)
		}
		seen[kv[1]] = kv[0]
	}
	return nil
}

func (s *SQLConfig) validate() error {
	if s.DSN == "" {
		return errors.New("dsn: required (e.g. postgres://user:pass@host:5432/db)")
	}
	u, err := url.Parse(s.DSN)
	if err == nil && strings.Contains(s.DSN, "://") && u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return fmt.Errorf("dsn: scheme %q: want postgres:// (PostgreSQL through pgx)", u.Scheme)
	}
	q := strings.TrimSpace(s.Query)
	if q == "" {
		return errors.New("query: required (e.g. select … where id > $1 order by id)")
	}
	if !strings.HasPrefix(strings.ToLower(q), "select") && !strings.HasPrefix(strings.ToLower(q), "with") {
		return fmt.Errorf("query %q: want a select", short(q))
	}
	if !strings.Contains(q, "$1") {
		return fmt.Errorf("query %q: want the cursor as $1 (e.g. where id > $1 order by id)", short(q))
	}
	if err := checkProfiles(s.Profiles); err != nil {
		return err
	}
	if s.Fields != nil {
		if err := s.Fields.validate(); err != nil {
			return fmt.Errorf("fields%w", err)
		}
	}
	return nil
}

func (r Request) validate() error {
	if r.Method == "" {
		return errors.New("method: required (e.g. PUT)")
	}
	if !methodRE.MatchString(r.Method) {
		return fmt.Errorf("method %q: want an HTTP method like PUT", r.Method)
	}
	if err := checkURL(r.URL); err != nil {
		return fmt.Errorf("url%w", err)
	}
	return checkHeaders(r.Headers)
}

var (
	methodRE = regexp.MustCompile(`^[A-Z]+$`)
	varRE    = regexp.MustCompile(`\$\{([^}]*)\}`)
	nameRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

func checkURL(raw string) error {
	if raw == "" {
		return errors.New(": required")
	}
	// Placeholders are filled in later; parse with neutral values.
	probe := strings.NewReplacer("{profile}", "p", "{cursor}", "0", "{time}", "0").Replace(raw)
	u, err := url.Parse(probe)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf(" %q: want http(s)://host/path", raw)
	}
	return nil
}

func checkHeaders(h map[string]string) error {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "" || strings.ContainsAny(k, " :\r\n\t") {
			return fmt.Errorf("headers %q: not a header name", k)
		}
		if strings.ContainsAny(h[k], "\r\n") {
			return fmt.Errorf("headers.%s: a value may not contain a line break", k)
		}
		for _, m := range varRE.FindAllStringSubmatch(h[k], -1) {
			if !nameRE.MatchString(m[1]) {
				return fmt.Errorf("headers.%s: ${%s}: not an environment variable name", k, m[1])
			}
		}
	}
	return nil
}

func checkProfiles(m map[string]string) error {
	seen := map[string]string{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := m[k]
		if v == "" {
			return fmt.Errorf("profiles.%s: empty name", k)
		}
		if prev, ok := seen[v]; ok {
			return fmt.Errorf("profiles.%s: %q is also the name of %s", k, v, prev)
		}
		seen[v] = k
	}
	return nil
}

// CheckProfiles reports a profiles key naming none of names.
func (c Config) CheckProfiles(names []string) error {
	m := map[string]string{}
	prefix := "readback.events"
	if c.Events != nil {
		m = c.Events.Profiles
	} else if c.SQL != nil {
		m, prefix = c.SQL.Profiles, "readback.sql"
	}
	for k := range m {
		if !slices.Contains(names, k) {
			return fmt.Errorf("%s.profiles.%s: unknown profile (valid: %s)", prefix, k, strings.Join(names, ", "))
		}
	}
	return nil
}

// expand replaces ${VAR} in s with env(VAR); a variable that is unset or
// empty is an error naming it (a request without its token would fail later,
// less clearly).
func expand(s string, env func(string) string) (string, error) {
	var missing string
	out := varRE.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		v := ""
		if env != nil {
			v = env(name)
		}
		if v == "" && missing == "" {
			missing = name
		}
		return v
	})
	if missing != "" {
		return "", fmt.Errorf("environment variable %s is not set", missing)
	}
	return out, nil
}

func expandHeaders(h map[string]string, env func(string) string) (http.Header, error) {
	out := http.Header{}
	for k, v := range h {
		x, err := expand(v, env)
		if err != nil {
			return nil, fmt.Errorf("header %s: %w", k, err)
		}
		out.Set(k, x)
	}
	return out, nil
}

func short(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// vendorName returns the vendor's name of profile under m.
func vendorName(m map[string]string, profile string) string {
	if v, ok := m[profile]; ok {
		return v
	}
	return profile
}

// ourName returns our name of the vendor's profile name under m.
func ourName(m map[string]string, vendor string) string {
	for k, v := range m {
		if v == vendor {
			return k
		}
	}
	return vendor
}
