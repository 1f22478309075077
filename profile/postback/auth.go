package postback

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gowebpki/jcs"

	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
)

// Token and signature parameters of PB-AUTH-1 and PB-SIG-1 (SPECS.md, "Postback
// tokens").
const (
	// MaxLifetime bounds exp − iat, and how far ahead of now exp may lie.
	MaxLifetime = 15 * time.Minute
	// ClockSkew is the tolerance on every time comparison of a token.
	ClockSkew = 30 * time.Second
	// SignLifetime is the lifetime of the tokens Sign issues.
	SignLifetime = 5 * time.Minute
	// SharedBucket is the rate-limit bucket of every token without a sub claim.
	SharedBucket = "(no sub)"

	// SignatureHeader carries "sha256=<hex>"; SignatureMember is the body
	// member examples use instead (PB-SIG-3).
	SignatureHeader = "X-Signature"
	SignatureMember = "signature"
	signaturePrefix = "sha256="

	// maxToken bounds the work an Authorization header can cause.
	maxToken = 8 << 10
)

// Auth is the postback's authentication: a short-lived HS256 JWT in
// "Authorization: Bearer" (PB-AUTH-1) and an HMAC-SHA256 signature over the RFC
// 8785 canonical form of the body (PB-SIG-1/2/3). It uses Credentials.JWTSecret,
// HMACSecret and, to sign, Subject.
type Auth struct{}

// Scheme implements profile.Auth.
func (Auth) Scheme() string { return "jwt+hmac" }

// Verify implements profile.Auth. A valid token yields the principal even when
// the signature then fails (403), because rate limits count the request. The
// mode is not consulted: a signature without its sha256= prefix is reported as
// strict-only, and the caller's mode decides.
func (Auth) Verify(r *profile.Request, c profile.Credentials, now time.Time, mode profile.Mode) (*profile.Principal, []profile.Violation) {
	v, _ := profile.HeaderValue(r.Header, "Authorization")
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, []profile.Violation{authViolation("header Authorization: Bearer <JWT> is required")}
	}
	scheme, token, _ := strings.Cut(v, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return nil, []profile.Violation{authViolation("scheme %s: want Bearer <JWT>", clip(scheme))}
	}
	claims, err := ParseToken(strings.TrimSpace(token), c.JWTSecret, now)
	if err != nil {
		return nil, []profile.Violation{authViolation("%v", err)}
	}
	p := &profile.Principal{Bucket: SharedBucket, App: claims.Sub}
	if claims.Sub != "" {
		p.Bucket = claims.Sub
	}
	return p, verifySignature(r, c.HMACSecret)
}

// Sign implements profile.Auth: a token {sub, iat: now, exp: now+5 min} and
// X-Signature over the canonical payload of the body. A body without one is
// signed over its bytes: a receiver answers a non-JSON body 400 for the body
// itself, and a JSON body without canonical form 403.
func (Auth) Sign(o *profile.Outgoing, c profile.Credentials, now time.Time) error {
	if c.JWTSecret == "" || c.HMACSecret == "" {
		return fmt.Errorf("jwt+hmac: %w", profile.ErrNoCredential)
	}
	if o.Header == nil {
		o.Header = http.Header{}
	}
	claims := map[string]any{"iat": now.Unix(), "exp": now.Add(SignLifetime).Unix()}
	if c.Subject != "" {
		claims["sub"] = c.Subject
	}
	o.Header.Set("Authorization", "Bearer "+NewToken("HS256", c.JWTSecret, claims))
	sig, err := Signature(c.HMACSecret, o.Body)
	if err != nil {
		sig = signaturePrefix + hexMAC(c.HMACSecret, o.Body)
	}
	o.Header.Set(SignatureHeader, sig)
	return nil
}

// Breaks implements profile.Auth.
func (Auth) Breaks() []profile.Break {
	// token re-issues the token with claims whose durations are relative to
	// now; secret "" means the sender's own.
	token := func(alg, secret string, claims map[string]any) func(*profile.Outgoing, profile.Credentials, time.Time) {
		return func(o *profile.Outgoing, c profile.Credentials, now time.Time) {
			cl := maps.Clone(claims)
			for k, v := range cl {
				if d, ok := v.(time.Duration); ok {
					cl[k] = now.Add(d).Unix()
				}
			}
			if c.Subject != "" {
				cl["sub"] = c.Subject
			}
			key := secret
			if key == "" {
				key = c.JWTSecret
			}
			o.Header.Set("Authorization", "Bearer "+NewToken(alg, key, cl))
		}
	}
	valid := map[string]any{"iat": time.Duration(0), "exp": SignLifetime}
	return []profile.Break{
		{Rule: "PB-AUTH-1", Name: "no Authorization header", Apply: func(o *profile.Outgoing, _ profile.Credentials, _ time.Time) {
			o.Header.Del("Authorization")
		}},
		{Rule: "PB-AUTH-1", Name: "Basic instead of Bearer", Apply: func(o *profile.Outgoing, c profile.Credentials, _ time.Time) {
			o.Header.Set("Authorization", profile.BasicValue(c.Subject, "s2s_not_a_token"))
		}},
		{Rule: "PB-AUTH-1", Name: "malformed token", Apply: func(o *profile.Outgoing, _ profile.Credentials, _ time.Time) {
			o.Header.Set("Authorization", "Bearer s2s-not-a-jwt")
		}},
		{Rule: "PB-AUTH-1", Name: "expired token", Apply: token("HS256", "",
			map[string]any{"iat": -20 * time.Minute, "exp": -5 * time.Minute})},
		{Rule: "PB-AUTH-1", Name: "token without exp", Apply: token("HS256", "", map[string]any{"iat": time.Duration(0)})},
		{Rule: "PB-AUTH-1", Name: "token lifetime of 30 min", Apply: token("HS256", "",
			map[string]any{"iat": time.Duration(0), "exp": 30 * time.Minute})},
		{Rule: "PB-AUTH-1", Name: "token signed with another key", Apply: token("HS256", "s2s_wrong_jwt_secret", valid)},
		{Rule: "PB-AUTH-1", Name: "unsigned token (alg none)", Apply: token("none", "", valid)},
		{Rule: "PB-AUTH-1", Name: "HS512 token", Apply: token("HS512", "", valid)},
		{Rule: "PB-SIG-1", Name: "no signature", Apply: func(o *profile.Outgoing, _ profile.Credentials, _ time.Time) {
			o.Header.Del(SignatureHeader)
		}},
		{Rule: "PB-SIG-1", Name: "signature made with another secret", Apply: func(o *profile.Outgoing, _ profile.Credentials, _ time.Time) {
			sig, err := Signature("s2s_wrong_hmac_secret", o.Body)
			if err != nil {
				sig = signaturePrefix + hexMAC("s2s_wrong_hmac_secret", o.Body)
			}
			o.Header.Set(SignatureHeader, sig)
		}},
		{Rule: "PB-SIG-1", Name: "HMAC over the raw, non-canonical bytes", Apply: func(o *profile.Outgoing, c profile.Credentials, _ time.Time) {
			o.Body = Reordered(o.Body)
			if canon, err := CanonicalPayload(o.Body); err == nil && bytes.Equal(canon, o.Body) {
				o.Body = append(o.Body, '\n')
			}
			o.Header.Set(SignatureHeader, signaturePrefix+hexMAC(c.HMACSecret, o.Body))
		}},
		{Rule: "PB-SIG-1", Name: "upper-case hex", Expect: profile.Accept, Apply: func(o *profile.Outgoing, _ profile.Credentials, _ time.Time) {
			sig := o.Header.Get(SignatureHeader)
			o.Header.Set(SignatureHeader, signaturePrefix+strings.ToUpper(strings.TrimPrefix(sig, signaturePrefix)))
		}},
		{Rule: "PB-SIG-1", Name: "no sha256= prefix", Expect: profile.RejectStrict, Apply: func(o *profile.Outgoing, _ profile.Credentials, _ time.Time) {
			o.Header.Set(SignatureHeader, strings.TrimPrefix(o.Header.Get(SignatureHeader), signaturePrefix))
		}},
		{Rule: "PB-SIG-3", Name: "signature only in the body member", Expect: profile.Accept, Apply: func(o *profile.Outgoing, _ profile.Credentials, _ time.Time) {
			sig := o.Header.Get(SignatureHeader)
			o.Header.Del(SignatureHeader)
			if m, ok := object(o.Body); ok {
				m[SignatureMember] = sig
				if b, err := json.Marshal(m); err == nil {
					o.Body = b
				}
			}
		}},
		{Rule: "PB-SIG-2", Name: "body keys reordered after signing", Expect: profile.Accept, Apply: func(o *profile.Outgoing, _ profile.Credentials, _ time.Time) {
			o.Body = Reordered(o.Body)
		}},
	}
}

// Claims are what PB-AUTH-1 reads of a verified token.
type Claims struct {
	Sub string    // "" when absent
	Exp time.Time // required
	Iat time.Time // zero when absent
}

// NewToken returns a compact JWS with header {"alg":alg,"typ":"JWT"} and the
// given claims, MACed with secret: HS256 and HS512 are computed, "none" (and
// any other alg) gets an empty signature. Breaks and tests forge tokens with it.
func NewToken(alg, secret string, claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	c, _ := json.Marshal(claims) // claims are numbers and strings: cannot fail
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	var sum []byte
	switch alg {
	case "HS256":
		sum = mac(sha256.New, secret, []byte(input))
	case "HS512":
		sum = mac(sha512.New, secret, []byte(input))
	}
	return input + "." + b64.EncodeToString(sum)
}

var b64 = base64.RawURLEncoding.Strict()

// ErrToken is the cause of every token rejection.
var ErrToken = errors.New("invalid token")

func tokenError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrToken}, args...)...)
}

// ParseToken verifies a compact HS256 JWT against secret at now and returns its
// claims. The algorithm is checked before the MAC and the MAC before any claim
// is read, so nothing unauthenticated is trusted.
func ParseToken(token, secret string, now time.Time) (Claims, error) {
	if secret == "" {
		return Claims{}, tokenError("the receiver has no JWT secret configured")
	}
	if len(token) > maxToken {
		return Claims{}, tokenError("token is %d bytes; at most %d are accepted", len(token), maxToken)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return Claims{}, tokenError("not a JWT: want header.payload.signature in base64url")
	}
	header, err := segment(parts[0], "header")
	if err != nil {
		return Claims{}, err
	}
	alg, isString := header["alg"].(string)
	switch {
	case !isString:
		return Claims{}, tokenError("header has no alg string: want HS256")
	case alg == "none":
		return Claims{}, tokenError("unsigned token (alg none) is not accepted: want HS256")
	case alg != "HS256":
		return Claims{}, tokenError("algorithm %s is not accepted: want HS256", clip(alg))
	}
	if _, ok := header["crit"]; ok {
		return Claims{}, tokenError("critical header extensions are not supported")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return Claims{}, tokenError("signature is not base64url")
	}
	if !hmac.Equal(sig, mac(sha256.New, secret, []byte(parts[0]+"."+parts[1]))) {
		return Claims{}, tokenError("signature does not verify with the shared secret")
	}
	payload, err := segment(parts[1], "claims")
	if err != nil {
		return Claims{}, err
	}
	var c Claims
	if v, ok := payload["sub"]; ok {
		s, isString := v.(string)
		if !isString {
			return Claims{}, tokenError("sub must be a string")
		}
		c.Sub = s
	}
	exp, ok, err := numericDate(payload, "exp")
	if err != nil {
		return Claims{}, err
	}
	if !ok {
		return Claims{}, tokenError("exp is required")
	}
	c.Exp = exp
	iat, hasIat, err := numericDate(payload, "iat")
	if err != nil {
		return Claims{}, err
	}
	c.Iat = iat
	nbf, hasNbf, err := numericDate(payload, "nbf")
	if err != nil {
		return Claims{}, err
	}
	switch {
	case !now.Before(exp.Add(ClockSkew)):
		return Claims{}, tokenError("token expired at %s", exp.UTC().Format(time.RFC3339))
	case hasIat && exp.Before(iat):
		return Claims{}, tokenError("exp is before iat")
	case hasIat && exp.Sub(iat) > MaxLifetime:
		return Claims{}, tokenError("lifetime exp − iat is %s; at most %s", exp.Sub(iat), MaxLifetime)
	case hasIat && iat.After(now.Add(ClockSkew)):
		return Claims{}, tokenError("issued in the future (iat %s)", iat.UTC().Format(time.RFC3339))
	case exp.After(now.Add(MaxLifetime + ClockSkew)):
		// Without iat the lifetime is unknown; what remains of it is still bounded.
		return Claims{}, tokenError("expires in %s; tokens live at most %s", exp.Sub(now).Round(time.Second), MaxLifetime)
	case hasNbf && nbf.After(now.Add(ClockSkew)):
		return Claims{}, tokenError("not valid before %s", nbf.UTC().Format(time.RFC3339))
	}
	return c, nil
}

// segment decodes one base64url JSON object of a token.
func segment(s, what string) (map[string]any, error) {
	raw, err := b64.DecodeString(s)
	if err != nil {
		return nil, tokenError("%s is not base64url", what)
	}
	doc, err := strictjson.Decode(raw)
	if err != nil {
		return nil, tokenError("%s is not JSON: %v", what, err)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, tokenError("%s is not a JSON object", what)
	}
	return m, nil
}

// numericDate reads an optional NumericDate claim (seconds, fractions allowed).
func numericDate(claims map[string]any, name string) (time.Time, bool, error) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	n, isNumber := v.(json.Number)
	if !isNumber {
		return time.Time{}, true, tokenError("%s must be a number of seconds", name)
	}
	f, err := n.Float64()
	// ±1e11 s is beyond year 5000: anything larger is not a date, and would
	// overflow time arithmetic.
	if err != nil || math.IsNaN(f) || math.Abs(f) > 1e11 {
		return time.Time{}, true, tokenError("%s is not a valid NumericDate", name)
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9)).UTC(), true, nil
}

// CanonicalPayload returns what PB-SIG-1 signs: the body without its top-level
// signature member, canonicalized by RFC 8785 (PB-SIG-2). The body must be one
// JSON value (ErrNotJSON otherwise) that has a canonical form (numbers within
// IEEE 754 doubles, no lone surrogates: ErrNoCanonicalForm otherwise).
func CanonicalPayload(body []byte) ([]byte, error) {
	doc, err := strictjson.Decode(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotJSON, err)
	}
	return canonical(body, doc)
}

// Errors of CanonicalPayload.
var (
	ErrNotJSON         = errors.New("body is not one JSON value")
	ErrNoCanonicalForm = errors.New("body has no RFC 8785 canonical form")
)

func canonical(body []byte, doc any) ([]byte, error) {
	if hasSurrogateEscape(body) {
		return canonicalBytes(body, doc)
	}
	if m, ok := doc.(map[string]any); ok {
		if sig, has := m[SignatureMember]; has {
			// The member leaves the payload but must still have a canonical form,
			// as it must for the byte-level path.
			if _, err := appendCanonical(nil, sig); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrNoCanonicalForm, err)
			}
			m = maps.Clone(m)
			delete(m, SignatureMember)
			doc = m
		}
	}
	canon, err := appendCanonical(make([]byte, 0, len(body)), doc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoCanonicalForm, err)
	}
	return canon, nil
}

// canonicalBytes canonicalizes with jcs.Transform from the bytes as sent, for
// bodies the decoded document cannot represent faithfully (surrogate escapes).
func canonicalBytes(body []byte, doc any) ([]byte, error) {
	// Transform the bytes as sent first: JCS refuses what it cannot represent
	// before the signature member is taken out.
	canon, err := jcs.Transform(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoCanonicalForm, err)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return canon, nil
	}
	if _, ok := m[SignatureMember]; !ok {
		return canon, nil
	}
	rest := maps.Clone(m)
	delete(rest, SignatureMember)
	b, err := json.Marshal(rest)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoCanonicalForm, err)
	}
	if canon, err = jcs.Transform(b); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoCanonicalForm, err)
	}
	return canon, nil
}

// Signature returns the X-Signature value for body: "sha256=" and the lower-case
// hex HMAC-SHA256 of its canonical payload.
func Signature(secret string, body []byte) (string, error) {
	canon, err := CanonicalPayload(body)
	if err != nil {
		return "", err
	}
	return signaturePrefix + hexMAC(secret, canon), nil
}

// verifySignature checks PB-SIG-1/2/3 for a request whose token verified.
func verifySignature(r *profile.Request, secret string) []profile.Violation {
	doc, err := r.Decode(strictjson.Decode)
	if err != nil {
		// Not JSON: there is no canonical payload to sign, and the body check
		// answers 400 for the body itself, the actual fault.
		return nil
	}
	in, field := profile.InHeader, SignatureHeader
	got, ok := profile.HeaderValue(r.Header, SignatureHeader)
	if got = strings.TrimSpace(got); !ok || got == "" {
		// PB-SIG-3: without the header, the body member is used.
		m, _ := doc.(map[string]any)
		v, present := m[SignatureMember]
		if !present {
			return []profile.Violation{sigViolation(in, field, "signature is missing: send %s: sha256=<hex HMAC-SHA256 of the canonical payload>", SignatureHeader)}
		}
		in, field = profile.InBody, SignatureMember
		if got, ok = v.(string); !ok {
			return []profile.Violation{sigViolation(in, field, "the signature member must be a string \"sha256=<hex>\"")}
		}
	}
	if secret == "" {
		return []profile.Violation{sigViolation(in, field, "the receiver has no HMAC secret configured")}
	}
	sum, prefixed, err := parseSignature(got)
	if err != nil {
		return []profile.Violation{sigViolation(in, field, "%v", err)}
	}
	canon, err := canonical(r.Body, doc)
	if err != nil {
		return []profile.Violation{sigViolation(profile.InBody, "", "%v (PB-SIG-2)", err)}
	}
	if !hmac.Equal(sum, mac(sha256.New, secret, canon)) {
		return []profile.Violation{sigViolation(in, field,
			"does not match HMAC-SHA256 of the canonical payload (RFC 8785, without the signature member)")}
	}
	if !prefixed {
		v := sigViolation(in, field, "the sha256= prefix is missing (required in strict mode)")
		v.Enforce = profile.StrictOnly
		return []profile.Violation{v}
	}
	return nil
}

// parseSignature reads "sha256=<64 hex digits>" (prefix optional, any case).
func parseSignature(s string) (sum []byte, prefixed bool, err error) {
	if len(s) >= len(signaturePrefix) && strings.EqualFold(s[:len(signaturePrefix)], signaturePrefix) {
		s, prefixed = s[len(signaturePrefix):], true
	} else if alg, _, ok := strings.Cut(s, "="); ok {
		return nil, false, fmt.Errorf("algorithm %s is not accepted: want sha256=<hex>", clip(alg))
	}
	sum, err = hex.DecodeString(s)
	if err != nil || len(sum) != sha256.Size {
		return nil, prefixed, fmt.Errorf("want sha256= and %d hex digits", 2*sha256.Size)
	}
	return sum, prefixed, nil
}

// Reordered writes a JSON object body with its top-level members in reverse
// order of their names and spaces between tokens: the same event in other bytes,
// so its canonical payload (and signature) is unchanged. Other bodies are
// returned as they are.
func Reordered(body []byte) []byte {
	m, ok := object(body)
	if !ok {
		return body
	}
	keys := slices.Sorted(maps.Keys(m))
	slices.Reverse(keys)
	var b bytes.Buffer
	b.WriteString("{ ")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(m[k])
		if err != nil {
			return body
		}
		b.Write(kb)
		b.WriteString(": ")
		b.Write(vb)
	}
	b.WriteString(" }")
	return b.Bytes()
}

func object(body []byte) (map[string]any, bool) {
	doc, err := strictjson.Decode(body)
	if err != nil {
		return nil, false
	}
	m, ok := doc.(map[string]any)
	return m, ok
}

func mac(h func() hash.Hash, secret string, data []byte) []byte {
	m := hmac.New(h, []byte(secret))
	m.Write(data)
	return m.Sum(nil)
}

func hexMAC(secret string, data []byte) string {
	return hex.EncodeToString(mac(sha256.New, secret, data))
}

// clip quotes a value from the request for a message, cut to a readable length.
func clip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("%q", s)
}

func authViolation(format string, args ...any) profile.Violation {
	return profile.Violation{Rule: "PB-AUTH-1", In: profile.InHeader, Field: "Authorization",
		Message: fmt.Sprintf(format, args...), Status: http.StatusUnauthorized}
}

func sigViolation(in, field, format string, args ...any) profile.Violation {
	return profile.Violation{Rule: "PB-SIG-1", In: in, Field: field, Message: fmt.Sprintf(format, args...),
		Status: http.StatusForbidden, Code: SignatureCode}
}
