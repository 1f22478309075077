package postback_test

import (
	"bytes"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/postback"
)

// seedRequests adds the goldens, signed, and each break of them to f.
func seedRequests(f *testing.F, add func(authz, sig string, body []byte)) {
	p := postback.New()
	golden, err := fixtures.LoadGolden(p)
	if err != nil {
		f.Fatal(err)
	}
	for _, g := range golden {
		e, _ := p.Endpoint(g.Payload.Endpoint)
		for _, b := range append([]profile.Break{{}}, p.Auth.Breaks()...) {
			o, err := g.Payload.Outgoing(e)
			if err != nil {
				f.Fatal(err)
			}
			if err := p.Auth.Sign(o, p.Defaults, now); err != nil {
				f.Fatal(err)
			}
			if b.Apply != nil {
				b.Apply(o, p.Defaults, now)
			}
			add(o.Header.Get("Authorization"), o.Header.Get(postback.SignatureHeader), o.Body)
		}
	}
}

// FuzzVerify feeds arbitrary Authorization, X-Signature and body to Verify:
// it never panics and always comes to a verdict. With validToken set, the
// token is a good one, so the signature path is what is fuzzed.
func FuzzVerify(f *testing.F) {
	seedRequests(f, func(authz, sig string, body []byte) {
		f.Add(authz, false, sig, body)
		f.Add("", true, sig, body)
	})
	p := postback.New()
	creds := p.Defaults
	good := "Bearer " + postback.NewToken("HS256", creds.JWTSecret, map[string]any{"sub": "f", "exp": now.Add(time.Minute).Unix()})
	f.Fuzz(func(t *testing.T, authz string, validToken bool, sig string, body []byte) {
		if validToken {
			authz = good
		}
		h := http.Header{"Authorization": {authz}, postback.SignatureHeader: {sig}}
		r := &profile.Request{Endpoint: &p.Endpoints[0], Header: h, Body: body, Received: now}
		for _, mode := range []profile.Mode{profile.Strict, profile.Lenient} {
			pr, vs := postback.Auth{}.Verify(r, creds, now, mode)
			if pr == nil {
				if len(vs) != 1 || vs[0].Rule != "PB-AUTH-1" || vs[0].Status != http.StatusUnauthorized || vs[0].Message == "" {
					t.Fatalf("%s: no principal with %v, want one 401 PB-AUTH-1", mode, vs)
				}
				if validToken {
					t.Fatalf("%s: good token rejected: %v", mode, vs)
				}
				continue
			}
			if len(vs) > 1 {
				t.Fatalf("%s: got %v, want at most one violation", mode, vs)
			}
			for _, v := range vs {
				if v.Rule != "PB-SIG-1" || v.Status != http.StatusForbidden || v.Message == "" {
					t.Fatalf("%s: got %+v, want a 403 PB-SIG-1", mode, v)
				}
			}
			if len(vs) == 0 {
				// Accepted: the body is not JSON (the body check answers), or it
				// has a canonical payload the signature matched.
				_, err := postback.CanonicalPayload(body)
				if err != nil && !errors.Is(err, postback.ErrNotJSON) {
					t.Fatalf("%s: accepted a body without canonical form: %v", mode, err)
				}
			}
		}
	})
}

// FuzzParseToken: arbitrary tokens never panic, and whatever verifies is
// within the lifetime rules.
func FuzzParseToken(f *testing.F) {
	seedRequests(f, func(authz, _ string, _ []byte) {
		f.Add(authz[min(len(authz), len("Bearer ")):])
	})
	f.Add(postback.NewToken("HS256", jwtSecret, map[string]any{"exp": 1.7610597e9, "iat": "x"}))
	f.Fuzz(func(t *testing.T, token string) {
		c, err := postback.ParseToken(token, jwtSecret, now)
		if err != nil {
			return
		}
		if !now.Before(c.Exp.Add(postback.ClockSkew)) || c.Exp.After(now.Add(postback.MaxLifetime+postback.ClockSkew)) {
			t.Fatalf("verified a token expiring at %v (now %v)", c.Exp, now)
		}
		if !c.Iat.IsZero() && c.Exp.Sub(c.Iat) > postback.MaxLifetime {
			t.Fatalf("verified a token living %v", c.Exp.Sub(c.Iat))
		}
	})
}

// FuzzCanonicalPayload: canonicalization is idempotent, ignores member order,
// and never panics.
func FuzzCanonicalPayload(f *testing.F) {
	seedRequests(f, func(_, _ string, body []byte) { f.Add(body) })
	f.Add([]byte(`{"signature":"x","b":[1.0,"\u00e9"],"a":{"signature":2}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		canon, err := postback.CanonicalPayload(body)
		if err != nil {
			return
		}
		again, err := postback.CanonicalPayload(canon)
		if err != nil || !bytes.Equal(again, canon) {
			t.Fatalf("canonical form %s is not canonical: %s, %v", canon, again, err)
		}
		reordered, err := postback.CanonicalPayload(postback.Reordered(body))
		if err != nil || !bytes.Equal(reordered, canon) {
			t.Fatalf("reordered body canonicalizes to %s, %v; want %s", reordered, err, canon)
		}
	})
}
