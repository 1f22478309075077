package mockserver

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
)

// routes registers every endpoint of every profile, the inspection API and
// /metrics on one ServeMux, each by method and path: two profiles may serve
// one path with different methods. A path served for some methods answers
// the others 405 naming them all; any other path is a 404 listing what is
// served. Both in JSON.
func (m *Mock) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	allowed := map[string][]string{} // path → methods
	owners := map[string][]*owner{}  // endpoint path → the endpoints served there
	var served []string
	handle := func(method, path string, h http.Handler) error {
		pattern := method + " " + path
		for _, p := range served {
			if p == pattern {
				return fmt.Errorf("mock: %s is served twice", pattern)
			}
		}
		if err := register(mux, pattern, h); err != nil {
			return err
		}
		served = append(served, pattern)
		allowed[path] = append(allowed[path], method)
		return nil
	}
	for _, st := range m.profiles {
		for i, ep := range st.endpoints {
			h := m.endpointHandler(st, i)
			owners[ep.e.Path] = append(owners[ep.e.Path], &owner{st: st, ep: ep})
			if err := handle(ep.e.Method, ep.e.Path, h); err != nil {
				return nil, fmt.Errorf("profile %s endpoint %s: %w", st.p.Name, ep.e.ID, err)
			}
		}
	}
	p := strings.TrimSuffix(inspect.Prefix, "/")
	admin := m.admin
	for _, r := range append(m.uiRoutes(p), []struct {
		method, path string
		h            http.Handler
	}{
		{http.MethodGet, p + "/health", m.health()},
		{http.MethodGet, p + "/journal", admin(m.journalPage())},
		{http.MethodGet, p + "/stats", admin(m.stats())},
		{http.MethodPost, p + "/reset", admin(m.resetAPI())},
		{http.MethodGet, p + "/clock", admin(m.clockGet())},
		{http.MethodPut, p + "/clock", admin(m.clockPut())},
		{http.MethodDelete, p + "/clock", admin(m.clockDelete())},
		{http.MethodGet, p + "/faults", admin(m.faultsGet())},
		{http.MethodDelete, p + "/faults", admin(m.faultsDelete())},
		{http.MethodPut, p + "/faults/{profile}", admin(m.faultsPut())},
		{http.MethodDelete, p + "/faults/{profile}", admin(m.faultsDelete())},
		{http.MethodPost, p + "/sessions", admin(m.sessionOpen())},
		{http.MethodGet, p + "/sessions", admin(m.sessionList())},
		{http.MethodGet, p + "/sessions/{id}", admin(m.sessionGet())},
		{http.MethodDelete, p + "/sessions/{id}", admin(m.sessionEnd())},
		{http.MethodGet, "/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})},
	}...) {
		if err := handle(r.method, r.path, r.h); err != nil {
			return nil, err
		}
	}
	for path, methods := range allowed {
		if err := register(mux, path, m.methodNotAllowed(methods, soleOwner(owners[path]))); err != nil {
			return nil, err
		}
	}
	slices.Sort(served)
	if err := register(mux, "/", m.notFoundHandler(served)); err != nil {
		return nil, err
	}
	return mux, nil
}

// endpointHandler serves st's i-th endpoint under the faults in force when a
// request arrives (read once: the call keeps them to its end), behind the
// middleware of a mutant that breaks rules.
func (m *Mock) endpointHandler(st *pstate, i int) http.Handler {
	ep := st.endpoints[i]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs := st.faults.Load()
		if wrap := fs.wraps[i]; wrap != nil {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.serveCall(w, r, st, ep, fs) })
			m.observed(ep, wrap(reached(h))).ServeHTTP(w, r)
			return
		}
		m.serveCall(w, r, st, ep, fs)
	})
}

// register adds a pattern, turning ServeMux's panic on a conflict into an error.
func register(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if x := recover(); x != nil {
			err = fmt.Errorf("mock: route %s: %v", pattern, x)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// admin guards an inspection call with the admin token, when one is set.
func (m *Mock) admin(h http.Handler) http.Handler {
	token := m.cfg.AdminToken
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The scheme is case-insensitive (RFC 9110 §11.1), as the postback's is.
		scheme, got, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || !profile.SecretEqual(strings.TrimSpace(got), token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="s2s mock inspection API"`)
			m.respond(w, http.StatusUnauthorized, apiError{Error: "unauthorized",
				Message: "the inspection API needs Authorization: Bearer <admin token> (s2s mock -admin-token)"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// owner is a profile and endpoint a path is served for.
type owner struct {
	st *pstate
	ep *endpoint
}

// soleOwner is the endpoint a request to a path is journaled under when no
// endpoint served its method: the first of os when they are all of one
// profile, else none (the request is unrouted: which profile it meant is
// not known).
func soleOwner(os []*owner) *owner {
	if len(os) == 0 {
		return nil
	}
	for _, o := range os[1:] {
		if o.st != os[0].st {
			return nil
		}
	}
	return os[0]
}

func (m *Mock) methodNotAllowed(methods []string, o *owner) http.Handler {
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w.Header().Set("Allow", allow)
		msg := fmt.Sprintf("%s is not served at %s; use %s", r.Method, r.URL.Path, allow)
		m.respond(w, http.StatusMethodNotAllowed, apiError{Error: "method_not_allowed", Message: msg, Allow: methods})
		m.unserved(r, o, http.StatusMethodNotAllowed, msg, start)
	})
}

func (m *Mock) notFoundHandler(served []string) http.Handler {
	list := strings.Join(served, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		msg := fmt.Sprintf("nothing is served at %s %s; this mock serves: %s", r.Method, r.URL.Path, list)
		m.respond(w, http.StatusNotFound, apiError{Error: "not_found", Message: msg})
		m.unserved(r, nil, http.StatusNotFound, msg, time.Now())
	})
}

// unserved journals and counts an answer no endpoint gave (404, 405): under
// the endpoint whose path it is when there is one, else as unrouted.
func (m *Mock) unserved(r *http.Request, o *owner, status int, reason string, start time.Time) {
	x := m.sessions.of(r)
	hide := &m.hide
	if o != nil {
		hide = &o.st.hide
	}
	e := inspect.Entry{Method: r.Method, Path: r.URL.EscapedPath(), Status: status,
		Outcome: inspect.Rejected, Reason: reason, ReceivedAt: m.now(x).UTC()}
	e.Query, e.QueryCut = hide.query(r.URL.RawQuery)
	if x != nil {
		e.Session = x.info.ID // a sender speaking another protocol is still the session's
	}
	if o != nil {
		e.Profile, e.Endpoint = o.st.p.Name, o.ep.e.ID
		o.ep.series.observe(status, time.Since(start), nil)
	} else {
		m.metrics.unrouted(status)
	}
	if err := m.journal.Add(context.WithoutCancel(r.Context()), e, nil, Tally{}, nil); err != nil {
		m.log.Error("journal: entry lost", "path", e.Path, "status", status, "err", err)
	}
}

// reachedKey marks, in a request's context, whether a mutant's middleware let
// the request through to the endpoint (which then counts it itself).
type reachedKey struct{}

// reached marks the request as having reached h.
func reached(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := r.Context().Value(reachedKey{}).(*bool); ok {
			*p = true
		}
		h.ServeHTTP(w, r)
	})
}

// observed counts in the endpoint's metrics the answers a mutant's middleware
// gives without reaching the endpoint (a redirect, a 404).
func (m *Mock) observed(ep *endpoint, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start, hit := time.Now(), false
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), reachedKey{}, &hit)))
		if !hit {
			ep.series.observe(sw.status, time.Since(start), nil)
		}
	})
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// canonicalPaths answers a path with "..", "." or "//" segments 404 itself:
// ServeMux would redirect it, and an endpoint must never answer a redirect.
func (m *Mock) canonicalPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p != "" && p != cleanPath(p) {
			msg := fmt.Sprintf("path %q is not canonical (did you mean %q?); nothing is served there", p, cleanPath(p))
			m.respond(w, http.StatusNotFound, apiError{Error: "not_found", Message: msg})
			m.unserved(r, nil, http.StatusNotFound, msg, time.Now())
			return
		}
		next.ServeHTTP(w, r)
	})
}

// cleanPath is ServeMux's canonical form of a path: path.Clean, keeping a
// trailing slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

// recoverer turns a panic into a logged 500: it must never happen, and the
// fuzz tests check it does not. An aborted handler (injected reset) is let through.
func (m *Mock) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			x := recover()
			if x == nil {
				return
			}
			if x == http.ErrAbortHandler {
				panic(x)
			}
			m.log.Error("handler panicked", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(x))
			m.metrics.unrouted(http.StatusInternalServerError)
			m.respond(w, http.StatusInternalServerError, apiError{Error: "internal",
				Message: fmt.Sprintf("the mock failed on this request (a defect; please report it): %v", x)})
		}()
		next.ServeHTTP(w, r)
	})
}

// maxQuery bounds the query string an entry keeps.
const maxQuery = 2048
