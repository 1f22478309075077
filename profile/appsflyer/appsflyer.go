// Package appsflyer defines AppsFlyer's server-to-server in-app events API (seed
// 003_906ffa4cfeacef63.txt, Vietnamese): POST /inappevent/{app_id}, the dev-key
// scheme with its app registry and the iOS "id" prefix trap, the 1 KB body, the
// stringified eventValue, the eventTime format and the 02:00 UTC recorded-time
// rule, the rule catalogue (AF-*), schemas, generators and cases. Read by every
// consumer through profile/builtin.
//
// The document's lenient readings (event_value, boolean af_events_api, CDP-style
// traffic without af_events_api and with an ISO 8601 eventTime) are rewritten by
// Normalize so the schema sees one shape; each is reported as a StrictOnly
// violation, so strict mode rejects it for exactly one rule.
package appsflyer

import (
	"embed"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Name is the profile's stable name.
const Name = "appsflyer"

const seed = "003_906ffa4cfeacef63.txt"

//go:embed schemas/*.schema.json
var schemaFiles embed.FS

//go:embed golden/*.json
var goldenFiles embed.FS

// New returns the profile.
func New() *profile.Profile {
	return &profile.Profile{
		Name:      Name,
		Title:     "AppsFlyer server-to-server in-app events",
		Seed:      seed,
		SeedTitle: "AppsFlyer server-to-server events API",
		Host:      "https://api2.appsflyer.com",
		// api3 is AppsFlyer's current S2S host (the seed names api2); real
		// senders use either, so the proxy must serve both.
		HostAliases: []string{"https://api3.appsflyer.com"},
		Rules:       rules,
		Endpoints: []profile.Endpoint{
			{ID: "inappevent", Method: http.MethodPost, Path: "/inappevent/{app_id}",
				Request: "inappevent.request.schema.json",
				MaxBody: 1024, SizeRule: "AF-SIZE-1", ContentTypeRule: "AF-CT-1"},
		},
		Auth: DevKey{},
		Defaults: profile.Credentials{Apps: []profile.App{
			{ID: "com.appsflyer.myapp", Secret: "af_test_dev_key", Platform: PlatformAndroid},
			{ID: "id123456789", Secret: "af_test_dev_key", Platform: PlatformIOS},
		}},
		Rate:          &profile.RateLimit{Rule: "AF-RATE-1", Limit: 1000, Window: time.Second, Per: "app"},
		Schemas:       profile.Sub(schemaFiles, "schemas"),
		Formats:       Formats(),
		Golden:        profile.Sub(goldenFiles, "golden"),
		MalformedRule: "AF-BODY-1",
		Normalize:     normalize,
		Check:         check,
		Describe:      describe,
		Dedupe:        profile.Dedupe{Kind: profile.MarkDuplicates, Rule: "AF-DUP-1"},
		// The document gives no bodies. The answer does not count events: a dropped
		// request (AF-APP-1) must be indistinguishable from a recorded one.
		Success: func(profile.Outcome) (int, any) {
			return http.StatusOK, map[string]any{"status": "ok"}
		},
		Events:        events,
		UniqueFields:  []string{"appsflyer_id"},
		Cases:         cases,
		Grounds:       grounds,
		TimeCases:     timeCases,
		LiveTimeCases: liveTimeCases,
		Probes:        probes(),
		Responses:     profile.ResponseSpec{},
	}
}

var rules = []profile.Rule{
	profile.NewRule("AF-CT-1", profile.Must, profile.AreaValidation, profile.Always, 400,
		"Content-Type must be application/json; else 400."),
	profile.NewRule("AF-AUTH-1", profile.Must, profile.AreaAuth, profile.Always, 401,
		"Header authentication: <dev key> (case-insensitive) must carry the addressed app's dev key; missing, wrong key or unknown app → 401."),
	profile.NewRule("AF-APP-1", profile.Must, profile.AreaAuth, profile.Advisory, 0,
		"iOS app ids carry the leading \"id\" (id123456789); a request for an iOS app without it is answered 200 OK but the event is not recorded."),
	profile.NewRule("AF-SIZE-1", profile.Must, profile.AreaValidation, profile.Always, 400,
		"The JSON body is at most 1 KB (1,024 bytes); larger → 400."),
	profile.NewRule("AF-BODY-1", profile.Must, profile.AreaValidation, profile.Always, 400,
		"Required: appsflyer_id, eventName (non-empty strings), eventValue, af_events_api; missing → 400. Malformed JSON → 400."),
	profile.NewRule("AF-BODY-2", profile.Must, profile.AreaValidation, profile.Always, 400,
		"eventValue is a string: a stringified JSON object, or \"\"; a JSON object or a non-object string → 400."),
	profile.NewRule("AF-BODY-3", profile.Must, profile.AreaValidation, profile.Always, 400,
		"af_events_api is the string \"true\"; lenient mode also reads boolean true (reported); anything else → 400."),
	profile.NewRule("AF-AMB-1", profile.Ambiguous, profile.AreaValidation, profile.StrictOnly, 400,
		"The document once writes \"event_value\":\"\": strict requires eventValue, lenient reads event_value as its alias."),
	profile.NewRule("AF-AMB-2", profile.Ambiguous, profile.AreaValidation, profile.StrictOnly, 0,
		"CDP-style senders omit af_events_api and send an ISO 8601 eventTime: strict rejects (AF-BODY-1, AF-TIME-1), lenient accepts and reports them."),
	profile.NewRule("AF-REC-1", profile.Should, profile.AreaValidation, profile.Advisory, 0,
		"idfa (iOS) / advertising_id (Android) are recommended; values inside eventValue are strings (\"af_revenue\":\"6\"). Lint warnings, accepted."),
	profile.NewRule("AF-NEG-1", profile.Must, profile.AreaValidation, profile.Always, 0,
		"Negative revenue (\"af_revenue\":\"-6\", e.g. cancel_purchase) is accepted."),
	profile.NewRule("AF-TIME-1", profile.Must, profile.AreaValidation, profile.Always, 400,
		"eventTime (optional) is yyyy-MM-dd HH:mm:ss.SSS in UTC, e.g. 2014-05-15 12:17:00.000; another format → 400."),
	profile.NewRule("AF-TIME-2", profile.Must, profile.AreaTime, profile.Always, 0,
		"Recorded at eventTime if received before 02:00:00.000 UTC of the day after the event's UTC date; else, with no eventTime or a future one, at the time received."),
	profile.NewRule("AF-RATE-1", profile.Ambiguous, profile.AreaRateLimit, profile.Always, 429,
		"At most 60K requests a minute or 1K a second; the document lists no 429. Decision: 429 past 1,000 requests in any rolling second per app."),
	profile.NewRule("AF-URI-1", profile.Must, profile.AreaValidation, profile.Always, 0,
		"Reserved characters in the URI are percent-encoded; the app_id path segment is decoded."),
	profile.NewRule("AF-DUP-1", profile.Decision, profile.AreaIdempotency, profile.Advisory, 0,
		"No idempotency key: a repeat (same app, appsflyer_id, eventName, eventTime, eventValue) is recorded again and marked duplicate."),
}

// catalogued completes v from the rule catalogue, for violations built outside
// the validator (the AF-APP-1 drop on a Principal).
func catalogued(v profile.Violation) profile.Violation {
	c := profile.Profile{Rules: rules}
	c.Fill(&v)
	return v
}

// describe tells the receiver what one accepted event is.
func describe(item any, r *profile.Request, p profile.Principal) profile.Record {
	ev, _ := item.(map[string]any)
	name, _ := ev["eventName"].(string)
	stated, _ := ev["eventTime"].(string)
	rec := profile.Record{Event: name}
	if t, err := ParseEventTime(stated); err == nil {
		rec.EventTime = t
	}
	rec.RecordedAt = RecordedAt(rec.EventTime, r.Received)
	app := p.App
	if app == "" {
		app = r.PathValue("app_id")
	}
	id, _ := ev["appsflyer_id"].(string)
	value, _ := ev["eventValue"].(string)
	rec.DedupeKey = DedupeKey(app, id, name, stated, value)
	return rec
}

// DedupeKey is the AF-DUP-1 key of an event: each part quoted, so no two
// different events share a key.
func DedupeKey(app, appsflyerID, eventName, eventTime, eventValue string) string {
	parts := []string{app, appsflyerID, eventName, eventTime, eventValue}
	for i, s := range parts {
		parts[i] = strconv.Quote(s)
	}
	return strings.Join(parts, " ")
}

// RecordedAt applies AF-TIME-2: the time AppsFlyer records an event stating
// eventTime (zero for none) that it received at received. A past eventTime
// counts if the event arrives before 02:00:00.000 UTC of the day after the
// event's UTC date; a late, missing or future eventTime gives way to received.
func RecordedAt(eventTime, received time.Time) time.Time {
	if eventTime.IsZero() || eventTime.After(received) {
		return received
	}
	y, m, d := eventTime.UTC().Date()
	if received.Before(time.Date(y, m, d+1, 2, 0, 0, 0, time.UTC)) {
		return eventTime
	}
	return received
}
