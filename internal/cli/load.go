package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/exitcode"
	"github.com/s2s-harness/s2s-harness/internal/targeturl"
	"github.com/s2s-harness/s2s-harness/load"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/readback"
	"github.com/s2s-harness/s2s-harness/reports"
)

func runLoad(ctx context.Context, env *Env, args []string) int {
	// The engine's live heap is small and bounded (histograms, a ring of
	// recent requests) while it allocates per request: fewer collections
	// are 8 % less CPU per request at -rate max. GOGC, when set, rules.
	if env.Getenv == nil || env.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	if len(args) > 0 && args[0] == "merge" {
		return runLoadMerge(ctx, env, args[1:])
	}
	fs := flags(env, "load", "-target URL -profile P [-scenario NAME|FILE] [-rate 500/s|max] [-duration 60s] [-sla FILE] [-inspect URL|none] [-config FILE] [-report-dir DIR] [-shard i/N]  |  s2s load merge [-report-dir DIR] SHARD-DIR…")
	target := fs.String("target", "", "base URL of the receiver, e.g. http://127.0.0.1:8080")
	name := fs.String("profile", "", "profile: "+joinNames())
	scen := fs.String("scenario", "constant", "built-in scenario ("+strings.Join(load.Builtins(), ", ")+") or a YAML file")
	rate := fs.String("rate", "", "base arrival rate, e.g. 500/s, 30/m, or max for a closed-loop probe (default: the scenario's)")
	duration := fs.Duration("duration", 0, "run length (default: the scenario's)")
	maxInFlight := fs.Int("max-in-flight", 0, "most requests on the wire at once (default: the scenario's)")
	slaFile := fs.String("sla", "", "SLA thresholds file (default: the postback seed's section 11)")
	seed := fs.Int64("seed", 0, "workload seed; default a fresh one per run (the report records it), so reruns never look like replays")
	inspectURL := fs.String("inspect", "", "inspection API of the receiver (/_s2s/), for duplicates, loss, ingest lag, discrepancy; default: the target when it answers GET /_s2s/health; none: off")
	token := fs.String("admin-token", "", "the inspection API's admin token, for a mock started with one (default: $"+adminTokenEnv+")")
	configFile := fs.String("config", "", "YAML file with the target's credentials and extra headers")
	reportDir := fs.String("report-dir", "", "write load.json, load.md, load.html and junit.xml here")
	shard := fs.String("shard", "", "`i/N`: send every N-th arrival of the schedule from the i-th, and write part.json into -report-dir for s2s load merge")
	quiet := quietFlag(fs)
	var outs []string
	fs.Func("out", "live output while the run runs, repeatable: json=FILE (one JSON line per attempt), prometheus=ADDR (metrics at http://ADDR/metrics)",
		func(v string) error { outs = append(outs, v); return nil })
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		return fail(env, "load: unexpected argument %q", fs.Arg(0))
	}
	if *target == "" {
		return fail(env, "load: -target is required, e.g. -target http://127.0.0.1:8080")
	}
	p, code := lookup(env, "load", *name)
	if code >= 0 {
		return code
	}
	s, err := readScenario(*scen)
	if err != nil {
		return fail(env, "load: %v", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["rate"] {
		if s.Rate, s.Max, err = load.ParseRate(*rate); err != nil {
			return fail(env, "load: -rate: %v", err)
		}
		if s.Max {
			s.Shape = nil
		}
	}
	if set["duration"] {
		s.Duration = *duration
	}
	if set["seed"] {
		s.Seed = *seed
	}
	if set["max-in-flight"] {
		if *maxInFlight < 1 {
			return fail(env, "load: -max-in-flight %d: want ≥ 1", *maxInFlight)
		}
		s.MaxInFlight = *maxInFlight
	}
	if err := s.Validate(); err != nil {
		return fail(env, "load: scenario %s: %v", s.Name, err)
	}
	if _, err := targeturl.Check(*target); err != nil {
		return fail(env, "load: -target %v", err)
	}
	insp, err := inspection(ctx, &http.Client{Timeout: 10 * time.Second}, *target, *inspectURL)
	if err != nil {
		fmt.Fprintf(env.Stderr, "s2s: load: %v\n", err)
		return ExitInternal
	}
	cfg := load.Config{Profile: p, Target: *target, Scenario: s, Inspect: insp, Version: Version,
		InspectToken: adminToken(env, *token)}
	if *shard != "" {
		if cfg.Shard, err = load.ParseShard(*shard); err != nil {
			return fail(env, "load: -shard: %v", err)
		}
		if *reportDir == "" {
			return fail(env, "load: -shard %s needs -report-dir: the shard's part (%s) is written there for s2s load merge", *shard, load.PartFile)
		}
	}
	if *slaFile != "" {
		data, err := os.ReadFile(*slaFile)
		if err != nil {
			return fail(env, "load: -sla: %v", err)
		}
		if cfg.SLA, err = load.ParseSLA(data); err != nil {
			return fail(env, "load: %s: %v", *slaFile, err)
		}
	}
	if *configFile != "" {
		c, err := readLoadConfig(env, *configFile)
		if err != nil {
			return fail(env, "load: %s", fileConfigError(*configFile, err))
		}
		c.Apply(&cfg)
		if c.Readback != nil {
			src, err := readback.Open(ctx, *c.Readback, readback.Deps{Env: env.Getenv,
				Client: &http.Client{Timeout: 15 * time.Second}, Profiles: readback.ProfilesOf(builtin.All())})
			if err != nil {
				return fail(env, "load: %s: readback: %v", *configFile, err)
			}
			defer readback.Close(src)
			cfg.ReadBack = src
		}
	}
	for _, o := range outs {
		name, arg, _ := strings.Cut(o, "=")
		mk, ok := loadOutputs()[name]
		if !ok || arg == "" {
			return fail(env, "load: -out %q: want json=FILE or prometheus=ADDR", o)
		}
		out, closeOut, err := mk(&Env{Stdout: env.Stdout, Stderr: hints(env, *quiet)}, arg, p.Name)
		if err != nil {
			return fail(env, "load: -out %s: %v", o, err)
		}
		defer closeOut()
		cfg.Outputs = append(cfg.Outputs, out)
	}
	if slices.Contains(outs, "json=-") { // stdout is the attempts: the rest goes to stderr
		env = &Env{Stdin: env.Stdin, Stdout: env.Stderr, Stderr: env.Stderr, Getenv: env.Getenv, IsTerminal: env.IsTerminal}
	}
	if *reportDir != "" { // fail now, not after a long run
		if err := os.MkdirAll(*reportDir, 0o755); err != nil {
			return fail(env, "load: -report-dir: %v", err)
		}
	}
	if s.Duration > 5*time.Second && !*quiet {
		cfg.Progress = progressPrinter(env)
	}
	res, err := load.Run(ctx, cfg)
	if cfg.Progress != nil {
		cfg.Progress(load.Progress{}) // ends a live line
	}
	if err != nil {
		if errors.Is(err, load.ErrConfig) || errors.Is(err, load.ErrScenario) || errors.Is(err, load.ErrSLA) {
			return fail(env, "load: %v", err)
		}
		fmt.Fprintf(env.Stderr, "s2s: load: %v\n", err)
		return ExitInternal
	}
	if err := reports.LoadText(env.Stdout, res); err != nil {
		fmt.Fprintf(env.Stderr, "s2s: load: %v\n", err)
		return ExitInternal
	}
	if *reportDir != "" {
		if err := writeFiles(*reportDir, reports.LoadFiles(res)); err != nil {
			fmt.Fprintf(env.Stderr, "s2s: load: %v\n", err)
			return ExitInternal
		}
		fmt.Fprintf(env.Stdout, "  report     %s\n", filepath.Join(*reportDir, reports.LoadHTMLFile))
	}
	if part := res.Part(); part != nil {
		if err := writePart(*reportDir, part); err != nil {
			fmt.Fprintf(env.Stderr, "s2s: load: %v\n", err)
			return ExitInternal
		}
		fmt.Fprintf(env.Stdout, "  shard %s  %s (s2s load merge)\n", cfg.Shard, filepath.Join(*reportDir, load.PartFile))
	}
	return exitcode.Load(res.Verdict)
}

// readScenario takes a built-in name, or a file when the name is a path.
func readScenario(name string) (*load.Scenario, error) {
	if slices.Contains(load.Builtins(), name) {
		return load.Builtin(name)
	}
	if !strings.ContainsAny(name, `/\`) && !strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".yml") {
		return load.Builtin(name) // the error lists the built-ins
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("-scenario: %w", err)
	}
	s, err := load.ParseScenario(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

// readLoadConfig reads the -config file: package load parses it (with
// ${NAME} from the environment) and checks it against the profiles.
func readLoadConfig(env *Env, path string) (*load.TargetConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := load.ParseTargetConfig(data, env.Getenv)
	if err != nil {
		return nil, err
	}
	if err := c.Check(builtin.All()); err != nil {
		return nil, err
	}
	return c, nil
}

// progressPrinter shows a live line on a terminal and a plain line every 10 s
// otherwise. A zero Progress ends the live line.
func progressPrinter(env *Env) func(load.Progress) {
	live := env.IsTerminal(env.Stderr)
	var last time.Duration
	return func(p load.Progress) {
		if p == (load.Progress{}) {
			if live {
				fmt.Fprint(env.Stderr, "\r\033[K")
			}
			return
		}
		line := fmt.Sprintf("%s / %s  %.0f/s  p95 %s  errors %d  in flight %d",
			p.Elapsed.Truncate(time.Second), p.Duration, p.Rate, reports.Millis(p.P95), p.Errors, p.InFlight)
		if live {
			fmt.Fprintf(env.Stderr, "\r\033[K%s", line)
			return
		}
		if p.Elapsed-last >= 10*time.Second {
			last = p.Elapsed
			fmt.Fprintf(env.Stderr, "s2s: load: %s\n", line)
		}
	}
}

// loadOutputs maps each -out NAME to the constructor of its output, given
// the argument after "="; the func returned closes what it opened.
func loadOutputs() map[string]func(env *Env, arg, profile string) (load.Output, func(), error) {
	return map[string]func(env *Env, arg, profile string) (load.Output, func(), error){
		"json": func(env *Env, path, _ string) (load.Output, func(), error) {
			if path == "-" { // stdout; the summary then goes to stderr (runLoad)
				return load.NewJSONOutput(env.Stdout), func() {}, nil
			}
			f, err := os.Create(path)
			if err != nil {
				return nil, nil, err
			}
			return load.NewJSONOutput(f), func() { f.Close() }, nil
		},
		"prometheus": func(env *Env, addr, profile string) (load.Output, func(), error) {
			if _, _, err := net.SplitHostPort(addr); err != nil {
				return nil, nil, fmt.Errorf("want HOST:PORT, e.g. 127.0.0.1:9464: %w", err)
			}
			o := load.NewPrometheusOutput(addr, profile)
			return announced{o, o.Addr, env.Stderr}, func() {}, nil
		},
	}
}
