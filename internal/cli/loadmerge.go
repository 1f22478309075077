package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/s2s-harness/s2s-harness/internal/exitcode"
	"github.com/s2s-harness/s2s-harness/load"
	"github.com/s2s-harness/s2s-harness/reports"
)

// runLoadMerge is `s2s load merge DIR…`: the parts the shards of one run
// wrote (DIR/part.json, or the files themselves) become one report and one
// verdict. Exit codes as `s2s load`.
func runLoadMerge(_ context.Context, env *Env, args []string) int {
	fs := flags(env, "load merge", "[-report-dir DIR] SHARD-DIR…")
	reportDir := fs.String("report-dir", "", "write the merged load.json, load.md, load.html and junit.xml here")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() == 0 {
		return fail(env, "load merge: name the shards' report folders (each holds %s)", load.PartFile)
	}
	var parts []*load.Part
	for _, arg := range fs.Args() {
		p, err := readPart(arg)
		if err != nil {
			return fail(env, "load merge: %v", err)
		}
		parts = append(parts, p)
	}
	res, err := load.Merge(parts)
	if err != nil {
		return fail(env, "load merge: %v", err)
	}
	if err := reports.LoadText(env.Stdout, res); err != nil {
		fmt.Fprintf(env.Stderr, "s2s: load merge: %v\n", err)
		return ExitInternal
	}
	if *reportDir != "" {
		if err := writeFiles(*reportDir, reports.LoadFiles(res)); err != nil {
			fmt.Fprintf(env.Stderr, "s2s: load merge: %v\n", err)
			return ExitInternal
		}
		fmt.Fprintf(env.Stdout, "  report     %s\n", filepath.Join(*reportDir, reports.LoadHTMLFile))
	}
	return exitcode.Load(res.Verdict)
}

// readPart reads a shard's part from its report folder (or the file named).
func readPart(path string) (*load.Part, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, load.PartFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such part: was the shard run with -shard and -report-dir?", path)
		}
		return nil, err
	}
	var p load.Part
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

// writePart writes a shard's part next to its report.
func writePart(dir string, p *load.Part) error {
	return writeFiles(dir, map[string]reports.Renderer{load.PartFile: func(w io.Writer) error {
		return json.NewEncoder(w).Encode(p)
	}})
}
