package readback_test

import (
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/readback"
)

// issueExample is the read-back config as docs/conformance.md shows it.
const issueExample = `
events:
  url: "https://sandbox.example.com/admin/records?api={profile}&after={cursor}"
  headers: {Authorization: "Bearer ${VENDOR_TOKEN}"}
  items: data.items
  cursor: id
  profiles: {postback: posts}
  fields:
    body: payload
    key: event_key
    profile: api
    received_at: received
    recorded_at: booked_at
    dropped: discarded
  time_format: rfc3339
clock:
  set:     {method: PUT, url: "https://sandbox.example.com/admin/clock", body: '{"at":"{time}"}'}
  release: {method: PUT, url: "https://sandbox.example.com/admin/clock", body: '{"at":""}'}
reset: {method: POST, url: "https://sandbox.example.com/admin/reset"}
`

func TestConfigExample(t *testing.T) {
	var c readback.Config
	if err := configfile.Decode([]byte(issueExample), "yaml", &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Events.Fields.RecordedAt != "booked_at" || c.Clock.Set.Method != "PUT" || c.Reset.URL == "" {
		t.Fatalf("decoded %+v", c)
	}
	var sql readback.Config
	if err := configfile.Decode([]byte(`sql: {dsn: "postgres://u@h/db", query: "select * from t where id > $1 order by id"}`), "yaml", &sql); err != nil {
		t.Fatal(err)
	}
	if err := sql.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := configfile.Decode([]byte("events: {url: x, itmes: y}"), "yaml", &c); err == nil || !strings.Contains(err.Error(), "itmes") {
		t.Fatalf("unknown key: %v, want it named", err)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := func() readback.Config {
		return readback.Config{Events: &readback.EventsConfig{URL: "https://v.example/r?after={cursor}",
			Fields: readback.Fields{Body: "payload"}}}
	}
	tests := []struct {
		name    string
		give    func(*readback.Config)
		wantErr string
	}{
		{"valid", func(*readback.Config) {}, ""},
		{"nothing", func(c *readback.Config) { c.Events = nil }, "readback.events: one of events (HTTP JSON) or sql is required"},
		{"both", func(c *readback.Config) { c.SQL = &readback.SQLConfig{DSN: "postgres://h/db", Query: "select $1"} }, "readback.sql: give events"},
		{"no url", func(c *readback.Config) { c.Events.URL = "" }, "readback.events.url: required"},
		{"bad url", func(c *readback.Config) { c.Events.URL = "ftp://x/{cursor}" }, "readback.events.url \"ftp://x/{cursor}\": want http(s)"},
		{"no body or key", func(c *readback.Config) { c.Events.Fields = readback.Fields{Profile: "api"} }, "readback.events.fields: body or key is required"},
		{"field twice", func(c *readback.Config) { c.Events.Fields.Key = "payload" }, "readback.events.fields.key \"payload\": also named by fields.body"},
		{"time format", func(c *readback.Config) { c.Events.TimeFormat = "iso" }, "readback.events.time_format \"iso\""},
		{"items path", func(c *readback.Config) { c.Events.Items = "data..items" }, "readback.events.items \"data..items\""},
		{"header var", func(c *readback.Config) { c.Events.Headers = map[string]string{"X": "${1BAD}"} }, "readback.events.headers.X: ${1BAD}"},
		{"header name", func(c *readback.Config) { c.Events.Headers = map[string]string{"X Y": "v"} }, "readback.events.headers \"X Y\""},
		{"profiles clash", func(c *readback.Config) { c.Events.Profiles = map[string]string{"a": "x", "b": "x"} }, "readback.events.profiles.b: \"x\" is also the name of a"},
		{"clock without time", func(c *readback.Config) {
			c.Clock = &readback.ClockConfig{Set: readback.Request{Method: "PUT", URL: "https://v.example/clock"},
				Release: readback.Request{Method: "PUT", URL: "https://v.example/clock"}}
		}, "readback.clock.set: neither url nor body contains {time}"},
		{"clock method", func(c *readback.Config) {
			c.Clock = &readback.ClockConfig{Set: readback.Request{Method: "put", URL: "https://v.example/clock?at={time}"},
				Release: readback.Request{Method: "PUT", URL: "https://v.example/clock"}}
		}, "readback.clock.set.method \"put\""},
		{"reset url", func(c *readback.Config) { c.Reset = &readback.Request{Method: "POST"} }, "readback.reset.url: required"},
		{"negative settle", func(c *readback.Config) { c.Settle = -1 }, "readback.settle"},
		{"sql no dsn", func(c *readback.Config) { c.Events, c.SQL = nil, &readback.SQLConfig{Query: "select $1"} }, "readback.sql.dsn: required"},
		{"sql mysql", func(c *readback.Config) {
			c.Events, c.SQL = nil, &readback.SQLConfig{DSN: "mysql://h/db", Query: "select $1"}
		}, "readback.sql.dsn: scheme \"mysql\""},
		{"sql no cursor", func(c *readback.Config) {
			c.Events, c.SQL = nil, &readback.SQLConfig{DSN: "postgres://h/db", Query: "select * from t"}
		}, "want the cursor as $1"},
		{"sql not select", func(c *readback.Config) {
			c.Events, c.SQL = nil, &readback.SQLConfig{DSN: "postgres://h/db", Query: "delete from t where id > $1"}
		}, "want a select"},
		{"sql with clock", func(c *readback.Config) {
			c.Events, c.SQL = nil, &readback.SQLConfig{DSN: "postgres://h/db", Query: "select $1"}
			c.Reset = &readback.Request{Method: "POST", URL: "https://v.example/reset"}
		}, "readback.reset: only with events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok()
			tt.give(&c)
			err := c.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigCheckProfiles(t *testing.T) {
	c := readback.Config{Events: &readback.EventsConfig{Profiles: map[string]string{"postbak": "posts"}}}
	if err := c.CheckProfiles([]string{"postback"}); err == nil || !strings.Contains(err.Error(), "readback.events.profiles.postbak: unknown profile") {
		t.Fatalf("got %v", err)
	}
}
