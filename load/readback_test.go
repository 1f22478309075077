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

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/revosurge"
	"github.com/s2s-harness/s2s-harness/readback"
)

// lossyReceiver acknowledges every revosurge event and silently loses every
// 20th (5 %). It has no /_s2s/: its records are read through its own API,
// GET /records?after=ID ({"records": [{"id": 1, "body": {…}}, …]}, oldest
// first, at most 500 a page), with readback's HTTP JSON source.
type lossyReceiver struct {
	mu      sync.Mutex
	n       int
	records []json.RawMessage
}

func (l *lossyReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/records" {
		after, _ := strconv.Atoi(r.URL.Query().Get("after"))
		type rec struct {
			ID   int             `json:"id"`
			Body json.RawMessage `json:"body"`
		}
		page := []rec{}
		l.mu.Lock()
		for i := after; i < len(l.records) && len(page) < 500; i++ {
			page = append(page, rec{i + 1, l.records[i]})
		}
		l.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"records": page})
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
		src, err := readback.Open(context.Background(), readback.Config{Events: &readback.EventsConfig{
			URL: srv.URL + "/records?after={cursor}", Items: "records", Cursor: "id", Fields: readback.Fields{Body: "body"}}},
			readback.Deps{Profiles: readback.ProfilesOf([]*profile.Profile{revosurge.New()})})
		if err != nil {
			t.Fatal(err)
		}
		return run(t, Config{Profile: revosurge.New(), Target: srv.URL, Scenario: s, ReadBack: src})
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
