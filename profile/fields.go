package profile

import "github.com/s2s-harness/s2s-harness/internal/strictjson"

// Get returns the value at path in a decoded JSON document. A path is the form
// violations use: "amount", "data.custom.physical_server", "events[0].name",
// "[2].amount".
func Get(doc any, path string) (any, bool) {
	v := doc
	for _, s := range strictjson.ParsePath(path) {
		switch x := v.(type) {
		case map[string]any:
			if s.Index >= 0 {
				return nil, false
			}
			var ok bool
			if v, ok = x[s.Key]; !ok {
				return nil, false
			}
		case []any:
			if s.Index < 0 || s.Index >= len(x) {
				return nil, false
			}
			v = x[s.Index]
		default:
			return nil, false
		}
	}
	return v, true
}

// Set puts v at path, creating objects along the way; it reports whether the
// path could be reached.
func Set(doc any, path string, v any) bool {
	ss := strictjson.ParsePath(path)
	if len(ss) == 0 {
		return false
	}
	cur := doc
	for i, s := range ss {
		last := i == len(ss)-1
		switch x := cur.(type) {
		case map[string]any:
			if s.Index >= 0 {
				return false
			}
			if last {
				x[s.Key] = v
				return true
			}
			next, ok := x[s.Key]
			if !ok || next == nil {
				next = map[string]any{}
				x[s.Key] = next
			}
			cur = next
		case []any:
			if s.Index < 0 || s.Index >= len(x) {
				return false
			}
			if last {
				x[s.Index] = v
				return true
			}
			cur = x[s.Index]
		default:
			return false
		}
	}
	return false
}

// Delete removes the member at path; it reports whether it was there.
func Delete(doc any, path string) bool {
	ss := strictjson.ParsePath(path)
	if len(ss) == 0 {
		return false
	}
	parent, ok := doc, true
	if len(ss) > 1 {
		parent, ok = Get(doc, strictjson.Path(ss[:len(ss)-1]))
	}
	m, isMap := parent.(map[string]any)
	if !ok || !isMap || ss[len(ss)-1].Index >= 0 {
		return false
	}
	if _, ok := m[ss[len(ss)-1].Key]; !ok {
		return false
	}
	delete(m, ss[len(ss)-1].Key)
	return true
}

// Rename moves the member at path to a sibling named to.
func Rename(doc any, path, to string) bool {
	v, ok := Get(doc, path)
	if !ok || !Delete(doc, path) {
		return false
	}
	ss := strictjson.ParsePath(path)
	ss[len(ss)-1] = strictjson.Key(to)
	return Set(doc, strictjson.Path(ss), v)
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
