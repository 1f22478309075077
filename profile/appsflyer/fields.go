package appsflyer

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
)

// EventTimeLayout is eventTime's format, yyyy-MM-dd HH:mm:ss.SSS, in Go's notation.
const EventTimeLayout = "2006-01-02 15:04:05.000"

// The format assertions the request schema names (Profile.Formats).
const (
	EventTimeFormat  = "appsflyer-event-time"  // AF-TIME-1
	EventValueFormat = "appsflyer-event-value" // AF-BODY-2
)

// Errors of the field parsers.
var (
	ErrEventTime  = errors.New("eventTime is not yyyy-MM-dd HH:mm:ss.SSS")
	ErrEventValue = errors.New("eventValue is not \"\" or a stringified JSON object")
)

// Formats returns the format assertions of the request schema. As JSON Schema
// wants, a value that is not a string passes: "type" judges it.
func Formats() map[string]func(any) bool {
	return map[string]func(any) bool{
		EventTimeFormat: func(v any) bool {
			s, ok := v.(string)
			if !ok {
				return true
			}
			_, err := ParseEventTime(s)
			return err == nil
		},
		EventValueFormat: func(v any) bool {
			s, ok := v.(string)
			if !ok {
				return true
			}
			_, err := ParseEventValue(s)
			return err == nil
		},
	}
}

// ParseEventTime parses an eventTime in the document's format (UTC), exactly:
// four-digit year, two-digit fields, three-digit milliseconds.
func ParseEventTime(s string) (time.Time, error) {
	const shape = "0000-00-00 00:00:00.000"
	if len(s) != len(shape) {
		return time.Time{}, fmt.Errorf("%q: %w", s, ErrEventTime)
	}
	for i := 0; i < len(s); i++ {
		ok := s[i] == shape[i]
		if shape[i] == '0' {
			ok = s[i] >= '0' && s[i] <= '9'
		}
		if !ok {
			return time.Time{}, fmt.Errorf("%q: %w", s, ErrEventTime)
		}
	}
	t, err := time.Parse(EventTimeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: %w: %w", s, ErrEventTime, err)
	}
	return t, nil
}

// FormatEventTime renders t in UTC in the document's format (milliseconds
// truncated).
func FormatEventTime(t time.Time) string { return t.UTC().Format(EventTimeLayout) }

// ParseISOEventTime reads the ISO 8601 (RFC 3339) eventTime CDP-style senders
// use, e.g. 2020-08-14T05:30:30.118Z (AF-AMB-2). It reports false for anything
// else, and for instants the document's format cannot write.
func ParseISOEventTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	t = t.UTC().Truncate(time.Millisecond)
	if y := t.Year(); y < 0 || y > 9999 {
		return time.Time{}, false
	}
	return t, true
}

// ParseEventValue parses eventValue: "" (no value, nil) or a stringified JSON
// object. Inside it, as in the body, duplicate keys are malformed JSON.
func ParseEventValue(s string) (map[string]any, error) {
	if s == "" {
		return nil, nil
	}
	v, err := strictjson.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEventValue, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: it holds %s", ErrEventValue, profile.TypeOf(v))
	}
	return m, nil
}

// lenient is a reading lenient mode accepts and strict mode rejects.
func lenient(rule, field, format string, args ...any) profile.Violation {
	return profile.Violation{Rule: rule, In: profile.InBody, Field: field, Message: fmt.Sprintf(format, args...),
		Enforce: profile.StrictOnly}
}

// normalize rewrites the document's and real senders' variants into the shape
// the schema checks, reporting each as a StrictOnly violation: event_value
// (AF-AMB-1), boolean af_events_api (AF-BODY-3), and CDP-style traffic (AF-AMB-2):
// no af_events_api (AF-BODY-1) and an ISO 8601 eventTime (AF-TIME-1). It rewrites
// in both modes so strict mode rejects for that one rule, not for its echo in
// the schema.
func normalize(doc any, _ *profile.Request, _ profile.Mode) (any, []profile.Violation) {
	ev, ok := doc.(map[string]any)
	if !ok {
		return doc, nil
	}
	var vs []profile.Violation
	// The document may be shared (a request caches its decoding): write a copy.
	cloned := false
	write := func() {
		if !cloned {
			ev, cloned = maps.Clone(ev), true
		}
	}
	if alias, ok := ev["event_value"]; ok {
		if _, has := ev["eventValue"]; !has {
			write()
			delete(ev, "event_value")
			ev["eventValue"] = alias
			vs = append(vs, lenient("AF-AMB-1", "event_value",
				"the member is eventValue; event_value (the document's \"no event value\" example) is read as its alias"))
		}
	}
	switch v, ok := ev["af_events_api"]; {
	case !ok:
		write()
		ev["af_events_api"] = "true"
		vs = append(vs, lenient("AF-BODY-1", "af_events_api",
			"required field is missing (CDP-style senders omit it, AF-AMB-2); read as \"true\""))
	case v == true:
		write()
		ev["af_events_api"] = "true"
		vs = append(vs, lenient("AF-BODY-3", "af_events_api",
			"must be the string \"true\", got boolean true; read as \"true\""))
	}
	if s, ok := ev["eventTime"].(string); ok {
		if _, err := ParseEventTime(s); err != nil {
			if t, ok := ParseISOEventTime(s); ok {
				write()
				ev["eventTime"] = FormatEventTime(t)
				vs = append(vs, lenient("AF-TIME-1", "eventTime",
					"%q is ISO 8601, not yyyy-MM-dd HH:mm:ss.SSS (CDP-style senders, AF-AMB-2); read as %q", s, FormatEventTime(t)))
			}
		}
	}
	return ev, vs
}

// check reports the sender-side recommendations of AF-REC-1 (advisory): a
// device id, and string values inside eventValue.
func check(doc any, r *profile.Request, _ profile.Mode) []profile.Violation {
	ev, ok := doc.(map[string]any)
	if !ok {
		return nil
	}
	var vs []profile.Violation
	if !nonEmpty(ev["idfa"]) && !nonEmpty(ev["advertising_id"]) {
		field, want := "advertising_id", "advertising_id (Android) or idfa (iOS)"
		if app := r.PathValue("app_id"); iosID(app) || digits(app) {
			field, want = "idfa", "idfa (iOS)"
		}
		vs = append(vs, profile.Violation{Rule: "AF-REC-1", In: profile.InBody, Field: field,
			Message: fmt.Sprintf("no device id: %s is recommended, and required to map events to partners and audiences", want)})
	}
	if s, ok := ev["eventValue"].(string); ok {
		m, err := ParseEventValue(s)
		if err == nil {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if _, ok := m[k].(string); !ok {
					vs = append(vs, profile.Violation{Rule: "AF-REC-1", In: profile.InBody, Field: "eventValue",
						Message: fmt.Sprintf("%q inside eventValue is %s; values are strings (\"af_revenue\":\"6\")", k, profile.TypeOf(m[k]))})
				}
			}
		}
	}
	return vs
}

func nonEmpty(v any) bool {
	s, ok := v.(string)
	return ok && s != ""
}
