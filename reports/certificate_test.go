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
)

var updateCertificate = flag.Bool("update-certificate", false, "rewrite the certificate golden files")

// sampleCertificate has a rule of every status.
func sampleCertificate() *Certificate {
	ev := &CertEvidence{
		Request: CertRequest{Method: "POST", URL: "http://127.0.0.1:8080/v2/s2s/event",
			Header: map[string]string{"Content-Type": "application/json", "X-Api-Key": "<redacted>"}, Body: `{"event_name":"login"}`, BodyBytes: 22},
		Response: &CertResponse{Status: 200, Header: map[string]string{"Content-Type": "application/json"}, Body: `{"status":"queued"}`, BodyBytes: 19},
		Curl:     "curl -sS -i -X POST 'http://127.0.0.1:8080/v2/s2s/event' \\\n  -H 'X-Api-Key: <redacted>' \\\n  --data-binary '{\"event_name\":\"login\"}'",
		Notes:    []string{"journal: outcome \"accepted\""},
	}
	c := &Certificate{Schema: CertificateSchema, Tool: "s2s 0.1.0", Target: "http://127.0.0.1:8080", Mode: "strict",
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), DurationMS: 1234, Seed: 42,
		Profiles: []CertProfile{{Name: "revosurge", Title: "RevoSurge DataPulse server events", Checks: 5, Rules: []CertRule{
			{ID: "RS-AUTH-1", Level: "MUST", Area: "auth", Text: "X-API-Key required", Status: VerdictPass, Message: "rejected (401)",
				Checks: []CertCheck{{Name: "rejects no X-API-Key header", Area: "auth", Status: VerdictPass, Message: "rejected (401)", DurationMS: 1.5}}},
			{ID: "RS-BODY-1", Level: "MUST", Area: "validation", Text: "required fields", Status: VerdictFail, Message: "drop client_user_id: accepted (200); want 400 | sic",
				Evidence: ev, Checks: []CertCheck{{Name: "rejects drop client_user_id", Area: "validation", Status: VerdictFail,
					Message: "accepted (200); want 400", DurationMS: 2, Evidence: ev}}},
			{ID: "RS-IP-1", Level: "SHOULD", Area: "validation", Text: "ip", Status: VerdictWarn, Message: "accepted; strict mode rejects it",
				Evidence: ev, Checks: []CertCheck{{Name: "rejects in strict mode bad ip", Area: "validation", Status: VerdictWarn, Message: "accepted", Evidence: ev}}},
			{ID: "RS-AMB-1", Level: "AMBIGUOUS", Area: "validation", Text: "click_id", Status: VerdictAmbiguous, Reading: "lenient",
				Message: "accepted, the lenient reading", Checks: []CertCheck{{Name: "rejects in strict mode bet without click_id", Area: "validation", Status: VerdictAmbiguous, Reading: "lenient"}}},
			{ID: "RS-DUP-1", Level: "decision", Area: "idempotency", Text: "dup", Status: VerdictSkip, Message: "needs the inspection API",
				Checks: []CertCheck{{Name: "records twice", Area: "idempotency", Status: VerdictSkip, Message: "needs the inspection API"}}},
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
	if back.Tests != len(tests) || back.Failures != 1 || back.Skipped != 1 {
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
	var back Certificate
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

func TestWorseVerdict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		giveA, giveB Verdict
		want         Verdict
	}{
		{VerdictPass, VerdictFail, VerdictFail},
		{VerdictWarn, VerdictAmbiguous, VerdictWarn},
		{VerdictSkip, VerdictPass, VerdictPass},
		{VerdictAmbiguous, VerdictPass, VerdictAmbiguous},
		{"", VerdictSkip, VerdictSkip},
	}
	for _, tt := range tests {
		if got := WorseVerdict(tt.giveA, tt.giveB); got != tt.want {
			t.Errorf("WorseVerdict(%q, %q): got %q, want %q", tt.giveA, tt.giveB, got, tt.want)
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
