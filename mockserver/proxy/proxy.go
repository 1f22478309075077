// Package proxy lets an unmodified client reach the mock at the production
// hosts its code names: an HTTP proxy that accepts CONNECT for the documented
// hosts only (read from the profiles' Host and HostAliases), terminates TLS
// with its own CA and serves the tunnelled requests from the mock's handler.
// Every other host is refused: the proxy never dials out. `s2s mock -proxy`
// runs it; a client trusts the CA through SSL_CERT_FILE and finds the proxy
// through HTTPS_PROXY.
package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Hosts lists the host names the profiles' documents give, sorted.
func Hosts(profiles []*profile.Profile) []string {
	var out []string
	for _, p := range profiles {
		for _, base := range append([]string{p.Host}, p.HostAliases...) {
			u, err := url.Parse(base)
			if err != nil || u.Hostname() == "" {
				continue
			}
			if h := strings.ToLower(u.Hostname()); !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Proxy is the CONNECT proxy in front of a mock.
type Proxy struct {
	mock  http.Handler
	hosts []string
	ca    *CA
	log   *slog.Logger
	now   func() time.Time

	tunnels *tunnels // the TLS connections the inner server reads requests from
}

// Servers is what a handler that knows its own server settings implements
// (*mockserver.Mock does): the tunnels' requests are then read with its
// header, read and idle timeouts and through its listener (its framing
// checks).
type Servers interface {
	HTTPServer(h http.Handler) *http.Server
	Listen(ln net.Listener) net.Listener
}

// New returns a proxy serving h for hosts, with TLS from ca. When h is a
// Servers, the tunnels apply its timeouts; otherwise the defaults below.
func New(h http.Handler, hosts []string, ca *CA, log *slog.Logger) *Proxy {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Proxy{mock: h, hosts: hosts, ca: ca, log: log, now: time.Now, tunnels: newTunnels()}
}

// ServeHTTP answers CONNECT for an allowed host on port 443 and refuses
// everything else with 403 (or 405 for a method that is not CONNECT).
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		w.Header().Set("Allow", http.MethodConnect)
		http.Error(w, "this proxy only tunnels HTTPS (CONNECT) to the documented hosts: "+strings.Join(p.hosts, ", "),
			http.StatusMethodNotAllowed)
		return
	}
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		host, port = r.Host, "443"
	}
	host = strings.ToLower(host)
	if port != "443" || !slices.Contains(p.hosts, host) {
		p.log.Warn("proxy: refused", "host", r.Host)
		http.Error(w, fmt.Sprintf("%s is not a documented host; this proxy serves only %s:443 and never dials out",
			r.Host, strings.Join(p.hosts, ", ")), http.StatusForbidden)
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "cannot take over the connection: "+err.Error(), http.StatusInternalServerError)
		return
	}
	_, err = brw.WriteString("HTTP/1.1 200 Connection Established\r\n\r\n")
	if err == nil {
		err = brw.Flush()
	}
	if err != nil || brw.Reader.Buffered() > 0 {
		conn.Close() // a client must wait for the 200 before its TLS hello
		return
	}
	tc := tls.Server(conn, &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			name := strings.ToLower(hello.ServerName)
			if name == "" {
				name = host
			}
			if name != host {
				return nil, fmt.Errorf("SNI %q differs from the CONNECT host %q", name, host)
			}
			return p.ca.leaf(name, p.now())
		},
	})
	p.log.Debug("proxy: tunnel", "host", host)
	p.tunnels.push(tc)
}

// Serve runs the proxy on ln until ctx is done.
func (p *Proxy) Serve(ctx context.Context, ln net.Listener) error {
	inner := &http.Server{Handler: p.mock, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: 1 << 20, ErrorLog: slog.NewLogLogger(p.log.Handler(), slog.LevelWarn)}
	var tunnels net.Listener = p.tunnels
	if s, ok := p.mock.(Servers); ok {
		// Its listener hides the *tls.Conn: the tunnel's TLS handshake then
		// runs on the first read, under the server's read deadline.
		inner, tunnels = s.HTTPServer(p.mock), s.Listen(p.tunnels)
	}
	outer := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(p.log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 2)
	go func() { errc <- inner.Serve(tunnels) }()
	go func() { errc <- outer.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = outer.Shutdown(sctx)
	_ = inner.Shutdown(sctx)
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// tunnels is a net.Listener fed by the proxy: each accepted connection is a
// TLS tunnel whose requests the inner server reads.
type tunnels struct {
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func newTunnels() *tunnels {
	return &tunnels{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (t *tunnels) push(c net.Conn) {
	select {
	case t.conns <- c:
	case <-t.done:
		c.Close()
	}
}

func (t *tunnels) Accept() (net.Conn, error) {
	select {
	case c := <-t.conns:
		return c, nil
	case <-t.done:
		return nil, net.ErrClosed
	}
}

func (t *tunnels) Close() error {
	t.once.Do(func() { close(t.done) })
	return nil
}

func (t *tunnels) Addr() net.Addr { return tunnelAddr{} }

type tunnelAddr struct{}

func (tunnelAddr) Network() string { return "tunnel" }
func (tunnelAddr) String() string  { return "proxy-tunnels" }
