package reports

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/load"
)

var updateLoad = flag.Bool("update-load", false, "rewrite the load report golden files")

// loadInput is a load.json with every section filled, as the load engine's own
// golden test pins it (load/testdata/report.json.golden).
func loadInput(t *testing.T) *load.Result {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "load.input.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := ReadLoad(f)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLoadGolden(t *testing.T) {
	t.Parallel()
	res := loadInput(t)
	renderers := map[string]Renderer{
		"load.golden.md":        func(w io.Writer) error { return LoadMarkdown(w, res) },
		"load.golden.html":      func(w io.Writer) error { return LoadHTML(w, res) },
		"load.golden.junit.xml": func(w io.Writer) error { return LoadJUnit(w, res) },
		"load.golden.txt":       func(w io.Writer) error { return LoadText(w, res) },
		"load.input.json":       func(w io.Writer) error { return LoadJSON(w, res) }, // round trip
	}
	for name, render := range renderers {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := render(&buf); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name)
			if *updateLoad && name != "load.input.json" {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update-load to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from the golden file; run go test -update-load and review the diff", name)
			}
		})
	}
}

// The files `s2s load -report-dir` writes read back and render the same, and
// the HTML is self-contained.
func TestLoadFilesRoundTrip(t *testing.T) {
	t.Parallel()
	res := loadInput(t)
	files := LoadFiles(res)
	var file, page bytes.Buffer
	if err := files[LoadJSONFile](&file); err != nil {
		t.Fatal(err)
	}
	back, err := ReadLoad(&file)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := LoadMarkdown(&a, res); err != nil {
		t.Fatal(err)
	}
	if err := LoadMarkdown(&b, back); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("markdown of the re-read report differs from the original")
	}
	if err := files[LoadHTMLFile](&page); err != nil {
		t.Fatal(err)
	}
	html := page.Bytes()
	// The target's URL and the SVG namespace are text, not references.
	html = bytes.ReplaceAll(html, []byte("http://www.w3.org/2000/svg"), nil)
	html = bytes.ReplaceAll(html, []byte(res.Target), nil)
	for _, banned := range []string{"<script", "http://", "https://", "src=", "<link"} {
		if bytes.Contains(html, []byte(banned)) {
			t.Errorf("load.html contains %q: it must be self-contained", banned)
		}
	}
}

// The charts: the p95 limit line is drawn even far above the data, the worst
// window is marked, errors have their own axis, and a sliver of a last slice
// is not drawn as a dip in the rate.
func TestLoadCharts(t *testing.T) {
	t.Parallel()
	res := loadInput(t)
	for i := range res.Thresholds {
		if res.Thresholds[i].Metric == "p95" {
			res.Thresholds[i].Limit = "60s" // far above every latency
		}
	}
	last := res.Windows[len(res.Windows)-1]
	res.Windows = append(res.Windows, load.Window{StartS: last.StartS + res.WindowS, SpanS: 0.05, Requests: 1, Rate: 20, Availability: 1})
	lat := string(latencyChart(res))
	if !strings.Contains(lat, "<title>p95 SLA</title>") {
		t.Error("latency chart: no p95 limit line")
	}
	if !strings.Contains(lat, "worst p95") {
		t.Error("latency chart: the worst p95 window is not marked")
	}
	// The axis fits the data, not the 60 s limit, which is marked at its top edge.
	if !strings.Contains(lat, "p95 limit 60.0 s, above the chart") || strings.Contains(lat, ">60.0 s</text>") {
		t.Error("latency chart: the far limit sets the axis, or is not marked at the edge")
	}
	// The straggler slice is a faint dot, not a point of the lines.
	if !strings.Contains(lat, "1 requests, too few to draw") {
		t.Error("latency chart: the straggler slice is not drawn faint")
	}
	rate := string(rateChart(res))
	if !strings.Contains(rate, "worst availability") || !strings.Contains(rate, "errors/s (right axis)") {
		t.Error("rate chart: want the worst availability window and an errors axis")
	}
	// One point per whole slice on the answers/s line; the sliver has none.
	path := rate[:strings.Index(rate, "<title>answers/s</title>")]
	path = path[strings.LastIndex(path, `d="`):]
	if got, want := strings.Count(path, "L")+1, len(res.Windows)-1; got != want {
		t.Errorf("answers/s line has %d points, want %d (the partial last slice left out)", got, want)
	}
}
