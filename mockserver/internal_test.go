package mockserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func TestLimiterRollingWindow(t *testing.T) {
	at := func(ms int) time.Time { return time.UnixMilli(int64(ms)) }
	tests := []struct {
		name      string
		giveAt    int // ms
		wantOK    bool
		wantAfter time.Duration
	}{
		{"first", 0, true, 0},
		{"second", 1000, true, 0},
		{"third", 2000, true, 0},
		{"fourth in the window", 3000, false, 7 * time.Second},
		{"just before the first leaves", 9999, false, time.Millisecond},
		{"the first has left", 10000, true, 0},
		{"the second is still in", 10500, false, 500 * time.Millisecond},
		{"the second has left", 11000, true, 0},
	}
	l := newLimiter(3, 10*time.Second)
	for _, tt := range tests {
		ok, after := l.allow("k", at(tt.giveAt))
		if ok != tt.wantOK || after != tt.wantAfter {
			t.Errorf("%s: got %v %s, want %v %s", tt.name, ok, after, tt.wantOK, tt.wantAfter)
		}
	}
	if ok, _ := l.allow("other", at(3000)); !ok {
		t.Error("another bucket is limited too")
	}
}

// TestLimiterNeverExceeds checks the defining property on random traffic: no
// window of the limiter's length holds more than limit allowed requests, and
// a request is refused only when its window is full.
func TestLimiterNeverExceeds(t *testing.T) {
	const limit, window = 5, time.Second
	r := rand.New(rand.NewPCG(1, 2))
	l := newLimiter(limit, window)
	now := time.Unix(1000, 0)
	var allowed []time.Time
	for range 5000 {
		now = now.Add(time.Duration(r.IntN(400)) * time.Millisecond)
		ok, _ := l.allow("k", now)
		in := 0
		for _, a := range allowed {
			if now.Sub(a) < window {
				in++
			}
		}
		if ok != (in < limit) {
			t.Fatalf("at %s: allowed=%v with %d in the window", now, ok, in)
		}
		if ok {
			allowed = append(allowed, now)
		}
	}
}

func TestLimiterMemoryFollowsTraffic(t *testing.T) {
	l := newLimiter(1_000_000, time.Second)
	now := time.Unix(0, 0)
	for i := range 10_000 {
		l.allow("k", now.Add(time.Duration(i)*time.Microsecond))
	}
	burst := len(l.buckets["k"].ts)
	for i := range 100 {
		now = now.Add(2 * time.Second)
		l.allow("k", now.Add(time.Duration(i)))
	}
	if got := len(l.buckets["k"].ts); got >= burst || got > 64 {
		t.Errorf("after the burst: ring of %d (burst %d), want it shrunk", got, burst)
	}
	// Buckets idle for a window are swept as new ones come.
	for i := range 3000 {
		l.allow(fmt.Sprint("idle-", i), now)
	}
	now = now.Add(time.Hour)
	for i := range 2000 {
		l.allow(fmt.Sprint("new-", i), now)
	}
	if n := len(l.buckets); n > 2000 {
		t.Errorf("got %d buckets, want at most the 2,000 active ones", n)
	}
}

func TestFIFOForgetsTheOldest(t *testing.T) {
	f := newFIFO[string, int](3)
	for i, k := range []string{"a", "b", "c", "a", "d", "e"} {
		f.put(k, i)
	}
	for _, tt := range []struct {
		key  string
		want bool
	}{{"a", false}, {"b", false}, {"c", true}, {"d", true}, {"e", true}} {
		if _, ok := f.get(tt.key); ok != tt.want {
			t.Errorf("%s: got present=%v, want %v", tt.key, ok, tt.want)
		}
	}
	if f.len() != 3 {
		t.Errorf("got %d keys, want 3", f.len())
	}
}

func TestUUID4(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		u := uuid4()
		if len(u) != 36 || u[14] != '4' || u[8] != '-' || u[13] != '-' || u[18] != '-' || u[23] != '-' ||
			(u[19] != '8' && u[19] != '9' && u[19] != 'a' && u[19] != 'b') || seen[u] {
			t.Fatalf("got %q: not a fresh UUID v4", u)
		}
		seen[u] = true
	}
}

func TestHashIgnoresMemberOrder(t *testing.T) {
	m := newMemory(1)
	a := map[string]any{"x": "1", "y": []any{true, nil}, "z": map[string]any{"p": "q", "r": "s"}}
	b := map[string]any{"z": map[string]any{"r": "s", "p": "q"}, "y": []any{true, nil}, "x": "1"}
	c := map[string]any{"x": "1", "y": []any{true, nil}, "z": map[string]any{"p": "q", "r": "t"}}
	if m.hash(a) != m.hash(b) {
		t.Error("the same object in another order hashes differently")
	}
	if m.hash(a) == m.hash(c) {
		t.Error("different objects hash the same")
	}
	if m.hash(map[string]any{"ab": "c"}) == m.hash(map[string]any{"a": "bc"}) {
		t.Error("string boundaries do not count")
	}
}

// TestAppendFlatAgreesWithEncodingJSON: the fast path writes what
// encoding/json writes, or declines.
func TestAppendFlatAgreesWithEncodingJSON(t *testing.T) {
	tests := []any{
		map[string]any{"status": "queued", "accepted": 3},
		map[string]any{"action": "game_event_created", "id": "12", "token": "1c954efa-ae4e-4bb0-b738-c7ad96364186"},
		map[string]any{"status": "ok", "idempotent": true, "n": json.Number("1.5e3"), "x": nil, "u": uint64(7), "i": int64(-2)},
		map[string]any{"q": "a\"b\\c\nd\te\x01f<g>&h\b\f\x7f", "é": "日本語", "emoji": "😀"},
		map[string]any{"bad": "\xff"},
		map[string]any{"sep": "\u2028"},
		map[string]any{"nested": map[string]any{"a": 1}},
		map[string]any{},
		[]any{1, 2},
		"plain",
	}
	for _, v := range tests {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		got, ok := appendFlat(nil, v)
		if ok && string(got) != want.String() {
			t.Errorf("%v: got %q, want %q", v, got, want.String())
		}
	}
	if _, ok := appendFlat(nil, map[string]any{"status": "ok"}); !ok {
		t.Error("a flat map is declined")
	}
}

func FuzzAppendFlat(f *testing.F) {
	f.Add("status", "queued", int64(3), true)
	f.Add("q", "a\"\\\n\x01\u2028é", int64(-1), false)
	f.Fuzz(func(t *testing.T, k, v string, n int64, flag bool) {
		m := map[string]any{k: v, k + "n": n, k + "b": flag, "z" + v: nil}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m); err != nil {
			t.Fatal(err)
		}
		if got, ok := appendFlat(nil, m); ok && string(got) != want.String() {
			t.Fatalf("got %q, want %q", got, want.String())
		}
	})
}
