package mockserver

// fifo is a map bounded to capacity keys: past it, the key inserted first is
// forgotten. The repeat-detection stores use it so that a soak run keeps a
// window of the last N keys instead of growing without bound; they key it by
// a fixed-size hash (keyHash), so its memory is bounded in bytes too.
type fifo[K comparable, V any] struct {
	m     map[K]V
	order []K // insertion order; a ring once full
	head  int // next slot to overwrite once full
	cap   int
}

func newFIFO[K comparable, V any](capacity int) *fifo[K, V] {
	return &fifo[K, V]{m: map[K]V{}, cap: max(capacity, 1)}
}

func (f *fifo[K, V]) get(k K) (V, bool) {
	v, ok := f.m[k]
	return v, ok
}

// put sets k to v; a new key may evict the oldest one.
func (f *fifo[K, V]) put(k K, v V) {
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

func (f *fifo[K, V]) len() int { return len(f.m) }

func (f *fifo[K, V]) clear() {
	f.m = map[K]V{}
	f.order = nil
	f.head = 0
}
