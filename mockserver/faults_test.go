package mockserver_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
)

func TestFaultErrorRate(t *testing.T) {
	tests := []struct {
		name       string
		giveFaults inspect.Faults
		wantStatus int
		wantShare  [2]int // of 200 requests, faulted within [lo, hi]
	}{
		{"always", inspect.Faults{ErrorRate: 1}, http.StatusInternalServerError, [2]int{200, 200}},
		{"always 503", inspect.Faults{ErrorRate: 1, ErrorStatus: 503}, http.StatusServiceUnavailable, [2]int{200, 200}},
		{"a quarter", inspect.Faults{ErrorRate: 0.25}, http.StatusInternalServerError, [2]int{25, 75}},
		{"never", inspect.Faults{}, 0, [2]int{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, unlimited(mockserver.Config{}))
			p := testProfiles()[0]
			h.setFaults(p.Name, tt.giveFaults)
			faulted := 0
			for i := range 200 {
				w := h.send(p, valid(t, p, int64(i+1), ""))
				switch w.Code {
				case http.StatusOK:
				case tt.wantStatus:
					faulted++
					decode(t, w) // a JSON body all the same
				default:
					t.Fatalf("got %d: %s", w.Code, w.Body)
				}
			}
			if faulted < tt.wantShare[0] || faulted > tt.wantShare[1] {
				t.Errorf("got %d faulted of 200, want %d..%d", faulted, tt.wantShare[0], tt.wantShare[1])
			}
			var st inspect.Stats
			h.inspect(http.MethodGet, "stats", nil, &st)
			if got := st.Profiles[p.Name].Faulted; got != uint64(faulted) {
				t.Errorf("stats: got faulted %d, want %d", got, faulted)
			}
		})
	}
}

func TestFaultLatency(t *testing.T) {
	ms := func(n int) inspect.Duration { return inspect.Duration(time.Duration(n) * time.Millisecond) }
	tests := []struct {
		name    string
		give    inspect.Latency
		wantMin time.Duration
	}{
		{"fixed", inspect.Latency{Dist: inspect.Fixed, Fixed: ms(40)}, 40 * time.Millisecond},
		{"uniform", inspect.Latency{Dist: inspect.Uniform, Min: ms(30), Max: ms(50)}, 30 * time.Millisecond},
		{"lognormal", inspect.Latency{Dist: inspect.LogNormal, Median: ms(20), Sigma: 0}, 20 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, unlimited(mockserver.Config{}))
			p := testProfiles()[0]
			h.setFaults(p.Name, inspect.Faults{Latency: &tt.give})
			start := time.Now()
			if w := h.send(p, valid(t, p, 1, "")); w.Code != http.StatusOK {
				t.Fatalf("got %d: %s", w.Code, w.Body)
			}
			if took := time.Since(start); took < tt.wantMin {
				t.Errorf("answered after %s, want at least %s", took, tt.wantMin)
			}
		})
	}
	t.Run("a client that leaves is not waited for", func(t *testing.T) {
		h := newHarness(t, unlimited(mockserver.Config{}))
		p := testProfiles()[0]
		h.setFaults(p.Name, inspect.Faults{Latency: &inspect.Latency{Dist: inspect.Fixed, Fixed: inspect.Duration(time.Minute)}})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		h.do(h.request(p, valid(t, p, 1, ""), nil).WithContext(ctx))
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("held %s after the client left", took)
		}
		if e := h.last(p.Name); e.Outcome != inspect.Faulted {
			t.Errorf("journal: got %s, want faulted", e.Outcome)
		}
	})
}

// server runs the harness's mock on 127.0.0.1.
func (h *harness) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(h.m)
	t.Cleanup(srv.Close)
	return srv
}

func (h *harness) post(t *testing.T, c *http.Client, base string, p *profile.Profile, seed int64) (*http.Response, error) {
	t.Helper()
	r := h.request(p, valid(t, p, seed, ""), nil)
	req, err := http.NewRequest(r.Method, base+r.URL.RequestURI(), r.Body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = r.Header
	return c.Do(req)
}

func TestFaultReset(t *testing.T) {
	h := newHarness(t, unlimited(mockserver.Config{}))
	srv := h.server(t)
	p := testProfiles()[0]
	h.setFaults(p.Name, inspect.Faults{ResetRate: 1})
	_, err := h.post(t, srv.Client(), srv.URL, p, 1)
	if err == nil {
		t.Fatal("got an answer, want the connection reset")
	}
	if e := h.last(p.Name); e.Outcome != inspect.Faulted || e.Status != 0 {
		t.Errorf("journal: got %s %d, want faulted with no status", e.Outcome, e.Status)
	}
	h.inspect(http.MethodDelete, "faults/"+p.Name, nil, nil)
	resp, err := h.post(t, srv.Client(), srv.URL, p, 2)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("after clearing: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestFaultStall(t *testing.T) {
	h := newHarness(t, unlimited(mockserver.Config{}))
	p := testProfiles()[0]
	// Long enough that an unheld request on a busy machine is still far
	// quicker than a held one.
	const stall = time.Second
	h.setFaults(p.Name, inspect.Faults{Stall: &inspect.Stall{For: inspect.Duration(stall)}})
	var wg sync.WaitGroup
	codes := make([]int, 3)
	for i := range codes {
		wg.Go(func() { codes[i] = h.send(p, valid(t, p, int64(i+1), "")).Code })
	}
	wg.Wait()
	answered := time.Now()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("request %d: got %d, want 200 once the stall ends", i, c)
		}
	}
	// Measured from the stall's own start, which the mock filled in: no
	// assumption on how soon after setting it the requests went out.
	var set map[string]inspect.Faults
	h.inspect(http.MethodGet, "faults", nil, &set)
	if s := set[p.Name].Stall; s != nil && answered.Before(s.From.Add(stall)) {
		t.Errorf("answered %s after the stall began, want them held until it ends (%s)", answered.Sub(s.From), stall)
	}
	// After the window, nothing is held.
	start := time.Now()
	h.send(p, valid(t, p, 9, ""))
	if took := time.Since(start); took > stall {
		t.Errorf("held %s after the stall ended", took)
	}
	var f map[string]inspect.Faults
	h.inspect(http.MethodGet, "faults", nil, &f)
	if s := f[p.Name].Stall; s == nil || s.From.IsZero() {
		t.Errorf("got %+v, want the stall with its start filled in", f[p.Name])
	}
}

func TestFaultsAPIRefusesBadValues(t *testing.T) {
	h := newHarness(t, mockserver.Config{})
	p := testProfiles()[0]
	tests := []struct {
		give     string
		wantText string
	}{
		{`{"error_rate":2}`, "error_rate"},
		{`{"reset_rate":-1}`, "reset_rate"},
		{`{"error_status":200}`, "error_status"},
		{`{"latency":{"dist":"gamma"}}`, "latency.dist"},
		{`{"stall":{"for":"0s"}}`, "stall.for"},
		{`{"break":["XX-NOPE-1"]}`, "XX-NOPE-1"},
		{`{"errorrate":0.5}`, "errorrate"},
		{`not json`, "invalid"},
	}
	for _, tt := range tests {
		w := h.do(httptest.NewRequest(http.MethodPut, "http://mock/_s2s/faults/"+p.Name, strings.NewReader(tt.give)))
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), tt.wantText) {
			t.Errorf("PUT %s: got %d %s, want 400 naming %s", tt.give, w.Code, w.Body, tt.wantText)
		}
	}
	w := h.do(httptest.NewRequest(http.MethodPut, "http://mock/_s2s/faults/nope", bytes.NewReader([]byte(`{}`))))
	if w.Code != http.StatusBadRequest {
		t.Errorf("PUT faults of an unknown profile: got %d, want 400", w.Code)
	}
}

// TestFaultsFromConfig starts with faults injected by the config file.
func TestFaultsFromConfig(t *testing.T) {
	p := testProfiles()[0]
	h := newHarness(t, mockserver.Config{Profiles: map[string]mockserver.ProfileConfig{
		p.Name: {Faults: inspect.Faults{ErrorRate: 1, ErrorStatus: 502}}}})
	if w := h.send(p, valid(t, p, 1, "")); w.Code != http.StatusBadGateway {
		t.Errorf("got %d, want 502", w.Code)
	}
	h.inspect(http.MethodDelete, "faults", nil, nil)
	if w := h.send(p, valid(t, p, 2, "")); w.Code != http.StatusOK {
		t.Errorf("after clearing every fault: got %d, want 200", w.Code)
	}
}
