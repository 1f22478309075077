package profile

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math/big"
	"strings"
)

// Sub returns the sub-tree dir of an embedded file system. Profiles embed their
// schemas and golden files; dir is a constant the embed directive already
// checked, so failure is a build defect and yields an empty FS that Compile
// reports.
func Sub(fsys fs.FS, dir string) fs.FS {
	f, err := fs.Sub(fsys, dir)
	if err != nil {
		return emptyFS{}
	}
	return f
}

type emptyFS struct{}

func (emptyFS) Open(name string) (fs.File, error) { return nil, fs.ErrNotExist }

// Int returns a decoded JSON integer (json.Number or a Go integer) as int64.
func Int(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case int:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}

// TypeOf names the JSON type of a decoded value, with an article, for messages:
// "a string", "an integer", "null".
func TypeOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return "a number"
		}
		return "an integer"
	case int, int64:
		return "an integer"
	case float64:
		return "a number"
	}
	return "a value"
}

// Strings returns the string members of a decoded JSON array.
func Strings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// EqualJSON compares decoded JSON values; numbers compare by value (1 == 1.0),
// whatever Go type holds them.
func EqualJSON(a, b any) bool {
	ra, rb := RatOf(a), RatOf(b)
	if ra != nil || rb != nil {
		return ra != nil && rb != nil && ra.Cmp(rb) == 0
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !EqualJSON(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !EqualJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// RatOf returns a JSON number (json.Number or a Go number) exactly, or nil.
func RatOf(v any) *big.Rat {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		s = fmt.Sprint(x)
	default:
		return nil
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil
	}
	return r
}
