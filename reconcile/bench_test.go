package reconcile

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// genDumps writes an operator and a tracker dump of n rows each (CSV, or
// JSON Lines) with known differences: every 200th event missing at the
// tracker, every 500th delivered twice, every 1000th with another amount,
// every 1000th under another event_id (the fallback), n/200 tracker-only.
func genDumps(t testing.TB, dir string, n int, jsonl bool) (op, tr string) {
	t.Helper()
	events := []string{"registration", "kyc_approved", "deposit_success", "2nd_dep"}
	curs := []string{"USD", "EUR", "TRY"}
	start := time.Date(2025, 10, 20, 0, 0, 0, 0, time.UTC)
	write := func(name string, rows func(emit func(id, click, event string, ts time.Time, amount string, cur string))) string {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		if !jsonl {
			fmt.Fprint(w, "event_id,click_id,event,ts_event,amount,currency\n")
		}
		rows(func(id, click, event string, ts time.Time, amount, cur string) {
			if jsonl {
				if amount == "" {
					fmt.Fprintf(w, `{"event_id":%q,"click_id":%q,"event":%q,"ts_event":%q}`+"\n", id, click, event, ts.Format(time.RFC3339))
				} else {
					fmt.Fprintf(w, `{"event_id":%q,"click_id":%q,"event":%q,"ts_event":%q,"amount":%s,"currency":%q}`+"\n", id, click, event, ts.Format(time.RFC3339), amount, cur)
				}
				return
			}
			fmt.Fprintf(w, "%s,%s,%s,%s,%s,%s\n", id, click, event, ts.Format(time.RFC3339), amount, cur)
		})
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	row := func(i int) (string, string, string, time.Time, string, string) {
		ev := events[i%len(events)]
		amount, cur := "", ""
		if ev == "deposit_success" || ev == "2nd_dep" {
			amount, cur = fmt.Sprintf("%d.%02d", 10+i%990, i%100), curs[i%len(curs)]
		}
		return fmt.Sprintf("ev-%08d", i), fmt.Sprintf("clk-%08d", i), ev, start.Add(time.Duration(i) * 600 * time.Millisecond), amount, cur
	}
	op = write("operator.csv", func(emit func(string, string, string, time.Time, string, string)) {
		for i := range n {
			emit(row(i))
		}
	})
	tr = write("tracker.csv", func(emit func(string, string, string, time.Time, string, string)) {
		for i := range n {
			id, click, ev, ts, amount, cur := row(i)
			switch {
			case i%200 == 0:
				id, click, ev, ts, amount, cur = row(n + i) // this one is missing, a tracker-only one takes its place
			case i%1000 == 2 && amount != "":
				amount = "1.00"
			case i%1000 == 3:
				id = "tr-" + id
			}
			emit(id, click, ev, ts, amount, cur)
			if i%500 == 1 {
				emit(id, click, ev, ts, amount, cur)
			}
		}
	})
	return op, tr
}

// peakHeap samples the heap's objects (live and not yet collected) and all
// the memory the runtime holds from the OS every few milliseconds until stop.
func peakHeap(stop <-chan struct{}, peak, peakTotal *atomic.Uint64, wg *sync.WaitGroup) {
	defer wg.Done()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		metrics.Read(s)
		if v := s[0].Value.Uint64(); v > peak.Load() {
			peak.Store(v)
		}
		if v := s[1].Value.Uint64(); v > peakTotal.Load() {
			peakTotal.Store(v)
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// BenchmarkMillion reconciles 1,000,000 rows per side (issue 20: under 10 s
// and 500 MiB): go test -run '^$' -bench Million -benchtime 1x ./reconcile/
// It reports rows/s (both sides' rows), the peak heap and the peak of all
// memory the Go runtime holds (what the process's RSS follows).
func BenchmarkMillion(b *testing.B) {
	for _, jsonl := range []bool{false, true} {
		name := "csv"
		if jsonl {
			name = "jsonl"
		}
		b.Run(name, func(b *testing.B) {
			const n = 1_000_000
			op, tr := genDumps(b, b.TempDir(), n, jsonl)
			runtime.GC()
			var peak, peakTotal atomic.Uint64
			b.ResetTimer()
			for b.Loop() {
				stop := make(chan struct{})
				var wg sync.WaitGroup
				wg.Add(1)
				go peakHeap(stop, &peak, &peakTotal, &wg)
				rep := reconcileFiles(b, op, tr)
				close(stop)
				wg.Wait()
				if rep.Operator.Events != n || rep.MissingAtTracker == 0 || rep.MatchedByFallback == 0 || rep.Duplicates.Tracker == 0 {
					b.Fatalf("unexpected report: %+v", rep.Operator)
				}
			}
			elapsed := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(2*n)/elapsed, "rows/s")
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(peakTotal.Load())/(1<<20), "peak-runtime-MiB")
		})
	}
}

func reconcileFiles(t testing.TB, op, tr string) *Report {
	t.Helper()
	open := func(path string) (*os.File, Reader) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(filepath.Base(path), f, nil)
		if err != nil {
			t.Fatal(err)
		}
		return f, r
	}
	fo, ro := open(op)
	defer fo.Close()
	ft, rt := open(tr)
	defer ft.Close()
	rep, err := Run(context.Background(), ro, rt, Options{Mismatches: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestGeneratedDumps runs the benchmark's generator small and checks every
// planted difference is found with its cause.
func TestGeneratedDumps(t *testing.T) {
	t.Parallel()
	for _, jsonl := range []bool{false, true} {
		op, tr := genDumps(t, t.TempDir(), 10_000, jsonl)
		rep := reconcileFiles(t, op, tr)
		// i%200==0 → missing (50), of which none is also i%1000==3.
		if rep.MissingAtTracker != 50 || rep.MissingAtOperator != 50 {
			t.Errorf("missing %d / %d, want 50 / 50", rep.MissingAtTracker, rep.MissingAtOperator)
		}
		if rep.MatchedByFallback != 10 || rep.Duplicates.Tracker != 20 || rep.AmountMismatches != 10 {
			t.Errorf("fallback %d duplicates %d amounts %d, want 10 20 10", rep.MatchedByFallback, rep.Duplicates.Tracker, rep.AmountMismatches)
		}
		if rep.Matched+rep.MatchedByFallback+rep.MissingAtTracker != rep.Operator.Unique {
			t.Errorf("matched %d + fallback %d + missing %d != operator %d", rep.Matched, rep.MatchedByFallback, rep.MissingAtTracker, rep.Operator.Unique)
		}
	}
}
