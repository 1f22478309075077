package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		give     string
		want     any
		wantErr  string // substring; "" means success
		wantLine int
	}{
		{name: "object", give: `{"a":1,"b":[true,false,null],"c":"x"}`,
			want: map[string]any{"a": json.Number("1"), "b": []any{true, false, nil}, "c": "x"}},
		{name: "number forms", give: `[0,-0,1.5,-2e10,3E-2,1e+3]`,
			want: []any{json.Number("0"), json.Number("-0"), json.Number("1.5"), json.Number("-2e10"), json.Number("3E-2"), json.Number("1e+3")}},
		{name: "escapes", give: `"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"`, want: "a\"\\/\b\f\n\r\té😀"},
		{name: "lone surrogate", give: `"\ud800x"`, want: "\ufffdx"},
		{name: "utf8", give: `"开发者"`, want: "开发者"},
		{name: "whitespace", give: " \n\t{ } \r\n", want: map[string]any{}},
		{name: "empty body", give: "", wantErr: "empty body"},
		{name: "duplicate key", give: `{"a":1,"b":{"c":1,"c":2}}`, wantErr: `duplicate key "c" in b`},
		{name: "duplicate top key", give: `{"a":1,"a":1}`, wantErr: `duplicate key "a" in the top-level object`},
		{name: "trailing comma object", give: "{\"a\":1,\n}", wantErr: "trailing comma before }", wantLine: 2},
		{name: "trailing comma array", give: `[1,]`, wantErr: "trailing comma before ]"},
		{name: "comment", give: "{\"a\":1 // no\n}", wantErr: "comments are not allowed"},
		{name: "block comment", give: `/* x */ 1`, wantErr: "comments are not allowed"},
		{name: "trailing data", give: `{} {}`, wantErr: "unexpected data after"},
		{name: "leading zero", give: `01`, wantErr: "leading zero"},
		{name: "bad fraction", give: `1.`, wantErr: "decimal point"},
		{name: "bad exponent", give: `1e`, wantErr: "exponent"},
		{name: "bare minus", give: `-`, wantErr: "invalid number"},
		{name: "single quotes", give: `{'a':1}`, wantErr: "object key must be a string"},
		{name: "unterminated string", give: `"abc`, wantErr: "unterminated string"},
		{name: "control char", give: "\"a\nb\"", wantErr: "control character"},
		{name: "invalid utf8", give: "\"\xff\"", wantErr: "invalid UTF-8"},
		{name: "bad escape", give: `"\x"`, wantErr: `invalid escape \x`},
		{name: "short unicode", give: `"\u12"`, wantErr: `\u escape`},
		{name: "bad literal", give: `tru`, wantErr: "want true"},
		{name: "missing colon", give: `{"a" 1}`, wantErr: "want : after"},
		{name: "missing comma", give: `[1 2]`, wantErr: "want , or ]"},
		{name: "unclosed object", give: `{"a":1`, wantErr: "end of input"},
		{name: "too deep", give: strings.Repeat("[", MaxDepth+2) + strings.Repeat("]", MaxDepth+2), wantErr: "nesting deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.give))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Decode(%q) error = %v, want it to contain %q", tt.give, err, tt.wantErr)
				}
				var se *SyntaxError
				if tt.wantLine != 0 && (!errors.As(err, &se) || se.Line != tt.wantLine) {
					t.Fatalf("error %v: want line %d", err, tt.wantLine)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode(%q): %v", tt.give, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Decode(%q) = %#v, want %#v", tt.give, got, tt.want)
			}
		})
	}
}

// FuzzDecode: never panics, and whatever it accepts encoding/json accepts and
// reads the same way.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"\u00e9"`, `[1e5,-0.5]`, `{"a":1,"a":2}`, "{\n\"a\":1,\n}", `"\ud83d\ude00"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Decode(data)
		if err != nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("strictjson accepted %q, encoding/json refused it: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode(%q) = %#v, encoding/json = %#v", data, got, want)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	data := []byte(`{"client_user_id":"user_001","click_id":"clk_998877","ip_address":"203.0.113.1","event_name":"deposit","transaction_id":"tx_554433","timestamp":1702963200000,"amount":50.00,"currency":"USD","is_crypto":false,"user_agent":"Mozilla/5.0 (X11; Linux x86_64)"}`)
	b.Run("strictjson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestDecodeFinite(t *testing.T) {
	tests := []struct {
		give    string
		wantErr string
	}{
		{`{"amount":1e400}`, "number 1e400 is beyond the range of a 64-bit float"},
		{`-1e309`, "beyond the range"},
		{`1e308`, ""},
		{`1e-400`, ""}, // underflows to 0: readable
		{`12345678901234567890`, ""},
	}
	for _, tt := range tests {
		_, err := DecodeFinite([]byte(tt.give))
		if (err != nil) != (tt.wantErr != "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("DecodeFinite(%s) = %v, want %q", tt.give, err, tt.wantErr)
		}
		if _, err := Decode([]byte(tt.give)); err != nil {
			t.Errorf("Decode(%s) = %v: plain decoding keeps every valid number", tt.give, err)
		}
	}
}
