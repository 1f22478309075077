package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/internal/exitcode"
	"github.com/s2s-harness/s2s-harness/internal/targeturl"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/reports"
	"github.com/s2s-harness/s2s-harness/verify"
)

// adminTokenEnv is read when -admin-token is not given.
const adminTokenEnv = "S2S_ADMIN_TOKEN"

// adminToken is the token a client of the inspection API sends: the
// -admin-token flag's, else $S2S_ADMIN_TOKEN's, trimmed (a Secret made from a
// file often ends in a newline).
func adminToken(env *Env, flag string) string {
	if flag != "" {
		return flag
	}
	return strings.TrimSpace(env.Getenv(adminTokenEnv))
}

// runVerify certifies a sender from what the mock saw of it, or opens the
// session that scopes it.
func runVerify(ctx context.Context, env *Env, args []string) int {
	f, o, code := parseVerifyFlags(env, args)
	if code >= 0 {
		return code
	}
	c, err := inspect.NewClient(f.mock, nil)
	if err != nil {
		return fail(env, "verify: -mock: %v", err)
	}
	if t := adminToken(env, f.token); t != "" {
		c = c.WithToken(t)
	}
	if f.open != "" {
		return f.openSession(ctx, env, c)
	}
	h, err := c.Health(ctx)
	if err != nil {
		fmt.Fprintf(env.Stderr, "s2s: verify: mock unreachable: %s\n", targeturl.NetText(err))
		return ExitInternal
	}
	profiles, err := builtin.Select(strings.Join(slices.DeleteFunc(h.Profiles, func(n string) bool {
		return !slices.Contains(builtin.Names(), n)
	}), ","))
	if err != nil {
		return fail(env, "verify: %v", err)
	}
	res, err := verify.Verify(ctx, c, f.mock, profiles, o)
	if err != nil {
		fmt.Fprintf(env.Stderr, "s2s: verify: %v\n", err)
		return ExitInternal
	}
	judged := time.Now().UTC()
	res.Tool, res.JudgedAt = "s2s "+Version, &judged
	if err := reports.SenderRenderers(res)[f.format](env.Stdout); err != nil {
		return ExitInternal
	}
	if f.reportDir != "" {
		if err := writeFiles(f.reportDir, reports.SenderFiles(res)); err != nil {
			fmt.Fprintf(env.Stderr, "s2s: verify: %v\n", err)
			return ExitInternal
		}
		fmt.Fprintf(hints(env, f.quiet), "sender certificate: %s\n", filepath.Join(f.reportDir, reports.SenderJSONFile))
	}
	if res.Verdict == verify.Incomplete {
		fmt.Fprintf(env.Stderr, "s2s: verify: incomplete: %s\n", res.IncompleteReason)
	}
	return exitcode.Sender(res)
}

// verifyFlags are the flags of `s2s verify`, parsed.
type verifyFlags struct {
	mock, format, reportDir, token, open string

	quiet bool
}

// parseVerifyFlags parses the arguments of `s2s verify` into its flags and
// the verification's options; a code ≥ 0 is the one to stop with.
func parseVerifyFlags(env *Env, args []string) (*verifyFlags, verify.Options, int) {
	f := &verifyFlags{}
	var o verify.Options
	fs := flags(env, "verify", "-mock URL [-session ID | -since T [-until T]] [-format text|json|md|html|junit] [-report-dir DIR] | -mock URL -open SPEC")
	fs.StringVar(&f.mock, "mock", "http://127.0.0.1:8080", "base URL of the mock (its /_s2s/ inspection API)")
	fs.StringVar(&o.Session, "session", "", "judge this session's requests (POST /_s2s/sessions, or -open)")
	since := fs.String("since", "", "judge requests received at or after this RFC 3339 time")
	until := fs.String("until", "", "judge requests received before this RFC 3339 time")
	fs.StringVar(&f.format, "format", "text", "text, json, md, html or junit, on stdout")
	fs.StringVar(&f.reportDir, "report-dir", "", "also write sender.json, sender.md, sender.html and sender-junit.xml into this folder")
	fs.StringVar(&f.token, "admin-token", "", "the mock's admin token (default: $"+adminTokenEnv+")")
	fs.StringVar(&f.open, "open", "", `open a session and print it instead, e.g. '{"name":"team-a","script":{"status":503,"failures":3}}'`)
	fs.IntVar(&o.Examples, "examples", verify.DefaultExamples, "offending requests shown per rule")
	quiet := quietFlag(fs)
	if code := parse(fs, args); code >= 0 {
		return nil, o, code
	}
	f.quiet = *quiet
	if fs.NArg() > 0 {
		return nil, o, fail(env, "verify: unexpected argument %q", fs.Arg(0))
	}
	for _, t := range []struct {
		name, give string
		to         *time.Time
	}{{"since", *since, &o.Since}, {"until", *until, &o.Until}} {
		if t.give == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339Nano, t.give)
		if err != nil {
			return nil, o, fail(env, "verify: -%s %q: want an RFC 3339 time, e.g. 2026-01-02T15:04:05Z", t.name, t.give)
		}
		*t.to = v
	}
	render, ok := reports.SenderRenderers(&verify.Result{})[f.format]
	if !ok || render == nil {
		return nil, o, fail(env, "verify: -format %q: want text, json, md, html or junit", f.format)
	}
	return f, o, -1
}

// openSession is -open: it opens a session on the mock and prints it.
func (f *verifyFlags) openSession(ctx context.Context, env *Env, c *inspect.Client) int {
	var spec inspect.SessionSpec
	if err := configfile.Decode([]byte(f.open), "json", &spec); err != nil {
		return fail(env, "verify: -open: %v", err)
	}
	s, err := c.OpenSession(ctx, spec)
	if err != nil {
		fmt.Fprintf(env.Stderr, "s2s: verify: %v\n", err)
		return ExitInternal
	}
	out, _ := json.MarshalIndent(s, "", "  ")
	fmt.Fprintf(env.Stdout, "%s\n", out) // the session alone on stdout: | jq -r .id
	fmt.Fprintf(hints(env, f.quiet), "send with header %s: %s; then: s2s verify -mock %s -session %s\n",
		inspect.SessionHeader, s.ID, f.mock, s.ID)
	return ExitOK
}
