package conformance_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// rawReceiver is a postback receiver as vendors write them (a Node or Go
// webhook server): it verifies X-Signature as the HMAC over the raw body
// bytes, not over the RFC 8785 canonical form, and answers a mismatch with
// its own status and body. What passes its check is handed to the reference
// mock, signed the documented way, so every other rule is the mock's.
type rawReceiver struct {
	name     string
	status   int    // answer to a wrong signature
	ctype    string // its Content-Type
	body     string // its body
	checkJWT bool   // false: signature only, the token is never looked at
}

func rawReceivers() []rawReceiver {
	return []rawReceiver{
		{name: "raw HMAC, 401 Invalid signature (text)", status: 401, ctype: "text/plain; charset=utf-8", body: "Invalid signature", checkJWT: true},
		{name: "raw HMAC, 401 Invalid signature (JSON)", status: 401, ctype: "application/json", body: `{"message":"Invalid signature"}`, checkJWT: true},
		{name: "raw HMAC, 500 on a wrong signature", status: 500, ctype: "text/plain; charset=utf-8", body: "Internal Server Error", checkJWT: true},
		{name: "raw HMAC, signature only (no JWT check), 403 text", status: 403, ctype: "text/plain; charset=utf-8", body: "Forbidden", checkJWT: false},
	}
}

func (rr rawReceiver) handler(t testing.TB, m *mock, p *profile.Profile) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		mac := hmac.New(sha256.New, []byte(p.Defaults.HMACSecret))
		mac.Write(body)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if got := strings.ToLower(strings.TrimSpace(r.Header.Get("X-Signature"))); !hmac.Equal([]byte(got), []byte(want)) {
			w.Header().Set("Content-Type", rr.ctype)
			w.WriteHeader(rr.status)
			_, _ = io.WriteString(w, rr.body)
			return
		}
		e, _ := p.Endpoint("postback")
		o := &profile.Outgoing{Endpoint: e, Header: r.Header.Clone(), PathValues: map[string]string{}, Body: body}
		auth := r.Header.Values("Authorization")
		if err := p.Auth.Sign(o, p.Defaults, time.Now()); err != nil {
			t.Errorf("receiver: %v", err)
		}
		if rr.checkJWT {
			o.Header.Del("Authorization")
			for _, v := range auth {
				o.Header.Add("Authorization", v)
			}
		}
		r2 := r.Clone(r.Context())
		r2.Header, r2.Body, r2.ContentLength = o.Header, io.NopCloser(bytes.NewReader(body)), int64(len(body))
		m.Mock.ServeHTTP(w, r2)
	})
}

// certifyReceiver runs the postback checks (and the diagnosis) against h.
func certifyReceiver(t *testing.T, h http.Handler, m *mock, config string) *conformance.Certificate {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	p, err := builtin.Lookup("postback")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := conformance.ParseConfig([]byte(config), "yaml")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := conformance.Certify(context.Background(), conformance.Target{URL: srv.URL, Inspect: m.URL, Config: cfg},
		[]*profile.Profile{p}, conformance.CertifyOptions{Options: conformance.Options{Seed: testSeed}, Diagnose: true})
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

const receiverConfig = "profiles:\n  postback:\n    rate_limit: {limit: 60, window: 1s}\n"

// verdictTable is one line per rule: status and message, for the report.
func verdictTable(c *conformance.Certificate) string {
	var lines []string
	for _, r := range c.Rules() {
		lines = append(lines, fmt.Sprintf("%-10s %-15s %s", r.ID, r.Status, r.Message))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestRawSignatureReceivers: receivers that verify the HMAC over the raw
// bytes. Their refusals count under the signature rules, whatever status and
// body they answer with; no body rule fails for a refused signature; every
// rule whose check ran says what its check found; and the diagnosis names
// the scheme they verify.
func TestRawSignatureReceivers(t *testing.T) {
	for _, rr := range rawReceivers() {
		t.Run(rr.name, func(t *testing.T) {
			m, _ := startMock(t, profile.Strict)
			p, _ := builtin.Lookup("postback")
			cert := certifyReceiver(t, rr.handler(t, m, p), m, receiverConfig)
			t.Logf("%s: certified=%v\n%s", rr.name, cert.Certified, verdictTable(cert))
			assertRawAttribution(t, cert, rr.checkJWT)
		})
	}
}

// TestRawSignatureBehindGateway: the same receivers with auth declared out
// of scope: no body rule fails from a signature refusal.
func TestRawSignatureBehindGateway(t *testing.T) {
	for _, rr := range rawReceivers() {
		t.Run(rr.name, func(t *testing.T) {
			m, _ := startMock(t, profile.Strict)
			p, _ := builtin.Lookup("postback")
			cert := certifyReceiver(t, rr.handler(t, m, p), m, "profiles:\n  postback:\n    scope: {auth: gateway}\n    rate_limit: {limit: 60, window: 1s}\n")
			t.Logf("%s (gateway): certified=%v partial=%v\n%s", rr.name, cert.Certified, cert.Partial, verdictTable(cert))
			for _, r := range cert.Rules() {
				if r.Status == conformance.Fail {
					t.Errorf("%s fails behind a gateway: %s", r.ID, r.Message)
				}
			}
			if !cert.Partial {
				t.Error("auth out of scope: the certificate is not partial")
			}
		})
	}
}

func assertRawAttribution(t *testing.T, cert *conformance.Certificate, checkJWT bool) {
	t.Helper()
	rules := map[string]conformance.CertRule{}
	for _, r := range cert.Rules() {
		rules[r.ID] = r
	}
	if cert.Certified {
		t.Error("a receiver refusing the documented signature is certified")
	}
	if r := rules["PB-SIG-1"]; r.Status != conformance.Fail {
		t.Errorf("PB-SIG-1 is %s, want fail: %s", r.Status, r.Message)
	}
	for _, id := range []string{"PB-BODY-1", "PB-BODY-2", "PB-TS-1", "PB-IDEM-1", "PB-IDEM-2", "PB-EVT-1", "PB-REDIR-1"} {
		if r := rules[id]; r.Status == conformance.Fail {
			t.Errorf("%s fails for a refused signature: %s", id, r.Message)
		}
	}
	if checkJWT {
		if r := rules["PB-AUTH-1"]; r.Status == conformance.Fail {
			t.Errorf("PB-AUTH-1 fails though the receiver checks the token: %s", r.Message)
		}
	} else if r := rules["PB-AUTH-1"]; r.Status != conformance.Fail {
		t.Errorf("signature only: PB-AUTH-1 is %s, want fail (expired tokens accepted): %s", r.Status, r.Message)
	}
	for _, ch := range rules["PB-IDEM-1"].Checks {
		if ch.Status != conformance.Pass && ch.Status != conformance.Skip {
			t.Errorf("PB-IDEM-1 judges a refusal's shape: %s: %s", ch.Name, ch.Message)
		}
	}
	for _, r := range cert.Rules() {
		if len(r.Checks) > 0 && strings.Contains(r.Message, "no check of this rule ran") {
			t.Errorf("%s: %d checks ran, says %q", r.ID, len(r.Checks), r.Message)
		}
		for _, ch := range r.Checks {
			if strings.Contains(ch.Message, `is ""`) || strings.HasSuffix(ch.Message, "got ") {
				t.Errorf("%s %s: an empty got: %s", r.ID, ch.Name, ch.Message)
			}
		}
	}
	var diag string
	for _, p := range cert.Profiles {
		for _, d := range p.Diagnosis {
			diag += d.Summary
		}
	}
	if !strings.Contains(diag, "HMAC over the raw body bytes") {
		t.Errorf("diagnosis does not name the scheme: %q", diag)
	}
}

// TestMissingEndpoint: a Dingyue receiver without the /v2/ endpoint. Its
// 404s count under the rule that says the v2 endpoint exists (DY-V2-1); the
// body rules whose v2 checks got them are blocked by it, never failed.
func TestMissingEndpoint(t *testing.T) {
	m, tc := startMock(t, profile.Strict)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v2/") {
			http.NotFound(w, r)
			return
		}
		m.Mock.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	ps, _ := builtin.Select("dingyue")
	cert, err := conformance.Certify(context.Background(), conformance.Target{URL: srv.URL, Inspect: m.URL, Config: tc}, ps,
		conformance.CertifyOptions{Options: conformance.Options{Seed: testSeed}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("certified=%v\n%s", cert.Certified, verdictTable(cert))
	blocked := 0
	for _, r := range cert.Rules() {
		switch {
		case r.ID == "DY-V2-1" && r.Status != conformance.Fail:
			t.Errorf("DY-V2-1 is %s: %s", r.Status, r.Message)
		case r.ID != "DY-V2-1" && r.Status == conformance.Fail:
			t.Errorf("%s fails for a missing endpoint: %s", r.ID, r.Message)
		}
		for _, ch := range r.Checks {
			if strings.Contains(ch.Message, "blocked by DY-V2-1") {
				blocked++
			}
		}
	}
	if blocked == 0 {
		t.Error("no check says it is blocked by DY-V2-1")
	}
}

// TestAuthRefusesEverything: the suite holds a token secret the receiver
// does not know, so every request is refused 401. That is PB-AUTH-1's
// failure; no body, time or idempotency rule fails for it, and the checks
// written for them say they were blocked by it.
func TestAuthRefusesEverything(t *testing.T) {
	m, _ := startMock(t, profile.Strict)
	cfg, err := conformance.ParseConfig([]byte("profiles:\n  postback:\n    credentials: {jwt_secret: not-the-receivers, hmac_secret: pb_test_hmac_secret, subject: s}\n    rate_limit: {limit: 60, window: 1s}\n"), "yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := builtin.Lookup("postback")
	cert, err := conformance.Certify(context.Background(), conformance.Target{URL: m.URL, Inspect: m.URL, Config: cfg}, []*profile.Profile{p},
		conformance.CertifyOptions{Options: conformance.Options{Seed: testSeed}, Diagnose: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("certified=%v\n%s", cert.Certified, verdictTable(cert))
	blocked := 0
	for _, r := range cert.Rules() {
		if r.ID == "PB-AUTH-1" {
			if r.Status != conformance.Fail {
				t.Errorf("PB-AUTH-1 is %s: %s", r.Status, r.Message)
			}
			continue
		}
		if r.Area != string(profile.AreaAuth) && r.Status == conformance.Fail {
			t.Errorf("%s fails though every request was refused as inauthentic: %s", r.ID, r.Message)
		}
		for _, ch := range r.Checks {
			if ch.BlockedBy == "PB-AUTH-1" {
				blocked++
			}
		}
	}
	if blocked == 0 {
		t.Error("no check says it was blocked by PB-AUTH-1")
	}
}
