package inspectui_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// traffic sends a little of everything for the screenshots: valid events of
// three profiles, a replay and a rejected one.
func traffic(t *testing.T, base string) {
	t.Helper()
	now := time.Now()
	for i, name := range []string{"postback", "g123", "dingyue", "postback"} {
		p, err := builtin.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		g, err := fixtures.NewGenerator(p, fixtures.Options{Seed: int64(3 + i%3), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		pl := g.Next()
		e, _ := p.Endpoint(pl.Endpoint)
		o, err := pl.Outgoing(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Auth.Sign(o, p.Defaults, now); err != nil {
			t.Fatal(err)
		}
		req, err := o.Request(context.Background(), base)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
}
