package reconcile

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FX converts amounts into the report currency by the rate in force at each
// event's time (§7: "tarih-saat tabanlı FX"): the latest rate at or before it.
type FX struct {
	Quote string // the report currency
	rates map[string][]rate
}

type rate struct {
	at int64 // unix nanoseconds
	r  float64
}

// ParseFX reads a CSV with the header ts,currency,rate: from ts on, one unit
// of currency is rate units of quote. The quote currency itself needs no row.
func ParseFX(name string, r io.Reader, quote string) (*FX, error) {
	if !isCurrency(quote) {
		return nil, fmt.Errorf("report currency %q: want an ISO 4217 code like USD", quote)
	}
	fx := &FX{Quote: strings.ToUpper(quote), rates: map[string][]rate{}}
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	hdr, err := cr.Read()
	if err != nil {
		return nil, csvError(name, err)
	}
	var idx [3]int
	for i, col := range []string{"ts", "currency", "rate"} {
		idx[i] = slices.IndexFunc(hdr, func(h string) bool { return strings.TrimSpace(h) == col })
		if idx[i] < 0 {
			return nil, &InputError{File: name, Line: 1, Column: col, Msg: fmt.Sprintf("missing (the header has: %s); want ts,currency,rate", strings.Join(hdr, ", "))}
		}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		t, err := parseTime(strings.TrimSpace(rec[idx[0]]))
		if err != nil {
			return nil, &InputError{File: name, Line: line, Column: "ts", Msg: err.Error()}
		}
		cur := strings.ToUpper(strings.TrimSpace(rec[idx[1]]))
		if !isCurrency(cur) {
			return nil, &InputError{File: name, Line: line, Column: "currency", Msg: fmt.Sprintf("%q: want an ISO 4217 code like EUR", cur)}
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[idx[2]]), 64)
		if err != nil || !(v > 0) || v > 1e12 {
			return nil, &InputError{File: name, Line: line, Column: "rate", Msg: fmt.Sprintf("%q: want a positive number like 0.0291", rec[idx[2]])}
		}
		fx.rates[cur] = append(fx.rates[cur], rate{at: t.UnixNano(), r: v})
	}
	for cur, rs := range fx.rates {
		slices.SortStableFunc(rs, func(a, b rate) int { return cmp.Compare(a.at, b.at) })
		fx.rates[cur] = rs
	}
	return fx, nil
}

// Convert returns m of cur at t in the report currency; false when there is
// no rate for cur at or before t.
func (f *FX) Convert(cur string, t int64, m Money) (float64, bool) {
	if cur == f.Quote {
		return m.Float(), true
	}
	rs := f.rates[cur]
	i, _ := slices.BinarySearchFunc(rs, t+1, func(r rate, at int64) int { return cmp.Compare(r.at, at) })
	if i == 0 {
		return 0, false
	}
	return m.Float() * rs[i-1].r, true
}

// Rates counts the rates per currency (for the report).
func (f *FX) Rates() map[string]int {
	out := map[string]int{}
	for cur, rs := range f.rates {
		out[cur] = len(rs)
	}
	return out
}

// dayOf is the day (days since 1970-01-01) of t in loc; nil is UTC.
func dayOf(t int64, loc *time.Location) int32 {
	if loc == nil || loc == time.UTC {
		d := t / int64(24*time.Hour)
		if t < 0 && t%int64(24*time.Hour) != 0 {
			d--
		}
		return int32(d)
	}
	y, m, d := time.Unix(0, t).In(loc).Date()
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dayText is day as 2006-01-02.
func dayText(day int32) string {
	return time.Unix(int64(day)*86400, 0).UTC().Format(time.DateOnly)
}
