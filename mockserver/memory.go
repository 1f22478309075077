package mockserver

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"

	"github.com/s2s-harness/s2s-harness/profile"
)

// memory is what a profile remembers of accepted events, bounded per store:
// idempotency keys (with a hash of the first payload, to flag conflicting
// replays), duplicate keys, fallback keys (with when and under which id they
// were last seen) and per-app sequences. Every key is kept as its 128-bit
// hash, never as the sender's string, so a store's memory is bounded in bytes
// whatever the keys' length (a 30 KB event_id costs what a 20-byte one does).
// One lock makes check-and-insert atomic, so concurrent deliveries of one key
// have exactly one first.
type memory struct {
	mu       sync.Mutex
	ids      *fifo[keyHash, uint64]
	keys     *fifo[keyHash, struct{}]
	fallback *fifo[keyHash, mark]
	seqs     *fifo[keyHash, uint64]
	seeds    [2]maphash.Seed // keyHash's halves
	seed     maphash.Seed    // payload hashes
}

// keyHash is a key as the memory keeps it: two independent 64-bit hashes, so
// two keys are taken for one with odds of about 2^-128 per pair.
type keyHash [2]uint64

type mark struct {
	at int64   // unix microseconds of the mock's clock
	id keyHash // of the event id it was seen under
}

func newMemory(capacity int) *memory {
	return &memory{ids: newFIFO[keyHash, uint64](capacity), keys: newFIFO[keyHash, struct{}](capacity),
		fallback: newFIFO[keyHash, mark](capacity), seqs: newFIFO[keyHash, uint64](capacity),
		seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, seed: maphash.MakeSeed()}
}

// key hashes one key of any store.
func (m *memory) key(s string) keyHash {
	return keyHash{maphash.String(m.seeds[0], s), maphash.String(m.seeds[1], s)}
}

func (m *memory) reset() {
	m.mu.Lock()
	m.ids.clear()
	m.keys.clear()
	m.fallback.clear()
	m.seqs.clear()
	m.mu.Unlock()
}

// memory is the in-process Memory (through localMemory).

// judge decides, for each event, whether it is recorded and how it repeats,
// then gives the app its next sequence number.
func (m *memory) judge(_ context.Context, recs []profile.Record, hashes []uint64, app string, pol Policy) ([]Verdict, uint64) {
	out := make([]Verdict, len(recs))
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, r := range recs {
		v := &out[i]
		switch {
		case pol.Kind == profile.Idempotent && r.ID != "":
			k := m.key(r.ID)
			if h, ok := m.ids.get(k); ok {
				v.Replay, v.Conflict = true, h != hashes[i]
			} else {
				m.ids.put(k, hashes[i])
				v.Recorded = true
			}
		case pol.Kind == profile.MarkDuplicates && r.DedupeKey != "":
			k := m.key(r.DedupeKey)
			if _, ok := m.keys.get(k); ok {
				v.Duplicate, v.Recorded = true, !pol.DropDups
			} else {
				m.keys.put(k, struct{}{})
				v.Recorded = true
			}
		default:
			v.Recorded = true
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
			_, seen[i] = m.ids.get(m.key(r.ID))
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
func (m *memory) fallbackCheck(v *Verdict, r profile.Record, pol Policy) {
	if !v.Recorded || r.FallbackKey == "" || pol.Window <= 0 {
		return
	}
	k, id, now := m.key(r.FallbackKey), m.key(r.ID), pol.Now.UnixMicro()
	if prev, ok := m.fallback.get(k); ok && prev.id != id {
		d, w := now-prev.at, max(pol.Window.Microseconds(), 1)
		v.Probable = d < w && d > -w
	}
	m.fallback.put(k, mark{at: now, id: id})
}

// next returns app's next sequence number, from 1. Called with the lock held.
func (m *memory) next(app string) uint64 {
	k := m.key(app)
	n, _ := m.seqs.get(k)
	n++
	m.seqs.put(k, n)
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
