package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/s2s-harness/s2s-harness/reports"
)

// reportKind is one kind of report a folder can hold, known by its JSON file.
type reportKind struct {
	name string
	file string // the JSON file the others are rendered from
	// open reads the JSON and returns the renderer of each -format, the files
	// of a full re-render, and the summary printed after one.
	open func(path string) (*openedReport, error)
}

type openedReport struct {
	formats map[string]reports.Renderer
	files   map[string]reports.Renderer
	summary reports.Renderer
}

func reportKinds() []reportKind {
	return []reportKind{
		{name: "load", file: reports.LoadJSONFile, open: openLoadReport},
		{name: "conformance", file: reports.CertificateJSONFile, open: openCertificate},
	}
}

func openCertificate(path string) (*openedReport, error) {
	c, err := readFile(path, reports.ReadCertificate)
	if err != nil {
		return nil, err
	}
	return &openedReport{formats: reports.CertificateRenderers(c), files: reports.CertificateFiles(c),
		summary: func(w io.Writer) error { return reports.CertificateText(w, c) }}, nil
}

func openLoadReport(path string) (*openedReport, error) {
	l, err := readFile(path, reports.ReadLoad)
	if err != nil {
		return nil, err
	}
	return &openedReport{formats: reports.LoadRenderers(l), files: reports.LoadFiles(l),
		summary: func(w io.Writer) error { return reports.LoadText(w, l) }}, nil
}

// runReport re-renders a past run from the JSON in DIR: every file again, or
// one -format to stdout.
func runReport(_ context.Context, env *Env, args []string) int {
	fs := flags(env, "report", "DIR [-format json|md|html|junit]")
	format := fs.String("format", "", "print this rendering to stdout instead of rewriting the folder's files")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return fail(env, "report: a report folder is required, e.g. s2s report out/")
	}
	dir := rest[0]
	if code := parse(fs, rest[1:]); code >= 0 { // flags after DIR
		return code
	}
	if fs.NArg() > 0 {
		return fail(env, "report: unexpected argument %q", fs.Arg(0))
	}
	var found []string
	for _, k := range reportKinds() {
		path := filepath.Join(dir, k.file)
		if _, err := os.Stat(path); err != nil {
			continue
		}
		found = append(found, k.file)
		rep, err := k.open(path)
		if err != nil {
			return fail(env, "report: %v", err)
		}
		if *format != "" {
			r, ok := rep.formats[*format]
			if !ok {
				names := make([]string, 0, len(rep.formats))
				for f := range rep.formats {
					names = append(names, f)
				}
				slices.Sort(names)
				return fail(env, "report: -format %q: want one of %s", *format, strings.Join(names, ", "))
			}
			if err := r(env.Stdout); err != nil {
				fmt.Fprintf(env.Stderr, "s2s: report: %v\n", err)
				return ExitInternal
			}
			return ExitOK
		}
		if err := writeFiles(dir, rep.files); err != nil {
			fmt.Fprintf(env.Stderr, "s2s: report: %v\n", err)
			return ExitInternal
		}
		if err := rep.summary(env.Stdout); err != nil {
			fmt.Fprintf(env.Stderr, "s2s: report: %v\n", err)
			return ExitInternal
		}
	}
	if len(found) == 0 {
		var want []string
		for _, k := range reportKinds() {
			want = append(want, k.file)
		}
		return fail(env, "report: %s holds no report (looked for %s)", dir, strings.Join(want, ", "))
	}
	return ExitOK
}
