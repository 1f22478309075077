package mockserver

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// memory is what a profile remembers of accepted events, bounded per store:
// idempotency keys (with a hash of the first payload, to flag conflicting
// replays), duplicate keys, fallback keys (with when and under which id they
// were last seen) and per-app sequences. One lock makes check-and-insert
// atomic, so concurrent deliveries of one key have exactly one first.
type memory struct {
	mu       sync.Mutex
	ids      *fifo[uint64]
	keys     *fifo[struct{}]
	fallback *fifo[mark]
	seqs     *fifo[uint64]
	seed     maphash.Seed
}

type mark struct {
	at time.Time
	id string
}

func newMemory(capacity int) *memory {
	return &memory{ids: newFIFO[uint64](capacity), keys: newFIFO[struct{}](capacity),
		fallback: newFIFO[mark](capacity), seqs: newFIFO[uint64](capacity), seed: maphash.MakeSeed()}
}

func (m *memory) reset() {
	m.mu.Lock()
	m.ids.clear()
	m.keys.clear()
	m.fallback.clear()
	m.seqs.clear()
	m.mu.Unlock()
}

// verdict is what the memory made of one event.
type verdict struct {
	recorded, duplicate, replay, conflict, probable bool
}

// policy is how a request's events are judged.
type policy struct {
	kind     profile.DedupeKind
	window   time.Duration // probable-duplicate window; 0: none
	dropDups bool
	now      time.Time
}

// memory is the in-process Memory (through localMemory).

// judge decides, for each event, whether it is recorded and how it repeats,
// then gives the app its next sequence number.
func (m *memory) judge(_ context.Context, recs []profile.Record, hashes []uint64, app string, pol policy) ([]verdict, uint64) {
	out := make([]verdict, len(recs))
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, r := range recs {
		v := &out[i]
		switch {
		case pol.kind == profile.Idempotent && r.ID != "":
			if h, ok := m.ids.get(r.ID); ok {
				v.replay, v.conflict = true, h != hashes[i]
			} else {
				m.ids.put(r.ID, hashes[i])
				v.recorded = true
			}
		case pol.kind == profile.MarkDuplicates && r.DedupeKey != "":
			if _, ok := m.keys.get(r.DedupeKey); ok {
				v.duplicate, v.recorded = true, !pol.dropDups
			} else {
				m.keys.put(r.DedupeKey, struct{}{})
				v.recorded = true
			}
		default:
			v.recorded = true
		}
		m.fallbackCheck(v, r, pol)
	}
	return out, m.next(app)
}

func (m *memory) known(recs []profile.Record) []bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := make([]bool, len(recs))
	for i, r := range recs {
		if r.ID != "" {
			_, seen[i] = m.ids.get(r.ID)
		}
	}
	return seen
}

func (m *memory) seq(app string) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.next(app)
}

// fallbackCheck flags a recorded event whose fallback key was seen under
// another id within the window (by arrival on the mock's clock).
func (m *memory) fallbackCheck(v *verdict, r profile.Record, pol policy) {
	if !v.recorded || r.FallbackKey == "" || pol.window <= 0 {
		return
	}
	if prev, ok := m.fallback.get(r.FallbackKey); ok && prev.id != r.ID {
		d := pol.now.Sub(prev.at)
		v.probable = d < pol.window && d > -pol.window
	}
	m.fallback.put(r.FallbackKey, mark{at: pol.now, id: r.ID})
}

// next returns app's next sequence number, from 1. Called with the lock held.
func (m *memory) next(app string) uint64 {
	n, _ := m.seqs.get(app)
	n++
	m.seqs.put(app, n)
	return n
}

// hash fingerprints an event's payload: object members in key order, so the
// same event written in another order hashes the same.
func (m *memory) hash(item any) uint64 {
	var h maphash.Hash
	h.SetSeed(m.seed)
	hashValue(&h, item)
	return h.Sum64()
}

func hashValue(h *maphash.Hash, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		h.WriteByte('{')
		for _, k := range keys {
			writeString(h, k)
			hashValue(h, x[k])
		}
		h.WriteByte('}')
	case []any:
		h.WriteByte('[')
		for _, e := range x {
			hashValue(h, e)
			h.WriteByte(',')
		}
		h.WriteByte(']')
	case string:
		h.WriteByte('"')
		writeString(h, x)
	case json.Number:
		h.WriteByte('#')
		writeString(h, string(x))
	case bool:
		if x {
			h.WriteString("true")
		} else {
			h.WriteString("false")
		}
	case nil:
		h.WriteString("null")
	default:
		h.WriteString(fmt.Sprintf("%T:%v;", x, x))
	}
}

// writeString writes s with its length first, so no two sequences of strings
// hash alike by accident of their boundaries.
func writeString(h *maphash.Hash, s string) {
	var n [binary.MaxVarintLen64]byte
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
	h.WriteString(s)
}
