package mockserver_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// TestSoak is the memory soak, run by hand:
//
//	S2S_SOAK=10m go test ./mockserver/ -run TestSoak -v -timeout 0
//
// It serves the mock on 127.0.0.1 and sends it fresh, valid events of every
// profile at S2S_SOAK_RATE requests per second (default 1,000), samples the
// heap every 10 s and fails if the live heap of the second half grows by more
// than a fifth. The repeat-detection stores are bounded to S2S_SOAK_KEYS keys
// per profile (default 10,000, the mock's own default, which fills within the
// first minute; 100,000 takes a 1,000/s mix about 8 minutes to fill).
func TestSoak(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("S2S_SOAK"))
	if err != nil || d <= 0 {
		t.Skip("set S2S_SOAK=<duration> to run the memory soak")
	}
	rate := envInt(t, "S2S_SOAK_RATE", 1000)
	keys := envInt(t, "S2S_SOAK_KEYS", 10_000)
	cfg := unlimited(mockserver.Config{})
	for _, p := range builtin.All() {
		pc := cfg.Profiles[p.Name]
		pc.Dedupe.Keys = keys
		cfg.Profiles[p.Name] = pc
	}
	m, err := mockserver.New(builtin.All(), mockserver.WithConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- m.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	base := "http://" + ln.Addr().String()

	work := make(chan wire, rate)
	var sent, failed atomic.Int64
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for w := range work {
				req, _ := http.NewRequest(w.method, base+w.path, bytes.NewReader(w.body))
				req.Header = w.header
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				sent.Add(1)
			}
		})
	}
	ps := builtin.All()
	var gens []*fixtures.Generator
	for i, p := range ps {
		g, err := fixtures.NewGenerator(p, fixtures.Options{Seed: int64(i + 77), Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		gens = append(gens, g)
	}
	next := func(i int) wire {
		p, g := ps[i%len(ps)], gens[i%len(ps)]
		pl := g.Next()
		e, _ := p.Endpoint(pl.Endpoint)
		o, _ := pl.Outgoing(e)
		p.Auth.Sign(o, p.Defaults, time.Now())
		return wire{method: e.Method, path: o.Target(), header: o.Header, body: o.Body}
	}

	type sample struct {
		at           time.Duration
		inuse, live  uint64
		sent, failed int64
		goroutines   int
		heapObjects  uint64
	}
	var samples []sample
	take := func(at time.Duration) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		inuse := ms.HeapInuse
		runtime.GC()
		runtime.ReadMemStats(&ms)
		s := sample{at: at, inuse: inuse, live: ms.HeapAlloc, sent: sent.Load(), failed: failed.Load(),
			goroutines: runtime.NumGoroutine(), heapObjects: ms.HeapObjects}
		samples = append(samples, s)
		t.Logf("%6s  sent %8d  failed %5d  heap in use %6.1f MiB  live after GC %6.1f MiB  objects %8d  goroutines %d",
			s.at.Round(time.Second), s.sent, s.failed, float64(s.inuse)/(1<<20), float64(s.live)/(1<<20), s.heapObjects, s.goroutines)
	}

	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	sampler := time.NewTicker(10 * time.Second)
	perTick := max(rate/100, 1)
	i := 0
loop:
	for {
		select {
		case <-tick.C:
			for range perTick {
				select {
				case work <- next(i):
					i++
				default: // the mock is behind: count it as a miss rather than queue without bound
					failed.Add(1)
				}
			}
		case <-sampler.C:
			take(time.Since(start))
			if time.Since(start) >= d {
				break loop
			}
		}
	}
	tick.Stop()
	sampler.Stop()
	close(work)
	wg.Wait()
	if len(samples) < 4 {
		t.Fatalf("only %d samples: run for at least 40 s", len(samples))
	}
	half := samples[len(samples)/2]
	last := samples[len(samples)-1]
	growth := float64(last.live) / float64(half.live)
	t.Logf("sent %d (%.0f/s), failed %d; live heap at %s %.1f MiB, at %s %.1f MiB: ×%.2f",
		last.sent, float64(last.sent)/time.Since(start).Seconds(), last.failed,
		half.at.Round(time.Second), float64(half.live)/(1<<20), last.at.Round(time.Second), float64(last.live)/(1<<20), growth)
	if growth > 1.2 {
		t.Errorf("the live heap grew ×%.2f over the second half: not flat", growth)
	}
}

func envInt(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return n
}
