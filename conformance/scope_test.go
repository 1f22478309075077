package conformance_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// TestScopeOutOfScopeAuth: a postback receiver behind a gateway that checks
// the JWT and signature itself. The target config declares auth out of scope
// and gives no secrets: the auth rules are not applicable, the certificate is
// partial, and nothing fails.
func TestScopeOutOfScopeAuth(t *testing.T) {
	m, _ := startMock(t, profile.Strict)
	p, err := builtin.Lookup("postback")
	if err != nil {
		t.Fatal(err)
	}
	// The receiver as the gateway forwards to it: every request arrives
	// authenticated (here: signed on the way in with the mock's credentials).
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e, _ := p.Endpoint("postback")
		o := &profile.Outgoing{Endpoint: e, Header: r.Header.Clone(), PathValues: map[string]string{}, Body: body}
		if err := p.Auth.Sign(o, p.Defaults, time.Now()); err != nil {
			t.Errorf("gateway: %v", err)
		}
		r2 := r.Clone(r.Context())
		r2.Header, r2.Body, r2.ContentLength = o.Header, io.NopCloser(bytes.NewReader(body)), int64(len(body))
		m.Mock.ServeHTTP(w, r2)
	}))
	defer gw.Close()
	cfg, err := conformance.ParseConfig([]byte("profiles:\n  postback:\n    scope: {auth: gateway}\n    credentials: {subject: my-sender}\n    rate_limit: {limit: 60, window: 1s}\n"), "yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Check(builtin.All()); err != nil {
		t.Fatalf("a config without jwt_secret and hmac_secret, auth out of scope: %v", err)
	}
	cert, err := conformance.Certify(context.Background(), conformance.Target{URL: gw.URL, Inspect: m.URL, Config: cfg},
		[]*profile.Profile{p}, conformance.CertifyOptions{Options: conformance.Options{Seed: testSeed}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("counts %+v, scope %v", cert.Counts, cert.Scope)
	if !cert.Partial || len(cert.Scope) != 1 || !cert.Certified {
		t.Errorf("partial=%v scope=%v certified=%v counts=%+v", cert.Partial, cert.Scope, cert.Certified, cert.Counts)
	}
	for _, r := range cert.Rules() {
		auth := r.Area == string(profile.AreaAuth)
		switch {
		case auth && r.Status != conformance.NotApplicable:
			t.Errorf("%s (auth): %s, want not-applicable: %s", r.ID, r.Status, r.Message)
		case !auth && (r.Status == conformance.NotApplicable || r.Status == conformance.Fail):
			t.Errorf("%s: %s: %s", r.ID, r.Status, r.Message)
		}
	}
	bad, err := conformance.ParseConfig([]byte("profiles:\n  postback:\n    scope: {authentication: gateway}\n"), "yaml")
	if err == nil {
		err = bad.Check(builtin.All())
	}
	if err == nil {
		t.Error("an unknown area in scope is accepted")
	}
}
