package load

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/profile/revosurge"
)

// lossyReceiver acknowledges every revosurge event and silently loses every
// 20th (5 %). It has no /_s2s/: its records are read through its own API,
// GET /records?after=N (JSON, oldest first, at most 500 a page).
type lossyReceiver struct {
	mu      sync.Mutex
	n       int
	records []json.RawMessage
}

func (l *lossyReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/records" {
		after, _ := strconv.Atoi(r.URL.Query().Get("after"))
		l.mu.Lock()
		page := l.records[min(after, len(l.records)):]
		page = page[:min(len(page), 500)]
		out := map[string]any{"records": page, "next": after + len(page)}
		l.mu.Unlock()
		_ = json.NewEncoder(w).Encode(out)
		return
	}
	if r.Method != http.MethodPost {
		return
	}
	body, _ := io.ReadAll(r.Body)
	l.mu.Lock()
	l.n++
	if l.n%20 != 0 {
		l.records = append(l.records, body)
	}
	l.mu.Unlock()
	_, _ = w.Write([]byte(`{"status":"queued"}`))
}

// httpRecords is a minimal HTTP JSON read-back of the lossy receiver's API.
type httpRecords struct{ url string }

func (h httpRecords) Records(ctx context.Context, _ string, after string) ([]Record, string, error) {
	if after == "" {
		after = "0"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url+"/records?after="+after, nil)
	if err != nil {
		return nil, after, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, after, err
	}
	defer resp.Body.Close()
	var page struct {
		Records []json.RawMessage `json:"records"`
		Next    int               `json:"next"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return nil, after, err
	}
	now := time.Now()
	out := make([]Record, len(page.Records))
	for i, b := range page.Records {
		out[i] = Record{Body: b, ReceivedAt: now, RecordedAt: &now}
	}
	return out, strconv.Itoa(page.Next), nil
}

// A receiver that silently loses 5 % of what it acknowledged is flagged
// through its own record API: loss measured, discrepancy over 3 %, breached.
func TestLossyReceiverIsFlaggedThroughItsOwnAPI(t *testing.T) {
	lossy := &lossyReceiver{}
	srv := httptest.NewServer(lossy)
	defer srv.Close()
	s := connScenario(500, 3*time.Second, 32)
	s.Endpoints = map[string]int{"event": 1}
	res := valid(t, func() *Result {
		lossy.mu.Lock()
		lossy.n, lossy.records = 0, nil
		lossy.mu.Unlock()
		return run(t, Config{Profile: revosurge.New(), Target: srv.URL, Scenario: s, ReadBack: httpRecords{srv.URL}})
	})
	rv := res.Receiver
	t.Logf("receiver %+v, loss rate %v, discrepancy %v", rv, deref(rv.LossRate), deref(rv.Discrepancy))
	if rv.Source != "readback" || rv.Lost == nil || rv.LossRate == nil {
		t.Fatalf("source %q, lost %v: want the loss measured through the read-back (notes %v)", rv.Source, rv.Lost, rv.Notes)
	}
	if *rv.LossRate < 0.04 || *rv.LossRate > 0.06 {
		t.Errorf("loss rate %v, want about 5 %%", *rv.LossRate)
	}
	if !rv.Flagged || res.Verdict != Breached {
		t.Errorf("flagged %v, verdict %s: want a flagged discrepancy and a breach", rv.Flagged, res.Verdict)
	}
	var disc *ThresholdResult
	for i := range res.Thresholds {
		if res.Thresholds[i].Metric == "discrepancy" {
			disc = &res.Thresholds[i]
		}
	}
	if disc == nil || disc.Status != ThresholdBreached {
		t.Errorf("discrepancy threshold %+v, want breached", disc)
	}
}
