package mockserver

// fifo is a map bounded to capacity keys: past it, the key inserted first is
// forgotten. The repeat-detection stores use it so that a soak run keeps a
// window of the last N keys instead of growing without bound.
type fifo[V any] struct {
	m     map[string]V
	order []string // insertion order; a ring once full
	head  int      // next slot to overwrite once full
	cap   int
}

func newFIFO[V any](capacity int) *fifo[V] {
	return &fifo[V]{m: map[string]V{}, cap: max(capacity, 1)}
}

func (f *fifo[V]) get(k string) (V, bool) {
	v, ok := f.m[k]
	return v, ok
}

// put sets k to v; a new key may evict the oldest one.
func (f *fifo[V]) put(k string, v V) {
	if _, ok := f.m[k]; ok {
		f.m[k] = v
		return
	}
	if len(f.order) < f.cap {
		f.order = append(f.order, k)
	} else {
		delete(f.m, f.order[f.head])
		f.order[f.head] = k
		f.head = (f.head + 1) % f.cap
	}
	f.m[k] = v
}

func (f *fifo[V]) len() int { return len(f.m) }

func (f *fifo[V]) clear() {
	f.m = map[string]V{}
	f.order = nil
	f.head = 0
}
