package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/reports"
)

// readJSONFile reads a report file the way `s2s report` does.
func readJSONFile(path string, v any) error {
	_, err := readFile(path, func(r io.Reader) (any, error) { return nil, reports.ReadJSON(r, v) })
	return err
}

func TestWriteFilesIsAtomic(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "new")
	err := writeFiles(dir, map[string]reports.Renderer{
		"a.json": func(w io.Writer) error { return reports.WriteJSON(w, map[string]int{"x": 1}) },
	})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]int
	if err := readJSONFile(filepath.Join(dir, "a.json"), &got); err != nil || got["x"] != 1 {
		t.Fatalf("read back = %v, %v", got, err)
	}
	if st, err := os.Stat(filepath.Join(dir, "a.json")); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("a.json: %v, %v; want mode 0644 for CI to publish", st, err)
	}
	failing := writeFiles(dir, map[string]reports.Renderer{
		"a.json": func(w io.Writer) error { w.Write([]byte("{half")); return io.ErrUnexpectedEOF },
	})
	if failing == nil {
		t.Fatal("want the renderer's error")
	}
	if err := readJSONFile(filepath.Join(dir, "a.json"), &got); err != nil {
		t.Fatalf("a failed render replaced the good file: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	err = readJSONFile(filepath.Join(dir, "missing.json"), &got)
	if err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v, want an error naming it", err)
	}
}
