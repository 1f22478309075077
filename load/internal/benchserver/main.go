// Command benchserver is the bare receiver the load benchmarks measure
// against: it reads each request body and answers a small JSON 200, nothing
// else, so what is measured is the load generator. It listens on loopback
// only and stops by itself after -for. scripts/bench-vegeta.sh runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	life := flag.Duration("for", 5*time.Minute, "stop after this long")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || (host != "127.0.0.1" && host != "::1" && host != "localhost") {
		fmt.Fprintln(os.Stderr, "benchserver: -addr must be a loopback address")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchserver:", err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String()) // the script reads the address from the first line
	srv := &http.Server{Handler: Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), *life)
	defer cancel()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "benchserver:", err)
		os.Exit(1)
	}
}

// Handler is the bare receiver.
func Handler() http.Handler {
	body := []byte(`{"status":"queued","accepted":1}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
}
