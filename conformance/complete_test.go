package conformance_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// TestCertifyInterrupted: a run cancelled after a few checks is incomplete,
// never certified, and says how many of its checks ran.
func TestCertifyInterrupted(t *testing.T) {
	m, tc := startMock(t, profile.Strict)
	ps, _ := builtin.Select("g123")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := 0
	cert, err := conformance.Certify(ctx, conformance.Target{URL: m.URL, Inspect: m.URL, Config: tc}, ps, conformance.CertifyOptions{
		Options: conformance.Options{Seed: testSeed}, Diagnose: true,
		Progress: func(p conformance.Progress) {
			if p.Result != nil {
				if done++; done == 5 {
					cancel()
				}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if cert.Complete || cert.Certified || cert.Reason != "interrupted" || cert.ChecksRun != 5 || cert.ChecksSelected <= 5 {
		t.Errorf("complete=%v certified=%v reason=%q ran %d of %d", cert.Complete, cert.Certified, cert.Reason, cert.ChecksRun, cert.ChecksSelected)
	}
	if len(cert.Uncovered) == 0 {
		t.Error("an interrupted run lists no MUST rule it did not reach")
	}
}

// TestCertifyDeadline: a run that reaches its deadline is incomplete, with
// the deadline as the reason.
func TestCertifyDeadline(t *testing.T) {
	m, tc := startMock(t, profile.Strict)
	ps, _ := builtin.Select("g123")
	cert, err := conformance.Certify(context.Background(), conformance.Target{URL: m.URL, Inspect: m.URL, Config: tc}, ps,
		conformance.CertifyOptions{Options: conformance.Options{Seed: testSeed}, Timeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if cert.Complete || cert.Certified || !strings.Contains(cert.Reason, "run deadline") || cert.ChecksRun != 0 {
		t.Errorf("complete=%v certified=%v reason=%q ran %d", cert.Complete, cert.Certified, cert.Reason, cert.ChecksRun)
	}
}

// TestCertifyCoverage: the strict mock is certified and complete, every MUST
// rule judged; a label filter narrowing the run makes it partial with the
// reason per rule; one that selects nothing is an error naming the nearest
// labels.
func TestCertifyCoverage(t *testing.T) {
	m, tc := startMock(t, profile.Strict)
	ps, _ := builtin.Select("g123,postback")
	target := conformance.Target{URL: m.URL, Inspect: m.URL, Config: tc}
	cert, err := conformance.Certify(context.Background(), target, ps, conformance.CertifyOptions{Options: conformance.Options{Seed: testSeed}})
	if err != nil {
		t.Fatal(err)
	}
	if !cert.Certified || !cert.Complete || cert.Partial || len(cert.Uncovered) != 0 {
		t.Errorf("strict mock: certified=%v complete=%v partial=%v uncovered=%+v", cert.Certified, cert.Complete, cert.Partial, cert.Uncovered)
	}
	for _, cv := range cert.Coverage {
		if len(cv.Checks) == 0 {
			t.Errorf("%s: no check", cv.Rule)
		}
	}
	if len(cert.Coverage) == 0 {
		t.Error("no MUST rule in the coverage")
	}

	narrow, err := conformance.Certify(context.Background(), target, ps, conformance.CertifyOptions{
		Options: conformance.Options{Seed: testSeed}, LabelFilter: "G1-AUTH-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !narrow.Certified || !narrow.Partial || len(narrow.Uncovered) == 0 {
		t.Fatalf("filtered: certified=%v partial=%v uncovered=%d", narrow.Certified, narrow.Partial, len(narrow.Uncovered))
	}
	for _, g := range narrow.Uncovered {
		if g.Rule == "G1-AUTH-1" || !strings.Contains(g.Reason, "label filter") {
			t.Errorf("gap %+v", g)
		}
	}

	for _, tt := range []struct{ give, want string }{{"postbak", "postback"}, {"PB-AUTH-9", "PB-AUTH-1"}, {"g123 && postback", ""}} {
		_, err := conformance.Certify(context.Background(), target, ps, conformance.CertifyOptions{LabelFilter: tt.give})
		var nm *conformance.NoMatchError
		if !errors.As(err, &nm) {
			t.Fatalf("filter %q: err %v, want a NoMatchError", tt.give, err)
		}
		if (tt.want == "") != (len(nm.Nearest) == 0) || tt.want != "" && !slices.Contains(nm.Nearest, tt.want) {
			t.Errorf("filter %q: nearest %v, want %q among them", tt.give, nm.Nearest, tt.want)
		}
	}
}

// hostile is a receiver written to hurt its client; it counts requests.
type hostile struct {
	posts atomic.Int64
	srv   *httptest.Server
}

func startHostile(t *testing.T, h func(hs *hostile, w http.ResponseWriter, r *http.Request)) *hostile {
	t.Helper()
	hs := &hostile{}
	hs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			hs.posts.Add(1)
		}
		h(hs, w, r)
	}))
	t.Cleanup(hs.srv.Close)
	return hs
}

// shortClient gives every request little time, so a receiver that never
// answers is found out in a bounded number of requests.
func shortClient() *http.Client {
	c := conformance.Client()
	c.Timeout = 300 * time.Millisecond
	return c
}

// TestHangOnPost: a receiver that answers HEAD and never answers a POST is
// lost after a few requests: the run stops, incomplete, without sending the
// rest of its checks.
func TestHangOnPost(t *testing.T) {
	stop := make(chan struct{})
	hs := startHostile(t, func(_ *hostile, w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusOK)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body) // then the server sees the client go
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	})
	t.Cleanup(func() { close(stop) }) // before the server's Close
	ps, _ := builtin.Select("postback")
	cert, err := conformance.Certify(context.Background(), conformance.Target{URL: hs.srv.URL, Client: shortClient()}, ps,
		conformance.CertifyOptions{Options: conformance.Options{Seed: testSeed}, Diagnose: true})
	if err != nil {
		t.Fatal(err)
	}
	if cert.Complete || cert.Certified || !strings.Contains(cert.Reason, "lost the target") {
		t.Errorf("complete=%v certified=%v reason=%q", cert.Complete, cert.Certified, cert.Reason)
	}
	if n := hs.posts.Load(); n > int64(conformance.MaxNoAnswer)+2 {
		t.Errorf("%d POSTs sent to a receiver that answers none, want at most %d", n, conformance.MaxNoAnswer+2)
	}
	if cert.ChecksRun >= cert.ChecksSelected {
		t.Errorf("ran %d of %d checks", cert.ChecksRun, cert.ChecksSelected)
	}
}

// TestEndlessAnswer: a receiver whose every answer never ends (a 1 GiB body
// and more) is read up to the cap, its answers marked truncated, and what the
// suite keeps of them stays bounded in bytes however many it sent.
func TestEndlessAnswer(t *testing.T) {
	chunk := []byte(strings.Repeat(`{"status":"ok"}`, 2048))
	hs := startHostile(t, func(_ *hostile, w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		for sent := 0; sent < 1<<30; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	p, _ := builtin.Lookup("postback")
	cfg, err := conformance.ParseConfig([]byte(receiverConfig), "yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := conformance.NewRunner(conformance.Target{URL: hs.srv.URL, Config: cfg}, []*profile.Profile{p})
	if err != nil {
		t.Fatal(err)
	}
	checks := checksOf(t, r.Profile("postback"))
	results := runAll(context.Background(), r, checks)
	if err := r.Lost(); err != nil {
		t.Fatalf("an answering receiver was lost: %v", err)
	}
	const bound = 8<<20 + 4000*(4<<10) // the seen budget plus cut answers
	if n := r.SeenBytes(); n > bound {
		t.Errorf("the runner keeps %d bytes of answers, want at most %d", n, bound)
	}
	truncated, kept := 0, 0
	for _, res := range results {
		for _, v := range res.Verdicts {
			if ev := v.Evidence; ev != nil && ev.Response != nil {
				kept += len(ev.Response.Body)
				if ev.Response.BodyBytes > 1<<20 {
					t.Errorf("%s: evidence says %d bytes were read, over the 1 MiB cap", res.Check.Name, ev.Response.BodyBytes)
				}
				if ev.Response.Truncated {
					truncated++
				}
			}
		}
	}
	if truncated == 0 {
		t.Error("no evidence says its answer was cut")
	}
	if per := kept / max(1, len(results)); per > 16<<10 {
		t.Errorf("evidence keeps %d bytes of answer per check, want at most 16 KiB", per)
	}
}

// TestRedirectToAnotherHost: a receiver that redirects every POST to another
// port: the suite never follows (even with a caller's client that would),
// so nothing, credentials least of all, reaches the other server, and the
// redirect is judged under the no-redirect rule.
func TestRedirectToAnotherHost(t *testing.T) {
	var leaked atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer other.Close()
	hs := startHostile(t, func(_ *hostile, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	ps, _ := builtin.Select("postback")
	cert, err := conformance.Certify(context.Background(), conformance.Target{URL: hs.srv.URL, Client: &http.Client{Timeout: 5 * time.Second}}, ps,
		conformance.CertifyOptions{Options: conformance.Options{Seed: testSeed}, LabelFilter: "PB-AUTH-1 || PB-REDIR-1"})
	if err != nil {
		t.Fatal(err)
	}
	if n := leaked.Load(); n != 0 {
		t.Errorf("%d requests followed the redirect to another host", n)
	}
	if hs.posts.Load() == 0 {
		t.Fatal("nothing was sent")
	}
	for _, r := range cert.Rules() {
		if r.ID == "PB-REDIR-1" && r.Status != conformance.Fail {
			t.Errorf("PB-REDIR-1 is %s: %s", r.Status, r.Message)
		}
	}
}

// TestTargetGoneMidRun: the receiver's listener closes after a few checks
// (the process died): the run stops as incomplete, lost, instead of
// failing every remaining check for want of an answer.
func TestTargetGoneMidRun(t *testing.T) {
	m, tc := startMock(t, profile.Strict)
	srv := httptest.NewServer(m.Mock)
	ps, _ := builtin.Select("g123")
	done := 0
	// A generous timeout: a busy machine's slow answers must not count as
	// lost before the listener closes; a closed one refuses at once.
	hc := conformance.Client()
	hc.Timeout = 30 * time.Second
	cert, err := conformance.Certify(context.Background(), conformance.Target{URL: srv.URL, Config: tc, Client: hc}, ps,
		conformance.CertifyOptions{Options: conformance.Options{Seed: testSeed}, Progress: func(p conformance.Progress) {
			if p.Result != nil {
				if done++; done == 3 {
					srv.Close()
				}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if cert.Complete || cert.Certified || !strings.Contains(cert.Reason, "lost the target") || cert.ChecksRun < 3 || cert.ChecksRun > 3+conformance.MaxNoAnswer {
		t.Errorf("complete=%v certified=%v reason=%q ran %d of %d", cert.Complete, cert.Certified, cert.Reason, cert.ChecksRun, cert.ChecksSelected)
	}
	if cert.Counts.Fail != 0 {
		t.Errorf("a target that went away fails %d rules; want them not judged", cert.Counts.Fail)
	}
}
