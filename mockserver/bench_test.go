package mockserver_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// wire is one prepared request of the benchmark mix.
type wire struct {
	method, path string
	header       http.Header
	body         []byte
}

// mix prepares n valid, signed requests drawn from every profile's generator
// in turn (each profile's own realistic mix of event types), signed at now.
func mix(tb testing.TB, n int) []wire { return mixOf(tb, n, builtin.All(), 5) }

// mixOf is mix drawn from ps only, batch endpoints carrying batch events.
func mixOf(tb testing.TB, n int, ps []*profile.Profile, batch int) []wire {
	tb.Helper()
	var gens []*fixtures.Generator
	for i, p := range ps {
		g, err := fixtures.NewGenerator(p, fixtures.Options{Seed: int64(i + 1), Now: time.Now(), BatchSize: batch})
		if err != nil {
			tb.Fatal(err)
		}
		gens = append(gens, g)
	}
	out := make([]wire, 0, n)
	for i := 0; len(out) < n; i++ {
		p, g := ps[i%len(ps)], gens[i%len(ps)]
		pl := g.Next()
		e, _ := p.Endpoint(pl.Endpoint)
		o, err := pl.Outgoing(e)
		if err != nil {
			tb.Fatal(err)
		}
		if err := p.Auth.Sign(o, p.Defaults, time.Now()); err != nil {
			tb.Fatal(err)
		}
		out = append(out, wire{method: e.Method, path: o.Target(), header: o.Header, body: o.Body})
	}
	return out
}

// baseline is the bare handler the mock is measured against: it reads and
// decodes the JSON body and answers a constant.
func baseline() http.Handler {
	answer := []byte(`{"status":"ok"}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var doc any
		if err := json.NewDecoder(r.Body).Decode(&doc); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(answer)
	})
}

func benchMock(tb testing.TB) *mockserver.Mock {
	tb.Helper()
	m, err := mockserver.New(builtin.All(), mockserver.WithConfig(unlimited(mockserver.Config{})))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkServeHTTP is the in-process cost of one request of the mix: the
// mock and the bare decoding handler, same requests.
func BenchmarkServeHTTP(b *testing.B) {
	reqs := mix(b, 2000)
	for _, tt := range []struct {
		name string
		h    http.Handler
	}{{"mock", benchMock(b)}, {"baseline", baseline()}} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				w := &reqs[i%len(reqs)]
				i++
				r, _ := http.NewRequest(w.method, "http://mock"+w.path, bytes.NewReader(w.body))
				r.Header = w.header
				r.ContentLength = int64(len(w.body))
				tt.h.ServeHTTP(&discard{h: http.Header{}}, r)
			}
		})
	}
}

// BenchmarkServeHTTPProfile is BenchmarkServeHTTP for each profile alone
// (one event a request): its allocs/op is the figure to watch, exact where
// ns/op is noisy. The requests repeat, so after the first round most are
// duplicates or replays, as a sender's retries are.
func BenchmarkServeHTTPProfile(b *testing.B) {
	m := benchMock(b)
	for _, p := range builtin.All() {
		reqs := mixOf(b, 2000, []*profile.Profile{p}, 1)
		b.Run(p.Name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				w := &reqs[i%len(reqs)]
				i++
				r, _ := http.NewRequest(w.method, "http://mock"+w.path, bytes.NewReader(w.body))
				r.Header = w.header
				r.ContentLength = int64(len(w.body))
				m.ServeHTTP(&discard{h: http.Header{}}, r)
			}
		})
	}
}

// BenchmarkThroughput sends the mix over 127.0.0.1 through one keep-alive
// client to the mock and to the bare decoding handler, alternating in chunks
// so both see the same machine, and reports each one's requests per second
// and the ratio mock/baseline (target ≥ 0.8). Small alternating chunks keep
// the ratio fair on a machine other work shares.
func BenchmarkThroughput(b *testing.B) {
	const workers, chunk = 8, 100
	reqs := mix(b, 4000)
	mockURL := listen(b, benchMock(b))
	baseURL := listen(b, baseline())
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: workers * 2, MaxIdleConnsPerHost: workers * 2,
		IdleConnTimeout: time.Minute}}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	run := func(base string, n int) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		var left atomic.Int64
		left.Store(int64(n))
		for range workers {
			wg.Go(func() {
				for left.Add(-1) >= 0 {
					w := &reqs[int(next.Add(1))%len(reqs)]
					req, _ := http.NewRequest(w.method, base+w.path, bytes.NewReader(w.body))
					req.Header = w.header.Clone()
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode >= 500 {
						b.Errorf("%s%s: %d", base, w.path, resp.StatusCode)
					}
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	run(baseURL, 200) // warm the connections up
	run(mockURL, 200)
	var mockT, baseT time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; done += chunk {
		n := min(chunk, b.N-done)
		baseT += run(baseURL, n)
		mockT += run(mockURL, n)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/mockT.Seconds(), "mock-req/s")
	b.ReportMetric(float64(b.N)/baseT.Seconds(), "baseline-req/s")
	b.ReportMetric(baseT.Seconds()/mockT.Seconds(), "ratio")
}

// listen serves h on 127.0.0.1 until the benchmark ends.
func listen(tb testing.TB, h http.Handler) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}
