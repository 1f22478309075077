package targeturl

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		give string
		ok   bool
	}{
		{"http://127.0.0.1:8080", true},
		{"https://receiver.example/prefix/", true},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:8080", false},
		{"http://", false},
		{"http://[::1", false},
		{"", false},
	} {
		_, err := Check(tc.give)
		if (err == nil) != tc.ok {
			t.Errorf("Check(%q) = %v, want ok %v", tc.give, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), Want) {
			t.Errorf("Check(%q) error %q does not say what is wanted", tc.give, err)
		}
	}
}

func TestProbe(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "only POST", http.StatusMethodNotAllowed) // any answer counts
	}))
	defer srv.Close()
	if err := Probe(context.Background(), srv.Client(), srv.URL); err != nil {
		t.Fatalf("Probe(live server) = %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	err = Probe(context.Background(), http.DefaultClient, closed)
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("Probe(closed port) = %v, want an unreachable error", err)
	}
}
