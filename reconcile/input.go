package reconcile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// The columns of a dump, by their default names.
const (
	ColEventID  = "event_id"
	ColClickID  = "click_id"
	ColEvent    = "event"
	ColTS       = "ts_event"
	ColAmount   = "amount"
	ColCurrency = "currency"
	ColStatus   = "status"
)

// Columns lists the columns a dump may have, in their order.
func Columns() []string {
	return []string{ColEventID, ColClickID, ColEvent, ColTS, ColAmount, ColCurrency, ColStatus}
}

// Kind says what a row of the tracker side is.
type Kind uint8

// The kinds of rows. Only the mock's journal (and read-back sources that
// carry the outcome) yield Refused and Replayed rows.
const (
	Recorded Kind = iota // the side counts the event
	Refused              // the receiver refused it (Rule says why); not counted
	Replayed             // the receiver acknowledged a repeat and recorded nothing
)

// Row is one event of a dump.
type Row struct {
	EventID, ClickID, Event string
	TS                      time.Time // UTC
	Amount                  Money
	HasAmount               bool
	Currency                string
	Status                  string
	Line                    int // line of the file (the journal's sequence number)
	Kind                    Kind
	Rule, Reason            string // why a Refused row was refused
}

// Reader yields one side's rows in order. Next returns io.EOF at the end and
// an *InputError for a bad row; a reader goes on after a bad row, so a caller
// can report several.
type Reader interface {
	Next(ctx context.Context) (Row, error)
	// Name names the source in errors and reports (a file, journal:URL).
	Name() string
	// Format is csv, jsonl, journal or readback.
	Format() string
}

// InputError is a bad row or header: the file, line and column it is at.
type InputError struct {
	File   string
	Line   int
	Column string // the column (CSV) or member (JSON) as the file names it
	Unit   string // "line" (default) or "entry" (the journal)
	Msg    string
}

func (e *InputError) Error() string {
	unit := e.Unit
	if unit == "" {
		unit = "line"
	}
	where := fmt.Sprintf("%s: %s %d", e.File, unit, e.Line)
	if unit == "line" {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Column != "" {
		return fmt.Sprintf("%s: column %q: %s", where, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s: %s", where, e.Msg)
}

// Map names a dump's columns: our column → the file's name for it. Columns
// not in it keep their default names.
type Map map[string]string

// ParseMap reads "-map event_id=txid,ts_event=created_at".
func ParseMap(s string) (Map, error) {
	m := Map{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("map %q: want column=name, e.g. event_id=txid", part)
		}
		if err := m.set(strings.TrimSpace(k), strings.TrimSpace(v)); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// ParseMapYAML reads a column map file: `event_id: txid` a line.
func ParseMapYAML(data []byte) (Map, error) {
	var raw map[string]string
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("column map: %w", err)
	}
	m := Map{}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if err := m.set(k, raw[k]); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m Map) set(k, v string) error {
	if !slices.Contains(Columns(), k) {
		return fmt.Errorf("map %s=%s: unknown column %q (columns: %s)", k, v, k, strings.Join(Columns(), ", "))
	}
	if v == "" {
		return fmt.Errorf("map %s: empty name", k)
	}
	m[k] = v
	return nil
}

// Merge returns m with over's entries on top.
func (m Map) Merge(over Map) Map {
	out := Map{}
	maps.Copy(out, m)
	maps.Copy(out, over)
	return out
}

func (m Map) name(col string) string {
	if v, ok := m[col]; ok {
		return v
	}
	return col
}

// maxLine bounds one JSON line.
const maxLine = 1 << 20

// NewReader reads a dump named name: JSON Lines when its first character is
// "{", otherwise CSV with a header (comma, semicolon or tab, from the header).
func NewReader(name string, r io.Reader, m Map) (Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4096)
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	t := bytes.TrimLeft(head, " \t\r\n")
	if len(t) == 0 {
		return nil, &InputError{File: name, Line: 1, Msg: "empty: want a CSV header line or JSON Lines"}
	}
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\ufeff")) {
		_, _ = br.Discard(3)
	}
	if t[0] == '{' {
		sc := bufio.NewScanner(br)
		sc.Buffer(make([]byte, 64<<10), maxLine)
		return &jsonlReader{name: name, sc: sc, m: m}, nil
	}
	return newCSV(name, br, head, m)
}

type csvReader struct {
	name string
	r    *csv.Reader
	idx  [7]int // index of each of Columns() in a record, -1 absent
	hdr  []string
}

func newCSV(name string, br *bufio.Reader, head []byte, m Map) (*csvReader, error) {
	first, _, _ := bytes.Cut(head, []byte("\n"))
	comma := ','
	if !bytes.ContainsRune(first, ',') {
		if bytes.ContainsRune(first, ';') {
			comma = ';'
		} else if bytes.ContainsRune(first, '\t') {
			comma = '\t'
		}
	}
	r := csv.NewReader(br)
	r.Comma = comma
	r.ReuseRecord = true
	hdr, err := r.Read()
	if err != nil {
		return nil, csvError(name, err)
	}
	c := &csvReader{name: name, r: r, hdr: slices.Clone(hdr)}
	for i := range c.hdr {
		c.hdr[i] = strings.TrimSpace(c.hdr[i])
	}
	for i, col := range Columns() {
		c.idx[i] = slices.Index(c.hdr, m.name(col))
	}
	if err := checkColumns(name, m, func(col string) bool { return c.idx[slices.Index(Columns(), col)] >= 0 },
		"the header has: "+strings.Join(c.hdr, ", ")); err != nil {
		return nil, err
	}
	return c, nil
}

// checkColumns requires event, ts_event, and event_id or click_id.
func checkColumns(file string, m Map, has func(string) bool, have string) error {
	for _, col := range []string{ColEvent, ColTS} {
		if !has(col) {
			return &InputError{File: file, Line: 1, Column: m.name(col), Msg: fmt.Sprintf("missing (%s); name it with -map %s=NAME", have, col)}
		}
	}
	if !has(ColEventID) && !has(ColClickID) {
		return &InputError{File: file, Line: 1, Column: m.name(ColEventID), Msg: fmt.Sprintf("missing, and no %q either (%s); name it with -map event_id=NAME", m.name(ColClickID), have)}
	}
	return nil
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &InputError{File: name, Line: pe.Line, Column: fmt.Sprintf("#%d", pe.Column), Msg: pe.Err.Error()}
	}
	if errors.Is(err, io.EOF) {
		return &InputError{File: name, Line: 1, Msg: "no header line"}
	}
	return fmt.Errorf("%s: %w", name, err)
}

func (c *csvReader) Name() string   { return c.name }
func (c *csvReader) Format() string { return "csv" }

func (c *csvReader) Next(context.Context) (Row, error) {
	rec, err := c.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Row{}, io.EOF
		}
		return Row{}, csvError(c.name, err)
	}
	line, _ := c.r.FieldPos(0)
	return build(c.name, line, func(i int) (string, bool, string) {
		k := c.idx[i]
		if k < 0 {
			return "", false, ""
		}
		return strings.TrimSpace(rec[k]), true, c.hdr[k]
	})
}

// build makes a row from its columns' text: get(i) returns the text of the
// i-th of Columns(), whether the dump has it, and the dump's name for it.
func build(file string, line int, get func(i int) (string, bool, string)) (Row, error) {
	r := Row{Line: line}
	bad := func(col, format string, args ...any) (Row, error) {
		return Row{}, &InputError{File: file, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
	}
	r.EventID, _, _ = get(0)
	r.ClickID, _, _ = get(1)
	if r.EventID == "" && r.ClickID == "" {
		_, _, name := get(0)
		return bad(name, "empty, and no click_id: the row cannot be matched")
	}
	var name string
	r.Event, _, name = get(2)
	if r.Event == "" {
		return bad(name, "empty: every row needs its event type")
	}
	ts, _, name := get(3)
	t, err := parseTime(ts)
	if err != nil {
		return bad(name, "%v", err)
	}
	r.TS = t
	amount, _, name := get(4)
	if amount != "" {
		if r.Amount, err = ParseMoney(amount); err != nil {
			return bad(name, "%v", err)
		}
		r.HasAmount = true
	}
	cur, _, name := get(5)
	if cur != "" {
		if !isCurrency(cur) {
			return bad(name, "%q: want an ISO 4217 code like USD (§4)", cur)
		}
		r.Currency = strings.ToUpper(cur)
	}
	r.Status, _, _ = get(6)
	return r, nil
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("empty: want an RFC 3339 time like 2025-10-21T15:12:31Z")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want RFC 3339 with Z or an offset, like 2025-10-21T15:12:31Z (§7: every timestamp in UTC)", s)
	}
	return t.UTC(), nil
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range []byte(strings.ToUpper(s)) {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

type jsonlReader struct {
	name string
	sc   *bufio.Scanner
	m    Map
	line int
	buf  []member
	done bool
}

func (j *jsonlReader) Name() string   { return j.name }
func (j *jsonlReader) Format() string { return "jsonl" }

func (j *jsonlReader) Next(context.Context) (Row, error) {
	for {
		if j.done || !j.sc.Scan() {
			j.done = true
			if err := j.sc.Err(); err != nil {
				j.sc = bufio.NewScanner(strings.NewReader("")) // report once
				if errors.Is(err, bufio.ErrTooLong) {
					return Row{}, &InputError{File: j.name, Line: j.line + 1, Msg: fmt.Sprintf("line longer than %d bytes", maxLine)}
				}
				return Row{}, fmt.Errorf("%s: %w", j.name, err)
			}
			return Row{}, io.EOF
		}
		j.line++
		b := bytes.TrimSpace(j.sc.Bytes())
		if len(b) == 0 {
			continue // a blank line (a trailing newline) is no row
		}
		return parseObject(j.name, j.line, b, j.m, &j.buf, "")
	}
}

// member is one top-level member of a JSON object: its key (unquoted) and
// its value as written.
type member struct {
	key string
	raw []byte
}

// members splits a valid JSON object (json.Valid first) into its top-level members, reusing
// buf; false when b is not an object. Much faster than decoding into a map,
// and a million lines a side need it.
func members(b []byte, buf []member) ([]member, bool) {
	buf = buf[:0]
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return buf, false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return buf, true
	}
	for i < len(b) {
		end := stringEnd(b, i)
		key := b[i+1 : end-1]
		k := string(key)
		if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
			_ = json.Unmarshal(b[i:end], &k)
		}
		i = skipWS(b, end)
		i = skipWS(b, i+1) // the colon
		vend := valueEnd(b, i)
		buf = append(buf, member{key: k, raw: b[i:vend]})
		i = skipWS(b, vend)
		if i >= len(b) || b[i] == '}' {
			break
		}
		i = skipWS(b, i+1) // the comma
	}
	return buf, true
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// stringEnd is the index after the string that starts at b[i] == '"'.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// valueEnd is the index after the value that starts at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = stringEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ' ' && b[j] != '\t' && b[j] != '\r' && b[j] != '\n' {
		j++
	}
	return j
}

// lookup finds a member by key; a dotted key (meta.created_at) that is not
// a member itself is a path into nested objects, for exports that nest.
func lookup(ms []member, key string) ([]byte, bool) {
	for i := range ms {
		if ms[i].key == key {
			return ms[i].raw, true
		}
	}
	head, rest, ok := strings.Cut(key, ".")
	if !ok {
		return nil, false
	}
	raw, ok := lookup(ms, head)
	if !ok {
		return nil, false
	}
	sub, ok := members(raw, nil) // raw is part of a valid document
	if !ok {
		return nil, false
	}
	return lookup(sub, rest)
}

// parseObject reads one JSON object as a row; buf is reused between calls.
func parseObject(file string, line int, b []byte, m Map, buf *[]member, unit string) (Row, error) {
	var ms []member
	ok := json.Valid(b) // members reads valid JSON only
	if ok {
		ms, ok = members(b, *buf)
		*buf = ms
	}
	if !ok {
		msg := "not a JSON object"
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			msg += ": " + strings.TrimPrefix(err.Error(), "json: ")
		}
		return Row{}, &InputError{File: file, Line: line, Unit: unit, Msg: msg}
	}
	for _, col := range []string{ColEvent, ColTS} {
		if _, ok := lookup(ms, m.name(col)); !ok {
			return Row{}, &InputError{File: file, Line: line, Unit: unit, Column: m.name(col), Msg: fmt.Sprintf("missing; name it with -map %s=NAME", col)}
		}
	}
	var errCol, errMsg string
	row, err := build(file, line, func(i int) (string, bool, string) {
		name := m.name(Columns()[i])
		raw, ok := lookup(ms, name)
		if !ok || errCol != "" {
			return "", ok, name
		}
		s, err := scalarText(raw, Columns()[i] == ColAmount)
		if err != nil {
			errCol, errMsg = name, err.Error()
		}
		return s, true, name
	})
	if errCol != "" {
		return Row{}, &InputError{File: file, Line: line, Unit: unit, Column: errCol, Msg: errMsg}
	}
	var ie *InputError
	if errors.As(err, &ie) {
		ie.Unit = unit
	}
	return row, err
}

// scalarText is a JSON member's text: a string unquoted, a number as
// written, null as "". An amount may be a number or a string.
func scalarText(raw []byte, number bool) (string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", nil
	case raw[0] == '"':
		if bytes.IndexByte(raw, '\\') < 0 {
			return strings.TrimSpace(string(raw[1 : len(raw)-1])), nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return strings.TrimSpace(s), nil
	case raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9':
		return string(raw), nil
	case number:
		return "", fmt.Errorf("%s: want a number like 100.00", raw)
	}
	return "", fmt.Errorf("%s: want a string", raw)
}

// Money is an amount in millionths of the currency unit: exact sums, and
// the 0.01 tolerance compares integers.
type Money int64

// moneyScale is the number of Money units in one currency unit.
const moneyScale = 1_000_000

// ParseMoney reads "100.00", "-5", "12.345": a "." for decimals (§13.3), at
// most six of them.
func ParseMoney(s string) (Money, error) {
	bad := func() (Money, error) {
		hint := ""
		if strings.Contains(s, ",") {
			hint = "; a decimal comma is the parse error §13.3 warns of"
		}
		return 0, fmt.Errorf("%q: want a number with \".\" decimals like 100.00%s", s, hint)
	}
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if strings.ContainsAny(body, "eE") { // a JSON number may be written so
		if f, err := strconv.ParseFloat(s, 64); err == nil && f > -1e12 && f < 1e12 {
			return Money(f*moneyScale + math.Copysign(0.5, f)), nil
		}
		return bad()
	}
	ip, fp, dot := strings.Cut(body, ".")
	if ip == "" || dot && fp == "" || len(fp) > 6 || len(ip) > 12 || strings.HasPrefix(body, "-") || strings.HasPrefix(body, "+") {
		return bad()
	}
	var v int64
	for _, c := range ip + fp {
		if c < '0' || c > '9' {
			return bad()
		}
		v = v*10 + int64(c-'0')
	}
	for range 6 - len(fp) {
		v *= 10
	}
	if neg {
		v = -v
	}
	return Money(v), nil
}

// String writes m with at least two decimals: 100.00, 12.345.
func (m Money) String() string {
	neg := m < 0
	if neg {
		m = -m
	}
	s := fmt.Sprintf("%d.%06d", int64(m)/moneyScale, int64(m)%moneyScale)
	s = strings.TrimRight(s, "0")
	if i := strings.IndexByte(s, '.'); len(s)-i < 3 {
		s += strings.Repeat("0", 3-(len(s)-i))
	}
	if neg {
		return "-" + s
	}
	return s
}

// Float is m in currency units.
func (m Money) Float() float64 { return float64(m) / moneyScale }

// MarshalJSON writes m as a JSON number.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalJSON reads a JSON number.
func (m *Money) UnmarshalJSON(b []byte) error {
	v, err := ParseMoney(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
