package readback_test

import (
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/readback"
)

func TestDecode(t *testing.T) {
	dec := readback.Decoder{Items: "data.items", Cursor: "id",
		Fields: readback.Fields{Body: "payload", Key: "event_key", Profile: "api", ReceivedAt: "received",
			RecordedAt: "booked_at", Dropped: "discarded"},
		Profiles: map[string]string{"postback": "posts"}, Lookup: profiles}
	at := time.Date(2026, 5, 2, 22, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		give    string
		format  string
		want    readback.Record
		wantErr string
	}{
		{name: "body as a string", give: `{"id":7,"api":"posts","payload":"{\"event_id\":\"e\",\"click_id\":\"c\"}","received":"2026-05-02T22:00:00Z","booked_at":"2026-05-02T22:00:00.000Z"}`,
			want: readback.Record{Profile: "postback", Key: "e\x1fc", ReceivedAt: at, RecordedAt: &at, Cursor: "7"}},
		{name: "body as an object, not recorded", give: `{"id":"x9","api":"posts","payload":{"event_id":"e"},"booked_at":null,"discarded":true}`,
			want: readback.Record{Profile: "postback", Key: "e", Dropped: true, Cursor: "x9"}},
		{name: "key only", give: `{"id":1,"api":"g123","event_key":42}`,
			want: readback.Record{Profile: "g123", Key: "42", Cursor: "1"}},
		{name: "unix ms", format: readback.UnixMS, give: `{"id":1,"api":"g123","event_key":"k","received":"1777759200000","booked_at":1777759200000}`,
			want: readback.Record{Profile: "g123", Key: "k", ReceivedAt: at, RecordedAt: &at, Cursor: "1"}},
		{name: "unix s", format: readback.UnixS, give: `{"id":1,"api":"g123","event_key":"k","received":1777759200,"booked_at":1777759200.0}`,
			want: readback.Record{Profile: "g123", Key: "k", ReceivedAt: at, RecordedAt: &at, Cursor: "1"}},
		{name: "no cursor", give: `{"api":"g123","event_key":"k"}`, wantErr: "record 0: field id (cursor): missing"},
		{name: "bad time", give: `{"id":1,"event_key":"k","received":"yesterday"}`, wantErr: "field received (received_at): \"yesterday\": want RFC 3339"},
		{name: "body not JSON", give: `{"id":1,"payload":"{nope"}`, wantErr: "field payload (body): a string that is not JSON"},
		{name: "body a number", give: `{"id":1,"payload":5}`, wantErr: "field payload (body): 5: want a JSON object"},
		{name: "dropped not bool", give: `{"id":1,"event_key":"k","discarded":"maybe"}`, wantErr: "field discarded (dropped): \"maybe\": want a boolean"},
		{name: "record not an object", give: `[1]`, wantErr: "record 0: want a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := dec
			d.TimeFormat = tt.format
			recs, err := d.Decode([]byte(`{"data":{"items":[`+tt.give+`]}}`), "", 0)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 {
				t.Fatalf("got %d records", len(recs))
			}
			got := recs[0]
			got.Body = nil
			if got.Profile != tt.want.Profile || got.Key != tt.want.Key || got.Cursor != tt.want.Cursor || got.Dropped != tt.want.Dropped ||
				!got.ReceivedAt.Equal(tt.want.ReceivedAt) || (got.RecordedAt == nil) != (tt.want.RecordedAt == nil) ||
				(got.RecordedAt != nil && !got.RecordedAt.Equal(*tt.want.RecordedAt)) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeItems(t *testing.T) {
	d := readback.Decoder{Items: "data.items", Fields: readback.Fields{Key: "k"}}
	for give, wantErr := range map[string]string{
		`{"data":{}}`:           `items "data.items": items: missing`,
		`{"data":[1]}`:          `items "data.items": items: not inside a JSON object`,
		`{"data":{"items":{}}}`: `items "data.items": want an array of records`,
		`nope`:                  `items "data.items": data: not inside a JSON object`,
	} {
		if _, err := d.Decode([]byte(give), "", 0); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%s: got %v, want %q", give, err, wantErr)
		}
	}
	root := readback.Decoder{Fields: readback.Fields{Key: "k"}}
	recs, err := root.Decode([]byte(`[{"k":"a"},{"k":"b"}]`), "postback", 10)
	if err != nil || len(recs) != 2 || recs[1].Cursor != "12" || recs[1].Profile != "postback" {
		t.Fatalf("root array: %+v, %v", recs, err)
	}
}

// FuzzDecode: any answer decodes to records or to an error, never a panic,
// and every record it returns has a cursor.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"data":{"items":[{"id":7,"api":"posts","payload":"{\"event_id\":\"e\"}","received":"2026-05-02T22:00:00Z","booked_at":null}]}}`,
		`{"data":{"items":[{"id":1,"payload":{"event_id":"e","click_id":1},"discarded":1}]}}`,
		`{"data":{"items":[]}}`, `[]`, `{"data":{"items":[{"id":{}}]}}`, `{"data":{"items":[{"id":1,"received":1e400}]}}`,
	} {
		f.Add([]byte(s), uint8(0))
	}
	formats := []string{readback.RFC3339, readback.UnixMS, readback.UnixS}
	f.Fuzz(func(t *testing.T, answer []byte, format uint8) {
		d := readback.Decoder{Items: "data.items", Cursor: "id", TimeFormat: formats[int(format)%len(formats)],
			Fields: readback.Fields{Body: "payload", Key: "event_key", Profile: "api", ReceivedAt: "received",
				RecordedAt: "booked_at", Dropped: "discarded"},
			Profiles: map[string]string{"postback": "posts"}, Lookup: profiles}
		recs, err := d.Decode(answer, "postback", 0)
		if err != nil {
			return
		}
		for _, r := range recs {
			if r.Cursor == "" && !strings.Contains(string(answer), `"id":""`) {
				t.Fatalf("record without a cursor: %+v", r)
			}
		}
	})
}
