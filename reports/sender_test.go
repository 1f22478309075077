package reports

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/verify"
)

func senderSample() *verify.Result {
	ex := verify.Example{Seq: 7, ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Method: "POST",
		Path: "/v2/s2s/event", Status: 503, Note: "a retry | carries other ids", Body: `{"a":"<b>"}`}
	return &verify.Result{Schema: verify.Schema, Verdict: verify.NotCertified, Requests: 9, Complete: true,
		Sender: []verify.RuleResult{
			{ID: "SND-IDEM-1", Level: "MUST", Status: verify.Fail, Count: 2, Message: "new ids", Examples: []verify.Example{ex}},
			{ID: "SND-RETRY-2", Level: "SHOULD", Status: verify.Warn, Count: 1, Message: "no growth"},
			{ID: "SND-RETRY-3", Level: "SHOULD", Status: verify.Skip, Message: "no 429"},
			{ID: "SND-RETRY-1", Level: "MUST", Status: verify.Pass},
		},
		Profiles: []verify.ProfileResult{{Name: "revosurge", Title: "RevoSurge", Requests: 9,
			Endpoints:  verify.Coverage{Seen: []string{"event"}, Unseen: []string{"batch"}},
			EventTypes: verify.Coverage{Seen: []string{"deposit"}, Unseen: []string{"login"}}}}}
}

func TestSenderRenderings(t *testing.T) {
	r := senderSample()
	for format, render := range SenderRenderers(r) {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		out := b.String()
		if !strings.Contains(out, "SND-IDEM-1") {
			t.Errorf("%s lacks the failed rule:\n%s", format, out)
		}
		switch format {
		case "html":
			if strings.Contains(out, `"<b>"`) || !strings.Contains(out, "&lt;b&gt;") {
				t.Errorf("html does not escape the body")
			}
		case "md":
			if !strings.Contains(out, `a retry \| carries`) || !strings.Contains(out, "not seen: batch") {
				t.Errorf("markdown:\n%s", out)
			}
		case "junit":
			var j JUnit
			if err := xml.Unmarshal(b.Bytes(), &j); err != nil {
				t.Fatal(err)
			}
			if j.Failures != 1 || j.Skipped != 1 || j.Tests != 4 {
				t.Errorf("junit counts: %d failures %d skipped %d tests, want 1 1 4", j.Failures, j.Skipped, j.Tests)
			}
		}
	}
	if got := len(SenderFiles(r)); got != 4 {
		t.Errorf("%d files, want 4", got)
	}
}

// TestSenderIncompleteEveryFormat: an incomplete certificate says so, with
// its reason, in every format (JUnit as an error, so CI is not green), and
// the unserved requests are listed.
func TestSenderIncompleteEveryFormat(t *testing.T) {
	r := senderSample()
	r.Verdict, r.Complete, r.IncompleteReason = verify.Incomplete, false, "epoch was \"a\" and \"b\""
	r.Unserved = []verify.Unserved{{Method: "GET", Path: "/postback", Status: 405, Query: true, Count: 4,
		Message: "4 request(s) were GET /postback with a query string (answered 405): this sender speaks a query-string postback"}}
	for format, render := range SenderRenderers(r) {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		out := b.String()
		if !strings.Contains(strings.ToLower(out), "incomplete") || !strings.Contains(out, "epoch was") {
			t.Errorf("%s does not say incomplete with the reason:\n%s", format, out)
		}
		if format == "html" && strings.Contains(out, `look-verdict good`) {
			t.Errorf("html: an incomplete certificate is drawn as a good verdict")
		}
		if format != "junit" && !strings.Contains(out, "speaks a query-string postback") {
			t.Errorf("%s does not list the unserved requests:\n%s", format, out)
		}
		if format == "junit" {
			var j JUnit
			if err := xml.Unmarshal(b.Bytes(), &j); err != nil {
				t.Fatal(err)
			}
			if j.Errors != 1 {
				t.Errorf("junit: %d errors, want 1 (incomplete)", j.Errors)
			}
		}
	}
}
