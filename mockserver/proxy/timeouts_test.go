package proxy_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/mockserver/proxy"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// TestTunnelsApplyTheReadTimeout: inside a tunnel, a request that announces
// a large body and stops sending is ended by the mock's server.read_timeout,
// as on the main port, not held for ever.
func TestTunnelsApplyTheReadTimeout(t *testing.T) {
	m, err := mockserver.New(builtin.All(), mockserver.WithConfig(mockserver.Config{
		Server: mockserver.ServerConfig{ReadTimeout: inspect.Duration(300 * time.Millisecond)}}))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := proxy.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- proxy.New(m, proxy.Hosts(builtin.All()), ca, nil).Serve(ctx, ln) }()
	defer func() {
		cancel()
		<-done
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The test's own bound: far above the 300 ms, below the 30 s a tunnel reads by default.
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	const host = "datapulse-api.revosurge.com"
	fmt.Fprintf(c, "CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\n\r\n", host, host)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("CONNECT: %v %v", resp, err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.PEM())
	tc := tls.Client(c, &tls.Config{ServerName: host, RootCAs: roots, NextProtos: []string{"http/1.1"}})
	var key string
	for _, p := range builtin.All() {
		if p.Name == "revosurge" {
			key = p.Defaults.APIKeys[0]
		}
	}
	fmt.Fprintf(tc, "POST /v2/s2s/batch HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nX-API-Key: %s\r\nContent-Length: %d\r\n\r\n[{\"event\":",
		host, key, 4<<20-64)
	// Nothing more is sent: the server must give up on its own.
	answer, err := io.ReadAll(tc)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the tunnel held the request for 20 s: no read timeout inside tunnels")
	}
	t.Logf("the tunnel ended the request: %d bytes of answer, %v", len(answer), err)
}

// TestTunnelsCloseOnLengthAndTransferEncoding: inside a tunnel too, a request
// with both Content-Length and Transfer-Encoding is 400 and its connection
// closed.
func TestTunnelsCloseOnLengthAndTransferEncoding(t *testing.T) {
	proxyURL, caFile, _ := start(t)
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", strings.TrimPrefix(proxyURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	const host = "datapulse-api.revosurge.com"
	fmt.Fprintf(c, "CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\n\r\n", host, host)
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: http.MethodConnect})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("CONNECT: %v %v", resp, err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	tc := tls.Client(c, &tls.Config{ServerName: host, RootCAs: roots, NextProtos: []string{"http/1.1"}})
	fmt.Fprintf(tc, "POST /v2/s2s/event HTTP/1.1\r\nHost: %s\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: %s\r\n\r\n", host, host)
	br := bufio.NewReader(tc)
	resp, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !resp.Close {
		t.Errorf("got %d close=%v, want 400 and the connection closed", resp.StatusCode, resp.Close)
	}
	if next, err := http.ReadResponse(br, nil); err == nil {
		t.Errorf("a second answer (%d): the smuggled request was read", next.StatusCode)
	}
}
