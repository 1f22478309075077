package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/mockserver/proxy"
	"github.com/s2s-harness/s2s-harness/mockserver/redisstore"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/reports"
)

// runMock serves every profile's reference implementation until interrupted:
// ExitOK after a graceful shutdown, ExitInternal when it cannot listen or
// serve, ExitUsage for bad flags or config (the message names the key).
func runMock(ctx context.Context, env *Env, args []string) int {
	f, code := parseMockFlags(env, args)
	if code >= 0 {
		return code
	}
	cfg, data, code := f.mockConfig(env)
	if code >= 0 {
		return code
	}
	generated, code := f.applyAdminToken(env, &cfg)
	if code >= 0 {
		return code
	}
	profiles, err := builtin.Select(f.profiles)
	if err != nil {
		return fail(env, "mock: -profiles: %v", err)
	}
	log, err := logger(env.Stderr, f.logLevel, f.logFormat)
	if err != nil {
		return fail(env, "mock: %v", err)
	}
	opts, closeStore, code := mockOptions(ctx, env, cfg, profiles, log)
	if code >= 0 {
		return code
	}
	defer closeStore()
	m, err := mockserver.New(profiles, opts...)
	if err != nil {
		if f.config != "" {
			return fail(env, "mock: %s", configError(f.config, data, err))
		}
		return fail(env, "mock: %v", err)
	}
	return f.serve(ctx, env, m, profiles, log, generated)
}

// mockFlags are the flags of `s2s mock`, parsed.
type mockFlags struct {
	addr, adminToken, proxy, caOut, config, mode, profiles, logLevel, logFormat, store string

	allowOpen bool
}

// parseMockFlags parses the arguments of `s2s mock`; a code ≥ 0 is the one
// to stop with.
func parseMockFlags(env *Env, args []string) (*mockFlags, int) {
	f := &mockFlags{}
	fs := flags(env, "mock", "[-addr 127.0.0.1:8080] [-config FILE] [-mode strict|lenient|permissive] [-profiles a,b] [-admin-token T] [-store redis://host:6379/0] [-proxy 127.0.0.1:8443 -ca-out ca.pem]")
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&f.adminToken, "admin-token", "", "bearer `token` the /_s2s/ inspection API requires (default: $"+adminTokenEnv+", then the config's admin_token; generated on a non-loopback -addr)")
	fs.BoolVar(&f.allowOpen, "allow-open-admin", false, "serve the /_s2s/ API without a token on a non-loopback -addr (instead of generating one)")
	fs.StringVar(&f.proxy, "proxy", "", "also listen here as an HTTPS proxy (CONNECT) for the documented production hosts, e.g. 127.0.0.1:8443")
	fs.StringVar(&f.caOut, "ca-out", "s2s-mock-ca.pem", "with -proxy: write the proxy's CA certificate (PEM) to this `file`, for SSL_CERT_FILE (Go) or CURL_CA_BUNDLE (curl)")
	fs.StringVar(&f.config, "config", "", "YAML or JSON config `file` (keys: docs/mock.md)")
	fs.StringVar(&f.mode, "mode", "", "strict, lenient or permissive (accept all the seed documents do not forbid); overrides the config (default strict)")
	fs.StringVar(&f.profiles, "profiles", "all", "comma-separated profiles to serve")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error (debug logs every request)")
	fs.StringVar(&f.logFormat, "log-format", "text", "text or json")
	fs.StringVar(&f.store, "store", "", "where the state lives: memory (default) or a Redis URL (redis://host:6379/0, rediss:// for TLS) shared by replicas; overrides the config")
	if code := parse(fs, args); code >= 0 {
		return nil, code
	}
	if fs.NArg() > 0 {
		return nil, fail(env, "mock: unexpected arguments %q", fs.Args())
	}
	return f, -1
}

// mockConfig is the -config file with -mode and -store over it; data is the
// file, for the lines of later errors.
func (f *mockFlags) mockConfig(env *Env) (cfg mockserver.Config, data []byte, code int) {
	if f.config != "" {
		var err error
		if data, err = os.ReadFile(f.config); err != nil {
			return cfg, nil, fail(env, "mock: %v", err)
		}
		if cfg, err = mockserver.ParseConfig(data, configFormat(f.config)); err != nil {
			return cfg, nil, fail(env, "mock: %s", configError(f.config, data, err))
		}
	}
	if f.mode != "" {
		m, err := profile.ParseMode(f.mode)
		if err != nil {
			return cfg, nil, fail(env, "mock: -mode: %v", err)
		}
		cfg.Mode = m
	}
	if f.store != "" {
		cfg.Store = f.store
	}
	if err := mockserver.CheckStore(cfg.Store); err != nil {
		return cfg, nil, fail(env, "mock: %v", err)
	}
	return cfg, data, -1
}

// applyAdminToken sets cfg's admin token: -admin-token, else $S2S_ADMIN_TOKEN,
// else the config's; generated (and returned) when an address is reachable
// from outside and the admin API is not explicitly left open.
func (f *mockFlags) applyAdminToken(env *Env, cfg *mockserver.Config) (generated string, code int) {
	if f.adminToken != "" {
		cfg.AdminToken = f.adminToken
	} else if t := strings.TrimSpace(env.Getenv(adminTokenEnv)); t != "" {
		cfg.AdminToken = t // a Secret's file often ends in a newline
	}
	for _, a := range []string{f.addr, f.proxy} {
		if a == "" {
			continue
		}
		exposed, err := exposure(a)
		if err != nil {
			return "", fail(env, "mock: %v", err)
		}
		if exposed && cfg.AdminToken == "" && !f.allowOpen {
			// Zero configuration in a container, yet never an open admin API.
			cfg.AdminToken = rand.Text()
			generated = cfg.AdminToken
		}
	}
	return generated, -1
}

// mockOptions are the mock's options, with its state in Redis when the
// store says so; closeStore closes that connection.
func mockOptions(ctx context.Context, env *Env, cfg mockserver.Config, profiles []*profile.Profile, log *slog.Logger) (opts []mockserver.Option, closeStore func(), code int) {
	opts = []mockserver.Option{mockserver.WithConfig(cfg), mockserver.WithLogger(log), mockserver.WithVersion(Version),
		mockserver.WithSessionReport(reports.SessionCertificate(profiles, configuredSecrets(cfg), "s2s "+Version))}
	if cfg.Store == "" || cfg.Store == mockserver.StoreMemory {
		return opts, func() {}, -1
	}
	octx, cancel := context.WithTimeout(ctx, 10*time.Second)
	st, err := redisstore.Open(octx, cfg.Store, redisstore.Options{})
	cancel()
	if err != nil {
		fmt.Fprintf(env.Stderr, "s2s: mock: %v\n", err)
		return nil, nil, ExitInternal
	}
	log.Info("state in Redis", "addr", st.Client().Options().Addr, "db", st.Client().Options().DB)
	return append(opts, mockserver.WithState(st.State())), func() { st.Close() }, -1
}

// serve listens on -addr (and -proxy), prints the banner (with the admin
// token when it was generated) and serves until ctx is done.
func (f *mockFlags) serve(ctx context.Context, env *Env, m *mockserver.Mock, profiles []*profile.Profile, log *slog.Logger, generated string) int {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		fmt.Fprintf(env.Stderr, "s2s: mock: %v\n", err)
		return ExitInternal
	}
	base := "http://" + ln.Addr().String()
	banner(env.Stdout, base, m)
	if generated != "" {
		fmt.Fprintf(env.Stdout, "admin token %s\n  generated for this run: /_s2s/ needs \"Authorization: Bearer %s\"; set $%s (or -admin-token) to choose one\n\n",
			generated, generated, adminTokenEnv)
		log.Warn("no admin token given for a reachable address: generated one, printed on stdout", "env", adminTokenEnv)
	}
	log.Info("mock listening", "url", base, "mode", m.Mode(), "profiles", len(profiles))
	if f.proxy != "" {
		stop, err := startProxy(ctx, env, m, profiles, f.proxy, f.caOut, log)
		if err != nil {
			fmt.Fprintf(env.Stderr, "s2s: mock: -proxy: %v\n", err)
			return ExitInternal
		}
		defer stop()
	}
	if err := m.Serve(ctx, ln); err != nil {
		fmt.Fprintf(env.Stderr, "s2s: mock: %v\n", err)
		return ExitInternal
	}
	log.Info("mock stopped")
	return ExitOK
}

// startProxy writes the CA, listens on addr and serves the proxy until ctx
// is done; stop waits for it.
func startProxy(ctx context.Context, env *Env, m *mockserver.Mock, profiles []*profile.Profile, addr, caOut string, log *slog.Logger) (stop func(), err error) {
	ca, err := proxy.NewCA(time.Now())
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(caOut, ca.PEM(), 0o644); err != nil {
		return nil, fmt.Errorf("-ca-out: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	hosts := proxy.Hosts(profiles)
	p := proxy.New(m, hosts, ca, log)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := p.Serve(ctx, ln); err != nil {
			log.Error("proxy stopped", "err", err)
		}
	}()
	u := "http://" + ln.Addr().String()
	fmt.Fprintf(env.Stdout, "https proxy %s for %s (CA: %s)\n  HTTPS_PROXY=%s SSL_CERT_FILE=%s your-go-sender\n  HTTPS_PROXY=%s CURL_CA_BUNDLE=%s your-curl-script   (curl ignores SSL_CERT_FILE)\n\n",
		u, strings.Join(hosts, ", "), caOut, u, caOut, u, caOut)
	return func() { <-done }, nil
}

// exposure tells whether addr is reachable from other hosts: there the
// inspection API, which can reset state and switch rules off, needs a token.
func exposure(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("-addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return false, nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return false, nil
	}
	return true, nil
}

// configFormat tells a config file's format by its extension ("" lets the
// decoder tell by the first byte).
func configFormat(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return "json"
	case ".yaml", ".yml":
		return "yaml"
	}
	return ""
}

func logger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", level)
	}
	o := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return nil, errors.New("-log-format: want text or json")
}

// banner tells a newcomer where everything is and which credentials work.
func banner(w io.Writer, base string, m *mockserver.Mock) {
	served := m.Served()
	fmt.Fprintf(w, "s2s mock %s: %d profiles at %s (mode %s)\n", Version, len(served), base, m.Mode())
	for _, s := range served {
		fmt.Fprintf(w, "\n%s: %s\n", s.Name, s.Title)
		for _, e := range s.Endpoints {
			method, path, _ := strings.Cut(e, " ")
			fmt.Fprintf(w, "  %-6s %s%s\n", method, base, path)
		}
		fmt.Fprintf(w, "  auth   %s\n", s.Scheme)
		if s.Configured {
			// Custom secrets never go to a terminal or a log.
			fmt.Fprintf(w, "         credentials from the config (not printed)\n")
		} else {
			for _, line := range credentialLines(s.Credentials) {
				fmt.Fprintf(w, "         %s\n", line)
			}
		}
		if s.Rate != nil {
			fmt.Fprintf(w, "  limit  %s\n", s.Rate)
		}
	}
	p := base + strings.TrimSuffix(inspect.Prefix, "/")
	fmt.Fprintf(w, "\ninspection  %s/health  %s/journal  %s/stats\nmetrics     %s/metrics\n", p, p, p, base)
	fmt.Fprintf(w, "inspector   %s%s  (live requests, sessions, faults; in a browser)\n", base, mockserver.UIPath)
	fmt.Fprintf(w, "curl examples for every profile: docs/mock.md\n\n")
}

func credentialLines(c profile.Credentials) []string {
	var out []string
	if len(c.APIKeys) > 0 {
		out = append(out, "api keys: "+strings.Join(c.APIKeys, ", "))
	}
	for _, a := range c.Apps {
		line := fmt.Sprintf("app %s secret %s", a.ID, a.Secret)
		if a.Platform != "" {
			line += " (" + a.Platform + ")"
		}
		out = append(out, line)
	}
	if c.JWTSecret != "" {
		out = append(out, "jwt secret: "+c.JWTSecret)
	}
	if c.HMACSecret != "" {
		out = append(out, "hmac secret: "+c.HMACSecret)
	}
	if c.Subject != "" {
		out = append(out, "subject: "+c.Subject)
	}
	return out
}

// configuredSecrets are the credentials of the config, scrubbed from the
// inspector's sender certificates (the defaults are scrubbed anyway).
func configuredSecrets(cfg mockserver.Config) []string {
	var out []string
	for _, pc := range cfg.Profiles {
		if pc.Credentials != nil {
			out = append(out, pc.Credentials.Secrets()...)
		}
	}
	return append(out, cfg.AdminToken)
}
