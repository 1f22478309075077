package postback

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// TestSignatureSchemes: the documented forms verify; each usual alternative
// is a different signature (or body) that the documented scheme refuses,
// except upper-case hex, which PB-SIG-1 lets through (hex is case-insensitive).
func TestSignatureSchemes(t *testing.T) {
	p := New()
	c := p.Defaults
	now := time.Now()
	pr := SignatureSchemes()
	if len(pr.Documented) != 2 || len(pr.Variants) != 5 || !pr.WhenRejected {
		t.Fatalf("probe shape: %d documented, %d variants", len(pr.Documented), len(pr.Variants))
	}
	wantVerifies := map[string]bool{"upper-case hex": true}
	seen := map[string]string{}
	for i, v := range append(append([]profile.Break{}, pr.Documented...), pr.Variants...) {
		o := &profile.Outgoing{Endpoint: &p.Endpoints[0], Header: http.Header{}, Body: []byte(`{"event":"registration","event_id":"e1","click_id":"c1","ts_event":"2025-10-21T14:58:02Z"}`)}
		if err := p.Auth.Sign(o, c, now); err != nil {
			t.Fatal(err)
		}
		v.Apply(o, c, now)
		if canon, err := CanonicalPayload(o.Body); err == nil && bytes.Equal(canon, o.Body) {
			t.Errorf("%s: the body is already canonical; a raw-bytes HMAC would not show", v.Name)
		}
		sig := o.Header.Get(SignatureHeader)
		if prev, ok := seen[sig+string(o.Body)]; ok {
			t.Errorf("%s sends the same request as %s", v.Name, prev)
		}
		seen[sig+string(o.Body)] = v.Name
		req := &profile.Request{Endpoint: o.Endpoint, Header: o.Header, Body: o.Body, Received: now}
		_, vs := p.Auth.Verify(req, c, now, profile.Strict)
		documented := i < len(pr.Documented)
		if verifies := len(vs) == 0; verifies != (documented || wantVerifies[v.Name]) {
			t.Errorf("%s: verifies under the documented scheme = %v (violations %v)", v.Name, verifies, vs)
		}
	}
}
