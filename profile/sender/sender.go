// Package sender is the catalogue of the sender rules (SPECS.md, section
// "sender"): what a client that sends events must do when a receiver answers
// badly — retry, back off with jitter, honour Retry-After, not retry what can
// never succeed, stop at a limit, keep its ids, stay under the rate. These
// rules judge a sender from what a receiver saw; `s2s verify` applies them
// and `s2s rules` lists them. The numbers the judging uses live here too, so
// each fact has one place.
package sender

import (
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Name is how the catalogue is named in listings and reports.
const Name = "sender"

// Title names the catalogue for people.
const Title = "Sender behaviour (retries, ids, rate)"

// Seed is where the rules come from.
const Seed = "seeds 000 §500 and 004 §6, §11"

// Area groups the sender rules.
const Area profile.Area = "sender"

// The rule IDs.
const (
	Retry      = "SND-RETRY-1" // a 5xx or 429 is retried
	Backoff    = "SND-RETRY-2" // exponential backoff with jitter
	RetryAfter = "SND-RETRY-3" // Retry-After honoured
	NoRetry4xx = "SND-RETRY-4" // other 4xx not retried unchanged
	RetryLimit = "SND-RETRY-5" // retries stop at a limit
	SameID     = "SND-IDEM-1"  // a retry keeps the event's id
	Rate       = "SND-RATE-1"  // stay under the documented rate
	Route      = "SND-ROUTE-1" // requests go to a documented endpoint and method
	LocalTime  = "SND-TIME-1"  // documented UTC timestamps are in UTC
)

// LocalTimeSlack is SND-TIME-1's tolerance: a stated event time within this
// of a whole number of hours (at least one) off the receive time is local
// time formatted as if it were UTC.
const LocalTimeSlack = 15 * time.Minute

// MaxDeliveries is SND-RETRY-5's decision: more deliveries of one event than
// this is a break.
const MaxDeliveries = 10

// MinGrowth is how much longer the last gap between deliveries of one event
// must be than the first for SND-RETRY-2 (gaps that do not grow are a fixed
// interval, not exponential backoff).
const MinGrowth = 1.5

// LockstepSpread is SND-RETRY-2's jitter test: first retry gaps of several
// events all within this fraction of their mean are retries in lockstep.
const LockstepSpread = 0.05

// RetryAfterSlack is how early a retry after "Retry-After: N" may arrive and
// still count as honouring it (clock granularity, network jitter).
const RetryAfterSlack = 50 * time.Millisecond

// Retryable reports whether an answer's status asks a sender to retry:
// 5xx, 429, 408, or no answer at all (0, 499: the connection failed).
func Retryable(status int) bool {
	return status >= 500 || status == 429 || status == 408 || status == 0 || status == 499
}

// Rules returns the catalogue, in SPECS.md order.
func Rules() []profile.Rule {
	rule := func(id string, level profile.Level, text string) profile.Rule {
		return profile.NewRule(id, level, Area, profile.Advisory, 0, text)
	}
	return []profile.Rule{
		rule(Retry, profile.Must, "A 5xx or 429 answer (or a connection failure) is retried; the event is not dropped after one try."),
		rule(Backoff, profile.Should, "Retries back off exponentially with jitter: successive gaps grow, and senders do not retry in lockstep."),
		rule(RetryAfter, profile.Should, "A 429 with Retry-After is not retried before that many seconds."),
		rule(NoRetry4xx, profile.Must, "A 4xx other than 408/429 is not retried unchanged."),
		rule(RetryLimit, profile.Should, "Retries stop at a limit. decision: more than 10 deliveries of one event is a break."),
		rule(SameID, profile.Must, "A retried event keeps its id (event_id, transaction_id); a retry with a new id is a duplicate the receiver cannot detect."),
		rule(Rate, profile.Should, "The sender stays under the documented rate (RS-RATE-1, AF-RATE-1, PB-RATE-1) rather than relying on 429s."),
		rule(Route, profile.Must, "Every request goes to a documented endpoint with its documented method; a 404 or 405 is an event no receiver of the API takes."),
		rule(LocalTime, profile.Must, "Documented UTC timestamps (an event's stated time: AppsFlyer eventTime, postback ts_event, RevoSurge timestamp) are in UTC; one a whole number of hours (±15 min) ahead of the receive time is local time."),
	}
}
