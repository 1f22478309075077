package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// drain reads every row; a decoder may refuse input but never panic, and
// every error is an *InputError naming the file and a line ≥ 1.
func drain(t *testing.T, r Reader) {
	for range 10_000 {
		row, err := r.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != "fuzz" || ie.Line < 1 {
				t.Fatalf("error %v (%T): want an *InputError naming the file and line", err, err)
			}
			continue
		}
		if row.Event == "" || row.EventID == "" && row.ClickID == "" || row.TS.IsZero() && row.TS.Location() == nil {
			t.Fatalf("row without event or ids: %+v", row)
		}
	}
}

func FuzzCSV(f *testing.F) {
	f.Add(hdr + "e1,c1,ftd,2025-10-21T15:12:31Z,100.00,USD\n")
	f.Add("event_id;event;ts_event\ne1;ftd;2025-10-21T15:12:31+03:00\n")
	f.Add(hdr + "\"e,1\",c1,ftd,2025-10-21T15:12:31Z,\"100,00\",usd\n")
	f.Add("\ufeff" + hdr + "e1,,ftd,x,,\n")
	f.Fuzz(func(t *testing.T, s string) {
		if strings.HasPrefix(strings.TrimLeft(s, " \t\r\n\ufeff"), "{") {
			return // JSON Lines: FuzzJSONL
		}
		r, err := NewReader("fuzz", strings.NewReader(s), nil)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("header error %v (%T): want an *InputError", err, err)
			}
			return
		}
		drain(t, r)
	})
}

func FuzzJSONL(f *testing.F) {
	f.Add(`{"event_id":"e1","click_id":"c1","event":"ftd","ts_event":"2025-10-21T15:12:31Z","amount":100.5,"currency":"USD"}` + "\n")
	f.Add(`{"event_id":"e\"1","event":"ftd","ts_event":"2025-10-21T15:12:31Z","nested":{"a":[1,"}"]},"amount":"1e2"}` + "\n{}\n")
	f.Add(`{"event_id":1,"event":null,"ts_event":"x"}` + "\n{\"event\n")
	f.Fuzz(func(t *testing.T, s string) {
		if !strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), "{") {
			return
		}
		r, err := NewReader("fuzz", strings.NewReader(s), nil)
		if err != nil {
			return
		}
		drain(t, r)
	})
}

// FuzzMembers: the flat scanner finds what encoding/json finds at the top
// level of any valid object.
func FuzzMembers(f *testing.F) {
	f.Add(`{"a":"x","b":{"c":[1,2,"]"]},"d":1.5e3,"e\u0041":true}`)
	f.Fuzz(func(t *testing.T, s string) {
		var want map[string]any
		if err := jsonUnmarshal([]byte(s), &want); err != nil {
			return
		}
		ms, ok := members([]byte(s), nil)
		if !ok {
			t.Fatalf("%s: not seen as an object", s)
		}
		for _, m := range ms {
			if _, has := want[m.key]; !has {
				t.Fatalf("%s: member %q is not in the object", s, m.key)
			}
			var v any
			if err := jsonUnmarshal(m.raw, &v); err != nil {
				t.Fatalf("%s: member %q value %q is not JSON: %v", s, m.key, m.raw, err)
			}
		}
		if len(ms) < len(want) {
			t.Fatalf("%s: %d members, json has %d", s, len(ms), len(want))
		}
	})
}

func FuzzFX(f *testing.F) {
	f.Add("ts,currency,rate\n2025-10-21T00:00:00Z,EUR,1.08\n")
	f.Add("currency,rate,ts\nTRY,0.03,2025-10-21T00:00:00+03:00\nTRY,-1,x\n")
	f.Fuzz(func(t *testing.T, s string) {
		fx, err := ParseFX("fuzz", strings.NewReader(s), "USD")
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v (%T): want an *InputError", err, err)
			}
			return
		}
		for cur := range fx.Rates() {
			if v, ok := fx.Convert(cur, 1<<62, Money(moneyScale)); !ok || !(v > 0) {
				t.Fatalf("%s: convert after every rate: %v %v", cur, v, ok)
			}
		}
	})
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
