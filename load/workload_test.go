package load

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/querytest"
)

// TestWorkloadQueryString: a profile whose event travels in the query string
// gets GET targets with the event and the signed token in the URL and no
// body; signing attempts concurrently (a replay shares its request) never
// writes into the shared query.
func TestWorkloadQueryString(t *testing.T) {
	p := querytest.New()
	s := &Scenario{Name: "q", Max: true, Duration: time.Second, MaxInFlight: 1, Seed: 1}
	w, err := newWorkload(p, s, "http://127.0.0.1:1/", p.Defaults, nil, true, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.next()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.keys) != 1 {
		t.Errorf("%d event keys, want 1", len(r.keys))
	}
	shared := r.out.Query.Encode()
	var wg sync.WaitGroup
	urls := make([]string, 8)
	for i := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tg, err := w.sign(r, time.Now(), nil)
			if err != nil {
				t.Error(err)
				return
			}
			if tg.Method != "GET" || len(tg.Body) != 0 {
				t.Errorf("%s with a %d-byte body, want a GET without", tg.Method, len(tg.Body))
			}
			urls[i] = tg.URL
		}()
	}
	wg.Wait()
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if u.Path != "/qt/postback" || q.Get(querytest.TokenParam) != querytest.Token || q.Get("action_id") == "" || len(q[querytest.TokenParam]) != 1 {
			t.Errorf("target %s: want /qt/postback with the event and one token", raw)
		}
	}
	if got := r.out.Query.Encode(); got != shared || strings.Contains(got, querytest.TokenParam+"=") {
		t.Errorf("the request's own query changed to %q (was %q): signing wrote into it", got, shared)
	}
}
