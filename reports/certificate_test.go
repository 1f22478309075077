package reports

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/profile"
)

var updateCertificate = flag.Bool("update-certificate", false, "rewrite the certificate golden files")

// sampleCertificate has a rule of every status.
func sampleCertificate() *conformance.Certificate {
	ev := &conformance.CertEvidence{
		Request: conformance.CertRequest{Method: "POST", URL: "http://127.0.0.1:8080/v2/s2s/event",
			Header: map[string]string{"Content-Type": "application/json", "X-Api-Key": "<redacted>"}, Body: `{"event_name":"login"}`, BodyBytes: 22},
		Response: &conformance.CertResponse{Status: 200, Header: map[string]string{"Content-Type": "application/json"}, Body: `{"status":"queued"}`, BodyBytes: 19},
		Curl:     "curl -sS -i -X POST 'http://127.0.0.1:8080/v2/s2s/event' \\\n  -H 'X-Api-Key: <redacted>' \\\n  --data-binary '{\"event_name\":\"login\"}'",
		Notes:    []string{"journal: outcome \"accepted\""},
	}
	c := &conformance.Certificate{Schema: conformance.CertificateSchema, Tool: "s2s 0.1.0", Target: "http://127.0.0.1:8080", Mode: "strict",
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), DurationMS: 1234, Seed: 42,
		Complete: true, ChecksSelected: 5, ChecksRun: 5, Coverage: []conformance.CertCover{},
		Profiles: []conformance.CertProfile{{Name: "revosurge", Title: "RevoSurge DataPulse server events", Checks: 5, Rules: []conformance.CertRule{
			{ID: "RS-AUTH-1", Level: "MUST", Area: "auth", Text: "X-API-Key required", Status: conformance.Pass, Message: "rejected (401)",
				Checks: []conformance.CertCheck{{Name: "rejects no X-API-Key header", Area: "auth", Status: conformance.Pass, Message: "rejected (401)", DurationMS: 1.5}}},
			{ID: "RS-BODY-1", Level: "MUST", Area: "validation", Text: "required fields", Status: conformance.Fail, Message: "drop client_user_id: accepted (200); want 400 | sic",
				Evidence: ev, Checks: []conformance.CertCheck{{Name: "rejects drop client_user_id", Area: "validation", Status: conformance.Fail,
					Basis: profile.Documented, Why: "a required field missing is a 400", Want: "rejected with 400", Got: "200 OK",
					Citations: []profile.Citation{{Seed: "000_fe8d95615f5bfb6d.txt", Quote: "400 Bad Request | 缺少必填字段", English: "400 Bad Request: a required field is missing."}},
					Message:   "accepted (200); want 400", DurationMS: 2, Evidence: ev}}},
			{ID: "RS-IP-1", Level: "SHOULD", Area: "validation", Text: "ip", Status: conformance.Warn, Message: "accepted; strict mode rejects it",
				Evidence: ev, Checks: []conformance.CertCheck{{Name: "rejects in strict mode bad ip", Area: "validation", Status: conformance.Warn, Message: "accepted",
					Basis: profile.Decided, Why: "a strict-mode rejection", Evidence: ev}}},
			{ID: "RS-AMB-1", Level: "AMBIGUOUS", Area: "validation", Text: "click_id", Status: conformance.Ambiguous, Reading: "lenient",
				Message: "accepted, the lenient reading", Checks: []conformance.CertCheck{{Name: "rejects in strict mode bet without click_id", Area: "validation", Status: conformance.Ambiguous, Reading: "lenient"}}},
			{ID: "RS-DUP-1", Level: "decision", Area: "idempotency", Text: "dup", Status: conformance.Skip, Message: "needs the inspection API",
				Checks: []conformance.CertCheck{{Name: "records twice", Area: "idempotency", Status: conformance.Skip, Message: "needs the inspection API"}}},
		}}},
	}
	for i := range c.Profiles {
		p := &c.Profiles[i]
		for _, r := range p.Rules {
			p.Counts.Add(r.Status)
			c.Counts.Add(r.Status)
		}
	}
	return c
}

func certGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateCertificate {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-certificate to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update-certificate after checking):\n%s", name, got)
	}
}

func TestCertificateMarkdown(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := CertificateMarkdown(&buf, sampleCertificate()); err != nil {
		t.Fatal(err)
	}
	certGolden(t, "certificate.golden.md", buf.Bytes())
	if !strings.Contains(buf.String(), `want 400 \| sic`) {
		t.Errorf("a | in a message must be escaped in a table cell")
	}
}

func TestCertificateJUnit(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, CertificateJUnit(sampleCertificate())); err != nil {
		t.Fatal(err)
	}
	certGolden(t, "certificate.golden.junit.xml", buf.Bytes())
	var back JUnit
	if err := xml.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		giveRule    string
		wantFailure bool
		wantSkipped bool
	}{
		{giveRule: "RS-AUTH-1 (MUST)"},
		{giveRule: "RS-BODY-1 (MUST)", wantFailure: true},
		{giveRule: "RS-IP-1 (SHOULD)"},
		{giveRule: "RS-AMB-1 (AMBIGUOUS)"},
		{giveRule: "RS-DUP-1 (decision)", wantSkipped: true},
	}
	if back.Tests != len(tests)+1 || back.Failures != 1 || back.Skipped != 1 || back.Errors != 0 {
		t.Fatalf("got tests=%d failures=%d skipped=%d, want %d, 1, 1", back.Tests, back.Failures, back.Skipped, len(tests))
	}
	for i, tt := range tests {
		c := back.Suites[0].Cases[i]
		if c.Name != tt.giveRule || (c.Failure != nil) != tt.wantFailure || (c.Skipped != nil) != tt.wantSkipped {
			t.Errorf("case %d: got %s failure=%v skipped=%v, want %s failure=%v skipped=%v", i, c.Name, c.Failure != nil,
				c.Skipped != nil, tt.giveRule, tt.wantFailure, tt.wantSkipped)
		}
	}
}

// TestCertificateJSONRoundTrip: the JSON a run writes reads back with unknown
// members refused (the way `s2s report` reads it), unchanged.
func TestCertificateJSONRoundTrip(t *testing.T) {
	t.Parallel()
	c := sampleCertificate()
	var file bytes.Buffer
	if err := CertificateFiles(c)[CertificateJSONFile](&file); err != nil {
		t.Fatal(err)
	}
	var back conformance.Certificate
	if err := ReadJSON(&file, &back); err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := WriteCertificate(&a, c); err != nil {
		t.Fatal(err)
	}
	if err := WriteCertificate(&b, &back); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("round trip changed the certificate:\n%s\nvs\n%s", a.String(), b.String())
	}
	certGolden(t, "certificate.golden.json", a.Bytes())
	for _, f := range []string{"certificate.md", "junit.xml"} {
		if _, ok := CertificateFiles(c)[f]; !ok {
			t.Errorf("CertificateFiles lacks %s", f)
		}
	}
}

func TestCertificateText(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := CertificateText(&buf, sampleCertificate()); err != nil {
		t.Fatal(err)
	}
	certGolden(t, "certificate.golden.txt", buf.Bytes())
	for _, want := range []string{"fail RS-BODY-1 (MUST)", `amb  RS-AMB-1 reads "lenient"`, "NOT CERTIFIED"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestReadCertificateRefusesAnotherSchema(t *testing.T) {
	t.Parallel()
	c := sampleCertificate()
	c.Schema = "s2s-certificate/0"
	var file bytes.Buffer
	if err := CertificateRenderers(c)["json"](&file); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCertificate(&file); err == nil || !strings.Contains(err.Error(), "s2s-certificate/0") {
		t.Fatalf("got %v, want an error naming the schema", err)
	}
}

// TestCertificateHTML: one self-contained page (nothing loaded from elsewhere)
// showing the verdict, the want and got of a failing check, its citation in
// the original language with the translation, and the decided basis of a
// warning.
func TestCertificateHTML(t *testing.T) {
	var buf bytes.Buffer
	if err := CertificateHTML(&buf, sampleCertificate()); err != nil {
		t.Fatal(err)
	}
	certGolden(t, "certificate.golden.html", buf.Bytes())
	page := buf.String()
	for _, want := range []string{"NOT CERTIFIED", "缺少必填字段", "a required field is missing", "rejected with 400", "decided", "curl -sS"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script src", "<link", "src=\"http", "@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("page loads from elsewhere: %q", bad)
		}
	}
}

// TestCertificateIncompleteAndPartial: a run that stopped says so in every
// format (JUnit as an error, so CI goes red), and a partial one lists the
// MUST rules no check judged, with the reason, next to the verdict.
func TestCertificateIncompleteAndPartial(t *testing.T) {
	c := sampleCertificate()
	c.Complete, c.Certified, c.Reason, c.ChecksRun, c.ChecksSelected = false, false, "interrupted", 2, 5
	c.Partial = true
	c.Uncovered = []conformance.CertGap{{Profile: "revosurge", Rule: "RS-DUP-1", Reason: "needs the inspection API"}}
	c.Profiles[0].Diagnosis = []conformance.CertDiagnosis{{Probe: "signature scheme", Rule: "RS-BODY-1", Summary: "accepts instead: HMAC over the raw body bytes"}}
	for name, render := range CertificateRenderers(c) {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		want := []string{"INCOMPLETE", "interrupted", "RS-DUP-1", "needs the inspection API"}
		if name != "json" {
			want = append(want, "2 of 5 checks ran")
		} else {
			want = append(want, `"complete": false`, `"certified": false`, `"reason": "interrupted"`)
			want = want[1:]
		}
		if name != "text" {
			want = append(want, "HMAC over the raw body bytes")
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: no %q in\n%s", name, w, out)
			}
		}
	}
	// The big verdict of the HTML page never looks like a certificate.
	for _, tc := range []struct {
		complete, certified bool
		want                string
	}{{false, false, `look-verdict warn`}, {true, true, `look-verdict warn`}, {true, false, `look-verdict bad`}} {
		c := *c
		c.Complete, c.Certified = tc.complete, tc.certified
		var page bytes.Buffer
		if err := CertificateHTML(&page, &c); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(page.String(), tc.want) {
			t.Errorf("complete %v certified %v partial: the verdict block is not %q", tc.complete, tc.certified, tc.want)
		}
	}
	var b bytes.Buffer
	if err := WriteJUnit(&b, CertificateJUnit(c)); err != nil {
		t.Fatal(err)
	}
	var back JUnit
	if err := xml.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Errors != 1 {
		t.Errorf("an incomplete run has %d JUnit errors, want 1", back.Errors)
	}
	for _, cs := range back.Suites[0].Cases {
		if cs.Name == "RS-BODY-1 (MUST)" && (cs.Failure == nil || !strings.Contains(cs.Failure.Message, "HMAC over the raw body bytes")) {
			t.Errorf("the failing case's message does not carry the diagnosis: %+v", cs.Failure)
		}
	}
}
