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
	"github.com/s2s-harness/s2s-harness/profile"
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
	f, code := parseLoadFlags(env, args)
	if code >= 0 {
		return code
	}
	p, code := lookup(env, "load", f.profile)
	if code >= 0 {
		return code
	}
	s, code := f.runScenario(env)
	if code >= 0 {
		return code
	}
	if _, err := targeturl.Check(f.target); err != nil {
		return fail(env, "load: -target %v", err)
	}
	cfg, closeAll, code := f.runConfig(ctx, env, p, s)
	defer closeAll()
	if code >= 0 {
		return code
	}
	if slices.Contains(f.outs, "json=-") { // stdout is the attempts: the rest goes to stderr
		env = &Env{Stdin: env.Stdin, Stdout: env.Stderr, Stderr: env.Stderr, Getenv: env.Getenv, IsTerminal: env.IsTerminal}
	}
	if f.reportDir != "" { // fail now, not after a long run
		if err := os.MkdirAll(f.reportDir, 0o755); err != nil {
			return fail(env, "load: -report-dir: %v", err)
		}
	}
	if s.Duration > 5*time.Second && !f.quiet {
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
	return writeLoadResult(env, f.reportDir, cfg.Shard, res)
}

// loadFlags are the flags of `s2s load`, parsed.
type loadFlags struct {
	target, profile, scenario, rate, sla, inspect, token, config, reportDir, shard string

	duration    time.Duration
	maxInFlight int
	seed        int64
	quiet       bool
	outs        []string        // -out, in order
	set         map[string]bool // the flags given, by name
}

// parseLoadFlags parses the arguments of `s2s load`; a code ≥ 0 is the
// one to stop with.
func parseLoadFlags(env *Env, args []string) (*loadFlags, int) {
	f := &loadFlags{set: map[string]bool{}}
	fs := flags(env, "load", "-target URL -profile P [-scenario NAME|FILE] [-rate 500/s|max] [-duration 60s] [-sla FILE] [-inspect URL|none] [-config FILE] [-report-dir DIR] [-shard i/N]  |  s2s load merge [-report-dir DIR] SHARD-DIR…")
	fs.StringVar(&f.target, "target", "", "base URL of the receiver, e.g. http://127.0.0.1:8080")
	fs.StringVar(&f.profile, "profile", "", "profile: "+joinNames())
	fs.StringVar(&f.scenario, "scenario", "constant", "built-in scenario ("+strings.Join(load.Builtins(), ", ")+") or a YAML file")
	fs.StringVar(&f.rate, "rate", "", "base arrival rate, e.g. 500/s, 30/m, or max for a closed-loop probe (default: the scenario's)")
	fs.DurationVar(&f.duration, "duration", 0, "run length (default: the scenario's)")
	fs.IntVar(&f.maxInFlight, "max-in-flight", 0, "most requests on the wire at once (default: the scenario's)")
	fs.StringVar(&f.sla, "sla", "", "SLA thresholds file (default: the postback seed's section 11)")
	fs.Int64Var(&f.seed, "seed", 0, "workload seed; default a fresh one per run (the report records it), so reruns never look like replays")
	fs.StringVar(&f.inspect, "inspect", "", "inspection API of the receiver (/_s2s/), for duplicates, loss, ingest lag, discrepancy; default: the target when it answers GET /_s2s/health; none: off")
	fs.StringVar(&f.token, "admin-token", "", "the inspection API's admin token, for a mock started with one (default: $"+adminTokenEnv+")")
	fs.StringVar(&f.config, "config", "", "YAML file with the target's credentials and extra headers")
	fs.StringVar(&f.reportDir, "report-dir", "", "write load.json, load.md, load.html and junit.xml here")
	fs.StringVar(&f.shard, "shard", "", "`i/N`: send every N-th arrival of the schedule from the i-th, and write part.json into -report-dir for s2s load merge")
	quiet := quietFlag(fs)
	fs.Func("out", "live output while the run runs, repeatable: json=FILE (one JSON line per attempt), prometheus=ADDR (metrics at http://ADDR/metrics)",
		func(v string) error { f.outs = append(f.outs, v); return nil })
	if code := parse(fs, args); code >= 0 {
		return nil, code
	}
	if fs.NArg() > 0 {
		return nil, fail(env, "load: unexpected argument %q", fs.Arg(0))
	}
	if f.target == "" {
		return nil, fail(env, "load: -target is required, e.g. -target http://127.0.0.1:8080")
	}
	f.quiet = *quiet
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	return f, -1
}

// runScenario is -scenario with -rate, -duration, -seed and -max-in-flight
// put over it, validated; a code ≥ 0 is the one to stop with.
func (f *loadFlags) runScenario(env *Env) (*load.Scenario, int) {
	s, err := readScenario(f.scenario)
	if err != nil {
		return nil, fail(env, "load: %v", err)
	}
	if f.set["rate"] {
		if s.Rate, s.Max, err = load.ParseRate(f.rate); err != nil {
			return nil, fail(env, "load: -rate: %v", err)
		}
		if s.Max {
			s.Shape = nil
		}
	}
	if f.set["duration"] {
		s.Duration = f.duration
	}
	if f.set["seed"] {
		s.Seed = f.seed
	}
	if f.set["max-in-flight"] {
		if f.maxInFlight < 1 {
			return nil, fail(env, "load: -max-in-flight %d: want ≥ 1", f.maxInFlight)
		}
		s.MaxInFlight = f.maxInFlight
	}
	if err := s.Validate(); err != nil {
		return nil, fail(env, "load: scenario %s: %v", s.Name, err)
	}
	return s, -1
}

// runConfig is the run's config from the flags: the inspection API, the
// shard, the SLA, the -config file (credentials, headers, read-back) and the
// -out outputs. closeAll closes what it opened, also when the code (≥ 0:
// stop with it) is set.
func (f *loadFlags) runConfig(ctx context.Context, env *Env, p *profile.Profile, s *load.Scenario) (cfg load.Config, closeAll func(), code int) {
	var closers []func()
	closeAll = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	insp, err := inspection(ctx, &http.Client{Timeout: 10 * time.Second}, f.target, f.inspect)
	if err != nil {
		fmt.Fprintf(env.Stderr, "s2s: load: %v\n", err)
		return cfg, closeAll, ExitInternal
	}
	cfg = load.Config{Profile: p, Target: f.target, Scenario: s, Inspect: insp, Version: Version,
		InspectToken: adminToken(env, f.token)}
	if code := f.applyShard(env, &cfg); code >= 0 {
		return cfg, closeAll, code
	}
	if code := f.applySLA(env, &cfg); code >= 0 {
		return cfg, closeAll, code
	}
	if code := f.applyConfigFile(ctx, env, &cfg, &closers); code >= 0 {
		return cfg, closeAll, code
	}
	return cfg, closeAll, f.openOutputs(env, &cfg, &closers)
}

// applyShard sets the run's share of the schedule from -shard.
func (f *loadFlags) applyShard(env *Env, cfg *load.Config) int {
	if f.shard == "" {
		return -1
	}
	var err error
	if cfg.Shard, err = load.ParseShard(f.shard); err != nil {
		return fail(env, "load: -shard: %v", err)
	}
	if f.reportDir == "" {
		return fail(env, "load: -shard %s needs -report-dir: the shard's part (%s) is written there for s2s load merge", f.shard, load.PartFile)
	}
	return -1
}

// applySLA reads the -sla file.
func (f *loadFlags) applySLA(env *Env, cfg *load.Config) int {
	if f.sla == "" {
		return -1
	}
	data, err := os.ReadFile(f.sla)
	if err != nil {
		return fail(env, "load: -sla: %v", err)
	}
	if cfg.SLA, err = load.ParseSLA(data); err != nil {
		return fail(env, "load: %s: %v", f.sla, err)
	}
	return -1
}

// applyConfigFile puts the -config file into cfg and opens its read-back
// source (closed by a closer it adds).
func (f *loadFlags) applyConfigFile(ctx context.Context, env *Env, cfg *load.Config, closers *[]func()) int {
	if f.config == "" {
		return -1
	}
	c, err := readLoadConfig(env, f.config)
	if err != nil {
		return fail(env, "load: %s", fileConfigError(f.config, err))
	}
	c.Apply(cfg)
	if c.Readback == nil {
		return -1
	}
	src, err := readback.Open(ctx, *c.Readback, readback.Deps{Env: env.Getenv,
		Client: &http.Client{Timeout: 15 * time.Second}, Profiles: readback.ProfilesOf(builtin.All())})
	if err != nil {
		return fail(env, "load: %s: readback: %v", f.config, err)
	}
	*closers = append(*closers, func() { readback.Close(src) })
	cfg.ReadBack = src
	return -1
}

// openOutputs opens each -out output (closed by the closers it adds).
func (f *loadFlags) openOutputs(env *Env, cfg *load.Config, closers *[]func()) int {
	for _, o := range f.outs {
		name, arg, _ := strings.Cut(o, "=")
		mk, ok := loadOutputs()[name]
		if !ok || arg == "" {
			return fail(env, "load: -out %q: want json=FILE or prometheus=ADDR", o)
		}
		out, closeOut, err := mk(&Env{Stdout: env.Stdout, Stderr: hints(env, f.quiet)}, arg, cfg.Profile.Name)
		if err != nil {
			return fail(env, "load: -out %s: %v", o, err)
		}
		*closers = append(*closers, closeOut)
		cfg.Outputs = append(cfg.Outputs, out)
	}
	return -1
}

// writeLoadResult prints the run's summary, writes its reports (and the
// shard's part) into dir when set, and returns the code its verdict ends in.
func writeLoadResult(env *Env, dir string, shard load.Shard, res *load.Result) int {
	if err := reports.LoadText(env.Stdout, res); err != nil {
		fmt.Fprintf(env.Stderr, "s2s: load: %v\n", err)
		return ExitInternal
	}
	if dir != "" {
		if err := writeFiles(dir, reports.LoadFiles(res)); err != nil {
			fmt.Fprintf(env.Stderr, "s2s: load: %v\n", err)
			return ExitInternal
		}
		fmt.Fprintf(env.Stdout, "  report     %s\n", filepath.Join(dir, reports.LoadHTMLFile))
	}
	if part := res.Part(); part != nil {
		if err := writePart(dir, part); err != nil {
			fmt.Fprintf(env.Stderr, "s2s: load: %v\n", err)
			return ExitInternal
		}
		fmt.Fprintf(env.Stdout, "  shard %s  %s (s2s load merge)\n", shard, filepath.Join(dir, load.PartFile))
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
