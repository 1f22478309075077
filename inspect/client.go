package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/samehost"
	"github.com/s2s-harness/s2s-harness/internal/targeturl"
)

// Client talks to a receiver's inspection API.
type Client struct {
	base    string
	hc      *http.Client
	token   string
	session string // InSession: resets, clock and journal scoped to it
	// All's bounds (MaxEntries, MaxEntryBytes; tests lower them).
	maxEntries, maxEntryBytes int
}

// WithToken returns a copy of c that sends "Authorization: Bearer token" (a
// mock started with -admin-token requires it).
func (c *Client) WithToken(token string) *Client {
	d := *c
	d.token = token
	return &d
}

// MaxAnswer bounds one answer of the inspection API (a journal page of 1,000
// entries with their bodies cut at 4 KiB is a few MiB).
const MaxAnswer = 64 << 20

// ErrTooLarge is returned for an answer over MaxAnswer, or for more entries
// than All keeps: never cut silently.
var ErrTooLarge = errors.New("inspection answer over its bound")

// ErrUnsupported is returned when the receiver does not implement a call (404).
var ErrUnsupported = errors.New("inspection call not supported by the receiver")

// NewClient returns a client for the receiver at base (e.g.
// "http://127.0.0.1:8080"); hc nil means a client with a 10 s timeout.
func NewClient(base string, hc *http.Client) (*Client, error) {
	if _, err := targeturl.Check(base); err != nil {
		return nil, fmt.Errorf("inspection URL %w", err)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	// The admin token must never follow a redirect to another host.
	return &Client{base: strings.TrimRight(base, "/"), hc: samehost.Client(hc), maxEntries: MaxEntries, maxEntryBytes: MaxEntryBytes}, nil
}

// Health checks the receiver is there.
func (c *Client) Health(ctx context.Context) (Health, error) {
	var h Health
	return h, c.do(ctx, http.MethodGet, "health", nil, &h)
}

// Journal returns one page of entries.
func (c *Client) Journal(ctx context.Context, q Query) (Page, error) {
	v := url.Values{}
	if q.Profile != "" {
		v.Set("profile", q.Profile)
	}
	if q.Session != "" {
		v.Set("session", q.Session)
	}
	if q.After > 0 {
		v.Set("after", strconv.FormatUint(q.After, 10))
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339Nano))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	path := "journal"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var p Page
	return p, c.do(ctx, http.MethodGet, path, nil, &p)
}

// What All keeps at most: entries, and bytes of them (their bodies, reasons
// and events with an entry's fixed size).
const (
	MaxEntries    = 1_000_000
	MaxEntryBytes = 256 << 20
	entryOverhead = 400
	eventOverhead = 200
)

// All pages through the journal from q.After and returns every entry; past
// MaxEntries entries or MaxEntryBytes bytes it stops with ErrTooLarge (a
// journal whose cursor never ends cannot hold the caller).
func (c *Client) All(ctx context.Context, q Query) ([]Entry, error) {
	var out []Entry
	err := c.Pages(ctx, q, func(p Page) error {
		out = append(out, p.Entries...)
		return nil
	})
	return out, err
}

// Pages pages through the journal from q.After, giving fn each page (its
// epoch and eviction count with its entries), within All's bounds: past
// MaxEntries entries or MaxEntryBytes bytes in all it stops with ErrTooLarge.
func (c *Client) Pages(ctx context.Context, q Query, fn func(Page) error) error {
	entries, kept := 0, 0
	for {
		p, err := c.Journal(ctx, q)
		if err != nil {
			return err
		}
		for _, e := range p.Entries {
			kept += entrySize(e)
		}
		if entries += len(p.Entries); entries > c.maxEntries || kept > c.maxEntryBytes {
			return fmt.Errorf("journal after %d: %w: %d entries of about %d bytes; a caller keeps at most %d entries of %d bytes",
				q.After, ErrTooLarge, entries, kept, c.maxEntries, c.maxEntryBytes)
		}
		if err := fn(p); err != nil {
			return err
		}
		// A filtered page may be empty while the cursor still advances.
		if p.Next <= q.After {
			return nil
		}
		q.After = p.Next
	}
}

// entrySize is about what an entry holds in memory once decoded.
func entrySize(e Entry) int {
	n := entryOverhead + len(e.Body) + len(e.Reason) + len(e.Path) + len(e.Query) + len(e.Answer) + len(e.Events)*eventOverhead
	for k, v := range e.Headers {
		n += len(k) + len(v)
	}
	for k, v := range e.Document {
		n += 32 + len(k)
		if s, ok := v.(string); ok {
			n += len(s)
		}
	}
	return n
}

// Stats returns the exact counters.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	return s, c.do(ctx, http.MethodGet, "stats", nil, &s)
}

// Reset clears the state of one profile, or of all when profile is "".
func (c *Client) Reset(ctx context.Context, profile string) error {
	path := "reset"
	if profile != "" {
		path += "?profile=" + url.QueryEscape(profile)
	}
	return c.do(ctx, http.MethodPost, path, nil, nil)
}

// Clock reads the receiver's clock.
func (c *Client) Clock(ctx context.Context) (Clock, error) {
	var k Clock
	return k, c.do(ctx, http.MethodGet, "clock", nil, &k)
}

// FixClock stops the receiver's clock at t.
func (c *Client) FixClock(ctx context.Context, t time.Time) error {
	return c.do(ctx, http.MethodPut, "clock", ClockSet{Fixed: &t}, nil)
}

// OffsetClock runs the receiver's clock d ahead of (or behind) real time.
func (c *Client) OffsetClock(ctx context.Context, d time.Duration) error {
	o := Duration(d)
	return c.do(ctx, http.MethodPut, "clock", ClockSet{Offset: &o}, nil)
}

// RealClock returns the receiver to real time.
func (c *Client) RealClock(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "clock", nil, nil)
}

// Faults returns the faults in force, by profile.
func (c *Client) Faults(ctx context.Context) (map[string]Faults, error) {
	var f map[string]Faults
	return f, c.do(ctx, http.MethodGet, "faults", nil, &f)
}

// SetFaults replaces one profile's faults.
func (c *Client) SetFaults(ctx context.Context, profile string, f Faults) error {
	return c.do(ctx, http.MethodPut, "faults/"+url.PathEscape(profile), f, nil)
}

// ClearFaults removes the faults of one profile, or of all when profile is "".
func (c *Client) ClearFaults(ctx context.Context, profile string) error {
	path := "faults"
	if profile != "" {
		path += "/" + url.PathEscape(profile)
	}
	return c.do(ctx, http.MethodDelete, path, nil, nil)
}

// OpenSession opens a session.
func (c *Client) OpenSession(ctx context.Context, spec SessionSpec) (Session, error) {
	var s Session
	return s, c.do(ctx, http.MethodPost, "sessions", spec, &s)
}

// Session returns one session.
func (c *Client) Session(ctx context.Context, id string) (Session, error) {
	var s Session
	return s, c.do(ctx, http.MethodGet, "sessions/"+url.PathEscape(id), nil, &s)
}

// EndSession ends a session: it claims no more requests.
func (c *Client) EndSession(ctx context.Context, id string) (Session, error) {
	var s Session
	return s, c.do(ctx, http.MethodDelete, "sessions/"+url.PathEscape(id), nil, &s)
}

// APIError is a non-2xx answer of the inspection API.
type APIError struct {
	Status int
	Body   string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("inspection API answered %d: %s", e.Status, e.Body)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("inspection %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	path = c.scoped(path)
	req, err := http.NewRequestWithContext(ctx, method, c.base+Prefix+path, body)
	if err != nil {
		return fmt.Errorf("inspection %s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("inspection %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return fmt.Errorf("inspection %s %s: %w", method, path, err)
	}
	if len(data) > MaxAnswer {
		return fmt.Errorf("inspection %s %s: %w (more than %d bytes)", method, path, ErrTooLarge, MaxAnswer)
	}
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusNotImplemented {
		return fmt.Errorf("inspection %s %s: %w", method, path, ErrUnsupported)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("inspection %s %s: %w", method, path, &APIError{Status: resp.StatusCode, Body: strings.TrimSpace(string(data))})
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("inspection %s %s: %w", method, path, err)
		}
	}
	return nil
}
