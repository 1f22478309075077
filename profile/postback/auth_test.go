package postback_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/postback"
	"github.com/s2s-harness/s2s-harness/validate"
)

var now = time.Date(2025, 10, 21, 15, 12, 31, 0, time.UTC)

const jwtSecret = "pb_test_jwt_secret"

// raw builds a token from literal header and claims JSON, independently of
// postback.NewToken.
func raw(header, claims, secret string) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims))
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(input))
	return input + "." + enc.EncodeToString(m.Sum(nil))
}

// at renders now+d as a NumericDate.
func at(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }

func TestParseToken(t *testing.T) {
	t.Parallel()
	const hs256 = `{"alg":"HS256","typ":"JWT"}`
	valid := fmt.Sprintf(`{"sub":"s2s-harness","iat":%s,"exp":%s}`, at(0), at(5*time.Minute))
	tests := []struct {
		name    string
		give    string
		wantErr string // "" when the token must verify
		wantSub string
	}{
		{"valid", raw(hs256, valid, jwtSecret), "", "s2s-harness"},
		{"spaced JSON and no typ", raw(`{ "alg" : "HS256" }`, valid, jwtSecret), "", "s2s-harness"},
		{"no iat", raw(hs256, `{"sub":"a","exp":`+at(5*time.Minute)+`}`, jwtSecret), "", "a"},
		{"no sub", raw(hs256, `{"exp":`+at(time.Minute)+`}`, jwtSecret), "", ""},
		{"empty sub", raw(hs256, `{"sub":"","exp":`+at(time.Minute)+`}`, jwtSecret), "", ""},
		{"fractional exp", raw(hs256, `{"exp":`+at(time.Minute)+`.5}`, jwtSecret), "", ""},
		{"expired 29 s ago, within skew", raw(hs256, `{"exp":`+at(-29*time.Second)+`}`, jwtSecret), "", ""},
		{"expired 30 s ago", raw(hs256, `{"exp":`+at(-30*time.Second)+`}`, jwtSecret), "expired", ""},
		{"expired 5 min ago", raw(hs256, `{"iat":`+at(-20*time.Minute)+`,"exp":`+at(-5*time.Minute)+`}`, jwtSecret), "expired", ""},
		{"lifetime exactly 15 min", raw(hs256, `{"iat":`+at(-10*time.Minute)+`,"exp":`+at(5*time.Minute)+`}`, jwtSecret), "", ""},
		{"lifetime 15 min 1 s", raw(hs256, `{"iat":`+at(-10*time.Minute-time.Second)+`,"exp":`+at(5*time.Minute)+`}`, jwtSecret), "lifetime", ""},
		{"lifetime 30 min", raw(hs256, `{"iat":`+at(0)+`,"exp":`+at(30*time.Minute)+`}`, jwtSecret), "lifetime", ""},
		{"no iat, expires in 15 min 30 s", raw(hs256, `{"exp":`+at(15*time.Minute+30*time.Second)+`}`, jwtSecret), "", ""},
		{"no iat, expires in 16 min", raw(hs256, `{"exp":`+at(16*time.Minute)+`}`, jwtSecret), "expires in", ""},
		{"iat 20 s ahead, within skew", raw(hs256, `{"iat":`+at(20*time.Second)+`,"exp":`+at(5*time.Minute)+`}`, jwtSecret), "", ""},
		{"iat 31 s ahead", raw(hs256, `{"iat":`+at(31*time.Second)+`,"exp":`+at(5*time.Minute)+`}`, jwtSecret), "future", ""},
		{"exp before iat", raw(hs256, `{"iat":`+at(2*time.Minute)+`,"exp":`+at(time.Minute)+`}`, jwtSecret), "before iat", ""},
		{"nbf 10 s ahead, within skew", raw(hs256, `{"nbf":`+at(10*time.Second)+`,"exp":`+at(time.Minute)+`}`, jwtSecret), "", ""},
		{"nbf 1 min ahead", raw(hs256, `{"nbf":`+at(time.Minute)+`,"exp":`+at(2*time.Minute)+`}`, jwtSecret), "not valid before", ""},
		{"no exp", raw(hs256, `{"sub":"a","iat":`+at(0)+`}`, jwtSecret), "exp is required", ""},
		{"exp as a string", raw(hs256, `{"exp":"`+at(time.Minute)+`"}`, jwtSecret), "exp must be a number", ""},
		{"exp beyond any date", raw(hs256, `{"exp":1e300}`, jwtSecret), "NumericDate", ""},
		{"iat as a boolean", raw(hs256, `{"iat":true,"exp":`+at(time.Minute)+`}`, jwtSecret), "iat must be a number", ""},
		{"sub as a number", raw(hs256, `{"sub":7,"exp":`+at(time.Minute)+`}`, jwtSecret), "sub must be a string", ""},
		{"wrong key", raw(hs256, valid, "another_secret"), "does not verify", ""},
		{"alg none", raw(`{"alg":"none"}`, valid, jwtSecret), "alg none", ""},
		{"alg none, empty signature", postback.NewToken("none", "", map[string]any{"exp": now.Unix() + 60}), "alg none", ""},
		{"HS512", postback.NewToken("HS512", jwtSecret, map[string]any{"exp": now.Unix() + 60}), "HS512", ""},
		{"RS256 header over an HS256 MAC", raw(`{"alg":"RS256"}`, valid, jwtSecret), "RS256", ""},
		{"lower-case hs256", raw(`{"alg":"hs256"}`, valid, jwtSecret), "hs256", ""},
		{"no alg", raw(`{"typ":"JWT"}`, valid, jwtSecret), "no alg", ""},
		{"alg as a number", raw(`{"alg":256}`, valid, jwtSecret), "no alg", ""},
		{"duplicate alg", raw(`{"alg":"none","alg":"HS256"}`, valid, jwtSecret), "not JSON", ""},
		{"crit header", raw(`{"alg":"HS256","crit":["exp"]}`, valid, jwtSecret), "critical", ""},
		{"claims not an object", raw(hs256, `[1,2]`, jwtSecret), "not a JSON object", ""},
		{"claims not JSON", raw(hs256, `exp=1`, jwtSecret), "not JSON", ""},
		{"empty", "", "not a JWT", ""},
		{"one segment", "s2s-not-a-jwt", "not a JWT", ""},
		{"two segments", "eyJhbGciOiJIUzI1NiJ9.e30", "not a JWT", ""},
		{"four segments", raw(hs256, valid, jwtSecret) + ".x", "not a JWT", ""},
		{"header not base64url", "@@@." + strings.SplitN(raw(hs256, valid, jwtSecret), ".", 2)[1], "not base64url", ""},
		{"padded signature", raw(hs256, valid, jwtSecret) + "=", "not base64url", ""},
		{"too long", raw(hs256, `{"exp":`+at(time.Minute)+`,"pad":"`+strings.Repeat("x", 9000)+`"}`, jwtSecret), "bytes", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := postback.ParseToken(tt.give, jwtSecret, now)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got error %v, want the token to verify", err)
				}
				if got.Sub != tt.wantSub {
					t.Errorf("got sub %q, want %q", got.Sub, tt.wantSub)
				}
				return
			}
			if err == nil {
				t.Fatalf("got claims %+v, want an error containing %q", got, tt.wantErr)
			}
			if !errors.Is(err, postback.ErrToken) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %q, want ErrToken containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseTokenRFC7515Example(t *testing.T) {
	t.Parallel()
	// RFC 7515 appendix A.1: an HS256 JWS whose header and claims carry CRLF
	// whitespace, made by another implementation.
	key, err := base64.RawURLEncoding.DecodeString("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
	if err != nil {
		t.Fatal(err)
	}
	const token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9" +
		".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ" +
		".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	exp := time.Unix(1300819380, 0)
	c, err := postback.ParseToken(token, string(key), exp.Add(-time.Minute))
	if err != nil {
		t.Fatalf("got %v, want the RFC's token to verify", err)
	}
	if !c.Exp.Equal(exp) {
		t.Errorf("got exp %v, want %v", c.Exp, exp)
	}
	if _, err := postback.ParseToken(token, string(key), exp.Add(time.Minute)); err == nil {
		t.Error("got no error a minute after exp, want expired")
	}
}

func TestParseTokenWithoutSecret(t *testing.T) {
	t.Parallel()
	tok := raw(`{"alg":"HS256"}`, `{"exp":`+at(time.Minute)+`}`, "")
	if _, err := postback.ParseToken(tok, "", now); err == nil {
		t.Fatal("got a verified token with an empty secret, want an error")
	}
}

func request(header http.Header, body []byte) *profile.Request {
	p := postback.New()
	return &profile.Request{Endpoint: &p.Endpoints[0], Header: header, Body: body, Received: now}
}

func TestVerifyAuthorization(t *testing.T) {
	t.Parallel()
	creds := postback.New().Defaults
	body := []byte(`{"event":"registration","event_id":"reg_1","click_id":"clk_1","ts_event":"2025-10-21T15:12:31Z"}`)
	sig, err := postback.Signature(creds.HMACSecret, body)
	if err != nil {
		t.Fatal(err)
	}
	withSub := func(sub any) string {
		c := map[string]any{"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
		if sub != nil {
			c["sub"] = sub
		}
		return postback.NewToken("HS256", creds.JWTSecret, c)
	}
	tests := []struct {
		name       string
		giveAuth   string // "" for no header
		wantBucket string // "" when rejected
	}{
		{"bearer with sub", "Bearer " + withSub("partner-a"), "partner-a"},
		{"lower-case scheme", "bearer " + withSub("partner-a"), "partner-a"},
		{"extra spaces", "  Bearer   " + withSub("partner-a") + " ", "partner-a"},
		{"no sub", "Bearer " + withSub(nil), postback.SharedBucket},
		{"empty sub", "Bearer " + withSub(""), postback.SharedBucket},
		{"no header", "", ""},
		{"scheme only", "Bearer", ""},
		{"Basic", profile.BasicValue("s2s-harness", creds.JWTSecret), ""},
		{"Token scheme", "Token " + withSub("a"), ""},
		{"bare token", withSub("a"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{postback.SignatureHeader: {sig}}
			if tt.giveAuth != "" {
				h.Set("Authorization", tt.giveAuth)
			}
			p, vs := postback.Auth{}.Verify(request(h, body), creds, now, profile.Strict)
			if tt.wantBucket == "" {
				if p != nil || len(vs) != 1 || vs[0].Rule != "PB-AUTH-1" || vs[0].Status != http.StatusUnauthorized {
					t.Fatalf("got principal %v and %v, want no principal and one 401 PB-AUTH-1", p, vs)
				}
				return
			}
			if p == nil || len(vs) != 0 {
				t.Fatalf("got principal %v and %v, want a principal and no violation", p, vs)
			}
			if p.Bucket != tt.wantBucket {
				t.Errorf("got bucket %q, want %q", p.Bucket, tt.wantBucket)
			}
		})
	}
}

func TestSubjectlessTokensShareABucket(t *testing.T) {
	t.Parallel()
	creds := postback.New().Defaults
	body := []byte(`{}`)
	sig, _ := postback.Signature(creds.HMACSecret, body)
	buckets := map[string]bool{}
	for i := range 3 {
		tok := postback.NewToken("HS256", creds.JWTSecret, map[string]any{"iat": now.Unix() - int64(i), "exp": now.Unix() + 60, "jti": i})
		h := http.Header{"Authorization": {"Bearer " + tok}, postback.SignatureHeader: {sig}}
		p, vs := postback.Auth{}.Verify(request(h, body), creds, now, profile.Strict)
		if p == nil || len(vs) > 0 {
			t.Fatalf("token %d: got %v %v, want a principal", i, p, vs)
		}
		buckets[p.Bucket] = true
	}
	if len(buckets) != 1 {
		t.Errorf("got buckets %v, want one shared bucket", buckets)
	}
}

// sigOutcome is what a signature check came to in one mode.
type sigOutcome string

const (
	sigOK     sigOutcome = "ok"
	sigReject sigOutcome = "reject"
	sigReport sigOutcome = "report" // reported, not rejected
)

func outcome(p *profile.Profile, vs []profile.Violation, mode profile.Mode) sigOutcome {
	if len(vs) == 0 {
		return sigOK
	}
	for _, v := range vs {
		p.Fill(&v)
		if v.Enforce.Rejects(mode) {
			return sigReject
		}
	}
	return sigReport
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	p := postback.New()
	creds := p.Defaults
	body := []byte(`{"event":"deposit_success","event_id":"dep_1","click_id":"clk_1","amount":100.00,"currency":"USD","ts_event":"2025-10-21T15:12:31Z"}`)
	good, err := postback.Signature(creds.HMACSecret, body)
	if err != nil {
		t.Fatal(err)
	}
	goodHex := strings.TrimPrefix(good, "sha256=")
	wrong, _ := postback.Signature("another_secret", body)
	withMember := func(sig string) []byte {
		return []byte(strings.TrimSuffix(string(body), "}") + `,"signature":` + strconv.Quote(sig) + `}`)
	}
	nested := []byte(`{"event":"x","meta":{"signature":"a"}}`)
	nestedSig, _ := postback.Signature(creds.HMACSecret, nested)
	macRaw := func(b []byte) string {
		m := hmac.New(sha256.New, []byte(creds.HMACSecret))
		m.Write(b)
		return "sha256=" + hex.EncodeToString(m.Sum(nil))
	}
	noCanon := []byte(`{"event":"x","n":1e400}`)
	tests := []struct {
		name        string
		giveHeader  *string
		giveBody    []byte
		giveSecret  string
		wantStrict  sigOutcome
		wantLenient sigOutcome
		wantIn      string // where the violation points, when there is one
	}{
		{"lower-case hex", ptr(good), body, "", sigOK, sigOK, ""},
		{"upper-case hex", ptr("sha256=" + strings.ToUpper(goodHex)), body, "", sigOK, sigOK, ""},
		{"upper-case prefix", ptr("SHA256=" + goodHex), body, "", sigOK, sigOK, ""},
		{"no prefix", ptr(goodHex), body, "", sigReject, sigReport, profile.InHeader},
		{"no prefix and wrong", ptr(strings.TrimPrefix(wrong, "sha256=")), body, "", sigReject, sigReject, profile.InHeader},
		{"wrong secret", ptr(wrong), body, "", sigReject, sigReject, profile.InHeader},
		{"sha512 prefix", ptr("sha512=" + goodHex), body, "", sigReject, sigReject, profile.InHeader},
		{"too short", ptr("sha256=ab12"), body, "", sigReject, sigReject, profile.InHeader},
		{"not hex", ptr("sha256=" + strings.Repeat("zz", 32)), body, "", sigReject, sigReject, profile.InHeader},
		{"missing", nil, body, "", sigReject, sigReject, profile.InHeader},
		{"empty header, no member", ptr(""), body, "", sigReject, sigReject, profile.InHeader},
		{"HMAC over the raw bytes", ptr(macRaw(postback.Reordered(body))), postback.Reordered(body), "", sigReject, sigReject, profile.InHeader},
		{"keys reordered", ptr(good), postback.Reordered(body), "", sigOK, sigOK, ""},
		{"pretty-printed", ptr(good), []byte(strings.ReplaceAll(string(body), ",", ",\n  ")), "", sigOK, sigOK, ""},
		{"number spelled 1e2", ptr(good), []byte(strings.Replace(string(body), "100.00", "1e2", 1)), "", sigOK, sigOK, ""},
		{"member only", nil, withMember(good), "", sigOK, sigOK, ""},
		{"member only, empty header", ptr(""), withMember(good), "", sigOK, sigOK, ""},
		{"member only, no prefix", nil, withMember(goodHex), "", sigReject, sigReport, profile.InBody},
		{"member only, wrong", nil, withMember(wrong), "", sigReject, sigReject, profile.InBody},
		{"member only, placeholder", nil, withMember("hmac_sha256(payload)"), "", sigReject, sigReject, profile.InBody},
		{"member not a string", nil, []byte(`{"event":"x","signature":42}`), "", sigReject, sigReject, profile.InBody},
		{"header wins over a wrong member", ptr(good), withMember(wrong), "", sigOK, sigOK, ""},
		{"wrong header, right member", ptr(wrong), withMember(good), "", sigReject, sigReject, profile.InHeader},
		{"nested signature member is signed", ptr(nestedSig), nested, "", sigOK, sigOK, ""},
		{"nested signature member changed", ptr(nestedSig), []byte(`{"event":"x","meta":{"signature":"b"}}`), "", sigReject, sigReject, profile.InHeader},
		{"no canonical form", ptr(macRaw(noCanon)), noCanon, "", sigReject, sigReject, profile.InBody},
		{"body not JSON: left to the body check", nil, []byte(`event=x`), "", sigOK, sigOK, ""},
		{"receiver without HMAC secret", ptr(good), body, "-", sigReject, sigReject, profile.InHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := creds
			if tt.giveSecret == "-" {
				c.HMACSecret = ""
			}
			h := http.Header{"Authorization": {"Bearer " + postback.NewToken("HS256", c.JWTSecret,
				map[string]any{"sub": "a", "exp": now.Unix() + 60})}}
			if tt.giveHeader != nil {
				h.Set(postback.SignatureHeader, *tt.giveHeader)
			}
			for _, mode := range []profile.Mode{profile.Strict, profile.Lenient} {
				pr, vs := postback.Auth{}.Verify(request(h, tt.giveBody), c, now, mode)
				if pr == nil || pr.Bucket != "a" {
					t.Fatalf("%s: got principal %v, want bucket a whatever the signature", mode, pr)
				}
				want := map[profile.Mode]sigOutcome{profile.Strict: tt.wantStrict, profile.Lenient: tt.wantLenient}[mode]
				if got := outcome(p, vs, mode); got != want {
					t.Fatalf("%s: got %s (%v), want %s", mode, got, vs, want)
				}
				for _, v := range vs {
					if v.Rule != "PB-SIG-1" || v.Status != http.StatusForbidden || v.Code != postback.SignatureCode || v.In != tt.wantIn {
						t.Errorf("%s: got %+v, want PB-SIG-1, 403, %s, in %s", mode, v, postback.SignatureCode, tt.wantIn)
					}
				}
			}
		})
	}
}

func ptr(s string) *string { return &s }

// RFC 8785's own examples: §3.2.2 (values), §3.2.3 (property sorting).
func TestCanonicalPayloadRFC8785(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string
		want string
	}{
		{
			name: "3.2.2 values",
			give: "{\n  \"numbers\": [333333333.33333329, 1E30, 4.50,\n              2e-3, 0.000000000000000000000000001],\n" +
				"  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n  \"literals\": [null, true, false]\n}",
			want: `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
		},
		{
			name: "3.2.3 sorting",
			give: `{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",` +
				`"\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`,
			want: "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\"," +
				"\"\u20ac\":\"Euro Sign\",\"\U0001F600\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
		},
		{
			name: "top-level signature member left out",
			give: `{"b":1,"signature":"sha256=00","a":[{"signature":"kept"}]}`,
			want: `{"a":[{"signature":"kept"}],"b":1}`,
		},
		{
			name: "signature member left out after the rest is canonicalized",
			give: `{"z":1.50,"signature":7,"y":"\u00e9"}`,
			want: `{"y":"é","z":1.5}`,
		},
		{name: "not an object", give: ` [3, 1e1] `, want: `[3,10]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := postback.CanonicalPayload([]byte(tt.give))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			// The signature is the HMAC of exactly these bytes.
			sig, err := postback.Signature(jwtSecret, []byte(tt.give))
			if err != nil {
				t.Fatal(err)
			}
			m := hmac.New(sha256.New, []byte(jwtSecret))
			m.Write([]byte(tt.want))
			if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); sig != want {
				t.Errorf("got signature %s, want %s", sig, want)
			}
		})
	}
}

// RFC 8785 appendix B: IEEE 754 doubles and their canonical text.
func TestCanonicalPayloadRFC8785Numbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		giveBits uint64
		want     string
	}{
		{0x0000000000000000, "0"},
		{0x8000000000000000, "0"},
		{0x0000000000000001, "5e-324"},
		{0x8000000000000001, "-5e-324"},
		{0x7fefffffffffffff, "1.7976931348623157e+308"},
		{0xffefffffffffffff, "-1.7976931348623157e+308"},
		{0x4340000000000000, "9007199254740992"},
		{0xc340000000000000, "-9007199254740992"},
		{0x4430000000000000, "295147905179352830000"},
		{0x44b52d02c7e14af5, "9.999999999999997e+22"},
		{0x44b52d02c7e14af6, "1e+23"},
		{0x44b52d02c7e14af7, "1.0000000000000001e+23"},
		{0x444b1ae4d6e2ef4e, "999999999999999700000"},
		{0x444b1ae4d6e2ef4f, "999999999999999900000"},
		{0x444b1ae4d6e2ef50, "1e+21"},
		{0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
		{0x3eb0c6f7a0b5ed8d, "0.000001"},
		{0x41b3de4355555553, "333333333.3333332"},
		{0x41b3de4355555554, "333333333.33333325"},
		{0x41b3de4355555555, "333333333.3333333"},
		{0x41b3de4355555556, "333333333.3333334"},
		{0x41b3de4355555557, "333333333.33333343"},
		{0xbecbf647612f3696, "-0.0000033333333333333333"},
		{0x43143ff3c1cb0959, "1424953923781206.2"},
	}
	for _, tt := range tests {
		give := strconv.FormatFloat(math.Float64frombits(tt.giveBits), 'g', -1, 64)
		got, err := postback.CanonicalPayload([]byte(`{"amount":` + give + `}`))
		if err != nil {
			t.Errorf("%016x (%s): %v", tt.giveBits, give, err)
			continue
		}
		if want := `{"amount":` + tt.want + `}`; string(got) != want {
			t.Errorf("%016x: got %s, want %s", tt.giveBits, got, want)
		}
	}
}

func TestCanonicalPayloadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give string
		want error
	}{
		{`event=x`, postback.ErrNotJSON},
		{`{"a":1,"a":2}`, postback.ErrNotJSON},
		{`{"a":1e400}`, postback.ErrNoCanonicalForm},
		{`{"a":"\ud800"}`, postback.ErrNoCanonicalForm},
	}
	for _, tt := range tests {
		if _, err := postback.CanonicalPayload([]byte(tt.give)); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.give, err, tt.want)
		}
	}
}

func TestSignWithoutCredentials(t *testing.T) {
	t.Parallel()
	for _, c := range []profile.Credentials{{}, {JWTSecret: "x"}, {HMACSecret: "y"}} {
		o := &profile.Outgoing{Header: http.Header{}, Body: []byte(`{}`)}
		if err := (postback.Auth{}).Sign(o, c, now); !errors.Is(err, profile.ErrNoCredential) {
			t.Errorf("%+v: got %v, want ErrNoCredential", c.Redacted(), err)
		}
	}
}

func TestSignIssuesAFiveMinuteToken(t *testing.T) {
	t.Parallel()
	creds := postback.New().Defaults
	o := &profile.Outgoing{Body: []byte(`{"event":"x"}`)}
	if err := (postback.Auth{}).Sign(o, creds, now); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimPrefix(o.Header.Get("Authorization"), "Bearer ")
	c, err := postback.ParseToken(tok, creds.JWTSecret, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Sub != creds.Subject || !c.Iat.Equal(now) || c.Exp.Sub(c.Iat) != postback.SignLifetime {
		t.Errorf("got claims %+v, want sub %s, iat %v, exp iat+%v", c, creds.Subject, now, postback.SignLifetime)
	}
	if got, want := o.Header.Get(postback.SignatureHeader), mustSignature(t, creds.HMACSecret, o.Body); got != want {
		t.Errorf("got X-Signature %s, want %s", got, want)
	}
}

func mustSignature(t *testing.T, secret string, body []byte) string {
	t.Helper()
	s, err := postback.Signature(secret, body)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// payloads returns the goldens and five generated payloads of every event type.
func payloads(t *testing.T, p *profile.Profile) []*profile.Payload {
	t.Helper()
	golden, err := fixtures.LoadGolden(p)
	if err != nil {
		t.Fatal(err)
	}
	var out []*profile.Payload
	for _, g := range golden {
		out = append(out, g.Payload)
	}
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	for _, et := range p.Events {
		for range 5 {
			pl, err := gen.Of(et.Name, "")
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, pl)
		}
	}
	return out
}

func sign(t *testing.T, p *profile.Profile, pl *profile.Payload) *profile.Outgoing {
	t.Helper()
	e, _ := p.Endpoint(pl.Endpoint)
	o, err := pl.Outgoing(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Auth.Sign(o, p.Defaults, now); err != nil {
		t.Fatal(err)
	}
	return o
}

func validateOutgoing(t *testing.T, v *validate.Validator, o *profile.Outgoing, mode profile.Mode) validate.Result {
	t.Helper()
	creds := v.Profile().Defaults
	r := &profile.Request{Endpoint: o.Endpoint, Header: o.Header, PathValues: o.PathValues, Body: o.Body, Received: now}
	return v.Validate(r, mode, &creds, now)
}

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	p := postback.New()
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, pl := range payloads(t, p) {
		o := sign(t, p, pl)
		for _, mode := range []profile.Mode{profile.Strict, profile.Lenient} {
			res := validateOutgoing(t, v, o, mode)
			if len(res.Violations) > 0 {
				t.Errorf("%s %s: got %v, want none", pl.Event, mode, res.Violations)
			}
			if res.Principal == nil || res.Principal.Bucket != p.Defaults.Subject {
				t.Errorf("%s %s: got principal %v, want bucket %s", pl.Event, mode, res.Principal, p.Defaults.Subject)
			}
		}
	}
}

// TestBreaks holds every break of the scheme to its expectation, in both modes,
// through the validator (as the mock answers).
func TestBreaks(t *testing.T) {
	t.Parallel()
	p := postback.New()
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		rule   string
		expect profile.Expect
	}{
		"no Authorization header":                {"PB-AUTH-1", profile.Reject},
		"Basic instead of Bearer":                {"PB-AUTH-1", profile.Reject},
		"malformed token":                        {"PB-AUTH-1", profile.Reject},
		"expired token":                          {"PB-AUTH-1", profile.Reject},
		"token without exp":                      {"PB-AUTH-1", profile.Reject},
		"token lifetime of 30 min":               {"PB-AUTH-1", profile.Reject},
		"token signed with another key":          {"PB-AUTH-1", profile.Reject},
		"unsigned token (alg none)":              {"PB-AUTH-1", profile.Reject},
		"HS512 token":                            {"PB-AUTH-1", profile.Reject},
		"no signature":                           {"PB-SIG-1", profile.Reject},
		"signature made with another secret":     {"PB-SIG-1", profile.Reject},
		"HMAC over the raw, non-canonical bytes": {"PB-SIG-1", profile.Reject},
		"upper-case hex":                         {"PB-SIG-1", profile.Accept},
		"no sha256= prefix":                      {"PB-SIG-1", profile.RejectStrict},
		"signature only in the body member":      {"PB-SIG-3", profile.Accept},
		"body keys reordered after signing":      {"PB-SIG-2", profile.Accept},
	}
	breaks := p.Auth.Breaks()
	if len(breaks) != len(want) {
		t.Errorf("got %d breaks, want %d", len(breaks), len(want))
	}
	wantStatus := map[string]int{"PB-AUTH-1": http.StatusUnauthorized, "PB-SIG-1": http.StatusForbidden}
	for _, b := range breaks {
		w, ok := want[b.Name]
		if !ok || w.rule != b.Rule || w.expect != b.Expect {
			t.Errorf("break %q: got %s %s, want %+v", b.Name, b.Rule, b.Expect, w)
		}
		for _, pl := range payloads(t, p) {
			o := sign(t, p, pl)
			b.Apply(o, p.Defaults, now)
			for _, mode := range []profile.Mode{profile.Strict, profile.Lenient} {
				res := validateOutgoing(t, v, o, mode)
				rejected := b.Expect == profile.Reject || (b.Expect == profile.RejectStrict && mode == profile.Strict)
				name := fmt.Sprintf("%s / %s / %s", b.Name, pl.Event, mode)
				if res.Rejected() != rejected {
					t.Fatalf("%s: got rejected=%v (%v), want %v", name, res.Rejected(), res.Violations, rejected)
				}
				switch {
				case rejected:
					if got := res.Rules(); len(got) != 1 || got[0] != b.Rule || res.Status() != wantStatus[b.Rule] {
						t.Fatalf("%s: got rules %v status %d, want [%s] %d", name, got, res.Status(), b.Rule, wantStatus[b.Rule])
					}
				case b.Expect == profile.RejectStrict:
					if got := res.Rules(); len(got) != 1 || got[0] != b.Rule {
						t.Fatalf("%s: got rules %v, want %s reported", name, got, b.Rule)
					}
				default:
					if len(res.Violations) > 0 {
						t.Fatalf("%s: got %v, want none", name, res.Violations)
					}
				}
				// Only a bad token goes uncounted by the rate limit.
				if (res.Principal == nil) != (b.Rule == "PB-AUTH-1") {
					t.Fatalf("%s: got principal %v", name, res.Principal)
				}
			}
		}
	}
}
