package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/s2s-harness/s2s-harness/reports"
)

// writeFiles renders each named report file into dir (created if needed).
// Each file is written under a temporary name and renamed, so a reader never
// sees half a report.
func writeFiles(dir string, files map[string]reports.Renderer) error {
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

// readFile opens path and reads it with read; errors name the file.
func readFile[T any](path string, read func(io.Reader) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	v, err := read(f)
	if err != nil {
		return v, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
