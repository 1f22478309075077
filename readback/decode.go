package readback

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// Decoder turns one answer of a vendor's record API into Records: it finds
// the array at Items, reads each record's members by the names in Fields,
// and derives the key from the body with the profile's key function.
type Decoder struct {
	Items      string
	Cursor     string
	Fields     Fields
	TimeFormat string
	Profiles   map[string]string // ours → the vendor's
	Lookup     Profiles          // nil: keys only from the key field
}

// maxRecordsPerPage bounds one answer: a hostile or broken API cannot make
// the harness hold an unbounded page.
const maxRecordsPerPage = 1_000_000

// Decode reads one answer. profile is the profile of records without a
// profile field (our name); pos is the position of the page's first record,
// the cursor of a source without a cursor field. Errors name the record and
// the field.
func (d *Decoder) Decode(answer []byte, profile string, pos int) ([]Record, error) {
	root := json.RawMessage(bytes.TrimSpace(answer))
	arr, err := at(root, d.Items)
	if err != nil {
		return nil, fmt.Errorf("items %q: %w", d.Items, err)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(arr, &items); err != nil {
		return nil, fmt.Errorf("items %q: want an array of records: %w", d.Items, plain(err))
	}
	if len(items) > maxRecordsPerPage {
		return nil, fmt.Errorf("items %q: %d records in one answer, more than %d", d.Items, len(items), maxRecordsPerPage)
	}
	out := make([]Record, 0, len(items))
	for i, raw := range items {
		rec, err := d.record(raw, profile)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		if d.Cursor == "" {
			rec.Cursor = strconv.Itoa(pos + i + 1)
		}
		out = append(out, rec)
	}
	return out, nil
}

func (d *Decoder) record(raw json.RawMessage, profile string) (Record, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return Record{}, errors.New("want a JSON object")
	}
	get := func(name string) (json.RawMessage, bool) {
		if name == "" {
			return nil, false
		}
		v, err := at(raw, name)
		if err != nil || isNull(v) {
			return nil, false
		}
		return v, true
	}
	rec := Record{Profile: profile}
	f := d.Fields
	if v, ok := get(f.Profile); ok {
		s, err := scalar(v)
		if err != nil {
			return Record{}, fmt.Errorf("field %s (profile): %w", f.Profile, err)
		}
		rec.Profile = ourName(d.Profiles, s)
	}
	if v, ok := get(f.Body); ok {
		body, err := bodyOf(v)
		if err != nil {
			return Record{}, fmt.Errorf("field %s (body): %w", f.Body, err)
		}
		rec.Body = body
		if p := d.lookup(rec.Profile); p != nil {
			if rec.Key, err = KeyOf(p, body); err != nil {
				return Record{}, fmt.Errorf("field %s (body): %w", f.Body, err)
			}
		}
	} else if f.Body != "" && f.Key == "" {
		return Record{}, fmt.Errorf("field %s (body): missing", f.Body)
	}
	if v, ok := get(f.Key); ok && rec.Key == "" {
		s, err := scalar(v)
		if err != nil {
			return Record{}, fmt.Errorf("field %s (key): %w", f.Key, err)
		}
		rec.Key = s
	}
	if v, ok := get(f.ReceivedAt); ok {
		t, err := parseTime(v, d.TimeFormat)
		if err != nil {
			return Record{}, fmt.Errorf("field %s (received_at): %w", f.ReceivedAt, err)
		}
		rec.ReceivedAt = t
	}
	if f.RecordedAt == "" {
		// No such field: a record listed is a record kept, at its receipt.
		t := rec.ReceivedAt
		rec.RecordedAt = &t
	} else if v, ok := get(f.RecordedAt); ok {
		t, err := parseTime(v, d.TimeFormat)
		if err != nil {
			return Record{}, fmt.Errorf("field %s (recorded_at): %w", f.RecordedAt, err)
		}
		rec.RecordedAt = &t
	}
	flags := []struct {
		name, role string
		dst        *bool
	}{{f.Dropped, "dropped", &rec.Dropped}, {f.Duplicate, "duplicate", &rec.Duplicate}, {f.ProbableDuplicate, "probable_duplicate", &rec.ProbableDuplicate}}
	for _, fl := range flags {
		if v, ok := get(fl.name); ok {
			b, err := boolOf(v)
			if err != nil {
				return Record{}, fmt.Errorf("field %s (%s): %w", fl.name, fl.role, err)
			}
			*fl.dst = b
		}
	}
	rec.HasFlags = f.Duplicate != "" || f.ProbableDuplicate != ""
	if d.Cursor != "" {
		v, ok := get(d.Cursor)
		if !ok {
			return Record{}, fmt.Errorf("field %s (cursor): missing", d.Cursor)
		}
		s, err := scalar(v)
		if err != nil {
			return Record{}, fmt.Errorf("field %s (cursor): %w", d.Cursor, err)
		}
		rec.Cursor = s
	}
	return rec, nil
}

func (d *Decoder) lookup(name string) *profile.Profile {
	if d.Lookup == nil || name == "" {
		return nil
	}
	return d.Lookup(name)
}

// at walks a dotted path of object members ("" or "." is the value itself).
func at(v json.RawMessage, path string) (json.RawMessage, error) {
	if path == "" || path == "." {
		return v, nil
	}
	for _, part := range strings.Split(path, ".") {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(v, &obj); err != nil || obj == nil {
			return nil, fmt.Errorf("%s: not inside a JSON object", part)
		}
		next, ok := obj[part]
		if !ok {
			return nil, fmt.Errorf("%s: missing", part)
		}
		v = next
	}
	return v, nil
}

func isNull(v json.RawMessage) bool { return len(v) == 0 || string(v) == "null" }

// bodyOf accepts an object (or array) as is, or a string holding JSON.
func bodyOf(v json.RawMessage) (json.RawMessage, error) {
	switch v[0] {
	case '{', '[':
		return v, nil
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, plain(err)
		}
		s = strings.TrimSpace(s)
		if !json.Valid([]byte(s)) {
			return nil, errors.New("a string that is not JSON")
		}
		return json.RawMessage(s), nil
	}
	return nil, fmt.Errorf("%s: want a JSON object or a string holding one", short(string(v)))
}

// scalar reads a string, number or boolean as text.
func scalar(v json.RawMessage) (string, error) {
	switch v[0] {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", plain(err)
		}
		return s, nil
	case '{', '[':
		return "", fmt.Errorf("%s: want a string or a number", short(string(v)))
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err == nil {
		return n.String(), nil
	}
	var b bool
	if err := json.Unmarshal(v, &b); err == nil {
		return strconv.FormatBool(b), nil
	}
	return "", fmt.Errorf("%s: want a string or a number", short(string(v)))
}

func boolOf(v json.RawMessage) (bool, error) {
	s, err := scalar(v)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(s) {
	case "true", "1", "t":
		return true, nil
	case "false", "0", "f", "":
		return false, nil
	}
	return false, fmt.Errorf("%q: want a boolean", s)
}

// parseTime reads a time in format: RFC 3339 text (with or without a
// fraction), or Unix milliseconds or seconds as a number or numeric string.
func parseTime(v json.RawMessage, format string) (time.Time, error) {
	s, err := scalar(v)
	if err != nil {
		return time.Time{}, err
	}
	return ParseTime(s, format)
}

// ParseTime reads s in format (rfc3339 when "").
func ParseTime(s, format string) (time.Time, error) {
	switch format {
	case "", RFC3339:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q: want RFC 3339 (e.g. 2026-05-02T22:00:00Z)", s)
		}
		return t, nil
	case UnixMS, UnixS:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return time.Time{}, fmt.Errorf("%q: want a number (%s)", s, format)
		}
		unit := float64(time.Millisecond)
		if format == UnixS {
			unit = float64(time.Second)
		}
		ns := f * unit
		if ns > math.MaxInt64 || ns < math.MinInt64 {
			return time.Time{}, fmt.Errorf("%q: out of range (%s)", s, format)
		}
		// Integers exactly; fractions to the nanosecond.
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			if format == UnixS {
				return time.Unix(i, 0).UTC(), nil
			}
			return time.UnixMilli(i).UTC(), nil
		}
		return time.Unix(0, int64(ns)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("time_format %q: want rfc3339, unix_ms or unix_s", format)
}

// plain drops encoding/json's Go type names from an error.
func plain(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("a JSON %s where another type belongs", te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("malformed JSON at byte %d", se.Offset)
	}
	return err
}
