package mockserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/sender"
)

// Bounds of the session state: sessions kept (the oldest ended ones go first)
// and event keys a script remembers per session (past it, new events are no
// longer scripted).
const (
	maxSessions    = 1000
	maxScriptedIDs = 100_000
)

// sessions are the open and ended sessions; one of the open ones may claim
// untagged requests.
type sessions struct {
	mu       sync.RWMutex
	byID     map[string]*session
	order    []string                // oldest first
	untagged atomic.Pointer[session] // the latest open session claiming untagged requests
}

// session is one sender's stretch of traffic, with its script's memory.
type session struct {
	info  inspect.Session
	clock *adjustable // the session's own clock (?session= on /_s2s/clock), over the mock's

	gen atomic.Uint64 // isolated: its state's generation; a reset inside it starts a new one

	mu     sync.Mutex
	tries  map[string]int // deliveries seen per event key, while scripted
	closed bool
}

func newSessions() *sessions {
	return &sessions{byID: map[string]*session{}}
}

// stateEpoch is the state store's epoch a session records when it opens
// ("" when the store does not answer: unknown, never checked).
func (m *Mock) stateEpoch(ctx context.Context) string {
	e, err := m.journal.Epoch(ctx)
	if err != nil {
		return ""
	}
	return e
}

// of returns the session r belongs to, or nil.
func (s *sessions) of(r *http.Request) *session {
	if id := r.Header.Get(inspect.SessionHeader); id != "" {
		s.mu.RLock()
		defer s.mu.RUnlock()
		if x := s.byID[id]; x != nil {
			return x
		}
		return &session{info: inspect.Session{ID: id}} // unknown: tagged, never scripted
	}
	return s.untagged.Load()
}

func (s *sessions) open(spec inspect.SessionSpec, now time.Time, base Clock, epoch string) (inspect.Session, error) {
	if err := spec.Script.Validate(); err != nil {
		return inspect.Session{}, err
	}
	x := &session{info: inspect.Session{ID: uuid4(), Name: spec.Name, Untagged: spec.Untagged, Isolated: spec.Isolated,
		Script: spec.Script, StartedAt: now.UTC(), Epoch: epoch}, tries: map[string]int{}, clock: newAdjustable(base)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.order) >= maxSessions {
		i := slices.IndexFunc(s.order, func(id string) bool { return s.byID[id].ended() })
		if i < 0 {
			return inspect.Session{}, fmt.Errorf("sessions: %d are open; end one first", len(s.order))
		}
		delete(s.byID, s.order[i])
		s.order = slices.Delete(s.order, i, i+1)
	}
	s.byID[x.info.ID] = x
	s.order = append(s.order, x.info.ID)
	if spec.Untagged {
		s.untagged.Store(x)
	}
	return x.info, nil
}

var errNoSession = errors.New("no such session")

func (s *sessions) get(id string) (inspect.Session, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	x := s.byID[id]
	if x == nil {
		return inspect.Session{}, fmt.Errorf("session %q: %w", id, errNoSession)
	}
	return x.snapshot(), nil
}

func (s *sessions) list() []inspect.Session {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]inspect.Session, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.byID[id].snapshot())
	}
	return out
}

// end closes a session: it claims no more requests and scripts nothing more.
func (s *sessions) end(id string, now time.Time) (inspect.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.byID[id]
	if x == nil {
		return inspect.Session{}, fmt.Errorf("session %q: %w", id, errNoSession)
	}
	x.mu.Lock()
	if !x.closed {
		t := now.UTC()
		x.closed, x.info.EndedAt, x.tries = true, &t, nil
	}
	x.mu.Unlock()
	if s.untagged.Load() == x {
		// The latest other open session claiming untagged requests takes over.
		var next *session
		for _, oid := range s.order {
			if o := s.byID[oid]; o != x && o.info.Untagged && !o.ended() {
				next = o
			}
		}
		s.untagged.Store(next)
	}
	return x.snapshot(), nil
}

func (x *session) ended() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.closed
}

func (x *session) snapshot() inspect.Session {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.info
}

// fault tells whether the script answers this delivery of events keyed keys
// with a fault: while any of them is within its first Failures deliveries.
// Each call counts one delivery of every key.
func (x *session) fault(keys []string) *inspect.Script {
	sc := x.info.Script
	if sc == nil || len(keys) == 0 {
		return nil
	}
	failures := max(sc.Failures, 1)
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil
	}
	hit := false
	for _, k := range keys {
		n, seen := x.tries[k]
		if !seen && len(x.tries) >= maxScriptedIDs {
			continue
		}
		x.tries[k] = n + 1
		hit = hit || n < failures
	}
	if !hit {
		return nil
	}
	return sc
}

// scripted answers a valid request of a scripted session with the script's
// fault, naming the events so a reader can follow their retries. It reports
// whether it answered.
func (m *Mock) scripted(c *call, req *profile.Request, items []any) bool {
	if c.session == nil || c.session.info.Script == nil {
		return false
	}
	p := c.fs.p
	keys := make([]string, 0, len(items))
	for _, it := range items {
		// Per event: its id, or its body's fingerprint when it has none (an
		// AppsFlyer appsflyer_id names a device, not an event).
		k, _ := sender.EventKey(p, it, m.describe(p, it, req, profile.Principal{}))
		keys = append(keys, k)
	}
	sc := c.session.fault(keys)
	if sc == nil {
		return false
	}
	for i, it := range items[:min(len(items), m.events)] {
		rec := m.describe(p, it, req, profile.Principal{})
		c.events = append(c.events, inspect.Event{Index: i, Event: rec.Event, ID: rec.ID, Key: p.Key(it), RecordedAt: c.received.UTC()})
	}
	if sc.RetryAfter > 0 {
		c.w.Header().Set("Retry-After", fmt.Sprint(sc.RetryAfter))
		c.retryAfter = sc.RetryAfter
	}
	m.refuse(c, sc.Status, fmt.Sprintf("scripted by session %s: the first %d deliveries of each event are answered %d",
		c.session.info.ID, max(sc.Failures, 1), sc.Status))
	c.outcome = inspect.Faulted
	return true
}

// now is the time of a request of session x: the session's clock when it set
// one, else the mock's.
func (m *Mock) now(x *session) time.Time {
	if x != nil && x.clock != nil {
		return x.clock.Now()
	}
	return m.clock.Now()
}

// scope reads the session an inspection call is scoped to (?session=ID):
// nil when none. An unknown or ended session is answered (404, 409) and ok
// is false.
func (m *Mock) scope(w http.ResponseWriter, r *http.Request) (x *session, ok bool) {
	id := r.URL.Query().Get("session")
	if id == "" {
		return nil, true
	}
	m.sessions.mu.RLock()
	x = m.sessions.byID[id]
	m.sessions.mu.RUnlock()
	switch {
	case x == nil:
		m.respond(w, http.StatusNotFound, apiError{Error: "not_found", Message: fmt.Sprintf("session %q: %v", id, errNoSession)})
		return nil, false
	case x.ended():
		m.respond(w, http.StatusConflict, apiError{Error: "session_ended", Message: fmt.Sprintf("session %q has ended; open a new one", id)})
		return nil, false
	}
	return x, true
}

// openSessions lists the sessions still open.
func (s *sessions) openSessions() []inspect.Session {
	var out []inspect.Session
	for _, x := range s.list() {
		if x.EndedAt == nil {
			out = append(out, x)
		}
	}
	return out
}

// sessionsOpen is the 409 answer to a reset that would wipe the records of
// open sessions.
type sessionsOpen struct {
	Error    string            `json:"error"`
	Message  string            `json:"message"`
	Sessions []inspect.Session `json:"sessions"`
}

// refuseReset answers 409 when sessions are open: an unscoped reset would
// wipe their records and change their verdicts. It reports whether it did.
func (m *Mock) refuseReset(w http.ResponseWriter, name string) bool {
	open := m.sessions.openSessions()
	if len(open) == 0 {
		return false
	}
	names := make([]string, len(open))
	for i, x := range open {
		names[i] = x.ID
		if x.Name != "" {
			names[i] += " (" + x.Name + ")"
		}
	}
	what := "every profile's"
	if name != "" {
		what = "profile " + name + "'s"
	}
	m.respond(w, http.StatusConflict, sessionsOpen{Error: "sessions_open", Sessions: open,
		Message: fmt.Sprintf("a reset would wipe %s records of %d open session(s): %s; end them (DELETE %ssessions/{id}), "+
			"reset inside your own session (POST %sreset?session={id}), which keeps every session's records, "+
			"or, when they are abandoned, POST %sreset?force=1",
			what, len(open), strings.Join(names, ", "), inspect.Prefix, inspect.Prefix, inspect.Prefix)})
	return true
}

// resetState clears the repeat memory, sequences and rate limits of one
// profile, or of all when name is "", keeping the journal: a session-scoped
// reset. They are keyed by event and credential, not by session, so other
// senders' next repeats are first deliveries again; their records stay.
func (m *Mock) resetState(ctx context.Context, name string) error {
	sts := m.profiles
	if name != "" {
		st, ok := m.byName[name]
		if !ok {
			return fmt.Errorf("profile %q: %w", name, errNotServed)
		}
		sts = []*pstate{st}
	}
	for _, st := range sts {
		if st.limiter != nil {
			if err := st.limiter.Reset(ctx); err != nil {
				return err
			}
		}
		if err := st.mem.Reset(ctx); err != nil {
			return err
		}
	}
	return nil
}

// resetInside is a reset inside session x: an isolated session starts a new
// generation of its own state; any other clears the profiles' shared state
// (resetState). The journal stays, and the script starts over.
func (m *Mock) resetInside(ctx context.Context, x *session, name string) error {
	if x.info.Isolated {
		if name != "" {
			if _, ok := m.byName[name]; !ok {
				return fmt.Errorf("profile %q: %w", name, errNotServed)
			}
		}
		x.gen.Add(1) // every profile's: the generation is the session's
	} else if err := m.resetState(ctx, name); err != nil {
		return err
	}
	x.mu.Lock()
	if x.tries != nil {
		clear(x.tries)
	}
	x.mu.Unlock()
	return nil
}

// namespace prefixes the state keys of an isolated session ("" for others).
func (x *session) namespace() string {
	if x == nil || !x.info.Isolated {
		return ""
	}
	return fmt.Sprintf("s2s-session:%s:%d\x1f", x.info.ID, x.gen.Load())
}

// scoped is a state key (rate-limit bucket, app of a sequence) of the call:
// its own in an isolated session.
func (c *call) scoped(key string) string { return c.session.namespace() + key }

// scopedRecords are recs with their repeat keys scoped to the call's
// isolated session (recs themselves, which the journal shows, unchanged).
func (c *call) scopedRecords(recs []profile.Record) []profile.Record {
	ns := c.session.namespace()
	if ns == "" {
		return recs
	}
	out := slices.Clone(recs)
	for i := range out {
		for _, k := range []*string{&out[i].ID, &out[i].DedupeKey, &out[i].FallbackKey} {
			if *k != "" {
				*k = ns + *k
			}
		}
	}
	return out
}
