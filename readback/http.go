package readback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/samehost"
)

// ErrTooLarge is returned for a read-back answer or a read over its bounds.
var ErrTooLarge = errors.New("read-back over its bound")

// HTTP reads a vendor's HTTP JSON record API (Config.Events), and moves its
// clock and clears it when the config says how.
type HTTP struct {
	ev      EventsConfig
	dec     Decoder
	header  http.Header
	hc      *http.Client
	clock   *ClockConfig
	reset   *Request
	env     func(string) string
	settle  time.Duration
	maxBody int64
}

// Deps are what Open needs from its caller: the environment (only
// internal/cli reads the process's), an HTTP client, the profiles.
type Deps struct {
	Env      func(string) string // ${VAR} lookups; nil: none set
	Client   *http.Client        // nil: one with a 15 s timeout
	Profiles Profiles
}

// MaxAnswer bounds one read-back answer (a page); a larger one is an error,
// never cut.
const MaxAnswer = 64 << 20

func newHTTP(c Config, d Deps) (*HTTP, error) {
	ev := *c.Events
	h, err := expandHeaders(ev.Headers, d.Env)
	if err != nil {
		return nil, fmt.Errorf("readback.events.headers: %w", err)
	}
	s := &HTTP{ev: ev, header: h, hc: d.Client, clock: c.Clock, reset: c.Reset, env: d.Env,
		settle: c.Settle.D(), maxBody: MaxAnswer,
		dec: Decoder{Items: ev.Items, Cursor: ev.Cursor, Fields: ev.Fields, TimeFormat: ev.TimeFormat,
			Profiles: ev.Profiles, Lookup: d.Profiles}}
	if s.hc == nil {
		s.hc = &http.Client{Timeout: 15 * time.Second}
	}
	// The vendor's headers (its token) must never follow a redirect elsewhere.
	s.hc = samehost.Client(s.hc)
	if s.settle == 0 {
		s.settle = DefaultSettle
	}
	// Expand the other requests' variables now: a missing token is a config
	// error at start, not a skipped check later.
	for _, r := range s.requests() {
		if _, err := expandHeaders(r.Headers, d.Env); err != nil {
			return nil, fmt.Errorf("readback: %w", err)
		}
	}
	return s, nil
}

func (s *HTTP) requests() []*Request {
	var out []*Request
	if s.clock != nil {
		out = append(out, &s.clock.Set, &s.clock.Release)
	}
	if s.reset != nil {
		out = append(out, s.reset)
	}
	return out
}

// Settle implements Settler.
func (s *HTTP) Settle() time.Duration { return s.settle }

// Records implements Source: one GET of the configured URL.
func (s *HTTP) Records(ctx context.Context, profile, after string) ([]Record, string, error) {
	u := strings.NewReplacer("{profile}", url.QueryEscape(vendorName(s.ev.Profiles, profile)),
		"{cursor}", url.QueryEscape(after)).Replace(s.ev.URL)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, after, fmt.Errorf("read-back GET %s: %w", u, err)
	}
	req.Header = s.header.Clone()
	req.Header.Set("Accept", "application/json")
	body, err := s.do(req)
	if err != nil {
		return nil, after, err
	}
	if s.ev.Cursor == "" {
		// Without a cursor field the API answers the whole list each time:
		// resume by position.
		pos := 0
		if after != "" {
			if pos, err = strconv.Atoi(after); err != nil || pos < 0 {
				return nil, after, fmt.Errorf("read-back cursor %q: want a position", after)
			}
		}
		all, err := s.dec.Decode(body, profile, 0)
		if err != nil {
			return nil, after, fmt.Errorf("read-back GET %s: %w", u, err)
		}
		if pos >= len(all) {
			return nil, after, nil
		}
		var out []Record
		for _, r := range all[pos:] {
			if profile == "" || r.Profile == profile {
				out = append(out, r)
			}
		}
		return out, strconv.Itoa(len(all)), nil
	}
	all, err := s.dec.Decode(body, profile, 0)
	if err != nil {
		return nil, after, fmt.Errorf("read-back GET %s: %w", u, err)
	}
	// An API that ignores {cursor} answers what was read already: skip up to
	// and including the record resumed after.
	for i, r := range all {
		if after != "" && r.Cursor == after {
			all = all[i+1:]
			break
		}
	}
	out, next := ofProfile(all, profile, after)
	return out, next, nil
}

func (s *HTTP) do(req *http.Request) ([]byte, error) {
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read-back %s %s: %w", req.Method, req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, s.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read-back %s %s: %w", req.Method, req.URL.Redacted(), err)
	}
	if int64(len(body)) > s.maxBody {
		return nil, fmt.Errorf("read-back %s %s: %w (%d bytes at most)", req.Method, req.URL.Redacted(), ErrTooLarge, s.maxBody)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("read-back %s %s: answered %d: %s", req.Method, req.URL.Redacted(), resp.StatusCode, short(strings.TrimSpace(string(body))))
	}
	return body, nil
}

// call sends one configured request with {time} filled in.
func (s *HTTP) call(ctx context.Context, r *Request, vars map[string]string) error {
	u, body := r.URL, r.Body
	for k, v := range vars {
		u = strings.ReplaceAll(u, "{"+k+"}", url.QueryEscape(v))
		body = strings.ReplaceAll(body, "{"+k+"}", v)
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u, rd)
	if err != nil {
		return fmt.Errorf("read-back %s %s: %w", r.Method, u, err)
	}
	req.Header = s.header.Clone()
	if len(r.Headers) > 0 {
		if req.Header, err = expandHeaders(r.Headers, s.env); err != nil {
			return err
		}
	}
	if body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	_, err = s.do(req)
	return err
}

// httpClock is an HTTP source with a configured clock.
type httpClock struct{ *HTTP }

// SetClock implements Clock: {time} is RFC 3339 with nanoseconds in UTC.
func (s httpClock) SetClock(ctx context.Context, at time.Time) error {
	return s.call(ctx, &s.clock.Set, map[string]string{"time": at.UTC().Format(time.RFC3339Nano)})
}

// ReleaseClock implements Clock.
func (s httpClock) ReleaseClock(ctx context.Context) error {
	return s.call(ctx, &s.clock.Release, nil)
}

// httpReset is an HTTP source with a configured reset.
type httpReset struct{ *HTTP }

// Reset implements Resetter.
func (s httpReset) Reset(ctx context.Context) error { return s.call(ctx, s.reset, nil) }

// httpBoth has both abilities.
type httpBoth struct {
	httpClock
	httpReset
}

// Records resolves the ambiguity of the two embedded sources.
func (s httpBoth) Records(ctx context.Context, profile, after string) ([]Record, string, error) {
	return s.httpClock.Records(ctx, profile, after)
}

// Settle resolves the ambiguity of the two embedded sources.
func (s httpBoth) Settle() time.Duration { return s.httpClock.Settle() }

// withAbilities returns s as a Source that implements Clock and Resetter
// exactly when the config gives them, so a type assertion tells the truth.
func (s *HTTP) withAbilities() Source {
	switch {
	case s.clock != nil && s.reset != nil:
		return httpBoth{httpClock{s}, httpReset{s}}
	case s.clock != nil:
		return httpClock{s}
	case s.reset != nil:
		return httpReset{s}
	}
	return s
}
