package profile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/strictjson"
)

// This file is the wire format, in one place: how an endpoint's document
// travels (path, query, headers, body) and the two directions everyone
// uses. Senders (conformance, load, fixtures) go Payload → Outgoing →
// *http.Request or vegeta target; receivers (the mock, the validator, the
// mutant analysis) go *http.Request or Outgoing → Request → Document.

// Transport is where an endpoint's document travels.
type Transport string

// The transports.
const (
	// JSONBody: the document is the request body, one JSON value (every seed API).
	JSONBody Transport = ""
	// QueryString: the document is the URL's query string, one parameter per
	// member, every value a string (affiliate postbacks).
	QueryString Transport = "query"
)

// Carriage says what a transport can carry, so that derivation writes only
// the variants it can send.
type Carriage struct {
	Body    bool // a request body: malformed-JSON, size and content-type variants
	Types   bool // JSON types beyond strings: the "as an integer" variants
	Nesting bool // objects and arrays inside the document
}

// Carriage reports what e's transport can carry.
func (e *Endpoint) Carriage() Carriage {
	if e.Transport == QueryString {
		return Carriage{}
	}
	return Carriage{Body: true, Types: true, Nesting: true}
}

// In is where a member of e's document is on the wire, for violations.
func (e *Endpoint) In() string {
	if e.Transport == QueryString {
		return InQuery
	}
	return InBody
}

// WireName is the name member travels under on e: its Params entry (a
// target's own spelling, subid for click_id), else the member itself.
func (e *Endpoint) WireName(member string) string {
	if n, ok := e.Params[member]; ok && n != "" {
		return n
	}
	return member
}

// member maps a parameter name received back to the document member, through
// Params and ParamAliases; a name neither knows is its own member, except a
// member's own name when Params sends it under another ("": not a member, a
// parameter the target does not know).
func (e *Endpoint) member(param string) string {
	for m, n := range e.Params {
		if n == param {
			return m
		}
	}
	if n, ok := e.Params[param]; ok && n != "" && n != param {
		return ""
	}
	for m, names := range e.ParamAliases {
		if slices.Contains(names, param) {
			return m
		}
	}
	return param
}

// Rename returns e with its document members sent under other parameter
// names (member → name), for a target that spells them its own way. Only a
// query-string endpoint has parameter names; renaming a member to a name
// another member uses is an error.
func (e Endpoint) Rename(names map[string]string) (Endpoint, error) {
	if len(names) == 0 {
		return e, nil
	}
	if e.Transport != QueryString {
		return e, fmt.Errorf("endpoint %s sends a JSON body: its members have no parameter names to rename", e.ID)
	}
	params := maps.Clone(e.Params)
	if params == nil {
		params = map[string]string{}
	}
	used := map[string]string{}
	for m, n := range names {
		if n == "" {
			return e, fmt.Errorf("endpoint %s: parameter name for %s is empty", e.ID, m)
		}
		if other, ok := used[n]; ok {
			return e, fmt.Errorf("endpoint %s: %s and %s would both be sent as %s", e.ID, other, m, n)
		}
		used[n] = m
		params[m] = n
	}
	e.Params = params
	return e, nil
}

// Outgoing is a request a sender is about to send.
type Outgoing struct {
	Endpoint   *Endpoint
	Header     http.Header
	PathValues map[string]string // unescaped; the sender escapes them into the path
	// RawPath, when set, is sent verbatim instead of the endpoint's path with
	// PathValues escaped into it (percent-encoding cases).
	RawPath string
	// Query holds the query parameters: the document's on a query-string
	// endpoint, and what a scheme signs with (a token). RawQuery, when set, is
	// sent verbatim instead (a malformed query).
	Query    url.Values
	RawQuery string
	Body     []byte
}

// Path returns the escaped request path.
func (o *Outgoing) Path() string {
	if o.RawPath != "" {
		return o.RawPath
	}
	esc := make(map[string]string, len(o.PathValues))
	for k, v := range o.PathValues {
		esc[k] = url.PathEscape(v)
	}
	return o.Endpoint.Expand(esc)
}

// EncodedQuery returns the query string as sent, without "?".
func (o *Outgoing) EncodedQuery() string {
	q := o.Query.Encode()
	switch {
	case o.RawQuery == "":
		return q
	case q == "":
		return o.RawQuery
	}
	return o.RawQuery + "&" + q
}

// Target returns the path and query a request goes to, to append to a base URL.
func (o *Outgoing) Target() string {
	if q := o.EncodedQuery(); q != "" {
		return o.Path() + "?" + q
	}
	return o.Path()
}

// Request builds the HTTP request for the base URL (scheme, host and any
// prefix). Header names keep their spelling (a seed's X-API-KEY).
func (o *Outgoing) Request(ctx context.Context, base string) (*http.Request, error) {
	var body *bytes.Reader
	if o.Body != nil {
		body = bytes.NewReader(o.Body)
	}
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequestWithContext(ctx, o.Endpoint.Method, base+o.Target(), body)
	} else {
		req, err = http.NewRequestWithContext(ctx, o.Endpoint.Method, base+o.Target(), http.NoBody)
	}
	if err != nil {
		return nil, fmt.Errorf("endpoint %s: %w", o.Endpoint.ID, err)
	}
	req.Header = o.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	return req, nil
}

// Received returns o as a receiver sees it at the given time: header names
// canonical, path parameters decoded, the query as sent.
func (o *Outgoing) Received(at time.Time) *Request {
	h := make(http.Header, len(o.Header))
	for k, v := range o.Header {
		h[http.CanonicalHeaderKey(k)] = slices.Clone(v)
	}
	r := &Request{Endpoint: o.Endpoint, Header: h, PathValues: maps.Clone(o.PathValues), RawPath: o.RawPath,
		RawQuery: o.EncodedQuery(), Body: o.Body, Received: at}
	if o.RawPath != "" {
		r.PathValues = o.Endpoint.PathValuesOf(o.RawPath)
	}
	return r
}

// PathValuesOf reads e's path parameters out of an escaped path, nil when it
// does not match e's path.
func (e *Endpoint) PathValuesOf(escaped string) map[string]string {
	want, got := strings.Split(e.Path, "/"), strings.Split(escaped, "/")
	if len(want) != len(got) {
		return nil
	}
	vals := map[string]string{}
	for i, seg := range want {
		if name, ok := paramName(seg); ok {
			v, err := url.PathUnescape(got[i])
			if err != nil {
				v = got[i]
			}
			vals[name] = v
		} else if seg != got[i] {
			return nil
		}
	}
	return vals
}

// PathParams lists the names of e's path parameters.
func (e *Endpoint) PathParams() []string {
	var names []string
	for _, seg := range strings.Split(e.Path, "/") {
		if name, ok := paramName(seg); ok {
			names = append(names, name)
		}
	}
	return names
}

func paramName(seg string) (string, bool) {
	if !strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") {
		return "", false
	}
	return strings.TrimSuffix(strings.TrimSuffix(seg[1:len(seg)-1], "..."), "$"), true
}

// Receive returns what the rules see of r, received at the given time, routed
// to e by a ServeMux (r.PathValue answers). The caller sets Body once read.
func (e *Endpoint) Receive(r *http.Request, received time.Time) *Request {
	req := &Request{Endpoint: e, Header: r.Header, RawPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Received: received}
	if !strings.Contains(e.Path, "{") {
		return req // most endpoints: no parameters, nothing to allocate
	}
	req.PathValues = map[string]string{}
	for rest := e.Path; rest != ""; { // PathParams without its slice: this runs per request
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		if name, ok := paramName(seg); ok {
			req.PathValues[name] = r.PathValue(name)
		}
	}
	return req
}

// Outgoing turns p into a request for e, ready for Auth.Sign: on a JSON
// endpoint the body is the document (Content-Type application/json); on a
// query-string endpoint each member is a parameter, under its wire name.
func (p *Payload) Outgoing(e *Endpoint) (*Outgoing, error) {
	o := new(Outgoing)
	if err := p.OutgoingInto(e, o); err != nil {
		return nil, err
	}
	return o, nil
}

// OutgoingInto is Outgoing into o, which it overwrites: for a sender that
// keeps the request in a value of its own (one allocation less for each).
func (p *Payload) OutgoingInto(e *Endpoint, o *Outgoing) error {
	*o = Outgoing{Endpoint: e, PathValues: maps.Clone(p.PathValues), RawPath: p.RawPath, Query: url.Values{}}
	o.Header = make(http.Header, len(p.Header)+2)
	switch e.Transport {
	case QueryString:
		if p.Raw != "" {
			o.RawQuery = p.Raw
			break
		}
		m, ok := p.Body.(map[string]any)
		if !ok && p.Body != nil {
			return fmt.Errorf("payload for %s: a query string carries an object's members, not %s", e.ID, TypeOf(p.Body))
		}
		for k, v := range m {
			s, err := queryValue(v)
			if err != nil {
				return fmt.Errorf("payload for %s: member %s: %w", e.ID, k, err)
			}
			o.Query.Set(e.WireName(k), s)
		}
	default:
		body, err := p.Bytes()
		if err != nil {
			return err
		}
		o.Body = body
		o.Header["Content-Type"] = jsonContentType
	}
	// Header.Set's canonical names; the values in one allocation.
	vals := make([]string, len(p.Header))
	i := 0
	for k, v := range p.Header {
		vals[i] = v
		o.Header[http.CanonicalHeaderKey(k)] = vals[i : i+1 : i+1]
		i++
	}
	return nil
}

// jsonContentType is the Content-Type of every JSON body, shared (read
// only): header values are replaced (Set), appended to past their capacity
// (Add) or read, never written in place.
var jsonContentType = []string{"application/json"}

// queryValue writes a member's value as a query parameter: strings as they
// are, numbers and booleans as JSON writes them.
func queryValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	case nil:
		return "", nil
	case float64:
		if b, ok := appendJSONFloat(nil, v); ok {
			return string(b), nil
		}
	case int, int64, int32, uint64:
		return fmt.Sprint(v), nil
	}
	return "", fmt.Errorf("%s cannot travel in a query string", TypeOf(v))
}

// The ways a query string fails to decode (a QueryError): the Field of a
// KindMalformed grounding on a query-string endpoint, as MalformedTruncated…
// are on a JSON one.
const (
	MalformedRepeatedParam = "repeated-param" // a parameter given twice
	MalformedBadEscape     = "bad-escape"     // an invalid percent-escape
)

// QueryError is a query string that does not decode into a document: a bad
// percent-escape, or a parameter given twice.
type QueryError struct {
	Param   string // the parameter, as sent ("" when the name itself is bad)
	Message string
	How     string // MalformedRepeatedParam or MalformedBadEscape
}

func (e *QueryError) Error() string {
	if e.Param == "" {
		return "malformed query string: " + e.Message
	}
	return fmt.Sprintf("malformed query string: parameter %s: %s", e.Param, e.Message)
}

// Document returns r's document decoded as its endpoint's transport carries
// it, decoding on the first call only; readers must not change it. A JSON
// body that is not one finite JSON value, or a query string with a bad
// escape or a repeated parameter, is an error (a *strictjson.SyntaxError,
// *strictjson.DuplicateKeyError or *QueryError).
func (r *Request) Document() (any, error) {
	if r.Endpoint != nil && r.Endpoint.Transport == QueryString {
		return r.Decode(func([]byte) (any, error) { return r.Endpoint.decodeQuery(r.RawQuery) })
	}
	return r.Decode(strictjson.DecodeFinite)
}

// decodeQuery reads a query string into a document: one string member per
// parameter, under its member name. Unlike url.ParseQuery it refuses what a
// lenient reader would silently resolve (a repeated parameter, ";").
func (e *Endpoint) decodeQuery(raw string) (any, error) {
	doc := map[string]any{}
	from := map[string]string{} // member → the parameter it came from
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			return nil, &QueryError{Message: fmt.Sprintf("name %q: invalid percent-escape", k), How: MalformedBadEscape}
		}
		if strings.Contains(name, ";") {
			return nil, &QueryError{Param: name, Message: `";" is not a separator`, How: MalformedBadEscape}
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, &QueryError{Param: name, Message: fmt.Sprintf("value %q: invalid percent-escape", v), How: MalformedBadEscape}
		}
		m := e.member(name)
		if m == "" {
			continue
		}
		if prev, ok := from[m]; ok {
			if prev == name {
				return nil, &QueryError{Param: name, Message: "given twice", How: MalformedRepeatedParam}
			}
			return nil, &QueryError{Param: name, Message: fmt.Sprintf("given twice (also as %s)", prev), How: MalformedRepeatedParam}
		}
		from[m] = name
		doc[m] = val
	}
	return doc, nil
}

// QueryValue returns the named query parameter as sent (first value), whatever
// the endpoint's transport.
func (r *Request) QueryValue(name string) (string, bool) {
	for raw := r.RawQuery; raw != ""; {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(part, "=")
		if kk, err := url.QueryUnescape(k); err != nil || kk != name {
			continue
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return v, true
		}
		return val, true
	}
	return "", false
}

// SetQuery sets a query parameter on o (a credential a scheme signs with).
func (o *Outgoing) SetQuery(name, value string) {
	if o.Query == nil {
		o.Query = url.Values{}
	}
	o.Query.Set(name, value)
}
