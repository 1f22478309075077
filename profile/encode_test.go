package profile

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// encodingJSON is what Payload.Bytes wrote before appendJSON: the reference.
func encodingJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, false, "", "plain", `quote " and \ back`, "<html>&amp;", "日本語 ✓", "tab\there", "bad \xff utf8",
		"line\u2028sep", 0.0, math.Copysign(0, -1), 1.5, 50.25, 1e21, 1e20, 1e-6, 1e-7, 123456789.125, -3e-9, math.MaxFloat64,
		math.SmallestNonzeroFloat64, 7, int64(-1 << 60), int32(5), uint64(math.MaxUint64),
		map[string]any{"b": 1.0, "a": []any{"x", nil, map[string]any{}}, "é": "z", "A": true},
		// Keys alike in their first eight bytes (the sort's prefix).
		map[string]any{"abcdefgh": 1, "abcdefghi": 2, "abcdefgha": 3, "abcdefg": 4, "b": 5, "": 6, "Z": 7, "abcdefgh~": 8, "abcdefghé": 9},
		[]any{}, map[string]any(nil), []any(nil), map[string]any{"t": "\x01"}, float32(1.1), []string{"x"},
	}
	// A byte that needs care at every offset of a long string (appendJSONString
	// reads eight bytes at a time).
	for _, c := range []string{`"`, `\`, "\x01", "\x1f", "\x7f", "\x80", "é", "\u2028", " ", "~"} {
		for i := range 19 {
			s := strings.Repeat("a", i) + c + strings.Repeat("b", 18-i)
			values = append(values, s, map[string]any{s: s})
		}
	}
	for _, v := range values {
		want, wantErr := encodingJSON(v)
		got, ok := appendJSON(nil, v)
		if !ok {
			continue // the caller falls back to encoding/json
		}
		if wantErr != nil || !bytes.Equal(got, want) {
			t.Errorf("%#v: appendJSON %q, encoding/json %q (%v)", v, got, want, wantErr)
		}
	}
	// What generators make takes the fast path (else it buys nothing).
	for _, v := range []any{"plain", `a"b`, "日本語", 50.25, 1e-7, 7, map[string]any{"a": []any{1.0, nil, true}}} {
		if _, ok := appendJSON(nil, v); !ok {
			t.Errorf("%#v: not on the fast path", v)
		}
	}
	// Bytes: the same with or without the fast path.
	p := &Payload{Body: map[string]any{"amount": 50.25, "user": "u\"1", "items": []any{map[string]any{"n": 1e-7}}}}
	want, _ := encodingJSON(p.Body)
	if got, err := p.Bytes(); err != nil || !bytes.Equal(got, want) {
		t.Errorf("Bytes %q (%v), want %q", got, err, want)
	}
}

// FuzzAppendJSON: any JSON document, decoded, is written byte for byte as
// encoding/json writes it, or left to encoding/json.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":[true,null,"x"]}`, `[1e300,-0.000001,"\u2028"]`, `"\u00e9\\\""`, `{"z":{"y":{}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var v any
		if json.Unmarshal(in, &v) != nil {
			return
		}
		got, ok := appendJSON(nil, v)
		if !ok {
			return
		}
		want, err := encodingJSON(v)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("appendJSON %q, encoding/json %q (%v)", got, want, err)
		}
	})
}
