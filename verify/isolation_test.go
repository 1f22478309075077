package verify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/redistest"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/mockserver/redisstore"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/verify"
)

var redisServer *redistest.Server

func TestMain(m *testing.M) {
	os.Exit(redistest.Main(func(s *redistest.Server) int {
		redisServer = s
		return m.Run()
	}))
}

var redisPrefixes atomic.Int64

// failing returns the rule IDs a certificate fails.
func failing(r *verify.Result) []string {
	var out []string
	for id, st := range statuses(r) {
		if st == verify.Fail {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// TestConformLeavesOpenSessionsAlone: a QA session that is NOT CERTIFIED
// stays so, with the same requests and failures, after a full `s2s conform`
// of the same profile on the same mock (in memory and on Redis); a global
// reset is refused while it is open, naming it.
func TestConformLeavesOpenSessionsAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("a full conformance run of one profile")
	}
	for _, store := range []string{"memory", "redis"} {
		t.Run(store, func(t *testing.T) {
			var opts []mockserver.Option
			if store == "redis" {
				if redisServer == nil {
					t.Skip("redis-server is not installed; set CI=1 to make this a failure")
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				st, err := redisstore.Open(ctx, redisServer.URL(0), redisstore.Options{Prefix: fmt.Sprintf("iso%d:", redisPrefixes.Add(1))})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = st.Close() })
				opts = append(opts, mockserver.WithState(st.State()))
			}
			w := newWorldWith(t, mockserver.Config{}, opts...)
			ctx := context.Background()
			qa, err := w.c.OpenSession(ctx, inspect.SessionSpec{Name: "qa-team"})
			if err != nil {
				t.Fatal(err)
			}
			w.post(t, qa.ID, w.event(t))
			bad := w.event(t)
			delete(bad.Body.(map[string]any), "ip_address") // RS-BODY-1: rejected, a MUST
			w.post(t, qa.ID, bad)
			before := w.verify(t, qa.ID)
			if before.Verdict != verify.NotCertified || before.Requests != 2 {
				t.Fatalf("QA session before: %s on %d requests, want not certified on 2", before.Verdict, before.Requests)
			}

			var apiErr *inspect.APIError
			if err := w.c.Reset(ctx, ""); !errors.As(err, &apiErr) || apiErr.Status != 409 ||
				!strings.Contains(apiErr.Body, qa.ID) || !strings.Contains(apiErr.Body, "qa-team") {
				t.Fatalf("global reset with a session open: %v, want a 409 naming %s (qa-team)", err, qa.ID)
			}

			ran, failed := 0, 0
			_, err = conformance.Certify(ctx, conformance.Target{URL: w.url, Inspect: w.url}, []*profile.Profile{w.p},
				conformance.CertifyOptions{Progress: func(pr conformance.Progress) {
					if pr.Result == nil {
						return
					}
					if pr.Result.Status != conformance.Skip {
						ran++
					}
					if pr.Result.Status == conformance.Fail {
						failed++
						t.Logf("conform failed %s: %s", pr.Check.Name, pr.Result.Message)
					}
				}})
			if err != nil {
				t.Fatal(err)
			}
			// The reference mock passes its own suite inside a session too: its
			// scoped resets, clock and cursors work.
			t.Logf("conformance: %d checks ran, %d failed", ran, failed)
			if ran == 0 || failed > 0 {
				t.Fatalf("the conformance run ran %d checks, %d failed; want some, none failed", ran, failed)
			}

			after := w.verify(t, qa.ID)
			if after.Verdict != verify.NotCertified || after.Requests != before.Requests || !after.Complete ||
				!slices.Equal(failing(after), failing(before)) {
				t.Errorf("QA session after conform: %s on %d requests (complete %v) failing %v; before: %s on %d failing %v",
					after.Verdict, after.Requests, after.Complete, failing(after), before.Verdict, before.Requests, failing(before))
			}
			ss, err := w.sessions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range ss {
				if s.Name == "s2s conform" && s.EndedAt == nil {
					t.Errorf("the conformance run left its session %s open", s.ID)
				}
			}
		})
	}
}

// sessions lists the mock's sessions.
func (w *world) sessions(ctx context.Context) ([]inspect.Session, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, w.url+inspect.Prefix+"sessions", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var ss []inspect.Session
	return ss, json.NewDecoder(resp.Body).Decode(&ss)
}
