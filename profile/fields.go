package profile

import (
	"strconv"
	"strings"
)

// Get returns the value at path in a decoded JSON document. A path is the form
// violations use: "amount", "data.custom.physical_server", "events[0].name",
// "[2].amount".
func Get(doc any, path string) (any, bool) {
	v := doc
	for _, s := range steps(path) {
		switch x := v.(type) {
		case map[string]any:
			if s.index >= 0 {
				return nil, false
			}
			var ok bool
			if v, ok = x[s.key]; !ok {
				return nil, false
			}
		case []any:
			if s.index < 0 || s.index >= len(x) {
				return nil, false
			}
			v = x[s.index]
		default:
			return nil, false
		}
	}
	return v, true
}

// Set puts v at path, creating objects along the way; it reports whether the
// path could be reached.
func Set(doc any, path string, v any) bool {
	ss := steps(path)
	if len(ss) == 0 {
		return false
	}
	cur := doc
	for i, s := range ss {
		last := i == len(ss)-1
		switch x := cur.(type) {
		case map[string]any:
			if s.index >= 0 {
				return false
			}
			if last {
				x[s.key] = v
				return true
			}
			next, ok := x[s.key]
			if !ok || next == nil {
				next = map[string]any{}
				x[s.key] = next
			}
			cur = next
		case []any:
			if s.index < 0 || s.index >= len(x) {
				return false
			}
			if last {
				x[s.index] = v
				return true
			}
			cur = x[s.index]
		default:
			return false
		}
	}
	return false
}

// Delete removes the member at path; it reports whether it was there.
func Delete(doc any, path string) bool {
	ss := steps(path)
	if len(ss) == 0 {
		return false
	}
	parent, ok := doc, true
	if len(ss) > 1 {
		parent, ok = Get(doc, render(ss[:len(ss)-1]))
	}
	m, isMap := parent.(map[string]any)
	if !ok || !isMap || ss[len(ss)-1].index >= 0 {
		return false
	}
	if _, ok := m[ss[len(ss)-1].key]; !ok {
		return false
	}
	delete(m, ss[len(ss)-1].key)
	return true
}

// Rename moves the member at path to a sibling named to.
func Rename(doc any, path, to string) bool {
	v, ok := Get(doc, path)
	if !ok || !Delete(doc, path) {
		return false
	}
	ss := steps(path)
	ss[len(ss)-1] = step{key: to, index: -1}
	return Set(doc, render(ss), v)
}

// Mutators for Case.Mutate, acting on the payload's body.

// SetField returns a mutation that sets path to v.
func SetField(path string, v any) func(*Payload, *Gen) {
	return func(p *Payload, _ *Gen) { Set(p.Body, path, v) }
}

// DeleteField returns a mutation that removes path.
func DeleteField(path string) func(*Payload, *Gen) {
	return func(p *Payload, _ *Gen) { Delete(p.Body, path) }
}

// RenameField returns a mutation that renames path to a sibling named to.
func RenameField(path, to string) func(*Payload, *Gen) {
	return func(p *Payload, _ *Gen) { Rename(p.Body, path, to) }
}

// Steps combines mutations.
func Steps(ms ...func(*Payload, *Gen)) func(*Payload, *Gen) {
	return func(p *Payload, g *Gen) {
		for _, m := range ms {
			m(p, g)
		}
	}
}

type step struct {
	key   string
	index int // -1 for a key
}

func steps(path string) []step {
	var out []step
	for path != "" {
		switch {
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return append(out, step{key: path, index: -1})
			}
			i, err := strconv.Atoi(path[1:end])
			if err != nil {
				i = -2 // never a valid index, never a key
			}
			out = append(out, step{index: i})
			path = strings.TrimPrefix(path[end+1:], ".")
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				return append(out, step{key: path, index: -1})
			}
			out = append(out, step{key: path[:end], index: -1})
			path = strings.TrimPrefix(path[end:], ".")
		}
	}
	return out
}

func render(ss []step) string {
	var b strings.Builder
	for _, s := range ss {
		if s.index >= 0 {
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.key)
	}
	return b.String()
}
