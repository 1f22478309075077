package reports

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/s2s-harness/s2s-harness/load"
)

var updateLoad = flag.Bool("update-load", false, "rewrite the load report golden files")

// loadInput is a load.json with every section filled, as the load engine's own
// golden test pins it (load/testdata/report.json.golden).
func loadInput(t *testing.T) *load.Result {
	t.Helper()
	l, err := ReadLoad(filepath.Join("testdata", "load.input.json"))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLoadGolden(t *testing.T) {
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
	res := loadInput(t)
	dir := t.TempDir()
	if err := WriteFiles(dir, LoadFiles(res)); err != nil {
		t.Fatal(err)
	}
	back, err := ReadLoad(filepath.Join(dir, LoadJSONFile))
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
	html, err := os.ReadFile(filepath.Join(dir, LoadHTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	// The target's URL and the SVG namespace are text, not references.
	html = bytes.ReplaceAll(html, []byte("http://www.w3.org/2000/svg"), nil)
	html = bytes.ReplaceAll(html, []byte(res.Target), nil)
	for _, banned := range []string{"<script", "http://", "https://", "src=", "<link"} {
		if bytes.Contains(html, []byte(banned)) {
			t.Errorf("load.html contains %q: it must be self-contained", banned)
		}
	}
}
