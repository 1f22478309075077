// Package postback defines the generic S2S postback receiver of seed
// 004_30e536644e04df8e.txt (operator's server → tracker): its one endpoint, the
// JWT + HMAC authentication (Auth), the per-subject rate limit, the rule
// catalogue (PB-*), schemas, idempotency policy, generators and cases. The seed
// is a guide rather than a vendor specification; SPECS.md's decisions make it
// one. Read by every consumer through profile/builtin.
package postback

import (
	"embed"
	"net/http"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Name is the profile's stable name.
const Name = "postback"

const seed = "004_30e536644e04df8e.txt"

// The documented 403 answer (seed 004 §14.2).
const (
	SignatureCode = "signature_invalid"
	SignatureHint = "check canonical order"
)

//go:embed schemas/*.schema.json
var schemaFiles embed.FS

//go:embed golden/*.json
var goldenFiles embed.FS

// New returns the profile.
func New() *profile.Profile {
	return &profile.Profile{
		Name:      Name,
		Title:     "Generic S2S postback receiver",
		Seed:      seed,
		SeedTitle: "How S2S tracking and postbacks work",
		Rules:     rules,
		Endpoints: []profile.Endpoint{
			{ID: "postback", Method: http.MethodPost, Path: "/postback",
				Request: "postback.request.schema.json", Responses: responses, MaxBody: 64 << 10},
		},
		Auth: Auth{},
		Defaults: profile.Credentials{JWTSecret: "pb_test_jwt_secret", HMACSecret: "pb_test_hmac_secret",
			Subject: "s2s-harness"},
		Rate:          &profile.RateLimit{Rule: "PB-RATE-1", Limit: 1000, Window: time.Second, Per: "token subject"},
		Schemas:       profile.Sub(schemaFiles, "schemas"),
		Golden:        profile.Sub(goldenFiles, "golden"),
		MalformedRule: "PB-BODY-1",
		Describe:      describe,
		Dedupe: profile.Dedupe{Kind: profile.Idempotent, Rule: "PB-IDEM-1", ConcurrentRule: "PB-IDEM-2",
			FallbackRule: "PB-DEDUP-1", FallbackWindow: 60 * time.Second,
			// SPECS cross-cutting: a repeated event_id with another payload is still a replay.
			ConflictLevel: profile.Decision},
		Success: func(o profile.Outcome) (int, any) {
			return http.StatusOK, map[string]any{"status": "ok", "idempotent": o.Replay}
		},
		Error:        errorBody,
		Events:       events,
		UniqueFields: []string{"event_id", "click_id"},
		Cases:        cases,
		Grounds:      grounds,
		// The 403 body is documented (§14.2); the 400/401/429 schema requires
		// nothing, so ErrorBody MUST binds only what the seed shows.
		Responses: profile.ResponseSpec{Rule: "PB-IDEM-1", Body: profile.Must, ErrorBody: profile.Must,
			ContentType: profile.Should, CodeField: "error", NoRedirectRule: "PB-REDIR-1", ReplayField: "idempotent"},
		Probes: []profile.Probe{SignatureSchemes()},
	}
}

var responses = map[int]string{
	http.StatusOK:              "ok.response.schema.json",
	http.StatusBadRequest:      "error.response.schema.json",
	http.StatusUnauthorized:    "error.response.schema.json",
	http.StatusForbidden:       "signature.response.schema.json",
	http.StatusTooManyRequests: "error.response.schema.json",
}

var rules = []profile.Rule{
	profile.NewRule("PB-AUTH-1", profile.Must, profile.AreaAuth, profile.Always, 401,
		"Authorization: Bearer <JWT>, HS256 with the shared secret, exp required, exp − iat ≤ 15 min, 30 s skew; missing, malformed, expired, wrong-key, alg none or another alg → 401."),
	profile.NewRule("PB-SIG-1", profile.Must, profile.AreaAuth, profile.Always, 403, "X-Signature: sha256=<hex HMAC-SHA256(secret, canonical_payload)>; bad or missing → 403 {\"error\":\"signature_invalid\",\"hint\":\"check canonical order\"}; the prefix is required in strict mode, hex is case-insensitive.").WithCode(SignatureCode),
	profile.NewRule("PB-SIG-2", profile.Must, profile.AreaAuth, profile.Always, 0,
		"The canonical payload is the body without its signature member, canonicalized by RFC 8785 (JCS): the same event with its keys in another order verifies."),
	profile.NewRule("PB-SIG-3", profile.Ambiguous, profile.AreaAuth, profile.Always, 0,
		"Examples carry the signature in a body member, the request example in X-Signature: the header wins; without it, the body member is used."),
	profile.NewRule("PB-BODY-1", profile.Must, profile.AreaValidation, profile.Always, 400,
		"Required: event, event_id, click_id (non-empty strings), ts_event (RFC 3339 date-time); missing, wrong type or malformed JSON → 400."),
	profile.NewRule("PB-BODY-2", profile.Must, profile.AreaValidation, profile.Always, 400,
		"amount is a JSON number with '.' decimals (\"100,00\" or any string → 400) and travels with an ISO 4217 currency."),
	profile.NewRule("PB-TS-1", profile.Must, profile.AreaTime, profile.StrictOnly, 400,
		"All times are UTC: ts_event with a non-zero offset → 400 in strict mode; lenient accepts and reports it."),
	profile.NewRule("PB-IDEM-1", profile.Must, profile.AreaIdempotency, profile.Always, 0,
		"First event_id → 200 {\"status\":\"ok\",\"idempotent\":false}; a repeat → 200 {\"status\":\"ok\",\"idempotent\":true}, recorded once."),
	profile.NewRule("PB-IDEM-2", profile.Must, profile.AreaIdempotency, profile.Always, 0,
		"Concurrent deliveries of one event_id yield exactly one idempotent:false."),
	profile.NewRule("PB-DEDUP-1", profile.Should, profile.AreaIdempotency, profile.Advisory, 0,
		"Same click_id and event within 60 s under another event_id: flagged as a probable duplicate, not rejected."),
	profile.NewRule("PB-REDIR-1", profile.Must, profile.AreaResponse, profile.Always, 0,
		"The endpoint never answers with a 3xx redirect."),
	profile.NewRule("PB-RATE-1", profile.Should, profile.AreaRateLimit, profile.Always, 429,
		"Rate-limited against bursts: 1,000 requests per second per token subject (configurable); over → 429."),
	profile.NewRule("PB-EVT-1", profile.Decision, profile.AreaValidation, profile.Advisory, 0,
		"Event types: registration, kyc_approved, deposit_success (amount, currency, is_ftd, payment_method), 2nd_dep; refunds and chargebacks carry a negative amount."),
}

// signatureError is the 403 answer: the document's two members plus the
// harness's usual message, rule and fields.
type signatureError struct {
	profile.ErrorBody
	Hint string `json:"hint"`
}

// errorBody renders rejections: the default shape, and the document's body for
// a bad signature.
func errorBody(status int, vs []profile.Violation) any {
	b, _ := profile.DefaultError(status, vs).(profile.ErrorBody)
	if status != http.StatusForbidden {
		return b
	}
	b.Error = SignatureCode
	return signatureError{ErrorBody: b, Hint: SignatureHint}
}

// describe tells the receiver what one accepted event is: event_id is the
// idempotency key, click_id with the event type the fallback key.
func describe(item any, r *profile.Request, _ profile.Principal) profile.Record {
	ev, _ := item.(map[string]any)
	name, _ := ev["event"].(string)
	id, _ := ev["event_id"].(string)
	click, _ := ev["click_id"].(string)
	rec := profile.Record{Event: name, ID: id, RecordedAt: r.Received}
	if click != "" && name != "" {
		rec.FallbackKey = click + "|" + name
	}
	if ts, ok := ev["ts_event"].(string); ok {
		if t, err := ParseTime(ts); err == nil {
			rec.EventTime = t
		}
	}
	return rec
}

// ParseTime reads an RFC 3339 date-time (lower-case t and z allowed, as the RFC
// allows) and returns it in UTC.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
