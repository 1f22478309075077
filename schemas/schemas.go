// Package schemas compiles a profile's JSON Schemas (draft 2020-12) once, with
// format assertions on, and turns validation failures into violations of the
// profile's rules.
//
// The schema files live beside the rest of their API's definition, in
// profile/<api>/schemas/, so that a new API is one folder. A schema node names the
// rule its keywords enforce with an "x-rule" annotation: a rule ID for every
// keyword of the node, or an object mapping keywords ("required", "type", …, "*"
// for the rest) to rule IDs. Optional "x-message" (the human message) and
// "x-code" (the error code the document gives, e.g. Dingyue's
// EVENT_NAME_REQUIRED) have the same shape. A failing keyword takes the
// annotation of its own node or of the nearest ancestor that has one, so put
// keyword-specific messages on the narrowest node. The validator and the
// test-case derivation in fixtures use this package.
package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
)

// Suffix ends every schema file name.
const Suffix = ".schema.json"

const baseURL = "https://s2s-harness.dev/schemas/"

// Set is one profile's compiled schemas.
type Set struct {
	p       *profile.Profile
	byFile  map[string]*jsonschema.Schema
	rawByID map[string]any // decoded schema documents by URL, for annotations
	files   []string

	fast map[string]*fastNode // the fast validity check per file, where the schema allows one

	mu   sync.Mutex // guards c and subs: subschemas compile on first use
	c    *jsonschema.Compiler
	subs map[string]*jsonschema.Schema
}

// Compile reads and compiles every schema file of p. A profile whose endpoints
// name a missing schema, or whose schema is invalid, is an error.
func Compile(p *profile.Profile) (*Set, error) {
	if p.Schemas == nil {
		return nil, fmt.Errorf("profile %s: no schemas", p.Name)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	c.LoadURL = func(u string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("schema %s: only the profile's own schemas may be referenced", u)
	}
	for name, f := range Formats() {
		c.Formats[name] = f
	}
	for name, f := range p.Formats {
		c.Formats[name] = f
	}
	s := &Set{p: p, byFile: map[string]*jsonschema.Schema{}, rawByID: map[string]any{}, c: c,
		subs: map[string]*jsonschema.Schema{}, fast: map[string]*fastNode{}}
	files, err := fs.Glob(p.Schemas, "*"+Suffix)
	if err != nil {
		return nil, fmt.Errorf("profile %s schemas: %w", p.Name, err)
	}
	for _, f := range files {
		data, err := fs.ReadFile(p.Schemas, f)
		if err != nil {
			return nil, fmt.Errorf("profile %s schema %s: %w", p.Name, f, err)
		}
		raw, err := strictjson.Decode(data)
		if err != nil {
			return nil, fmt.Errorf("profile %s schema %s: %w", p.Name, f, err)
		}
		u := s.url(f)
		s.rawByID[u] = raw
		if err := c.AddResource(u, bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("profile %s schema %s: %w", p.Name, f, err)
		}
	}
	fc := &fastCompiler{docs: s.rawByID, formats: maps.Clone(c.Formats), nodes: map[string]*fastNode{}}
	for _, f := range files {
		if n, err := fc.compile(s.url(f), nil, s.rawByID[s.url(f)]); err == nil {
			s.fast[f] = n
		}
		sch, err := c.Compile(s.url(f))
		if err != nil {
			return nil, fmt.Errorf("profile %s schema %s: %w", p.Name, f, err)
		}
		s.byFile[f] = sch
		s.files = append(s.files, f)
	}
	for _, e := range p.Endpoints {
		want := slices.Collect(func(yield func(string) bool) {
			if e.Request != "" && !yield(e.Request) {
				return
			}
			for _, r := range e.Responses {
				if !yield(r) {
					return
				}
			}
		})
		for _, f := range want {
			if _, ok := s.byFile[f]; !ok {
				return nil, fmt.Errorf("profile %s endpoint %s: schema %s not found", p.Name, e.ID, f)
			}
		}
	}
	return s, nil
}

func (s *Set) url(file string) string { return baseURL + s.p.Name + "/" + file }

// Files lists the schema files, sorted.
func (s *Set) Files() []string { return slices.Clone(s.files) }

// Schema returns the compiled schema of a file.
func (s *Set) Schema(file string) (*jsonschema.Schema, bool) {
	sch, ok := s.byFile[file]
	return sch, ok
}

// Fast reports whether a file has a fast validity check (see fast.go).
func (s *Set) Fast(file string) bool { return s.fast[file] != nil }

// fastValid is the fast check alone, for the tests that hold it to jsonschema/v5.
func (s *Set) fastValid(file string, doc any) (valid, ok bool) {
	n := s.fast[file]
	if n == nil {
		return false, false
	}
	return n.valid(doc), true
}

// Raw returns the decoded schema document of a file (for deriving test cases).
func (s *Set) Raw(file string) (any, bool) {
	raw, ok := s.rawByID[s.url(file)]
	return raw, ok
}

// Holds reports whether doc satisfies the subschema at JSON pointer ptr of a
// file (e.g. "/allOf/0/if"); test-case derivation uses it to follow if/then.
func (s *Set) Holds(file, ptr string, doc any) (bool, error) {
	u := s.url(file) + "#" + ptr
	s.mu.Lock()
	sch, ok := s.subs[u]
	if !ok {
		var err error
		if sch, err = s.c.Compile(u); err != nil {
			s.mu.Unlock()
			return false, fmt.Errorf("schema %s: %w", u, err)
		}
		s.subs[u] = sch
	}
	s.mu.Unlock()
	return sch.Validate(doc) == nil, nil
}

// ErrUnknownSchema is returned for a file the profile does not have.
var ErrUnknownSchema = errors.New("unknown schema")

// Validate validates doc (as strictjson decodes it) against a schema file and
// returns one violation per failing keyword and instance place, each with the
// rule the schema's annotations name, in the order of the instance paths.
func (s *Set) Validate(file string, doc any) ([]profile.Violation, error) {
	sch, ok := s.byFile[file]
	if !ok {
		return nil, fmt.Errorf("profile %s: %w %s", s.p.Name, ErrUnknownSchema, file)
	}
	if fast := s.fast[file]; fast != nil && fast.valid(doc) {
		return nil, nil
	}
	err := sch.Validate(doc)
	if err == nil {
		return nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, fmt.Errorf("profile %s schema %s: %w", s.p.Name, file, err)
	}
	var out []profile.Violation
	seen := map[string]bool{}
	for _, leaf := range leaves(ve, nil) {
		for _, v := range s.mapLeaf(leaf, doc) {
			k := v.Rule + "\x00" + v.Field
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, v)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out, nil
}

func leaves(ve *jsonschema.ValidationError, acc []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return append(acc, ve)
	}
	for _, c := range ve.Causes {
		acc = leaves(c, acc)
	}
	return acc
}

// mapLeaf turns one failing keyword into violations.
func (s *Set) mapLeaf(leaf *jsonschema.ValidationError, doc any) []profile.Violation {
	docURL, frag, _ := strings.Cut(leaf.AbsoluteKeywordLocation, "#")
	raw := s.rawByID[docURL]
	tokens := pointer(frag)
	keyword := ""
	if len(tokens) > 0 {
		keyword = tokens[len(tokens)-1]
		tokens = tokens[:len(tokens)-1]
	}
	node, _ := walk(raw, tokens).(map[string]any)
	inst := pointer(leaf.InstanceLocation)
	base := Path(doc, inst)
	value := walk(doc, inst)

	mk := func(field, msg string) profile.Violation {
		rule := annotation(raw, tokens, "x-rule", keyword)
		if rule == "" {
			rule = s.p.MalformedRule
		}
		if m := annotation(raw, tokens, "x-message", keyword); m != "" {
			msg = m
		}
		v := profile.Violation{Rule: rule, In: profile.InBody, Field: field, Message: msg,
			Code: annotation(raw, tokens, "x-code", keyword)}
		s.p.Fill(&v)
		return v
	}
	switch keyword {
	case "required":
		obj, _ := value.(map[string]any)
		var out []profile.Violation
		for _, name := range profile.Strings(node["required"]) {
			if _, ok := obj[name]; !ok {
				out = append(out, mk(join(base, name), "required field is missing"))
			}
		}
		return out
	case "additionalProperties", "unevaluatedProperties":
		obj, _ := value.(map[string]any)
		props, _ := node["properties"].(map[string]any)
		var out []profile.Violation
		for _, name := range sortedKeys(obj) {
			if _, ok := props[name]; !ok {
				out = append(out, mk(join(base, name), "field is not allowed here"))
			}
		}
		if len(out) > 0 {
			return out
		}
	case "type":
		return []profile.Violation{mk(base, fmt.Sprintf("must be %s, got %s", typeNames(node["type"]), TypeOf(value)))}
	case "minLength":
		if n, _ := node["minLength"].(json.Number); n == "1" {
			return []profile.Violation{mk(base, "must not be empty (an empty string counts as missing)")}
		}
	case "format":
		return []profile.Violation{mk(base, fmt.Sprintf("%s is not a valid %v", Short(value), node["format"]))}
	case "const", "enum":
		return []profile.Violation{mk(base, fmt.Sprintf("%s is not allowed: %s", Short(value), leaf.Message))}
	}
	return []profile.Violation{mk(base, leaf.Message)}
}

// Annotation returns the annotation key ("x-rule" or "x-message") that applies
// to keyword at the node of file at pointer tokens: the node's own, or its
// nearest ancestor's. Test-case derivation labels mutations with it.
func (s *Set) Annotation(file string, tokens []string, key, keyword string) string {
	return annotation(s.rawByID[s.url(file)], tokens, key, keyword)
}

// annotation finds key ("x-rule" or "x-message") for keyword on the node at
// tokens or its nearest ancestor that has one.
func annotation(raw any, tokens []string, key, keyword string) string {
	for n := len(tokens); n >= 0; n-- {
		node, ok := walk(raw, tokens[:n]).(map[string]any)
		if !ok {
			continue
		}
		switch a := node[key].(type) {
		case string:
			return a
		case map[string]any:
			if r, ok := a[keyword].(string); ok {
				return r
			}
			if r, ok := a["*"].(string); ok {
				return r
			}
		}
	}
	return ""
}

// pointer splits a JSON pointer as jsonschema escapes it.
func pointer(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	parts := strings.Split(p, "/")
	for i, t := range parts {
		if u, err := url.PathUnescape(t); err == nil {
			t = u
		}
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return parts
}

func walk(v any, tokens []string) any {
	for _, t := range tokens {
		switch x := v.(type) {
		case map[string]any:
			v = x[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// Path renders instance tokens as a path like events[2].name, using doc to tell
// array indexes from object keys.
func Path(doc any, tokens []string) string {
	steps := make([]strictjson.Step, 0, len(tokens))
	v := doc
	for _, t := range tokens {
		switch x := v.(type) {
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 { // not an index: keep the token as written
				steps = append(steps, strictjson.Key(t))
				v = nil
				continue
			}
			steps = append(steps, strictjson.Index(i))
			v = nil
			if i < len(x) {
				v = x[i]
			}
		case map[string]any:
			steps = append(steps, strictjson.Key(t))
			v = x[t]
		default:
			steps = append(steps, strictjson.Key(t))
			v = nil
		}
	}
	return strictjson.Path(steps)
}

func join(base, name string) string {
	if base == "" {
		return name
	}
	return base + "." + name
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func typeNames(t any) string {
	switch t := t.(type) {
	case string:
		return article(t)
	case []any:
		names := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := x.(string); ok {
				names = append(names, article(s))
			}
		}
		return strings.Join(names, " or ")
	}
	return "of another type"
}

func article(t string) string {
	switch t {
	case "integer", "object", "array":
		return "an " + t
	case "null":
		return "null"
	}
	return "a " + t
}

// TypeOf names the JSON type of a decoded value (see profile.TypeOf).
func TypeOf(v any) string { return profile.TypeOf(v) }

// Short renders a value for a message, cut to a readable length.
func Short(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = strconv.Quote(x)
	case nil:
		s = "null"
	default:
		s = fmt.Sprint(x)
	}
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// Export writes the profile's schema files into fsys-like destinations; used by
// `s2s schemas` to hand the JSON Schemas to other tools.
func Export(p *profile.Profile, write func(name string, data []byte) error) error {
	files, err := fs.Glob(p.Schemas, "*"+Suffix)
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := fs.ReadFile(p.Schemas, f)
		if err != nil {
			return fmt.Errorf("schema %s: %w", f, err)
		}
		if err := write(path.Join(p.Name, f), data); err != nil {
			return err
		}
	}
	return nil
}
