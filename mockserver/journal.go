package mockserver

import (
	"maps"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
)

// journal keeps the last entries in a ring bounded by count and by bytes, and
// counts everything exactly: the counters never lose what the ring lets go, so
// a soak run has bounded memory and exact totals.
type journal struct {
	mu       sync.Mutex
	cap      int
	maxBytes int
	bytes    int     // estimated bytes the kept entries hold
	ring     []entry // circular, grows to cap
	head     int     // oldest entry
	n        int     // entries kept
	seq      uint64  // last Seq given; never goes back, even on reset
	evicted  uint64
	stats    map[string]*inspect.ProfileStats
	unrouted *inspect.ProfileStats // answers outside any profile (404)
	since    time.Time
	epoch    string        // new on a reset of all
	newEpoch func() string // gives the epochs
}

func newJournal(capacity, maxBytes int, profiles []string, now time.Time, newEpoch func() string) *journal {
	j := &journal{cap: max(capacity, 1), maxBytes: max(maxBytes, 1), stats: map[string]*inspect.ProfileStats{},
		unrouted: newStats(), since: now, epoch: newEpoch(), newEpoch: newEpoch}
	for _, p := range profiles {
		j.stats[p] = newStats()
	}
	return j
}

func newStats() *inspect.ProfileStats {
	return &inspect.ProfileStats{ByStatus: map[string]uint64{}, ByEndpoint: map[string]uint64{}, Violations: map[string]uint64{}}
}

// entry is a journal entry with its body kept as bytes until it is read.
type entry struct {
	inspect.Entry
	body []byte
	size int // estimated bytes held
}

// entryOverhead is what an entry holds besides its strings: the struct, the
// slices' headers, a violation's or an event's fixed fields.
const (
	entryOverhead     = 400
	violationOverhead = 120
	eventOverhead     = 200
)

// estimate is the bytes an entry keeps alive: its body, strings, violations
// and events. It bounds the journal's memory, so it errs high.
func estimate(e *entry) int {
	n := entryOverhead + cap(e.body) + len(e.Profile) + len(e.Endpoint) + len(e.Path) + len(e.Query) + len(e.Session) + len(e.Reason) + len(e.Rule) + len(e.Answer)
	for k, v := range e.Headers {
		n += 32 + len(k) + len(v)
	}
	for k, v := range e.Document {
		n += 32 + len(k)
		if s, ok := v.(string); ok {
			n += len(s)
		}
	}
	for _, v := range e.Violations {
		n += violationOverhead + len(v.Message) + len(v.Field) + len(v.Rule)
	}
	for _, ev := range e.Events {
		n += eventOverhead + len(ev.Event) + len(ev.ID) + len(ev.Key) + len(ev.DedupeKey)
	}
	return n
}

// statusText caches the status keys of the counters.
var statusText = func() map[int]string {
	m := map[int]string{}
	for s := 100; s < 600; s++ {
		m[s] = strconv.Itoa(s)
	}
	return m
}()

func statusKey(s int) string {
	if k, ok := statusText[s]; ok {
		return k
	}
	return strconv.Itoa(s)
}

// add appends e (giving it its Seq) and counts it.
func (j *journal) add(ie inspect.Entry, body []byte, t Tally, rules []string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	ie.Seq = j.seq
	e := entry{Entry: ie, body: body}
	e.size = estimate(&e)
	for j.n > 0 && (j.n == j.cap || j.bytes+e.size > j.maxBytes) {
		j.evictOldest()
	}
	if j.n == len(j.ring) {
		j.grow()
	}
	j.ring[(j.head+j.n)%len(j.ring)] = e
	j.n++
	j.bytes += e.size
	s := j.stats[e.Profile]
	if e.Profile == "" {
		s = j.unrouted
	} else if s == nil {
		s = newStats()
		j.stats[e.Profile] = s
	}
	s.Requests++
	s.ByStatus[statusKey(e.Status)]++
	s.ByEndpoint[e.Endpoint]++
	switch e.Outcome {
	case inspect.Accepted:
		s.Accepted++
	case inspect.Replay:
		s.Replays++
	case inspect.Dropped:
		s.Dropped++
	case inspect.Rejected:
		s.Rejected++
	case inspect.Faulted:
		s.Faulted++
	}
	if t.RateLimited {
		s.RateLimited++
	}
	s.Events += t.Events
	s.Duplicates += t.Duplicates
	s.ProbableDuplicates += t.Probable
	s.Conflicts += t.Conflicts
	for _, r := range rules {
		s.Violations[r]++
	}
}

func (j *journal) evictOldest() {
	j.bytes -= j.ring[j.head].size
	j.ring[j.head] = entry{} // let go of its body at once
	j.head = (j.head + 1) % len(j.ring)
	j.n--
	j.evicted++
}

// grow doubles the ring, up to cap, keeping the order.
func (j *journal) grow() {
	ring := make([]entry, min(max(2*len(j.ring), 64), j.cap))
	for i := range j.n {
		ring[i] = *j.at(i)
	}
	j.ring, j.head = ring, 0
}

// at returns the i-th entry in Seq order.
func (j *journal) at(i int) *entry {
	return &j.ring[(j.head+i)%len(j.ring)]
}

// query returns the entries matching q, in Seq order, and the cursor to go on.
func (j *journal) query(q inspect.Query, limit int) inspect.Page {
	j.mu.Lock()
	defer j.mu.Unlock()
	page := inspect.Page{Entries: []inspect.Entry{}, Next: q.After, Evicted: j.evicted, Epoch: j.epoch}
	n := j.n
	start := sort.Search(n, func(i int) bool { return j.at(i).Seq > q.After })
	for i := start; i < n && len(page.Entries) < limit; i++ {
		e := j.at(i)
		page.Next = e.Seq // skipped entries advance the cursor too
		if q.Profile != "" && e.Profile != q.Profile || q.Session != "" && e.Session != q.Session {
			continue
		}
		if !q.Since.IsZero() && e.ReceivedAt.Before(q.Since) {
			continue
		}
		ie := e.Entry
		ie.Body = string(e.body)
		page.Entries = append(page.Entries, ie)
	}
	return page
}

func (j *journal) snapshot() inspect.Stats {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := inspect.Stats{Since: j.since, Epoch: j.epoch, Profiles: map[string]inspect.ProfileStats{},
		Journal: inspect.JournalStats{Capacity: j.cap, Len: j.n, Evicted: j.evicted, Bytes: j.bytes, MaxBytes: j.maxBytes}}
	u := *j.unrouted
	u.ByStatus = maps.Clone(j.unrouted.ByStatus)
	u.ByEndpoint = maps.Clone(j.unrouted.ByEndpoint)
	u.Violations = maps.Clone(j.unrouted.Violations)
	st.Unrouted = &u
	for name, s := range j.stats {
		c := *s
		c.ByStatus = maps.Clone(s.ByStatus)
		c.ByEndpoint = maps.Clone(s.ByEndpoint)
		c.Violations = maps.Clone(s.Violations)
		st.Profiles[name] = c
	}
	return st
}

// reset forgets everything of one profile, or of all when name is "".
func (j *journal) reset(name string, now time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if name == "" {
		j.ring, j.head, j.n, j.bytes, j.evicted, j.since = nil, 0, 0, 0, 0, now
		j.epoch = j.newEpoch()
		for p := range j.stats {
			j.stats[p] = newStats()
		}
		j.unrouted = newStats()
		return
	}
	kept := make([]entry, 0, j.n)
	bytes := 0
	for i := range j.n {
		if e := j.at(i); e.Profile != name {
			kept = append(kept, *e)
			bytes += e.size
		}
	}
	j.ring, j.head, j.n, j.bytes = kept, 0, len(kept), bytes
	j.stats[name] = newStats()
}

func (j *journal) currentEpoch() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.epoch
}
