package redisstore_test

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/redistest"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/mockserver/redisstore"
	"github.com/s2s-harness/s2s-harness/profile"
)

var server *redistest.Server

func TestMain(m *testing.M) {
	os.Exit(redistest.Main(func(s *redistest.Server) int {
		server = s
		return m.Run()
	}))
}

var prefixes atomic.Int64

// open returns a store on the test server with a prefix of its own, so tests
// share nothing.
func open(t testing.TB) *redisstore.Store {
	t.Helper()
	if server == nil {
		t.Skip("redis-server is not installed; set CI=1 to make this a failure")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := redisstore.Open(ctx, server.URL(0), redisstore.Options{Prefix: fmt.Sprintf("t%d:", prefixes.Add(1))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// replica opens a second store sharing the first one's keys.
func replica(t testing.TB, prefix string) *redisstore.Store {
	t.Helper()
	s, err := redisstore.Open(context.Background(), server.URL(0), redisstore.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func TestOpenErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for _, u := range []string{"http://127.0.0.1:1/0", "redis://:secret@127.0.0.1:1/0"} {
		_, err := redisstore.Open(ctx, u, redisstore.Options{})
		if err == nil {
			t.Fatalf("Open(%s): no error", u)
		}
		if got := err.Error(); strings.Contains(got, "secret") {
			t.Errorf("error shows the password: %s", got)
		}
	}
}

func TestAllowRollingWindow(t *testing.T) {
	s := open(t)
	p := s.Profile("rs", 10)
	ctx := context.Background()
	w := time.Minute
	steps := []struct {
		at    time.Duration
		ok    bool
		retry time.Duration
	}{
		{0, true, 0},
		{10 * time.Second, true, 0},
		{20 * time.Second, true, 0},
		{30 * time.Second, false, 30 * time.Second}, // oldest (0 s) frees at 60 s
		{59 * time.Second, false, time.Second},
		{60 * time.Second, true, 0}, // 0 s left the window
		{61 * time.Second, false, 9 * time.Second},
		{-time.Hour, false, w}, // clock set back: future times count as now
	}
	for i, st := range steps {
		ok, retry, err := p.Allow(ctx, "key-a", 3, w, t0.Add(st.at))
		if err != nil {
			t.Fatal(err)
		}
		if ok != st.ok || retry != st.retry {
			t.Errorf("step %d at %v: got %v %v, want %v %v", i, st.at, ok, retry, st.ok, st.retry)
		}
	}
	// Another bucket is untouched.
	if ok, _, _ := p.Allow(ctx, "key-b", 3, w, t0.Add(30*time.Second)); !ok {
		t.Error("key-b limited by key-a's requests")
	}
}

func TestAllowAcrossReplicas(t *testing.T) {
	a := open(t)
	b := replica(t, a.Prefix())
	ctx := context.Background()
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := a
			if i%2 == 1 {
				st = b
			}
			ok, _, err := st.Profile("rs", 10).Allow(ctx, "k", 60, time.Minute, t0.Add(time.Duration(i)*time.Millisecond))
			if err != nil {
				t.Error(err)
			}
			if ok {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	if got := allowed.Load(); got != 60 {
		t.Errorf("allowed %d of 200 concurrent requests over two replicas, want 60", got)
	}
}

func rec(id string, hash uint64) redisstore.Record { return redisstore.Record{ID: id, Hash: hash} }

func TestJudgeIdempotent(t *testing.T) {
	s := open(t)
	p := s.Profile("pb", 3)
	ctx := context.Background()
	pol := mockserver.Policy{Kind: profile.Idempotent, Now: t0}
	steps := []struct {
		recs []redisstore.Record
		want []mockserver.Verdict
	}{
		{[]redisstore.Record{rec("a", 1), rec("b", 2)}, []mockserver.Verdict{{Recorded: true}, {Recorded: true}}},
		{[]redisstore.Record{rec("a", 1)}, []mockserver.Verdict{{Replay: true}}},
		{[]redisstore.Record{rec("a", 9)}, []mockserver.Verdict{{Replay: true, Conflict: true}}},
		{[]redisstore.Record{rec("", 9), rec("", 9)}, []mockserver.Verdict{{Recorded: true}, {Recorded: true}}},
		// Within one request the second of two equal ids is a replay.
		{[]redisstore.Record{rec("c", 3), rec("c", 3)}, []mockserver.Verdict{{Recorded: true}, {Replay: true}}},
		// d evicts a (capacity 3: a, b, c, then d).
		{[]redisstore.Record{rec("d", 4), rec("a", 1)}, []mockserver.Verdict{{Recorded: true}, {Recorded: true}}},
		{[]redisstore.Record{rec("b", 2)}, []mockserver.Verdict{{Recorded: true}}}, // b evicted by a's return
	}
	for i, st := range steps {
		got, seq, err := p.Judge(ctx, st.recs, "app1", pol)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(st.want) {
			t.Errorf("step %d: got %v, want %v", i, got, st.want)
		}
		if seq != uint64(i+1) {
			t.Errorf("step %d: seq %d, want %d", i, seq, i+1)
		}
	}
}

func TestJudgeDuplicates(t *testing.T) {
	for _, drop := range []bool{false, true} {
		t.Run(fmt.Sprint("drop=", drop), func(t *testing.T) {
			p := open(t).Profile("g", 10)
			pol := mockserver.Policy{Kind: profile.MarkDuplicates, DropDups: drop, Now: t0}
			recs := []redisstore.Record{{DedupeKey: "k1"}, {DedupeKey: "k1"}, {DedupeKey: ""}, {DedupeKey: ""}}
			got, _, err := p.Judge(context.Background(), recs, "", pol)
			if err != nil {
				t.Fatal(err)
			}
			want := []mockserver.Verdict{{Recorded: true}, {Recorded: !drop, Duplicate: true}, {Recorded: true}, {Recorded: true}}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestJudgeFallbackWindow(t *testing.T) {
	p := open(t).Profile("pb", 10)
	ctx := context.Background()
	w := 24 * time.Hour
	steps := []struct {
		id, fk   string
		at       time.Duration
		probable bool
	}{
		{"e1", "click|install", 0, false},
		{"e1", "click|install", time.Hour, false},    // same id: not another event (and a replay)
		{"e2", "click|install", 2 * time.Hour, true}, // another id within the window
		{"e3", "click|install", 2*time.Hour + w, false},
		{"e4", "click|install", 3 * time.Hour, true}, // clock back: |d| within the window
		{"e5", "", 2 * time.Hour, false},
	}
	for i, st := range steps {
		got, _, err := p.Judge(ctx, []redisstore.Record{{ID: st.id, FallbackKey: st.fk}}, "",
			mockserver.Policy{Kind: profile.Idempotent, Window: w, Now: t0.Add(st.at)})
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Probable != st.probable {
			t.Errorf("step %d: probable %v, want %v (%+v)", i, got[0].Probable, st.probable, got[0])
		}
	}
}

func TestSequencesPerApp(t *testing.T) {
	p := open(t).Profile("g123", 2)
	ctx := context.Background()
	want := []struct {
		app string
		seq uint64
	}{{"a", 1}, {"a", 2}, {"b", 1}, {"a", 3}, {"c", 1}, {"a", 1}} // c evicts a (capacity 2)
	for i, w := range want {
		got, err := p.Next(ctx, w.app)
		if err != nil {
			t.Fatal(err)
		}
		if got != w.seq {
			t.Errorf("step %d: %s got %d, want %d", i, w.app, got, w.seq)
		}
	}
}

func TestExactlyOneFirstAcrossReplicas(t *testing.T) {
	a := open(t)
	b := replica(t, a.Prefix())
	ctx := context.Background()
	var firsts atomic.Int64
	var wg sync.WaitGroup
	for i := range 400 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := []*redisstore.Store{a, b}[i%2]
			v, _, err := st.Profile("pb", 100).Judge(ctx, []redisstore.Record{rec("same", 7)}, "",
				mockserver.Policy{Kind: profile.Idempotent, Now: t0})
			if err != nil {
				t.Error(err)
				return
			}
			if v[0].Recorded {
				firsts.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := firsts.Load(); n != 1 {
		t.Errorf("%d firsts of 400 concurrent deliveries, want exactly 1", n)
	}
}

func TestKnown(t *testing.T) {
	p := open(t).Profile("pb", 100)
	ctx := context.Background()
	if _, _, err := p.Judge(ctx, []redisstore.Record{rec("x", 1)}, "", mockserver.Policy{Kind: profile.Idempotent, Now: t0}); err != nil {
		t.Fatal(err)
	}
	got, err := p.Known(ctx, []string{"x", "y", ""})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[true false false]" {
		t.Errorf("known %v, want [true false false]", got)
	}
}

func TestHashIgnoresMemberOrder(t *testing.T) {
	a := map[string]any{"a": 1, "b": []any{"x", map[string]any{"c": true, "d": nil}}}
	b := map[string]any{"b": []any{"x", map[string]any{"d": nil, "c": true}}, "a": 1}
	c := map[string]any{"a": 1, "b": []any{"x", map[string]any{"c": false, "d": nil}}}
	if redisstore.Hash(a) != redisstore.Hash(b) {
		t.Error("same payload, other member order: different hashes")
	}
	if redisstore.Hash(a) == redisstore.Hash(c) {
		t.Error("different payloads: same hash")
	}
}

func entry(profile string, status int, outcome string, at time.Time) inspect.Entry {
	return inspect.Entry{Profile: profile, Endpoint: "event", Method: "POST", Path: "/e", Status: status,
		Outcome: outcome, ReceivedAt: at}
}

func TestJournalQueryAndStats(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	j, err := s.Journal(ctx, 1000, 1<<20, []string{"a", "b"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		p := []string{"a", "b"}[i%2]
		seq, err := j.Add(ctx, entry(p, 200, inspect.Accepted, t0.Add(time.Duration(i)*time.Second)), []byte(fmt.Sprint("body", i)), 10,
			mockserver.Tally{Events: 2, Duplicates: 1}, []string{"R-1"})
		if err != nil {
			t.Fatal(err)
		}
		if seq != uint64(i+1) {
			t.Fatalf("seq %d, want %d", seq, i+1)
		}
	}
	if _, err := j.Add(ctx, entry("a", 429, inspect.Rejected, t0.Add(20*time.Second)), nil, 10, mockserver.Tally{RateLimited: true}, nil); err != nil {
		t.Fatal(err)
	}
	page, err := j.Query(ctx, inspect.Query{Profile: "a", After: 2}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 2 || page.Entries[0].Seq != 3 || page.Entries[1].Seq != 5 || page.Next != 5 || page.Entries[0].Body != "body2" {
		t.Errorf("page: %+v", page)
	}
	page, _ = j.Query(ctx, inspect.Query{Since: t0.Add(9 * time.Second)}, 100)
	if len(page.Entries) != 2 || page.Entries[0].Seq != 10 || page.Next != 11 {
		t.Errorf("since page: %+v", page)
	}
	page, _ = j.Query(ctx, inspect.Query{After: 11}, 100)
	if len(page.Entries) != 0 || page.Next != 11 {
		t.Errorf("past the end: %+v", page)
	}
	st, err := j.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := st.Profiles["a"]
	if a.Requests != 6 || a.Accepted != 5 || a.Rejected != 1 || a.RateLimited != 1 || a.Events != 10 || a.Duplicates != 5 ||
		a.ByStatus["200"] != 5 || a.ByStatus["429"] != 1 || a.ByEndpoint["event"] != 6 || a.Violations["R-1"] != 5 {
		t.Errorf("stats a: %+v", a)
	}
	if !st.Since.Equal(t0) || st.Journal.Len != 11 || st.Journal.Evicted != 0 {
		t.Errorf("stats: since %v journal %+v", st.Since, st.Journal)
	}

	if err := j.Reset(ctx, "a", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	st, _ = j.Stats(ctx)
	if st.Profiles["a"].Requests != 0 || st.Profiles["b"].Requests != 5 || st.Journal.Len != 5 || st.Journal.Evicted != 0 {
		t.Errorf("after reset of a: %+v", st)
	}
	if err := j.Reset(ctx, "", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	st, _ = j.Stats(ctx)
	if st.Profiles["b"].Requests != 0 || st.Journal.Len != 0 || !st.Since.Equal(t0.Add(time.Hour)) {
		t.Errorf("after full reset: %+v", st)
	}
	seq, _ := j.Add(ctx, entry("a", 200, inspect.Accepted, t0), nil, 10, mockserver.Tally{}, nil)
	if seq != 12 {
		t.Errorf("seq after reset %d, want 12 (never goes back)", seq)
	}
}

// TestJournalKeepsTheQuery: an entry's query, its cut mark and its decoded
// document survive the store's serialisation.
func TestJournalKeepsTheQuery(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	j, err := s.Journal(ctx, 10, 1<<20, []string{"a"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	e := entry("a", 200, inspect.Accepted, t0)
	e.Method, e.Query, e.QueryCut = "GET", "click_id=c1&secure=<redacted>", true
	e.Document = map[string]any{"click_id": "c1", "secure": "<redacted>"}
	if _, err := j.Add(ctx, e, nil, 10, mockserver.Tally{Events: 1}, nil); err != nil {
		t.Fatal(err)
	}
	page, err := j.Query(ctx, inspect.Query{}, 10)
	if err != nil || len(page.Entries) != 1 {
		t.Fatalf("page %+v, err %v", page, err)
	}
	got := page.Entries[0]
	if got.Query != e.Query || !got.QueryCut || !reflect.DeepEqual(got.Document, e.Document) {
		t.Errorf("got query %q cut %v document %v, want %q true %v", got.Query, got.QueryCut, got.Document, e.Query, e.Document)
	}
}

func TestJournalCapEvicts(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	j, err := s.Journal(ctx, 100, 1<<20, []string{"a"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	for range n {
		if _, err := j.Add(ctx, entry("a", 200, inspect.Accepted, t0), nil, 10, mockserver.Tally{Events: 1}, nil); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := j.Stats(ctx)
	if st.Journal.Len != 100 || st.Journal.Evicted != n-100 {
		t.Errorf("journal %+v after %d adds to a stream capped at 100", st.Journal, n)
	}
	if st.Profiles["a"].Events != n {
		t.Errorf("events %d, want %d: counters lose nothing the stream lets go", st.Profiles["a"].Events, n)
	}
	page, _ := j.Query(ctx, inspect.Query{}, 1000)
	if len(page.Entries) != st.Journal.Len || page.Entries[len(page.Entries)-1].Seq != n || page.Evicted != st.Journal.Evicted {
		t.Errorf("page of %d entries, last %d, evicted %d", len(page.Entries), page.Entries[len(page.Entries)-1].Seq, page.Evicted)
	}
}

func TestJournalByteBound(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	j, err := s.Journal(ctx, 100, 1000, []string{"a"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{300, 300, 300, 300, 900, 50} {
		if _, err := j.Add(ctx, entry("a", 200, inspect.Accepted, t0), nil, size, mockserver.Tally{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := j.Stats(ctx)
	// 300×3 fit; the 4th evicts one; 900 evicts the rest; 50 still fits.
	if st.Journal.Len != 2 || st.Journal.Bytes != 950 || st.Journal.Evicted != 4 || st.Journal.MaxBytes != 1000 {
		t.Errorf("journal %+v, want 2 entries of 950 bytes, 4 evicted", st.Journal)
	}
	// An entry of no profile counts as unrouted.
	if _, err := j.Add(ctx, inspect.Entry{Status: 404, Outcome: inspect.Rejected}, nil, 10, mockserver.Tally{}, nil); err != nil {
		t.Fatal(err)
	}
	st, _ = j.Stats(ctx)
	if st.Unrouted == nil || st.Unrouted.Requests != 1 || st.Unrouted.ByStatus["404"] != 1 || st.Profiles["a"].Requests != 6 {
		t.Errorf("unrouted %+v, a %+v", st.Unrouted, st.Profiles["a"])
	}
}

func TestProfileReset(t *testing.T) {
	s := open(t)
	p := s.Profile("rs", 10)
	ctx := context.Background()
	_, _, _ = p.Allow(ctx, "k", 1, time.Minute, t0)
	if ok, _, _ := p.Allow(ctx, "k", 1, time.Minute, t0); ok {
		t.Fatal("second request within a limit of 1 allowed")
	}
	_, _, _ = p.Judge(ctx, []redisstore.Record{rec("a", 1)}, "app", mockserver.Policy{Kind: profile.Idempotent, Now: t0})
	if err := p.ResetMemory(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := p.Allow(ctx, "k", 1, time.Minute, t0); ok {
		t.Error("rate limit bucket forgotten by a reset of the memory")
	}
	if err := p.ResetLimits(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := p.Allow(ctx, "k", 1, time.Minute, t0); !ok {
		t.Error("rate limit bucket survived the reset")
	}
	v, seq, _ := p.Judge(ctx, []redisstore.Record{rec("a", 1)}, "app", mockserver.Policy{Kind: profile.Idempotent, Now: t0})
	if !v[0].Recorded || seq != 1 {
		t.Errorf("after reset: %+v seq %d", v, seq)
	}
}

// TestJournalRingThroughResetAndBatches keeps the byte and count bounds when
// a profile reset takes entries from the middle of the stream (its sizes list
// is rebuilt) and when concurrent commits share one script call.
func TestJournalRingThroughResetAndBatches(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	j, err := s.Journal(ctx, 5, 1000, []string{"a", "b"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		name := []string{"a", "b"}[i%2]
		if _, err := j.Add(ctx, entry(name, 200, inspect.Accepted, t0), nil, 100, mockserver.Tally{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Reset(ctx, "a", t0); err != nil {
		t.Fatal(err)
	}
	st, _ := j.Stats(ctx)
	if st.Journal.Len != 3 || st.Journal.Bytes != 300 {
		t.Fatalf("after the reset of a: %+v, want b's 3 entries of 300 bytes", st.Journal)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for range 40 {
		wg.Go(func() {
			if _, err := j.Commit(ctx, redisstore.Commit{Now: t0, Entry: entry("b", 200, inspect.Accepted, t0), Size: 300}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	st, _ = j.Stats(ctx)
	if st.Journal.Len != 3 || st.Journal.Bytes != 900 || st.Profiles["b"].Requests != 45 {
		t.Errorf("after 40 commits of 300 bytes: %+v, b %d requests; want 3 entries of 900 bytes, 45 requests", st.Journal, st.Profiles["b"].Requests)
	}
	page, _ := j.Query(ctx, inspect.Query{}, 100)
	if len(page.Entries) != 3 || page.Entries[2].Seq != 50 {
		t.Errorf("page %v, want the last 3 up to seq 50", seqs(page))
	}
	if n, _ := s.Client().LLen(ctx, s.Prefix()+"{s2s}:journal:sizes").Result(); n != 3 {
		t.Errorf("sizes list of %d, want the stream's 3", n)
	}
}
