package mockserver

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// fill judges n events whose ids (and dedupe and fallback keys) are size
// bytes long, as a profile with all three stores would.
func fill(m *memory, n, size int) {
	pad := strings.Repeat("x", size)
	now := time.Unix(1_800_000_000, 0)
	for i := range n {
		id := strconv.Itoa(i) + pad[:max(size-10, 0)]
		recs := []profile.Record{{ID: id, DedupeKey: "d" + id, FallbackKey: "f" + id}}
		m.judge(context.Background(), recs, []uint64{uint64(i)}, "app", Policy{Kind: profile.Idempotent, Window: time.Minute, Now: now})
		m.judge(context.Background(), recs, []uint64{uint64(i)}, "app", Policy{Kind: profile.MarkDuplicates, Window: time.Minute, Now: now})
	}
}

// TestMemoryIsBoundedByBytes: 10,000 events with 30 KB ids cost the memory
// what 20-byte ids do (it keeps hashes), not 10,000 × 30 KB × three stores.
func TestMemoryIsBoundedByBytes(t *testing.T) {
	n := 10_000
	if s := os.Getenv("S2S_MEMORY_KEYS"); s != "" { // for measuring the per-key cost by hand
		n, _ = strconv.Atoi(s)
	}
	cost := func(size int) float64 {
		base := liveHeap()
		m := newMemory(n)
		fill(m, n, size)
		held := liveHeap()
		runtime.KeepAlive(m)
		if m.ids.len() != n || m.keys.len() != n || m.fallback.len() != n {
			t.Fatalf("stores hold %d, %d, %d keys; want %d each", m.ids.len(), m.keys.len(), m.fallback.len(), n)
		}
		return float64(int64(held)-int64(base)) / float64(n)
	}
	short, long := cost(20), cost(30_000)
	t.Logf("%d keys in each of the id, dedupe and fallback stores: %.0f bytes a key (all three stores) with 20-byte keys, %.0f with 30 KB keys",
		n, short, long)
	if long > 2*short+1024 {
		t.Errorf("30 KB keys cost %.0f bytes an event, 20-byte ones %.0f: the memory keeps the keys, not their hashes", long, short)
	}
	if limit := 1024.0; long > limit {
		t.Errorf("%.0f bytes an event, over %.0f", long, limit)
	}
}
