package reports

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func TestJUnitCountsAndEscapes(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	var got struct{ X int }
	if err := ReadJSON(strings.NewReader(`{"x":1}`), &got); err != nil || got.X != 1 {
		t.Fatalf("ReadJSON = %v, %v", got, err)
	}
	if err := ReadJSON(strings.NewReader(`{"x":1,"y":2}`), &got); err == nil {
		t.Fatal("ReadJSON accepted an unknown member")
	}
}

// TestJUnitTimesInMilliseconds: times are written rounded to the millisecond,
// sums included, and the document given is left as it was.
func TestJUnitTimesInMilliseconds(t *testing.T) {
	var s JUnitSuite
	s.Name = "p"
	s.Add(JUnitCase{Name: "a", Time: 0.1})
	s.Add(JUnitCase{Name: "b", Time: 0.2})
	s.Add(JUnitCase{Name: "c", Time: 1.23456789})
	j := NewJUnit("s2s", time.Time{}, s)
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, j); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`time="1.535"`, `time="1.235"`, `time="0.1"`, `time="0.2"`} {
		if !strings.Contains(out, want) {
			t.Errorf("want %s in\n%s", want, out)
		}
	}
	if strings.Contains(out, "0.30000000000000004") || strings.Contains(out, "1.23456789") {
		t.Errorf("unrounded time in\n%s", out)
	}
	if j.Suites[0].Cases[2].Time != 1.23456789 {
		t.Error("WriteJUnit changed the document it was given")
	}
}
