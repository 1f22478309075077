package strictjson

import "unicode/utf8"

// AppendString appends s as a JSON string with only the escapes JSON
// requires: quote, backslash, and control characters (the short forms where
// they exist, \u00xx otherwise). That is RFC 8785's canonical form. It reports
// whether the result is also byte-for-byte what encoding/json writes with HTML
// escaping off: not when s holds invalid UTF-8 (copied as is here) or U+2028 /
// U+2029 (escaped there).
func AppendString(b []byte, s string) ([]byte, bool) {
	const hex = "0123456789abcdef"
	same := true
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
				same = false
			}
			b = append(b, s[i:i+size]...)
			i += size - 1
		case c >= 0x20:
			b = append(b, c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	return append(b, '"'), same
}
