// Package verify certifies a sender from what a receiver saw of it: it reads
// the mock's journal over the inspection API (a session, or a time window)
// and judges, per profile and rule, the requests the mock rejected or
// reported, which documented endpoints and event types the sender exercised,
// the duplicates it sent and the rate limits it hit, and the sender rules of
// profile/sender (retries, backoff, Retry-After, ids, rate) from the arrival
// times of each event's deliveries. `s2s verify` runs it; reports renders
// its Result. It never imports the mock: any receiver implementing the
// inspection contract can be read.
package verify

import (
	"context"
	"fmt"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
)

// Schema names the layout of Result's JSON.
const Schema = "s2s-sender-certificate/1"

// Statuses of a rule.
const (
	Pass = "pass" // exercised, never broken
	Fail = "fail" // a MUST broken
	Warn = "warn" // a SHOULD, AMBIGUOUS or decision broken
	Skip = "skip" // not exercised by this traffic
)

// Verdicts of a Result.
const (
	Certified    = "certified"
	NotCertified = "not certified"
	NoTraffic    = "no traffic"
)

// DefaultExamples is how many offending requests a rule keeps.
const DefaultExamples = 3

// Options scope and shape a verification.
type Options struct {
	Session string    // journal entries of this session only
	Since   time.Time // entries received at or after
	Until   time.Time // entries received before (zero: no bound)
	// Secrets are scrubbed from the evidence, besides the profiles' default
	// credentials.
	Secrets  []string
	Examples int // offending requests kept per rule (default 3)
}

// Result is a sender certificate.
type Result struct {
	Schema   string           `json:"schema"`
	Target   string           `json:"target,omitempty"` // the receiver read
	Session  *inspect.Session `json:"session,omitempty"`
	Since    *time.Time       `json:"since,omitempty"`
	Until    *time.Time       `json:"until,omitempty"`
	Verdict  string           `json:"verdict"`
	Requests int              `json:"requests"`
	// Evicted counts journal entries the receiver let go before they were
	// read: the certificate may miss them.
	Evicted  uint64          `json:"evicted,omitempty"`
	Profiles []ProfileResult `json:"profiles"`
	Sender   []RuleResult    `json:"sender"` // the sender rules, every one
	// Tool and JudgedAt say which s2s judged, and when (set by the caller:
	// Judge is pure).
	Tool     string     `json:"tool,omitempty"`
	JudgedAt *time.Time `json:"judged_at,omitempty"`
}

// ProfileResult is what the sender did with one API.
type ProfileResult struct {
	Name        string       `json:"name"`
	Title       string       `json:"title"`
	Requests    int          `json:"requests"`
	Accepted    int          `json:"accepted"`
	Rejected    int          `json:"rejected"`
	Faulted     int          `json:"faulted"`
	Duplicates  int          `json:"duplicates"`   // events the receiver flagged as repeats
	RateLimited int          `json:"rate_limited"` // 429s for the documented rate
	Rules       []RuleResult `json:"rules"`        // the profile's rules the requests broke
	Endpoints   Coverage     `json:"endpoints"`
	EventTypes  Coverage     `json:"event_types"`
}

// Coverage is what of the documented the sender exercised (with an accepted
// request, for event types).
type Coverage struct {
	Seen   []string `json:"seen"`
	Unseen []string `json:"unseen"`
}

// RuleResult is one rule's verdict with its evidence.
type RuleResult struct {
	ID       string    `json:"id"`
	Level    string    `json:"level"`
	Text     string    `json:"text"`
	Status   string    `json:"status"`
	Count    int       `json:"count"`             // requests (or events) that broke it
	Message  string    `json:"message,omitempty"` // what was seen, for people
	Examples []Example `json:"examples,omitempty"`
}

// Example is one offending request, secrets redacted.
type Example struct {
	Seq        uint64    `json:"seq"`
	ReceivedAt time.Time `json:"received_at"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Status     int       `json:"status"`
	Note       string    `json:"note,omitempty"`
	Body       string    `json:"body,omitempty"`
}

// Certified reports whether no MUST rule failed.
func (r *Result) Certified() bool { return r.Verdict == Certified }

// Verify reads what the receiver behind c saw in o's scope and judges it
// against profiles (those the receiver serves).
func Verify(ctx context.Context, c *inspect.Client, target string, profiles []*profile.Profile, o Options) (*Result, error) {
	var sess *inspect.Session
	if o.Session != "" {
		s, err := c.Session(ctx, o.Session)
		if err != nil {
			return nil, fmt.Errorf("verify: session %s: %w", o.Session, err)
		}
		sess = &s
	}
	entries, err := c.All(ctx, inspect.Query{Session: o.Session, Since: o.Since})
	if err != nil {
		return nil, fmt.Errorf("verify: journal: %w", err)
	}
	r := Judge(entries, profiles, o)
	r.Target, r.Session = target, sess
	if st, err := c.Stats(ctx); err == nil && st.Journal.Evicted > 0 && len(entries) > 0 && entries[0].Seq > 1 {
		r.Evicted = st.Journal.Evicted
	}
	return r, nil
}
