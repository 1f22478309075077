package revosurge

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

func TestEventTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		give   any
		want   time.Time
		wantOK bool
	}{
		{name: "seconds (the table)", give: json.Number("1702963200"), want: time.Unix(1702963200, 0).UTC(), wantOK: true},
		{name: "milliseconds (the examples)", give: json.Number("1702963200123"), want: time.UnixMilli(1702963200123).UTC(), wantOK: true},
		{name: "just below the millisecond threshold is seconds", give: json.Number("999999999999"), want: time.Unix(999999999999, 0).UTC(), wantOK: true},
		{name: "threshold is milliseconds", give: json.Number("1000000000000"), want: time.UnixMilli(1e12).UTC(), wantOK: true},
		{name: "not an integer", give: json.Number("1.5"), wantOK: false},
		{name: "a string", give: "1702963200", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := EventTime(tt.give)
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Fatalf("EventTime(%v) = %v, %v; want %v, %v", tt.give, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestDescribeDedupeKey(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &profile.Request{Received: at}
	tests := []struct {
		give    map[string]any
		wantKey string
	}{
		{give: map[string]any{"event_name": "deposit", "transaction_id": "tx_1"}, wantKey: "tx_1"},
		{give: map[string]any{"event_name": "bet", "transaction_id": "tx_2"}, wantKey: "tx_2"},
		{give: map[string]any{"event_name": "login", "transaction_id": "tx_3"}, wantKey: ""}, // not financial
		{give: map[string]any{"event_name": "deposit"}, wantKey: ""},
	}
	for _, tt := range tests {
		rec := describe(tt.give, r, profile.Principal{})
		if rec.DedupeKey != tt.wantKey || !rec.RecordedAt.Equal(at) || rec.Event != tt.give["event_name"] {
			t.Errorf("describe(%v) = %+v, want dedupe key %q", tt.give, rec, tt.wantKey)
		}
	}
}
