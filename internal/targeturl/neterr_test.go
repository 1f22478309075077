package targeturl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
)

// An unreachable target is said in our words: what happened and where, no
// "Head \"http://…\": dial tcp" from the Go runtime.
func TestUnreachableInOurWords(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // a port nothing listens on
	err = Probe(context.Background(), http.DefaultClient, "http://"+addr)
	if want := "target unreachable: connection refused at " + addr; err == nil || err.Error() != want {
		t.Errorf("Probe(closed port) = %v, want %q", err, want)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("%v: the cause is lost for errors.Is", err)
	}

	// A plain HTTP server asked for TLS.
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	err = Probe(context.Background(), srv.Client(), strings.Replace(srv.URL, "http:", "https:", 1))
	if err == nil || !strings.Contains(err.Error(), "does not speak TLS") || strings.Contains(err.Error(), "tls:") {
		t.Errorf("https to an http server: %v", err)
	}
	// A server with a certificate nobody trusts.
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	err = Probe(context.Background(), http.DefaultClient, tlsSrv.URL)
	if err == nil || !strings.Contains(err.Error(), "unknown authority") || strings.Contains(err.Error(), "x509:") {
		t.Errorf("untrusted certificate: %v", err)
	}
}

func TestNetText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		give error
		want string
	}{
		{&net.DNSError{Name: "receiver.invalid", Err: "no such host", IsNotFound: true}, "no such host receiver.invalid"},
		{fmt.Errorf("post: %w", &net.OpError{Op: "read", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 443}, Err: syscall.ECONNRESET}), "connection reset at 10.0.0.1:443"},
		{context.DeadlineExceeded, "no answer in time"},
		{errors.New("something else"), "something else"},
	} {
		if got := NetText(tt.give); got != tt.want {
			t.Errorf("NetText(%v) = %q, want %q", tt.give, got, tt.want)
		}
	}
}
