package load

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// A conn sends one attempt at a time for one worker. With at most one
// request in flight per worker, a worker owning its connection needs no pool,
// no hand-off between goroutines and no per-request context: that is where
// the engine's higher rate than net/http's client (and vegeta's) comes from.
type conn interface {
	// keepOK keeps the body of a 2xx answer too (a non-2xx's is always kept).
	// t is a value: a pointer through the interface escaped, an allocation
	// per attempt. now is the caller's reading of the clock as it sends (a
	// clock reading costs as much as a tenth of the engine's own work).
	// wire, when not nil, is t already encoded as h1Wire does.
	roundTrip(ctx context.Context, t vegeta.Target, wire []byte, now time.Time, timeout time.Duration, keepOK bool) (answer, error)
	// scratch is a header the worker may sign each attempt into, or nil
	// when the connection may still read a header after roundTrip returns.
	scratch() http.Header
	close()
}

// answer is what an attempt got back.
type answer struct {
	status     int
	retryAfter string
	body       []byte // up to 8 KiB, when asked to keep it
	length     int64  // Content-Length, -1 when none (h1Conn only)
	chunked    bool
	at         time.Time // when it was read (h1Conn only; zero: ask the clock)
}

const keepBody = 8 << 10

// h1Conn speaks HTTP/1.1 (over TLS for https) on one keep-alive connection.
// Responses are read by readAnswer; requests are written in one write.
// Before a connection idle for aliveAfter is reused it is checked for a close
// by the receiver (alive), the way net/http's Transport notices one while idle.
type h1Conn struct {
	base   string // scheme://host, the prefix of every target URL
	addr   string // host:port to dial
	host   string // Host header
	tls    *tls.Config
	dialer *net.Dialer
	c      net.Conn
	br     *bufio.Reader
	raw    *rawReader // what br reads from on a plain TCP connection, else nil (br reads c)
	wbuf   []byte     // the request being written, reused
	reused bool
	// lastUse is when the last answer was read: a connection used less
	// than aliveAfter ago is not peeked at (see roundTrip).
	lastUse time.Time
	armed   time.Time   // the connection's deadline (zero: none set yet)
	hdr     http.Header // scratch: written out before roundTrip returns
	stopCtx func() bool
	mu      sync.Mutex // guards c against the interrupt callback
}

func newH1(base *url.URL, timeout time.Duration) *h1Conn {
	h := &h1Conn{base: base.Scheme + "://" + base.Host, host: base.Host, dialer: &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}}
	port := base.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[base.Scheme]
	}
	h.addr = net.JoinHostPort(base.Hostname(), port)
	if base.Scheme == "https" {
		h.tls = &tls.Config{ServerName: base.Hostname(), NextProtos: []string{"http/1.1"}}
	}
	return h
}

func (h *h1Conn) dial(ctx context.Context, deadline time.Time) error {
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	c, err := h.dialer.DialContext(dctx, "tcp", h.addr)
	if err != nil {
		return err
	}
	if h.tls != nil {
		tc := tls.Client(c, h.tls)
		if err := tc.HandshakeContext(dctx); err != nil {
			c.Close()
			return err
		}
		c = tc
	}
	h.mu.Lock()
	h.c = c
	h.mu.Unlock()
	h.armed = time.Time{}
	var src io.Reader = c
	if h.raw = newRawReader(c); h.raw != nil {
		src = h.raw
	}
	if h.br == nil {
		h.br = bufio.NewReaderSize(src, 4<<10)
	} else {
		h.br.Reset(src)
	}
	h.reused = false
	// An interrupt unblocks a read at once instead of at the timeout.
	if h.stopCtx == nil {
		h.stopCtx = context.AfterFunc(ctx, func() {
			h.mu.Lock()
			if h.c != nil {
				_ = h.c.SetDeadline(time.Unix(1, 0))
			}
			h.mu.Unlock()
		})
	}
	return nil
}

func (h *h1Conn) scratch() http.Header {
	if h.hdr == nil {
		h.hdr = http.Header{}
	}
	return h.hdr
}

func (h *h1Conn) close() {
	h.mu.Lock()
	if h.c != nil {
		h.c.Close()
		h.c = nil
	}
	h.mu.Unlock()
	if h.stopCtx != nil {
		h.stopCtx()
		h.stopCtx = nil
	}
}

func (h *h1Conn) drop() {
	h.mu.Lock()
	if h.c != nil {
		h.c.Close()
		h.c = nil
	}
	h.mu.Unlock()
}

// errResent marks an attempt on a reused connection that failed before any
// byte of an answer arrived, after the request was written: the receiver may
// have read it (and counted it), so a re-send is a retry the report shows,
// never a silent one. A connection found closed before anything was written
// on it is replaced without a word: nothing reached the receiver.
type errResent struct{ err error }

func (e errResent) Error() string {
	return "reused connection closed by the receiver before it answered (the request may have reached it): " + e.err.Error()
}

func (e errResent) Unwrap() error { return e.err }

// aliveAfter is how long a connection may sit idle before roundTrip peeks
// at it for a close by the receiver. The peek is a syscall; at the maximum
// rate a connection is reused within microseconds, where a receiver's idle
// timeout cannot have struck, and a close racing the write is caught anyway:
// the attempt is re-sent and counted (errResent).
const aliveAfter = time.Millisecond

func (h *h1Conn) roundTrip(ctx context.Context, t vegeta.Target, wire []byte, now time.Time, timeout time.Duration, keepOK bool) (answer, error) {
	if err := ctx.Err(); err != nil {
		return answer{}, err
	}
	deadline := now.Add(timeout)
	if h.c != nil && h.reused && now.Sub(h.lastUse) >= aliveAfter && !alive(h.c) {
		h.drop() // the receiver closed it while idle: nothing sent yet
	}
	if h.c == nil {
		if err := h.dial(ctx, deadline); err != nil {
			return answer{}, err
		}
	}
	reused := h.reused
	if err := h.setDeadline(deadline, timeout); err != nil {
		h.drop()
		return answer{}, err
	}
	b := wire
	if b == nil {
		var err error
		if b, err = appendRequest(h.wbuf[:0], h.base, h.host, &t); err != nil {
			return answer{}, err
		}
		h.wbuf = b
	}
	n, werr, rerr := h.exchange(b)
	if werr != nil && reused && n == 0 { // not a byte out: send it on a fresh connection
		h.drop()
		if err := h.dial(ctx, deadline); err != nil {
			return answer{}, err
		}
		if err := h.setDeadline(deadline, timeout); err != nil {
			h.drop()
			return answer{}, err
		}
		_, werr, rerr = h.exchange(b)
		reused = false
	}
	if werr != nil {
		h.drop()
		return answer{}, resent(reused, werr)
	}
	if rerr != nil { // no byte of an answer
		h.drop()
		return answer{}, resent(reused, rerr)
	}
	a, closing, err := readAnswer(h.br, t.Method == http.MethodHead, keepOK)
	if err != nil {
		h.drop()
		return answer{}, err
	}
	a.at = time.Now()
	if closing {
		h.drop()
	} else {
		h.reused = true
		h.lastUse = a.at
	}
	return a, nil
}

// setDeadline arms the connection's deadline for an attempt due by
// deadline. Re-arming updates two runtime timers, and at the maximum rate a
// connection is reused every millisecond or so: a deadline armed less than
// timeout/1000 before this one is kept, so an attempt times out at most
// 0.1 % early.
func (h *h1Conn) setDeadline(deadline time.Time, timeout time.Duration) error {
	if !h.armed.IsZero() && !deadline.Before(h.armed) && deadline.Sub(h.armed) < timeout/1000 {
		return nil
	}
	if err := h.c.SetDeadline(deadline); err != nil {
		return err
	}
	h.armed = deadline
	return nil
}

// resent wraps the failure of a written request on a reused connection whose
// receiver closed it (EOF or reset, not a timeout) as one to send again.
func resent(reused bool, err error) error {
	if reused && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err)) {
		return errResent{err}
	}
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// exchange writes b and waits for the first byte of the answer: n is the
// bytes of b that left, werr a failure to send them all, rerr a failure to
// read an answer's first byte. On a plain TCP connection the write and the
// wait are one call (rawReader).
func (h *h1Conn) exchange(b []byte) (n int, werr, rerr error) {
	if h.raw != nil && h.br.Buffered() == 0 {
		h.raw.out, h.raw.wrote, h.raw.werr = b, 0, nil
		_, rerr = h.br.Peek(1)
		n, werr = h.raw.wrote, h.raw.werr
		h.raw.out = nil
		if werr != nil {
			return n, werr, nil
		}
		return n, nil, rerr
	}
	if n, werr = h.c.Write(b); werr != nil {
		return n, werr, nil
	}
	_, rerr = h.br.Peek(1)
	return n, nil, rerr
}

// h1Wire returns the HTTP/1.1 encoding of signed requests for the
// receiver at base, as an h1Conn to it writes them; nil for a target it
// cannot encode (an h1Conn then reports the error).
func h1Wire(base *url.URL) func(*vegeta.Target) []byte {
	prefix := base.Scheme + "://" + base.Host
	return func(t *vegeta.Target) []byte {
		// Sized once: grown from nil, it was copied four times over.
		b, err := appendRequest(make([]byte, 0, 128+len(t.URL)+len(base.Host)+64*len(t.Header)+len(t.Body)), prefix, base.Host, t)
		if err != nil {
			return nil
		}
		return b
	}
}

// appendRequest appends t as an HTTP/1.1 request to host, whose URLs start
// with base (scheme://host).
func appendRequest(b []byte, base, host string, t *vegeta.Target) ([]byte, error) {
	path := t.URL
	if len(path) >= len(base) && path[:len(base)] == base {
		path = path[len(base):]
	} else {
		u, err := url.Parse(t.URL)
		if err != nil {
			return nil, err
		}
		path = u.RequestURI()
	}
	if path == "" {
		path = "/"
	}
	b = append(b, t.Method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\nUser-Agent: s2s-load\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(t.Body)), 10)
	b = append(b, "\r\n"...)
	for k, vs := range t.Header {
		for _, v := range vs {
			b = append(b, k...)
			b = append(b, ": "...)
			if strings.IndexByte(v, '\r') >= 0 || strings.IndexByte(v, '\n') >= 0 { // a header cannot end early
				v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
			}
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	b = append(b, "\r\n"...)
	return append(b, t.Body...), nil
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

// stdConn sends through a net/http client: for a client given in Config and
// for targets reached through a proxy.
type stdConn struct{ hc *http.Client }

func (s stdConn) close() {}

// scratch is nil: net/http's Transport may hold a request's header past Do.
func (s stdConn) scratch() http.Header { return nil }

func (s stdConn) roundTrip(ctx context.Context, t vegeta.Target, _ []byte, _ time.Time, timeout time.Duration, keepOK bool) (answer, error) {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, t.Method, t.URL, bytes.NewReader(t.Body))
	if err != nil {
		return answer{}, fmt.Errorf("request: %w", err)
	}
	req.Header = t.Header
	resp, err := s.hc.Do(req)
	if err != nil {
		return answer{}, err
	}
	a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	if keepOK || resp.StatusCode/100 != 2 {
		a.body, err = io.ReadAll(io.LimitReader(resp.Body, keepBody))
	}
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
	return a, err
}
