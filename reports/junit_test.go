package reports

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func TestJUnitCountsAndEscapes(t *testing.T) {
	var s JUnitSuite
	s.Name = "revosurge"
	s.Add(JUnitCase{Name: "RS-AUTH-1", Classname: "auth", Time: 0.5})
	s.Add(JUnitCase{Name: "RS-BODY-1", Classname: "validation", Failure: &JUnitMessage{Message: `got 200 <want 400> & "more"`, Text: "curl ..."}})
	s.Add(JUnitCase{Name: "RS-DUP-1", Classname: "idempotency", Skipped: &JUnitMessage{Message: "needs -inspect"}})
	j := NewJUnit("s2s conform", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), s)
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, j); err != nil {
		t.Fatal(err)
	}
	var back JUnit
	if err := xml.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, buf.String())
	}
	if back.Tests != 3 || back.Failures != 1 || back.Skipped != 1 || back.Suites[0].Timestamp != "2026-01-02T03:04:05" {
		t.Fatalf("got tests=%d failures=%d skipped=%d ts=%q", back.Tests, back.Failures, back.Skipped, back.Suites[0].Timestamp)
	}
	if got := back.Suites[0].Cases[1].Failure.Message; got != `got 200 <want 400> & "more"` {
		t.Fatalf("message round trip: %q", got)
	}
	if !strings.HasPrefix(buf.String(), "<?xml") {
		t.Fatal("no XML header")
	}
}

func TestReadJSONRefusesUnknownMembers(t *testing.T) {
	var got struct{ X int }
	if err := ReadJSON(strings.NewReader(`{"x":1}`), &got); err != nil || got.X != 1 {
		t.Fatalf("ReadJSON = %v, %v", got, err)
	}
	if err := ReadJSON(strings.NewReader(`{"x":1,"y":2}`), &got); err == nil {
		t.Fatal("ReadJSON accepted an unknown member")
	}
}
