// Package strictjson decodes exactly one RFC 8259 JSON value and refuses what
// encoding/json lets through: duplicate object keys, invalid UTF-8, trailing
// data. Comments and trailing commas (the G123 document's example) are syntax
// errors as in any JSON parser, reported with line and column.
//
// Values decode to map[string]any, []any, json.Number, string, bool and nil,
// the shape JSON Schema validators expect. The validator uses it for every body.
//
// It is also the one home of the two JSON facts every package shares: how a
// field's path is written in messages (Path, ParsePath) and how a string is
// escaped (AppendString, used by the mock's fast encoder and the postback
// profile's RFC 8785 canonical form).
package strictjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds nesting so hostile input cannot exhaust the stack.
const MaxDepth = 256

// SyntaxError is a body that is not one well-formed JSON value.
type SyntaxError struct {
	Offset int // byte offset of the problem
	Line   int // 1-based
	Column int // 1-based, in bytes
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("malformed JSON at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// DuplicateKeyError is an object that names a member twice.
type DuplicateKeyError struct {
	Key    string
	Path   string // JSON path of the object, "" for the root
	Offset int
}

func (e *DuplicateKeyError) Error() string {
	where := e.Path
	if where == "" {
		where = "the top-level object"
	}
	return fmt.Sprintf("duplicate key %q in %s", e.Key, where)
}

// Decode parses data as a single JSON value.
func Decode(data []byte) (any, error) { return decode(decoder{data: data}) }

// DecodeFinite is Decode that also refuses a number beyond the range of a
// 64-bit float (1e400): valid JSON no receiver can read as a number.
func DecodeFinite(data []byte) (any, error) { return decode(decoder{data: data, finite: true}) }

func decode(d decoder) (any, error) {
	d.space()
	if d.i >= len(d.data) {
		return nil, d.fail("empty body")
	}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.i < len(d.data) {
		return nil, d.fail("unexpected data after the JSON value")
	}
	return v, nil
}

type decoder struct {
	data   []byte
	finite bool // refuse numbers that overflow a float64
	i      int
	path   []Step // rendered only on error
}

func (d *decoder) fail(format string, args ...any) error {
	line, col := 1, 1
	for j := 0; j < d.i && j < len(d.data); j++ {
		if d.data[j] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &SyntaxError{Offset: d.i, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, d.fail("nesting deeper than %d", MaxDepth)
	}
	if d.i >= len(d.data) {
		return nil, d.fail("unexpected end of input")
	}
	switch c := d.data[d.i]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		return d.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '/':
		return nil, d.fail("comments are not allowed in JSON")
	default:
		return nil, d.fail("unexpected character %s", quoteByte(c))
	}
}

func (d *decoder) literal(word string) error {
	if len(d.data)-d.i < len(word) || string(d.data[d.i:d.i+len(word)]) != word {
		return d.fail("invalid literal, want %s", word)
	}
	d.i += len(word)
	return nil
}

func (d *decoder) object(depth int) (any, error) {
	d.i++ // {
	m := make(map[string]any)
	d.space()
	if d.i < len(d.data) && d.data[d.i] == '}' {
		d.i++
		return m, nil
	}
	for {
		d.space()
		if d.i >= len(d.data) {
			return nil, d.fail("unexpected end of input in object")
		}
		switch d.data[d.i] {
		case '"':
		case '}':
			return nil, d.fail("trailing comma before }")
		case '/':
			return nil, d.fail("comments are not allowed in JSON")
		default:
			return nil, d.fail("object key must be a string, got %s", quoteByte(d.data[d.i]))
		}
		keyAt := d.i
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.i >= len(d.data) || d.data[d.i] != ':' {
			return nil, d.fail("want : after object key %q", key)
		}
		d.i++
		d.space()
		d.path = append(d.path, Key(key))
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.path = d.path[:len(d.path)-1]
		// One hash per member: an insert that does not grow the map was a
		// duplicate (the overwritten value no longer matters: it is an error).
		n := len(m)
		if m[key] = v; len(m) == n {
			return nil, &DuplicateKeyError{Key: key, Path: d.where(), Offset: keyAt}
		}
		d.space()
		if d.i >= len(d.data) {
			return nil, d.fail("unexpected end of input in object")
		}
		switch d.data[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return m, nil
		case '/':
			return nil, d.fail("comments are not allowed in JSON")
		default:
			return nil, d.fail("want , or } in object, got %s", quoteByte(d.data[d.i]))
		}
	}
}

func (d *decoder) array(depth int) (any, error) {
	d.i++ // [
	s := make([]any, 0, 4)
	d.space()
	if d.i < len(d.data) && d.data[d.i] == ']' {
		d.i++
		return s, nil
	}
	for n := 0; ; n++ {
		d.space()
		if d.i < len(d.data) && d.data[d.i] == ']' {
			return nil, d.fail("trailing comma before ]")
		}
		d.path = append(d.path, Index(n))
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.path = d.path[:len(d.path)-1]
		s = append(s, v)
		d.space()
		if d.i >= len(d.data) {
			return nil, d.fail("unexpected end of input in array")
		}
		switch d.data[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return s, nil
		case '/':
			return nil, d.fail("comments are not allowed in JSON")
		default:
			return nil, d.fail("want , or ] in array, got %s", quoteByte(d.data[d.i]))
		}
	}
}

// where renders the current path like a.b[2].c.
func (d *decoder) where() string { return Path(d.path) }

func (d *decoder) str() (string, error) {
	d.i++ // opening quote
	start := d.i
	// Fast path: no escapes, ASCII or valid UTF-8.
	for d.i < len(d.data) {
		c := d.data[d.i]
		switch {
		case c == '"':
			s := string(d.data[start:d.i])
			d.i++
			return s, nil
		case c == '\\':
			return d.strSlow(start)
		case c < 0x20:
			return "", d.fail("control character %s in string", quoteByte(c))
		case c < utf8.RuneSelf:
			d.i++
		default:
			r, size := utf8.DecodeRune(d.data[d.i:])
			if r == utf8.RuneError && size == 1 {
				return "", d.fail("invalid UTF-8 in string")
			}
			d.i += size
		}
	}
	return "", d.fail("unterminated string")
}

func (d *decoder) strSlow(start int) (string, error) {
	buf := make([]byte, 0, d.i-start+16)
	buf = append(buf, d.data[start:d.i]...)
	for d.i < len(d.data) {
		c := d.data[d.i]
		switch {
		case c == '"':
			d.i++
			return string(buf), nil
		case c == '\\':
			d.i++
			if d.i >= len(d.data) {
				return "", d.fail("unterminated escape")
			}
			e := d.data[d.i]
			d.i++
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, err := d.hex4()
				if err != nil {
					return "", err
				}
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if d.i+1 < len(d.data) && d.data[d.i] == '\\' && d.data[d.i+1] == 'u' {
						save := d.i
						d.i += 2
						if r2, err = d.hex4(); err != nil {
							return "", err
						}
						if utf16.DecodeRune(r, r2) == utf8.RuneError {
							d.i = save
							r2 = -1
						}
					}
					if r2 < 0 {
						r = utf8.RuneError // lone surrogate, as encoding/json does
					} else {
						r = utf16.DecodeRune(r, r2)
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				d.i--
				return "", d.fail("invalid escape \\%s", string(rune(e)))
			}
		case c < 0x20:
			return "", d.fail("control character %s in string", quoteByte(c))
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			d.i++
		default:
			r, size := utf8.DecodeRune(d.data[d.i:])
			if r == utf8.RuneError && size == 1 {
				return "", d.fail("invalid UTF-8 in string")
			}
			buf = append(buf, d.data[d.i:d.i+size]...)
			d.i += size
		}
	}
	return "", d.fail("unterminated string")
}

func (d *decoder) hex4() (rune, error) {
	if len(d.data)-d.i < 4 {
		return 0, d.fail("short \\u escape")
	}
	var r rune
	for _, c := range d.data[d.i : d.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, d.fail("invalid \\u escape")
		}
	}
	d.i += 4
	return r, nil
}

func (d *decoder) number() (any, error) {
	start := d.i
	if d.data[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.data) && d.data[d.i] == '0':
		d.i++
		if d.i < len(d.data) && isDigit(d.data[d.i]) {
			return nil, d.fail("leading zero in number")
		}
	case d.i < len(d.data) && isDigit(d.data[d.i]):
		for d.i < len(d.data) && isDigit(d.data[d.i]) {
			d.i++
		}
	default:
		return nil, d.fail("invalid number")
	}
	if d.i < len(d.data) && d.data[d.i] == '.' {
		d.i++
		if d.i >= len(d.data) || !isDigit(d.data[d.i]) {
			return nil, d.fail("want digits after decimal point")
		}
		for d.i < len(d.data) && isDigit(d.data[d.i]) {
			d.i++
		}
	}
	exp := d.i < len(d.data) && (d.data[d.i] == 'e' || d.data[d.i] == 'E')
	if exp {
		d.i++
		if d.i < len(d.data) && (d.data[d.i] == '+' || d.data[d.i] == '-') {
			d.i++
		}
		if d.i >= len(d.data) || !isDigit(d.data[d.i]) {
			return nil, d.fail("want digits in exponent")
		}
		for d.i < len(d.data) && isDigit(d.data[d.i]) {
			d.i++
		}
	}
	n := d.data[start:d.i]
	// Only an exponent or 309+ digits can overflow; checking just those keeps
	// the common number free.
	if d.finite && (exp || len(n) > 308) {
		if _, err := strconv.ParseFloat(string(n), 64); errors.Is(err, strconv.ErrRange) {
			return nil, d.fail("number %s is beyond the range of a 64-bit float", n)
		}
	}
	return json.Number(n), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("0x%02x", c)
}
