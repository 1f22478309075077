package strictjson

import (
	"strconv"
	"strings"
)

// Step is one level of a JSON path: an object member Key, or an array element
// when Index ≥ 0.
type Step struct {
	Key   string
	Index int // -1 for a key
}

// Key is the step into object member k.
func Key(k string) Step { return Step{Key: k, Index: -1} }

// Index is the step into array element i.
func Index(i int) Step { return Step{Index: i} }

// Path renders steps the way every error message and violation names a field:
// "amount", "data.custom.server", "events[0].name", "[2].amount"; "" is the
// whole document. ParsePath reads it back.
func Path(steps []Step) string {
	var b strings.Builder
	for _, s := range steps {
		if s.Index >= 0 {
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.Key)
	}
	return b.String()
}

// ParsePath splits a path written as Path writes it. An index that is not a
// number becomes -2: never a valid index, never a key.
func ParsePath(path string) []Step {
	var out []Step
	for path != "" {
		switch {
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return append(out, Key(path))
			}
			i, err := strconv.Atoi(path[1:end])
			if err != nil {
				i = -2
			}
			out = append(out, Step{Index: i})
			path = strings.TrimPrefix(path[end+1:], ".")
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				return append(out, Key(path))
			}
			out = append(out, Key(path[:end]))
			path = strings.TrimPrefix(path[end:], ".")
		}
	}
	return out
}
