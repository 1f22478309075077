package profile

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Record is what a receiver keeps of one accepted event.
type Record struct {
	Event       string    // event name or type
	ID          string    // idempotency key; "" when the API has none
	DedupeKey   string    // key whose repeat marks a duplicate; "" when none
	FallbackKey string    // key whose repeat within a window marks a probable duplicate
	EventTime   time.Time // the time the sender stated; zero when none
	RecordedAt  time.Time // the time the receiver records the event at
}

// DedupeKind is how an API treats a repeated event.
type DedupeKind int

const (
	// NoDedupe: repeats are indistinguishable and recorded again.
	NoDedupe DedupeKind = iota
	// MarkDuplicates: repeats of DedupeKey are recorded and flagged as duplicates.
	MarkDuplicates
	// Idempotent: a repeated ID is acknowledged as a replay and not recorded again.
	Idempotent
)

// Dedupe is the profile's repeat policy.
type Dedupe struct {
	Kind DedupeKind
	Rule string // the rule that states it (RS-DUP-1, PB-IDEM-1…)
	// ConcurrentRule is the rule that says concurrent repeats collapse (PB-IDEM-2).
	ConcurrentRule string
	// ConflictLevel is how binding it is that a repeated ID with a different
	// payload is still a replay ("" = as Rule; postback: a decision).
	ConflictLevel Level
	// FallbackRule flags a probable duplicate: the same FallbackKey within
	// FallbackWindow under a different ID.
	FallbackRule   string
	FallbackWindow time.Duration
}

// Outcome is what the receiver's state made of an accepted request; the profile's
// Success renders it.
type Outcome struct {
	Accepted int    // events accepted
	Replay   bool   // the idempotency key had been seen before
	Seq      uint64 // the app's sequence number for this request, from 1
	Token    string // a fresh random UUID v4
}

// FirstRejection returns the first violation of vs that rejects the request.
func FirstRejection(vs []Violation) (Violation, bool) {
	for _, v := range vs {
		if v.Reject {
			return v, true
		}
	}
	return Violation{}, false
}

// ErrorBody is the default error answer: a code, a message, the first rule and
// every violation with its field.
type ErrorBody struct {
	Error   string      `json:"error"`
	Message string      `json:"message"`
	Rule    string      `json:"rule,omitempty"`
	Fields  []Violation `json:"fields,omitempty"`
}

// DefaultError renders vs in the harness's error shape.
func DefaultError(status int, vs []Violation) any {
	b := ErrorBody{Error: StatusCode(status), Fields: vs}
	if len(vs) > 0 {
		b.Rule = vs[0].Rule
		if vs[0].Code != "" {
			b.Error = vs[0].Code
		}
		b.Message = Summary(vs)
	}
	return b
}

// Summary is a one-line message for vs: the first violation and how many more.
func Summary(vs []Violation) string {
	if len(vs) == 0 {
		return ""
	}
	v := vs[0]
	var b strings.Builder
	if v.Field != "" {
		b.WriteString(v.Field)
		b.WriteString(": ")
	}
	b.WriteString(v.Message)
	fmt.Fprintf(&b, " (%s)", v.Rule)
	if len(vs) > 1 {
		fmt.Fprintf(&b, "; and %d more", len(vs)-1)
	}
	return b.String()
}

// StatusCode is the default error code for an HTTP status.
func StatusCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusRequestEntityTooLarge:
		return "body_too_large"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusNotFound:
		return "not_found"
	}
	return strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
}
