// Package inspect is the inspection contract: a small HTTP API under /_s2s/ that
// the reference mock serves and a vendor's sandbox may implement too, so that the
// conformance suite can check what a receiver recorded (not only what it
// answered) and the load engine can count duplicates, losses and ingest lag.
// It holds the wire types and a client; the mock, conformance and load import it
// and never each other. The contract is documented in docs/mock.md ("The inspection API").
//
//	GET    /_s2s/health                     Health
//	GET    /_s2s/journal?profile=&session=&after=&since=&limit=   Page of Entry
//	GET    /_s2s/stats                      Stats (exact counters, never evicted)
//	POST   /_s2s/reset[?profile=][&session=] clear journal, counters and state (409 while sessions
//	                                        are open; with session=, all but the journal)
//	GET    /_s2s/clock[?session=]           Clock (a session's own, when given)
//	PUT    /_s2s/clock[?session=]           set: {"fixed": time} or {"offset": "-1h"}
//	DELETE /_s2s/clock[?session=]           back to the real clock (a session: to the mock's)
//	GET    /_s2s/faults                     map profile → Faults
//	PUT    /_s2s/faults/{profile}           replace that profile's Faults
//	DELETE /_s2s/faults[/{profile}]         clear faults
//	POST   /_s2s/sessions                   open a Session (SessionSpec)
//	GET    /_s2s/sessions[/{id}]            the sessions, or one
//	DELETE /_s2s/sessions/{id}              end a session
package inspect

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Prefix is where the inspection API lives on a receiver.
const Prefix = "/_s2s/"

// Health answers GET /_s2s/health.
type Health struct {
	Status   string   `json:"status"` // "ok"
	Mode     string   `json:"mode"`   // strict or lenient
	Profiles []string `json:"profiles"`
	Version  string   `json:"version,omitempty"`
	// Epoch names the receiver's state's life: it changes when the state is
	// reset as a whole (POST /_s2s/reset) or was lost (a store restarted
	// empty). A reader that sees it change knows what it counted is gone.
	Epoch string `json:"epoch"`
}

// Outcomes of a request in the journal.
const (
	Accepted = "accepted" // answered 2xx and its events recorded
	Replay   = "replay"   // answered 2xx as a replay; nothing recorded
	Dropped  = "dropped"  // answered 2xx but not recorded (AF-APP-1)
	Rejected = "rejected" // answered 4xx for a rule
	Faulted  = "faulted"  // answered by fault injection (5xx, reset, stall)
)

// Entry is one request the receiver handled.
type Entry struct {
	Seq        uint64              `json:"seq"` // increasing, from 1
	Profile    string              `json:"profile"`
	Endpoint   string              `json:"endpoint"`
	Method     string              `json:"method"`
	Path       string              `json:"path"`
	Status     int                 `json:"status"`
	Outcome    string              `json:"outcome"`
	Rule       string              `json:"rule,omitempty"`   // the rule that decided a rejection or a drop
	Reason     string              `json:"reason,omitempty"` // why, for people
	Violations []profile.Violation `json:"violations,omitempty"`
	ReceivedAt time.Time           `json:"received_at"`
	Events     []Event             `json:"events,omitempty"`
	Body       string              `json:"body,omitempty"` // as received, cut to the receiver's limit
	BodyBytes  int                 `json:"body_bytes"`
	// Session is the session the request belongs to (SessionHeader, or the
	// open session that claims untagged requests).
	Session string `json:"session,omitempty"`
	// RetryAfter is the Retry-After (seconds) the answer carried.
	RetryAfter int `json:"retry_after,omitempty"`
	// Query is the request's raw query string, as received, with credentials
	// redacted as in Headers; cut to the receiver's limit when QueryCut.
	Query    string `json:"query,omitempty"`
	QueryCut bool   `json:"query_cut,omitempty"`
	// Document is the decoded document of a request to a query-string
	// endpoint (its parameters by member name), credentials redacted.
	Document map[string]any `json:"document,omitempty"`
	// Headers are the request's headers, one value each, with secrets
	// redacted (credentials, signatures), for people reading the journal.
	Headers map[string]string `json:"headers,omitempty"`
	// Answer is the body the receiver answered, cut like Body.
	Answer string `json:"answer,omitempty"`
}

// SessionHeader tags a request with the session it belongs to.
const SessionHeader = "X-S2S-Session"

// SessionSpec opens a session (POST /_s2s/sessions).
type SessionSpec struct {
	Name string `json:"name,omitempty"` // for people: the team, the sender
	// Untagged: the session also claims requests that carry no SessionHeader
	// while it is open (an unmodified client, one team per mock). The latest
	// open such session claims them.
	Untagged bool `json:"untagged,omitempty"`
	// Script answers the session's deliveries with faults, so that `s2s verify`
	// can judge how the sender retries.
	Script *Script `json:"script,omitempty"`
	// Isolated: the session's rate limits, repeat memory and sequences are its
	// own, so nothing it sends counts against other senders (and theirs not
	// against it), and a reset inside it (POST /_s2s/reset?session=) clears
	// only them. `s2s conform` opens such a session on a shared mock.
	Isolated bool `json:"isolated,omitempty"`
}

// Script answers the first Failures deliveries of each event (by its ids) of
// an otherwise valid request with Status, and Retry-After when set.
type Script struct {
	Status     int `json:"status"`                // 5xx or 429
	RetryAfter int `json:"retry_after,omitempty"` // seconds
	Failures   int `json:"failures,omitempty"`    // deliveries answered so per event (default 1)
}

// Validate reports a script a sender could not be judged by.
func (s *Script) Validate() error {
	if s == nil {
		return nil
	}
	if s.Status != 429 && (s.Status < 500 || s.Status > 599) {
		return fmt.Errorf("script.status %d: want 429 or a 5xx", s.Status)
	}
	if s.RetryAfter < 0 || s.RetryAfter > 3600 {
		return fmt.Errorf("script.retry_after %d: want 0 to 3600 seconds", s.RetryAfter)
	}
	if s.Failures < 0 || s.Failures > 20 {
		return fmt.Errorf("script.failures %d: want 0 (meaning 1) to 20", s.Failures)
	}
	return nil
}

// Session is one sender's (or team's) stretch of traffic.
type Session struct {
	ID        string     `json:"id"`
	Name      string     `json:"name,omitempty"`
	Untagged  bool       `json:"untagged,omitempty"`
	Isolated  bool       `json:"isolated,omitempty"`
	Script    *Script    `json:"script,omitempty"`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	// Epoch is the receiver's state epoch (Health.Epoch) when the session
	// opened: a reader that finds another one knows records may be lost.
	Epoch string `json:"epoch,omitempty"`
}

// Event is one event of an accepted (or replayed, or dropped) request.
type Event struct {
	Index      int        `json:"index"`
	Event      string     `json:"event,omitempty"`
	ID         string     `json:"id,omitempty"`         // idempotency key
	Key        string     `json:"key,omitempty"`        // the event's ids (Profile.Key), to match it without the body
	DedupeKey  string     `json:"dedupe_key,omitempty"` // key whose repeat is a duplicate
	EventTime  *time.Time `json:"event_time,omitempty"` // as the sender stated it
	RecordedAt time.Time  `json:"recorded_at"`          // the time the event counts at
	Recorded   bool       `json:"recorded"`             // false for replays and drops
	Duplicate  bool       `json:"duplicate,omitempty"`  // DedupeKey was recorded before
	Replay     bool       `json:"replay,omitempty"`     // ID was seen before; acknowledged only
	Conflict   bool       `json:"conflict,omitempty"`   // a replay whose payload differs from the first
	// ProbableDuplicate: same fallback key (click_id + event) within the window
	// under another ID (PB-DEDUP-1).
	ProbableDuplicate bool `json:"probable_duplicate,omitempty"`
}

// Page is one answer of GET /_s2s/journal. Entries are in Seq order; pass Next
// as ?after= to continue. Evicted counts entries the bounded journal has already
// let go, so a reader knows when it lost some.
type Page struct {
	Entries []Entry `json:"entries"`
	Next    uint64  `json:"next"`
	Evicted uint64  `json:"evicted"`
	Epoch   string  `json:"epoch"` // as in Health; "" from a receiver that has none
}

// Query selects journal entries.
type Query struct {
	Profile string
	Session string    // entries of this session only
	After   uint64    // entries with Seq > After
	Since   time.Time // entries received at or after Since
	Limit   int       // at most this many (the receiver may cap it)
}

// Stats answers GET /_s2s/stats: exact counters since start or the last reset.
type Stats struct {
	Since    time.Time               `json:"since"`
	Epoch    string                  `json:"epoch"` // as in Health
	Profiles map[string]ProfileStats `json:"profiles"`
	// Unrouted counts answers outside any profile (404 on an unknown path).
	Unrouted *ProfileStats `json:"unrouted,omitempty"`
	Journal  JournalStats  `json:"journal"`
}

// ProfileStats counts one profile's traffic.
type ProfileStats struct {
	Requests    uint64            `json:"requests"`
	ByStatus    map[string]uint64 `json:"by_status"`   // "200" → n
	ByEndpoint  map[string]uint64 `json:"by_endpoint"` // endpoint id → n
	Accepted    uint64            `json:"accepted"`
	Replays     uint64            `json:"replays"`
	Dropped     uint64            `json:"dropped"`
	Rejected    uint64            `json:"rejected"`
	RateLimited uint64            `json:"rate_limited"`
	Faulted     uint64            `json:"faulted"`
	// Events recorded, and how many of them were duplicates.
	Events             uint64            `json:"events"`
	Duplicates         uint64            `json:"duplicates"`
	ProbableDuplicates uint64            `json:"probable_duplicates"`
	Conflicts          uint64            `json:"conflicts"`
	Violations         map[string]uint64 `json:"violations"` // rule ID → n
}

// JournalStats describes the bounded journal.
type JournalStats struct {
	Capacity int    `json:"capacity"`
	Len      int    `json:"len"`
	Evicted  uint64 `json:"evicted"`
	Bytes    int    `json:"bytes,omitempty"`     // estimated bytes the kept entries hold
	MaxBytes int    `json:"max_bytes,omitempty"` // the bound on Bytes
}

// Clock answers GET /_s2s/clock.
type Clock struct {
	Now    time.Time `json:"now"`
	Mode   string    `json:"mode"` // real, fixed or offset
	Offset Duration  `json:"offset,omitempty"`
}

// ClockSet is the body of PUT /_s2s/clock: exactly one of its fields.
type ClockSet struct {
	Fixed  *time.Time `json:"fixed,omitempty"`
	Offset *Duration  `json:"offset,omitempty"`
}

// Faults is what a receiver injects for one profile; the zero value injects
// nothing.
type Faults struct {
	// ErrorRate of requests are answered ErrorStatus (default 500) without being
	// processed.
	ErrorRate   float64 `json:"error_rate,omitempty" yaml:"error_rate,omitempty"`
	ErrorStatus int     `json:"error_status,omitempty" yaml:"error_status,omitempty"`
	// Latency is added before answering.
	Latency *Latency `json:"latency,omitempty" yaml:"latency,omitempty"`
	// ResetRate of requests have their connection closed without an answer.
	ResetRate float64 `json:"reset_rate,omitempty" yaml:"reset_rate,omitempty"`
	// Stall holds every request that arrives in [From, From+For) until the
	// window ends. Setting a stall without From starts it at once.
	Stall *Stall `json:"stall,omitempty" yaml:"stall,omitempty"`
	// Break lists rule IDs the receiver deliberately stops honouring: the
	// mutants the conformance suite must catch. Not part of what a vendor
	// sandbox needs to implement.
	Break []string `json:"break,omitempty" yaml:"break,omitempty"`
}

// Latency distributions.
const (
	Fixed     = "fixed"
	Uniform   = "uniform"
	LogNormal = "lognormal"
)

// Latency is an added delay: fixed (Fixed), uniform in [Min, Max], or
// lognormal with the given Median and Sigma (of the underlying normal).
type Latency struct {
	Dist   string   `json:"dist" yaml:"dist"`
	Fixed  Duration `json:"fixed,omitempty" yaml:"fixed,omitempty"`
	Min    Duration `json:"min,omitempty" yaml:"min,omitempty"`
	Max    Duration `json:"max,omitempty" yaml:"max,omitempty"`
	Median Duration `json:"median,omitempty" yaml:"median,omitempty"`
	Sigma  float64  `json:"sigma,omitempty" yaml:"sigma,omitempty"`
}

// Stall is a window in which a receiver answers nothing.
type Stall struct {
	From time.Time `json:"from,omitzero" yaml:"from,omitempty"`
	For  Duration  `json:"for" yaml:"for"`
}

// Validate reports what is wrong with f, naming the field.
func (f Faults) Validate() error {
	if f.ErrorRate < 0 || f.ErrorRate > 1 {
		return fmt.Errorf("error_rate %v: want 0..1", f.ErrorRate)
	}
	if f.ResetRate < 0 || f.ResetRate > 1 {
		return fmt.Errorf("reset_rate %v: want 0..1", f.ResetRate)
	}
	if f.ErrorStatus != 0 && (f.ErrorStatus < 400 || f.ErrorStatus > 599) {
		return fmt.Errorf("error_status %d: want 400..599", f.ErrorStatus)
	}
	if l := f.Latency; l != nil {
		switch l.Dist {
		case Fixed:
			if l.Fixed < 0 {
				return fmt.Errorf("latency.fixed %s: want ≥ 0", l.Fixed)
			}
		case Uniform:
			if l.Min < 0 || l.Max < l.Min {
				return fmt.Errorf("latency min %s max %s: want 0 ≤ min ≤ max", l.Min, l.Max)
			}
		case LogNormal:
			if l.Median <= 0 || l.Sigma < 0 {
				return fmt.Errorf("latency median %s sigma %v: want median > 0, sigma ≥ 0", l.Median, l.Sigma)
			}
		default:
			return fmt.Errorf("latency.dist %q: want fixed, uniform or lognormal", l.Dist)
		}
	}
	if f.Stall != nil && f.Stall.For <= 0 {
		return fmt.Errorf("stall.for %s: want > 0", f.Stall.For)
	}
	return nil
}

// Duration is a time.Duration written as "250ms" in JSON and YAML.
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON implements json.Unmarshaler; it takes "1.5s" or nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err2 := json.Unmarshal(b, &n); err2 != nil {
			return fmt.Errorf("duration %s: want a string like \"250ms\"", b)
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// UnmarshalText implements encoding.TextUnmarshaler (YAML).
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: %w", b, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalText implements encoding.TextMarshaler (YAML).
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Items returns the events of the entry's request as p decodes them (its
// body, or its query on a query-string endpoint): none when what carries them
// was cut (longer than the journal keeps), does not decode, or the endpoint is
// not p's. The journal's readers (read-back, load, verify) share it.
func (e *Entry) Items(p *profile.Profile) []any {
	ep, ok := p.Endpoint(e.Endpoint)
	if !ok {
		return nil
	}
	if ep.Carriage().Body {
		if e.Body == "" || len(e.Body) < e.BodyBytes {
			return nil
		}
	} else if e.Query == "" || e.QueryCut {
		return nil
	}
	r := profile.Request{Endpoint: ep, RawQuery: e.Query, Body: []byte(e.Body)}
	doc, err := r.Document()
	if err != nil {
		return nil
	}
	return ep.ItemsOf(doc)
}
