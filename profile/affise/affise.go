// Package affise defines Affise's advertiser postback: GET /postback with
// the conversion in the query string (click_id or clickid, action_id, goal,
// sum, status, secure, custom_field1…15…), the shape most affiliate trackers
// share. Unlike the other profiles it rests on no seed document: its basis
// is Affise's public Help Center, snapshotted in help-center.md (Profile.Source);
// rules are documented where those pages state them and decided where they
// are silent (statuses and bodies of a rejection, the token's failure
// answer, the format of sum). Parameter names can be renamed per target
// (configfile params), so the profile certifies Keitaro- or Voluum-style
// receivers too. Read by every consumer through profile/builtin.
package affise

import (
	"embed"
	"maps"
	"net/http"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Name is the profile's stable name.
const Name = "affise"

// TestToken is the mock's default postback code (secure=…).
const TestToken = "aff_test_secure_123"

// TokenParam is the query parameter carrying the postback code.
const TokenParam = "secure"

// source is the snapshot the grounds cite (Citation.Seed).
const source = "help-center.md"

//go:embed help-center.md
var sourceFiles embed.FS

//go:embed schemas/*.schema.json
var schemaFiles embed.FS

//go:embed golden/*.json
var goldenFiles embed.FS

// New returns the profile.
func New() *profile.Profile {
	return &profile.Profile{
		Name:  Name,
		Title: "Affise advertiser postback (GET query string)",
		Source: &profile.Source{Title: "Affise Help Center: Affise postback URL parameters",
			URL:  "https://help-center.affise.com/en/articles/6475468-affise-postback-url-parameters",
			File: source, Text: sourceFiles},
		Rules: rules,
		Endpoints: []profile.Endpoint{
			{ID: "postback", Method: http.MethodGet, Path: "/postback", Transport: profile.QueryString,
				ParamAliases: map[string][]string{"click_id": {"clickid"}},
				Request:      "postback.request.schema.json", Responses: responses},
		},
		Auth:          profile.QueryToken{Param: TokenParam, MissingRule: "AFF-AUTH-1", UnknownRule: "AFF-AUTH-1"},
		Defaults:      profile.Credentials{APIKeys: []string{TestToken}},
		Schemas:       profile.Sub(schemaFiles, "schemas"),
		Golden:        profile.Sub(goldenFiles, "golden"),
		MalformedRule: "AFF-QUERY-1",
		Normalize:     normalize,
		Describe:      describe,
		// A repeat is answered 200 and recorded once, whatever else it
		// carries and however it arrives: one rule covers concurrent repeats.
		Dedupe:       profile.Dedupe{Kind: profile.Idempotent, Rule: "AFF-ACTION-1", ConcurrentRule: "AFF-ACTION-1"},
		Success:      success,
		Events:       events,
		UniqueFields: []string{"action_id", "click_id"},
		Cases:        cases,
		Grounds:      grounds,
		// Affise gives no answer bodies (it answers every postback on
		// receipt): the harness's are not checked, and no check is decided
		// on them.
		Responses: profile.ResponseSpec{},
	}
}

var responses = map[int]string{
	http.StatusOK:         "ok.response.schema.json",
	http.StatusBadRequest: "error.response.schema.json",
	http.StatusForbidden:  "error.response.schema.json",
}

var rules = []profile.Rule{
	profile.NewRule("AFF-AUTH-1", profile.Must, profile.AreaAuth, profile.Always, 403,
		"secure carries the shared postback code: missing or unknown → 403 (Affise's \"Access denied\"; nothing recorded)."),
	profile.NewRule("AFF-CLICK-1", profile.Must, profile.AreaValidation, profile.Always, 400,
		"click_id (or its other spelling clickid) is mandatory, a non-empty string; missing or empty → 400."),
	profile.NewRule("AFF-CLICK-2", profile.Should, profile.AreaValidation, profile.StrictOnly, 400,
		"click_id is Affise's 24-character click id (24 lower-case hex digits, as affise/go-tracking checks); another id → 400 in strict mode, accepted and reported in lenient mode."),
	profile.NewRule("AFF-ACTION-1", profile.Must, profile.AreaIdempotency, profile.Always, 0,
		"action_id with goal identifies one conversion (without action_id, click_id with goal): a repeat → 200, recorded once, even with other parameters or delivered concurrently."),
	profile.NewRule("AFF-SUM-1", profile.Must, profile.AreaValidation, profile.Always, 400,
		"sum (conversion revenue) is a decimal number with '.' (100, 100.5); a comma, a sign, an exponent or a currency symbol → 400."),
	profile.NewRule("AFF-STATUS-1", profile.Must, profile.AreaValidation, profile.Always, 400,
		"status is 1 (approved), 2 (pending), 3 (declined) or 5 (hold); any other value → 400."),
	profile.NewRule("AFF-CUR-1", profile.Should, profile.AreaValidation, profile.Always, 400,
		"currency, when given, is an ISO 4217 code of three capital letters (USD); another spelling → 400."),
	profile.NewRule("AFF-DEV-1", profile.Should, profile.AreaValidation, profile.StrictOnly, 400,
		"device_type is one of mediahub, mobile, ereader, console, tv, tablet, desktop, smartwatch; another value → 400 in strict mode."),
	profile.NewRule("AFF-PARAM-1", profile.Decision, profile.AreaValidation, profile.Always, 400,
		"Every parameter is a string; the documented ones are click_id, action_id, goal, sum, ip, status, referrer, comment, secure, fbclid, device_type, aimp_id, promo_code, user_id, custom_field1…15, with currency; others are accepted and ignored; an empty optional parameter (an unfilled macro) reads as absent."),
	profile.NewRule("AFF-QUERY-1", profile.Decision, profile.AreaValidation, profile.Always, 400,
		"The query string decodes: a parameter given twice (click_id and clickid together included), a bad percent-escape or a ';' separator → 400."),
}

// success answers an accepted postback, a repeat included: status 1, as
// Affise answers what it received, and whether it was a repeat (the
// harness's own member, for people: targets are not held to it).
func success(o profile.Outcome) (int, any) {
	return http.StatusOK, map[string]any{"status": 1, "replay": o.Replay}
}

// normalize drops empty optional parameters: an unfilled macro (&sum=) is
// no value (AFF-PARAM-1). click_id stays, so an empty one is refused.
func normalize(doc any, _ *profile.Request, _ profile.Mode) (any, []profile.Violation) {
	m, ok := doc.(map[string]any)
	if !ok {
		return doc, nil
	}
	var out map[string]any
	for k, v := range m {
		if s, ok := v.(string); ok && s == "" && k != "click_id" {
			if out == nil {
				out = maps.Clone(m)
			}
			delete(out, k)
		}
	}
	if out == nil {
		return doc, nil
	}
	return out, nil
}

// describe tells the receiver what one conversion is: goal with action_id is
// its identity (Affise's conversion uniqueness), else goal with click_id.
func describe(item any, r *profile.Request, _ profile.Principal) profile.Record {
	ev, _ := item.(map[string]any)
	str := func(k string) string { s, _ := ev[k].(string); return s }
	goal, action, click := str("goal"), str("action_id"), str("click_id")
	rec := profile.Record{Event: goal, RecordedAt: r.Received}
	if goal == "" {
		rec.Event = "conversion" // the offer's default goal
	}
	switch {
	case action != "":
		rec.ID = "action:" + action + "\x1f" + goal
	case click != "":
		rec.ID = "click:" + click + "\x1f" + goal
	}
	return rec
}
