// Package dingyue defines the Dingyue event-reporting API (seed
// 002_4c04d6b68939c366.txt): the v1 and v2 report endpoints (one format), API-key
// auth, the SDK headers strict mode requires, the rule catalogue (DY-*), schemas
// carrying the document's six error codes, the {"status":"error","code":…} answer,
// generators of the document's event catalogue, and cases. Read by every consumer
// through profile/builtin.
package dingyue

import (
	"embed"
	"fmt"
	"net/http"
	"strings"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Name is the profile's stable name.
const Name = "dingyue"

const seed = "002_4c04d6b68939c366.txt"

//go:embed schemas/*.schema.json
var schemaFiles embed.FS

//go:embed golden/*.json
var goldenFiles embed.FS

// The document's error codes (错误码).
const (
	CodeInvalidAPIKey     = "INVALID_API_KEY"
	CodeMissingHeader     = "MISSING_REQUIRED_HEADER"
	CodeInvalidParameter  = "INVALID_PARAMETER"
	CodeEventNameRequired = "EVENT_NAME_REQUIRED"
	CodeUserRequired      = "USER_REQUIRED"
	CodeSessionIDRequired = "SESSION_ID_REQUIRED"
)

// SuccessMessage is the message of the documented 200 answer.
const SuccessMessage = "Events reported successfully"

// New returns the profile.
func New() *profile.Profile {
	p := &profile.Profile{
		Name:      Name,
		Title:     "Dingyue event reporting",
		Seed:      seed,
		SeedTitle: "Dingyue event reporting API",
		Host:      "https://mobile.dingyue.io",
		Rules:     rules,
		Endpoints: []profile.Endpoint{
			{ID: "events", Method: http.MethodPost, Path: "/users/report/events", Version: "v1",
				Request: "report.request.schema.json", Responses: responses,
				Items: "events", MaxItems: 1000, ItemsRule: "DY-BATCH-1", MaxBody: 4 << 20},
			{ID: "events-v2", Method: http.MethodPost, Path: "/v2/users/report/events", Version: "v2",
				Request: "report.request.schema.json", Responses: responses,
				Items: "events", MaxItems: 1000, ItemsRule: "DY-BATCH-1", MaxBody: 4 << 20,
				Alias: "events", AliasRule: "DY-V2-1"},
		},
		Auth:          profile.APIKey{Header: "X-API-KEY", MissingRule: "DY-AUTH-1", UnknownRule: "DY-AUTH-1"},
		Defaults:      profile.Credentials{APIKeys: []string{"dy_test_key_123", "dy_test_key_456"}},
		Schemas:       profile.Sub(schemaFiles, "schemas"),
		Golden:        profile.Sub(goldenFiles, "golden"),
		MalformedRule: "DY-BODY-1",
		Describe:      describe,
		Dedupe:        profile.Dedupe{Kind: profile.NoDedupe},
		Success: func(profile.Outcome) (int, any) {
			return http.StatusOK, SuccessBody{Status: "success", Message: SuccessMessage}
		},
		Error:        renderError,
		Events:       events,
		UniqueFields: []string{"extra.client_event_id"},
		Headers:      headers,
		Cases:        cases,
		Grounds:      grounds,
		Responses: profile.ResponseSpec{Rule: "DY-RESP-1", Body: profile.Must, ErrorBody: profile.Must,
			ContentType: profile.Should, Status: profile.Should, CodeField: "code",
			// The document's own error example answers a missing event name with
			// INVALID_PARAMETER, and a missing X-API-KEY is a missing required header.
			CodeAliases: map[string][]string{
				"EVENT_NAME_REQUIRED": {"INVALID_PARAMETER"},
				"USER_REQUIRED":       {"INVALID_PARAMETER"},
				"SESSION_ID_REQUIRED": {"INVALID_PARAMETER"},
				"INVALID_API_KEY":     {"MISSING_REQUIRED_HEADER"},
			}},
	}
	p.Check = func(doc any, r *profile.Request, mode profile.Mode) []profile.Violation {
		return check(p, doc, r, mode)
	}
	return p
}

var responses = map[int]string{
	http.StatusOK:           "success.response.schema.json",
	http.StatusBadRequest:   "error.response.schema.json",
	http.StatusUnauthorized: "error.response.schema.json",
}

// DY-BODY-2 answers one of three codes by field (the schema's x-code says which);
// its catalogued code is the one for an event or extra that is not an object.
var rules = []profile.Rule{
	profile.NewRule("DY-AUTH-1", profile.Must, profile.AreaAuth, profile.Always, 401,
		"Header X-API-KEY is required and must be a valid key; else INVALID_API_KEY (HTTP 401).").WithCode(CodeInvalidAPIKey),
	profile.NewRule("DY-HDR-1", profile.Ambiguous, profile.AreaValidation, profile.StrictOnly, 400,
		"Strict requires X-USER-ID, X-APP-ID, X-PLATFORM and X-VERSION (lenient none); missing → 400 MISSING_REQUIRED_HEADER naming the header.").WithCode(CodeMissingHeader),
	profile.NewRule("DY-HDR-2", profile.Should, profile.AreaValidation, profile.StrictOnly, 400,
		"X-PLATFORM is iOS or Android (case-insensitive); else 400 INVALID_PARAMETER (strict).").WithCode(CodeInvalidParameter),
	profile.NewRule("DY-BODY-1", profile.Must, profile.AreaValidation, profile.Always, 400,
		"The body is {\"events\":[...]}; events missing, not an array or empty (or the body not JSON) → 400 INVALID_PARAMETER.").WithCode(CodeInvalidParameter),
	profile.NewRule("DY-BODY-2", profile.Must, profile.AreaValidation, profile.Always, 400,
		"Each event needs non-empty strings name (EVENT_NAME_REQUIRED), user (USER_REQUIRED), sessionId (SESSION_ID_REQUIRED); extra is an optional object (INVALID_PARAMETER); 400 naming the event index.").WithCode(CodeInvalidParameter),
	profile.NewRule("DY-RESP-1", profile.Must, profile.AreaResponse, profile.Always, 0,
		"Success: 200 {\"status\":\"success\",\"message\":\"Events reported successfully\"}; error: {\"status\":\"error\",\"code\":<one of the six codes>,\"message\"}; code is a MUST, the exact status a SHOULD."),
	profile.NewRule("DY-V2-1", profile.Must, profile.AreaValidation, profile.Always, 0,
		"/v2/users/report/events accepts and answers the same format as /users/report/events."),
	profile.NewRule("DY-NAME-1", profile.Should, profile.AreaValidation, profile.Advisory, 0,
		"Event names are lower snake_case (app_opened, not AppOpened or screen-view); accepted, reported as a sender-side warning."),
	profile.NewRule("DY-BATCH-1", profile.Decision, profile.AreaBatching, profile.Always, 400,
		"At most 1,000 events per request (configurable); over → 400 INVALID_PARAMETER.").WithCode(CodeInvalidParameter),
}

// requiredHeaders are what strict mode requires (DY-HDR-1). User-Agent is in the
// document's header table too, but every HTTP client sends one of its own, so
// requiring it would test the client library rather than the sender.
var requiredHeaders = []string{"X-USER-ID", "X-APP-ID", "X-PLATFORM", "X-VERSION"}

// check reports what the schema cannot see: the SDK headers and the event-name
// convention. It reports in both modes; each rule's enforcement decides whether
// the report rejects.
func check(p *profile.Profile, doc any, r *profile.Request, _ profile.Mode) []profile.Violation {
	var vs []profile.Violation
	var h http.Header
	if r != nil {
		h = r.Header
	}
	for _, name := range requiredHeaders {
		if v, _ := profile.HeaderValue(h, name); strings.TrimSpace(v) == "" {
			vs = append(vs, p.Violation("DY-HDR-1", profile.InHeader, name, "header %s is required", name))
		}
	}
	if v, _ := profile.HeaderValue(h, "X-PLATFORM"); strings.TrimSpace(v) != "" && !Platform(v) {
		vs = append(vs, p.Violation("DY-HDR-2", profile.InHeader, "X-PLATFORM",
			"%q is not a platform: want iOS or Android", v))
	}
	e := endpointOf(r)
	for i, item := range e.ItemsOf(doc) {
		ev, _ := item.(map[string]any)
		if name, _ := ev["name"].(string); name != "" && !SnakeCase(name) {
			vs = append(vs, p.Violation("DY-NAME-1", profile.InBody, e.ItemPath(i)+".name",
				"event name %q is not lower snake_case (e.g. app_opened)", name))
		}
	}
	return vs
}

// endpointOf returns the request's endpoint, or the events layout both
// endpoints share when the request names none.
func endpointOf(r *profile.Request) *profile.Endpoint {
	if r != nil && r.Endpoint != nil {
		return r.Endpoint
	}
	return &profile.Endpoint{Items: "events"}
}

// Platform reports whether v names a documented platform (DY-HDR-2).
func Platform(v string) bool {
	v = strings.TrimSpace(v)
	return strings.EqualFold(v, "iOS") || strings.EqualFold(v, "Android")
}

// SnakeCase reports whether name is lower snake_case (DY-NAME-1): lower-case
// letters and digits in words joined by single underscores, starting with a
// letter.
func SnakeCase(name string) bool {
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	prev := byte(0)
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '_' && prev != '_':
		default:
			return false
		}
		prev = c
	}
	return prev != '_'
}

// describe tells the receiver what one accepted event is. The document has no
// event id and no event time: an event is recorded when it is received.
func describe(item any, r *profile.Request, _ profile.Principal) profile.Record {
	ev, _ := item.(map[string]any)
	name, _ := ev["name"].(string)
	return profile.Record{Event: name, RecordedAt: r.Received}
}

// SuccessBody is the documented 200 answer.
type SuccessBody struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// ErrorBody is the documented error answer, plus the rule and every violation
// (SPECS: error bodies name the rule and the field).
type ErrorBody struct {
	Status  string              `json:"status"`
	Code    string              `json:"code"`
	Message string              `json:"message"`
	Rule    string              `json:"rule,omitempty"`
	Fields  []profile.Violation `json:"fields,omitempty"`
}

// codeText is each documented code's meaning, in the words of the document's
// error example ("Event name is required").
var codeText = map[string]string{
	CodeInvalidAPIKey:     "Invalid API key",
	CodeMissingHeader:     "Missing required header",
	CodeInvalidParameter:  "Invalid parameter",
	CodeEventNameRequired: "Event name is required",
	CodeUserRequired:      "User is required",
	CodeSessionIDRequired: "Session ID is required",
}

// renderError answers for the first rejecting violation (the one that decided
// the status) and lists every violation in fields.
func renderError(status int, vs []profile.Violation) any {
	b := ErrorBody{Status: "error", Code: statusCode(status), Fields: vs}
	first := 0
	for i, v := range vs {
		if v.Reject {
			first = i
			break
		}
	}
	if len(vs) == 0 {
		b.Message = text(b.Code, status)
		return b
	}
	v := vs[first]
	b.Rule = v.Rule
	if v.Code != "" {
		b.Code = v.Code
	}
	ordered := make([]profile.Violation, 0, len(vs))
	ordered = append(append(append(ordered, v), vs[:first]...), vs[first+1:]...)
	b.Message = text(b.Code, status) + ": " + profile.Summary(ordered)
	return b
}

// statusCode is the code of an answer no violation gives one for: the
// documented code for the statuses the document implies, else the harness's
// default code in the document's upper-case style.
func statusCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return CodeInvalidParameter
	case http.StatusUnauthorized:
		return CodeInvalidAPIKey
	}
	return strings.ToUpper(profile.StatusCode(status))
}

func text(code string, status int) string {
	if t, ok := codeText[code]; ok {
		return t
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return fmt.Sprintf("HTTP %d", status)
}
