package profile

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Auth is an authentication scheme: the receiver side verifies, the sender side
// signs, and the conformance suite breaks.
type Auth interface {
	// Scheme names the scheme for people: "api-key", "basic", "dev-key", "jwt+hmac".
	Scheme() string
	// Verify authenticates r against c. It returns a principal whenever r carries a
	// valid credential, even when a later check (a signature) fails, because rate
	// limits count every request with a valid credential.
	Verify(r *Request, c Credentials, now time.Time, mode Mode) (*Principal, []Violation)
	// Sign makes o authentic with c: it sets headers and any missing path parameters.
	Sign(o *Outgoing, c Credentials, now time.Time) error
	// Breaks are ways to make a signed request inauthentic, each breaking one rule.
	Breaks() []Break
}

// SignsOnce is an ability an Auth may have: its Sign writes the same for the
// same request and credentials at any time and on any attempt (a fixed key,
// not a token with an expiry nor a signature over a time), so a sender may
// sign a request once and send it as signed on every attempt (the load
// engine does, off its dispatch path). False, or not implemented: sign each
// attempt afresh.
type SignsOnce interface {
	Auth
	SignsOnce() bool
}

// BodyBlind is an ability an Auth may have: its Verify never reads the
// request's body (a key in a header or the query), so a receiver that
// verified a request before reading its body need not verify it again.
// False, or not implemented: verify again once the body is read.
type BodyBlind interface {
	Auth
	BodyBlind() bool
}

// IsBodyBlind reports whether a says its Verify never reads the body.
func IsBodyBlind(a Auth) bool {
	b, ok := a.(BodyBlind)
	return ok && b.BodyBlind()
}

// Principal is who a request authenticated as.
type Principal struct {
	Bucket string // rate-limit bucket: API key, app id or token subject
	App    string // the app addressed; per-app counters key on it
	// Drop, when set, means the request is answered as accepted but its events are
	// not recorded (AppsFlyer's iOS app id without "id"); it names the rule.
	Drop *Violation
}

// Credentials are the secrets one side holds for a profile. Which fields matter
// depends on the profile's scheme.
type Credentials struct {
	APIKeys    []string `json:"api_keys,omitempty" yaml:"api_keys,omitempty"`
	Apps       []App    `json:"apps,omitempty" yaml:"apps,omitempty"`
	JWTSecret  string   `json:"jwt_secret,omitempty" yaml:"jwt_secret,omitempty"`
	HMACSecret string   `json:"hmac_secret,omitempty" yaml:"hmac_secret,omitempty"`
	Subject    string   `json:"subject,omitempty" yaml:"subject,omitempty"` // JWT sub a sender puts in its tokens
}

// App is a registered application: G123 appId/appSecret, AppsFlyer app id/dev key.
type App struct {
	ID       string `json:"id" yaml:"id"`
	Secret   string `json:"secret" yaml:"secret"`
	Platform string `json:"platform,omitempty" yaml:"platform,omitempty"` // ios or android
}

// Redacted returns c with every secret replaced, for reports and logs.
func (c Credentials) Redacted() Credentials {
	r := Credentials{Subject: c.Subject}
	for range c.APIKeys {
		r.APIKeys = append(r.APIKeys, Redact)
	}
	for _, a := range c.Apps {
		r.Apps = append(r.Apps, App{ID: a.ID, Secret: Redact, Platform: a.Platform})
	}
	if c.JWTSecret != "" {
		r.JWTSecret = Redact
	}
	if c.HMACSecret != "" {
		r.HMACSecret = Redact
	}
	return r
}

// Secrets lists every secret value in c, so evidence can be scrubbed of them.
func (c Credentials) Secrets() []string {
	s := slices.Clone(c.APIKeys)
	for _, a := range c.Apps {
		s = append(s, a.Secret)
	}
	return append(s, c.JWTSecret, c.HMACSecret)
}

// Redact is what replaces a secret in anything shown to people.
const Redact = "<redacted>"

// Break changes a signed request's credentials in one way, labelled with the
// rule it exercises. Most make it inauthentic (Expect Reject, the zero value);
// some are variants a receiver must accept (a signature spelled differently).
type Break struct {
	Rule   string
	Name   string
	Expect Expect
	Apply  func(o *Outgoing, c Credentials, now time.Time)
}

// ErrNoCredential is returned by Sign when c lacks what the scheme needs.
var ErrNoCredential = errors.New("no credential for this scheme")

// headerValue returns the header value, whatever the case of its name.
func headerValue(h http.Header, name string) (string, bool) {
	if v, ok := h[http.CanonicalHeaderKey(name)]; ok && len(v) > 0 {
		return v[0], true
	}
	for k, v := range h { // names not canonicalised by the caller
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0], true
		}
	}
	return "", false
}

// HeaderValue returns the named header whatever the case its sender used.
func HeaderValue(h http.Header, name string) (string, bool) { return headerValue(h, name) }

// SecretEqual compares secrets in constant time.
func SecretEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// APIKey is a scheme where a header carries one of a set of API keys. The header
// name is case-insensitive, as HTTP says.
type APIKey struct {
	Header      string // e.g. "X-API-Key"
	MissingRule string // rule broken by a request without the header
	UnknownRule string // rule broken by a key not in the set
}

// Scheme implements Auth.
func (a APIKey) Scheme() string { return "api-key" }

// Verify implements Auth.
func (a APIKey) Verify(r *Request, c Credentials, _ time.Time, _ Mode) (*Principal, []Violation) {
	key, ok := headerValue(r.Header, a.Header)
	if !ok || key == "" {
		return nil, []Violation{authViolation(a.MissingRule, a.Header, "header %s is required", a.Header)}
	}
	if p := keyPrincipal(c, key); p != nil {
		return p, nil
	}
	return nil, []Violation{authViolation(a.UnknownRule, a.Header, "unknown API key")}
}

// Sign implements Auth.
func (a APIKey) Sign(o *Outgoing, c Credentials, _ time.Time) error {
	if len(c.APIKeys) == 0 {
		return fmt.Errorf("api-key: %w", ErrNoCredential)
	}
	o.Header.Set(a.Header, c.APIKeys[0])
	return nil
}

// SignsOnce implements SignsOnce: a key is the same at any time.
func (a APIKey) SignsOnce() bool { return true }

// BodyBlind implements BodyBlind: the key is a header.
func (a APIKey) BodyBlind() bool { return true }

// Breaks implements Auth.
func (a APIKey) Breaks() []Break {
	return []Break{
		{Rule: a.MissingRule, Name: "no " + a.Header + " header", Apply: func(o *Outgoing, _ Credentials, _ time.Time) {
			o.Header.Del(a.Header)
		}},
		{Rule: a.UnknownRule, Name: "unknown API key", Apply: func(o *Outgoing, _ Credentials, _ time.Time) {
			o.Header.Set(a.Header, "s2s_unknown_key_0000")
		}},
	}
}

// QueryToken is a scheme where a query parameter carries one of a set of
// shared tokens (an affiliate postback's secure=…). A refusal answers with
// its rule's catalogued status.
type QueryToken struct {
	Param       string // e.g. "secure"
	MissingRule string // rule broken by a request without the parameter
	UnknownRule string // rule broken by a token not in the set
}

// Scheme implements Auth.
func (a QueryToken) Scheme() string { return "query-token" }

// Verify implements Auth.
func (a QueryToken) Verify(r *Request, c Credentials, _ time.Time, _ Mode) (*Principal, []Violation) {
	tok, ok := r.QueryValue(a.Param)
	if !ok || tok == "" {
		return nil, []Violation{{Rule: a.MissingRule, In: InQuery, Field: a.Param,
			Message: fmt.Sprintf("query parameter %s is required", a.Param)}}
	}
	if p := keyPrincipal(c, tok); p != nil {
		return p, nil
	}
	return nil, []Violation{{Rule: a.UnknownRule, In: InQuery, Field: a.Param, Message: "unknown token"}}
}

// Sign implements Auth.
func (a QueryToken) Sign(o *Outgoing, c Credentials, _ time.Time) error {
	if len(c.APIKeys) == 0 {
		return fmt.Errorf("query-token: %w", ErrNoCredential)
	}
	o.SetQuery(a.Param, c.APIKeys[0])
	return nil
}

// SignsOnce implements SignsOnce: a token is the same at any time.
func (a QueryToken) SignsOnce() bool { return true }

// BodyBlind implements BodyBlind: the token is in the query.
func (a QueryToken) BodyBlind() bool { return true }

// Breaks implements Auth.
func (a QueryToken) Breaks() []Break {
	return []Break{
		{Rule: a.MissingRule, Name: "no " + a.Param + " parameter", Apply: func(o *Outgoing, _ Credentials, _ time.Time) {
			o.Query.Del(a.Param)
		}},
		{Rule: a.UnknownRule, Name: "unknown token", Apply: func(o *Outgoing, _ Credentials, _ time.Time) {
			o.SetQuery(a.Param, "s2s_unknown_token_0000")
		}},
	}
}

// keyPrincipal is who presenting key authenticates as: the key itself, its
// own rate-limit bucket, when it is one of c's keys (compared in constant
// time); nil otherwise.
func keyPrincipal(c Credentials, key string) *Principal {
	for _, k := range c.APIKeys {
		if SecretEqual(k, key) {
			return &Principal{Bucket: k, App: k}
		}
	}
	return nil
}

// Basic is HTTP Basic authentication with app id and app secret.
type Basic struct {
	Rule string
}

// Scheme implements Auth.
func (b Basic) Scheme() string { return "basic" }

// Verify implements Auth.
func (b Basic) Verify(r *Request, c Credentials, _ time.Time, _ Mode) (*Principal, []Violation) {
	v, ok := headerValue(r.Header, "Authorization")
	if !ok {
		return nil, []Violation{authViolation(b.Rule, "Authorization", "header Authorization: Basic base64(appId:appSecret) is required")}
	}
	scheme, enc, _ := strings.Cut(v, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return nil, []Violation{authViolation(b.Rule, "Authorization", "scheme %q: want Basic", scheme)}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return nil, []Violation{authViolation(b.Rule, "Authorization", "credentials are not valid base64")}
	}
	id, secret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return nil, []Violation{authViolation(b.Rule, "Authorization", "credentials are not appId:appSecret")}
	}
	for _, a := range c.Apps {
		if a.ID == id && SecretEqual(a.Secret, secret) {
			return &Principal{Bucket: a.ID, App: a.ID}, nil
		}
	}
	return nil, []Violation{authViolation(b.Rule, "Authorization", "unknown appId or wrong appSecret")}
}

// Sign implements Auth.
func (b Basic) Sign(o *Outgoing, c Credentials, _ time.Time) error {
	if len(c.Apps) == 0 {
		return fmt.Errorf("basic: %w", ErrNoCredential)
	}
	a := c.Apps[0]
	o.Header.Set("Authorization", BasicValue(a.ID, a.Secret))
	return nil
}

// SignsOnce implements SignsOnce: the app's id and secret are the same at any time.
func (b Basic) SignsOnce() bool { return true }

// BodyBlind implements BodyBlind: the credentials are a header.
func (b Basic) BodyBlind() bool { return true }

// BasicValue returns the Authorization header value for id and secret.
func BasicValue(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// Breaks implements Auth.
func (b Basic) Breaks() []Break {
	return []Break{
		{Rule: b.Rule, Name: "no Authorization header", Apply: func(o *Outgoing, _ Credentials, _ time.Time) {
			o.Header.Del("Authorization")
		}},
		{Rule: b.Rule, Name: "wrong appSecret", Apply: func(o *Outgoing, c Credentials, _ time.Time) {
			id := "s2s_unknown_app"
			if len(c.Apps) > 0 {
				id = c.Apps[0].ID
			}
			o.Header.Set("Authorization", BasicValue(id, "s2s_wrong_secret"))
		}},
		{Rule: b.Rule, Name: "Bearer instead of Basic", Apply: func(o *Outgoing, _ Credentials, _ time.Time) {
			o.Header.Set("Authorization", "Bearer s2s_not_basic")
		}},
	}
}

// authViolation is a 401 violation; level and code are filled in by the
// validator from the catalogue (see Profile.Fill).
func authViolation(rule, header, format string, args ...any) Violation {
	return Violation{Rule: rule, In: InHeader, Field: header, Message: fmt.Sprintf(format, args...),
		Status: http.StatusUnauthorized}
}
