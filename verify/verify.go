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
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
)

// Schema names the layout of Result's JSON.
const Schema = "s2s-sender-certificate/2"

// Statuses of a rule.
const (
	Pass = "pass" // exercised, never broken
	Fail = "fail" // a MUST broken
	Warn = "warn" // a SHOULD, AMBIGUOUS or decision broken
	Skip = "skip" // not exercised by this traffic
	// Ambiguous: the traffic cannot decide the rule (byte-identical events
	// of a profile that gives events no id: retries or distinct events?).
	Ambiguous = "ambiguous"
)

// Verdicts of a Result.
const (
	Certified    = "certified"
	NotCertified = "not certified"
	NoTraffic    = "no traffic"
	// Incomplete: no MUST failed in what was read, but the receiver lost
	// records of the window (a reset, a store restarted empty, evictions).
	Incomplete = "incomplete"
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
	Schema  string           `json:"schema"`
	Target  string           `json:"target,omitempty"` // the receiver read
	Session *inspect.Session `json:"session,omitempty"`
	Since   *time.Time       `json:"since,omitempty"`
	Until   *time.Time       `json:"until,omitempty"`
	Verdict string           `json:"verdict"`
	// Complete is false when the receiver lost records of the window;
	// IncompleteReason says how it was told.
	Complete         bool   `json:"complete"`
	IncompleteReason string `json:"incomplete_reason,omitempty"`
	Requests         int    `json:"requests"` // every request of the scope, served or not
	// Evicted counts journal entries the receiver let go before they were
	// read: the certificate may miss them.
	Evicted  uint64          `json:"evicted,omitempty"`
	Profiles []ProfileResult `json:"profiles"`
	// Unserved are the requests no endpoint served (404, 405), grouped.
	Unserved []Unserved   `json:"unserved,omitempty"`
	Sender   []RuleResult `json:"sender"` // the sender rules, every one
	// Tool and JudgedAt say which s2s judged, and when (set by the caller:
	// Judge is pure).
	Tool     string     `json:"tool,omitempty"`
	JudgedAt *time.Time `json:"judged_at,omitempty"`
}

// Unserved is a group of requests no endpoint served: one method, path,
// status, and whether they carried a query string.
type Unserved struct {
	Method   string    `json:"method"`
	Path     string    `json:"path"`
	Status   int       `json:"status"`
	Query    bool      `json:"query"` // they carried a query string
	Profile  string    `json:"profile,omitempty"`
	Endpoint string    `json:"endpoint,omitempty"` // the endpoint served at the path (405)
	Count    int       `json:"count"`
	Message  string    `json:"message"`
	Examples []Example `json:"examples,omitempty"`
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
	// Ground is the seed sentences a documented sender rule rests on.
	Ground *profile.Ground `json:"ground,omitempty"`
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
// against profiles (those the receiver serves). The certificate is
// incomplete when the receiver tells it lost records of the scope: its state
// epoch changed since the session opened (or while the journal was read), or
// its bounded journal let entries of the window go.
func Verify(ctx context.Context, c *inspect.Client, target string, profiles []*profile.Profile, o Options) (*Result, error) {
	var sess *inspect.Session
	if o.Session != "" {
		s, err := c.Session(ctx, o.Session)
		if err != nil {
			return nil, fmt.Errorf("verify: session %s: %w", o.Session, err)
		}
		sess = &s
	}
	var epochs []epochSeen
	if sess != nil {
		epochs = append(epochs, epochSeen{"when the session opened", sess.Epoch})
	}
	if h, err := c.Health(ctx); err == nil {
		epochs = append(epochs, epochSeen{"before the journal was read", h.Epoch})
	}
	entries, pages, err := read(ctx, c, inspect.Query{Session: o.Session, Since: o.Since})
	if err != nil {
		return nil, fmt.Errorf("verify: journal: %w", err)
	}
	epochs = append(epochs, pages.epochs...)
	if h, err := c.Health(ctx); err == nil {
		epochs = append(epochs, epochSeen{"after the journal was read", h.Epoch})
	}
	r := Judge(entries, profiles, o)
	r.Target, r.Session = target, sess
	if why := epochChange(epochs); why != "" {
		r.incomplete(why)
	}
	if pages.evicted > 0 {
		start := o.Since
		if sess != nil && (start.IsZero() || sess.StartedAt.After(start)) {
			start = sess.StartedAt
		}
		first, err := c.Journal(ctx, inspect.Query{Limit: 1})
		if err == nil && len(first.Entries) > 0 && (start.IsZero() || first.Entries[0].ReceivedAt.After(start)) {
			oldest := first.Entries[0]
			r.Evicted = pages.evicted
			window := "the journal"
			if !start.IsZero() {
				window = "this window, which began at " + start.UTC().Format(time.RFC3339)
			}
			r.incomplete(fmt.Sprintf("the receiver's journal let %d entries go; the oldest it keeps (seq %d) was received at %s, "+
				"after the start of %s: requests of it may be missing", pages.evicted, oldest.Seq,
				oldest.ReceivedAt.UTC().Format(time.RFC3339), window))
		}
	}
	return r, nil
}

// incomplete marks the certificate as judging part of the traffic only: a
// MUST failure found still fails it, otherwise the verdict is Incomplete.
func (r *Result) incomplete(why string) {
	r.Complete = false
	r.IncompleteReason = strings.TrimPrefix(r.IncompleteReason+"; "+why, "; ")
	if r.Verdict != NotCertified {
		r.Verdict = Incomplete
	}
}

// epochSeen is the receiver's state epoch at one point of the reading.
type epochSeen struct {
	when, epoch string
}

// epochChange says how the epoch changed ("" when it did not, or when the
// receiver does not say: an absent epoch is unknown, not a change).
func epochChange(es []epochSeen) string {
	var first *epochSeen
	for i := range es {
		e := &es[i]
		if e.epoch == "" {
			continue
		}
		if first == nil {
			first = e
			continue
		}
		if e.epoch != first.epoch {
			return fmt.Sprintf("the receiver's recorded state was reset or lost: its epoch was %q %s and %q %s; "+
				"requests of this scope may be missing", first.epoch, first.when, e.epoch, e.when)
		}
	}
	return ""
}

// pagesRead is what the journal pages told besides their entries.
type pagesRead struct {
	epochs  []epochSeen
	evicted uint64
}

// read pages through the journal from the start, within inspect's bounds,
// keeping each page's epoch and eviction count.
func read(ctx context.Context, c *inspect.Client, q inspect.Query) ([]inspect.Entry, pagesRead, error) {
	var out []inspect.Entry
	var pr pagesRead
	n := 0
	err := c.Pages(ctx, q, func(p inspect.Page) error {
		n++
		out = append(out, p.Entries...)
		pr.evicted = max(pr.evicted, p.Evicted)
		if p.Epoch != "" {
			pr.epochs = append(pr.epochs, epochSeen{fmt.Sprintf("on journal page %d", n), p.Epoch})
		}
		return nil
	})
	return out, pr, err
}
