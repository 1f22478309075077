//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package load

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// alive reports whether an idle keep-alive connection is still open: a
// non-blocking peek at the socket finds nothing to read. A close by the
// receiver (EOF), a reset, or bytes nobody asked for (a TLS close_notify, a
// stray answer) all mean the connection must not carry another request.
func alive(c net.Conn) bool {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var buf [1]byte
	open := true
	err = rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// Nothing to read (EAGAIN) is the only sign of an open, idle connection.
		open = n < 0 && (errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK))
		return true // never wait
	})
	return open && err == nil
}
