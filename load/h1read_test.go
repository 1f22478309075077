package load

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestReadAnswer(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		head, keep  bool
		wantStatus  int
		wantBody    string
		wantRetry   string
		wantClosing bool
		wantErr     bool
		after       string // what must be left unread: the next response
	}{
		{name: "content-length, body discarded", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT", wantStatus: 200, after: "NEXT"},
		{name: "content-length, body kept", in: "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhelloNEXT", keep: true, wantStatus: 200, wantBody: "hello", after: "NEXT"},
		{name: "a non-2xx body is always kept", in: "HTTP/1.1 429 Too Many\r\nContent-Length: 4\r\nRetry-After:  3 \r\n\r\nslow", wantStatus: 429, wantBody: "slow", wantRetry: "3"},
		{name: "chunked with a trailer", in: "HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\nNEXT", wantStatus: 500, wantBody: "abcde", after: "NEXT"},
		{name: "no length: the body runs to the close", in: "HTTP/1.1 200 OK\r\n\r\nall of it", wantStatus: 200, wantClosing: true},
		{name: "Connection: close", in: "HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n", wantStatus: 200, wantClosing: true},
		{name: "HTTP/1.0 closes unless keep-alive", in: "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", wantStatus: 200, wantClosing: true},
		{name: "HTTP/1.0 keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", wantStatus: 200},
		{name: "interim 100 skipped", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok", wantStatus: 202},
		{name: "204 has no body", in: "HTTP/1.1 204 No Content\r\n\r\nNEXT", wantStatus: 204, after: "NEXT"},
		{name: "HEAD has no body", in: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nNEXT", head: true, wantStatus: 200, after: "NEXT"},
		{name: "LF line ends", in: "HTTP/1.1 200 OK\nContent-Length: 1\n\nx", wantStatus: 200},
		{name: "short body", in: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", wantErr: true},
		{name: "short kept body", in: "HTTP/1.1 400 Bad\r\nContent-Length: 10\r\n\r\nabc", wantErr: true},
		{name: "conflicting lengths", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx", wantErr: true},
		{name: "negative length", in: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", wantErr: true},
		{name: "not HTTP", in: "SSH-2.0-OpenSSH\r\n\r\n", wantErr: true},
		{name: "bad status code", in: "HTTP/1.1 2x0 OK\r\n\r\n", wantErr: true},
		{name: "header without colon", in: "HTTP/1.1 200 OK\r\nbroken\r\n\r\n", wantErr: true},
		{name: "cut in the head", in: "HTTP/1.1 200 OK\r\nContent-Le", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReaderSize(strings.NewReader(tt.in), 4<<10)
			a, closing, err := readAnswer(br, tt.head, tt.keep)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %+v, want an error", a)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.status != tt.wantStatus || string(a.body) != tt.wantBody || a.retryAfter != tt.wantRetry || closing != tt.wantClosing {
				t.Errorf("got status %d body %q retry %q closing %v, want %d %q %q %v", a.status, a.body, a.retryAfter, closing,
					tt.wantStatus, tt.wantBody, tt.wantRetry, tt.wantClosing)
			}
			if rest, _ := io.ReadAll(br); !tt.wantClosing && string(rest) != tt.after {
				t.Errorf("left %q unread, want %q", rest, tt.after)
			}
		})
	}
}

// FuzzReadAnswer holds readAnswer to net/http's reading of the same bytes:
// whatever both read as a final answer has the same status, Retry-After and
// body, and leaves the same bytes for the next response.
func FuzzReadAnswer(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 503 X\r\nTransfer-Encoding: chunked\r\nRetry-After: 2\r\n\r\n3\r\nabc\r\n0\r\n\r\nrest"))
	f.Add([]byte("HTTP/1.0 429 X\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nokrest"))
	f.Fuzz(func(t *testing.T, in []byte) {
		br := bufio.NewReaderSize(strings.NewReader(string(in)), 4<<10)
		a, closing, err := readAnswer(br, false, true)
		if err != nil {
			return // stricter than net/http is allowed
		}
		ours, _ := io.ReadAll(br)
		sr := bufio.NewReaderSize(strings.NewReader(string(in)), 4<<10)
		var resp *http.Response
		for {
			resp, err = http.ReadResponse(sr, nil)
			if err != nil || resp.StatusCode >= 200 || resp.StatusCode == 101 {
				break
			}
		}
		if err != nil {
			return // net/http refuses what readAnswer took: lenient, not wrong
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, keepBody))
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != a.status || string(body) != string(a.body) {
			t.Fatalf("net/http: %d %q; readAnswer: %d %q", resp.StatusCode, body, a.status, a.body)
		}
		if got := resp.Header.Get("Retry-After"); strings.TrimSpace(got) != a.retryAfter && len(resp.Header["Retry-After"]) == 1 {
			t.Fatalf("Retry-After: net/http %q, readAnswer %q", got, a.retryAfter)
		}
		if !closing && !resp.Close {
			if theirs, _ := io.ReadAll(sr); string(theirs) != string(ours) {
				t.Fatalf("left unread: net/http %q, readAnswer %q", theirs, ours)
			}
		}
	})
}
