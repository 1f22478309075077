package load

import (
	"fmt"
	"hash/maphash"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
)

// request is one payload the workload made, before signing. It is immutable
// once made, so a replay can share it.
type request struct {
	endpoint int // index in the profile's endpoints
	method   string
	out      profile.Outgoing
	events   int
	keys     []eventKey // one per event, for receiver-side accounting; nil when not needed
	replay   bool
	// once: signed as it was made (the scheme SignsOnce), every attempt
	// sends target as it is, and wire when the engine writes HTTP/1.1
	// itself: at the maximum rate, copying the header to sign it afresh
	// and encoding it again were a tenth of the engine's CPU.
	once   bool
	target vegeta.Target
	wire   []byte
}

// workload makes the requests of a run: valid events from the profile's
// generators (its realistic mix, unique ids, batches within the endpoint's
// limits), signed per attempt with the target's credentials.
type workload struct {
	p      *profile.Profile
	base   string
	creds  profile.Credentials
	extra  http.Header
	gens   []*fixtures.Generator
	cum    []int
	rng    *rand.Rand // the producer's: picks generators
	replay float64
	ring   *replayRing
	keys   bool
	hasher keyHasher // for keys
	// batch is the events per request chosen for each endpoint (0: single).
	batch map[string]int
	urls  []string // each endpoint's base+path
	once  bool     // the scheme SignsOnce: requests are signed as they are made
	// wire is the engine's HTTP/1.1 encoding of a signed request (nil:
	// none), for the requests signed once.
	wire func(*vegeta.Target) []byte
}

// newWorkload prepares the generators of s for p.
func newWorkload(p *profile.Profile, s *Scenario, base string, creds profile.Credentials, extra http.Header, keys bool, now time.Time) (*workload, error) {
	if len(p.Endpoints) == 0 || len(p.Events) == 0 || p.Auth == nil {
		return nil, fmt.Errorf("profile %s: no endpoints, events or auth defined yet", p.Name)
	}
	w := &workload{p: p, base: strings.TrimRight(base, "/"), creds: creds, extra: extra,
		rng: rand.New(rand.NewPCG(uint64(s.Seed), 0x10ad)), replay: s.Replay,
		ring: newReplayRing(256), keys: keys, batch: map[string]int{}, hasher: keyHasher{maphash.MakeSeed()}}
	for _, e := range p.Endpoints {
		w.urls = append(w.urls, w.base+e.Path)
	}
	if a, ok := p.Auth.(profile.SignsOnce); ok && a.SignsOnce() {
		w.once = true
	}
	ids := slices.Sorted(maps.Keys(s.Endpoints))
	if len(ids) == 0 {
		ids = []string{""} // each event type's own endpoint
	}
	total := 0
	for i, id := range ids {
		weight := 1
		if id != "" {
			weight = s.Endpoints[id]
			if weight == 0 {
				continue
			}
			e, ok := p.Endpoint(id)
			if !ok {
				return nil, fmt.Errorf("scenario endpoints: %q is not an endpoint of %s (valid: %s)", id, p.Name, strings.Join(fixtures.EndpointIDs(p), ", "))
			}
			for _, et := range p.Events {
				if !e.Accepts(et.Endpoint) {
					return nil, fmt.Errorf("scenario endpoints: %s does not take %s events (they go to %s)", id, et.Name, et.Endpoint)
				}
			}
		}
		size, err := w.batchSize(s, id)
		if err != nil {
			return nil, err
		}
		g, err := fixtures.NewGenerator(p, fixtures.Options{Seed: s.Seed + int64(i)*7919, Now: now, Endpoint: id, BatchSize: size})
		if err != nil {
			return nil, fmt.Errorf("workload: %w", err)
		}
		total += weight
		w.gens = append(w.gens, g)
		w.cum = append(w.cum, total)
	}
	if len(w.gens) == 0 {
		return nil, fmt.Errorf("scenario endpoints: every weight is 0")
	}
	return w, nil
}

// batchSize picks the events per request for endpoint id ("" for the mix): the
// scenario's, capped at the endpoint's MaxItems and shrunk until a body fits
// its MaxBody.
func (w *workload) batchSize(s *Scenario, id string) (int, error) {
	var eps []*profile.Endpoint
	if id != "" {
		e, _ := w.p.Endpoint(id)
		eps = append(eps, e)
	} else {
		for _, et := range w.p.Events {
			if e, ok := w.p.Endpoint(et.Endpoint); ok && !slices.Contains(eps, e) {
				eps = append(eps, e)
			}
		}
	}
	size := 1
	for _, e := range eps {
		if !e.Batch() {
			continue
		}
		n := s.Batch
		switch {
		case n == BatchMax && e.MaxItems > 0:
			n = e.MaxItems
		case n <= 0:
			n = DefaultBatch
		}
		if e.MaxItems > 0 && n > e.MaxItems {
			n = e.MaxItems
		}
		// A probe with another seed: its ids are never sent.
		for n > 1 && e.MaxBody > 0 {
			g, err := fixtures.NewGenerator(w.p, fixtures.Options{Seed: s.Seed ^ 0x7e57, Endpoint: e.ID, BatchSize: n})
			if err != nil {
				return 0, fmt.Errorf("workload: %w", err)
			}
			body, err := g.Next().Bytes()
			if err != nil {
				return 0, fmt.Errorf("workload: %w", err)
			}
			if int64(len(body))*5/4 <= e.MaxBody { // a quarter of headroom: events vary in size
				break
			}
			n /= 2
		}
		w.batch[e.ID] = n
		size = n
	}
	return size, nil
}

// replayed returns, with the scenario's probability, a re-send of a recent
// acknowledged request; nil means send fresh events. It is decided at
// dispatch, not when requests are made ahead, so replays start as soon as the
// first answers are in.
func (w *workload) replayed(rng *rand.Rand, now time.Time) *request {
	if w.replay <= 0 || rng.Float64() >= w.replay {
		return nil
	}
	r := w.ring.pick(rng, now)
	if r == nil {
		return nil
	}
	c := *r
	c.replay = true
	return &c
}

// next makes a request with fresh events.
func (w *workload) next() (*request, error) {
	g := w.gens[0]
	if len(w.gens) > 1 {
		n := w.rng.IntN(w.cum[len(w.cum)-1])
		for i, c := range w.cum {
			if n < c {
				g = w.gens[i]
				break
			}
		}
	}
	pl := g.Next()
	idx := slices.IndexFunc(w.p.Endpoints, func(e profile.Endpoint) bool { return e.ID == pl.Endpoint })
	if idx < 0 {
		return nil, fmt.Errorf("workload: generator chose unknown endpoint %q", pl.Endpoint)
	}
	e := &w.p.Endpoints[idx]
	r := &request{endpoint: idx, method: e.Method, events: 1}
	if err := pl.OutgoingInto(e, &r.out); err != nil {
		return nil, fmt.Errorf("workload: %w", err)
	}
	for k, v := range w.extra {
		r.out.Header[k] = v
	}
	if e.Batch() || w.keys { // a single event is the body itself
		items := e.ItemsOf(pl.Body)
		r.events = len(items)
		if w.keys {
			r.keys = make([]eventKey, len(items))
			for i, it := range items {
				r.keys[i] = w.hasher.key(w.p.Key(it))
			}
		}
	}
	if w.once {
		t, err := w.sign(r, time.Now(), make(http.Header, len(r.out.Header)+1))
		if err != nil {
			return nil, err
		}
		r.once, r.target = true, t
		if w.wire != nil {
			r.wire = w.wire(&r.target)
		}
	}
	return r, nil
}

// sign makes an attempt of r: fresh credentials (tokens expire, signatures
// cover the body) on a copy of its headers, unless r was signed once as it
// was made. The copy goes into scratch when given (cleared first: a
// worker's, reused for each of its attempts, as cloning the header was a
// tenth of the engine's CPU), else a new header.
func (w *workload) sign(r *request, now time.Time, scratch http.Header) (vegeta.Target, error) {
	if r.once {
		return r.target, nil
	}
	o := r.out
	if scratch != nil {
		clear(scratch)
		for k, v := range r.out.Header {
			scratch[k] = v[:len(v):len(v)] // an Add reallocates, never writes into r
		}
		o.Header = scratch
	} else {
		o.Header = r.out.Header.Clone()
	}
	if len(r.out.PathValues) > 0 {
		o.PathValues = maps.Clone(r.out.PathValues)
	}
	// The query too is per attempt: a scheme may sign into it (a token).
	o.Query = nil
	if len(r.out.Query) > 0 {
		o.Query = make(url.Values, len(r.out.Query)+1)
		for k, v := range r.out.Query {
			o.Query[k] = v[:len(v):len(v)]
		}
	}
	if err := w.p.Auth.Sign(&o, w.creds, now); err != nil {
		return vegeta.Target{}, fmt.Errorf("sign %s: %w", w.p.Name, err)
	}
	return w.targetOf(r, &o), nil
}

// targetOf is the signed attempt o of r as a vegeta Target.
func (w *workload) targetOf(r *request, o *profile.Outgoing) vegeta.Target {
	target := o.Target()
	if e := &w.p.Endpoints[r.endpoint]; target == e.Path {
		target = w.urls[r.endpoint] // base+path made once: most requests have no path values or query
	} else {
		target = w.base + target
	}
	return vegeta.Target{Method: r.method, URL: target, Body: o.Body, Header: o.Header}
}

// Targeter returns the workload as a vegeta Targeter: each call makes a fresh,
// signed request. The benchmarks drive vegeta's own Attacker with it.
func (w *workload) Targeter() vegeta.Targeter {
	var mu sync.Mutex
	return func(t *vegeta.Target) error {
		mu.Lock()
		r, err := w.next()
		mu.Unlock()
		if err != nil {
			return err
		}
		*t, err = w.sign(r, time.Now(), nil)
		return err
	}
}

// replayRing keeps the last acknowledged requests: what a client would re-send
// after a timeout. Bounded in count and age, so memory stays flat and a
// replay is always of a recent request.
type replayRing struct {
	mu   sync.Mutex
	buf  []ringEntry
	next int
	n    int
}

type ringEntry struct {
	req *request
	at  time.Time
}

// replayAge is how old an acknowledged request may be and still be replayed.
const replayAge = 10 * time.Second

func newReplayRing(n int) *replayRing { return &replayRing{buf: make([]ringEntry, n)} }

func (r *replayRing) add(q *request, at time.Time) {
	if q.replay {
		return
	}
	r.mu.Lock()
	r.buf[r.next] = ringEntry{q, at}
	r.next = (r.next + 1) % len(r.buf)
	r.n = min(r.n+1, len(r.buf))
	r.mu.Unlock()
}

// pick returns a recent acknowledged request, or nil when there is none.
func (r *replayRing) pick(rng *rand.Rand, now time.Time) *request {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return nil
	}
	e := r.buf[rng.IntN(r.n)]
	if now.Sub(e.at) > replayAge {
		e = r.buf[(r.next-1+len(r.buf))%len(r.buf)] // the newest
		if now.Sub(e.at) > replayAge {
			return nil
		}
	}
	return e.req
}
