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
	roundTrip(ctx context.Context, t *vegeta.Target, timeout time.Duration, keep func(status int) bool) (answer, error)
	close()
}

// answer is what an attempt got back.
type answer struct {
	status     int
	retryAfter string
	body       []byte // up to 8 KiB, when asked to keep it
}

const keepBody = 8 << 10

// h1Conn speaks HTTP/1.1 (over TLS for https) on one keep-alive connection.
// Responses are parsed by net/http's ReadResponse; requests are written in
// one buffered write.
type h1Conn struct {
	base    string // scheme://host, the prefix of every target URL
	addr    string // host:port to dial
	host    string // Host header
	tls     *tls.Config
	dialer  *net.Dialer
	c       net.Conn
	br      *bufio.Reader
	bw      *bufio.Writer
	reused  bool
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
	if h.br == nil {
		h.br = bufio.NewReaderSize(c, 4<<10)
		h.bw = bufio.NewWriterSize(c, 16<<10)
	} else {
		h.br.Reset(c)
		h.bw.Reset(c)
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

// errStale is a reused connection the server had closed: nothing was
// answered, so the request is sent again on a fresh connection, once.
var errStale = errors.New("stale keep-alive connection")

func (h *h1Conn) roundTrip(ctx context.Context, t *vegeta.Target, timeout time.Duration, keep func(int) bool) (answer, error) {
	deadline := time.Now().Add(timeout)
	a, err := h.try(ctx, t, deadline, keep)
	if errors.Is(err, errStale) {
		a, err = h.try(ctx, t, deadline, keep)
		if errors.Is(err, errStale) {
			err = io.ErrUnexpectedEOF
		}
	}
	return a, err
}

func (h *h1Conn) try(ctx context.Context, t *vegeta.Target, deadline time.Time, keep func(int) bool) (answer, error) {
	if err := ctx.Err(); err != nil {
		return answer{}, err
	}
	if h.c == nil {
		if err := h.dial(ctx, deadline); err != nil {
			return answer{}, err
		}
	}
	reused := h.reused
	if err := h.c.SetDeadline(deadline); err != nil {
		h.drop()
		return answer{}, err
	}
	if err := h.write(t); err != nil {
		h.drop()
		if reused {
			return answer{}, errStale
		}
		return answer{}, err
	}
	resp, err := http.ReadResponse(h.br, nil)
	if err != nil {
		h.drop()
		if reused && (errors.Is(err, io.EOF) || isReset(err)) {
			return answer{}, errStale
		}
		return answer{}, err
	}
	a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	if keep(resp.StatusCode) {
		a.body, err = io.ReadAll(io.LimitReader(resp.Body, keepBody))
	}
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
	if err != nil || resp.Close {
		h.drop()
	} else {
		h.reused = true
	}
	return a, err
}

func (h *h1Conn) write(t *vegeta.Target) error {
	path := t.URL
	if len(path) >= len(h.base) && path[:len(h.base)] == h.base {
		path = path[len(h.base):]
	} else {
		u, err := url.Parse(t.URL)
		if err != nil {
			return err
		}
		path = u.RequestURI()
	}
	if path == "" {
		path = "/"
	}
	bw := h.bw
	bw.WriteString(t.Method)
	bw.WriteByte(' ')
	bw.WriteString(path)
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(h.host)
	bw.WriteString("\r\nUser-Agent: s2s-load\r\nContent-Length: ")
	bw.WriteString(strconv.Itoa(len(t.Body)))
	bw.WriteString("\r\n")
	for k, vs := range t.Header {
		for _, v := range vs {
			bw.WriteString(k)
			bw.WriteString(": ")
			if strings.ContainsAny(v, "\r\n") { // a header cannot end early
				v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
			}
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	bw.WriteString("\r\n")
	bw.Write(t.Body)
	return bw.Flush()
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

// stdConn sends through a net/http client: for a client given in Config and
// for targets reached through a proxy.
type stdConn struct{ hc *http.Client }

func (s stdConn) close() {}

func (s stdConn) roundTrip(ctx context.Context, t *vegeta.Target, timeout time.Duration, keep func(int) bool) (answer, error) {
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
	if keep(resp.StatusCode) {
		a.body, err = io.ReadAll(io.LimitReader(resp.Body, keepBody))
	}
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
	return a, err
}
