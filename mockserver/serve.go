package mockserver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
)

// Serve answers on ln until ctx is done, then shuts down gracefully: it stops
// accepting, ends injected waits at once, and lets in-flight requests finish
// within the configured grace (default 10 s).
func (m *Mock) Serve(ctx context.Context, ln net.Listener) error {
	s := m.cfg.Server
	srv := m.HTTPServer(m)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(m.Listen(ln)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	m.log.Info("shutting down: draining in-flight requests")
	m.drainOnce.Do(func() { close(m.drain) })
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), orDuration(s.ShutdownGrace, DefaultShutdownGrace))
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		_ = srv.Close()
	}
	return err
}

// HTTPServer is an http.Server for h with the mock's configured header, read
// and idle timeouts and header cap. Serve uses it for the main port; anything
// else that reads requests for the mock (the HTTPS proxy's tunnels) must too,
// or a slow sender holds a request there for ever.
func (m *Mock) HTTPServer(h http.Handler) *http.Server {
	s := m.cfg.Server
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: orDuration(s.ReadHeaderTimeout, DefaultReadHeaderLimit),
		ReadTimeout:       orDuration(s.ReadTimeout, DefaultReadLimit),
		IdleTimeout:       orDuration(s.IdleTimeout, DefaultIdleLimit),
		MaxHeaderBytes:    1 << 20,
		ConnContext:       framingContext,
		ErrorLog:          slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	}
}

// Listen wraps ln so that its connections note Content-Length header lines,
// for the 400 and close a request with both Content-Length and
// Transfer-Encoding gets (Go's server drops the Content-Length before any
// handler sees it). Serve uses it; so must anything else that serves the mock
// (the HTTPS proxy's tunnels), with HTTPServer's settings.
func (m *Mock) Listen(ln net.Listener) net.Listener { return framingListener{ln} }
