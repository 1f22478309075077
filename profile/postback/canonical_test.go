package postback

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"github.com/gowebpki/jcs"

	"github.com/s2s-harness/s2s-harness/internal/strictjson"
)

func TestES6Number(t *testing.T) {
	t.Parallel()
	// RFC 8785 appendix B and ECMAScript's boundaries.
	tests := []struct {
		give float64
		want string
	}{
		{0, "0"}, {math.Copysign(0, -1), "0"}, {1, "1"}, {-1, "-1"}, {0.5, "0.5"},
		{1e21, "1e+21"}, {1e20, "100000000000000000000"}, {123456789012345680000, "123456789012345680000"},
		{1e-6, "0.000001"}, {1e-7, "1e-7"}, {4.5, "4.5"}, {2e-3, "0.002"}, {0.000001234, "0.000001234"},
		{333333333.3333333, "333333333.3333333"}, {1.7976931348623157e308, "1.7976931348623157e+308"},
		{5e-324, "5e-324"}, {-1.5e-9, "-1.5e-9"}, {9007199254740992, "9007199254740992"},
		{295147905179352830000, "295147905179352830000"}, {100.5, "100.5"},
	}
	for _, tt := range tests {
		if got := string(appendES6Number(nil, tt.give)); got != tt.want {
			t.Errorf("appendES6Number(%v) = %s, want %s", tt.give, got, tt.want)
		}
	}
}

func TestCanonicalMatchesJCS(t *testing.T) {
	t.Parallel()
	docs := []string{
		`{"b":2,"a":1,"c":{"z":[3,2,1],"y":null}}`,
		`{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001,-0,100.00]}`,
		`{"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}`,
		`{"\u20ac":"euro","\ud83d\ude00":"smile","\ufb33":"hebrew","a":"ascii","\u00e9":"e"}`,
		`{"event":"deposit_success","event_id":"dep_9aa","amount":100.00,"currency":"USD","is_ftd":true,"ts_event":"2025-10-21T15:12:31Z"}`,
		`[1,"two",{"three":3}]`, `"just a string"`, `12.5e3`,
	}
	for _, d := range docs {
		doc, err := strictjson.Decode([]byte(d))
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		got, err := appendCanonical(nil, doc)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		want, err := jcs.Transform([]byte(d))
		if err != nil {
			t.Fatalf("jcs %s: %v", d, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("canonical(%s)\n got %s\nwant %s", d, got, want)
		}
	}
}

// FuzzCanonicalMatchesJCS: for any JSON body without surrogate escapes, the
// document-level canonicalizer writes exactly what jcs.Transform writes, and
// refuses exactly what it refuses.
func FuzzCanonicalMatchesJCS(f *testing.F) {
	for _, s := range []string{`{"a":1.5,"b":[1e21,1e-7]}`, `{"é":"x","a":"\u0001"}`, `[0.1,0.2,0.30000000000000004]`,
		`{"n":1e400}`, `{"k":-0.0}`, `123456789012345678901234567890`} {
		f.Add([]byte(s))
	}
	f.Add([]byte(strconv.Quote("tab\there")))
	f.Fuzz(func(t *testing.T, data []byte) {
		if hasSurrogateEscape(data) {
			return
		}
		doc, err := strictjson.Decode(data)
		if err != nil {
			return
		}
		got, gotErr := appendCanonical(nil, doc)
		var tmp any
		if json.Unmarshal(data, &tmp) != nil {
			return
		}
		want, wantErr := jcs.Transform(data)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("%s: canonical error %v, jcs error %v", data, gotErr, wantErr)
		}
		if gotErr == nil && !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got %s\nwant %s", data, got, want)
		}
	})
}

func BenchmarkCanonicalPayload(b *testing.B) {
	body := []byte(`{"event":"deposit_success","event_id":"dep_9aa","click_id":"clk_123","account_id":"u_456","amount":100.00,"currency":"USD","is_ftd":true,"payment_method":"pix","ts_event":"2025-10-21T15:12:31Z","signature":"sha256=ab"}`)
	b.Run("from-document", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := CanonicalPayload(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-jcs-transform", func(b *testing.B) { // the byte-level path, same input
		b.ReportAllocs()
		for b.Loop() {
			doc, _ := strictjson.Decode(body)
			if _, err := canonicalBytes(body, doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
