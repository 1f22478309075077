package validate

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
)

// relaxed reads what a liberal JSON reader makes of a body strictjson
// refused: comments and trailing commas dropped, the last of duplicate keys
// kept. It returns the document (nil when even that fails) and how the body
// was malformed.
func relaxed(body []byte, strictErr error) (any, string) {
	var dup *strictjson.DuplicateKeyError
	clean, comments, commas := clean(body)
	dec := json.NewDecoder(bytes.NewReader(clean))
	dec.UseNumber()
	var doc any
	err := dec.Decode(&doc)
	if err == nil && dec.More() {
		err = errors.New("trailing data")
	}
	switch {
	case err != nil:
		if t := bytes.TrimSpace(body); len(t) > 0 && bytes.IndexByte([]byte("{[\"-0123456789tfn/"), t[0]) < 0 {
			return nil, profile.MalformedForm
		}
		return nil, profile.MalformedTruncated
	case errors.As(strictErr, &dup):
		return doc, profile.MalformedDuplicateKey
	case comments:
		return doc, profile.MalformedComment
	case commas:
		return doc, profile.MalformedTrailing
	}
	return doc, profile.MalformedTruncated
}

// clean drops comments and trailing commas outside strings.
func clean(b []byte) (out []byte, comments, commas bool) {
	out = make([]byte, 0, len(b))
	inStr := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inStr:
			out = append(out, c)
			if c == '\\' && i+1 < len(b) {
				i++
				out = append(out, b[i])
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
			out = append(out, c)
		case c == '/' && i+1 < len(b) && b[i+1] == '/':
			comments = true
			for i < len(b) && b[i] != '\n' {
				i++
			}
			out = append(out, '\n')
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			comments = true
			end := bytes.Index(b[i+2:], []byte("*/"))
			if end < 0 {
				return append(out, b[i:]...), comments, commas // unterminated: left for the decoder to refuse
			}
			i += end + 3
			out = append(out, ' ')
		case c == '}' || c == ']':
			j := len(out) - 1
			for j >= 0 && (out[j] == ' ' || out[j] == '\n' || out[j] == '\t' || out[j] == '\r') {
				j--
			}
			if j >= 0 && out[j] == ',' {
				commas = true
				out = append(out[:j], out[j+1:]...)
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out, comments, commas
}

// malformedKind sets the violation's ground key from how the body failed.
func malformedKind(v *profile.Violation, how string) {
	v.Kind, v.Key = profile.KindMalformed, how
}
