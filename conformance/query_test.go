package conformance_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/internal/querytest"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/validate"
)

// TestQueryStringChecks: a profile whose event travels in a GET's query
// string gets its idempotency checks from its Dedupe and UniqueFields (a
// repeat is the same query string sent again), its malformed-query checks,
// a check of every rule, and no check a query string cannot carry (malformed
// JSON, body size, content type, other JSON types).
func TestQueryStringChecks(t *testing.T) {
	p := querytest.New()
	checks := checksOf(t, p)
	judged := map[string]int{}
	for _, c := range checks {
		for _, id := range c.Rules {
			if c.Judges(id) {
				judged[id]++
			}
		}
		for _, bad := range []string{"JSON", "Content-Type text/plain", "bytes", " as integer", " as string"} {
			if strings.Contains(c.Name, bad) {
				t.Errorf("check %q: a query string cannot carry that", c.Name)
			}
		}
	}
	for _, r := range p.Rules {
		if judged[r.ID] == 0 {
			t.Errorf("%s: no check judges it", r.ID)
		}
	}
	for _, want := range []string{"delivered twice", "concurrent deliveries", "given twice", "bad percent-escape"} {
		if !containsCheck(checks, want) {
			t.Errorf("no check %q among %d", want, len(checks))
		}
	}
}

func containsCheck(cs []conformance.Check, part string) bool {
	for _, c := range cs {
		if strings.Contains(c.Name, part) {
			return true
		}
	}
	return false
}

// queryReceiver is a receiver of the query-string profile written as
// affiliate trackers write theirs: GET only, the event read from the query,
// a repeated action_id answered as a replay (unless forgetful).
func queryReceiver(t testing.TB, p *profile.Profile, forgetful bool) (http.Handler, func() []string) {
	v, err := validate.New(p)
	if err != nil {
		t.Fatal(err)
	}
	e := &p.Endpoints[0]
	var mu sync.Mutex
	seen := map[string]bool{}
	var queries []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != e.Method || r.URL.Path != e.Path {
			http.NotFound(w, r)
			return
		}
		req := e.Receive(r, time.Now())
		req.Body, _ = io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		queries = append(queries, r.URL.RawQuery)
		res := v.Validate(req, profile.Strict, &p.Defaults, time.Now())
		w.Header().Set("Content-Type", "application/json")
		if res.Rejected() {
			w.WriteHeader(res.Status())
			_ = json.NewEncoder(w).Encode(p.ErrorBody(res.Status(), res.Violations))
			return
		}
		id, _ := profile.Get(res.Doc, "action_id")
		key, _ := id.(string)
		replay := seen[key] && !forgetful
		seen[key] = true
		status, body := p.SuccessBody(profile.Outcome{Accepted: 1, Replay: replay})
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	})
	return h, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), queries...)
	}
}

// TestQueryStringReceivers: the checks reach a query-string receiver as
// GETs carrying the event and the token in the query, with no body; a
// receiver that answers repeats as replays is certified, one that forgets
// them fails the idempotency rules.
func TestQueryStringReceivers(t *testing.T) {
	tests := []struct {
		name          string
		giveForgetful bool
		wantCertified bool
		wantIdem      conformance.Status
	}{
		{name: "answers repeats as replays", wantCertified: true, wantIdem: conformance.Pass},
		{name: "forgets repeats", giveForgetful: true, wantIdem: conformance.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := querytest.New()
			h, queries := queryReceiver(t, p, tt.giveForgetful)
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			cert, err := conformance.Certify(context.Background(), conformance.Target{URL: srv.URL}, []*profile.Profile{p},
				conformance.CertifyOptions{Options: conformance.Options{Seed: testSeed}})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("certified=%v\n%s", cert.Certified, verdictTable(cert))
			if cert.Certified != tt.wantCertified {
				t.Errorf("certified=%v, want %v", cert.Certified, tt.wantCertified)
			}
			for _, r := range cert.Rules() {
				if r.ID == querytest.RuleIdem && r.Status != tt.wantIdem {
					t.Errorf("%s: %s, want %s (%s)", r.ID, r.Status, tt.wantIdem, r.Message)
				}
			}
			qs := queries()
			if len(qs) == 0 {
				t.Fatal("the receiver got no request")
			}
			signed := 0
			for _, q := range qs {
				if strings.Contains(q, querytest.TokenParam+"="+querytest.Token) && strings.Contains(q, "action_id=") {
					signed++
				}
			}
			if signed == 0 {
				t.Errorf("no request carried the event and the token in its query: %q", qs)
			}
		})
	}
}
