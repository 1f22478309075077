package appsflyer_test

import (
	"net/http"
	"testing"

	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/appsflyer"
)

// FuzzVerify: any header value and path app id gives a principal or one 401,
// never both, never a panic; a principal's key is its app's key.
func FuzzVerify(f *testing.F) {
	for _, s := range [][2]string{
		{"android_key", "com.appsflyer.myapp"}, {"ios_key", "123456789"}, {"ios_key", "id123456789"},
		{"", ""}, {"x", "id"}, {"shaped_key", "555"}, {"\x00", "%2F"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, key, app string) {
		r := &profile.Request{Header: http.Header{"Authentication": {key}}, PathValues: map[string]string{"app_id": app}, Received: now}
		p, vs := appsflyer.DevKey{}.Verify(r, registry, now, profile.Lenient)
		if (p == nil) == (len(vs) == 0) {
			t.Fatalf("got principal %v and %v, want exactly one", p, vs)
		}
		if p == nil {
			if vs[0].Rule != "AF-AUTH-1" || vs[0].Status != http.StatusUnauthorized {
				t.Fatalf("got %v, want a 401 AF-AUTH-1", vs[0])
			}
			return
		}
		for _, a := range registry.Apps {
			if a.ID == p.Bucket && a.Secret != key {
				t.Fatalf("app %s accepted key %q", a.ID, key)
			}
		}
		if (p.Drop != nil) == (app == p.Bucket) {
			t.Fatalf("app %q as %s: drop=%v", app, p.Bucket, p.Drop != nil)
		}
	})
}

// FuzzEventTime: parsing never panics, and what parses renders back as given;
// an ISO reading always renders in the document's format.
func FuzzEventTime(f *testing.F) {
	for _, s := range []string{"2014-05-15 12:17:00.000", "2020-08-14T05:30:30.118Z", "2014-02-30 12:17:00.000",
		"9999-12-31 23:59:59.999", "0000-01-01T00:00:00-23:59", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if at, err := appsflyer.ParseEventTime(s); err == nil {
			if back := appsflyer.FormatEventTime(at); back != s {
				t.Fatalf("%q parsed to %v renders as %q", s, at, back)
			}
		}
		if at, ok := appsflyer.ParseISOEventTime(s); ok {
			if _, err := appsflyer.ParseEventTime(appsflyer.FormatEventTime(at)); err != nil {
				t.Fatalf("ISO %q rewrites to an invalid eventTime: %v", s, err)
			}
		}
	})
}

// FuzzEventValue: parsing never panics; it fails with ErrEventValue or yields
// an object (nil only for "").
func FuzzEventValue(f *testing.F) {
	for _, s := range []string{"", "{}", `{"af_revenue":"6"}`, `{"a":1,"a":2}`, "[", `"x"`, "{\n\t\"a\" :\"1\"\n}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := appsflyer.ParseEventValue(s)
		if err == nil && m == nil && s != "" {
			t.Fatalf("%q: no error and no object", s)
		}
	})
}

// FuzzBody: Normalize, Check and Describe take any decoded JSON without
// panicking.
func FuzzBody(f *testing.F) {
	f.Add([]byte(validBody))
	f.Add([]byte(`{"event_value":{},"af_events_api":true,"eventTime":"2020-08-14T05:30:30.118Z"}`))
	f.Add([]byte(`{"eventValue":"{\"a\":[1,{}]}","idfa":1}`))
	f.Add([]byte(`[]`))
	p := appsflyer.New()
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := strictjson.Decode(data)
		if err != nil {
			return
		}
		r := &profile.Request{PathValues: map[string]string{"app_id": "id123456789"}, Received: now}
		doc, _ = p.Normalize(doc, r, profile.Lenient)
		p.Check(doc, r, profile.Lenient)
		p.Describe(doc, r, profile.Principal{})
	})
}
