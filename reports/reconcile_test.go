package reports

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/exitcode"
	"github.com/s2s-harness/s2s-harness/reconcile"
)

var updateReconcile = flag.Bool("update-reconcile", false, "rewrite the reconcile golden files")

// withJournal yields a dump's rows, then what a journal adds: a refusal
// and a replay.
type withJournal struct {
	reconcile.Reader
	extra []reconcile.Row
}

func (w *withJournal) Next(ctx context.Context) (reconcile.Row, error) {
	r, err := w.Reader.Next(ctx)
	if err == io.EOF && len(w.extra) > 0 {
		r, w.extra = w.extra[0], w.extra[1:]
		return r, nil
	}
	return r, err
}

// reconcileReport reconciles testdata/reconcile: one difference of every cause.
func reconcileReport(t *testing.T) (*reconcile.Report, string) {
	t.Helper()
	dir := filepath.Join("testdata", "reconcile")
	open := func(name string) reconcile.Reader {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		r, err := reconcile.NewReader(name, f, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	rates, err := os.Open(filepath.Join(dir, "rates.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer rates.Close()
	fx, err := reconcile.ParseFX("rates.csv", rates, "USD")
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation("Europe/Istanbul")
	if err != nil {
		t.Skip(err)
	}
	ts := time.Date(2025, 10, 21, 20, 0, 0, 0, time.UTC)
	tr := &withJournal{Reader: open("tracker.jsonl"), extra: []reconcile.Row{
		{EventID: "dep_9ag", Event: "deposit_success", TS: ts, Line: 41, Kind: reconcile.Refused, Rule: "PB-SIG-1", Reason: "signature_invalid"},
		{EventID: "dep_9aa", ClickID: "clk_123", Event: "deposit_success", TS: time.Date(2025, 10, 21, 15, 12, 31, 0, time.UTC), Line: 42, Kind: reconcile.Replayed},
	}}
	var mis bytes.Buffer
	rep, err := reconcile.Run(context.Background(), open("operator.csv"), tr, reconcile.Options{
		Location: loc, FX: fx, Mismatches: &mis, Now: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	rep.ExitCode = exitcode.Reconcile(rep.Verdict) // as s2s reconcile sets it
	return rep, mis.String()
}

func TestReconcileGolden(t *testing.T) {
	rep, mis := reconcileReport(t)
	for _, c := range reconcile.Causes() {
		if rep.Cause(c).Count == 0 {
			t.Errorf("the golden input has no %s difference", c)
		}
	}
	if rep.ExitCode != 4 {
		t.Errorf("exit %d, want 4", rep.ExitCode)
	}
	outs := map[string]string{"reconcile.golden.csv": mis}
	for name, format := range map[string]string{"reconcile.golden.json": "json", "reconcile.golden.md": "md",
		"reconcile.golden.html": "html", "reconcile.golden.junit.xml": "junit", "reconcile.golden.txt": "text"} {
		var b strings.Builder
		if err := ReconcileRenderers(rep)[format](&b); err != nil {
			t.Fatal(err)
		}
		outs[name] = b.String()
	}
	for name, got := range outs {
		path := filepath.Join("testdata", name)
		if *updateReconcile {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update-reconcile to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from the golden file; run go test -update-reconcile and review the diff", name)
		}
	}
}

// TestReconcileJSONRoundTrip: reconcile.json reads back with its schema.
func TestReconcileJSONRoundTrip(t *testing.T) {
	rep, _ := reconcileReport(t)
	var b bytes.Buffer
	if err := ReconcileRenderers(rep)["json"](&b); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"schema": "s2s-reconcile/1"`, `"matched":`, `"matched_by_fallback":`, `"missing_at_tracker":`,
		`"missing_at_operator":`, `"duplicates": {`, `"amount_mismatches":`, `"currency_mismatches":`, `"day_shifted":`, `"max_discrepancy":`} {
		if !strings.Contains(b.String(), key) {
			t.Errorf("reconcile.json has no %s", key)
		}
	}
	back, err := reconcile.Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Matched != rep.Matched || back.Operator.Events != rep.Operator.Events || len(back.Cells) != len(rep.Cells) {
		t.Errorf("read back %+v", back)
	}
}

// TestReconcileHTMLSelfContained: no script, no external asset; the grid
// colours an over-threshold cell red and the chart has a bar per cause.
func TestReconcileHTMLSelfContained(t *testing.T) {
	rep, _ := reconcileReport(t)
	var b strings.Builder
	if err := ReconcileHTML(&b, rep); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<script", "src=", "href=", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q: not self-contained", bad)
		}
	}
	if n := strings.Count(page, "<rect "); n != len(reconcile.Causes()) {
		t.Errorf("%d bars, want %d", n, len(reconcile.Causes()))
	}
	if !strings.Contains(page, "hsl(0,") {
		t.Error("no red cell for an over-threshold discrepancy")
	}
}
