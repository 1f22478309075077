package mockserver_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
)

// TestInjectedClockAndRegistry: a function clock (ClockFunc) stamps what is
// received, and /metrics' counters land in the registry the caller gave.
func TestInjectedClockAndRegistry(t *testing.T) {
	at := time.Date(2026, 5, 3, 1, 59, 59, 999e6, time.UTC)
	reg := prometheus.NewRegistry()
	h := newHarness(t, mockserver.Config{},
		mockserver.WithClock(mockserver.ClockFunc(func() time.Time { return at })), mockserver.WithRegistry(reg))
	p := h.ps["revosurge"]
	if w := h.send(p, valid(t, p, 1, "login")); w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var page inspect.Page
	h.inspect(http.MethodGet, "journal?profile=revosurge", nil, &page)
	if len(page.Entries) != 1 || !page.Entries[0].ReceivedAt.Equal(at) {
		t.Fatalf("journal %+v, want one entry received at %s", page.Entries, at)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var requests float64
	for _, f := range families {
		if f.GetName() == "s2s_mock_requests_total" {
			for _, m := range f.GetMetric() {
				requests += m.GetCounter().GetValue()
			}
		}
	}
	if requests != 1 {
		t.Fatalf("s2s_mock_requests_total in the given registry = %v, want 1", requests)
	}
}
