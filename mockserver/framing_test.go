package mockserver

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// sawLengthLine is the reference: a line of b's head (after its first line,
// before its blank line) starting with "content-length:" in any case.
func sawLengthLine(b []byte) bool {
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return false
		}
		b = b[i+1:]
		if j := bytes.IndexByte(b, '\n'); j >= 0 && blank(b[:j]) {
			return false
		}
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

// chunked reads its data a few bytes at a time, as a slow sender's body arrives.
type chunked struct {
	data []byte
	step int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.step)], c.data)
	c.data = c.data[n:]
	return n, nil
}

// FuzzReadBody: readBody returns the body exactly when it is as long as
// announced (or, unannounced, within the cap), and otherwise says why.
func FuzzReadBody(f *testing.F) {
	f.Add(make([]byte, 5000), int32(5000), int32(8000), uint16(700))
	f.Add([]byte("{}"), int32(-1), int32(1), uint16(1))
	f.Add([]byte("{}"), int32(10), int32(100), uint16(3))
	f.Fuzz(func(t *testing.T, data []byte, length, limit int32, step uint16) {
		if limit < 0 {
			limit = -limit
		}
		b, err := readBody(&chunked{data: data, step: max(int(step), 1)}, int64(length), int64(limit))
		n := int64(len(data))
		var want error
		switch {
		case length >= 0 && n > int64(length) || length < 0 && n > int64(limit):
			want = errTooLarge
		case length >= 0 && int64(length) > int64(limit) && n > int64(limit):
			want = errTooLarge
		case length >= 0 && n < int64(length):
			want = io.ErrUnexpectedEOF
		}
		if !errors.Is(err, want) && !(want == nil && err == nil) {
			t.Fatalf("%d bytes, length %d, limit %d: got %v, want %v", n, length, limit, err, want)
		}
		if err == nil && !bytes.Equal(b, data) {
			t.Fatalf("got %d bytes, want the %d sent", len(b), n)
		}
		if int64(cap(b)) > 2*max(n, 1)+readChunk {
			t.Fatalf("%d bytes arrived, %d allocated", n, cap(b))
		}
	})
}
