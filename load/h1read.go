package load

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http/httputil"
	"strconv"
)

// readAnswer reads one HTTP/1.x response from br for a request of method.
// It reads only what the engine uses (the status, Retry-After, whether the
// receiver closes, the body when keep), without net/http's header map and
// Response: at the maximum rate http.ReadResponse was the engine's largest
// cost after the syscalls. Interim 1xx answers are skipped. The body of a
// non-2xx is kept, of a 2xx only with keepOK. closing reports that the
// connection cannot carry another request.
func readAnswer(br *bufio.Reader, head, keepOK bool) (a answer, closing bool, err error) {
	for {
		a, closing, err = readHead(br)
		if err != nil {
			return answer{}, true, err
		}
		if a.status >= 200 || a.status == 101 {
			break
		}
	}
	if err := readBody(br, &a, head, keepOK || a.status/100 != 2); err != nil {
		return answer{}, true, err
	}
	return a, closing, nil
}

// bodyless reports a response that has no body whatever its headers say.
func bodyless(status int, head bool) bool {
	return head || status == 204 || status == 304 || status/100 == 1
}

// readHead reads the status line and the headers; the body is read by
// readBody.
func readHead(br *bufio.Reader) (a answer, closing bool, err error) {
	line, err := readLine(br)
	if err != nil {
		return answer{}, true, err
	}
	proto, rest, ok := bytes.Cut(line, []byte(" "))
	if !ok || !bytes.HasPrefix(proto, []byte("HTTP/1.")) || len(rest) < 3 {
		return answer{}, true, fmt.Errorf("malformed HTTP status line %q", clipBytes(line))
	}
	code, err := strconv.Atoi(string(rest[:3]))
	if err != nil || code < 100 || (len(rest) > 3 && rest[3] != ' ') {
		return answer{}, true, fmt.Errorf("malformed HTTP status code in %q", clipBytes(line))
	}
	a.status = code
	closing = string(proto) == "HTTP/1.0" // unless it says keep-alive
	var length int64 = -1
	chunked := false
	for {
		line, err = readLine(br)
		if err != nil {
			return answer{}, true, err
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return answer{}, true, fmt.Errorf("malformed HTTP header line %q", clipBytes(line))
		}
		value = bytes.TrimSpace(value)
		switch {
		case equalFold(name, "content-length"):
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n < 0 || (length >= 0 && n != length) {
				return answer{}, true, fmt.Errorf("bad Content-Length %q", clipBytes(value))
			}
			length = n
		case equalFold(name, "transfer-encoding"):
			// As net/http: HTTP/1.0 ignores it; only a lone "chunked" is known.
			if string(proto) != "HTTP/1.0" {
				if !equalFold(value, "chunked") {
					return answer{}, true, fmt.Errorf("unsupported Transfer-Encoding %q", clipBytes(value))
				}
				chunked = true
			}
		case equalFold(name, "connection"):
			if hasToken(value, "close") {
				closing = true
			} else if hasToken(value, "keep-alive") {
				closing = false
			}
		case equalFold(name, "retry-after"):
			a.retryAfter = string(value)
		}
	}
	if chunked {
		length = -1
	} else if length < 0 && !bodyless(a.status, false) {
		closing = true // the body runs to the close
	}
	a.length, a.chunked = length, chunked
	return a, closing, nil
}

// readBody reads a's body: up to keepBody bytes kept when keep, the rest
// discarded.
func readBody(br *bufio.Reader, a *answer, head, keep bool) error {
	if bodyless(a.status, head) {
		return nil
	}
	if a.length >= 0 && !keep { // the common case: skip it in the buffer
		if n, err := br.Discard(int(a.length)); int64(n) < a.length {
			return unexpected(err)
		}
		return nil
	}
	var body io.Reader = br
	switch {
	case a.chunked:
		body = httputil.NewChunkedReader(br)
	case a.length >= 0:
		body = io.LimitReader(br, a.length)
	}
	var err error
	if keep {
		a.body, err = io.ReadAll(io.LimitReader(body, keepBody))
	}
	var rest int64
	if err == nil {
		rest, err = io.Copy(io.Discard, body)
	}
	if err != nil {
		return unexpected(err)
	}
	if a.length >= 0 && int64(len(a.body))+rest < a.length {
		return io.ErrUnexpectedEOF
	}
	if a.chunked { // the trailer, up to its blank line
		for {
			line, err := readLine(br)
			if err != nil {
				return unexpected(err)
			}
			if len(line) == 0 {
				return nil
			}
		}
	}
	return nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readLine returns one line without its CRLF (or LF); it is valid until the
// next read. A line over the buffer's size is an error, as in net/http.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, errors.New("HTTP header line too long")
	}
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) > 0 {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// equalFold compares an ASCII header name with a lower-case one.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// hasToken reports whether a comma-separated header value lists token.
func hasToken(v []byte, token string) bool {
	for len(v) > 0 {
		var t []byte
		t, v, _ = bytes.Cut(v, []byte(","))
		if equalFold(bytes.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

func clipBytes(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}
