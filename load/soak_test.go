package load

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// TestSoakMemory is the memory soak: the soak scenario at S2S_SOAK_RATE
// (default 1000/s) for S2S_SOAK (e.g. 10m) against the in-process mock, with
// the inspection journal read throughout. It samples the live heap (after a
// collection) every 10 s and fails when the heap at the end is more than
// 16 MiB above the heap once warmed up (a quarter of the run, at least 2
// minutes in: the mock's bounded journal and dedupe stores fill first).
// Skipped unless S2S_SOAK is set; bounded by S2S_SOAK itself.
func TestSoakMemory(t *testing.T) {
	d := os.Getenv("S2S_SOAK")
	if d == "" {
		t.Skip("set S2S_SOAK=10m (and S2S_SOAK_RATE=1000/s) to run the memory soak")
	}
	dur, err := time.ParseDuration(d)
	if err != nil || dur <= 0 || dur > 2*time.Hour {
		t.Fatalf("S2S_SOAK %q: want a duration up to 2h", d)
	}
	rate := 1000.0
	if r := os.Getenv("S2S_SOAK_RATE"); r != "" {
		if rate, _, err = ParseRate(r); err != nil {
			t.Fatal(err)
		}
	}
	srv, _, ps := startMock(t, "revosurge")
	s, err := Builtin("soak")
	if err != nil {
		t.Fatal(err)
	}
	s.Rate, s.Duration = rate, dur
	type sample struct {
		at         time.Duration
		heap, sys  uint64
		goroutines int
	}
	var samples []sample
	progress := func(p Progress) {
		if p.Elapsed < time.Duration(len(samples)+1)*10*time.Second {
			return
		}
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		samples = append(samples, sample{p.Elapsed, m.HeapAlloc, m.Sys, runtime.NumGoroutine()})
		t.Logf("%6s  heap %6.1f MiB  sys %6.1f MiB  goroutines %d  rate %.0f/s  p95 %s", p.Elapsed.Truncate(time.Second),
			mib(m.HeapAlloc), mib(m.Sys), runtime.NumGoroutine(), p.Rate, p.P95)
	}
	res := run(t, Config{Profile: ps[0], Target: srv.URL, Inspect: srv.URL, Scenario: s, Progress: progress, ProgressEvery: time.Second})
	t.Logf("verdict %s: %d requests, p95 %.2f ms, availability %.4f, generator lag p99 %.2f ms", res.Verdict,
		res.Requests.Attempts, res.Latency.P95MS, res.Availability, res.Generator.LagP99MS)
	if res.Verdict == Invalid {
		t.Errorf("invalid run: %v", res.Reasons)
	}
	warm := max(dur/4, 2*time.Minute)
	var base *sample
	for i := range samples {
		if samples[i].at >= warm {
			base = &samples[i]
			break
		}
	}
	if base == nil || len(samples) == 0 {
		t.Skipf("run too short to judge memory (warm-up %s)", warm)
	}
	last := samples[len(samples)-1]
	var peak uint64
	for _, s := range samples[1:] {
		peak = max(peak, s.heap)
	}
	t.Logf("heap after warm-up (%s) %.1f MiB, at the end %.1f MiB, peak %.1f MiB", base.at.Truncate(time.Second), mib(base.heap), mib(last.heap), mib(peak))
	if last.heap > base.heap+16<<20 {
		t.Errorf("heap grew from %.1f MiB to %.1f MiB: want flat", mib(base.heap), mib(last.heap))
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
