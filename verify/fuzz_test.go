package verify_test

import (
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/profile/sender"
	"github.com/s2s-harness/s2s-harness/verify"
)

// FuzzJudge: whatever a receiver's journal holds (any body, status, order),
// judging it never panics and always yields a verdict for every sender rule.
func FuzzJudge(f *testing.F) {
	f.Add("revosurge", "event", `{"client_user_id":"u","transaction_id":"t"}`, 503, 0, int64(0))
	f.Add("postback", "postback", `{"event_id":"e1"}`, 429, 2, int64(1500))
	f.Add("revosurge", "batch", `[{"click_id":"c"},1,null]`, 400, 0, int64(-5))
	f.Add("appsflyer", "nope", `{`, 0, 0, int64(10))
	f.Add("appsflyer", "inappevent", `{"appsflyer_id":"a","eventName":"x","eventValue":"","eventTime":"2026-01-01 09:00:00.000"}`, 400, 0, int64(0))
	f.Add("", "", ``, 404, 0, int64(1))
	f.Add("postback", "postback", `{"ts_event":"2026-01-01T09:00:00Z","event_id":"e"}`, 405, 0, int64(3600_000))
	ps := builtin.All()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, prof, endpoint, body string, status, retryAfter int, gapMS int64) {
		var es []inspect.Entry
		for i := range 4 {
			es = append(es, inspect.Entry{Seq: uint64(i + 1), Profile: prof, Endpoint: endpoint, Body: body, BodyBytes: len(body),
				Status: status, RetryAfter: retryAfter, ReceivedAt: t0.Add(time.Duration(int64(i)*gapMS) * time.Millisecond)})
		}
		es[3].Status = 200
		r := verify.Judge(es, ps, verify.Options{})
		if len(r.Sender) != len(sender.Rules()) || r.Verdict == "" {
			t.Fatalf("%d sender rules, verdict %q", len(r.Sender), r.Verdict)
		}
	})
}
