// Package revosurge defines the RevoSurge DataPulse server-events API (seed
// 000_fe8d95615f5bfb6d.txt): its endpoints, API-key auth, per-key rate limit, rule
// catalogue (RS-*), schemas, generators and cases. Read by every consumer through
// profile/builtin.
package revosurge

import (
	"embed"
	"net/http"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Name is the profile's stable name.
const Name = "revosurge"

const seed = "000_fe8d95615f5bfb6d.txt"

//go:embed schemas/*.schema.json
var schemaFiles embed.FS

//go:embed golden/*.json
var goldenFiles embed.FS

// financial are the events that carry money (RS-BODY-2); the schema says the same.
var financial = map[string]bool{"deposit": true, "withdraw": true, "bet": true, "win": true, "loss": true}

// New returns the profile.
func New() *profile.Profile {
	return &profile.Profile{
		Name:      Name,
		Title:     "RevoSurge DataPulse server events",
		Seed:      seed,
		SeedTitle: "RevoSurge server events API",
		Host:      "https://datapulse-api.revosurge.com/",
		Rules:     rules,
		Endpoints: []profile.Endpoint{
			{ID: "event", Method: http.MethodPost, Path: "/v2/s2s/event", Version: "v2",
				Request:   "event.request.schema.json",
				Responses: responses, MaxBody: 64 << 10},
			{ID: "batch", Method: http.MethodPost, Path: "/v2/s2s/batch", Version: "v2",
				Request: "batch.request.schema.json", Responses: responses, Carries: "event",
				Items: profile.ItemsRoot, MaxItems: 1000, ItemsRule: "RS-BATCH-1", AtomicRule: "RS-BATCH-1", MaxBody: 4 << 20},
		},
		Auth:     profile.APIKey{Header: "X-API-Key", MissingRule: "RS-AUTH-1", UnknownRule: "RS-AUTH-2"},
		Defaults: profile.Credentials{APIKeys: []string{"dp_test_key_123", "dp_test_key_456"}},
		Rate: &profile.RateLimit{Rule: "RS-RATE-1", IsolationRule: "RS-RATE-2",
			Limit: 60, Window: time.Minute, Per: "API key"},
		Schemas:       profile.Sub(schemaFiles, "schemas"),
		Golden:        profile.Sub(goldenFiles, "golden"),
		MalformedRule: "RS-TYPE-1",
		Describe:      describe,
		Dedupe:        profile.Dedupe{Kind: profile.MarkDuplicates, Rule: "RS-DUP-1"},
		Success: func(o profile.Outcome) (int, any) {
			return http.StatusOK, map[string]any{"status": "queued", "accepted": o.Accepted}
		},
		Events:       events,
		UniqueFields: []string{"click_id", "transaction_id"},
		Cases:        cases,
		Grounds:      grounds,
		Responses:    profile.ResponseSpec{Rule: "RS-RESP-1", ContentType: profile.Should},
	}
}

var responses = map[int]string{
	http.StatusOK:              "queued.response.schema.json",
	http.StatusBadRequest:      "error.response.schema.json",
	http.StatusUnauthorized:    "error.response.schema.json",
	http.StatusTooManyRequests: "error.response.schema.json",
}

var rules = []profile.Rule{
	profile.NewRule("RS-AUTH-1", profile.Must, profile.AreaAuth, profile.Always, 401,
		"Header X-API-Key is required (case-insensitive); missing → 401."),
	profile.NewRule("RS-AUTH-2", profile.Must, profile.AreaAuth, profile.Always, 401,
		"An unknown API key → 401."),
	profile.NewRule("RS-BODY-1", profile.Must, profile.AreaValidation, profile.Always, 400,
		"Required: client_user_id, click_id, event_name (strings), timestamp (integer), ip_address (string); missing → 400."),
	profile.NewRule("RS-BODY-2", profile.Must, profile.AreaValidation, profile.Always, 400,
		"Financial events (deposit, withdraw, bet, win, loss) also require transaction_id, amount (number), currency."),
	profile.NewRule("RS-TYPE-1", profile.Must, profile.AreaValidation, profile.Always, 400,
		"Wrong JSON types → 400 (amount is a number, not \"50.00\"; is_crypto a boolean); malformed JSON → 400."),
	profile.NewRule("RS-AMB-1", profile.Ambiguous, profile.AreaValidation, profile.StrictOnly, 400,
		"click_id and ip_address on bet/win/loss: strict requires them, lenient accepts their absence."),
	profile.NewRule("RS-AMB-2", profile.Ambiguous, profile.AreaTime, profile.Always, 0,
		"timestamp is seconds in the table, milliseconds in the examples: both accepted; ≥ 10^12 is milliseconds."),
	profile.NewRule("RS-IP-1", profile.Should, profile.AreaValidation, profile.StrictOnly, 400,
		"ip_address is a valid IPv4 or IPv6 address; else 400 (strict)."),
	profile.NewRule("RS-CUR-1", profile.Should, profile.AreaValidation, profile.StrictOnly, 400,
		"currency is ISO 4217 unless is_crypto is true (then any non-empty code); else 400 (strict)."),
	profile.NewRule("RS-EXTRA-1", profile.Must, profile.AreaValidation, profile.StrictOnly, 400,
		"Extra custom properties are accepted; scalar extras always, object/array extras → 400 in strict."),
	profile.NewRule("RS-BATCH-1", profile.Must, profile.AreaBatching, profile.Always, 400,
		"/v2/s2s/batch takes a non-empty JSON array of at most 1,000 events; any bad item rejects the whole batch."),
	profile.NewRule("RS-RATE-1", profile.Must, profile.AreaRateLimit, profile.Always, 429,
		"At most 60 requests in any rolling 60 s per API key (a batch is one request); over → 429 with Retry-After."),
	profile.NewRule("RS-RATE-2", profile.Must, profile.AreaRateLimit, profile.Always, 429,
		"The limit is per key: another key is unaffected."),
	profile.NewRule("RS-RESP-1", profile.Decision, profile.AreaResponse, profile.Always, 0,
		"Bodies are undocumented: 200 {\"status\":\"queued\",\"accepted\":N}, errors {\"error\",\"message\",\"fields\"}; JSON content type is a SHOULD."),
	profile.NewRule("RS-DUP-1", profile.Decision, profile.AreaIdempotency, profile.Advisory, 0,
		"No idempotency: a financial event whose transaction_id was already recorded is recorded and marked duplicate."),
}

// describe tells the receiver what one accepted event is.
func describe(item any, r *profile.Request, _ profile.Principal) profile.Record {
	ev, _ := item.(map[string]any)
	name, _ := ev["event_name"].(string)
	rec := profile.Record{Event: name, RecordedAt: r.Received}
	if financial[name] {
		if tx, _ := ev["transaction_id"].(string); tx != "" {
			rec.DedupeKey = tx
		}
	}
	if t, ok := EventTime(ev["timestamp"]); ok {
		rec.EventTime = t
	}
	return rec
}

// EventTime reads a timestamp per RS-AMB-2: seconds, or milliseconds from 10^12.
func EventTime(v any) (time.Time, bool) {
	ts, ok := profile.Int(v)
	if !ok {
		return time.Time{}, false
	}
	if ts >= 1e12 {
		return time.UnixMilli(ts).UTC(), true
	}
	return time.Unix(ts, 0).UTC(), true
}
