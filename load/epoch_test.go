package load

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A global reset of the receiver during a run is not loss: the epoch changes,
// the run is invalid with the reason, and no loss or duplicates are reported.
func TestEpochChangeIsAStateResetNotLoss(t *testing.T) {
	srv, ic, ps := startMock(t, "revosurge")
	s := scenario(t, 100, 2*time.Second)
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(time.Second) // mid-run; the outcome does not depend on when
		if err := ic.Reset(context.Background(), ""); err != nil {
			t.Error(err)
		}
	}()
	res := run(t, Config{Profile: ps[0], Target: srv.URL, Inspect: srv.URL, Scenario: s})
	<-done
	r := res.Receiver
	t.Logf("verdict %s: %v; receiver %+v", res.Verdict, res.Reasons, r)
	if res.Verdict != Invalid || !strings.Contains(strings.Join(res.Reasons, "; "), "state was reset") {
		t.Errorf("verdict %s, reasons %v; want invalid for the reset", res.Verdict, res.Reasons)
	}
	if r.StateReset == "" || r.Lost != nil || r.Duplicates != nil || r.Discrepancy != nil || r.Flagged {
		t.Errorf("receiver %+v: want the reset named and nothing counted as lost", r)
	}
}
