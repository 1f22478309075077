package mockserver

import (
	"context"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver/mutant"
	"github.com/s2s-harness/s2s-harness/profile"
)

// faultState is one profile as served under the faults in force: the profile
// and validator (a mutant's while rules are broken), the state it uses and
// the middleware a mutant puts in front of each endpoint. It is replaced whole (never mutated), so
// requests read it without a lock.
type faultState struct {
	f          inspect.Faults
	p          *profile.Profile
	v          mutant.Validator
	limiter    Limiter // nil when p has no rate limit
	mem        Memory
	tx         Committer                         // nil: decide, then journal (the in-process state cannot fail between)
	wraps      []func(http.Handler) http.Handler // by endpoint, in pstate.endpoints order; nil: none
	caps       []int64                           // body bytes read at most, by endpoint
	stallFrom  time.Time
	stallUntil time.Time
	// tokenAnswer: p's success answer carries the outcome's random token, so
	// each accepted request draws one (crypto/rand); else none is drawn.
	tokenAnswer bool
}

// maxLatency bounds a drawn delay, so a lognormal tail cannot hold a request
// for hours.
const maxLatency = 10 * time.Minute

// dice is the fault injector's randomness: seeded, shared, locked.
type dice struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newDice(seed uint64) *dice {
	return &dice{r: rand.New(rand.NewPCG(seed, seed^0x5eed))}
}

func (d *dice) float() float64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.r.Float64()
}

func (d *dice) norm() float64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.r.NormFloat64()
}

// hit reports whether an event of probability p happens.
func (d *dice) hit(p float64) bool {
	return p > 0 && (p >= 1 || d.float() < p)
}

// delay draws an added latency.
func (d *dice) delay(l *inspect.Latency) time.Duration {
	if l == nil {
		return 0
	}
	var v time.Duration
	switch l.Dist {
	case inspect.Fixed:
		v = l.Fixed.D()
	case inspect.Uniform:
		v = l.Min.D() + time.Duration(d.float()*float64(l.Max.D()-l.Min.D()))
	case inspect.LogNormal:
		f := float64(l.Median.D()) * math.Exp(l.Sigma*d.norm())
		if f > float64(maxLatency) || math.IsNaN(f) {
			f = float64(maxLatency)
		}
		v = time.Duration(f)
	}
	return min(max(v, 0), maxLatency)
}

// wait holds for d, until ctx is done (the client left: false) or the mock
// drains for shutdown (true: go on at once).
func wait(ctx context.Context, drain <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-drain:
		return true
	case <-ctx.Done():
		return false
	}
}

// reset closes the client's connection without an answer; with TCP, linger 0
// makes it a real RST. Where the connection cannot be taken over (HTTP/2), the
// handler aborts, which resets the stream.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if fc, ok := conn.(*framingConn); ok {
		conn = fc.Conn
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}
