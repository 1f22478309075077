package appsflyer

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Header carries the dev key. The document writes it in lower case; HTTP header
// names are case-insensitive and real clients send "Authentication".
const Header = "authentication"

// The platforms of a registered app.
const (
	PlatformIOS     = "ios"
	PlatformAndroid = "android"
)

// DevKey is AppsFlyer's scheme: the authentication header carries the dev key of
// the app the path addresses ({app_id}, already percent-decoded: AF-URI-1).
// Credentials.Apps is the app registry (ID, Secret = dev key, Platform).
type DevKey struct{}

// Scheme implements profile.Auth.
func (DevKey) Scheme() string { return "dev-key" }

// BodyBlind implements profile.BodyBlind: the key is a header, the app the path.
func (DevKey) BodyBlind() bool { return true }

// Verify implements profile.Auth. An unknown app is a 401 (no dev key can
// match). An iOS app addressed without its "id" prefix is authenticated with
// that app's key and validated as usual, but the principal carries an AF-APP-1
// drop: the answer is 200 and nothing is recorded.
func (DevKey) Verify(r *profile.Request, c profile.Credentials, _ time.Time, _ profile.Mode) (*profile.Principal, []profile.Violation) {
	key, ok := profile.HeaderValue(r.Header, Header)
	if !ok || key == "" {
		return nil, []profile.Violation{unauthorized(profile.InHeader, Header,
			"header authentication: <dev key> is required")}
	}
	id := r.PathValue("app_id")
	app, noPrefix, ok := lookup(c.Apps, id)
	if !ok {
		return nil, []profile.Violation{unauthorized(profile.InPath, "app_id",
			"app %q is not registered: no dev key can match", id)}
	}
	if !profile.SecretEqual(app.Secret, key) {
		return nil, []profile.Violation{unauthorized(profile.InHeader, Header,
			"the dev key is not the dev key of app %q", app.ID)}
	}
	p := &profile.Principal{Bucket: app.ID, App: app.ID}
	if noPrefix {
		v := catalogued(profile.Violation{Rule: "AF-APP-1", In: profile.InPath, Field: "app_id",
			Message: fmt.Sprintf("iOS app id %q lacks the leading \"id\" (registered as %q): answered 200 OK but the event is not recorded", id, app.ID)})
		p.Drop = &v
	}
	return p, nil
}

// Sign implements profile.Auth: the dev key of the app in o's path, or of the
// first registered app (whose id then fills the path).
func (DevKey) Sign(o *profile.Outgoing, c profile.Credentials, _ time.Time) error {
	if len(c.Apps) == 0 {
		return fmt.Errorf("dev-key: %w", profile.ErrNoCredential)
	}
	app := c.Apps[0]
	if id := o.PathValues["app_id"]; id != "" {
		a, _, ok := lookup(c.Apps, id)
		if !ok {
			return fmt.Errorf("dev-key: app %q is not registered: %w", id, profile.ErrNoCredential)
		}
		app = a
	} else {
		setPath(o, app.ID)
	}
	headerOf(o).Set(Header, app.Secret)
	return nil
}

// Breaks implements profile.Auth.
func (DevKey) Breaks() []profile.Break {
	return []profile.Break{
		{Rule: "AF-AUTH-1", Name: "no authentication header", Apply: func(o *profile.Outgoing, _ profile.Credentials, _ time.Time) {
			delHeader(o.Header)
		}},
		{Rule: "AF-AUTH-1", Name: "empty authentication header", Apply: func(o *profile.Outgoing, _ profile.Credentials, _ time.Time) {
			headerOf(o).Set(Header, "")
		}},
		{Rule: "AF-AUTH-1", Name: "wrong dev key", Apply: func(o *profile.Outgoing, _ profile.Credentials, _ time.Time) {
			headerOf(o).Set(Header, "af_wrong_dev_key_0000")
		}},
		{Rule: "AF-AUTH-1", Name: "unknown app id", Apply: func(o *profile.Outgoing, _ profile.Credentials, _ time.Time) {
			setPath(o, "com.s2s.unregistered.app")
		}},
		{Rule: "AF-AUTH-1", Name: "dev key in Authorization instead of authentication", Apply: func(o *profile.Outgoing, _ profile.Credentials, _ time.Time) {
			key, _ := profile.HeaderValue(o.Header, Header)
			headerOf(o).Set("Authorization", key)
		}},
		{Rule: "AF-AUTH-1", Name: "header name in lower case, as the document writes it", Expect: profile.Accept,
			Apply: func(o *profile.Outgoing, _ profile.Credentials, _ time.Time) {
				key, _ := profile.HeaderValue(o.Header, Header)
				headerOf(o)[Header] = []string{key} // not canonicalised: sent as written
			}},
	}
}

// lookup finds the app a path id addresses: the registered app of that id, or
// the iOS app whose id is "id"+id (noPrefix, AF-APP-1).
func lookup(apps []profile.App, id string) (app profile.App, noPrefix, ok bool) {
	if id == "" {
		return profile.App{}, false, false
	}
	for _, a := range apps {
		if a.ID == id {
			return a, false, true
		}
	}
	for _, a := range apps {
		if isIOS(a) && a.ID == "id"+id {
			return a, true, true
		}
	}
	return profile.App{}, false, false
}

// isIOS reports whether a is an iOS app: by its platform, or, when none is
// given, by the id's shape ("id" and digits).
func isIOS(a profile.App) bool {
	if a.Platform != "" {
		return strings.EqualFold(a.Platform, PlatformIOS)
	}
	return iosID(a.ID)
}

// iosID reports whether id looks like an iOS app id: "id" and digits.
func iosID(id string) bool {
	return strings.HasPrefix(id, "id") && digits(id[2:])
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func setPath(o *profile.Outgoing, id string) {
	if o.PathValues == nil {
		o.PathValues = map[string]string{}
	}
	o.PathValues["app_id"] = id
}

// headerOf returns o's headers without the dev-key header, whatever the case
// of its name.
func headerOf(o *profile.Outgoing) http.Header {
	if o.Header == nil {
		o.Header = http.Header{}
	}
	delHeader(o.Header)
	return o.Header
}

// delHeader removes the dev-key header whatever the case of its name.
func delHeader(h http.Header) {
	for k := range h {
		if strings.EqualFold(k, Header) {
			delete(h, k)
		}
	}
}

func unauthorized(in, field, format string, args ...any) profile.Violation {
	return profile.Violation{Rule: "AF-AUTH-1", In: in, Field: field, Message: fmt.Sprintf(format, args...),
		Status: http.StatusUnauthorized}
}
