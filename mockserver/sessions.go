package mockserver

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
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
	info inspect.Session

	mu     sync.Mutex
	tries  map[string]int // deliveries seen per event key, while scripted
	closed bool
}

func newSessions() *sessions { return &sessions{byID: map[string]*session{}} }

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

func (s *sessions) open(spec inspect.SessionSpec, now time.Time) (inspect.Session, error) {
	if err := spec.Script.Validate(); err != nil {
		return inspect.Session{}, err
	}
	x := &session{info: inspect.Session{ID: uuid4(), Name: spec.Name, Untagged: spec.Untagged, Script: spec.Script,
		StartedAt: now.UTC()}, tries: map[string]int{}}
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
		if k := p.Key(it); k != "" {
			keys = append(keys, k)
		}
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
