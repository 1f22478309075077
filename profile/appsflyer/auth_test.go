package appsflyer_test

import (
	"errors"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/appsflyer"
)

var now = time.Date(2025, 10, 21, 15, 12, 31, 0, time.UTC)

// registry has distinct keys, so "another app's key" is a wrong key.
var registry = profile.Credentials{Apps: []profile.App{
	{ID: "com.appsflyer.myapp", Secret: "android_key", Platform: appsflyer.PlatformAndroid},
	{ID: "id123456789", Secret: "ios_key", Platform: appsflyer.PlatformIOS},
	{ID: "id555", Secret: "shaped_key"}, // no platform: iOS by its id's shape
	{ID: "com.example.noprefix", Secret: "plain_key", Platform: appsflyer.PlatformAndroid},
}}

func request(header http.Header, app string) *profile.Request {
	r := &profile.Request{Header: header, Received: now}
	if app != "" {
		r.PathValues = map[string]string{"app_id": app}
	}
	return r
}

func TestDevKeyVerify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		giveHeader http.Header
		giveApp    string
		wantField  string // field of the AF-AUTH-1 violation; "" when accepted
		wantBucket string
		wantDrop   bool
	}{
		{name: "android app", giveHeader: http.Header{"Authentication": {"android_key"}},
			giveApp: "com.appsflyer.myapp", wantBucket: "com.appsflyer.myapp"},
		{name: "ios app", giveHeader: http.Header{"Authentication": {"ios_key"}},
			giveApp: "id123456789", wantBucket: "id123456789"},
		{name: "header name in lower case", giveHeader: http.Header{"authentication": {"ios_key"}},
			giveApp: "id123456789", wantBucket: "id123456789"},
		{name: "header name in upper case", giveHeader: http.Header{"AUTHENTICATION": {"ios_key"}},
			giveApp: "id123456789", wantBucket: "id123456789"},
		{name: "ios app without the id prefix is dropped", giveHeader: http.Header{"Authentication": {"ios_key"}},
			giveApp: "123456789", wantBucket: "id123456789", wantDrop: true},
		{name: "platform-less app shaped like iOS without the prefix is dropped", giveHeader: http.Header{"Authentication": {"shaped_key"}},
			giveApp: "555", wantBucket: "id555", wantDrop: true},
		{name: "no header", giveHeader: http.Header{}, giveApp: "com.appsflyer.myapp", wantField: appsflyer.Header},
		{name: "empty header", giveHeader: http.Header{"Authentication": {""}}, giveApp: "com.appsflyer.myapp", wantField: appsflyer.Header},
		{name: "key in Authorization", giveHeader: http.Header{"Authorization": {"android_key"}}, giveApp: "com.appsflyer.myapp", wantField: appsflyer.Header},
		{name: "wrong key", giveHeader: http.Header{"Authentication": {"nope"}}, giveApp: "com.appsflyer.myapp", wantField: appsflyer.Header},
		{name: "another app's key", giveHeader: http.Header{"Authentication": {"ios_key"}}, giveApp: "com.appsflyer.myapp", wantField: appsflyer.Header},
		{name: "key with a trailing space", giveHeader: http.Header{"Authentication": {"android_key "}}, giveApp: "com.appsflyer.myapp", wantField: appsflyer.Header},
		{name: "unknown app", giveHeader: http.Header{"Authentication": {"android_key"}}, giveApp: "com.unknown", wantField: "app_id"},
		{name: "no app in the path", giveHeader: http.Header{"Authentication": {"android_key"}}, wantField: "app_id"},
		{name: "android app without prefix is not an iOS app", giveHeader: http.Header{"Authentication": {"plain_key"}},
			giveApp: "noprefix", wantField: "app_id"},
		{name: "id prefix in another case", giveHeader: http.Header{"Authentication": {"ios_key"}}, giveApp: "ID123456789", wantField: "app_id"},
		{name: "no-prefix iOS form with a wrong key", giveHeader: http.Header{"Authentication": {"android_key"}},
			giveApp: "123456789", wantField: appsflyer.Header},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, vs := appsflyer.DevKey{}.Verify(request(tt.giveHeader, tt.giveApp), registry, now, profile.Strict)
			if tt.wantField != "" {
				if p != nil || len(vs) != 1 {
					t.Fatalf("got principal %+v and %v, want one AF-AUTH-1 violation", p, vs)
				}
				if vs[0].Rule != "AF-AUTH-1" || vs[0].Status != http.StatusUnauthorized || vs[0].Field != tt.wantField {
					t.Errorf("got %s status %d field %q, want AF-AUTH-1 status 401 field %q", vs[0].Rule, vs[0].Status, vs[0].Field, tt.wantField)
				}
				return
			}
			if p == nil || len(vs) != 0 {
				t.Fatalf("got principal %v and %v, want accepted", p, vs)
			}
			if p.Bucket != tt.wantBucket || p.App != tt.wantBucket {
				t.Errorf("got bucket %q app %q, want %q", p.Bucket, p.App, tt.wantBucket)
			}
			if (p.Drop != nil) != tt.wantDrop {
				t.Fatalf("got drop %v, want drop=%v", p.Drop, tt.wantDrop)
			}
			if p.Drop != nil {
				d := p.Drop
				if d.Rule != "AF-APP-1" || d.Level != profile.Must || d.Enforce != profile.Advisory || d.In != profile.InPath || d.Field != "app_id" {
					t.Errorf("got drop %+v (enforce %v), want AF-APP-1 MUST advisory on path app_id", d, d.Enforce)
				}
			}
		})
	}
}

// outgoing signs a payload for app ("" for none) with c.
func outgoing(t *testing.T, c profile.Credentials, app string) *profile.Outgoing {
	t.Helper()
	o := &profile.Outgoing{Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{}`)}
	if app != "" {
		o.PathValues = map[string]string{"app_id": app}
	}
	if err := (appsflyer.DevKey{}).Sign(o, c, now); err != nil {
		t.Fatalf("sign for %q: %v", app, err)
	}
	return o
}

func received(o *profile.Outgoing) *profile.Request {
	return &profile.Request{Header: o.Header.Clone(), PathValues: maps.Clone(o.PathValues), Body: o.Body, Received: now}
}

func TestDevKeySignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		giveCreds  profile.Credentials
		giveApp    string
		wantApp    string // path app id after signing
		wantKey    string
		wantBucket string
		wantDrop   bool
	}{
		{name: "first app when the path names none", giveCreds: registry, wantApp: "com.appsflyer.myapp", wantKey: "android_key", wantBucket: "com.appsflyer.myapp"},
		{name: "the path's android app", giveCreds: registry, giveApp: "com.appsflyer.myapp", wantApp: "com.appsflyer.myapp", wantKey: "android_key", wantBucket: "com.appsflyer.myapp"},
		{name: "the path's iOS app", giveCreds: registry, giveApp: "id123456789", wantApp: "id123456789", wantKey: "ios_key", wantBucket: "id123456789"},
		{name: "no-prefix iOS form signs with its app's key", giveCreds: registry, giveApp: "123456789", wantApp: "123456789", wantKey: "ios_key", wantBucket: "id123456789", wantDrop: true},
		{name: "defaults", giveCreds: appsflyer.New().Defaults, giveApp: "id123456789", wantApp: "id123456789", wantKey: "af_test_dev_key", wantBucket: "id123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := outgoing(t, tt.giveCreds, tt.giveApp)
			if got := o.PathValues["app_id"]; got != tt.wantApp {
				t.Errorf("got path app %q, want %q", got, tt.wantApp)
			}
			if got := o.Header.Get(appsflyer.Header); got != tt.wantKey {
				t.Errorf("got header %q, want %q", got, tt.wantKey)
			}
			p, vs := appsflyer.DevKey{}.Verify(received(o), tt.giveCreds, now, profile.Lenient)
			if p == nil || len(vs) > 0 {
				t.Fatalf("signed request not verified: %v", vs)
			}
			if p.Bucket != tt.wantBucket || (p.Drop != nil) != tt.wantDrop {
				t.Errorf("got bucket %q drop %v, want %q drop=%v", p.Bucket, p.Drop, tt.wantBucket, tt.wantDrop)
			}
		})
	}
}

func TestDevKeySignReplacesAnyHeaderSpelling(t *testing.T) {
	t.Parallel()
	o := &profile.Outgoing{Header: http.Header{"authentication": {"stale"}}}
	if err := (appsflyer.DevKey{}).Sign(o, registry, now); err != nil {
		t.Fatal(err)
	}
	if got := len(o.Header); got != 1 {
		t.Errorf("got %d header names %v, want only Authentication", got, o.Header)
	}
	if got := o.Header.Get("Authentication"); got != "android_key" {
		t.Errorf("got key %q, want android_key", got)
	}
}

func TestDevKeySignErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		giveCreds profile.Credentials
		giveApp   string
	}{
		{name: "no apps", giveCreds: profile.Credentials{APIKeys: []string{"k"}}},
		{name: "unknown app", giveCreds: registry, giveApp: "com.unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &profile.Outgoing{Header: http.Header{}, PathValues: map[string]string{}}
			if tt.giveApp != "" {
				o.PathValues["app_id"] = tt.giveApp
			}
			err := appsflyer.DevKey{}.Sign(o, tt.giveCreds, now)
			if !errors.Is(err, profile.ErrNoCredential) {
				t.Errorf("got %v, want ErrNoCredential", err)
			}
		})
	}
}

// TestDevKeyBreaks applies every break to a request signed for every app of
// the defaults and of a registry with distinct keys: each must be rejected with
// a 401 for its rule, or accepted when the break says so.
func TestDevKeyBreaks(t *testing.T) {
	t.Parallel()
	breaks := appsflyer.DevKey{}.Breaks()
	if len(breaks) < 4 {
		t.Fatalf("got %d breaks, want at least missing header, empty header, wrong key, unknown app", len(breaks))
	}
	for _, creds := range []profile.Credentials{appsflyer.New().Defaults, registry} {
		for _, app := range creds.Apps {
			for _, b := range breaks {
				t.Run(app.ID+"/"+b.Name, func(t *testing.T) {
					if _, ok := appsflyer.New().Rule(b.Rule); !ok {
						t.Fatalf("break rule %s is not in the catalogue", b.Rule)
					}
					o := outgoing(t, creds, app.ID)
					b.Apply(o, creds, now)
					p, vs := appsflyer.DevKey{}.Verify(received(o), creds, now, profile.Strict)
					switch b.Expect {
					case profile.Reject:
						if p != nil || len(vs) != 1 || vs[0].Rule != b.Rule || vs[0].Status != http.StatusUnauthorized {
							t.Errorf("got principal %v and %v, want a 401 for %s", p, vs, b.Rule)
						}
					case profile.Accept:
						if p == nil || len(vs) != 0 || p.Bucket != app.ID {
							t.Errorf("got principal %v and %v, want accepted as %s", p, vs, app.ID)
						}
					default:
						t.Errorf("unexpected expectation %v", b.Expect)
					}
				})
			}
		}
	}
}

func TestDevKeyBreaksOnBareOutgoing(t *testing.T) {
	t.Parallel()
	// A break must not panic on an outgoing request that has no headers or path yet.
	for _, b := range (appsflyer.DevKey{}).Breaks() {
		t.Run(b.Name, func(t *testing.T) {
			b.Apply(&profile.Outgoing{}, registry, now)
		})
	}
}
