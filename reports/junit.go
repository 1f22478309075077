package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// JUnit is a JUnit XML document: the shape CI systems (Jenkins, GitLab, GitHub
// test reporters) read. Conformance writes a test case per rule, load one per
// SLA threshold.
type JUnit struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is one testsuite (a profile, a scenario).
type JUnitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       float64         `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []JUnitProperty `xml:"properties>property,omitempty"`
	Cases      []JUnitCase     `xml:"testcase"`
}

// JUnitProperty is a name/value pair on a suite.
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitCase is one test case; at most one of Failure, Error, Skipped is set.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *JUnitMessage `xml:"failure,omitempty"`
	Error     *JUnitMessage `xml:"error,omitempty"`
	Skipped   *JUnitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// JUnitMessage is a failure, error or skip reason.
type JUnitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// Add appends a case to the suite and keeps its counts.
func (s *JUnitSuite) Add(c JUnitCase) {
	s.Cases = append(s.Cases, c)
	s.Tests++
	s.Time += c.Time
	switch {
	case c.Failure != nil:
		s.Failures++
	case c.Error != nil:
		s.Errors++
	case c.Skipped != nil:
		s.Skipped++
	}
}

// NewJUnit assembles suites into a document with totals.
func NewJUnit(name string, start time.Time, suites ...JUnitSuite) JUnit {
	j := JUnit{Name: name}
	for i := range suites {
		if suites[i].Timestamp == "" && !start.IsZero() {
			suites[i].Timestamp = start.UTC().Format("2006-01-02T15:04:05")
		}
		j.Tests += suites[i].Tests
		j.Failures += suites[i].Failures
		j.Errors += suites[i].Errors
		j.Skipped += suites[i].Skipped
		j.Time += suites[i].Time
	}
	j.Suites = suites
	return j
}

// WriteJUnit writes j as XML, every time rounded to the millisecond: sums of
// float seconds print as 0.30000000000000004, and CI shows milliseconds.
func WriteJUnit(w io.Writer, j JUnit) error {
	j = roundTimes(j)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(j); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// roundTimes returns j with every time rounded to the millisecond; j's own
// suites and cases are not changed.
func roundTimes(j JUnit) JUnit {
	j.Time = millis(j.Time)
	j.Suites = slices.Clone(j.Suites)
	for i := range j.Suites {
		s := &j.Suites[i]
		s.Time = millis(s.Time)
		s.Cases = slices.Clone(s.Cases)
		for k := range s.Cases {
			s.Cases[k].Time = millis(s.Cases[k].Time)
		}
	}
	return j
}

func millis(secs float64) float64 { return math.Round(secs*1000) / 1000 }
