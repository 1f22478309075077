package mockserver

import (
	"maps"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
)

// journal keeps the last cap entries in a ring and counts everything exactly:
// the counters never lose what the ring lets go, so a soak run has bounded
// memory and exact totals.
type journal struct {
	mu      sync.Mutex
	cap     int
	ring    []entry // grows to cap, then wraps
	head    int     // oldest entry once full
	seq     uint64  // last Seq given; never goes back, even on reset
	evicted uint64
	stats   map[string]*inspect.ProfileStats
	since   time.Time
}

func newJournal(capacity int, profiles []string, now time.Time) *journal {
	j := &journal{cap: max(capacity, 1), stats: map[string]*inspect.ProfileStats{}, since: now}
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
}

// tally is what one request adds to its profile's counters beyond the entry.
type tally struct {
	rateLimited bool
	events      uint64 // recorded
	duplicates  uint64
	probable    uint64
	conflicts   uint64
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
func (j *journal) add(ie inspect.Entry, body []byte, t tally, rules []string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	ie.Seq = j.seq
	e := entry{Entry: ie, body: body}
	if len(j.ring) < j.cap {
		j.ring = append(j.ring, e)
	} else {
		j.ring[j.head] = e
		j.head = (j.head + 1) % j.cap
		j.evicted++
	}
	s := j.stats[e.Profile]
	if s == nil {
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
	if t.rateLimited {
		s.RateLimited++
	}
	s.Events += t.events
	s.Duplicates += t.duplicates
	s.ProbableDuplicates += t.probable
	s.Conflicts += t.conflicts
	for _, r := range rules {
		s.Violations[r]++
	}
}

// at returns the i-th entry in Seq order.
func (j *journal) at(i int) *entry {
	if len(j.ring) < j.cap {
		return &j.ring[i]
	}
	return &j.ring[(j.head+i)%j.cap]
}

// query returns the entries matching q, in Seq order, and the cursor to go on.
func (j *journal) query(q inspect.Query, limit int) inspect.Page {
	j.mu.Lock()
	defer j.mu.Unlock()
	page := inspect.Page{Entries: []inspect.Entry{}, Next: q.After, Evicted: j.evicted}
	n := len(j.ring)
	start := sort.Search(n, func(i int) bool { return j.at(i).Seq > q.After })
	for i := start; i < n && len(page.Entries) < limit; i++ {
		e := j.at(i)
		page.Next = e.Seq // skipped entries advance the cursor too
		if q.Profile != "" && e.Profile != q.Profile {
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
	st := inspect.Stats{Since: j.since, Profiles: map[string]inspect.ProfileStats{},
		Journal: inspect.JournalStats{Capacity: j.cap, Len: len(j.ring), Evicted: j.evicted}}
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
		j.ring, j.head, j.evicted, j.since = nil, 0, 0, now
		for p := range j.stats {
			j.stats[p] = newStats()
		}
		return
	}
	kept := make([]entry, 0, len(j.ring))
	for i := range j.ring {
		if e := j.at(i); e.Profile != name {
			kept = append(kept, *e)
		}
	}
	j.ring, j.head = kept, 0
	j.stats[name] = newStats()
}
