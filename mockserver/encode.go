package mockserver

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendFlat writes a JSON object whose members are all scalars, keys in
// order, as encoding/json would (without HTML escaping). It reports false for
// anything else, which then goes through encoding/json: the answers most
// profiles render are such small maps, and this is the hot path.
func appendFlat(b []byte, v any) ([]byte, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) > 16 {
		return b, false
	}
	var keys [16]string
	ks := keys[:0]
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	b = append(b, '{')
	for i, k := range ks {
		if i > 0 {
			b = append(b, ',')
		}
		if b, ok = appendString(b, k); !ok {
			return b, false
		}
		b = append(b, ':')
		switch x := m[k].(type) {
		case string:
			if b, ok = appendString(b, x); !ok {
				return b, false
			}
		case bool:
			b = strconv.AppendBool(b, x)
		case int:
			b = strconv.AppendInt(b, int64(x), 10)
		case int64:
			b = strconv.AppendInt(b, x, 10)
		case uint64:
			b = strconv.AppendUint(b, x, 10)
		case json.Number:
			if x == "" || !json.Valid([]byte(x)) {
				return b, false
			}
			b = append(b, x...)
		case nil:
			b = append(b, "null"...)
		default:
			return b, false
		}
	}
	return append(b, '}', '\n'), true
}

// appendString quotes s as JSON; it gives up on invalid UTF-8 and on the
// characters encoding/json writes as escapes beyond the short ones.
func appendString(b []byte, s string) ([]byte, bool) {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigit[c>>4], hexDigit[c&0xf])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
				return b, false
			}
			b = append(b, s[i:i+size]...)
			i += size - 1
		}
	}
	return append(b, '"'), true
}

const hexDigit = "0123456789abcdef"
