package load

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/s2s-harness/s2s-harness/load/internal/benchserver/bare"
	"github.com/s2s-harness/s2s-harness/profile/revosurge"
)

const (
	benchClients = 64
	benchFor     = 3 * time.Second
)

// BenchmarkMaxRate measures the highest request rate of the engine (closed
// loop, revosurge events generated and signed per request) and of vegeta's
// own Attacker with the same Targeter, against the same bare handler in the
// same run, and reports the ratio. Each iteration is a fixed-length probe.
func BenchmarkMaxRate(b *testing.B) {
	srv := httptest.NewServer(bare.Handler(false)) // what the CLI comparison hits
	defer srv.Close()
	var ours, theirs float64
	for b.Loop() {
		theirs = vegetaRate(b, srv.URL)
		ours = engineRate(b, srv.URL)
	}
	b.ReportMetric(ours, "engine-req/s")
	b.ReportMetric(theirs, "vegeta-lib-req/s")
	b.ReportMetric(ours/theirs, "ratio")
}

func engineRate(b *testing.B, target string) float64 {
	s := &Scenario{Name: "max", Max: true, Duration: benchFor, MaxInFlight: benchClients, Timeout: 10 * time.Second,
		LagTolerance: DefaultLagTolerance, Settle: time.Second, Horizon: time.Minute, Seed: 1}
	res, err := Run(context.Background(), Config{Profile: revosurge.New(), Target: target, Scenario: s, SLA: DefaultSLA(nil, 0)})
	if err != nil {
		b.Fatal(err)
	}
	if res.Requests.Acknowledged != res.Requests.Attempts {
		b.Fatalf("engine: %d of %d acknowledged", res.Requests.Acknowledged, res.Requests.Attempts)
	}
	return float64(res.Requests.Attempts) / (res.ElapsedMS / 1000)
}

// vegetaRate runs vegeta's Attacker the way its CLI does with -rate 0
// -max-workers: as fast as the workers go, every result fed to its Metrics.
func vegetaRate(b *testing.B, target string) float64 {
	s := &Scenario{Name: "max", Max: true, Duration: benchFor, MaxInFlight: benchClients, Seed: 1}
	w, err := newWorkload(revosurge.New(), s, target, revosurge.New().Defaults, nil, false, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	atk := vegeta.NewAttacker(vegeta.Workers(benchClients), vegeta.MaxWorkers(benchClients), vegeta.KeepAlive(true))
	var m vegeta.Metrics
	start := time.Now()
	for res := range atk.Attack(w.Targeter(), vegeta.ConstantPacer{}, benchFor, "bench") {
		m.Add(res)
	}
	elapsed := time.Since(start)
	m.Close()
	if m.Success < 1 {
		b.Fatalf("vegeta: success %.3f (%v)", m.Success, m.Errors)
	}
	return float64(m.Requests) / elapsed.Seconds()
}

// BenchmarkRequest is the engine's own work for one request at the maximum
// rate, without the wire: a fresh revosurge event made (the producer's
// share) and signed into a worker's scratch header (the sender's).
func BenchmarkRequest(b *testing.B) {
	p := revosurge.New()
	s := &Scenario{Name: "bench", Max: true, Duration: time.Second, MaxInFlight: 1, Seed: 1}
	w, err := newWorkload(p, s, "http://127.0.0.1:1", p.Defaults, nil, false, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	h1 := newH1(mustURL(b, "http://127.0.0.1:1"), time.Second)
	b.ReportAllocs()
	for b.Loop() {
		r, err := w.next()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.sign(r, time.Now(), h1.scratch()); err != nil {
			b.Fatal(err)
		}
	}
}

func mustURL(b *testing.B, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		b.Fatal(err)
	}
	return u
}
