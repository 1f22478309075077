package mockserver

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
)

// A request with both Content-Length and Transfer-Encoding is the shape of
// request smuggling (RFC 9112 §6.1: "ought to be handled as an error"). Go's
// server drops the Content-Length before a handler sees the request, so the
// main port's connections note, as their bytes pass, that a Content-Length
// line was seen; the handler of a request with a Transfer-Encoding asks.

// framingConn is a connection that notes Content-Length header lines. It
// reads heads only: from a request's first byte to its blank line; a body
// (which may hold any text, "content-length:" lines included) is not
// scanned, until the request's handler is done (next).
type framingConn struct {
	net.Conn
	length atomic.Bool // a Content-Length line passed since the last request began
	inBody atomic.Bool // the head ended: the bytes now are a body, not scanned
	open   bool        // the previous read ended within the first bytes of a line
	tail   []byte      // those bytes
}

var contentLengthLine = []byte("content-length:")

func (c *framingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && !c.inBody.Load() && c.scan(b[:n]) {
		c.length.Store(true)
	}
	return n, err
}

// blank reports whether line (up to its newline) is empty: a head's end.
func blank(line []byte) bool { return len(line) == 0 || (len(line) == 1 && line[0] == '\r') }

// scan reports whether a line of b (or one the previous read began) starts
// with "content-length:", in any case, before the head's blank line; at
// that line the connection is in the body.
func (c *framingConn) scan(b []byte) bool {
	found := false
	if c.open { // the previous read ended less than a header name into a line
		k := min(len(b), len(contentLengthLine)-len(c.tail))
		joined := append(c.tail, b[:k]...)
		switch {
		case bytes.IndexByte(joined, '\n') >= 0: // the line ended short; the loop reads on
			if blank(joined[:bytes.IndexByte(joined, '\n')]) {
				c.open, c.tail = false, c.tail[:0]
				c.inBody.Store(true)
				return false
			}
			c.open, c.tail = false, c.tail[:0]
		case len(joined) == len(contentLengthLine):
			found = bytes.EqualFold(joined, contentLengthLine)
			c.open, c.tail = false, c.tail[:0]
		default: // all of b, and still short
			c.tail = joined
			return false
		}
	}
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return found
		}
		b = b[i+1:]
		if j := bytes.IndexByte(b, '\n'); j >= 0 && j <= 1 && blank(b[:j]) {
			c.inBody.Store(true)
			return found
		}
		if len(b) < len(contentLengthLine) {
			if bytes.IndexByte(b, '\n') < 0 {
				c.open, c.tail = true, append(c.tail[:0], b...)
				return found
			}
			continue
		}
		if b[0]|0x20 == 'c' && bytes.EqualFold(b[:len(contentLengthLine)], contentLengthLine) {
			found = true
		}
	}
}

// CloseWrite lets the server half-close as it does on a bare TCP connection.
func (c *framingConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// framingListener wraps each accepted connection in a framingConn.
type framingListener struct{ net.Listener }

func (l framingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &framingConn{Conn: c}, nil
}

type framingKey struct{}

// framingContext carries a framingConn to its requests (http.Server.ConnContext).
func framingContext(ctx context.Context, c net.Conn) context.Context {
	if fc, ok := c.(*framingConn); ok {
		return context.WithValue(ctx, framingKey{}, fc)
	}
	return ctx
}

// lengthAndEncoding reports whether a request with a Transfer-Encoding also
// had a Content-Length, and starts the connection's next request afresh. The
// head of a request is read before its handler runs, so the note is its own;
// a pipelined next head read during this body is noted for the next one.
func lengthAndEncoding(ctx context.Context, transferEncoding []string) bool {
	fc, _ := ctx.Value(framingKey{}).(*framingConn)
	if fc == nil {
		return false
	}
	had := fc.length.Swap(false)
	return had && len(transferEncoding) > 0
}

// requestDone reads what is left of r's body (as the server would before the
// next request, at most maxDrain bytes: past that it closes the connection)
// and sets the connection to scan the next head.
func requestDone(r *http.Request) {
	fc, _ := r.Context().Value(framingKey{}).(*framingConn)
	if fc == nil {
		return
	}
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxDrain))
	}
	fc.open, fc.tail = false, fc.tail[:0]
	fc.inBody.Store(false)
}

// maxDrain is how much of an unread body the server reads to keep the
// connection (net/http's own limit is 256 KiB).
const maxDrain = 256 << 10
