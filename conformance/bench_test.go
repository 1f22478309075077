package conformance_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// counting counts the HTTP calls a client makes.
type counting struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// BenchmarkFullRun is a full certification of all five profiles against the
// in-process mock with its default limits (the 1,000-request bursts
// included), as `s2s conform -target` runs it after `make run`. Its baseline,
// measured in the same run, sends as many valid requests as the suite made
// HTTP calls, one after the other, without judging them: the ratio of the two
// is the suite's overhead over the network work it cannot avoid.
func BenchmarkFullRun(b *testing.B) {
	m, err := mockserver.New(builtin.All(), mockserver.WithSeed(1))
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()
	profiles := builtin.All()
	checks := map[string][]conformance.Check{}
	for _, p := range profiles {
		checks[p.Name] = checksOf(b, p)
	}
	base := conformance.Client()
	tr := &counting{next: base.Transport}
	hc := &http.Client{Transport: tr, Timeout: base.Timeout, CheckRedirect: base.CheckRedirect}
	var calls int64
	var suite time.Duration // per run
	b.Run("suite", func(b *testing.B) {
		var total time.Duration
		for range b.N {
			r, err := conformance.NewRunner(conformance.Target{URL: srv.URL, Inspect: srv.URL, Client: hc}, profiles)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			before := tr.n.Load()
			for _, p := range profiles {
				for _, res := range runAll(context.Background(), r, checks[p.Name]) {
					if res.Status == conformance.Fail {
						b.Fatalf("%s: %s", res.Check.Name, res.Message)
					}
				}
			}
			total += time.Since(start)
			calls = tr.n.Load() - before
		}
		suite = total / time.Duration(b.N)
		b.ReportMetric(float64(calls), "calls/op")
		b.ReportMetric(suite.Seconds(), "s/run")
	})
	b.Run("baseline", func(b *testing.B) {
		p := profiles[1] // g123: no rate limit, one endpoint
		gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		pl := gen.Next()
		body, _ := pl.Bytes()
		e, _ := p.Endpoint(pl.Endpoint)
		var took time.Duration
		for range b.N {
			start := time.Now()
			for range max(calls, 1) {
				req, _ := http.NewRequest(e.Method, srv.URL+e.Path, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", profile.BasicValue(p.Defaults.Apps[0].ID, p.Defaults.Apps[0].Secret))
				resp, err := base.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
			took += time.Since(start)
		}
		perRun := took / time.Duration(b.N)
		b.ReportMetric(perRun.Seconds(), "s/run")
		if suite > 0 {
			b.ReportMetric(suite.Seconds()/perRun.Seconds(), "suite/baseline")
		}
	})
}
