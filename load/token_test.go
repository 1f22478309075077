package load

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// TestRefusedAdminTokenIsAConfigError: against a mock that guards its
// inspection API, a missing or wrong token stops the run before it starts
// (ErrConfig, naming the token) instead of measuring no loss silently; the
// right one measures it.
func TestRefusedAdminTokenIsAConfigError(t *testing.T) {
	p, err := builtin.Lookup("g123")
	if err != nil {
		t.Fatal(err)
	}
	m, err := mockserver.New(builtin.All(), mockserver.WithConfig(mockserver.Config{AdminToken: "tok-1"}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	s := scenario(t, 20, 500*time.Millisecond)
	s.Settle = 200 * time.Millisecond
	for _, token := range []string{"", "wrong"} {
		_, err := Run(context.Background(), Config{Profile: p, Target: srv.URL, Inspect: srv.URL, InspectToken: token, Scenario: s})
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "admin token") {
			t.Errorf("token %q: err = %v, want ErrConfig naming the admin token", token, err)
		}
	}
	res := run(t, Config{Profile: p, Target: srv.URL, Inspect: srv.URL, InspectToken: "tok-1", Scenario: s})
	if res.Receiver.Recorded == nil {
		t.Errorf("with the token the receiver's counts are not measured: %+v", res.Receiver)
	}
}
