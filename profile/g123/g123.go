// Package g123 defines the G123 game-server event API (seed
// 001_5e9354ee2dbec25b.txt): the level_up endpoint, Basic auth with the login
// flow's appId/appSecret, the rule catalogue (G1-*), schemas, the lenient
// readings of the document's broken curl example, generators and cases. Read by
// every consumer through profile/builtin.
package g123

import (
	"embed"
	"maps"
	"net/http"
	"strconv"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Name is the profile's stable name.
const Name = "g123"

const seed = "001_5e9354ee2dbec25b.txt"

//go:embed schemas/*.schema.json
var schemaFiles embed.FS

//go:embed golden/*.json
var goldenFiles embed.FS

// New returns the profile.
func New() *profile.Profile {
	p := &profile.Profile{
		Name:      Name,
		Title:     "G123 game-server level_up event",
		Seed:      seed,
		SeedTitle: "G123 server-to-server event reporting",
		Host:      "https://h5.g123.jp",
		// The document's test host.
		HostAliases: []string{"https://h5.stg.g123.jp"},
		Rules:       rules,
		Endpoints: []profile.Endpoint{
			{ID: "level_up", Method: http.MethodPost, Path: "/api/v1/cp/game_event/level_up", Version: "v1",
				Request: "level_up.request.schema.json", Responses: responses, MaxBody: 64 << 10},
		},
		Auth:          profile.Basic{Rule: "G1-AUTH-1"},
		Defaults:      profile.Credentials{Apps: []profile.App{{ID: "g123_test_app", Secret: "g123_test_secret"}}},
		Schemas:       profile.Sub(schemaFiles, "schemas"),
		Golden:        profile.Sub(goldenFiles, "golden"),
		MalformedRule: "G1-JSON-1",
		Describe:      describe,
		Dedupe:        profile.Dedupe{Kind: profile.NoDedupe},
		Success:       success,
		Events:        events,
		UniqueFields:  []string{"uid", "ctwid", "data.game_user_id"},
		Cases:         cases,
		Grounds:       grounds,
		Responses:     profile.ResponseSpec{Rule: "G1-RESP-1", Body: profile.Must, ContentType: profile.Must},
	}
	p.Normalize = func(doc any, _ *profile.Request, _ profile.Mode) (any, []profile.Violation) {
		return normalize(p, doc)
	}
	return p
}

var responses = map[int]string{
	http.StatusOK:           "created.response.schema.json",
	http.StatusBadRequest:   "error.response.schema.json",
	http.StatusUnauthorized: "error.response.schema.json",
}

var rules = []profile.Rule{
	profile.NewRule("G1-AUTH-1", profile.Must, profile.AreaAuth, profile.Always, 401,
		"Authorization: Basic base64(appId:appSecret) with the login flow's credentials; missing or wrong → 401."),
	profile.NewRule("G1-BODY-1", profile.Must, profile.AreaValidation, profile.Always, 400,
		"Required: uid, server_id, ctwid (strings), timestamp (integer, Unix ms), level (integer), data (object) with "+
			"game_user_id (string), role (object), custom (object) holding physical_server (string, host|ip); missing or wrong type → 400."),
	profile.NewRule("G1-AMB-1", profile.Ambiguous, profile.AreaValidation, profile.StrictOnly, 400,
		"The curl example sends game_server_id for server_id: strict requires server_id, lenient accepts the alias."),
	profile.NewRule("G1-AMB-2", profile.Ambiguous, profile.AreaValidation, profile.StrictOnly, 400,
		"The example puts physical_server in a top-level custom object: strict requires data.custom.physical_server, lenient accepts either place."),
	profile.NewRule("G1-JSON-1", profile.Must, profile.AreaValidation, profile.Always, 400,
		"The body is one valid JSON value: comments and trailing commas (as in the document's example) → 400."),
	profile.NewRule("G1-RESP-1", profile.Must, profile.AreaResponse, profile.Always, 0,
		"200 application/json {\"action\":\"game_event_created\",\"id\":\"<decimal string>\",\"token\":\"<uuid>\"}; extra members allowed (the format may change)."),
}

// success renders the document's answer: the app's sequence as a decimal string
// and a fresh token.
func success(o profile.Outcome) (int, any) {
	return http.StatusOK, map[string]any{
		"action": "game_event_created",
		"id":     strconv.FormatUint(o.Seq, 10),
		"token":  o.Token,
	}
}

// describe tells the receiver what one accepted event is. The API has no
// idempotency key: a repeated level_up is recorded again.
func describe(item any, r *profile.Request, _ profile.Principal) profile.Record {
	ev, _ := item.(map[string]any)
	rec := profile.Record{Event: "level_up", RecordedAt: r.Received}
	if t, ok := EventTime(ev["timestamp"]); ok {
		rec.EventTime = t
	}
	return rec
}

// EventTime reads timestamp, Unix time in milliseconds.
func EventTime(v any) (time.Time, bool) {
	ms, ok := profile.Int(v)
	if !ok {
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
}

// normalize applies the lenient readings of the document's curl example, in both
// modes, so the schema sees one shape and reports nothing twice: the validator
// rejects the reported aliases in strict mode only (their rules are StrictOnly).
// It never changes doc itself: the maps it rewrites are copies.
func normalize(p *profile.Profile, doc any) (any, []profile.Violation) {
	ev, ok := doc.(map[string]any)
	if !ok {
		return doc, nil // the schema reports a body that is not an object
	}
	var vs []profile.Violation
	// G1-AMB-1: game_server_id stands for a missing (or empty) server_id.
	if alias, ok := ev["game_server_id"]; ok && missing(ev, "server_id") {
		ev = maps.Clone(ev)
		delete(ev, "game_server_id")
		ev["server_id"] = alias
		v := p.Violation("G1-AMB-1", profile.InBody, "game_server_id",
			"game_server_id is the curl example's name for server_id; send server_id")
		v.Enforce = profile.StrictOnly
		vs = append(vs, v)
	}
	// G1-AMB-2: a top-level custom.physical_server stands for a missing (or empty)
	// data.custom.physical_server. Only when data.custom is an object: without it
	// the schema reports data.custom itself.
	top, _ := ev["custom"].(map[string]any)
	alias, ok := top["physical_server"]
	data, _ := ev["data"].(map[string]any)
	custom, isObject := data["custom"].(map[string]any)
	if ok && isObject && missing(custom, "physical_server") {
		custom = maps.Clone(custom)
		custom["physical_server"] = alias
		data = maps.Clone(data)
		data["custom"] = custom
		ev = maps.Clone(ev)
		ev["data"] = data
		v := p.Violation("G1-AMB-2", profile.InBody, "custom.physical_server",
			"physical_server belongs in data.custom, not in a top-level custom object; send data.custom.physical_server")
		v.Enforce = profile.StrictOnly
		vs = append(vs, v)
	}
	return ev, vs
}

// missing reports whether a required member is absent or "", which counts as
// absent (SPECS.md: required means present and non-empty).
func missing(m map[string]any, key string) bool {
	v, ok := m[key]
	return !ok || v == ""
}
