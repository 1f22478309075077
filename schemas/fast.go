package schemas

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/s2s-harness/s2s-harness/profile"
)

// A fast checker answers one question, "is this document valid?", from the same
// schema files, for the common keyword subset the profiles use. Valid traffic is
// the hot path of the mock; jsonschema/v5 allocates a map of property names per
// object per subschema and costs tens of microseconds an event. A document the
// fast checker accepts is valid; anything it rejects is handed to jsonschema/v5,
// which stays the authority and produces the errors. A schema using a keyword
// outside the subset gets no fast checker at all. TestFastAgreesWithJSONSchema
// and FuzzFastAgreesWithJSONSchema hold the two to the same verdict.

type fastType uint8

const (
	tNull fastType = 1 << iota
	tBool
	tObject
	tArray
	tNumber
	tInteger
	tString
)

var typeBits = map[string]fastType{"null": tNull, "boolean": tBool, "object": tObject, "array": tArray,
	"number": tNumber, "integer": tInteger, "string": tString}

type fastNode struct {
	always, never bool // boolean schemas

	types    fastType // 0: any
	required []string
	props    map[string]*fastNode
	addl     *fastNode
	items    *fastNode
	minItems int
	maxItems int
	minLen   int
	maxLen   int
	minProps int
	maxProps int
	enum     []any
	hasConst bool
	constV   any
	format   func(any) bool
	pattern  *regexp.Regexp
	minimum  *big.Rat
	maximum  *big.Rat
	exclMin  *big.Rat
	exclMax  *big.Rat
	allOf    []*fastNode
	anyOf    []*fastNode
	oneOf    []*fastNode
	not      *fastNode
	ifN      *fastNode
	thenN    *fastNode
	elseN    *fastNode
	ref      *fastNode
	depReq   map[string][]string
	// intBound: every bound set is an integer within int64, copied in ints,
	// so an integer value is compared without big.Rat.
	intBound bool
	ints     struct {
		min, max, exclMin, exclMax             int64
		hasMin, hasMax, hasExclMin, hasExclMax bool
	}
}

// fastKeywords are the keywords the fast checker implements or may ignore
// (annotations).
var fastKeywords = map[string]bool{
	"$schema": true, "$id": true, "$comment": true, "$defs": true, "title": true, "description": true,
	"examples": true, "default": true, "deprecated": true, "readOnly": true, "writeOnly": true,
	"type": true, "required": true, "properties": true, "additionalProperties": true, "items": true,
	"minItems": true, "maxItems": true, "minLength": true, "maxLength": true, "minProperties": true,
	"maxProperties": true, "enum": true, "const": true, "format": true, "pattern": true,
	"minimum": true, "maximum": true, "exclusiveMinimum": true, "exclusiveMaximum": true,
	"allOf": true, "anyOf": true, "oneOf": true, "not": true, "if": true, "then": true, "else": true,
	"$ref": true, "dependentRequired": true,
}

type fastCompiler struct {
	docs    map[string]any // schema documents by URL
	formats map[string]func(any) bool
	nodes   map[string]*fastNode // by URL#pointer, for $ref cycles
}

// errNotFast means the schema uses something outside the fast subset.
type errNotFast string

func (e errNotFast) Error() string { return "not fast: " + string(e) }

func (fc *fastCompiler) compile(url string, tokens []string, raw any) (*fastNode, error) {
	key := url + "#/" + strings.Join(tokens, "/")
	if n, ok := fc.nodes[key]; ok {
		return n, nil
	}
	n := &fastNode{minItems: -1, maxItems: -1, minLen: -1, maxLen: -1, minProps: -1, maxProps: -1}
	fc.nodes[key] = n
	switch s := raw.(type) {
	case bool:
		n.always, n.never = s, !s
		return n, nil
	case map[string]any:
		return n, fc.fill(n, url, tokens, s)
	}
	return nil, errNotFast(fmt.Sprintf("schema at %s is a %T", key, raw))
}

func (fc *fastCompiler) sub(url string, tokens []string, key string, v any) (*fastNode, error) {
	return fc.compile(url, with(tokens, key), v)
}

func with(tokens []string, more ...string) []string {
	return append(append([]string(nil), tokens...), more...)
}

func (fc *fastCompiler) list(url string, tokens []string, key string, v any) ([]*fastNode, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, errNotFast(key + " is not an array")
	}
	out := make([]*fastNode, len(l))
	for i, x := range l {
		n, err := fc.compile(url, with(tokens, key, fmt.Sprint(i)), x)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

func (fc *fastCompiler) fill(n *fastNode, url string, tokens []string, s map[string]any) error {
	var err error
	for k, v := range s {
		if strings.HasPrefix(k, "x-") {
			continue
		}
		if !fastKeywords[k] {
			return errNotFast("keyword " + k)
		}
		switch k {
		case "type":
			switch t := v.(type) {
			case string:
				n.types |= typeBits[t]
			case []any:
				for _, x := range t {
					s, _ := x.(string)
					n.types |= typeBits[s]
				}
			}
			if n.types&tNumber != 0 {
				n.types |= tInteger
			}
		case "required":
			n.required = profile.Strings(v)
		case "properties":
			props, _ := v.(map[string]any)
			n.props = make(map[string]*fastNode, len(props))
			for name, ps := range props {
				if n.props[name], err = fc.compile(url, with(tokens, k, name), ps); err != nil {
					return err
				}
			}
		case "additionalProperties":
			n.addl, err = fc.sub(url, tokens, k, v)
		case "items":
			n.items, err = fc.sub(url, tokens, k, v)
		case "minItems":
			n.minItems, err = count(v)
		case "maxItems":
			n.maxItems, err = count(v)
		case "minLength":
			n.minLen, err = count(v)
		case "maxLength":
			n.maxLen, err = count(v)
		case "minProperties":
			n.minProps, err = count(v)
		case "maxProperties":
			n.maxProps, err = count(v)
		case "enum":
			n.enum, _ = v.([]any)
		case "const":
			n.hasConst, n.constV = true, v
		case "format":
			name, _ := v.(string)
			if f, ok := fc.formats[name]; ok {
				n.format = f
			} else if f, ok := jsonschema.Formats[name]; ok {
				n.format = f
			}
		case "pattern":
			p, _ := v.(string)
			n.pattern, err = regexp.Compile(p)
		case "minimum":
			n.minimum, err = rat(v)
		case "maximum":
			n.maximum, err = rat(v)
		case "exclusiveMinimum":
			n.exclMin, err = rat(v)
		case "exclusiveMaximum":
			n.exclMax, err = rat(v)
		case "allOf":
			n.allOf, err = fc.list(url, tokens, k, v)
		case "anyOf":
			n.anyOf, err = fc.list(url, tokens, k, v)
		case "oneOf":
			n.oneOf, err = fc.list(url, tokens, k, v)
		case "not":
			n.not, err = fc.sub(url, tokens, k, v)
		case "if":
			n.ifN, err = fc.sub(url, tokens, k, v)
		case "then":
			n.thenN, err = fc.sub(url, tokens, k, v)
		case "else":
			n.elseN, err = fc.sub(url, tokens, k, v)
		case "dependentRequired":
			m, _ := v.(map[string]any)
			n.depReq = map[string][]string{}
			for name, l := range m {
				n.depReq[name] = profile.Strings(l)
			}
		case "$ref":
			ref, _ := v.(string)
			n.ref, err = fc.resolve(url, ref)
		}
		if err != nil {
			return err
		}
	}
	n.intsOf()
	return nil
}

func (fc *fastCompiler) resolve(url, ref string) (*fastNode, error) {
	file, frag, _ := strings.Cut(ref, "#")
	target := url
	if file != "" {
		target = url[:strings.LastIndexByte(url, '/')+1] + file
	}
	doc, ok := fc.docs[target]
	if !ok {
		return nil, errNotFast("$ref " + ref)
	}
	var tokens []string
	if frag = strings.TrimPrefix(frag, "/"); frag != "" {
		tokens = pointer(frag)
	}
	raw := walk(doc, tokens)
	if raw == nil {
		return nil, errNotFast("$ref " + ref)
	}
	return fc.compile(target, tokens, raw)
}

func count(v any) (int, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, errNotFast("count is not a number")
	}
	i, err := n.Int64()
	if err != nil {
		return 0, errNotFast("count " + n.String())
	}
	return int(i), nil
}

func rat(v any) (*big.Rat, error) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, errNotFast("bound is not a number")
	}
	r, ok := new(big.Rat).SetString(n.String())
	if !ok {
		return nil, errNotFast("bound " + n.String())
	}
	return r, nil
}

// valid reports whether v satisfies n. It must never say true where
// jsonschema/v5 says false.
func (n *fastNode) valid(v any) bool {
	if n.always {
		return true
	}
	if n.never {
		return false
	}
	if n.ref != nil && !n.ref.valid(v) {
		return false
	}
	if n.types != 0 && n.types&typeOf(v) == 0 {
		return false
	}
	if n.hasConst && !profile.EqualJSON(n.constV, v) {
		return false
	}
	if n.enum != nil {
		found := false
		for _, e := range n.enum {
			if profile.EqualJSON(e, v) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	switch x := v.(type) {
	case string:
		if n.minLen >= 0 || n.maxLen >= 0 {
			l := utf8.RuneCountInString(x)
			if (n.minLen >= 0 && l < n.minLen) || (n.maxLen >= 0 && l > n.maxLen) {
				return false
			}
		}
		if n.pattern != nil && !n.pattern.MatchString(x) {
			return false
		}
	case map[string]any:
		if !n.object(x) {
			return false
		}
	case []any:
		if (n.minItems >= 0 && len(x) < n.minItems) || (n.maxItems >= 0 && len(x) > n.maxItems) {
			return false
		}
		if n.items != nil {
			for _, it := range x {
				if !n.items.valid(it) {
					return false
				}
			}
		}
	}
	if n.format != nil && !n.format(v) {
		return false
	}
	if n.minimum != nil || n.maximum != nil || n.exclMin != nil || n.exclMax != nil {
		if ok, known := n.intBounds(v); known {
			if !ok {
				return false
			}
		} else if r := profile.RatOf(v); r != nil {
			if (n.minimum != nil && r.Cmp(n.minimum) < 0) || (n.maximum != nil && r.Cmp(n.maximum) > 0) ||
				(n.exclMin != nil && r.Cmp(n.exclMin) <= 0) || (n.exclMax != nil && r.Cmp(n.exclMax) >= 0) {
				return false
			}
		}
	}
	for _, s := range n.allOf {
		if !s.valid(v) {
			return false
		}
	}
	if n.anyOf != nil {
		ok := false
		for _, s := range n.anyOf {
			if s.valid(v) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if n.oneOf != nil {
		matched := 0
		for _, s := range n.oneOf {
			if s.valid(v) {
				matched++
			}
		}
		if matched != 1 {
			return false
		}
	}
	if n.not != nil && n.not.valid(v) {
		return false
	}
	if n.ifN != nil {
		if n.ifN.valid(v) {
			if n.thenN != nil && !n.thenN.valid(v) {
				return false
			}
		} else if n.elseN != nil && !n.elseN.valid(v) {
			return false
		}
	}
	return true
}

func (n *fastNode) object(m map[string]any) bool {
	if (n.minProps >= 0 && len(m) < n.minProps) || (n.maxProps >= 0 && len(m) > n.maxProps) {
		return false
	}
	for _, r := range n.required {
		if _, ok := m[r]; !ok {
			return false
		}
	}
	for name, deps := range n.depReq {
		if _, ok := m[name]; ok {
			for _, d := range deps {
				if _, ok := m[d]; !ok {
					return false
				}
			}
		}
	}
	if n.addl == nil {
		// Only the named properties matter: look them up rather than walk
		// every member (if/then branches name two or three of a dozen).
		for name, ps := range n.props {
			if x, ok := m[name]; ok && !ps.valid(x) {
				return false
			}
		}
		return true
	}
	for k, x := range m {
		if ps, ok := n.props[k]; ok {
			if !ps.valid(x) {
				return false
			}
		} else if !n.addl.valid(x) {
			return false
		}
	}
	return true
}

func typeOf(v any) fastType {
	switch x := v.(type) {
	case nil:
		return tNull
	case bool:
		return tBool
	case string:
		return tString
	case map[string]any:
		return tObject
	case []any:
		return tArray
	case json.Number:
		if isInt(x) {
			return tNumber | tInteger
		}
		return tNumber
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return tNumber | tInteger
	case float32, float64:
		if r := profile.RatOf(x); r != nil && r.IsInt() {
			return tNumber | tInteger
		}
		return tNumber
	}
	return 0
}

func isInt(n json.Number) bool {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		return true
	}
	if !strings.ContainsAny(s, "eE") {
		// A plain decimal is whole when its fraction is zeros: no big.Rat
		// (four allocations) for the amounts of nearly every event.
		_, frac, _ := strings.Cut(s, ".")
		return strings.Trim(frac, "0") == ""
	}
	r, ok := new(big.Rat).SetString(s)
	return ok && r.IsInt()
}

// intBounds checks an integer within int64 against bounds that are all
// integers within int64, exactly and without big.Rat; known is false when
// either is not so (the caller compares rationals).
func (n *fastNode) intBounds(v any) (ok, known bool) {
	if !n.intBound {
		return false, false
	}
	num, isNum := v.(json.Number)
	if !isNum || strings.ContainsAny(string(num), ".eE") {
		return false, false
	}
	x, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		return false, false
	}
	b := &n.ints
	return !(b.hasMin && x < b.min) && !(b.hasMax && x > b.max) &&
		!(b.hasExclMin && x <= b.exclMin) && !(b.hasExclMax && x >= b.exclMax), true
}

// intsOf sets n.ints from n's bounds when they are all integers within int64.
func (n *fastNode) intsOf() {
	b := &n.ints
	for _, x := range []struct {
		r   *big.Rat
		has *bool
		to  *int64
	}{{n.minimum, &b.hasMin, &b.min}, {n.maximum, &b.hasMax, &b.max},
		{n.exclMin, &b.hasExclMin, &b.exclMin}, {n.exclMax, &b.hasExclMax, &b.exclMax}} {
		if x.r == nil {
			continue
		}
		if !x.r.IsInt() || !x.r.Num().IsInt64() {
			return
		}
		*x.has, *x.to = true, x.r.Num().Int64()
	}
	n.intBound = true
}
