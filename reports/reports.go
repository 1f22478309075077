// Package reports renders run results for people and machines: the conformance
// certificate and the load report, each as JSON (a documented, stable schema),
// Markdown, self-contained HTML (load) and JUnit XML. The load result type
// belongs to its producer (load.Result); reports only renders it. Renderers are
// plain functions of a result and an io.Writer.
package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// ReadJSON reads a JSON file into v, refusing unknown members so a stale or
// foreign file is noticed.
func ReadJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Renderer writes one format of a result.
type Renderer func(w io.Writer) error

// WriteFiles renders each named file into dir (created if needed). The files
// are written to a temporary name and renamed, so a reader never sees half a
// report.
func WriteFiles(dir string, files map[string]Renderer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report dir: %w", err)
	}
	for name, render := range files {
		path := filepath.Join(dir, name)
		tmp, err := os.CreateTemp(dir, "."+name+".*")
		if err != nil {
			return fmt.Errorf("report %s: %w", name, err)
		}
		err = render(tmp)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(tmp.Name(), 0o644) // CreateTemp makes 0600; reports are for CI to publish
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("report %s: %w", name, err)
		}
	}
	return nil
}
