package configfile

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// check walks the document node against the type of v before it is decoded,
// so a mistake is reported by its key path ("profiles.revosurge.rate_limit.window")
// in the words of the file, never with a Go type name: an unknown key with
// the nearest valid one, a value of the wrong kind with an example of a good
// one. Format is "json" or "yaml": a scalar is tried with that format's
// decoder, since the two read scalars differently.
func check(n *yaml.Node, t reflect.Type, path, format string) error {
	if n.Kind == yaml.AliasNode {
		// The anchored node is checked where it is written; following
		// aliases here would let a small file cost exponential work.
		return nil
	}
	if n.Kind == 0 { // an empty document
		return nil
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		return check(n.Content[0], t, path, format)
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // leaves the zero value
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if custom(t) {
		return scalar(n, t, path, format)
	}
	switch t.Kind() {
	case reflect.Interface:
		return nil
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return wrongKind(n, t, path)
		}
		fields := keysOf(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if err := plainKey(k, path); err != nil {
				return err
			}
			ft, ok := fields[k.Value]
			if !ok {
				return unknownKey(k, path, fields)
			}
			if err := check(val, ft, join(path, k.Value), format); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return wrongKind(n, t, path)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := plainKey(n.Content[i], path); err != nil {
				return err
			}
			if err := check(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value), format); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return wrongKind(n, t, path)
		}
		for i, item := range n.Content {
			if err := check(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i), format); err != nil {
				return err
			}
		}
		return nil
	}
	return scalar(n, t, path, format)
}

// plainKey refuses a key that is a list or a mapping.
func plainKey(k *yaml.Node, path string) error {
	for k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind == yaml.ScalarNode {
		return nil
	}
	return fmt.Errorf("%s: want keys that are words, got a list or mapping as a key (line %d)", orTop(path), k.Line)
}

// scalar decodes one value into a fresh t with the file's decoder; failing
// that, the error says what the key wants.
func scalar(n *yaml.Node, t reflect.Type, path, format string) error {
	if n.Kind != yaml.ScalarNode && !custom(t) {
		return wrongKind(n, t, path)
	}
	dst := reflect.New(t).Interface()
	var err error
	if format == "json" {
		var v any
		if err = n.Decode(&v); err == nil {
			var data []byte
			if data, err = json.Marshal(v); err == nil {
				err = json.Unmarshal(data, dst)
			}
		}
	} else {
		err = n.Decode(dst)
	}
	if err != nil {
		return wrongKind(n, t, path)
	}
	return nil
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	textUnmarsh  = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonUnmarsh  = reflect.TypeFor[json.Unmarshaler]()
	yamlUnmarsh  = reflect.TypeFor[yaml.Unmarshaler]()
)

// custom reports whether t decodes itself.
func custom(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(textUnmarsh) || p.Implements(jsonUnmarsh) || p.Implements(yamlUnmarsh)
}

// want describes the values of t in a config's words.
func want(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == durationType || (t.Kind() == reflect.Int64 && strings.HasSuffix(t.Name(), "Duration")) {
		return "a duration like 1m"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number ≥ 0"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping of keys"
	}
	return "a value of another kind"
}

// wrongKind is the error for a value t cannot hold.
func wrongKind(n *yaml.Node, t reflect.Type, path string) error {
	got := "a list"
	switch n.Kind {
	case yaml.MappingNode:
		got = "a mapping"
	case yaml.ScalarNode:
		got = n.Value
		if n.Tag == "!!str" {
			got = fmt.Sprintf("%q", n.Value)
		}
	}
	return fmt.Errorf("%s: want %s, got %s (line %d)", orTop(path), want(t), got, n.Line)
}

// unknownKey names the key, the nearest valid one, or the valid ones.
func unknownKey(k *yaml.Node, path string, fields map[string]reflect.Type) error {
	valid := make([]string, 0, len(fields))
	for name := range fields {
		valid = append(valid, name)
	}
	slices.Sort(valid)
	if near, ok := Nearest(k.Value, valid); ok {
		return fmt.Errorf("%s: unknown key (line %d); did you mean %q?", join(path, k.Value), k.Line, near)
	}
	return fmt.Errorf("%s: unknown key (line %d); valid keys: %s", join(path, k.Value), k.Line, strings.Join(valid, ", "))
}

// keysOf maps the keys a struct accepts to their field types, inline and
// embedded structs flattened, as yaml.v3 and encoding/json read them.
func keysOf(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		ytag, ynamed := f.Tag.Lookup("yaml")
		jtag := f.Tag.Get("json")
		yname, yopts, _ := strings.Cut(ytag, ",")
		jname, _, _ := strings.Cut(jtag, ",")
		if yname == "-" || (!ynamed && jname == "-") {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if strings.Contains(yopts, "inline") || (f.Anonymous && yname == "" && jname == "" && ft.Kind() == reflect.Struct) {
			for k, v := range keysOf(ft) {
				out[k] = v
			}
			continue
		}
		name := yname
		if name == "" {
			name = jname
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// join appends key to a key path; a key that is not a plain word is quoted,
// so the path reads unambiguously.
func join(path, key string) string {
	if key == "" || strings.IndexFunc(key, func(r rune) bool {
		return !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) >= 0 {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func orTop(path string) string {
	if path == "" {
		return "the document"
	}
	return path
}

// Nearest returns the candidate closest to word by edit distance when it is
// close enough to be a likely typo (at most a third of the word's length,
// and at least 1 or 2 edits for short words).
func Nearest(word string, candidates []string) (string, bool) {
	best, bestD := "", -1
	for _, c := range candidates {
		d := distance(strings.ToLower(word), strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(2, len([]rune(word))/3)
	return best, bestD >= 0 && bestD <= limit
}

// distance is the Damerau–Levenshtein (optimal string alignment) distance,
// so a swapped pair of letters is one edit.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
