package mockserver_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// countingKey is an API key scheme that counts its verifications; blind
// says whether it declares that it never reads the body.
type countingKey struct {
	profile.APIKey
	calls *atomic.Int64
	blind bool
}

func (a countingKey) Verify(r *profile.Request, c profile.Credentials, now time.Time, mode profile.Mode) (*profile.Principal, []profile.Violation) {
	a.calls.Add(1)
	return a.APIKey.Verify(r, c, now, mode)
}

func (a countingKey) BodyBlind() bool { return a.blind }

// TestBodyBlindSchemeVerifiedOnce: the mock verifies credentials before
// reading the body; a scheme that says it never reads the body is not asked
// again with it, and one that may read it is.
func TestBodyBlindSchemeVerifiedOnce(t *testing.T) {
	for _, tc := range []struct {
		blind bool
		want  int64
	}{{true, 1}, {false, 2}} {
		var base *profile.Profile
		for _, p := range builtin.All() {
			if _, ok := p.Auth.(profile.APIKey); ok && !p.Endpoints[0].Batch() {
				base = p
				break
			}
		}
		if base == nil {
			t.Skip("no built-in profile signs with a plain API key")
		}
		q := *base
		var calls atomic.Int64
		q.Auth = countingKey{APIKey: base.Auth.(profile.APIKey), calls: &calls, blind: tc.blind}
		m, err := mockserver.New([]*profile.Profile{&q}, mockserver.WithConfig(mockserver.Config{}),
			mockserver.WithClock(&fixedClock{t: testNow}))
		if err != nil {
			t.Fatal(err)
		}
		h := &harness{t: t, m: m, clock: &fixedClock{t: testNow}, ps: map[string]*profile.Profile{q.Name: &q}}
		if w := h.send(&q, valid(t, &q, 1, "")); w.Code != http.StatusOK {
			t.Fatalf("valid request: %d %s", w.Code, w.Body)
		}
		if got := calls.Load(); got != tc.want {
			t.Errorf("blind %v: verified %d times, want %d", tc.blind, got, tc.want)
		}
	}
}
