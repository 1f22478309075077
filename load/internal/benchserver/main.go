// Command benchserver is the bare receiver the benchmarks measure against: a
// plain Go handler with nothing of the mock's. With -decode it reads each
// request, decodes the document where its transport carries it (a JSON body
// json-decoded, a query string parsed) and answers a small JSON 200, the least
// a receiver of these APIs can do (make bench's mock/bare ratios); without, it only reads
// the body, so what is measured is the load generator (the engine figures).
// -verify postback adds what a postback receiver cannot skip: the HS256 JWT
// and the HMAC over the canonical body, with the profile's own primitives and
// default secrets, so the postback ratio compares like with like. It listens
// on loopback only and stops by itself after -for. scripts/bench.sh runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/s2s-harness/s2s-harness/load/internal/benchserver/bare"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	life := flag.Duration("for", 5*time.Minute, "stop after this long")
	decode := flag.Bool("decode", false, "decode each request's document: json-decode a body, parse a query string (a 400 when either is malformed)")
	verify := flag.String("verify", "", "postback: also verify the JWT and the HMAC of each request (implies -decode)")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || (host != "127.0.0.1" && host != "::1" && host != "localhost") {
		fmt.Fprintln(os.Stderr, "benchserver: -addr must be a loopback address")
		os.Exit(2)
	}
	var h http.Handler
	switch *verify {
	case "":
		h = bare.Handler(*decode)
	case "postback":
		h = bare.Postback()
	default:
		fmt.Fprintf(os.Stderr, "benchserver: -verify %q: only postback has a verifying baseline\n", *verify)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchserver:", err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String()) // the script reads the address from the first line
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
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
