package mockserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
)

// TestTimeBeyondYear9999 sends RevoSurge timestamps a receiver cannot record:
// a clear 400 naming the rule, and the journal still answers.
func TestTimeBeyondYear9999(t *testing.T) {
	h := newHarness(t, mockserver.Config{})
	p := h.ps["revosurge"]
	for _, ts := range []int64{253402300800, 253402300800000, 999999999999} {
		pl := valid(t, p, 7, "login")
		pl.Body.(map[string]any)["timestamp"] = json.Number(jsonInt(ts))
		w := h.send(p, pl)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "RS-TYPE-1") ||
			!strings.Contains(w.Body.String(), "years 0001-9999") {
			t.Errorf("timestamp %d: got %d %s, want 400 RS-TYPE-1 naming the year range", ts, w.Code, w.Body)
		}
	}
	if got := h.last("revosurge"); got.Status != http.StatusBadRequest || got.Rule != "RS-TYPE-1" {
		t.Errorf("journal: %+v", got)
	}
	if w := h.send(p, valid(t, p, 8, "login")); w.Code != http.StatusOK {
		t.Fatalf("a valid event after them: %d %s", w.Code, w.Body)
	}
}

func jsonInt(v int64) string { b, _ := json.Marshal(v); return string(b) }

// TestJournalBoundedByBytes fills a journal whose byte bound is far below
// what its entry count allows: the oldest entries go, the estimate stays
// under the bound, the counters stay exact.
func TestJournalBoundedByBytes(t *testing.T) {
	const maxBytes = 64 << 10
	h := newHarness(t, unlimited(mockserver.Config{Journal: mockserver.JournalConfig{Size: 10_000, MaxBytes: maxBytes}}))
	p := h.ps["revosurge"]
	const n = 200
	for i := range n {
		if w := h.send(p, valid(t, p, int64(100+i), "login")); w.Code != http.StatusOK {
			t.Fatalf("send %d: %d %s", i, w.Code, w.Body)
		}
	}
	var st inspect.Stats
	if code := h.inspect(http.MethodGet, "stats", nil, &st); code != http.StatusOK {
		t.Fatalf("stats: %d", code)
	}
	j := st.Journal
	if j.MaxBytes != maxBytes || j.Bytes > maxBytes || j.Bytes == 0 {
		t.Errorf("journal bytes %d of max %d, want 0 < bytes ≤ %d", j.Bytes, j.MaxBytes, maxBytes)
	}
	if j.Len >= n || j.Evicted == 0 || uint64(j.Len)+j.Evicted != n {
		t.Errorf("journal len %d evicted %d, want len < %d and len+evicted = %d", j.Len, j.Evicted, n, n)
	}
	if got := st.Profiles["revosurge"].Requests; got != n {
		t.Errorf("requests counted %d, want %d (counters never evict)", got, n)
	}
}

// countingReader counts the bytes a handler reads of a body.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += n
	return n, err
}

// TestAuthenticateBeforeReading: without credentials the body is not read at
// all; with them, never more than the endpoint's documented size.
func TestAuthenticateBeforeReading(t *testing.T) {
	h := newHarness(t, mockserver.Config{})
	big := strings.Repeat("x", 1<<20)
	tests := []struct {
		name       string
		path       string
		header     [2]string
		wantStatus int
		wantRule   string
		wantMax    int
	}{
		{"revosurge without a key", "/v2/s2s/event", [2]string{}, 401, "RS-AUTH-1", 0},
		{"revosurge with an unknown key", "/v2/s2s/batch", [2]string{"X-API-Key", "nope"}, 401, "RS-AUTH-2", 0},
		{"appsflyer without a dev key", "/inappevent/com.appsflyer.myapp", [2]string{}, 401, "AF-AUTH-1", 0},
		{"appsflyer with its key: 1 KB at most", "/inappevent/com.appsflyer.myapp",
			[2]string{"authentication", h.ps["appsflyer"].Defaults.Apps[0].Secret}, 400, "AF-SIZE-1", 1024 + 1},
		{"postback without a JWT", "/postback", [2]string{}, 401, "PB-AUTH-1", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &countingReader{r: strings.NewReader(big)}
			r := httptest.NewRequest(http.MethodPost, "http://mock"+tt.path, body)
			r.ContentLength = -1 // unknown: the mock must stop by itself
			r.Header.Set("Content-Type", "application/json")
			if tt.header[0] != "" {
				r.Header.Set(tt.header[0], tt.header[1])
			}
			w := h.do(r)
			if w.Code != tt.wantStatus || !strings.Contains(w.Body.String(), tt.wantRule) {
				t.Fatalf("got %d %s, want %d %s", w.Code, w.Body, tt.wantStatus, tt.wantRule)
			}
			if body.n > tt.wantMax+4096 { // a reader may fill its buffer past the limit
				t.Errorf("read %d bytes of the body, want at most about %d", body.n, tt.wantMax)
			}
		})
	}
}

// TestAdminToken: with a token, every inspection call but health needs it.
func TestAdminToken(t *testing.T) {
	h := newHarness(t, mockserver.Config{AdminToken: "s3cret"})
	call := func(method, path, token string) int {
		r := httptest.NewRequest(method, "http://mock/_s2s/"+path, strings.NewReader(`{"break":[]}`))
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return h.do(r).Code
	}
	tests := []struct {
		method, path, token string
		want                int
	}{
		{http.MethodGet, "health", "", 200},
		{http.MethodGet, "journal", "", 401},
		{http.MethodGet, "stats", "wrong", 401},
		{http.MethodPut, "faults/revosurge", "", 401},
		{http.MethodPost, "reset", "", 401},
		{http.MethodGet, "journal", "s3cret", 200},
		{http.MethodPut, "faults/revosurge", "s3cret", 200},
	}
	for _, tt := range tests {
		if got := call(tt.method, tt.path, tt.token); got != tt.want {
			t.Errorf("%s %s token %q: %d, want %d", tt.method, tt.path, tt.token, got, tt.want)
		}
	}
}

// TestLenientNamesTheRejectingRule: a lenient reading reported before the
// rule that rejects must not be the error's top-level rule.
func TestLenientNamesTheRejectingRule(t *testing.T) {
	h := newHarness(t, mockserver.Config{Mode: profile.Lenient})
	p := h.ps["appsflyer"]
	pl := valid(t, p, 3, "af_purchase")
	body := pl.Body.(map[string]any)
	delete(body, "af_events_api")                          // AF-BODY-1: reported in lenient mode
	body["eventValue"] = map[string]any{"af_revenue": "6"} // AF-BODY-2: rejected
	w := h.send(p, pl)
	if w.Code != http.StatusBadRequest {
		t.Fatalf("got %d %s, want 400", w.Code, w.Body)
	}
	if got := decode(t, w)["rule"]; got != "AF-BODY-2" {
		t.Errorf("top-level rule %v, want AF-BODY-2 (the one that rejected): %s", got, w.Body)
	}
}

// TestUnservedAnswersAreCounted: 404 and 405 are journaled and counted.
func TestUnservedAnswersAreCounted(t *testing.T) {
	h := newHarness(t, mockserver.Config{})
	h.do(httptest.NewRequest(http.MethodGet, "http://mock/nope", nil))
	h.do(httptest.NewRequest(http.MethodGet, "http://mock/v2/s2s/event", nil))
	var st inspect.Stats
	h.inspect(http.MethodGet, "stats", nil, &st)
	if st.Unrouted == nil || st.Unrouted.ByStatus["404"] != 1 {
		t.Errorf("unrouted stats %+v, want one 404", st.Unrouted)
	}
	if got := st.Profiles["revosurge"].ByStatus["405"]; got != 1 {
		t.Errorf("revosurge 405s counted %d, want 1", got)
	}
	if e := h.last("revosurge"); e.Status != 405 || e.Endpoint != "event" {
		t.Errorf("journal: %+v, want the 405 on endpoint event", e)
	}
	m := h.do(httptest.NewRequest(http.MethodGet, "http://mock/metrics", nil)).Body.String()
	for _, want := range []string{`s2s_mock_requests_total{endpoint="",profile="",status="404"} 1`,
		`s2s_mock_requests_total{endpoint="event",profile="revosurge",status="405"} 1`} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestAnswersWithoutRuleOmitIt: a 413 or an injected error names no rule
// rather than an empty one.
func TestAnswersWithoutRuleOmitIt(t *testing.T) {
	h := newHarness(t, mockserver.Config{})
	p := h.ps["revosurge"]
	r := httptest.NewRequest(http.MethodPost, "http://mock/v2/s2s/event", strings.NewReader(strings.Repeat(" ", 70<<10)))
	r.Header.Set("X-API-Key", p.Defaults.APIKeys[0])
	tooLarge := h.do(r)
	h.setFaults("revosurge", inspect.Faults{ErrorRate: 1, ErrorStatus: 503})
	faulted := h.send(p, valid(t, p, 1, ""))
	for _, w := range []*httptest.ResponseRecorder{tooLarge, faulted} {
		if w.Code != 413 && w.Code != 503 {
			t.Fatalf("got %d %s", w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), `"rule":""`) || !strings.Contains(w.Body.String(), `"message"`) {
			t.Errorf("%d answer %s: want a message and no empty rule", w.Code, w.Body)
		}
	}
	if e := h.last("revosurge"); e.Rule != "" || len(e.Violations) != 0 || e.Reason == "" {
		t.Errorf("journal of the fault: %+v, want a reason and no rule", e)
	}
}
