package mockserver

import (
	"bytes"
	"testing"
)

// sawLengthLine is the reference: a line of b, after its first, starting with
// "content-length:" in any case.
func sawLengthLine(b []byte) bool {
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return false
		}
		b = b[i+1:]
		if len(b) >= len(contentLengthLine) && bytes.EqualFold(b[:len(contentLengthLine)], contentLengthLine) {
			return true
		}
	}
}

// FuzzFramingScan: however the bytes are cut into reads, the connection
// notes a Content-Length line exactly when the whole stream has one.
func FuzzFramingScan(f *testing.F) {
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n"), uint8(20), uint8(3))
	f.Add([]byte("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\ncOnTeNt-LeNgTh: 3\r\n\r\n"), uint8(50), uint8(1))
	f.Add([]byte("a\ncontent-lengt\nh:"), uint8(5), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, first, step uint8) {
		c := &framingConn{}
		found := false
		rest, n := data, int(first)
		for len(rest) > 0 {
			k := min(max(n, 1), len(rest))
			found = c.scan(rest[:k]) || found
			rest, n = rest[k:], int(step)
		}
		if want := sawLengthLine(data); found != want {
			t.Errorf("%q cut at %d then every %d: noted %v, want %v", data, first, step, found, want)
		}
	})
}
