package readback_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/readback"
)

// sendSigned sends pl to base, signed with p's default credentials.
func sendSigned(t *testing.T, base string, p *profile.Profile, pl *profile.Payload) {
	t.Helper()
	e, _ := p.Endpoint(pl.Endpoint)
	o, err := pl.Outgoing(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Auth.Sign(o, p.Defaults, time.Now()); err != nil {
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
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: answered %d", p.Name, resp.StatusCode)
	}
}

func TestInspectionSource(t *testing.T) {
	m, err := mockserver.New(builtin.All())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()
	ic, err := inspect.NewClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	src := readback.NewInspection(ic, profiles)
	var _ readback.Clock = src
	var _ readback.Resetter = src

	p, _ := builtin.Lookup("postback")
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	pl := gen.Next()
	sendSigned(t, srv.URL, p, pl)
	sendSigned(t, srv.URL, p, pl) // a replay: received, not recorded
	ctx := context.Background()
	recs, next, err := readback.All(ctx, src, "postback", "")
	if err != nil {
		t.Fatal(err)
	}
	e, _ := p.Endpoint(pl.Endpoint)
	item := e.ItemsOf(pl.Body)[0]
	id := readback.IdentityOf(p, item)
	got := readback.Find(recs, id)
	if len(got) != 2 || !got[0].Recorded() || got[1].Recorded() || !got[0].HasFlags {
		t.Fatalf("records of %q: %+v; want the first recorded, the replay not", id.Key, got)
	}
	if len(got[0].Body) == 0 {
		t.Fatal("no body although the journal kept it")
	}
	if more, _, err := readback.All(ctx, src, "postback", next); err != nil || len(more) != 0 {
		t.Fatalf("after %q: %d records, err %v", next, len(more), err)
	}

	at := time.Date(2026, 5, 3, 1, 0, 0, 0, time.UTC)
	if err := src.SetClock(ctx, at); err != nil {
		t.Fatal(err)
	}
	if c, err := ic.Clock(ctx); err != nil || !c.Now.Equal(at) {
		t.Fatalf("clock %v, err %v; want %v", c.Now, err, at)
	}
	if err := src.ReleaseClock(ctx); err != nil {
		t.Fatal(err)
	}
	// A receiver started with a fixed clock gets it back, not real time.
	fixed := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := ic.FixClock(ctx, fixed); err != nil {
		t.Fatal(err)
	}
	if err := src.SetClock(ctx, at); err != nil {
		t.Fatal(err)
	}
	if err := src.ReleaseClock(ctx); err != nil {
		t.Fatal(err)
	}
	if c, err := ic.Clock(ctx); err != nil || c.Mode != "fixed" || !c.Now.Equal(fixed) {
		t.Fatalf("after release: %+v, err %v; want fixed at %v again", c, err, fixed)
	}
	if k := readback.Kind(src); k != "inspection" {
		t.Fatalf("Kind %q", k)
	}
	if err := src.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if recs, _, err := readback.All(ctx, src, "", ""); err != nil || len(recs) != 0 {
		t.Fatalf("after reset: %d records, err %v", len(recs), err)
	}
}
