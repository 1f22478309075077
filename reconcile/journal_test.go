package reconcile_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/readback"
	"github.com/s2s-harness/s2s-harness/reconcile"
)

// mock starts the mock (postback only) in the test.
func mock(t *testing.T) (*httptest.Server, *profile.Profile, *inspect.Client) {
	t.Helper()
	p, err := builtin.Lookup("postback")
	if err != nil {
		t.Fatal(err)
	}
	m, err := mockserver.New([]*profile.Profile{p})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	c, err := inspect.NewClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv, p, c
}

// send posts one deposit, signed; badSignature breaks its signature.
func send(t *testing.T, srv *httptest.Server, p *profile.Profile, id, click string, ts time.Time, amount string, badSignature bool) int {
	t.Helper()
	ep := &p.Endpoints[0]
	body := fmt.Sprintf(`{"event":"deposit_success","event_id":%q,"click_id":%q,"account_id":"u_1","amount":%s,"currency":"USD","is_ftd":true,"payment_method":"pix","ts_event":%q}`,
		id, click, amount, ts.UTC().Format(time.RFC3339))
	o := &profile.Outgoing{Endpoint: ep, Header: http.Header{}, Body: []byte(body)}
	if err := p.Auth.Sign(o, p.Defaults, time.Now()); err != nil {
		t.Fatal(err)
	}
	if badSignature {
		o.Header.Set("X-Signature", "sha256=00")
	}
	req, err := http.NewRequest(ep.Method, srv.URL+ep.Path, bytes.NewReader(o.Body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = o.Header
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestJournalSource: §15's incident against a real mock: the operator has
// four deposits; the tracker (the mock) accepted two, refused one for its
// signature (PB-SIG-1), saw one replayed, and never got the fourth.
func TestJournalSource(t *testing.T) {
	t.Parallel()
	srv, p, c := mock(t)
	ts := time.Now().UTC().Truncate(time.Second)
	for _, d := range []struct {
		id     string
		amount string
		bad    bool
		want   int
	}{{"dep_1", "100.00", false, 200}, {"dep_2", "50.5", false, 200}, {"dep_3", "20", true, 403}, {"dep_1", "100.00", false, 200}} {
		if got := send(t, srv, p, d.id, "clk_"+d.id, ts, d.amount, d.bad); got != d.want {
			t.Fatalf("%s: status %d, want %d", d.id, got, d.want)
		}
	}
	var op strings.Builder
	op.WriteString("event_id,click_id,event,ts_event,amount,currency\n")
	for _, d := range [][2]string{{"dep_1", "100.00"}, {"dep_2", "50.50"}, {"dep_3", "20.00"}, {"dep_4", "10.00"}} {
		fmt.Fprintf(&op, "%s,clk_%s,deposit_success,%s,%s,USD\n", d[0], d[0], ts.Format(time.RFC3339), d[1])
	}
	opr, err := reconcile.NewReader("operator.csv", strings.NewReader(op.String()), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := reconcile.Run(ctx, opr, reconcile.NewJournal(c, p, nil, "journal:"+srv.URL), reconcile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Matched != 2 || rep.Refused != 1 || rep.RefusedByRule["PB-SIG-1"] != 1 || rep.MissingAtTracker != 1 {
		t.Errorf("matched %d refused %d %v missing %d, want 2 1 {PB-SIG-1:1} 1", rep.Matched, rep.Refused, rep.RefusedByRule, rep.MissingAtTracker)
	}
	if rep.Cause(reconcile.ReplayedAtTracker).Count != 1 || rep.Duplicates.Tracker != 0 {
		t.Errorf("replayed %d duplicates %d, want 1 0", rep.Cause(reconcile.ReplayedAtTracker).Count, rep.Duplicates.Tracker)
	}
	if rep.AmountMismatches != 0 || rep.CurrencyMismatches != 0 {
		t.Errorf("amount %d currency %d mismatches: 50.50 and 50.5 agree", rep.AmountMismatches, rep.CurrencyMismatches)
	}
	if rep.Tracker.Unique != 2 || rep.MaxDiscrepancy != 0.5 || rep.Verdict != reconcile.VerdictOver {
		t.Errorf("tracker unique %d max %v verdict %s, want 2 0.5 %s", rep.Tracker.Unique, rep.MaxDiscrepancy, rep.Verdict, reconcile.VerdictOver)
	}

	// The same journal through the read-back interface: the refusal is not
	// a record there, so dep_3 is missing rather than refused.
	src := readback.NewInspection(c, readback.ProfilesOf([]*profile.Profile{p}))
	opr, _ = reconcile.NewReader("operator.csv", strings.NewReader(op.String()), nil)
	rep, err = reconcile.Run(ctx, opr, reconcile.NewReadback(src, p.Name, nil, "readback:inspection"), reconcile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Matched != 2 || rep.MissingAtTracker != 2 || rep.Cause(reconcile.ReplayedAtTracker).Count != 1 {
		t.Errorf("read-back: matched %d missing %d replayed %d, want 2 2 1", rep.Matched, rep.MissingAtTracker, rep.Cause(reconcile.ReplayedAtTracker).Count)
	}
}

// TestJournalSourceTellsAReset: a receiver whose state epoch changes while
// its journal is read (a reset, a Redis restarted empty) fails the run
// instead of reconciling a tracker side that mixes two states.
func TestJournalSourceTellsAReset(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after") == "" || r.URL.Query().Get("after") == "0" {
			fmt.Fprint(w, `{"entries":[],"next":5,"evicted":0,"epoch":"a"}`)
			return
		}
		fmt.Fprint(w, `{"entries":[],"next":9,"evicted":0,"epoch":"b"}`)
	}))
	t.Cleanup(srv.Close)
	c, err := inspect.NewClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := builtin.Select("postback")
	opr, err := reconcile.NewReader("operator.csv", strings.NewReader("event_id,click_id,event,ts_event,amount,currency\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = reconcile.Run(context.Background(), opr, reconcile.NewJournal(c, ps[0], nil, "journal:"+srv.URL), reconcile.Options{})
	if err == nil || !strings.Contains(err.Error(), "reset") || !strings.Contains(err.Error(), `"b"`) {
		t.Fatalf("err = %v, want the reset named", err)
	}
}
