//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package load

import (
	"errors"
	"io"
	"net"
	"syscall"
)

// rawReader is what an h1Conn's bufio.Reader reads from on a plain TCP
// connection. The first read after a request writes it and waits for the
// answer in one call of the socket's RawConn: the poller's readiness is
// reset before the write, so the wait cannot miss the answer, and no read
// is tried before one can succeed. Written, then read, the first read of
// nearly every attempt found nothing yet (EAGAIN): a third of the engine's
// syscalls at the maximum rate.
type rawReader struct {
	c     net.Conn
	rc    syscall.RawConn
	out   []byte // the request to write on the next Read; nil: read only
	wrote int    // bytes of out written
	werr  error  // writing out failed
	// The state of one step call, in fields: a closure per Read would be
	// an allocation per attempt.
	step func(fd uintptr) bool
	p    []byte
	n    int
	rerr error
	serr error // the write's syscall error
}

// newRawReader returns the raw reader of c, nil when c is not a socket
// (TLS: the record layer must do the writing).
func newRawReader(c net.Conn) *rawReader {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &rawReader{c: c, rc: rc}
	r.step = r.exchange
	return r
}

// exchange is RawConn.Read's function: it writes what is left of out, then
// reads once the socket is readable (false: wait for it).
func (r *rawReader) exchange(fd uintptr) bool {
	if r.wrote < len(r.out) {
		w, err := ignoringEINTR(func() (int, error) { return syscall.Write(int(fd), r.out[r.wrote:]) })
		if w > 0 {
			r.wrote += w
		}
		switch {
		case err == syscall.EAGAIN:
			return true // the socket's buffer is full: net.Conn's Write waits for room
		case err != nil:
			r.serr = err
			return true
		}
		// All out: wait for the answer. A part: Read writes the rest as
		// net.Conn does, waiting for room.
		return r.wrote < len(r.out)
	}
	r.n, r.rerr = ignoringEINTR(func() (int, error) { return syscall.Read(int(fd), r.p) })
	return r.rerr != syscall.EAGAIN
}

func (r *rawReader) Read(p []byte) (int, error) {
	if r.out == nil {
		return r.c.Read(p)
	}
	out := r.out
	r.p, r.n, r.rerr, r.serr = p, 0, nil, nil
	err := r.rc.Read(r.step)
	r.out, r.p = nil, nil
	switch {
	case r.serr != nil:
		r.werr = r.opError("write", &syscallError{"write", r.serr})
		return 0, r.werr
	case err != nil && r.wrote < len(out): // not even written: the deadline passed, or the connection closed
		r.werr = rawOp(err, "write")
		return 0, r.werr
	case err != nil: // waiting for the answer: the deadline, or the connection closed
		return 0, rawOp(err, "read")
	case r.wrote < len(out): // the rest, the way net.Conn writes
		w, err := r.c.Write(out[r.wrote:])
		r.wrote += w
		if err != nil {
			r.werr = err
			return 0, err
		}
		return r.c.Read(p)
	case r.rerr != nil:
		return 0, r.opError("read", &syscallError{"read", r.rerr})
	case r.n == 0 && len(p) > 0:
		return 0, io.EOF
	}
	return r.n, nil
}

// opError wraps err as net.Conn's Read and Write do, so that an attempt's
// error reads the same whichever way it went.
func (r *rawReader) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: r.c.LocalAddr(), Addr: r.c.RemoteAddr(), Err: err}
}

// syscallError is os.SyscallError's text and timeout ("write: broken
// pipe"), as net.Conn wraps a failed syscall.
type syscallError struct {
	call string
	err  error
}

func (e *syscallError) Error() string { return e.call + ": " + e.err.Error() }
func (e *syscallError) Unwrap() error { return e.err }

func (e *syscallError) Timeout() bool {
	t, ok := e.err.(interface{ Timeout() bool })
	return ok && t.Timeout()
}

// rawOp renames RawConn's "raw-read" error after the operation it stood for.
func rawOp(err error, op string) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "raw-read" {
		c := *oe
		c.Op = op
		return &c
	}
	return err
}

func ignoringEINTR(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if err != syscall.EINTR {
			return n, err
		}
	}
}
