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
	fs := flags(env, "reconcile", "-operator FILE -tracker FILE|journal:URL|readback:CONFIG [-report-dir DIR] [-format json,md,html,csv,junit] [-threshold 3%] [-tz ZONE] [-fx rates.csv] [-window 10m] [-map col=name,…]")
	operator := fs.String("operator", "", "the operator's dump: CSV with a header or JSON Lines (detected from the content)")
	tracker := fs.String("tracker", "", "the tracker's dump (a file), journal:URL (the mock's journal: refusals and replays become causes) or readback:CONFIG (the readback key of a target config)")
	reportDir := fs.String("report-dir", "", "write reconcile.json, reconcile.md, reconcile.html, mismatches.csv and reconcile-junit.xml here")
	format := fs.String("format", "", "comma-separated renderings to write: "+strings.Join(reconcileFormats(), ", ")+" (default all with -report-dir; without it, one of them (or text) on stdout)")
	threshold := fs.String("threshold", "3%", "the discrepancy over which a cell fails (§11: 3 %), as 3% or 0.03")
	tz := fs.String("tz", "UTC", "the report's time zone for the days in cells_tz, e.g. Europe/Istanbul (matching and the verdict use UTC days, §7)")
	fxFile := fs.String("fx", "", "CSV of ts,currency,rate: amounts are converted into -report-currency at the rate in force at each event's time (§7)")
	quote := fs.String("report-currency", "USD", "the currency -fx converts into")
	window := fs.Duration("window", 10*time.Minute, "the click_id + event + ts_event fallback match window (§8); 0 turns it off")
	mapBoth := fs.String("map", "", "column map for both dumps: event_id=txid,ts_event=created_at, or a YAML file of column: name")
	mapOp := fs.String("operator-map", "", "column map for the operator's dump only (over -map)")
	mapTr := fs.String("tracker-map", "", "column map for the tracker's dump only (over -map)")
	profileName := fs.String("profile", "postback", "the profile whose events journal: and readback: read ("+joinNames()+")")
	token := fs.String("admin-token", "", "the mock's admin token for journal: (default: $"+adminTokenEnv+")")
	examples := fs.Int("examples", 20, "differences listed per cause in the reports (mismatches.csv has all)")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		return fail(env, "reconcile: unexpected argument %q", fs.Arg(0))
	}
	if *operator == "" || *tracker == "" {
		return fail(env, "reconcile: -operator and -tracker are required, e.g. s2s reconcile -operator op.csv -tracker journal:http://127.0.0.1:8080")
	}
	formats, err := parseReconcileFormats(*format, *reportDir != "")
	if err != nil {
		return fail(env, "reconcile: -format: %v", err)
	}
	o := reconcile.Options{Window: *window, Examples: *examples, Now: time.Now()}
	if *window == 0 {
		o.Window = -1
	} else if *window < 0 {
		return fail(env, "reconcile: -window %s: want ≥ 0", *window)
	}
	if o.Threshold, err = parseThreshold(*threshold); err != nil {
		return fail(env, "reconcile: -threshold: %v", err)
	}
	if o.Location, err = time.LoadLocation(*tz); err != nil {
		return fail(env, "reconcile: -tz %q: want an IANA zone like Europe/Istanbul: %v", *tz, err)
	}
	if *fxFile != "" {
		f, err := os.Open(*fxFile)
		if err != nil {
			return fail(env, "reconcile: -fx: %v", err)
		}
		o.FX, err = reconcile.ParseFX(*fxFile, f, *quote)
		f.Close()
		if err != nil {
			return fail(env, "reconcile: -fx: %v", err)
		}
	}
	maps := [3]reconcile.Map{}
	for i, give := range []struct{ flag, v string }{{"map", *mapBoth}, {"operator-map", *mapOp}, {"tracker-map", *mapTr}} {
		if maps[i], err = readColumnMap(give.v); err != nil {
			return fail(env, "reconcile: -%s: %v", give.flag, err)
		}
	}
	opMap, trMap := maps[0].Merge(maps[1]), maps[0].Merge(maps[2])

	opFile, err := os.Open(*operator)
	if err != nil {
		return fail(env, "reconcile: -operator: %v", err)
	}
	defer opFile.Close()
	opReader, err := reconcile.NewReader(*operator, opFile, opMap)
	if err != nil {
		return fail(env, "reconcile: %v", err)
	}
	trReader, closeTr, code := openTracker(ctx, env, *tracker, trMap, *profileName, *token)
	if code >= 0 {
		return code
	}
	defer closeTr()

	var mis *os.File
	if slices.Contains(formats, "csv") {
		if *reportDir == "" {
			o.Mismatches = env.Stdout
		} else {
			if err := os.MkdirAll(*reportDir, 0o755); err != nil {
				fmt.Fprintf(env.Stderr, "s2s: reconcile: report dir: %v\n", err)
				return ExitInternal
			}
			if mis, err = os.CreateTemp(*reportDir, "."+reports.ReconcileMismatchesFile+".*"); err != nil {
				fmt.Fprintf(env.Stderr, "s2s: reconcile: %v\n", err)
				return ExitInternal
			}
			defer os.Remove(mis.Name()) // a no-op once renamed
			o.Mismatches = mis
		}
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
	if *reportDir == "" {
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
	if err := writeFiles(*reportDir, files); err != nil {
		fmt.Fprintf(env.Stderr, "s2s: reconcile: %v\n", err)
		return ExitInternal
	}
	if mis != nil {
		path := filepath.Join(*reportDir, reports.ReconcileMismatchesFile)
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
	printWritten(env, *reportDir, files)
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
