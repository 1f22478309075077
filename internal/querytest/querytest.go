// Package querytest is a small profile of another shape than the seed APIs,
// for the tests of the consumers: an affiliate-style postback whose event
// travels in the query string of a GET (every value a string), authenticated
// by a token in a query parameter. It is built from profile types only, so a
// consumer that passes with it works for such a profile with no code naming
// it. Only tests import it.
package querytest

import (
	"fmt"
	"net/http"
	"testing/fstest"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Name is the profile's name.
const Name = "querytest"

// Token is the test token the target is configured with.
const Token = "qt_test_secure_123"

// The rules.
const (
	RuleToken     = "QT-AUTH-1" // the token parameter is required
	RuleUnknown   = "QT-AUTH-2" // the token is one the receiver knows
	RuleQuery     = "QT-QUERY-1"
	RuleRequired  = "QT-REQ-1"
	RuleValue     = "QT-VAL-1"
	RuleIdem      = "QT-IDEM-1"
	RuleIdemConc  = "QT-IDEM-2"
	TokenParam    = "secure"
	RequestSchema = "postback.request.schema.json"
)

const schema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Conversion postback",
  "type": "object",
  "x-rule": "QT-REQ-1",
  "required": ["click_id", "action_id"],
  "properties": {
    "click_id": {"type": "string", "minLength": 1, "pattern": "^[0-9a-f]{24}$", "x-rule": "QT-REQ-1",
      "description": "The tracker's click id (24 hex digits)."},
    "action_id": {"type": "string", "minLength": 1, "x-rule": "QT-REQ-1",
      "description": "The conversion's unique id: the idempotency key."},
    "goal": {"type": "string", "description": "The goal reached."},
    "sum": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "x-rule": "QT-VAL-1",
      "description": "The payout, a decimal number."},
    "status": {"type": "string", "enum": ["1", "2", "3", "5"], "x-rule": "QT-VAL-1",
      "description": "1 approved, 2 pending, 3 declined, 5 hold."},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "x-rule": "QT-VAL-1"}
  }
}`

// New returns the profile. Every rule is documented by its own text (a
// stand-in source), so a MUST it breaks fails, as a real profile's would.
func New() *profile.Profile {
	p := &profile.Profile{
		Name: Name, Title: "Query-string postback (test profile)", Seed: "querytest", SeedTitle: "querytest",
		Rules: []profile.Rule{
			profile.NewRule(RuleToken, profile.Must, profile.AreaAuth, profile.Always, http.StatusUnauthorized, "the secure parameter is required"),
			profile.NewRule(RuleUnknown, profile.Must, profile.AreaAuth, profile.Always, http.StatusForbidden, "the secure token is one the receiver knows"),
			profile.NewRule(RuleQuery, profile.Must, profile.AreaValidation, profile.Always, http.StatusBadRequest,
				"the query string decodes: no parameter twice, valid percent-escapes"),
			profile.NewRule(RuleRequired, profile.Must, profile.AreaValidation, profile.Always, http.StatusBadRequest,
				"click_id and action_id are required and not empty"),
			profile.NewRule(RuleValue, profile.Must, profile.AreaValidation, profile.Always, http.StatusBadRequest,
				"status is 1, 2, 3 or 5; sum is a decimal number; currency three capitals"),
			profile.NewRule(RuleIdem, profile.Must, profile.AreaIdempotency, profile.Always, 0,
				"a repeated action_id is answered 200 and not recorded twice"),
			profile.NewRule(RuleIdemConc, profile.Must, profile.AreaIdempotency, profile.Always, 0,
				"concurrent deliveries of one action_id are recorded once"),
		},
		Endpoints: []profile.Endpoint{{ID: "postback", Method: http.MethodGet, Path: "/qt/postback", Transport: profile.QueryString,
			ParamAliases: map[string][]string{"click_id": {"clickid"}}, Request: RequestSchema}},
		Auth:          profile.QueryToken{Param: TokenParam, MissingRule: RuleToken, UnknownRule: RuleUnknown},
		Defaults:      profile.Credentials{APIKeys: []string{Token}},
		Schemas:       fstest.MapFS{RequestSchema: {Data: []byte(schema)}},
		MalformedRule: RuleQuery,
		Describe: func(item any, r *profile.Request, _ profile.Principal) profile.Record {
			m, _ := item.(map[string]any)
			id, _ := m["action_id"].(string)
			goal, _ := m["goal"].(string)
			return profile.Record{Event: goal, ID: id, RecordedAt: r.Received}
		},
		Dedupe: profile.Dedupe{Kind: profile.Idempotent, Rule: RuleIdem, ConcurrentRule: RuleIdemConc},
		Success: func(o profile.Outcome) (int, any) {
			return http.StatusOK, map[string]any{"status": "ok", "replay": o.Replay}
		},
		Responses: profile.ResponseSpec{ReplayField: "replay"},
		Events: []profile.EventType{{Name: "conversion", Endpoint: "postback", New: func(g *profile.Gen) map[string]any {
			return map[string]any{
				"click_id":  fmt.Sprintf("%08x%016x", g.Faker.Uint32(), g.Faker.Uint64()),
				"action_id": g.ID("act"),
				"goal":      "1",
				"sum":       fmt.Sprintf("%d.%02d", g.Faker.IntRange(1, 500), g.Faker.IntRange(0, 99)),
				"status":    "1",
				"currency":  "USD",
			}
		}}},
		UniqueFields: []string{"action_id"},
		Cases: []profile.Case{
			{Name: "status 4", Rule: RuleValue, Expect: profile.Reject, Mutate: profile.SetField("status", "4")},
			{Name: "clickid for click_id", Rule: RuleRequired, Expect: profile.Accept, Mutate: profile.RenameField("click_id", "clickid")},
		},
	}
	for _, r := range p.Rules {
		p.Grounds = append(p.Grounds, profile.Grounding{Rule: r.ID,
			Ground: profile.Doc("the test profile's source states it", profile.Citation{Seed: p.Seed, Quote: r.Text, English: r.Text})})
	}
	return p
}
