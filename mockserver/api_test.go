package mockserver_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

func TestConfigErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name     string
		give     string
		wantText string
	}{
		{"unknown top-level key", "mood: strict\n", "mood"},
		{"unknown profile key", "profiles:\n  revosurge:\n    ratelimit: {limit: 5}\n", "ratelimit"},
		{"unknown fault key", "profiles:\n  revosurge:\n    faults: {errors: 0.5}\n", "errors"},
		{"unknown key in JSON", `{"journal":{"length":5}}`, "length"},
		{"bad mode", "mode: loose\n", "mode"},
		{"unknown profile", "profiles:\n  acme: {}\n", "profiles.acme"},
		{"rate limit below 1", "profiles:\n  revosurge:\n    rate_limit: {limit: 0}\n", "profiles.revosurge.rate_limit.limit"},
		{"rate limit where none is documented", "profiles:\n  g123:\n    rate_limit: {limit: 5}\n", "profiles.g123.rate_limit"},
		{"bad window", "profiles:\n  revosurge:\n    rate_limit: {limit: 5, window: soon}\n", "soon"},
		{"negative journal size", "journal: {size: -1}\n", "journal.size"},
		{"max items on a profile without batches", "profiles:\n  g123: {max_items: 5}\n", "profiles.g123.max_items"},
		{"error rate over 1", "profiles:\n  postback:\n    faults: {error_rate: 1.5}\n", "profiles.postback.faults.error_rate"},
		{"unknown break", "profiles:\n  postback:\n    faults: {break: [PB-NOPE-9]}\n", "PB-NOPE-9"},
		{"credentials a scheme cannot use", "profiles:\n  g123:\n    credentials: {api_keys: [k]}\n", "profiles.g123.credentials"},
		{"bad platform", "profiles:\n  appsflyer:\n    credentials:\n      apps: [{id: x, secret: y, platform: tizen}]\n", "platform"},
		{"negative dedupe keys", "profiles:\n  postback:\n    dedupe: {keys: -5}\n", "profiles.postback.dedupe.keys"},
		{"wrong type", "journal: {size: many}\n", "many"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := mockserver.ParseConfig([]byte(tt.give), "")
			if err == nil {
				_, err = mockserver.New(builtin.All(), mockserver.WithConfig(cfg))
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("got error %v, want one naming %q", err, tt.wantText)
			}
		})
	}
}

// TestConfigApplies: each setting shows in what the mock does, not only in
// what it reports back.
func TestConfigApplies(t *testing.T) {
	cfg, err := mockserver.ParseConfig([]byte(`
mode: lenient
journal: {size: 3}
profiles:
  revosurge:
    credentials: {api_keys: [my_key]}
    rate_limit: {limit: 2, window: 10s}
    max_items: 3
`), "yaml")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, cfg)
	p := h.ps["revosurge"]
	mine := func(o *profile.Outgoing) { o.Header.Set("X-API-Key", "my_key") }
	tests := []struct {
		name       string
		give       *profile.Payload
		giveChange func(*profile.Outgoing)
		wantStatus int
		wantRule   string // in X-S2S-Violations
	}{
		{name: "lenient: a bet without click_id is accepted and reported", give: without(valid(t, p, 1, "bet"), "click_id"),
			giveChange: mine, wantStatus: http.StatusOK, wantRule: "RS-AMB-1"},
		{name: "the configured key replaces the defaults", give: valid(t, p, 2, "login"),
			wantStatus: http.StatusUnauthorized, wantRule: "RS-AUTH-2"},
		{name: "max_items 3: a batch of 4 breaks the items rule", give: batchOf(t, p, 4),
			giveChange: mine, wantStatus: http.StatusBadRequest, wantRule: "RS-BATCH-1"},
		{name: "rate_limit 2 per 10 s: the third credentialed request", give: valid(t, p, 3, "login"),
			giveChange: mine, wantStatus: http.StatusTooManyRequests, wantRule: "RS-RATE-1"},
	}
	for _, tt := range tests {
		w := h.do(h.request(p, tt.give, tt.giveChange))
		if w.Code != tt.wantStatus || !strings.Contains(w.Header().Get("X-S2S-Violations"), tt.wantRule) {
			t.Errorf("%s: got %d %q, want %d with %s: %s", tt.name, w.Code, w.Header().Get("X-S2S-Violations"), tt.wantStatus, tt.wantRule, w.Body)
		}
	}
	var st inspect.Stats
	h.inspect(http.MethodGet, "stats", nil, &st)
	if st.Journal.Capacity != 3 {
		t.Errorf("journal capacity %d, want 3", st.Journal.Capacity)
	}
	// The JSON form reads the same.
	if _, err := mockserver.ParseConfig([]byte(`{"mode":"strict","profiles":{"revosurge":{"rate_limit":{"limit":5,"window":"1m"}}}}`), "json"); err != nil {
		t.Errorf("JSON config: %v", err)
	}
	if _, err := mockserver.ParseConfig(nil, "yaml"); err != nil {
		t.Errorf("empty config: %v", err)
	}
}

func without(pl *profile.Payload, field string) *profile.Payload {
	profile.Delete(pl.Body, field)
	return pl
}

// batchOf is a batch of n valid events at the profile's batch endpoint.
func batchOf(t *testing.T, p *profile.Profile, n int) *profile.Payload {
	t.Helper()
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 9, Endpoint: "batch", BatchSize: n, Event: "login", Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	return gen.Next()
}

func TestRoutes(t *testing.T) {
	h := newHarness(t, mockserver.Config{MaxBody: 1 << 10})
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		wantStatus int
		wantText   string
	}{
		{"unknown path", http.MethodGet, "/nope", "", 404, "nothing is served at GET /nope"},
		{"unknown inspection call", http.MethodGet, "/_s2s/nope", "", 404, "not_found"},
		{"wrong method on an endpoint", http.MethodGet, "/v2/s2s/event", "", 405, "use POST"},
		{"wrong method on the inspection API", http.MethodPost, "/_s2s/stats", "", 405, "use GET"},
		{"health", http.MethodGet, "/_s2s/health", "", 200, `"status":"ok"`},
		{"unclean path: no redirect", http.MethodPost, "/v2/s2s/../s2s/event", "{}", 404, "not canonical"},
		{"double slash: no redirect", http.MethodPost, "//postback", "{}", 404, "not canonical"},
		{"metrics", http.MethodGet, "/metrics", "", 200, "s2s_mock_requests_total"},
		{"no credentials: refused before the body is read", http.MethodPost, "/v2/s2s/event", strings.Repeat(" ", 70<<10), 401, "RS-AUTH-1"},
		{"body over the endpoint's cap", http.MethodPost, "/v2/s2s/event", strings.Repeat(" ", 70<<10), 413, "over 65536 bytes"},
		{"body over the documented size: its rule", http.MethodPost, "/inappevent/com.appsflyer.myapp", strings.Repeat(" ", 70<<10), 400, "AF-SIZE-1"},
	}
	// Credentials for the size cases: a body is read only once they pass.
	creds := map[string][2]string{
		"/v2/s2s/event":                   {"X-API-Key", h.ps["revosurge"].Defaults.APIKeys[0]},
		"/inappevent/com.appsflyer.myapp": {"authentication", h.ps["appsflyer"].Defaults.Apps[0].Secret},
	}
	// Something to count in /metrics.
	p := h.ps["revosurge"]
	h.send(p, valid(t, p, 1, ""))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://mock"+tt.path, strings.NewReader(tt.body))
			if c, ok := creds[tt.path]; ok && tt.wantStatus != 401 {
				r.Header.Set(c[0], c[1])
			}
			w := h.do(r)
			if w.Code != tt.wantStatus || !strings.Contains(w.Body.String(), tt.wantText) {
				t.Errorf("got %d %.200s, want %d with %q", w.Code, w.Body, tt.wantStatus, tt.wantText)
			}
			if tt.path != "/metrics" && w.Header().Get("Content-Type") != "application/json" {
				t.Errorf("got Content-Type %q, want JSON", w.Header().Get("Content-Type"))
			}
		})
	}
}

// TestInspectClient drives the inspection API with the contract's own client
// over HTTP.
func TestInspectClient(t *testing.T) {
	h := newHarness(t, unlimited(mockserver.Config{}))
	srv := h.server(t)
	c, err := inspect.NewClient(srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	hl, err := c.Health(ctx)
	if err != nil || hl.Status != "ok" || len(hl.Profiles) != len(h.ps) || hl.Mode != "strict" {
		t.Fatalf("health: %+v %v", hl, err)
	}
	for _, p := range h.ps {
		for i := range 3 {
			resp, err := h.post(t, srv.Client(), srv.URL, p, int64(900+i))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
	}
	all, err := c.All(ctx, inspect.Query{Limit: 2})
	if err != nil || len(all) != 3*len(h.ps) {
		t.Fatalf("journal: got %d entries (%v), want %d", len(all), err, 3*len(h.ps))
	}
	for i, e := range all {
		if e.Seq != uint64(i+1) || e.Status != http.StatusOK || len(e.Events) == 0 || e.Body == "" && e.Query == "" {
			t.Errorf("entry %d: %+v", i, e)
		}
	}
	one, err := c.All(ctx, inspect.Query{Profile: "postback"})
	if err != nil || len(one) != 3 {
		t.Errorf("journal of postback: got %d (%v), want 3", len(one), err)
	}
	st, err := c.Stats(ctx)
	if err != nil || st.Profiles["postback"].Requests != 3 || st.Profiles["postback"].Events != 3 {
		t.Errorf("stats: %+v %v", st.Profiles["postback"], err)
	}
	at := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := c.FixClock(ctx, at); err != nil {
		t.Fatal(err)
	}
	if k, err := c.Clock(ctx); err != nil || !k.Now.Equal(at) || k.Mode != "fixed" {
		t.Errorf("clock: %+v %v", k, err)
	}
	if err := c.OffsetClock(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := c.RealClock(ctx); err != nil {
		t.Fatal(err)
	}
	f := inspect.Faults{ErrorRate: 0.5, Latency: &inspect.Latency{Dist: inspect.Fixed, Fixed: inspect.Duration(time.Millisecond)},
		Break: []string{"RS-RATE-1"}}
	if err := c.SetFaults(ctx, "revosurge", f); err != nil {
		t.Fatal(err)
	}
	fs, err := c.Faults(ctx)
	if err != nil || fs["revosurge"].ErrorRate != 0.5 || len(fs["revosurge"].Break) != 1 || len(fs) != len(h.ps) {
		t.Errorf("faults: %+v %v", fs, err)
	}
	if err := c.SetFaults(ctx, "revosurge", inspect.Faults{ErrorRate: 3}); err == nil {
		t.Error("set faults with error_rate 3: got no error")
	}
	if err := c.ClearFaults(ctx, "revosurge"); err != nil {
		t.Fatal(err)
	}
	if err := c.ClearFaults(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.Reset(ctx, "postback"); err != nil {
		t.Fatal(err)
	}
	if err := c.Reset(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Stats(ctx); st.Profiles["revosurge"].Requests != 0 {
		t.Errorf("after reset: %+v", st.Profiles["revosurge"])
	}
}

// TestGracefulShutdown cancels the server's context while a request is held
// by injected latency: the request is answered, Serve returns nil, and the
// port is closed.
func TestGracefulShutdown(t *testing.T) {
	h := newHarness(t, unlimited(mockserver.Config{}))
	p := h.ps["revosurge"]
	h.setFaults(p.Name, inspect.Faults{Latency: &inspect.Latency{Dist: inspect.Fixed, Fixed: inspect.Duration(time.Minute)}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- h.m.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	answered := make(chan int, 1)
	go func() {
		resp, err := h.post(t, &http.Client{Timeout: 30 * time.Second}, base, p, 1)
		if err != nil {
			answered <- -1
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	// Wait until the request is in flight, then shut down.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), `s2s_mock_faults_total{kind="latency",profile="revosurge"} 1`) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the request never arrived")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-answered:
		if code != http.StatusOK {
			t.Errorf("in-flight request: got %d, want 200", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the in-flight request was not answered")
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: got %v, want nil after a graceful shutdown", err)
	}
	if conn, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		conn.Close()
		t.Error("the port still accepts connections")
	}
}
