package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/internal/exitcode"
	"github.com/s2s-harness/s2s-harness/internal/targeturl"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/readback"
	"github.com/s2s-harness/s2s-harness/reports"
)

func runConform(ctx context.Context, env *Env, args []string) int {
	f, code := parseConformFlags(env, args)
	if code >= 0 {
		return code
	}
	profiles, cfg, opts, code := f.plan(env)
	if code >= 0 {
		return code
	}
	target, closeTarget, code := f.connect(ctx, env, cfg)
	defer closeTarget()
	if code >= 0 {
		return code
	}
	cert, err := conformance.Certify(ctx, target, profiles, opts)
	endLiveLine(env) // an interrupted run's progress line never runs into what follows
	if err != nil {
		return fail(env, "conform: %v", err)
	}
	if err := reports.CertificateText(env.Stdout, cert); err != nil {
		return ExitInternal
	}
	if f.reportDir != "" {
		files := reports.CertificateFiles(cert)
		if err := writeFiles(f.reportDir, files); err != nil {
			fmt.Fprintf(env.Stderr, "s2s: conform: %v\n", err)
			return ExitInternal
		}
		printWritten(env, f.reportDir, files)
	}
	return conformExit(env, cert, f.require == "complete")
}

// conformFlags are the flags of `s2s conform`, parsed.
type conformFlags struct {
	target, config, profiles, inspect, labels, reportDir, require, token string

	seed                int64
	verbose, quiet      bool
	diagnose            bool
	timeout, reqTimeout time.Duration
}

// parseConformFlags parses the arguments of `s2s conform`; a code ≥ 0 is
// the one to stop with.
func parseConformFlags(env *Env, args []string) (*conformFlags, int) {
	f := &conformFlags{}
	fs := flags(env, "conform", "-target URL [-config FILE] [-profile P,...] [-inspect URL|none] [-label-filter EXPR] [-report-dir DIR] [-timeout D] [-require complete]")
	fs.StringVar(&f.target, "target", "", "base URL of the receiver to certify (required), e.g. http://127.0.0.1:8080")
	fs.StringVar(&f.config, "config", "", "target config (YAML or JSON): credentials, rate limits, path prefixes per profile")
	fs.StringVar(&f.profiles, "profile", "", "profiles to check, comma-separated (default: all): "+joinNames())
	fs.StringVar(&f.inspect, "inspect", "", "base URL of the receiver's inspection API (/_s2s/); default: the target when it answers GET /_s2s/health; none: no deep checks")
	fs.StringVar(&f.labels, "label-filter", "", "label filter: rule IDs, levels (MUST, SHOULD, AMBIGUOUS, decision), profiles, areas; e.g. 'MUST && !rate-limit'")
	fs.StringVar(&f.reportDir, "report-dir", "", "write certificate.json, certificate.md, certificate.html and junit.xml into this folder")
	fs.Int64Var(&f.seed, "seed", 0, "generator seed (0: from the clock); the certificate records it, so a run can be repeated")
	fs.BoolVar(&f.verbose, "v", false, "one line per check as it finishes (also -verbose)")
	fs.BoolVar(&f.verbose, "verbose", false, "one line per check as it finishes (the same as -v)")
	quiet := quietFlag(fs)
	fs.DurationVar(&f.timeout, "timeout", defaultConformTimeout, "run deadline: a run that reaches it stops and is incomplete (exit 1); 0: none. The default fits the slowest documented pacing (RevoSurge, 60 requests a minute) many times over")
	fs.DurationVar(&f.reqTimeout, "request-timeout", 15*time.Second, "how long one request may wait for its answer; "+fmt.Sprint(conformance.MaxNoAnswer)+" requests in a row without one stop the run as incomplete")
	fs.StringVar(&f.require, "require", "", "complete: a partial certificate (a MUST rule in scope no check judged, or a layer out of scope) exits 3, for CI")
	fs.StringVar(&f.token, "admin-token", "", "the inspection API's admin token, for a mock started with one (default: $"+adminTokenEnv+")")
	fs.BoolVar(&f.diagnose, "diagnose", true, "after the checks, try the usual other signature schemes, time formats and header spellings and say which the receiver accepts (a few more requests per profile)")
	if code := parse(fs, args); code >= 0 {
		return nil, code
	}
	f.quiet = *quiet
	if fs.NArg() > 0 {
		return nil, fail(env, "conform: unexpected argument %q", fs.Arg(0))
	}
	if f.target == "" {
		return nil, fail(env, "conform: -target is required, e.g. -target http://127.0.0.1:8080")
	}
	if _, err := targeturl.Check(f.target); err != nil {
		return nil, fail(env, "conform: -target %v", err)
	}
	return f, -1
}

// plan checks what the run is to do before it sends anything: the
// profiles, the target config, the label filter and the limits, and the
// plan they make.
func (f *conformFlags) plan(env *Env) ([]*profile.Profile, conformance.Config, conformance.CertifyOptions, int) {
	var opts conformance.CertifyOptions
	profiles, err := builtin.Select(f.profiles)
	if err != nil {
		return nil, conformance.Config{}, opts, fail(env, "conform: -profile: %v", err)
	}
	cfg, err := loadTargetConfig(f.config)
	if err != nil {
		return nil, cfg, opts, fail(env, "conform: %v", err)
	}
	if err := conformance.ValidateLabelFilter(f.labels); err != nil {
		return nil, cfg, opts, fail(env, "conform: -label-filter: %v", err)
	}
	if f.require != "" && f.require != "complete" {
		return nil, cfg, opts, fail(env, "conform: -require %q: want complete", f.require)
	}
	if f.timeout < 0 || f.reqTimeout <= 0 {
		return nil, cfg, opts, fail(env, "conform: -timeout and -request-timeout must be positive (-timeout 0: no deadline)")
	}
	if f.seed == 0 {
		f.seed = time.Now().UnixNano()
	}
	opts = conformance.CertifyOptions{Options: conformance.Options{Seed: f.seed}, LabelFilter: f.labels, Tool: "s2s " + Version,
		Diagnose: f.diagnose, Progress: quietProgress(f.quiet, progress(env, f.verbose)), Timeout: f.timeout,
		OnError: func(err error) { endLiveLine(env); fmt.Fprintf(env.Stderr, "s2s: conform: %v\n", err) }}
	if _, err := conformance.Plan(conformance.Target{URL: f.target, Config: cfg}, profiles, opts); err != nil {
		return nil, cfg, opts, fail(env, "conform: -label-filter: %v", err)
	}
	return profiles, cfg, opts, -1
}

// connect reaches the target: it must answer, its inspection API is found
// (or named), and the config's read-back source is opened (closeTarget
// closes it, also when the code, ≥ 0: stop with it, is set).
func (f *conformFlags) connect(ctx context.Context, env *Env, cfg conformance.Config) (t conformance.Target, closeTarget func(), code int) {
	closeTarget = func() {}
	hc := conformance.Client()
	hc.Timeout = f.reqTimeout
	if err := targeturl.Probe(ctx, hc, f.target); err != nil {
		fmt.Fprintf(env.Stderr, "s2s: conform: %v\n", err)
		return t, closeTarget, ExitInternal
	}
	insp, err := inspection(ctx, hc, f.target, f.inspect)
	if err != nil {
		fmt.Fprintf(env.Stderr, "s2s: conform: %v\n", err)
		return t, closeTarget, ExitInternal
	}
	t = conformance.Target{URL: f.target, Inspect: insp, InspectToken: adminToken(env, f.token), Config: cfg, Client: hc}
	if cfg.Readback != nil {
		if t.Readback, err = readback.Open(ctx, *cfg.Readback, readback.Deps{Env: env.Getenv, Client: hc,
			Profiles: readback.ProfilesOf(builtin.All())}); err != nil {
			return t, closeTarget, fail(env, "conform: target config: %v", err)
		}
		rb := t.Readback
		closeTarget = func() { readback.Close(rb) }
	}
	return t, closeTarget, -1
}

// defaultConformTimeout is the run deadline of `s2s conform`: the slowest
// documented pacing (RevoSurge, 60 requests a minute per key) needs about
// five minutes for a full run with its rate-limit windows; thirty leave room
// for a slow receiver without letting a hanging one hold CI for hours.
const defaultConformTimeout = 30 * time.Minute

// conformExit says on stderr why a certificate does not end in 0 when the
// report alone does not, and returns the code exitcode.Certificate decides.
func conformExit(env *Env, cert *conformance.Certificate, requireComplete bool) int {
	switch {
	case !cert.Complete:
		fmt.Fprintf(env.Stderr, "s2s: conform: incomplete: %s; %d of %d checks ran, the certificate covers only those\n",
			cert.Reason, cert.ChecksRun, cert.ChecksSelected)
	case len(cert.InternalErrors) > 0:
		for _, e := range cert.InternalErrors {
			fmt.Fprintf(env.Stderr, "s2s: conform: %s\n", e)
		}
	case cert.Certified && cert.Partial && requireComplete:
		fmt.Fprintf(env.Stderr, "s2s: conform: -require complete: the certificate is partial (%d MUST rule(s) in scope not judged, %d layer(s) out of scope)\n",
			len(cert.Uncovered), len(cert.Scope))
	}
	return exitcode.Certificate(cert, requireComplete)
}

// loadTargetConfig reads the -config file; no file means every profile's defaults.
func loadTargetConfig(path string) (conformance.Config, error) {
	if path == "" {
		return conformance.Config{}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return conformance.Config{}, fmt.Errorf("-config: %w", err)
	}
	cfg, err := conformance.ParseConfig(data, configFormat(path))
	if err != nil {
		return conformance.Config{}, errors.New(configError(path, data, err))
	}
	if err := cfg.Check(builtin.All()); err != nil {
		return conformance.Config{}, errors.New(configError(path, data, err))
	}
	return cfg, nil
}

// progress reports a run as it goes: with -v one line per finished check on
// stdout; else, on a terminal, one line on stderr rewritten in place, and
// elsewhere a line at most every 10 s, so a run paced to a slow rate limit
// never looks stuck.
func progress(env *Env, verbose bool) func(conformance.Progress) {
	live := env.IsTerminal(env.Stderr)
	var last time.Time
	return func(p conformance.Progress) {
		c := p.Check
		switch {
		case p.Waiting > 0 && live:
			fmt.Fprintf(env.Stderr, "\r\x1b[K[%d/%d] %s %s: %s", p.Index, p.Total, c.Profile, c.Area, waitingText(p))
		case p.Waiting > 0:
			if time.Since(last) >= 10*time.Second {
				last = time.Now()
				fmt.Fprintf(env.Stderr, "s2s: conform: check %d of %d: %s\n", p.Index, p.Total, waitingText(p))
			}
		case verbose && p.Result != nil:
			fmt.Fprintf(env.Stdout, "%-9s %s/%s: %s (%s)\n", p.Result.Status, c.Profile, c.Area, c.Name,
				p.Result.Duration.Round(time.Millisecond))
		case verbose:
		case live && p.Result != nil:
			if p.Index == p.Total {
				fmt.Fprint(env.Stderr, "\r\x1b[K")
			}
		case live:
			fmt.Fprintf(env.Stderr, "\r\x1b[K[%d/%d] %s %s: %s", p.Index, p.Total, c.Profile, c.Area, trimTo(c.Name, 60))
		case p.Result != nil:
		case time.Since(last) >= 10*time.Second:
			last = time.Now()
			fmt.Fprintf(env.Stderr, "s2s: conform: check %d of %d: %s %s: %s\n", p.Index, p.Total, c.Profile, c.Area, c.Name)
		}
	}
}

func trimTo(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
