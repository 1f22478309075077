package postback

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/s2s-harness/s2s-harness/internal/strictjson"
)

// appendCanonical writes a document as internal/strictjson decodes it in RFC 8785
// form: members sorted by their UTF-16 code units, strings escaped as JCS says,
// numbers as ECMAScript writes them. It saves re-parsing the body (jcs.Transform
// takes bytes): Verify runs on every postback. TestCanonicalMatchesJCS and
// FuzzCanonicalMatchesJCS hold it to github.com/gowebpki/jcs.
func appendCanonical(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		b, _ = strictjson.AppendString(b, x)
		return b, nil
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("number %s is outside IEEE 754 doubles", x)
		}
		return appendES6Number(b, f), nil
	case []any:
		b = append(b, '[')
		for i, it := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendCanonical(b, it); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, compareUTF16)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b, _ = strictjson.AppendString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendCanonical(b, x[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	return nil, fmt.Errorf("unexpected %T in a decoded document", v)
}

// compareUTF16 orders strings by UTF-16 code units (RFC 8785 §3.2.3). Byte order
// is the same except where a character beyond U+FFFF meets one in
// U+E000..U+FFFF, so the slow path runs only for non-ASCII keys.
func compareUTF16(a, b string) int {
	if isASCII(a) && isASCII(b) {
		return strings.Compare(a, b)
	}
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// appendES6Number writes f as ECMAScript's Number.prototype.toString does
// (RFC 8785 §3.2.2.3): the shortest round-tripping digits, fixed notation for
// decimal exponents in [-6, 21), exponential otherwise.
func appendES6Number(b []byte, f float64) []byte {
	if f == 0 {
		return append(b, '0') // also -0
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // d.ddde±xx
	mant, exp, _ := strings.Cut(string(e), "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	n, k := x+1, len(digits) // value = 0.digits × 10^n
	switch {
	case k <= n && n <= 21:
		b = append(b, digits...)
		for range n - k {
			b = append(b, '0')
		}
	case 0 < n && n <= 21:
		b = append(append(append(b, digits[:n]...), '.'), digits[n:]...)
	case -6 < n && n <= 0:
		b = append(b, '0', '.')
		for range -n {
			b = append(b, '0')
		}
		b = append(b, digits...)
	default:
		b = append(b, digits[0])
		if k > 1 {
			b = append(append(b, '.'), digits[1:]...)
		}
		b = append(b, 'e')
		if n-1 >= 0 {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, int64(n-1), 10)
	}
	return b
}

// hasSurrogateEscape reports whether body spells a UTF-16 surrogate as \uD800–
// \uDFFF. strictjson replaces a lone one with U+FFFD, so such bodies take the
// byte-level canonicalizer, which refuses lone surrogates as RFC 8785 does.
func hasSurrogateEscape(body []byte) bool {
	for i := 0; i+5 < len(body); i++ {
		if body[i] == '\\' && body[i+1] == 'u' && (body[i+2] == 'd' || body[i+2] == 'D') {
			switch body[i+3] {
			case '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', 'A', 'B', 'C', 'D', 'E', 'F':
				return true
			}
		}
	}
	return false
}
