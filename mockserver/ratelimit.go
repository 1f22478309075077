package mockserver

import (
	"sync"
	"time"
)

// limiter is an exact rolling-window limit per bucket: a request is allowed when
// fewer than limit allowed requests of its bucket fall in the window before it.
// Each bucket keeps the times of its allowed requests still inside the window,
// oldest first, in a ring that grows to at most limit entries and shrinks when
// traffic drops, so the check is O(1) amortised and memory follows the traffic
// rather than the limit. Buckets idle for a whole window are swept once the map
// doubles, so senders that invent buckets (token subjects) cannot grow it
// without bound.
type limiter struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	buckets map[string]*times
	sweepAt int
}

// times is a ring of unix nanos, oldest at head.
type times struct {
	ts   []int64
	head int
	n    int
}

func (t *times) oldest() int64 { return t.ts[t.head] }

func (t *times) newest() int64 { return t.ts[(t.head+t.n-1)%len(t.ts)] }

func (t *times) pop() { t.head, t.n = (t.head+1)%len(t.ts), t.n-1 }

func (t *times) push(v int64, limit int) {
	if t.n == len(t.ts) {
		t.resize(min(max(2*len(t.ts), 8), limit))
	}
	t.ts[(t.head+t.n)%len(t.ts)] = v
	t.n++
}

func (t *times) resize(size int) {
	ts := make([]int64, size)
	for i := range t.n {
		ts[i] = t.ts[(t.head+i)%len(t.ts)]
	}
	t.ts, t.head = ts, 0
}

const minSweep = 1024

func newLimiter(limit int, window time.Duration) *limiter {
	return &limiter{limit: limit, window: window, buckets: map[string]*times{}, sweepAt: minSweep}
}

// allow counts a request of bucket at now. When the bucket is full it answers
// false and how long until a slot frees.
func (l *limiter) allow(bucket string, now time.Time) (bool, time.Duration) {
	n := now.UnixNano()
	w := int64(l.window)
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[bucket]
	if b == nil {
		if len(l.buckets) >= l.sweepAt {
			l.sweep(n)
		}
		b = &times{}
		l.buckets[bucket] = b
	}
	// A clock set back leaves times in the future: they count as now, so a
	// window is never held open longer than itself.
	for b.n > 0 && n-min(b.oldest(), n) >= w {
		b.pop()
	}
	if b.n >= l.limit {
		return false, time.Duration(min(b.oldest(), n) + w - n)
	}
	b.push(n, l.limit)
	if len(b.ts) > 64 && b.n < len(b.ts)/4 {
		b.resize(len(b.ts) / 2)
	}
	return true, 0
}

func (l *limiter) sweep(n int64) {
	for k, b := range l.buckets {
		if b.n == 0 || n-b.newest() >= int64(l.window) {
			delete(l.buckets, k)
		}
	}
	l.sweepAt = max(minSweep, 2*len(l.buckets))
}

func (l *limiter) reset() {
	l.mu.Lock()
	l.buckets = map[string]*times{}
	l.sweepAt = minSweep
	l.mu.Unlock()
}

// retryAfter is d in whole seconds, rounded up, at least 1.
func retryAfter(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}
