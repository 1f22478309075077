//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package load

import "net"

// rawReader is not built here: an h1Conn writes and reads through net.Conn.
type rawReader struct {
	out   []byte
	wrote int
	werr  error
}

func (*rawReader) Read([]byte) (int, error) { panic("unreachable") }

func newRawReader(net.Conn) *rawReader { return nil }
