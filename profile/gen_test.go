package profile

import (
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v6"
)

// The fast helpers draw what gofakeit draws and write what it writes, so a
// seed's events are the bytes they were.
func TestGenHelpersMatchGofakeit(t *testing.T) {
	for _, seed := range []int64{1, 42, -7, 1 << 40} {
		g, f := NewGen(seed, time.Time{}), gofakeit.New(seed)
		f.Uint32() // NewGen's run id
		list := []string{"a", "b", "c", "d", "e"}
		boxed := []any{"a", "b", "c", "d", "e"}
		for i := range 200 {
			if got, want := g.IPv4(), f.IPv4Address(); got != want {
				t.Fatalf("seed %d draw %d: IPv4 %q, gofakeit %q", seed, i, got, want)
			}
			if got, want := g.IPv6(), f.IPv6Address(); got != want {
				t.Fatalf("seed %d draw %d: IPv6 %q, gofakeit %q", seed, i, got, want)
			}
			if got, want := g.Pick(boxed), f.RandomString(list); got != want {
				t.Fatalf("seed %d draw %d: Pick %q, RandomString %q", seed, i, got, want)
			}
		}
		if g.Pick([]any{"only"}) != "only" || g.Pick(nil) != "" {
			t.Fatal("Pick of one or none")
		}
	}
}

func TestGenUserAgent(t *testing.T) {
	draw := func(seed int64) []string {
		g := NewGen(seed, time.Time{})
		out := make([]string, 50)
		for i := range out {
			out[i] = g.UserAgent()
		}
		return out
	}
	a, b, c := draw(3), draw(3), draw(4)
	distinct := map[string]bool{}
	same := true
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, draw %d: %q and %q", i, a[i], b[i])
		}
		if a[i] == "" {
			t.Fatalf("draw %d: empty user agent", i)
		}
		same = same && a[i] == c[i]
		distinct[a[i]] = true
	}
	if same {
		t.Error("seeds 3 and 4 drew the same user agents")
	}
	if len(distinct) < 20 {
		t.Errorf("50 draws gave %d distinct user agents, want a varied mix", len(distinct))
	}
	// The pool is drawn from its own source: the values after it are the
	// ones a generator that never drew a user agent gives.
	g, h := NewGen(5, time.Time{}), NewGen(5, time.Time{})
	g.UserAgent()
	h.Faker.Rand.Intn(userAgents)
	if x, y := g.ID("x")+g.IPv4(), h.ID("x")+h.IPv4(); x != y {
		t.Errorf("a user agent shifted the stream: %q then %q", x, y)
	}
}

func TestGenID(t *testing.T) {
	g := NewGen(9, time.Time{})
	seen := map[string]bool{}
	for range 1000 {
		id := g.ID("tx")
		if seen[id] || len(id) < len("tx_")+7 || id[:3] != "tx_" {
			t.Fatalf("id %q: repeated or malformed", id)
		}
		seen[id] = true
	}
}
