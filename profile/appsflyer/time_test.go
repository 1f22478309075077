package appsflyer_test

import (
	"errors"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/appsflyer"
)

func utc(y int, m time.Month, d, h, min, s, ms int) time.Time {
	return time.Date(y, m, d, h, min, s, ms*int(time.Millisecond), time.UTC)
}

// TestTimeCases replays every TimeCase of the profile through RecordedAt and
// through Describe, as the mock records them.
func TestTimeCases(t *testing.T) {
	t.Parallel()
	p := appsflyer.New()
	if len(p.TimeCases) < 7 {
		t.Fatalf("got %d time cases, want the document's two and the edges", len(p.TimeCases))
	}
	for _, tc := range p.TimeCases {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.Rule != "AF-TIME-2" || tc.Field != "eventTime" {
				t.Errorf("got rule %s field %s, want AF-TIME-2 eventTime", tc.Rule, tc.Field)
			}
			var stated time.Time
			if tc.EventTime != "" {
				var err error
				if stated, err = appsflyer.ParseEventTime(tc.EventTime); err != nil {
					t.Fatal(err)
				}
			}
			if got := appsflyer.RecordedAt(stated, tc.Received); !got.Equal(tc.Recorded) {
				t.Errorf("RecordedAt: got %v, want %v", got, tc.Recorded)
			}
			item := map[string]any{"appsflyer_id": "1415211453000-6513894", "eventName": "af_purchase", "eventValue": ""}
			if tc.EventTime != "" {
				item[tc.Field] = tc.EventTime
			}
			rec := p.Describe(item, &profile.Request{Received: tc.Received}, profile.Principal{App: "id123456789"})
			if !rec.RecordedAt.Equal(tc.Recorded) {
				t.Errorf("Describe: got recorded %v, want %v", rec.RecordedAt, tc.Recorded)
			}
		})
	}
}

func TestRecordedAt(t *testing.T) {
	t.Parallel()
	event := utc(2025, time.May, 2, 22, 0, 0, 0)
	tests := []struct {
		name         string
		giveEvent    time.Time
		giveReceived time.Time
		want         time.Time
	}{
		{"no event time", time.Time{}, event, event},
		{"received at the event instant", event, event, event},
		{"one millisecond in the future", event.Add(time.Millisecond), event, event},
		{"one millisecond before the cut-off", event, utc(2025, time.May, 3, 1, 59, 59, 999), event},
		{"at the cut-off", event, utc(2025, time.May, 3, 2, 0, 0, 0), utc(2025, time.May, 3, 2, 0, 0, 0)},
		{"event at 23:59:59.999", utc(2025, time.May, 2, 23, 59, 59, 999), utc(2025, time.May, 3, 1, 0, 0, 0), utc(2025, time.May, 2, 23, 59, 59, 999)},
		{"event at 00:00 two days back", utc(2025, time.May, 1, 0, 0, 0, 0), utc(2025, time.May, 2, 2, 0, 0, 0), utc(2025, time.May, 2, 2, 0, 0, 0)},
		{"end of month", utc(2025, time.April, 30, 23, 0, 0, 0), utc(2025, time.May, 1, 1, 30, 0, 0), utc(2025, time.April, 30, 23, 0, 0, 0)},
		{"end of year", utc(2024, time.December, 31, 23, 0, 0, 0), utc(2025, time.January, 1, 2, 0, 0, 0), utc(2025, time.January, 1, 2, 0, 0, 0)},
		{"leap day", utc(2024, time.February, 29, 12, 0, 0, 0), utc(2024, time.March, 1, 1, 0, 0, 0), utc(2024, time.February, 29, 12, 0, 0, 0)},
		{"received in another zone, same instant rules", event,
			utc(2025, time.May, 3, 1, 59, 0, 0).In(time.FixedZone("ICT", 7*3600)), event},
		{"a year late", event, utc(2026, time.May, 2, 21, 0, 0, 0), utc(2026, time.May, 2, 21, 0, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := appsflyer.RecordedAt(tt.giveEvent, tt.giveReceived); !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseEventTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give    string
		want    time.Time
		wantErr bool
	}{
		{give: "2014-05-15 12:17:00.000", want: utc(2014, time.May, 15, 12, 17, 0, 0)},
		{give: "2024-02-29 23:59:59.999", want: utc(2024, time.February, 29, 23, 59, 59, 999)},
		{give: "0001-01-01 00:00:00.001", want: utc(1, time.January, 1, 0, 0, 0, 1)},
		{give: "", wantErr: true},
		{give: "2014-05-15 12:17:00", wantErr: true},
		{give: "2014-05-15 12:17:00.0", wantErr: true},
		{give: "2014-05-15 12:17:00.0000", wantErr: true},
		{give: "2014-05-15T12:17:00.000", wantErr: true},
		{give: "2014-05-15 12:17:00.000Z", wantErr: true},
		{give: "2014/05/15 12:17:00.000", wantErr: true},
		{give: "2014-5-15 12:17:00.0000", wantErr: true},
		{give: "-014-05-15 12:17:00.000", wantErr: true},
		{give: "+014-05-15 12:17:00.000", wantErr: true},
		{give: "2014-02-30 12:17:00.000", wantErr: true},
		{give: "2014-05-15 24:00:00.000", wantErr: true},
		{give: "2014-05-15 12:60:00.000", wantErr: true},
		{give: "2014-05-15 12:17:60.000", wantErr: true},
		{give: "2014-13-15 12:17:00.000", wantErr: true},
		{give: "２014-05-15 12:17:00.000", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := appsflyer.ParseEventTime(tt.give)
			if tt.wantErr {
				if !errors.Is(err, appsflyer.ErrEventTime) {
					t.Errorf("got %v, %v; want ErrEventTime", got, err)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
			if back := appsflyer.FormatEventTime(got); back != tt.give {
				t.Errorf("FormatEventTime: got %q, want %q", back, tt.give)
			}
		})
	}
}

func TestParseISOEventTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give   string
		want   string // in the document's format; "" when not ISO 8601
		wantOK bool
	}{
		{give: "2020-08-14T05:30:30.118Z", want: "2020-08-14 05:30:30.118", wantOK: true},
		{give: "2020-08-14T05:30:30Z", want: "2020-08-14 05:30:30.000", wantOK: true},
		{give: "2020-08-14T05:30:30.118999Z", want: "2020-08-14 05:30:30.118", wantOK: true},
		{give: "2020-08-14T12:30:30.118+07:00", want: "2020-08-14 05:30:30.118", wantOK: true},
		{give: "2020-08-14T00:30:30.000+01:00", want: "2020-08-13 23:30:30.000", wantOK: true},
		{give: "0000-01-01T00:30:00+01:00"},
		{give: "2020-08-14T05:30:30.118"},
		{give: "2020-08-14 05:30:30.118"},
		{give: "1597383030118"},
		{give: ""},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, ok := appsflyer.ParseISOEventTime(tt.give)
			if ok != tt.wantOK {
				t.Fatalf("got ok=%v, want %v", ok, tt.wantOK)
			}
			if ok && appsflyer.FormatEventTime(got) != tt.want {
				t.Errorf("got %s, want %s", appsflyer.FormatEventTime(got), tt.want)
			}
		})
	}
}

func TestParseEventValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give     string
		wantKeys int
		wantErr  bool
	}{
		{give: "", wantKeys: 0},
		{give: "{}", wantKeys: 0},
		{give: `{"af_revenue":"6","af_content_type":"wallets"}`, wantKeys: 2},
		{give: "{\n\t\t\"af_revenue\": \"6\",\n\t\t\"af_quantity\" :\"1\"\n   }", wantKeys: 2},
		{give: `{"af_revenue":6,"nested":{"a":"b"}}`, wantKeys: 2},
		{give: " ", wantErr: true},
		{give: "null", wantErr: true},
		{give: `"{}"`, wantErr: true},
		{give: `[{"af_revenue":"6"}]`, wantErr: true},
		{give: "af_revenue=6", wantErr: true},
		{give: `{"af_revenue":"6",}`, wantErr: true},
		{give: `{"a":"1","a":"2"}`, wantErr: true},
		{give: `{"af_revenue":"6"} {}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := appsflyer.ParseEventValue(tt.give)
			if tt.wantErr {
				if !errors.Is(err, appsflyer.ErrEventValue) {
					t.Errorf("got %v, %v; want ErrEventValue", got, err)
				}
				return
			}
			if err != nil || len(got) != tt.wantKeys {
				t.Errorf("got %v, %v; want %d keys", got, err, tt.wantKeys)
			}
		})
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	f := appsflyer.Formats()
	tests := []struct {
		format string
		give   any
		want   bool
	}{
		{appsflyer.EventTimeFormat, "2014-05-15 12:17:00.000", true},
		{appsflyer.EventTimeFormat, "2020-08-14T05:30:30.118Z", false},
		{appsflyer.EventTimeFormat, "", false},
		{appsflyer.EventTimeFormat, 1400156220000, true}, // not a string: "type" judges it
		{appsflyer.EventValueFormat, "", true},
		{appsflyer.EventValueFormat, `{"af_revenue":"6"}`, true},
		{appsflyer.EventValueFormat, `["6"]`, false},
		{appsflyer.EventValueFormat, map[string]any{}, true}, // not a string: "type" judges it
	}
	for _, tt := range tests {
		check, ok := f[tt.format]
		if !ok {
			t.Fatalf("format %s missing", tt.format)
		}
		if got := check(tt.give); got != tt.want {
			t.Errorf("%s(%v): got %v, want %v", tt.format, tt.give, got, tt.want)
		}
	}
}
