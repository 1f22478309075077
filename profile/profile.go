// Package profile is the vocabulary in which every S2S API definition ("profile") is
// written: endpoints, authentication schemes, limits, the rule catalogue, schemas,
// event generators and test cases. The mock, the conformance suite, the load engine,
// the validator and the linter all read profiles; none of them knows an API by name.
//
// A profile is data plus the few functions JSON Schema cannot express. Each API lives
// in its own sub-package (profile/revosurge, …) and the explicit list of them is
// profile/builtin. Of this module it imports only internal/strictjson (the
// JSON reading its wire format uses, wire.go).
package profile

import (
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

// Profile is the complete definition of one S2S API.
type Profile struct {
	Name  string // stable name used in flags, labels, reports and folder names
	Title string // human title, e.g. "RevoSurge DataPulse server events"
	Seed  string // the seed document the rules come from ("" when Source is set)
	// SeedTitle is the seed document's own title, in English: what reports
	// cite it by (SeedName), never the file name.
	SeedTitle string
	// Source is the profile's own public basis when it rests on no seed
	// document (a vendor's published documentation); nil for a seed profile.
	Source *Source
	Host   string // production base URL given by the document ("" when none)
	// HostAliases are further base URLs the document names (a staging host).
	HostAliases []string

	Rules     []Rule
	Endpoints []Endpoint
	Auth      Auth
	Defaults  Credentials // the mock's default test credentials
	Rate      *RateLimit  // nil when the API documents no limit

	// Schemas holds the JSON Schemas the endpoints name, as "<file>.schema.json".
	Schemas fs.FS
	// Formats are format assertions the schemas use beyond the standard ones.
	Formats map[string]func(any) bool
	// MalformedRule is the rule a body that is not one well-formed JSON value breaks.
	MalformedRule string

	// Normalize runs after decoding and before the schema: it reports and rewrites
	// documented aliases (lenient readings) so the schema sees one shape. It must
	// not change doc (a request's decoding is shared): it returns a changed copy.
	// May be nil.
	Normalize func(doc any, r *Request, mode Mode) (any, []Violation)
	// Check reports what JSON Schema cannot express. It runs only on a document that
	// decoded; it must tolerate documents that failed the schema. May be nil.
	Check func(doc any, r *Request, mode Mode) []Violation

	// Describe tells a receiver what one accepted event means: keys, times.
	Describe func(item any, r *Request, p Principal) Record
	Dedupe   Dedupe
	// Success renders the answer to an accepted request.
	Success func(o Outcome) (status int, body any)
	// Error renders the answer to a rejected request; nil uses DefaultError.
	Error func(status int, vs []Violation) any

	// Events generate valid events, one entry per event type.
	Events []EventType
	// UniqueFields are the item fields generators make unique per event (ids),
	// as paths like "transaction_id"; absent fields are skipped.
	UniqueFields []string
	// Headers returns the non-credential headers a sender puts on a request
	// carrying items (e.g. Dingyue's X-USER-ID). May be nil.
	Headers func(g *Gen, items []any) http.Header
	// Cases are hand-written payload variants the schema cannot derive: what must be
	// rejected (labelled with the rule it breaks) and what must be accepted.
	Cases []Case
	// Golden holds the seed document's examples as "<name>.json" (see fixtures/golden.go).
	Golden fs.FS
	// TimeCases are worked examples of the profile's recorded-time rule, if any.
	TimeCases []TimeCase
	// LiveTimeCases are the recorded-time examples that hold on the real
	// clock: they run when the receiver's clock cannot be moved.
	LiveTimeCases []LiveTimeCase
	// Responses says what of the answers a conformance check may hold a target to.
	Responses ResponseSpec
	// Grounds say, per rule and kind of expectation, which seed sentence
	// requires the answer a check expects, or which decision it is (basis.go).
	// An expectation no grounding covers is decided.
	Grounds []Grounding
	// Probes are the usual other spellings of one part of a request
	// (signature schemes, time formats, header names): the conformance
	// suite tries them to say which one a receiver actually accepts.
	Probes []Probe
}

// Probe is a diagnosis, not a rule: spellings of one part of a request that
// senders and receivers commonly mix up. Each rewrites a request already
// signed the documented way (an Apply may be nil: as signed); their Expect
// is unused. Documented are the spellings the document allows (each should
// be accepted), Variants the usual others.
type Probe struct {
	Name string // e.g. "signature scheme"
	Rule string // the rule the documented spelling follows
	// WhenRejected: try the Variants only when a documented spelling is
	// rejected, to say why (a signature a receiver verifies another way).
	// Otherwise every spelling is tried and the accepted ones listed.
	WhenRejected bool
	Documented   []Break
	Variants     []Break
}

// ResponseSpec says how binding the answers' details are. Status codes of
// rejections come from each rule's Status.
type ResponseSpec struct {
	Rule string // the rule answers are checked under ("" when bodies are undocumented)
	// Body is how binding the success (2xx) response schemas are, ErrorBody the
	// error ones (4xx); "" = not checked (the document gives no such body and the
	// mock's is only the harness's choice).
	Body        Level
	ErrorBody   Level
	ContentType Level // how binding "Content-Type: application/json" is; "" = not checked
	Status      Level // how binding the exact status of a rejection is; "" = MUST
	// CodeField is the error-body member that carries a rule's documented Code
	// (Dingyue "code", postback "error"); conformance checks it as MUST.
	CodeField string
	// CodeAliases lists, per documented code, the other codes the document itself
	// uses for the same fault (Dingyue's example answers a missing event name
	// with INVALID_PARAMETER while its table says EVENT_NAME_REQUIRED). A target
	// answering an alias has chosen a reading: ambiguous, never a failure.
	CodeAliases map[string][]string
	// NoRedirectRule, when set, is broken by any 3xx answer.
	NoRedirectRule string
	// ReplayField is the success-body member that is true when the request
	// replayed an idempotency key and false on a first delivery (postback's
	// "idempotent"); "" when the answers do not tell them apart.
	ReplayField string
}

// Replay reads ReplayField from a decoded success body: whether it says
// replay, and whether it carries the flag at all.
func (r ResponseSpec) Replay(doc any) (replay, ok bool) {
	m, _ := doc.(map[string]any)
	v, ok := m[r.ReplayField].(bool)
	if r.ReplayField == "" || !ok {
		return false, false
	}
	return v, true
}

// Rule returns the catalogue entry for id.
func (p *Profile) Rule(id string) (Rule, bool) {
	for _, r := range p.Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// Endpoint returns the endpoint with the given id.
func (p *Profile) Endpoint(id string) (*Endpoint, bool) {
	for i := range p.Endpoints {
		if p.Endpoints[i].ID == id {
			return &p.Endpoints[i], true
		}
	}
	return nil, false
}

// Key identifies one event by its UniqueFields values (joined by U+001F), so a
// sender can match what it sent with what a receiver recorded. "" when the
// event carries none of them.
func (p *Profile) Key(item any) string {
	var b strings.Builder
	for _, f := range p.UniqueFields {
		v, ok := Get(item, f)
		if !ok || v == nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\x1f')
		}
		fmt.Fprint(&b, v)
	}
	return b.String()
}

// EventType returns the generator for the named event type.
func (p *Profile) EventType(name string) (*EventType, bool) {
	for i := range p.Events {
		if p.Events[i].Name == name {
			return &p.Events[i], true
		}
	}
	return nil, false
}

// Violation builds a violation of rule id in a place of the request, with level,
// status, code and enforcement from the catalogue.
func (p *Profile) Violation(id, in, field, format string, args ...any) Violation {
	v := Violation{Rule: id, In: in, Field: field, Message: fmt.Sprintf(format, args...)}
	p.Fill(&v)
	return v
}

// Fill completes v from the catalogue: level, and code, status and enforcement
// where v does not set them. An id missing from the catalogue is a defect of the
// profile; it is kept visible in the message rather than panicking.
func (p *Profile) Fill(v *Violation) {
	r, ok := p.Rule(v.Rule)
	if !ok {
		v.Level = Must
		if v.Status == 0 {
			v.Status = http.StatusBadRequest
		}
		v.Message += " (rule missing from the catalogue)"
		return
	}
	v.Level = r.Level
	if v.Code == "" {
		v.Code = r.Code
	}
	if v.Status == 0 {
		v.Status = r.Status
	}
	if v.Enforce == AsCatalogued {
		v.Enforce = r.Enforce
		if v.Enforce == AsCatalogued {
			v.Enforce = Always
		}
	}
}

// SuccessBody renders the answer to an accepted request with the profile's
// Success, or 200 {"accepted": n} for a profile that gives none.
func (p *Profile) SuccessBody(o Outcome) (int, any) {
	if p.Success != nil {
		return p.Success(o)
	}
	return http.StatusOK, map[string]any{"accepted": o.Accepted}
}

// ErrorBody renders the error answer for vs with the profile's shape.
func (p *Profile) ErrorBody(status int, vs []Violation) any {
	if p.Error != nil {
		return p.Error(status, vs)
	}
	return DefaultError(status, vs)
}

// Level is how binding a rule is (see SPECS.md).
type Level string

// The levels of SPECS.md.
const (
	Must      Level = "MUST"
	Should    Level = "SHOULD"
	Ambiguous Level = "AMBIGUOUS"
	Decision  Level = "decision"
)

// Area groups rules by the behaviour they govern; the conformance suite is
// organised by it.
type Area string

// The behaviour areas.
const (
	AreaAuth        Area = "auth"
	AreaValidation  Area = "validation"
	AreaBatching    Area = "batching"
	AreaRateLimit   Area = "rate-limit"
	AreaIdempotency Area = "idempotency"
	AreaTime        Area = "time"
	AreaResponse    Area = "response"
)

// Enforcement says when breaking a rule makes a receiver reject the request.
type Enforcement int

const (
	// AsCatalogued: on a violation, whatever the rule says; on a rule, Always.
	AsCatalogued Enforcement = iota
	// Always: rejected in both modes.
	Always
	// StrictOnly: rejected in strict mode; accepted and reported in lenient mode.
	StrictOnly
	// Advisory: never rejected; reported (a sender-side lint finding).
	Advisory
)

func (e Enforcement) String() string {
	switch e {
	case AsCatalogued:
		return "as-catalogued"
	case Always:
		return "always"
	case StrictOnly:
		return "strict-only"
	case Advisory:
		return "advisory"
	}
	return fmt.Sprintf("enforcement(%d)", int(e))
}

// Rejects reports whether a violation with this enforcement is rejected in mode.
func (e Enforcement) Rejects(mode Mode) bool {
	switch e {
	case AsCatalogued, Always:
		return true
	case StrictOnly:
		return mode == Strict || mode == ""
	}
	return false
}

// Rule is one entry of the catalogue, with a stable ID.
type Rule struct {
	ID      string
	Level   Level
	Area    Area
	Enforce Enforcement // AsCatalogued (zero) means Always
	Status  int         // HTTP status a receiver answers when it rejects for this rule (0: not a rejection rule)
	Code    string      // error code the document gives for this rule; "" when it gives none
	Text    string      // one line; the seed document is the profile's
}

// NewRule returns a catalogue entry; WithCode adds the document's error code.
func NewRule(id string, level Level, area Area, enforce Enforcement, status int, text string) Rule {
	return Rule{ID: id, Level: level, Area: area, Enforce: enforce, Status: status, Text: text}
}

// WithCode returns r with the error code the document gives for it.
func (r Rule) WithCode(code string) Rule {
	r.Code = code
	return r
}

// Mode is how a receiver reads what the documents leave open.
type Mode string

// The modes.
const (
	Strict  Mode = "strict"
	Lenient Mode = "lenient"
	// Permissive accepts everything the seed documents do not forbid: every
	// rejection whose ground is decided is off (accepted and reported), every
	// alias and both readings of each ambiguity are on; every documented MUST
	// is enforced. The reference a correct-but-liberal receiver is held to.
	Permissive Mode = "permissive"
)

// Modes are every mode, for flags, completion and docs.
func Modes() []Mode { return []Mode{Strict, Lenient, Permissive} }

// ParseMode parses "strict", "lenient" or "permissive".
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case Strict, Lenient, Permissive:
		return Mode(s), nil
	}
	return "", fmt.Errorf("mode %q: want strict, lenient or permissive", s)
}

// Where a violation was found.
const (
	InHeader  = "header"
	InQuery   = "query"
	InPath    = "path"
	InBody    = "body"
	InRequest = "request"
)

// Violation is one broken rule in one place of a request.
type Violation struct {
	Rule    string `json:"rule"`
	Level   Level  `json:"level"`
	In      string `json:"in"`              // header, path, query, body or request
	Field   string `json:"field,omitempty"` // header name, path parameter, or JSON path like events[2].name
	Message string `json:"message"`
	Code    string `json:"code,omitempty"`   // the profile's error code
	Status  int    `json:"status,omitempty"` // the HTTP status a rejection answers with
	// Reject tells whether this violation rejects the request in the mode it was
	// checked in. Set by the validator from Enforce.
	Reject  bool        `json:"reject"`
	Enforce Enforcement `json:"-"`
	// Kind is the kind of expectation it breaks (KindRequired, KindType…) and
	// Key the field its ground is keyed by ("" = Field): permissive mode
	// rejects only what a documented ground forbids.
	Kind string `json:"-"`
	Key  string `json:"-"`
}

func (v Violation) String() string {
	where := v.In
	if v.Field != "" {
		where += " " + v.Field
	}
	return fmt.Sprintf("%s (%s) %s: %s", v.Rule, v.Level, where, v.Message)
}

// Request is an incoming (or linted) request as the rules see it.
type Request struct {
	Endpoint   *Endpoint
	Header     http.Header
	PathValues map[string]string // decoded path parameters, e.g. app_id
	RawPath    string            // the path as sent, escaped; "" when unknown
	RawQuery   string            // the query string as sent, without "?"
	Body       []byte
	Received   time.Time

	// The body's decoding, kept by Decode so that authentication (a signature
	// over the document) and validation parse it once.
	decoded bool
	doc     any
	docErr  error
}

// Decode returns the body decoded by decode, decoding it on the first call
// only. Readers must not change the document (Normalize works on copies).
func (r *Request) Decode(decode func([]byte) (any, error)) (any, error) {
	if !r.decoded {
		r.doc, r.docErr = decode(r.Body)
		r.decoded = true
	}
	return r.doc, r.docErr
}

// PathValue returns the named path parameter.
func (r *Request) PathValue(name string) string { return r.PathValues[name] }
