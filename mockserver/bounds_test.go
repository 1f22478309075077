package mockserver_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// serve runs m on a loopback port through Serve (its timeouts and framing
// checks) until the test ends.
func serve(t *testing.T, m *mockserver.Mock) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return ln.Addr().String()
}

// heap is the live heap after a collection.
func heap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestAnnouncedBodiesAreNotAllocated holds hundreds of connections that
// announce a 4 MiB batch (within the endpoint's cap, with a valid key) and
// send 150 bytes of it: the mock holds what arrived, not what was announced.
// Before, each such request allocated its 4 MiB at once (1.2 GB for 300).
func TestAnnouncedBodiesAreNotAllocated(t *testing.T) {
	conns := 300
	if s := os.Getenv("S2S_BOUNDS_CONNS"); s != "" { // for measuring by hand
		conns, _ = strconv.Atoi(s)
	}
	p := profileNamed(t, "revosurge")
	m, err := mockserver.New(builtin.All(), mockserver.WithConfig(mockserver.Config{
		Server: mockserver.ServerConfig{ReadTimeout: inspect.Duration(time.Minute)}}))
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, m)
	base := heap()
	head := fmt.Sprintf("POST /v2/s2s/batch HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\nX-API-Key: %s\r\nContent-Length: %d\r\n\r\n",
		p.Defaults.APIKeys[0], 4<<20-64)
	body := "[" + strings.Repeat(`{"event":"x"},`, 10)
	var cs []net.Conn
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
		if _, err := io.WriteString(c, head+body); err != nil {
			t.Fatal(err)
		}
	}
	// Wait until the handlers are reading: the heap stops growing.
	var held uint64
	for i, last := 0, uint64(0); i < 50; i++ {
		time.Sleep(100 * time.Millisecond)
		if held = heap(); held <= last+(1<<20) && runtime.NumGoroutine() > conns {
			break
		}
		last = held
	}
	grew := int64(held) - int64(base)
	t.Logf("%d connections announcing 4 MiB, %d bytes sent each: heap %.1f MiB → %.1f MiB (%+.1f MiB, %.1f KiB a connection)",
		conns, len(body), float64(base)/(1<<20), float64(held)/(1<<20), float64(grew)/(1<<20), float64(grew)/float64(conns)/1024)
	if limit := int64(conns) * (64 << 10); grew > limit {
		t.Errorf("the heap grew %d MiB for %d connections, over %d MiB (64 KiB each): bodies are allocated as announced",
			grew>>20, conns, limit>>20)
	}
}

// A request with both Content-Length and Transfer-Encoding is answered 400
// and its connection closed: what follows on it is never read as a request.
func TestLengthAndTransferEncodingCloses(t *testing.T) {
	m, err := mockserver.New(builtin.All())
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, m)
	for _, cl := range []string{"Content-Length", "content-LENGTH"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		body := `{"a":1}`
		// The smuggled second request would be a 404 if it were read.
		fmt.Fprintf(c, "POST /postback HTTP/1.1\r\nHost: x\r\n%s: 3\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
			cl, len(body), body)
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusBadRequest || !resp.Close || !strings.Contains(string(b), "Transfer-Encoding") {
			t.Errorf("%s: got %d close=%v %s; want 400 and the connection closed", cl, resp.StatusCode, resp.Close, b)
		}
		if next, err := http.ReadResponse(br, nil); err == nil {
			t.Errorf("%s: a second answer (%d) on the connection: the smuggled request was read", cl, next.StatusCode)
		}
		c.Close()
	}
	// A chunked request alone is served as usual, on a kept connection.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /_s2s/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nPOST /postback HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
	br := bufio.NewReader(c)
	for i, want := range []int{200, 401} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != want {
			t.Errorf("request %d: got %d, want %d", i, resp.StatusCode, want)
		}
	}
}

// A body sent with a Content-Encoding the mock does not decode is 415 under
// a rule, never read as JSON; identity is no encoding.
func TestContentEncodingIsRefused(t *testing.T) {
	h := newHarness(t, unlimited(mockserver.Config{}))
	forEachProfile(t, func(t *testing.T, p *profile.Profile) {
		if e, ok := p.Endpoint(valid(t, p, 1, "").Endpoint); ok && !e.Carriage().Body {
			t.Skip("its transport carries no body to encode")
		}
		for _, enc := range []string{"br", "gzip", "identity, gzip", "x-custom"} {
			r := h.request(p, valid(t, p, 1, ""), nil)
			r.Header.Set("Content-Encoding", enc)
			w := h.do(r)
			if w.Code != http.StatusUnsupportedMediaType || len(violations(w)) == 0 {
				t.Errorf("Content-Encoding %s: got %d %v %s; want 415 naming a rule", enc, w.Code, violations(w), w.Body)
			}
		}
		r := h.request(p, valid(t, p, 2, ""), nil)
		r.Header.Set("Content-Encoding", "identity")
		if w := h.do(r); !ok2xx(w.Code) {
			t.Errorf("Content-Encoding identity: got %d %s", w.Code, w.Body)
		}
	})
}

// The admin token's scheme is matched in any case (RFC 9110 §11.1).
func TestAdminBearerAnyCase(t *testing.T) {
	h := newHarness(t, mockserver.Config{AdminToken: "s3cret"})
	for _, tt := range []struct {
		auth string
		want int
	}{{"Bearer s3cret", 200}, {"bearer s3cret", 200}, {"BEARER  s3cret", 200}, {"Basic s3cret", 401}, {"bearer wrong", 401}, {"s3cret", 401}} {
		r, _ := http.NewRequest(http.MethodGet, "http://mock"+inspect.Prefix+"stats", nil)
		r.Header.Set("Authorization", tt.auth)
		if w := h.do(r); w.Code != tt.want {
			t.Errorf("Authorization %q: got %d, want %d", tt.auth, w.Code, tt.want)
		}
	}
}

// A number beyond a 64-bit float on a signed postback is the JSON rule
// (PB-BODY-1, 400), as documented, not a signature failure.
func TestPostbackHugeNumberIsTheJSONRule(t *testing.T) {
	h := newHarness(t, mockserver.Config{})
	p := profileNamed(t, "postback")
	r := h.request(p, valid(t, p, 1, ""), func(o *profile.Outgoing) {
		o.Body = []byte(strings.Replace(string(o.Body), "{", `{"amount_extra":1e400,`, 1))
	})
	w := h.do(r)
	if w.Code != http.StatusBadRequest || decode(t, w)["rule"] != "PB-BODY-1" {
		t.Errorf("got %d %s; want 400 under PB-BODY-1", w.Code, w.Body)
	}
}

// The epoch is in health and the journal; it changes on a global reset only.
func TestEpochChangesOnGlobalReset(t *testing.T) {
	h := newHarness(t, mockserver.Config{})
	epoch := func() (string, string) {
		var hl inspect.Health
		var pg inspect.Page
		h.inspect(http.MethodGet, "health", nil, &hl)
		h.inspect(http.MethodGet, "journal", nil, &pg)
		return hl.Epoch, pg.Epoch
	}
	e1, j1 := epoch()
	if e1 == "" || e1 != j1 {
		t.Fatalf("health epoch %q, journal epoch %q", e1, j1)
	}
	h.inspect(http.MethodPost, "reset?profile=postback", nil, nil)
	if e, _ := epoch(); e != e1 {
		t.Errorf("a profile's reset changed the epoch %q → %q", e1, e)
	}
	h.inspect(http.MethodPost, "reset", nil, nil)
	if e, j := epoch(); e == e1 || e != j {
		t.Errorf("after a global reset: health %q, journal %q; want a new epoch (was %q)", e, j, e1)
	}
}

func profileNamed(t testing.TB, name string) *profile.Profile {
	t.Helper()
	for _, p := range builtin.All() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no profile %s", name)
	return nil
}

// TestLongIDsAreBoundedByBytes sends postback events whose event_id is 30 KB:
// the mock's heap grows by at most its journal's byte bound (64 MiB), since
// the repeat-detection memory keeps hashes. Before, 10,000 such ids held
// 1.44 GB.
func TestLongIDsAreBoundedByBytes(t *testing.T) {
	n := 3000
	if s := os.Getenv("S2S_BOUNDS_IDS"); s != "" { // for measuring by hand
		n, _ = strconv.Atoi(s)
	}
	h := newHarness(t, unlimited(mockserver.Config{}))
	p := profileNamed(t, "postback")
	pad := strings.Repeat("i", 30_000)
	base := heap()
	for i := range n {
		pl := valid(t, p, int64(i), "")
		doc := pl.Body.(map[string]any)
		doc["event_id"] = fmt.Sprint(i, "-", pad)
		if w := h.send(p, pl); w.Code != http.StatusOK {
			t.Fatalf("event %d: %d %s", i, w.Code, w.Body)
		}
	}
	held := heap()
	grew := int64(held) - int64(base)
	t.Logf("%d events with 30 KB ids: heap %.1f MiB → %.1f MiB (%+.1f MiB)", n, float64(base)/(1<<20), float64(held)/(1<<20), float64(grew)/(1<<20))
	if limit := int64(mockserver.DefaultJournalBytes + 32<<20); grew > limit {
		t.Errorf("the heap grew %d MiB, over the journal's 64 MiB and 32 MiB of margin", grew>>20)
	}
	runtime.KeepAlive(h)
}

// A chunked body may hold any text, a "content-length:" line included: it is
// a body, not a head, and never taken for the smuggling shape. The next
// request on the kept connection is scanned again from its head.
func TestBodyLinesAreNotHeaders(t *testing.T) {
	m, err := mockserver.New(builtin.All())
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", serve(t, m))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	answer := func(req string) (int, string) {
		t.Helper()
		if _, err := io.WriteString(c, req); err != nil { // one write: the head and body arrive in one read
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	body := "x\r\ncontent-length: 9\r\n"
	chunked := fmt.Sprintf("POST /postback HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(body), body)
	for i := range 2 {
		if code, b := answer(chunked); code != http.StatusUnauthorized {
			t.Fatalf("chunked request %d with a content-length line in its body: %d %s, want 401 (no token)", i, code, b)
		}
	}
	smuggled := "POST /postback HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
	if code, b := answer(smuggled); code != http.StatusBadRequest || !strings.Contains(b, "Transfer-Encoding") {
		t.Errorf("both headers after two kept requests: %d %s, want the framing 400", code, b)
	}
}
