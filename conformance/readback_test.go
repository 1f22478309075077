package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/readback"
	"github.com/s2s-harness/s2s-harness/readback/readbacktest"
)

// pgDSN is the package's throwaway PostgreSQL ("" when it is not installed
// and CI is unset: the SQL read-back test skips).
var pgDSN string

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pg, err := readbacktest.StartPostgres(ctx)
	switch {
	case errors.Is(err, readbacktest.ErrNoPostgres) && os.Getenv("CI") == "":
		fmt.Fprintln(os.Stderr, "conformance: SQL read-back tests skipped:", err)
	case err != nil:
		fmt.Fprintln(os.Stderr, "conformance: start PostgreSQL:", err)
		return 1
	default:
		pgDSN = pg.DSN
		defer func() { _ = pg.Stop() }()
	}
	return m.Run()
}

// deepRules are the rules the independent receiver is judged on through its
// own record API: each with the mistake that must make it fail.
var deepRules = []struct {
	rule  string
	wrong readbacktest.Wrong
}{
	{"AF-TIME-2", readbacktest.Wrong{TimeAlwaysEventTime: true}},
	{"AF-APP-1", readbacktest.Wrong{RecordsDrop: true}},
	{"PB-IDEM-1", readbacktest.Wrong{RecordsReplay: true}},
}

// deepChecks are the checks of the AppsFlyer and postback profiles that judge
// one of deepRules (not the answer-shape checks that share PB-IDEM-1).
func deepChecks(t *testing.T) []conformance.Check {
	var out []conformance.Check
	for _, name := range []string{"appsflyer", "postback"} {
		p, err := builtin.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range checksOf(t, p) {
			if c.Area == profile.AreaResponse {
				continue
			}
			for _, dr := range deepRules {
				if c.Judges(dr.rule) {
					out = append(out, c)
					break
				}
			}
		}
	}
	return out
}

// judgeThrough runs the deep checks against a receiver reached through src
// and returns the verdicts per rule.
func judgeThrough(t *testing.T, base string, src readback.Source) map[string][]conformance.Verdict {
	t.Helper()
	ps := []*profile.Profile{}
	for _, n := range []string{"appsflyer", "postback"} {
		p, _ := builtin.Lookup(n)
		ps = append(ps, p)
	}
	r, err := conformance.NewRunner(conformance.Target{URL: base, Readback: src}, ps)
	if err != nil {
		t.Fatal(err)
	}
	checks := deepChecks(t)
	out := map[string][]conformance.Verdict{}
	for _, res := range runAll(context.Background(), r, checks) {
		for _, v := range res.Verdicts {
			v.Message = "[" + res.Check.Name + "] " + v.Message
			out[v.Rule] = append(out[v.Rule], v)
		}
	}
	return out
}

// TestDeepChecksThroughReadback: an independently written receiver with its
// own record API (HTTP JSON, and the same rows in PostgreSQL read by SQL)
// passes AF-TIME-2, AF-APP-1 and PB-IDEM-1 when it records correctly, and
// fails exactly the rule whose recording it gets wrong.
func TestDeepChecksThroughReadback(t *testing.T) {
	type source struct {
		name  string
		clock bool
		open  func(t *testing.T, w readbacktest.Wrong) (base string, src readback.Source)
	}
	profiles := readback.ProfilesOf(builtin.All())
	sources := []source{
		{"http", true, func(t *testing.T, w readbacktest.Wrong) (string, readback.Source) {
			rv := readbacktest.New(w, nil)
			rv.Token = "t0ken"
			srv := httptest.NewServer(rv.Handler())
			t.Cleanup(srv.Close)
			env := func(k string) string { return map[string]string{"VENDOR_TOKEN": "t0ken"}[k] }
			src, err := readback.Open(context.Background(), readbacktest.Config(srv.URL, "VENDOR_TOKEN"), readback.Deps{Env: env, Profiles: profiles})
			if err != nil {
				t.Fatal(err)
			}
			return srv.URL, src
		}},
		{"sql", false, func(t *testing.T, w readbacktest.Wrong) (string, readback.Source) {
			if pgDSN == "" {
				t.Skip("PostgreSQL is not installed (apt-get install -y postgresql); CI installs it")
			}
			ctx := context.Background()
			store, err := readbacktest.NewPG(ctx, pgDSN)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(store.Close)
			srv := httptest.NewServer(readbacktest.New(w, store).Handler())
			t.Cleanup(srv.Close)
			src, err := readback.Open(ctx, readbacktest.SQLConfig(pgDSN), readback.Deps{Profiles: profiles})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { readback.Close(src) })
			return srv.URL, src
		}},
	}
	for _, sc := range sources {
		t.Run(sc.name+"/correct", func(t *testing.T) {
			base, src := sc.open(t, readbacktest.Wrong{})
			got := judgeThrough(t, base, src)
			for _, dr := range deepRules {
				passes := 0
				for _, v := range got[dr.rule] {
					switch {
					case v.Status == conformance.Pass:
						passes++
					case v.Status == conformance.Skip && !sc.clock && dr.rule == "AF-TIME-2":
						// Exact instants need the receiver's clock; the SQL
						// read-back cannot move it.
						if !strings.Contains(v.Message, "clock") {
							t.Errorf("%s skipped for another reason than the clock: %s", dr.rule, v.Message)
						}
					default:
						t.Errorf("%s %s: %s", dr.rule, v.Status, v.Message)
					}
				}
				if passes == 0 {
					t.Errorf("%s: no passing verdict", dr.rule)
				}
			}
			if !sc.clock {
				// Without a clock the live cases still judge AF-TIME-2.
				live := 0
				for _, v := range got["AF-TIME-2"] {
					if v.Status == conformance.Pass {
						live++
					}
				}
				if live != 4 {
					t.Errorf("AF-TIME-2 without a clock: %d live cases passed, want 4", live)
				}
			}
		})
		for _, dr := range deepRules {
			t.Run(sc.name+"/wrong "+dr.rule, func(t *testing.T) {
				base, src := sc.open(t, dr.wrong)
				got := judgeThrough(t, base, src)
				failed := false
				for _, v := range got[dr.rule] {
					failed = failed || v.Status == conformance.Fail
				}
				if !failed {
					t.Errorf("%s: a receiver that records it wrongly is not failed: %v", dr.rule, got[dr.rule])
				}
				for _, other := range deepRules {
					if other.rule == dr.rule {
						continue
					}
					for _, v := range got[other.rule] {
						if v.Status == conformance.Fail {
							t.Errorf("the %s mistake also failed %s: %s", dr.rule, other.rule, v.Message)
						}
					}
				}
			})
		}
	}
}
