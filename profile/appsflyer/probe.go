package appsflyer

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// probes say which eventTime spellings and dev-key headers a receiver
// accepts besides the documented ones: what a sender may get away with, and
// what a receiver silently takes.
func probes() []profile.Probe {
	// eventTime rewrites the body's eventTime, five minutes before now.
	eventTime := func(name string, format func(time.Time) string) profile.Break {
		return profile.Break{Rule: "AF-TIME-1", Name: name, Apply: func(o *profile.Outgoing, _ profile.Credentials, now time.Time) {
			var m map[string]any
			if json.Unmarshal(o.Body, &m) != nil || m == nil {
				return
			}
			m["eventTime"] = format(now.Add(-5 * time.Minute).UTC())
			if b, err := json.Marshal(m); err == nil {
				o.Body = b
			}
		}}
	}
	layout := func(l string) func(time.Time) string { return func(t time.Time) string { return t.Format(l) } }
	// header moves the dev key to another header, or another form.
	header := func(name, to, prefix string) profile.Break {
		return profile.Break{Rule: "AF-AUTH-1", Name: name, Apply: func(o *profile.Outgoing, _ profile.Credentials, _ time.Time) {
			key, _ := profile.HeaderValue(o.Header, Header)
			o.Header.Del(Header)
			o.Header.Set(to, prefix+key)
		}}
	}
	return []profile.Probe{
		{Name: "eventTime format", Rule: "AF-TIME-1", Documented: []profile.Break{
			eventTime("yyyy-MM-dd HH:mm:ss.SSS", FormatEventTime),
		}, Variants: []profile.Break{
			eventTime("without milliseconds (yyyy-MM-dd HH:mm:ss)", layout("2006-01-02 15:04:05")),
			eventTime("ISO 8601 with T and Z (2006-01-02T15:04:05.000Z)", layout("2006-01-02T15:04:05.000Z")),
			eventTime("RFC 3339 without fraction", layout(time.RFC3339)),
			eventTime("Unix milliseconds as a string", func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }),
		}},
		{Name: "dev key header", Rule: "AF-AUTH-1", Documented: []profile.Break{
			{Rule: "AF-AUTH-1", Name: "authentication: <dev key>"},
		}, Variants: []profile.Break{
			header("Authorization: <dev key>", "Authorization", ""),
			header("authentication: Bearer <dev key>", Header, "Bearer "),
			header("X-Dev-Key: <dev key>", "X-Dev-Key", ""),
		}},
	}
}
