package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/exitcode"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/readback"
	"github.com/s2s-harness/s2s-harness/reconcile"
	"github.com/s2s-harness/s2s-harness/reports"
)

// reconcileFormats are the renderings -format chooses among (csv is
// mismatches.csv, every difference).
func reconcileFormats() []string { return []string{"json", "md", "html", "csv", "junit"} }

// The tracker sources other than a file.
const (
	journalPrefix  = "journal:"
	readbackPrefix = "readback:"
)

// runReconcile compares an operator's dump with a tracker's (seed 004 §11,
// §12.2, §15) and exits 4 when a day × event cell is over the threshold.
func runReconcile(ctx context.Context, env *Env, args []string) int {
	f, code := parseReconcileFlags(env, args)
	if code >= 0 {
		return code
	}
	o, code := f.options(env)
	if code >= 0 {
		return code
	}
	opMap, trMap, code := f.columnMaps(env)
	if code >= 0 {
		return code
	}
	opFile, err := os.Open(f.operator)
	if err != nil {
		return fail(env, "reconcile: -operator: %v", err)
	}
	defer opFile.Close()
	opReader, err := reconcile.NewReader(f.operator, opFile, opMap)
	if err != nil {
		return fail(env, "reconcile: %v", err)
	}
	trReader, closeTr, code := openTracker(ctx, env, f.tracker, trMap, f.profile, f.token)
	if code >= 0 {
		return code
	}
	defer closeTr()
	mis, code := f.mismatches(env, &o)
	if code >= 0 {
		return code
	}
	if mis != nil {
		defer os.Remove(mis.Name()) // a no-op once renamed
	}
	rep, err := reconcile.Run(ctx, opReader, trReader, o)
	if mis != nil {
		if cerr := mis.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}
	if err != nil {
		var ie *reconcile.InputError
		var re *reconcile.RowErrors
		if errors.As(err, &re) || errors.As(err, &ie) {
			return fail(env, "reconcile: %v", err)
		}
		fmt.Fprintf(env.Stderr, "s2s: reconcile: %v\n", err)
		return ExitInternal
	}
	rep.ExitCode = exitcode.Reconcile(rep.Verdict)
	if f.reportDir == "" {
		return printReconcile(env, f.formats, rep)
	}
	return writeReconcile(env, f.reportDir, f.formats, mis, rep)
}

// reconcileFlags are the flags of `s2s reconcile`, parsed.
type reconcileFlags struct {
	operator, tracker, reportDir, threshold, tz, fx, quote string
	mapBoth, mapOp, mapTr, profile, token                  string

	window   time.Duration
	examples int
	formats  []string // -format, checked
}

// parseReconcileFlags parses the arguments of `s2s reconcile`; a code ≥ 0
// is the one to stop with.
func parseReconcileFlags(env *Env, args []string) (*reconcileFlags, int) {
	f := &reconcileFlags{}
	fs := flags(env, "reconcile", "-operator FILE -tracker FILE|journal:URL|readback:CONFIG [-report-dir DIR] [-format json,md,html,csv,junit] [-threshold 3%] [-tz ZONE] [-fx rates.csv] [-window 10m] [-map col=name,…]")
	fs.StringVar(&f.operator, "operator", "", "the operator's dump: CSV with a header or JSON Lines (detected from the content)")
	fs.StringVar(&f.tracker, "tracker", "", "the tracker's dump (a file), journal:URL (the mock's journal: refusals and replays become causes) or readback:CONFIG (the readback key of a target config)")
	fs.StringVar(&f.reportDir, "report-dir", "", "write reconcile.json, reconcile.md, reconcile.html, mismatches.csv and reconcile-junit.xml here")
	format := fs.String("format", "", "comma-separated renderings to write: "+strings.Join(reconcileFormats(), ", ")+" (default all with -report-dir; without it, one of them (or text) on stdout)")
	fs.StringVar(&f.threshold, "threshold", "3%", "the discrepancy over which a cell fails (§11: 3 %), as 3% or 0.03")
	fs.StringVar(&f.tz, "tz", "UTC", "the report's time zone for the days in cells_tz, e.g. Europe/Istanbul (matching and the verdict use UTC days, §7)")
	fs.StringVar(&f.fx, "fx", "", "CSV of ts,currency,rate: amounts are converted into -report-currency at the rate in force at each event's time (§7)")
	fs.StringVar(&f.quote, "report-currency", "USD", "the currency -fx converts into")
	fs.DurationVar(&f.window, "window", 10*time.Minute, "the click_id + event + ts_event fallback match window (§8); 0 turns it off")
	fs.StringVar(&f.mapBoth, "map", "", "column map for both dumps: event_id=txid,ts_event=created_at, or a YAML file of column: name")
	fs.StringVar(&f.mapOp, "operator-map", "", "column map for the operator's dump only (over -map)")
	fs.StringVar(&f.mapTr, "tracker-map", "", "column map for the tracker's dump only (over -map)")
	fs.StringVar(&f.profile, "profile", "postback", "the profile whose events journal: and readback: read ("+joinNames()+")")
	fs.StringVar(&f.token, "admin-token", "", "the mock's admin token for journal: (default: $"+adminTokenEnv+")")
	fs.IntVar(&f.examples, "examples", 20, "differences listed per cause in the reports (mismatches.csv has all)")
	if code := parse(fs, args); code >= 0 {
		return nil, code
	}
	if fs.NArg() > 0 {
		return nil, fail(env, "reconcile: unexpected argument %q", fs.Arg(0))
	}
	if f.operator == "" || f.tracker == "" {
		return nil, fail(env, "reconcile: -operator and -tracker are required, e.g. s2s reconcile -operator op.csv -tracker journal:http://127.0.0.1:8080")
	}
	var err error
	if f.formats, err = parseReconcileFormats(*format, f.reportDir != ""); err != nil {
		return nil, fail(env, "reconcile: -format: %v", err)
	}
	return f, -1
}

// options are the reconciliation's options from -window, -examples,
// -threshold, -tz and -fx.
func (f *reconcileFlags) options(env *Env) (reconcile.Options, int) {
	o := reconcile.Options{Window: f.window, Examples: f.examples, Now: time.Now()}
	if f.window == 0 {
		o.Window = -1
	} else if f.window < 0 {
		return o, fail(env, "reconcile: -window %s: want ≥ 0", f.window)
	}
	var err error
	if o.Threshold, err = parseThreshold(f.threshold); err != nil {
		return o, fail(env, "reconcile: -threshold: %v", err)
	}
	if o.Location, err = time.LoadLocation(f.tz); err != nil {
		return o, fail(env, "reconcile: -tz %q: want an IANA zone like Europe/Istanbul: %v", f.tz, err)
	}
	if f.fx != "" {
		fx, err := os.Open(f.fx)
		if err != nil {
			return o, fail(env, "reconcile: -fx: %v", err)
		}
		o.FX, err = reconcile.ParseFX(f.fx, fx, f.quote)
		fx.Close()
		if err != nil {
			return o, fail(env, "reconcile: -fx: %v", err)
		}
	}
	return o, -1
}

// columnMaps are the operator's and the tracker's column maps: -map under
// -operator-map and -tracker-map.
func (f *reconcileFlags) columnMaps(env *Env) (op, tr reconcile.Map, code int) {
	maps := [3]reconcile.Map{}
	for i, give := range []struct{ flag, v string }{{"map", f.mapBoth}, {"operator-map", f.mapOp}, {"tracker-map", f.mapTr}} {
		var err error
		if maps[i], err = readColumnMap(give.v); err != nil {
			return nil, nil, fail(env, "reconcile: -%s: %v", give.flag, err)
		}
	}
	return maps[0].Merge(maps[1]), maps[0].Merge(maps[2]), -1
}

// mismatches points o.Mismatches where -format csv goes: stdout without
// -report-dir, else a temporary file in it, returned, that writeReconcile
// renames into place once the run succeeded.
func (f *reconcileFlags) mismatches(env *Env, o *reconcile.Options) (*os.File, int) {
	if !slices.Contains(f.formats, "csv") {
		return nil, -1
	}
	if f.reportDir == "" {
		o.Mismatches = env.Stdout
		return nil, -1
	}
	if err := os.MkdirAll(f.reportDir, 0o755); err != nil {
		fmt.Fprintf(env.Stderr, "s2s: reconcile: report dir: %v\n", err)
		return nil, ExitInternal
	}
	mis, err := os.CreateTemp(f.reportDir, "."+reports.ReconcileMismatchesFile+".*")
	if err != nil {
		fmt.Fprintf(env.Stderr, "s2s: reconcile: %v\n", err)
		return nil, ExitInternal
	}
	o.Mismatches = mis
	return mis, -1
}

// printReconcile renders the report on stdout: the one -format asked for
// (csv went out during the run), else text.
func printReconcile(env *Env, formats []string, rep *reconcile.Report) int {
	name := "text"
	if len(formats) == 1 {
		name = formats[0]
	}
	if name != "csv" {
		if err := reports.ReconcileRenderers(rep)[name](env.Stdout); err != nil {
			fmt.Fprintf(env.Stderr, "s2s: reconcile: %v\n", err)
			return ExitInternal
		}
	}
	return rep.ExitCode
}

// writeReconcile writes the renderings -format asked for into dir, moves the
// mismatches file written during the run (mis, when csv) into place, and
// prints the text summary.
func writeReconcile(env *Env, dir string, formats []string, mis *os.File, rep *reconcile.Report) int {
	files := map[string]reports.Renderer{}
	all := reports.ReconcileFiles(rep)
	for _, f := range formats {
		switch f {
		case "json":
			files[reports.ReconcileJSONFile] = all[reports.ReconcileJSONFile]
		case "md":
			files[reports.ReconcileMarkdownFile] = all[reports.ReconcileMarkdownFile]
		case "html":
			files[reports.ReconcileHTMLFile] = all[reports.ReconcileHTMLFile]
		case "junit":
			files[reports.ReconcileJUnitFile] = all[reports.ReconcileJUnitFile]
		}
	}
	if err := writeFiles(dir, files); err != nil {
		fmt.Fprintf(env.Stderr, "s2s: reconcile: %v\n", err)
		return ExitInternal
	}
	if mis != nil {
		path := filepath.Join(dir, reports.ReconcileMismatchesFile)
		err := os.Chmod(mis.Name(), 0o644)
		if err == nil {
			err = os.Rename(mis.Name(), path)
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "s2s: reconcile: %v\n", err)
			return ExitInternal
		}
		files[reports.ReconcileMismatchesFile] = nil
	}
	printWritten(env, dir, files)
	if err := reports.ReconcileText(env.Stdout, rep); err != nil {
		return ExitInternal
	}
	return rep.ExitCode
}

func parseReconcileFormats(s string, dir bool) ([]string, error) {
	if s == "" {
		if dir {
			return reconcileFormats(), nil
		}
		return nil, nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = formatName(strings.TrimSpace(f))
		if f == "text" && !dir {
			out = append(out, f)
			continue
		}
		if !slices.Contains(reconcileFormats(), f) {
			return nil, fmt.Errorf("%q: want %s (comma-separated)", f, strings.Join(reconcileFormats(), ", "))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if !dir && len(out) > 1 {
		return nil, fmt.Errorf("%s: without -report-dir only one rendering goes to stdout", s)
	}
	return out, nil
}

// parseThreshold reads 3%, 3 % or 0.03.
func parseThreshold(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	v, err := strconv.ParseFloat(t, 64)
	if pct {
		v /= 100
	}
	if err != nil || !(v > 0) || v >= 1 {
		return 0, fmt.Errorf("%q: want a fraction like 3%% or 0.03 (above 0, below 100 %%)", s)
	}
	return v, nil
}

// readColumnMap reads -map: inline pairs, or a YAML file.
func readColumnMap(v string) (reconcile.Map, error) {
	if v == "" {
		return reconcile.Map{}, nil
	}
	if strings.Contains(v, "=") {
		return reconcile.ParseMap(v)
	}
	data, err := os.ReadFile(v)
	if err != nil {
		return nil, fmt.Errorf("%w (want col=name pairs or a YAML file)", err)
	}
	m, err := reconcile.ParseMapYAML(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", v, err)
	}
	return m, nil
}

// openTracker opens -tracker; code ≥ 0 means stop with it.
func openTracker(ctx context.Context, env *Env, give string, m reconcile.Map, profileName, token string) (reconcile.Reader, func(), int) {
	nothing := func() {}
	switch {
	case strings.HasPrefix(give, journalPrefix), strings.HasPrefix(give, readbackPrefix):
		p, err := builtin.Lookup(profileName)
		if err != nil {
			return nil, nothing, fail(env, "reconcile: -profile: %v", err)
		}
		if base, ok := strings.CutPrefix(give, journalPrefix); ok {
			c, err := inspect.NewClient(base, nil)
			if err != nil {
				return nil, nothing, fail(env, "reconcile: -tracker: %v", err)
			}
			if t := adminToken(env, token); t != "" {
				c = c.WithToken(t)
			}
			hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if _, err := c.Health(hctx); err != nil {
				fmt.Fprintf(env.Stderr, "s2s: reconcile: -tracker %s: the journal does not answer: %v\n", give, err)
				return nil, nothing, ExitInternal
			}
			return reconcile.NewJournal(c, p, m, give), nothing, -1
		}
		path := strings.TrimPrefix(give, readbackPrefix)
		cfg, err := loadTargetConfig(path)
		if err != nil {
			return nil, nothing, fail(env, "reconcile: -tracker: %v", err)
		}
		if cfg.Readback == nil {
			return nil, nothing, fail(env, "reconcile: -tracker %s: the config has no readback key", give)
		}
		src, err := readback.Open(ctx, *cfg.Readback, readback.Deps{Env: env.Getenv,
			Client: &http.Client{Timeout: 15 * time.Second}, Profiles: readback.ProfilesOf(builtin.All())})
		if err != nil {
			return nil, nothing, fail(env, "reconcile: -tracker %s: %v", give, err)
		}
		return reconcile.NewReadback(src, p.Name, m, give), func() { readback.Close(src) }, -1
	}
	f, err := os.Open(give)
	if err != nil {
		return nil, nothing, fail(env, "reconcile: -tracker: %v", err)
	}
	r, err := reconcile.NewReader(give, f, m)
	if err != nil {
		f.Close()
		return nil, nothing, fail(env, "reconcile: %v", err)
	}
	return r, func() { f.Close() }, -1
}

// openReconcileReport is the reconcile kind of `s2s report`: every file but
// mismatches.csv, which only a run writes.
func openReconcileReport(path string) (*openedReport, error) {
	r, err := readFile(path, reconcile.Read)
	if err != nil {
		return nil, err
	}
	return &openedReport{formats: reports.ReconcileRenderers(r), files: reports.ReconcileFiles(r),
		summary: func(w io.Writer) error { return reports.ReconcileText(w, r) }}, nil
}
