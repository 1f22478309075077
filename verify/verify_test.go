package verify_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/profile/sender"
	"github.com/s2s-harness/s2s-harness/reports"
	"github.com/s2s-harness/s2s-harness/verify"
)

// world is a real mock on a loopback port and an inspection client of it.
type world struct {
	url string
	c   *inspect.Client
	p   *profile.Profile
	gen *fixtures.Generator
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldWith(t, mockserver.Config{Profiles: map[string]mockserver.ProfileConfig{
		"revosurge": {Common: mockserver.Common{RateLimit: &mockserver.RateConfig{Limit: 10_000}}}}})
}

// newWorldWith is a world whose mock has cfg and opts.
func newWorldWith(t *testing.T, cfg mockserver.Config, opts ...mockserver.Option) *world {
	t.Helper()
	ps, err := builtin.Select("revosurge")
	if err != nil {
		t.Fatal(err)
	}
	m, err := mockserver.New(ps, append([]mockserver.Option{mockserver.WithConfig(cfg)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	c, err := inspect.NewClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := fixtures.NewGenerator(ps[0], fixtures.Options{Seed: 42, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return &world{url: srv.URL, c: c, p: ps[0], gen: gen}
}

// event is one deposit (it carries a transaction_id, the event's id).
func (w *world) event(t *testing.T) *profile.Payload {
	t.Helper()
	pl, err := w.gen.Of("deposit", "event")
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// post sends pl once as a sender would, in session s.
func (w *world) post(t *testing.T, s string, pl *profile.Payload) (int, time.Duration) {
	t.Helper()
	e, _ := w.p.Endpoint(pl.Endpoint)
	o, err := pl.Outgoing(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.p.Auth.Sign(o, w.p.Defaults, time.Now()); err != nil {
		t.Fatal(err)
	}
	req, err := o.Request(context.Background(), w.url)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(inspect.SessionHeader, s)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	return resp.StatusCode, time.Duration(ra) * time.Second
}

func (w *world) open(t *testing.T, sc inspect.Script) string {
	t.Helper()
	s, err := w.c.OpenSession(context.Background(), inspect.SessionSpec{Name: t.Name(), Script: &sc})
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
}

func (w *world) verify(t *testing.T, session string) *verify.Result {
	t.Helper()
	r, err := verify.Verify(context.Background(), w.c, w.url, []*profile.Profile{w.p}, verify.Options{Session: session})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// timeline is a session's clock moved forward where a sender would sleep:
// the journal's receive times follow the senders' schedule, and a busy
// machine adds only its own milliseconds to gaps of seconds (no real sleep
// is timed). Senders on one timeline take turns.
type timeline struct {
	c  *inspect.Client // scoped to the session
	at time.Duration
}

func (w *world) timeline(session string) *timeline {
	return &timeline{c: w.c.InSession(session)}
}

func (k *timeline) pause(t *testing.T, d time.Duration) {
	t.Helper()
	k.at += d
	if err := k.c.OffsetClock(context.Background(), k.at); err != nil {
		t.Fatal(err)
	}
}

// goodSender retries 5xx with exponential backoff (×4) and equal jitter, honours
// Retry-After, never retries other 4xx, keeps the event as it is. Its jitter
// is the share k (0 ≤ k < 1) of the half-interval, given per event so that
// the senders' spread is wide by construction (random jitter of four events
// is narrow now and then).
func goodSender(t *testing.T, w *world, tl *timeline, s string, pl *profile.Payload, k float64) {
	base := 2 * time.Second
	for attempt := range 8 {
		status, ra := w.post(t, s, pl)
		switch {
		case status/100 == 2:
			return
		case status == 429 && ra > 0:
			tl.pause(t, ra)
		case sender.Retryable(status):
			d := base << (2 * attempt)
			tl.pause(t, d/2+time.Duration(k*float64(d/2)))
		default:
			return
		}
	}
}

// badSender retries every failure (400 included) after a fixed 10 s, with
// a fresh transaction_id each time, four tries at most.
func badSender(t *testing.T, w *world, tl *timeline, s string, pl *profile.Payload) {
	for range 4 {
		status, _ := w.post(t, s, pl)
		if status/100 == 2 {
			return
		}
		tl.pause(t, 10*time.Second)
		if status >= 500 {
			pl = pl.Clone()
			pl.Body.(map[string]any)["transaction_id"] = "tx-" + strconv.FormatInt(rand.Int64(), 36)
		}
	}
}

func statuses(r *verify.Result) map[string]string {
	out := map[string]string{}
	for _, x := range r.Sender {
		out[x.ID] = x.Status
	}
	for _, p := range r.Profiles {
		for _, x := range p.Rules {
			out[x.ID] = x.Status
		}
	}
	return out
}

func TestWellBehavedSenderIsCertified(t *testing.T) {
	w := newWorld(t)
	s := w.open(t, inspect.Script{Status: 503, Failures: 3})
	tl := w.timeline(s)
	for i := range 4 {
		goodSender(t, w, tl, s, w.event(t), (float64(i)+0.5)/4)
	}
	r := w.verify(t, s)
	got := statuses(r)
	want := map[string]string{sender.Retry: verify.Pass, sender.Backoff: verify.Pass, sender.SameID: verify.Pass,
		sender.RetryLimit: verify.Pass, sender.NoRetry4xx: verify.Skip, sender.RetryAfter: verify.Skip, sender.Rate: verify.Pass}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("%s: %s, want %s", id, got[id], st)
		}
	}
	for _, x := range r.Sender { // a pass says what it was judged on
		if x.Status == verify.Pass && !regexp.MustCompile(`^[1-9][0-9]* `).MatchString(x.Message) {
			t.Errorf("%s passed with no evidence: %q", x.ID, x.Message)
		}
	}
	if !r.Certified() || r.Requests != 16 {
		t.Errorf("verdict %s on %d requests, want certified on 16: %+v", r.Verdict, r.Requests, r)
	}

	// Retry-After: two events answered 429 with Retry-After: 1 first.
	s = w.open(t, inspect.Script{Status: 429, RetryAfter: 1})
	tl = w.timeline(s)
	for i := range 2 {
		goodSender(t, w, tl, s, w.event(t), (float64(i)+0.5)/2)
	}
	r = w.verify(t, s)
	if got := statuses(r)[sender.RetryAfter]; got != verify.Pass || !r.Certified() {
		t.Errorf("Retry-After honoured: %s, verdict %s", got, r.Verdict)
	}
}

func TestBadlyRetryingSenderFails(t *testing.T) {
	w := newWorld(t)
	s := w.open(t, inspect.Script{Status: 503})
	tl := w.timeline(s)
	for range 3 {
		badSender(t, w, tl, s, w.event(t))
	}
	bad := w.event(t)
	delete(bad.Body.(map[string]any), "ip_address") // RS-BODY-1: 400, every time
	badSender(t, w, tl, s, bad)
	r := w.verify(t, s)
	got := statuses(r)
	want := map[string]string{sender.SameID: verify.Fail, sender.NoRetry4xx: verify.Fail, sender.Backoff: verify.Warn,
		sender.Retry: verify.Pass, "RS-BODY-1": verify.Fail}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("%s: %s, want %s", id, got[id], st)
		}
	}
	if r.Certified() {
		t.Errorf("a sender that breaks MUST rules was certified")
	}
	for _, x := range r.Sender {
		if x.Status == verify.Fail && len(x.Examples) == 0 {
			t.Errorf("%s failed without an example", x.ID)
		}
	}
	var text strings.Builder
	if err := reports.SenderText(&text, r); err != nil {
		t.Fatal(err)
	}
	t.Logf("verify of the bad sender:\n%s", text.String())
}

// TestJudgeScope: entries outside the window or of another session are not
// judged; no traffic is no certificate.
func TestJudgeScope(t *testing.T) {
	ps, _ := builtin.Select("revosurge")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	es := []inspect.Entry{
		{Seq: 1, Profile: "revosurge", Endpoint: "event", Status: 400, ReceivedAt: t0,
			Violations: []profile.Violation{{Rule: "RS-BODY-1", Level: profile.Must, Reject: true}}},
		{Seq: 2, Profile: "revosurge", Endpoint: "event", Status: 200, ReceivedAt: t0.Add(time.Hour)},
	}
	if r := verify.Judge(es, ps, verify.Options{Since: t0.Add(time.Minute)}); !r.Certified() || r.Requests != 1 {
		t.Errorf("window after the 400: %s on %d requests", r.Verdict, r.Requests)
	}
	if r := verify.Judge(es, ps, verify.Options{}); r.Certified() {
		t.Errorf("the 400 for a MUST rule: certified")
	}
	if r := verify.Judge(nil, ps, verify.Options{}); r.Verdict != verify.NoTraffic || r.Certified() {
		t.Errorf("no traffic: %s", r.Verdict)
	}
}
