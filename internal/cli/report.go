package cli

import (
	"context"
	"fmt"
	"html"
	"io"
	"maps"
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

// printWritten prints the path of every file a report folder got, one a
// line, so a user (or CI) sees where each rendering went.
func printWritten(env *Env, dir string, files map[string]reports.Renderer) {
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(env.Stdout, "wrote %s\n", filepath.Join(dir, name))
	}
}

// markdownPage renders md as a self-contained HTML page (the Markdown shown
// as written), for a report kind without an HTML rendering of its own, so
// -format html works for every report.
func markdownPage(title string, md reports.Renderer) reports.Renderer {
	return func(w io.Writer) error {
		var buf strings.Builder
		if err := md(&buf); err != nil {
			return err
		}
		_, err := fmt.Fprintf(w, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>%s</title>\n"+
			"<style>body{font-family:sans-serif;margin:2em}pre{white-space:pre-wrap}</style></head>\n<body><pre>%s</pre></body></html>\n",
			html.EscapeString(title), html.EscapeString(buf.String()))
		return err
	}
}

// reportFormats are the -format names of every report kind.
func reportFormats() []string { return []string{"json", "md", "html", "junit", "text"} }

// formatName reads the other spellings of a format name.
func formatName(s string) string {
	s = strings.ToLower(s)
	switch s {
	case "markdown":
		return "md"
	case "xml":
		return "junit"
	}
	return s
}

func reportKinds() []reportKind {
	return []reportKind{
		{name: "load", file: reports.LoadJSONFile, open: openLoadReport},
		{name: "conformance", file: reports.CertificateJSONFile, open: openCertificate},
		{name: "reconcile", file: reports.ReconcileJSONFile, open: openReconcileReport},
		{name: "sender certificate", file: reports.SenderJSONFile, open: openSender},
	}
}

func openSender(path string) (*openedReport, error) {
	r, err := readFile(path, reports.ReadSender)
	if err != nil {
		return nil, err
	}
	return &openedReport{formats: reports.SenderRenderers(r), files: reports.SenderFiles(r),
		summary: func(w io.Writer) error { return reports.SenderText(w, r) }}, nil
}

func openCertificate(path string) (*openedReport, error) {
	c, err := readFile(path, reports.ReadCertificate)
	if err != nil {
		return nil, err
	}
	formats := reports.CertificateRenderers(c)
	if _, ok := formats["html"]; !ok {
		formats["html"] = markdownPage("s2s certificate: "+c.Target, formats["md"])
	}
	return &openedReport{formats: formats, files: reports.CertificateFiles(c),
		summary: func(w io.Writer) error { return reports.CertificateText(w, c) }}, nil
}

func openLoadReport(path string) (*openedReport, error) {
	l, err := readFile(path, reports.ReadLoad)
	if err != nil {
		return nil, err
	}
	summary := func(w io.Writer) error { return reports.LoadText(w, l) }
	formats := reports.LoadRenderers(l)
	if _, ok := formats["text"]; !ok {
		formats["text"] = summary
	}
	return &openedReport{formats: formats, files: reports.LoadFiles(l), summary: summary}, nil
}

// runReport re-renders a past run from the JSON in DIR: every file again, or
// one -format to stdout.
func runReport(_ context.Context, env *Env, args []string) int {
	fs := flags(env, "report", "DIR [-format json|md|html|junit|text]")
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
			name := formatName(*format)
			if !slices.Contains(reportFormats(), name) {
				return fail(env, "report: -format %q: want one of %s (md also as markdown, junit as xml)", *format, strings.Join(reportFormats(), ", "))
			}
			r, ok := rep.formats[name]
			if !ok {
				names := slices.Sorted(maps.Keys(rep.formats))
				return fail(env, "report: -format %s: a %s report has no %s rendering; it has %s", name, k.name, name, strings.Join(names, ", "))
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
		printWritten(env, dir, rep.files)
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
