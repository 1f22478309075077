package profile

import (
	"fmt"
	"strings"
	"time"
)

// Endpoint is one documented operation.
type Endpoint struct {
	ID      string // stable id used in flags, journals and reports, e.g. "event", "batch"
	Method  string
	Path    string // net/http pattern path, e.g. "/inappevent/{app_id}"
	Version string // "v1", "v2" when the API versions its paths

	// Transport is where the document travels (wire.go): a JSON body, or
	// the query string. Params renames members on the wire (member →
	// parameter: a target's own names), ParamAliases lists other names a
	// receiver reads for a member (clickid for click_id).
	Transport    Transport
	Params       map[string]string
	ParamAliases map[string][]string

	// Request is the schema file of the request document; Responses maps an HTTP status
	// to the schema file of the documented (or decided) response body.
	Request   string
	Responses map[int]string

	// Items says where the events of a body are: ItemsSelf (the body is one event),
	// ItemsRoot (the body is an array of events) or the name of a member holding the
	// array (e.g. "events").
	Items     string
	MaxItems  int    // 0: no limit
	ItemsRule string // the rule a count over MaxItems breaks
	// AtomicRule, when set, says a batch with any bad item is rejected whole,
	// nothing of it recorded (RS-BATCH-1).
	AtomicRule string

	MaxBody  int64  // bytes; 0: the mock's generic cap only
	SizeRule string // the rule a larger body breaks ("" when only the generic cap applies)

	ContentTypeRule string // set when application/json is required by a rule

	// Carries names the endpoint whose events this one carries in bulk (RevoSurge's
	// batch carries "event"): the same event types are sent to both.
	Carries string

	// Alias names the endpoint this one mirrors (same request and answer format),
	// and AliasRule the rule that says so (Dingyue's v1/v2).
	Alias     string
	AliasRule string
}

// Where an endpoint's events are in its body.
const (
	ItemsSelf = ""
	ItemsRoot = "[]"
)

// Accepts reports whether events generated for endpoint id may be sent here.
func (e *Endpoint) Accepts(id string) bool {
	return e.ID == id || e.Alias == id || e.Carries == id
}

// Pattern returns the net/http ServeMux pattern, e.g. "POST /v2/s2s/event".
func (e *Endpoint) Pattern() string { return e.Method + " " + e.Path }

// Batch reports whether a body carries several events.
func (e *Endpoint) Batch() bool { return e.Items != ItemsSelf }

// ItemsOf returns the events a decoded body carries. A body of the wrong shape
// yields nil; the schema reports it.
func (e *Endpoint) ItemsOf(doc any) []any {
	switch e.Items {
	case ItemsSelf:
		return []any{doc}
	case ItemsRoot:
		items, _ := doc.([]any)
		return items
	default:
		m, _ := doc.(map[string]any)
		items, _ := m[e.Items].([]any)
		return items
	}
}

// Wrap builds a body carrying items, the inverse of ItemsOf.
func (e *Endpoint) Wrap(items []any) any {
	switch e.Items {
	case ItemsSelf:
		if len(items) == 0 {
			return nil
		}
		return items[0]
	case ItemsRoot:
		return items
	default:
		return map[string]any{e.Items: items}
	}
}

// ItemPath returns the JSON path prefix of item i, e.g. "[3]" or "events[3]";
// "" for a single-event body.
func (e *Endpoint) ItemPath(i int) string {
	switch e.Items {
	case ItemsSelf:
		return ""
	case ItemsRoot:
		return fmt.Sprintf("[%d]", i)
	default:
		return fmt.Sprintf("%s[%d]", e.Items, i)
	}
}

// Expand fills the {name} parameters of the path with values (already escaped
// by the caller when needed).
func (e *Endpoint) Expand(values map[string]string) string {
	p := e.Path
	for k, v := range values {
		p = strings.ReplaceAll(p, "{"+k+"}", v)
	}
	return p
}

// RateLimit is a documented (or decided) request limit.
type RateLimit struct {
	Rule   string
	Limit  int           // requests allowed in any rolling Window
	Window time.Duration //
	Per    string        // what is limited, for people: "API key", "app", "token subject"
	// IsolationRule, when set, says another bucket is unaffected (RS-RATE-2).
	IsolationRule string
}

func (r RateLimit) String() string {
	return fmt.Sprintf("%d requests per %s per %s", r.Limit, r.Window, r.Per)
}
