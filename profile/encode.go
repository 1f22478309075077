package profile

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// appendJSON appends v exactly as encoding/json's Encoder with
// SetEscapeHTML(false) writes it (without the newline), for the values a
// generator makes: maps, slices, strings, numbers, booleans, null. It
// reports false for anything else, and for what needs an escape other than
// \" and \\ (controls, invalid UTF-8, U+2028/9), where the caller uses
// encoding/json itself: so the bytes never differ, only the cost, which the
// load engine pays for every request (reflection and key sorting were most
// of it).
func appendJSON(b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		return strconv.AppendBool(b, v), true
	case string:
		return appendJSONString(b, v)
	case float64:
		return appendJSONFloat(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10), true
	case int64:
		return strconv.AppendInt(b, v, 10), true
	case int32:
		return strconv.AppendInt(b, int64(v), 10), true
	case uint64:
		return strconv.AppendUint(b, v, 10), true
	case map[string]any:
		if v == nil {
			return append(b, "null"...), true
		}
		// Each value travels with its key: sorting the keys, then looking
		// each up again, cost as much as hashing them twice over. (Inline:
		// a helper recursing with appendJSON sent the caller's stack
		// buffer to the heap.)
		var arr [24]member // an event's members, on the stack
		ms := arr[:]
		if len(v) > len(arr) {
			ms = make([]member, len(v))
		}
		n := 0
		for k, x := range v {
			m := member{prefix: keyPrefix(k), key: k, val: x}
			// Insertion sort: an event has a dozen members.
			i := n
			for i > 0 && m.before(&ms[i-1]) {
				ms[i] = ms[i-1]
				i--
			}
			ms[i] = m
			n++
		}
		ms = ms[:n]
		b = append(b, '{')
		for i := range ms {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendJSONString(b, ms[i].key); !ok {
				return b, false
			}
			b = append(b, ':')
			if b, ok = appendJSON(b, ms[i].val); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	case []any:
		if v == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendJSON(b, x); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	}
	return b, false
}

// member is an object member on its way out, sorted by key, as encoding/json
// sorts them: its key's first eight bytes, big-endian, order two keys in one
// integer comparison but for a tie.
type member struct {
	prefix uint64
	key    string
	val    any
}

// before orders members by key, byte by byte (encoding/json's order).
func (m *member) before(o *member) bool {
	if m.prefix != o.prefix {
		return m.prefix < o.prefix
	}
	return m.key < o.key
}

func keyPrefix(k string) uint64 {
	if len(k) >= 8 {
		return uint64(k[7]) | uint64(k[6])<<8 | uint64(k[5])<<16 | uint64(k[4])<<24 |
			uint64(k[3])<<32 | uint64(k[2])<<40 | uint64(k[1])<<48 | uint64(k[0])<<56
	}
	var p uint64
	for i := range len(k) {
		p |= uint64(k[i]) << (56 - 8*i)
	}
	return p
}

func appendJSONString(b []byte, s string) ([]byte, bool) {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight bytes at a time while none is a control, '"', '\\' or
		// non-ASCII: most of a generated string (a user agent) is plain.
		for i+8 <= len(s) && plain8(s[i:i+8]) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c < 0x20:
				return b, false
			case c == '"' || c == '\\':
				b = append(b, s[start:i]...)
				b = append(b, '\\', c)
				start = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return b, false
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"'), true
}

// plain8 reports whether the eight bytes of s need no escape and are ASCII
// (bit tricks on one word: a byte below 0x20, equal to '"' or '\\', or with
// its high bit set flags the word).
func plain8(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	q, bs := w^(ones*'"'), w^(ones*'\\')
	flags := w | (w - ones*0x20) | (q-ones)&^q | (bs-ones)&^bs
	return flags&highs == 0
}

// appendJSONFloat is encoding/json's float64 format.
func appendJSONFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}
