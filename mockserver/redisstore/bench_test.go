package redisstore_test

import (
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// mix prepares n valid, signed requests drawn from every profile's generator
// in turn.
func mix(b *testing.B, n int) []wire {
	b.Helper()
	ps := builtin.All()
	var gens []*fixtures.Generator
	for i, p := range ps {
		g, err := fixtures.NewGenerator(p, fixtures.Options{Seed: int64(i + 1), Now: time.Now(), BatchSize: 5})
		if err != nil {
			b.Fatal(err)
		}
		gens = append(gens, g)
	}
	out := make([]wire, 0, n)
	for i := 0; len(out) < n; i++ {
		out = append(out, prepare(b, ps[i%len(ps)], gens[i%len(ps)].Next(), time.Now()))
	}
	return out
}

// BenchmarkThroughput serves the same mix of every profile over 127.0.0.1
// from a mock with its state in the process and from one with its state in
// Redis, alternating in small chunks so both see the same machine, and
// reports both rates and their ratio redis/memory (goal ≥ 0.5). Every request
// is new (no replays), so each one writes idempotency or duplicate keys,
// sequences, counters and a journal entry.
func BenchmarkThroughput(b *testing.B) {
	if server == nil {
		b.Skip("redis-server is not installed")
	}
	// 64 requests in flight, as a load run keeps many: with few, the Redis
	// mock is bound by its round trips (up to three per request) rather
	// than by work, and the ratio says more about latency than throughput.
	const workers, chunk = 64, 200
	var limited []string
	for _, p := range builtin.All() {
		if p.Rate != nil {
			limited = append(limited, p.Name)
		}
	}
	cfg := unlimited(limited...)
	memMock, err := mockserver.New(builtin.All(), mockserver.WithConfig(cfg))
	if err != nil {
		b.Fatal(err)
	}
	redisMock, err := mockserver.New(builtin.All(), mockserver.WithConfig(cfg), mockserver.WithState(open(b).State()))
	if err != nil {
		b.Fatal(err)
	}
	memSrv, redisSrv := httptest.NewServer(memMock), httptest.NewServer(redisMock)
	defer memSrv.Close()
	defer redisSrv.Close()
	reqs := mix(b, 2*b.N+3*chunk) // each request is sent once
	var next atomic.Int64
	run := func(base string, n int) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		var left atomic.Int64
		left.Store(int64(n))
		for range workers {
			wg.Go(func() {
				for left.Add(-1) >= 0 {
					w := reqs[int(next.Add(1)-1)%len(reqs)]
					if status, body := send(b, base, w); status/100 != 2 {
						b.Errorf("%s: %d %s", w.path, status, body)
						return
					}
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	run(memSrv.URL, chunk) // warm the connections up
	run(redisSrv.URL, chunk)
	var memT, redisT time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; done += chunk {
		n := min(chunk, b.N-done)
		memT += run(memSrv.URL, n)
		redisT += run(redisSrv.URL, n)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/memT.Seconds(), "memory-req/s")
	b.ReportMetric(float64(b.N)/redisT.Seconds(), "redis-req/s")
	b.ReportMetric(memT.Seconds()/redisT.Seconds(), "ratio")
}
