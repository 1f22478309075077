package load

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/profile/revosurge"
)

// countingServer answers 200 to every request and counts the POSTs it read;
// reset(n) says whether to reset the connection after reading the nth one
// instead of answering.
func countingServer(t *testing.T, idle time.Duration, reset func(n int64) bool) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var posts atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		n := posts.Add(1)
		if reset != nil && reset(n) {
			c, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			_ = c.(*net.TCPConn).SetLinger(0) // RST, not FIN
			c.Close()
			return
		}
		_, _ = w.Write([]byte(`{"status":"queued","accepted":1}`))
	}))
	srv.Config.IdleTimeout = idle
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &posts
}

func connScenario(rate float64, d time.Duration, inFlight int) *Scenario {
	return &Scenario{Name: "conn", Rate: rate, Duration: d, MaxInFlight: inFlight, Timeout: 5 * time.Second,
		LagTolerance: DefaultLagTolerance, Settle: time.Second, Horizon: time.Minute, Seed: 3}
}

// oracle sends n POSTs one after another through net/http's client, whose
// Transport notices idle connections the server closed, and never re-sends a
// POST it wrote: its errors are what the server really did.
func oracle(t *testing.T, url string, n int, gap time.Duration) (errs int) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	defer hc.CloseIdleConnections()
	for range n {
		resp, err := hc.Post(url+"/v2/s2s/event", "application/json", bytes.NewReader([]byte(`{}`)))
		if err != nil {
			errs++
		} else {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		time.Sleep(gap)
	}
	return errs
}

// A server closing idle connections (here after 50 ms, requests 250 ms
// apart) costs no errors and no re-sends: the engine notices the close
// before it writes, as net/http's client does. The 200 ms between the close
// and the next write is a margin a busy machine's timers keep.
func TestIdleTimeoutServerCostsNothing(t *testing.T) {
	const idle = 50 * time.Millisecond
	srv, posts := countingServer(t, idle, nil)
	if errs := oracle(t, srv.URL, 4, 250*time.Millisecond); errs != 0 {
		t.Fatalf("net/http client: %d errors against the idle-timeout server, want 0", errs)
	}
	// On schedule: a generator catching up sends at gaps near the idle
	// timeout, where the server's close and the next write race.
	res := onSchedule(t, func() *Result {
		posts.Store(0)
		res, err := Run(context.Background(), Config{Profile: revosurge.New(), Target: srv.URL, Scenario: connScenario(4, 3*time.Second, 2)})
		if err != nil {
			t.Fatal(err)
		}
		return res
	})
	q := res.Requests
	if len(res.Errors) != 0 || q.Retries != 0 || q.Acknowledged != q.Sent || q.Sent < 10 {
		t.Errorf("engine: %+v, errors %+v; want every request answered, no retries", q, res.Errors)
	}
	if got := posts.Load(); uint64(got) != q.Attempts {
		t.Errorf("server read %d POSTs, report says %d attempts", got, q.Attempts)
	}
}

// A server that reads a request, counts it and resets the connection: every
// POST it read is an attempt in the report, and every re-send a counted retry.
func TestReadThenResetIsCountedNotHidden(t *testing.T) {
	every3rd := func(n int64) bool { return n%3 == 0 }
	srv, posts := countingServer(t, 0, every3rd)
	const n = 30
	errs := oracle(t, srv.URL, n, 0)
	if got := posts.Load(); got != n || errs != n/3 {
		t.Fatalf("net/http client: server read %d POSTs for %d sent, %d errors; want %d, %d", got, n, errs, n, n/3)
	}
	posts.Store(0)
	res, err := Run(context.Background(), Config{Profile: revosurge.New(), Target: srv.URL, Scenario: connScenario(50, 2*time.Second, 4)})
	if err != nil {
		t.Fatal(err)
	}
	q := res.Requests
	t.Logf("server read %d; report: %+v", posts.Load(), q)
	if got := posts.Load(); uint64(got) != q.Attempts {
		t.Errorf("server read %d POSTs, report says %d attempts", got, q.Attempts)
	}
	if q.Retries != q.Attempts-q.Sent || q.Resent != q.Retries || q.Resent == 0 {
		t.Errorf("retries %d, resent %d, attempts %d, sent %d: want every attempt beyond the first counted as a re-send", q.Retries, q.Resent, q.Attempts, q.Sent)
	}
	var connErrs uint64
	for _, e := range res.Errors {
		if e.Class == classConnection {
			connErrs = e.Count
		}
	}
	if connErrs != q.Attempts-q.Acknowledged || connErrs == 0 {
		t.Errorf("connection errors %d, want the %d attempts the server reset", connErrs, q.Attempts-q.Acknowledged)
	}
}

// deadlineConn counts the deadlines set on it.
type deadlineConn struct {
	net.Conn
	set []time.Time
}

func (c *deadlineConn) SetDeadline(t time.Time) error { c.set = append(c.set, t); return nil }

// A connection's deadline is re-armed only when an attempt's is later by
// timeout/1000 or more (or earlier): an attempt times out at most 0.1 % early.
func TestDeadlineRearmedOnlyWhenItMoves(t *testing.T) {
	const timeout = 10 * time.Second
	t0 := time.Unix(1_000_000, 0)
	c := &deadlineConn{}
	h := &h1Conn{c: c}
	for _, step := range []struct {
		at    time.Duration // the attempt's deadline, after t0
		armed bool
	}{
		{0, true},                     // nothing armed yet
		{5 * time.Millisecond, false}, // within 10 ms: kept
		{9 * time.Millisecond, false}, // still within 10 ms of the armed one
		{10 * time.Millisecond, true}, // 10 ms later: re-armed
		{-time.Millisecond, true},     // earlier than the armed one: re-armed
		{-time.Millisecond, false},    // the same
	} {
		before := len(c.set)
		if err := h.setDeadline(t0.Add(step.at), timeout); err != nil {
			t.Fatal(err)
		}
		if got := len(c.set) > before; got != step.armed {
			t.Errorf("deadline t0%+v: armed %v, want %v", step.at, got, step.armed)
		}
		if d := h.armed.Sub(t0.Add(step.at)); d > 0 || d <= -timeout/1000 {
			t.Errorf("deadline t0%+v: armed at t0%+v, want within %v before it", step.at, h.armed.Sub(t0), timeout/1000)
		}
	}
}
