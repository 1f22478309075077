package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/configfile"
)

// Journal pages: the default and the most one call returns.
const (
	DefaultPage = 100
	MaxPage     = 1000
)

// maxControlBody caps the bodies of the inspection API's PUT calls.
const maxControlBody = 64 << 10

func (m *Mock) health() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := inspect.Health{Status: "ok", Mode: string(m.mode), Version: m.version, Profiles: []string{}}
		for _, st := range m.profiles {
			h.Profiles = append(h.Profiles, st.p.Name)
		}
		epoch, err := m.journal.Epoch(r.Context())
		if err != nil {
			// The state store does not answer: the mock cannot serve as it should.
			m.log.Error("state unavailable", "err", err)
			h.Status = "state_unavailable"
			m.respond(w, http.StatusServiceUnavailable, h)
			return
		}
		h.Epoch = epoch
		m.respond(w, http.StatusOK, h)
	})
}

func (m *Mock) journalPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, limit, err := m.parseQuery(r)
		if err != nil {
			m.badRequest(w, err)
			return
		}
		page, err := m.journal.Query(r.Context(), q, limit)
		if err != nil {
			m.stateError(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(encodePage(page))
	})
}

// encodePage writes a journal page entry by entry: an entry that cannot be
// encoded is replaced by a stub naming why, so one record never takes the
// journal down.
func encodePage(p inspect.Page) []byte {
	var b, one bytes.Buffer
	enc := json.NewEncoder(&one)
	enc.SetEscapeHTML(false)
	b.WriteString(`{"entries":[`)
	for i, e := range p.Entries {
		if i > 0 {
			b.WriteByte(',')
		}
		one.Reset()
		if err := enc.Encode(e); err != nil {
			one.Reset()
			_ = enc.Encode(inspect.Entry{Seq: e.Seq, Profile: e.Profile, Endpoint: e.Endpoint, Method: e.Method,
				Path: e.Path, Status: e.Status, Outcome: e.Outcome, Rule: e.Rule, BodyBytes: e.BodyBytes,
				Reason: "this entry could not be encoded: " + err.Error()})
		}
		b.Write(bytes.TrimSuffix(one.Bytes(), []byte("\n")))
	}
	epoch, _ := json.Marshal(p.Epoch) // a string: cannot fail
	fmt.Fprintf(&b, `],"next":%d,"evicted":%d,"epoch":%s}`+"\n", p.Next, p.Evicted, epoch)
	return b.Bytes()
}

func (m *Mock) parseQuery(r *http.Request) (inspect.Query, int, error) {
	v := r.URL.Query()
	q := inspect.Query{Profile: v.Get("profile"), Session: v.Get("session")}
	if q.Profile != "" {
		if _, ok := m.byName[q.Profile]; !ok {
			return q, 0, fmt.Errorf("profile %q: not served here", q.Profile)
		}
	}
	if s := v.Get("after"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return q, 0, fmt.Errorf("after %q: want a journal seq (an integer ≥ 0)", s)
		}
		q.After = n
	}
	if s := v.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return q, 0, fmt.Errorf("since %q: want an RFC 3339 time", s)
		}
		q.Since = t
	}
	limit := DefaultPage
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return q, 0, fmt.Errorf("limit %q: want an integer ≥ 1", s)
		}
		limit = min(n, MaxPage)
	}
	return q, limit, nil
}

func (m *Mock) stats() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, err := m.journal.Stats(r.Context())
		if err != nil {
			m.stateError(w, err)
			return
		}
		m.respond(w, http.StatusOK, st)
	})
}

func (m *Mock) resetAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("profile")
		x, ok := m.scope(w, r)
		// force=1: the operator's word that the open sessions are abandoned
		// (a run killed before it could end its session).
		if !ok || x == nil && r.URL.Query().Get("force") != "1" && m.refuseReset(w, name) {
			return
		}
		reset := m.Reset
		if x != nil { // the journal, and so every session's records, stays
			reset = func(ctx context.Context, name string) error { return m.resetInside(ctx, x, name) }
		}
		if err := reset(r.Context(), name); err != nil {
			if errors.Is(err, errNotServed) {
				m.badRequest(w, err)
			} else {
				m.stateError(w, err)
			}
			return
		}
		m.respond(w, http.StatusOK, map[string]any{"status": "reset", "profile": name, "session": r.URL.Query().Get("session")})
	})
}

// Reset clears the journal, counters, rate limits, idempotency and duplicate
// memory and sequences of one profile, or of all when name is "". The
// recorded state is lost: the epoch changes.
func (m *Mock) Reset(ctx context.Context, name string) error {
	if err := m.resetState(ctx, name); err != nil {
		return err
	}
	return m.journal.Reset(ctx, name, m.clock.Now())
}

var errNotServed = errors.New("not served here")

func (m *Mock) clockGet() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if k, ok := m.clockOf(w, r); ok {
			m.respond(w, http.StatusOK, m.clockState(k))
		}
	})
}

// clockOf is the clock an inspection call sets: the mock's, or the session's
// (?session=ID), which only that session's requests read.
func (m *Mock) clockOf(w http.ResponseWriter, r *http.Request) (*adjustable, bool) {
	x, ok := m.scope(w, r)
	if !ok || x == nil {
		return m.clock, ok
	}
	return x.clock, true
}

// clockState is what /_s2s/clock shows of k: a session's clock that sets
// nothing is the mock's.
func (m *Mock) clockState(k *adjustable) inspect.Clock {
	if k != m.clock && k.set.Load().mode == "real" {
		return m.clock.state()
	}
	return k.state()
}

func (m *Mock) clockPut() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, ok := m.clockOf(w, r)
		if !ok {
			return
		}
		var set inspect.ClockSet
		if err := decodeControl(w, r, &set); err != nil {
			m.badRequest(w, fmt.Errorf("clock: %w", err))
			return
		}
		switch {
		case set.Fixed != nil && set.Offset != nil:
			m.badRequest(w, errors.New("clock: give fixed or offset, not both"))
			return
		case set.Fixed != nil:
			k.fix(*set.Fixed)
		case set.Offset != nil:
			k.offsetBy(set.Offset.D())
		default:
			m.badRequest(w, errors.New(`clock: give {"fixed": "<RFC 3339 time>"} or {"offset": "<duration>"}`))
			return
		}
		m.respond(w, http.StatusOK, m.clockState(k))
	})
}

func (m *Mock) clockDelete() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if k, ok := m.clockOf(w, r); ok {
			k.clear()
			m.respond(w, http.StatusOK, m.clockState(k))
		}
	})
}

func (m *Mock) faultsGet() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		out := map[string]inspect.Faults{}
		for _, st := range m.profiles {
			out[st.p.Name] = st.faults.Load().f
		}
		m.respond(w, http.StatusOK, out)
	})
}

func (m *Mock) faultsPut() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("profile")
		st, ok := m.byName[name]
		if !ok {
			m.badRequest(w, fmt.Errorf("faults: profile %q is not served here", name))
			return
		}
		var f inspect.Faults
		if err := decodeControl(w, r, &f); err != nil {
			m.badRequest(w, fmt.Errorf("faults: %w", err))
			return
		}
		if err := m.setFaults(st, f, time.Now()); err != nil {
			m.badRequest(w, fmt.Errorf("faults.%w", err))
			return
		}
		m.log.Info("faults set", "profile", name, "faults", f)
		m.respond(w, http.StatusOK, st.faults.Load().f)
	})
}

func (m *Mock) faultsDelete() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("profile")
		sts := m.profiles
		if name != "" {
			st, ok := m.byName[name]
			if !ok {
				m.badRequest(w, fmt.Errorf("faults: profile %q is not served here", name))
				return
			}
			sts = []*pstate{st}
		}
		for _, st := range sts {
			_ = m.setFaults(st, inspect.Faults{}, time.Now()) // no faults: cannot fail
		}
		m.log.Info("faults cleared", "profile", name)
		m.respond(w, http.StatusOK, map[string]any{"status": "cleared", "profile": name})
	})
}

func (m *Mock) sessionOpen() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var spec inspect.SessionSpec
		if err := decodeControl(w, r, &spec); err != nil {
			m.badRequest(w, fmt.Errorf("session: %w", err))
			return
		}
		s, err := m.sessions.open(spec, m.clock.Now(), m.clock, m.stateEpoch(r.Context()))
		if err != nil {
			m.badRequest(w, err)
			return
		}
		m.log.Info("session opened", "id", s.ID, "name", s.Name, "untagged", s.Untagged)
		m.respond(w, http.StatusCreated, s)
	})
}

func (m *Mock) sessionList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		m.respond(w, http.StatusOK, m.sessions.list())
	})
}

func (m *Mock) sessionGet() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := m.sessions.get(r.PathValue("id"))
		m.sessionAnswer(w, s, err)
	})
}

func (m *Mock) sessionEnd() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := m.sessions.end(r.PathValue("id"), m.clock.Now())
		m.sessionAnswer(w, s, err)
	})
}

func (m *Mock) sessionAnswer(w http.ResponseWriter, s inspect.Session, err error) {
	switch {
	case errors.Is(err, errNoSession):
		m.respond(w, http.StatusNotFound, apiError{Error: "not_found", Message: err.Error()})
	case err != nil:
		m.badRequest(w, err)
	default:
		m.respond(w, http.StatusOK, s)
	}
}

// decodeControl reads one JSON value, refusing unknown members.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxControlBody))
	if err != nil {
		return fmt.Errorf("body: %w", err)
	}
	return configfile.Decode(data, "json", v)
}

// apiError is the inspection API's (and the router's) error answer.
type apiError struct {
	Error   string   `json:"error"`
	Message string   `json:"message"`
	Allow   []string `json:"allow,omitempty"`
}

// stateError answers 503 when the state store failed.
func (m *Mock) stateError(w http.ResponseWriter, err error) {
	m.log.Error("state unavailable", "err", err)
	w.Header().Set("Retry-After", "1")
	m.respond(w, http.StatusServiceUnavailable, apiError{Error: "state_unavailable", Message: "the mock's state store is unavailable: " + err.Error()})
}

func (m *Mock) badRequest(w http.ResponseWriter, err error) {
	m.respond(w, http.StatusBadRequest, apiError{Error: "invalid_request", Message: err.Error()})
}
