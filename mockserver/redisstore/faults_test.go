package redisstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/redistest"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/mockserver/redisstore"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// faultRun is what a run through Redis faults saw, from the sender's side and
// from the journal.
type faultRun struct {
	answered200, first, unavailable, transport int64
	journaled200                               int            // entries answered 200
	recorded                                   map[string]int // event id → entries recording it
}

// TestExactlyOnceThroughRedisKills delivers postback events through two
// replicas on one redis-server (append-only file, fsync always) that the
// test kills (SIGKILL) and restarts twice mid-run. A sender re-sends each
// event until it is answered 200. Then every event is recorded exactly once:
// none answered 200 and lost, none recorded twice; a 503 left no claim, so
// the re-send was a first delivery.
func TestExactlyOnceThroughRedisKills(t *testing.T) {
	srv, err := redistest.StartWith(redistest.Options{AOF: true})
	if errors.Is(err, redistest.ErrMissing) && os.Getenv("CI") == "" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ctx := context.Background()
	url := srv.URL(0) + "?dial_timeout=200ms&read_timeout=1s&write_timeout=1s&pool_timeout=1s"
	var bases []string
	for range 2 {
		st, err := redisstore.Open(ctx, url, redisstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		m, err := mockserver.New(builtin.All(), mockserver.WithConfig(unlimited("postback")), mockserver.WithState(st.State()))
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(m)
		t.Cleanup(hs.Close)
		bases = append(bases, hs.URL)
	}
	p := byName(t, "postback")
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 18, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	const events = 600
	ids := make([]string, events)
	jobs := make(chan int, events)
	pls := make([]*profile.Payload, events)
	for i := range events {
		pl := gen.Next()
		doc, _ := pl.Body.(map[string]any)
		id, _ := doc["event_id"].(string)
		if id == "" {
			t.Fatalf("payload %d: no event_id: %v", i, pl.Body)
		}
		ids[i], pls[i] = id, pl
		jobs <- i
	}
	close(jobs)

	run := faultRun{recorded: map[string]int{}}
	var done atomic.Int64
	got200 := make([]bool, events)
	var wg sync.WaitGroup
	deadline := time.Now().Add(2 * time.Minute)
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				for try := 0; time.Now().Before(deadline); try++ {
					code, body := sendQuiet(bases[(w+try)%2], prepare(t, p, pls[i], time.Now()))
					switch code {
					case 200:
						atomic.AddInt64(&run.answered200, 1)
						var a struct{ Idempotent bool }
						if json.Unmarshal(body, &a) == nil && !a.Idempotent {
							atomic.AddInt64(&run.first, 1)
						}
						got200[i] = true
					case 503:
						atomic.AddInt64(&run.unavailable, 1)
					case 0:
						atomic.AddInt64(&run.transport, 1)
					default:
						t.Errorf("event %d: answered %d: %s", i, code, body)
					}
					if got200[i] || code/100 == 4 {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				done.Add(1)
			}
		}()
	}
	// The faults: kill Redis at a quarter and at two thirds of the run, and
	// bring it back after the senders met it dead.
	for _, at := range []int64{events / 4, 2 * events / 3} {
		for done.Load() < at && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		srv.Kill()
		before := atomic.LoadInt64(&run.unavailable) + atomic.LoadInt64(&run.transport)
		for atomic.LoadInt64(&run.unavailable)+atomic.LoadInt64(&run.transport) < before+20 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if err := srv.Restart(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()

	ic, err := inspect.NewClient(bases[0], client)
	if err != nil {
		t.Fatal(err)
	}
	for after := uint64(0); ; {
		page, err := journalOnceBack(ctx, ic, inspect.Query{Profile: "postback", After: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			if e.Status == 200 {
				run.journaled200++
			}
			for _, ev := range e.Events {
				if ev.Recorded {
					run.recorded[ev.ID]++
				}
			}
		}
		if len(page.Entries) == 0 || page.Next == after {
			break
		}
		after = page.Next
	}
	lost, doubled, missing := 0, 0, 0
	for i, id := range ids {
		switch n := run.recorded[id]; {
		case !got200[i]:
			missing++
		case n == 0:
			lost++
		case n > 1:
			doubled++
		}
	}
	t.Logf("answered 200: %d (first deliveries %d), 503: %d, transport errors: %d; journal: %d entries answered 200, %d events recorded; lost %d, doubled %d, never answered 200 %d",
		run.answered200, run.first, run.unavailable, run.transport, run.journaled200, len(run.recorded), lost, doubled, missing)
	if run.unavailable+run.transport == 0 {
		t.Fatal("no request met the dead Redis: the test tested nothing")
	}
	if lost > 0 || doubled > 0 || missing > 0 {
		t.Errorf("lost %d, doubled %d, never answered 200 %d; want 0, 0, 0", lost, doubled, missing)
	}
	if run.journaled200 < int(run.answered200) {
		t.Errorf("%d answers 200 but %d journal entries of them: a 200 without its entry", run.answered200, run.journaled200)
	}
	if run.first > events {
		t.Errorf("%d answers idempotent:false for %d events", run.first, events)
	}
}

// journalOnceBack reads a journal page, waiting (10 s at most) while the
// mock answers 503: after Redis comes back, go-redis's pool keeps failing
// fast on its last dial error until its background redial (once a second)
// succeeds, and an inspection call meanwhile is honestly unavailable.
func journalOnceBack(ctx context.Context, ic *inspect.Client, q inspect.Query) (inspect.Page, error) {
	for wait := time.Now().Add(10 * time.Second); ; {
		page, err := ic.Journal(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "answered 503") || time.Now().After(wait) {
			return page, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sendQuiet is send where a transport error is an outcome (code 0), not a failure.
func sendQuiet(base string, w wire) (int, []byte) {
	req, err := http.NewRequest(w.method, base+w.path, bytes.NewReader(w.body))
	if err != nil {
		return 0, nil
	}
	req.Header = w.header.Clone()
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func byName(t testing.TB, name string) *profile.Profile {
	for _, p := range builtin.All() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no profile %s", name)
	return nil
}

// TestEpochWhenRedisForgets restarts a redis-server without persistence: the
// mock finds its state lost, starts a new epoch (health, journal, stats),
// continues the journal's seq above what it had given, and its stats' since
// is the new epoch's start, never year 1.
func TestEpochWhenRedisForgets(t *testing.T) {
	srv, err := redistest.Start()
	if errors.Is(err, redistest.ErrMissing) && os.Getenv("CI") == "" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ctx := context.Background()
	st, err := redisstore.Open(ctx, srv.URL(0)+"?dial_timeout=200ms", redisstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := mockserver.New(builtin.All(), mockserver.WithConfig(unlimited("postback")), mockserver.WithState(st.State()))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(m)
	defer hs.Close()
	ic, err := inspect.NewClient(hs.URL, client)
	if err != nil {
		t.Fatal(err)
	}
	p := byName(t, "postback")
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 3, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	deliver := func(n int) {
		for range n {
			if code, body := sendQuiet(hs.URL, prepare(t, p, gen.Next(), time.Now())); code != 200 {
				t.Fatalf("answered %d: %s", code, body)
			}
		}
	}
	deliver(5)
	h1, err := ic.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := ic.Journal(ctx, inspect.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if h1.Epoch == "" || p1.Epoch != h1.Epoch || p1.Next < 5 {
		t.Fatalf("before: health epoch %q, journal epoch %q, next %d", h1.Epoch, p1.Epoch, p1.Next)
	}
	srv.Kill()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	h2, err := ic.Health(ctx)
	for i := 0; err != nil && i < 50; i++ { // the pool redials
		time.Sleep(50 * time.Millisecond)
		h2, err = ic.Health(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	if h2.Epoch == "" || h2.Epoch == h1.Epoch {
		t.Fatalf("after Redis forgot: epoch %q, before %q; want a new one", h2.Epoch, h1.Epoch)
	}
	deliver(2)
	p2, err := ic.Journal(ctx, inspect.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if p2.Epoch != h2.Epoch || len(p2.Entries) != 2 || p2.Entries[0].Seq <= p1.Next {
		t.Errorf("after: epoch %q (health %q), %d entries from seq %v; want 2 above %d", p2.Epoch, h2.Epoch, len(p2.Entries), seqs(p2), p1.Next)
	}
	stats, err := ic.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Since.Year() < 2000 || stats.Epoch != h2.Epoch {
		t.Errorf("stats since %v epoch %q; want the new epoch's start", stats.Since, stats.Epoch)
	}
}

func seqs(p inspect.Page) []uint64 {
	var out []uint64
	for _, e := range p.Entries {
		out = append(out, e.Seq)
	}
	return out
}
