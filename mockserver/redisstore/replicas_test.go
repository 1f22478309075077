package redisstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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

// replicas starts n mocks on one Redis (each with its own connections, as
// separate processes would have) and returns their base URLs.
func replicas(t testing.TB, n int, cfg mockserver.Config) []string {
	return start(t, n, cfg, true)
}

// start starts n mocks, sharing one Redis when shared.
func start(t testing.TB, n int, cfg mockserver.Config, shared bool) []string {
	t.Helper()
	var first *redisstore.Store
	if shared {
		first = open(t)
	}
	var urls []string
	for i := range n {
		opts := []mockserver.Option{mockserver.WithConfig(cfg)}
		switch {
		case shared && i == 0:
			opts = append(opts, mockserver.WithState(first.State()))
		case shared:
			opts = append(opts, mockserver.WithState(replica(t, first.Prefix()).State()))
		}
		m, err := mockserver.New(builtin.All(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(m)
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	return urls
}

// unlimited lifts the rate limit of the named profiles.
func unlimited(names ...string) mockserver.Config {
	cfg := mockserver.Config{Profiles: map[string]mockserver.ProfileConfig{}}
	for _, n := range names {
		cfg.Profiles[n] = mockserver.ProfileConfig{Common: mockserver.Common{RateLimit: &mockserver.RateConfig{Limit: 1_000_000}}}
	}
	return cfg
}

// wire is one prepared request.
type wire struct {
	method, path string
	header       http.Header
	body         []byte
}

// prepare signs one payload of p at now.
func prepare(t testing.TB, p *profile.Profile, pl *profile.Payload, now time.Time) wire {
	t.Helper()
	e, _ := p.Endpoint(pl.Endpoint)
	o, err := pl.Outgoing(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Auth.Sign(o, p.Defaults, now); err != nil {
		t.Fatal(err)
	}
	return wire{method: e.Method, path: o.Target(), header: o.Header, body: o.Body}
}

var client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func send(t testing.TB, base string, w wire) (int, []byte) {
	req, err := http.NewRequest(w.method, base+w.path, bytes.NewReader(w.body))
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	req.Header = w.header.Clone()
	resp, err := client.Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func stats(t testing.TB, base string) inspect.Stats {
	t.Helper()
	ic, err := inspect.NewClient(base, client)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ic.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func mustProfile(t testing.TB, name string) *profile.Profile {
	t.Helper()
	p, err := builtin.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// 2,000 concurrent deliveries of one postback event over two replicas: one
// first delivery, 1,999 replays, counted once each.
func TestReplicasOneFirstDelivery(t *testing.T) {
	urls := replicas(t, 2, unlimited("postback"))
	p := mustProfile(t, "postback")
	g, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 7, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	w := prepare(t, p, g.Next(), time.Now())
	const n = 2000
	var firsts, replays atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			status, body := send(t, urls[i%2], w)
			var ans struct {
				Idempotent *bool `json:"idempotent"`
			}
			if status/100 != 2 || json.Unmarshal(body, &ans) != nil || ans.Idempotent == nil {
				t.Errorf("delivery %d: %d %s", i, status, body)
				return
			}
			if *ans.Idempotent {
				replays.Add(1)
			} else {
				firsts.Add(1)
			}
		}()
	}
	wg.Wait()
	if firsts.Load() != 1 || replays.Load() != n-1 {
		t.Errorf("%d answers idempotent:false and %d idempotent:true, want exactly 1 and %d", firsts.Load(), replays.Load(), n-1)
	}
	for _, u := range urls {
		ps := stats(t, u).Profiles["postback"]
		if ps.Requests != n || ps.Accepted != 1 || ps.Replays != n-1 || ps.Events != 1 {
			t.Errorf("stats at %s: requests %d accepted %d replays %d events %d, want %d 1 %d 1",
				u, ps.Requests, ps.Accepted, ps.Replays, ps.Events, n, n-1)
		}
	}
}

// RevoSurge's 60 requests a minute per key hold across replicas; replicas
// each with its own state let twice as many through.
func TestReplicasShareRateLimit(t *testing.T) {
	for _, shared := range []bool{true, false} {
		want := int64(60)
		if !shared {
			want = 120
		}
		t.Run(fmt.Sprint("shared=", shared), func(t *testing.T) { rateAcross(t, shared, want) })
	}
}

func rateAcross(t *testing.T, shared bool, want int64) {
	if server == nil {
		t.Skip("redis-server is not installed; set CI=1 to make this a failure")
	}
	urls := start(t, 2, mockserver.Config{}, shared)
	p := mustProfile(t, "revosurge")
	if p.Rate == nil || p.Rate.Limit != 60 || p.Rate.Window != time.Minute {
		t.Fatalf("revosurge's documented limit changed: %+v", p.Rate)
	}
	g, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 3, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	const n = 150
	ws := make([]wire, n)
	for i := range ws {
		ws[i] = prepare(t, p, g.Next(), time.Now())
	}
	var ok, limited atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			status, _ := send(t, urls[i%2], ws[i])
			switch {
			case status/100 == 2:
				ok.Add(1)
			case status == http.StatusTooManyRequests:
				limited.Add(1)
			default:
				t.Errorf("request %d: status %d", i, status)
			}
		})
	}
	wg.Wait()
	if ok.Load() != want || limited.Load() != n-want {
		t.Errorf("%d accepted and %d answered 429 over two replicas, want %d and %d", ok.Load(), limited.Load(), want, n-want)
	}
	if !shared {
		return
	}
	ps := stats(t, urls[1]).Profiles["revosurge"]
	if ps.RateLimited != n-60 || ps.Requests != n || ps.Events != 60 || ps.ByStatus["429"] != n-60 {
		t.Errorf("stats: rate_limited %d (%d answered 429) of %d requests, %d events recorded; want %d of %d, 60 events",
			ps.RateLimited, ps.ByStatus["429"], ps.Requests, ps.Events, n-60, n)
	}
}

// 100,000 distinct events over both replicas: the shared counters are exact.
func TestReplicasCountExactly(t *testing.T) {
	p := mustProfile(t, "revosurge")
	urls := replicas(t, 2, unlimited("revosurge"))
	const events, batch = 100_000, 1000
	g, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 11, Now: time.Now(), Endpoint: batchEndpoint(t, p), BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	ws := make([]wire, events/batch)
	for i := range ws {
		ws[i] = prepare(t, p, g.Next(), time.Now())
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(ws); i = int(next.Add(1)) - 1 {
				if status, body := send(t, urls[i%2], ws[i]); status/100 != 2 {
					t.Errorf("batch %d: %d %s", i, status, body)
				}
			}
		})
	}
	wg.Wait()
	for _, u := range urls {
		ps := stats(t, u).Profiles["revosurge"]
		if ps.Requests != uint64(len(ws)) || ps.Accepted != uint64(len(ws)) || ps.Events != events || ps.Duplicates != 0 {
			t.Errorf("stats at %s: requests %d accepted %d events %d duplicates %d, want %d %d %d 0",
				u, ps.Requests, ps.Accepted, ps.Events, ps.Duplicates, len(ws), len(ws), events)
		}
	}
	// Every request is journaled once, in one order seen by both replicas.
	ic, _ := inspect.NewClient(urls[0], client)
	all, err := ic.All(context.Background(), inspect.Query{Profile: "revosurge"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for _, e := range all {
		seen[e.Seq] = true
	}
	if len(all) != len(ws) || len(seen) != len(ws) {
		t.Errorf("journal: %d entries, %d distinct seqs, want %d", len(all), len(seen), len(ws))
	}
}

func batchEndpoint(t testing.TB, p *profile.Profile) string {
	t.Helper()
	for _, e := range p.Endpoints {
		if e.Batch() {
			return e.ID
		}
	}
	t.Fatalf("profile %s has no batch endpoint", p.Name)
	return ""
}

// Without its Redis the mock answers 503 with Retry-After, judges nothing,
// and says why; it answers again once Redis is back.
func TestStoreDownAnswers503(t *testing.T) {
	if server == nil {
		t.Skip("redis-server is not installed; set CI=1 to make this a failure")
	}
	own, err := redistest.Start()
	if err != nil {
		t.Fatal(err)
	}
	// go-redis reads its timeouts from the URL: fail fast once Redis is gone.
	st, err := redisstore.Open(context.Background(), own.URL(0)+"?dial_timeout=200ms&max_retries=-1", redisstore.Options{})
	if err != nil {
		own.Stop()
		t.Fatal(err)
	}
	defer st.Close()
	m, err := mockserver.New(builtin.All(), mockserver.WithConfig(unlimited("postback")), mockserver.WithState(st.State()))
	if err != nil {
		own.Stop()
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()
	p := mustProfile(t, "postback")
	g, _ := fixtures.NewGenerator(p, fixtures.Options{Seed: 5, Now: time.Now()})
	w := prepare(t, p, g.Next(), time.Now())
	if status, body := send(t, srv.URL, w); status != http.StatusOK {
		t.Fatalf("with Redis: %d %s", status, body)
	}
	own.Stop()
	status, body := send(t, srv.URL, w)
	if status != http.StatusServiceUnavailable || !strings.Contains(string(body), "state_unavailable") {
		t.Errorf("without Redis: %d %s, want 503 state_unavailable", status, body)
	}
	ic, _ := inspect.NewClient(srv.URL, client)
	if _, err := ic.Stats(context.Background()); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("stats without Redis: %v, want a 503", err)
	}
}
