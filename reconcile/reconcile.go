package reconcile

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Options tune a reconciliation; the zero value is §11's rule in UTC.
type Options struct {
	Threshold float64        // the discrepancy over which the verdict fails (default 0.03, §11)
	Window    time.Duration  // the fallback match window (default 10m; < 0: no fallback)
	Location  *time.Location // the report's time zone for cells_tz (default UTC)
	FX        *FX            // converts amounts into a report currency (optional)
	Examples  int            // differences listed per cause in the report (default 20)
	// Mismatches receives every difference as CSV (mismatches.csv); nil: none.
	Mismatches io.Writer
	// MaxErrors is how many bad rows are collected before reading stops (default 20).
	MaxErrors int
	// Now stamps the report.
	Now time.Time
}

// Tolerance is how far two amounts may differ and still agree (§17: "bir
// sente yakınsadığı", converging to a cent).
const Tolerance = Money(moneyScale / 100)

// RowErrors is every bad row a run found, at most MaxErrors; Stopped says
// reading stopped there, so more may follow.
type RowErrors struct {
	Errs    []error
	Stopped bool
}

func (e *RowErrors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d bad row(s); nothing was reconciled (no row is dropped silently):", len(e.Errs))
	for _, err := range e.Errs {
		b.WriteString("\n  " + err.Error())
	}
	if e.Stopped {
		fmt.Fprintf(&b, "\n  … and more: reading stopped after %d bad rows", len(e.Errs))
	}
	return b.String()
}

// Unwrap returns the errors.
func (e *RowErrors) Unwrap() []error { return e.Errs }

// rec is one event held in memory, without pointers (the collector never
// scans a million of them): its ids live in the engine's arena, its
// repeating strings are interned.
type rec struct {
	off               uint32 // event_id then click_id in the arena
	idLen, clickLen   uint16
	ts                int64
	amount            Money
	line              int32
	event, cur, state uint32
	hasAmount         bool
	seen              bool // operator: found at the tracker by event_id
	used              bool // matched by the fallback
}

// index finds records by event_id: by a hash of it, so the map holds no
// strings; the rare collision goes to a map by the id itself.
type index struct {
	h map[uint64]int32
	c map[string]int32
}

func newIndex() index { return index{h: map[uint64]int32{}, c: map[string]int32{}} }

// cellKey is a day (high 32 bits) and an interned event.
type cellKey uint64

func keyOf(day int32, event uint32) cellKey { return cellKey(uint64(uint32(day))<<32 | uint64(event)) }
func (k cellKey) day() int32                { return int32(uint32(k >> 32)) }
func (k cellKey) event() uint32             { return uint32(k) }

type cell struct {
	op, tr       int
	shiftedIn    int // tracker events here the operator has on another day
	opAmt, trAmt float64
	causes       [9]int
}

type refusal struct {
	rule, reason string
	line         int
}

type engine struct {
	o       Options
	strs    []string
	intern  map[string]uint32
	seed    maphash.Seed
	arena   []byte
	ops     []rec
	opIndex index
	trs     []rec
	trIndex index
	refused map[string]refusal

	cells, cellsTZ map[cellKey]*cell
	totals         [2]map[string]*CurrencyTotal
	converted      [2]float64
	fxMissing      map[string]int

	rep    *Report
	lists  [9]*CauseList
	csv    *csv.Writer
	csvErr error
	errs   RowErrors
}

// Run reconciles the operator's dump with the tracker's. Bad rows do not stop
// the reading (up to MaxErrors are collected) but do stop the run: the error
// is a *RowErrors naming each file, line and column.
func Run(ctx context.Context, operator, tracker Reader, o Options) (*Report, error) {
	if o.Threshold == 0 {
		o.Threshold = 0.03
	}
	if o.Window == 0 {
		o.Window = 10 * time.Minute
	}
	if o.Examples == 0 {
		o.Examples = 20
	}
	if o.MaxErrors <= 0 {
		o.MaxErrors = 20
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	e := &engine{o: o, intern: map[string]uint32{}, seed: maphash.MakeSeed(), opIndex: newIndex(), trIndex: newIndex(),
		refused: map[string]refusal{}, cells: map[cellKey]*cell{}, cellsTZ: map[cellKey]*cell{},
		totals: [2]map[string]*CurrencyTotal{{}, {}}, fxMissing: map[string]int{}}
	e.intern0()
	window := ""
	if o.Window > 0 {
		window = o.Window.String()
	}
	e.rep = &Report{Schema: Schema, GeneratedAt: o.Now.UTC().Format(time.RFC3339), Threshold: o.Threshold,
		TZ: loc.String(), Window: window,
		Operator: Side{Source: operator.Name(), Format: operator.Format()},
		Tracker:  Side{Source: tracker.Name(), Format: tracker.Format()}}
	for i, c := range Causes() {
		e.lists[i] = &CauseList{Cause: c, Examples: []Difference{}}
	}
	if o.Mismatches != nil {
		e.csv = csv.NewWriter(o.Mismatches)
		e.csvErr = e.csv.Write(mismatchHeader())
	}
	if err := e.readOperator(ctx, operator); err != nil {
		return nil, err
	}
	if err := e.readTracker(ctx, tracker); err != nil {
		return nil, err
	}
	if len(e.errs.Errs) > 0 {
		return nil, &e.errs
	}
	e.fallback()
	e.leftovers()
	e.finish()
	if e.csv != nil {
		e.csv.Flush()
		if err := errors.Join(e.csvErr, e.csv.Error()); err != nil {
			return nil, fmt.Errorf("mismatches: %w", err)
		}
	}
	return e.rep, nil
}

func (e *engine) intern0() { e.str("") } // index 0 is ""

func (e *engine) str(s string) uint32 {
	if len(e.strs) <= 16 { // the usual few event types and currencies
		for i, x := range e.strs {
			if x == s {
				return uint32(i)
			}
		}
	} else if i, ok := e.intern[s]; ok {
		return i
	}
	i := uint32(len(e.strs))
	e.strs = append(e.strs, s)
	e.intern[s] = i
	return i
}

// bad collects a row error; it returns a non-nil error when reading must stop.
func (e *engine) bad(err error) error {
	var ie *InputError
	if !errors.As(err, &ie) {
		return err
	}
	if len(e.errs.Errs) < e.o.MaxErrors {
		e.errs.Errs = append(e.errs.Errs, err)
		return nil
	}
	e.errs.Stopped = true
	return &e.errs
}

func (e *engine) recOf(r Row) rec {
	x := rec{off: uint32(len(e.arena)), idLen: uint16(len(r.EventID)), clickLen: uint16(len(r.ClickID)), // idLengths bounds both
		ts: r.TS.UnixNano(), amount: r.Amount, line: int32(min(r.Line, math.MaxInt32)),
		event: e.str(r.Event), cur: e.str(r.Currency), state: e.str(r.Status), hasAmount: r.HasAmount}
	e.arena = append(e.arena, r.EventID[:x.idLen]...)
	e.arena = append(e.arena, r.ClickID[:x.clickLen]...)
	return x
}

// drop gives back the arena space of the last rec made, when it is not kept.
func (e *engine) drop(x *rec) { e.arena = e.arena[:x.off] }

func (e *engine) idBytes(r *rec) []byte { return e.arena[r.off : r.off+uint32(r.idLen)] }
func (e *engine) id(r *rec) string      { return string(e.idBytes(r)) }
func (e *engine) click(r *rec) string {
	return string(e.arena[r.off+uint32(r.idLen) : r.off+uint32(r.idLen)+uint32(r.clickLen)])
}

func (e *engine) find(ix index, recs []rec, id string) (int32, bool) {
	if id == "" {
		return 0, false
	}
	i, ok := ix.h[maphash.String(e.seed, id)]
	if !ok {
		return 0, false
	}
	if string(e.idBytes(&recs[i])) == id {
		return i, true
	}
	i, ok = ix.c[id]
	return i, ok
}

func (e *engine) put(ix index, id string, i int32) {
	h := maphash.String(e.seed, id)
	if _, taken := ix.h[h]; taken {
		ix.c[id] = i
		return
	}
	ix.h[h] = i
}

// each calls fn with every good row of src, collecting the bad ones.
func (e *engine) each(ctx context.Context, src Reader, fn func(r Row)) error {
	for {
		r, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if err := e.bad(err); err != nil {
				return err
			}
			continue
		}
		if err := idLengths(src.Name(), r); err != nil {
			if err := e.bad(err); err != nil {
				return err
			}
			continue
		}
		fn(r)
	}
}

// idLengths refuses ids longer than a rec keeps (64 KiB - 1): cut, they
// would never match and the row would be reported missing on both sides.
func idLengths(file string, r Row) error {
	for _, f := range []struct{ col, v string }{{"event_id", r.EventID}, {"click_id", r.ClickID}} {
		if len(f.v) > math.MaxUint16 {
			return &InputError{File: file, Line: r.Line, Column: f.col,
				Msg: fmt.Sprintf("%d bytes, longer than the %d an id may have", len(f.v), math.MaxUint16)}
		}
	}
	return nil
}

func (e *engine) readOperator(ctx context.Context, src Reader) error {
	return e.each(ctx, src, func(r Row) {
		e.rep.Operator.Events++
		x := e.recOf(r)
		if r.EventID != "" {
			if first, dup := e.find(e.opIndex, e.ops, r.EventID); dup {
				e.rep.Duplicates.Operator++
				e.diff(Difference{Cause: Duplicate, Side: "operator", Operator: e.view(&x),
					Detail: fmt.Sprintf("event_id %s is in the operator's dump more than once (first at line %d)", r.EventID, e.ops[first].line)}, &x, nil)
				e.drop(&x)
				return
			}
			e.put(e.opIndex, r.EventID, int32(len(e.ops)))
		}
		e.ops = append(e.ops, x)
		e.count(0, &x)
	})
}

func (e *engine) readTracker(ctx context.Context, src Reader) error {
	return e.each(ctx, src, func(r Row) {
		e.rep.Tracker.Events++
		x := e.recOf(r)
		switch r.Kind {
		case Refused:
			e.rep.Tracker.Refused++
			if r.EventID != "" {
				e.refused[r.EventID] = refusal{rule: r.Rule, reason: r.Reason, line: r.Line}
			}
			e.drop(&x)
			return
		case Replayed:
			e.rep.Tracker.Replayed++
			d := Difference{Cause: ReplayedAtTracker, Tracker: e.view(&x),
				Detail: fmt.Sprintf("event_id %s was delivered again and acknowledged as a replay (nothing recorded twice)", r.EventID)}
			var op *rec
			if i, ok := e.find(e.opIndex, e.ops, r.EventID); ok {
				op = &e.ops[i]
				d.Operator = e.view(op)
			}
			e.diff(d, op, &x)
			e.drop(&x)
			return
		}
		if i, ok := e.find(e.opIndex, e.ops, r.EventID); ok {
			op := &e.ops[i]
			if op.seen {
				e.trackerDup(&x, op)
			} else {
				op.seen = true
				e.rep.Matched++
				e.count(1, &x)
				e.compare(op, &x)
			}
			e.drop(&x)
			return
		}
		if i, ok := e.find(e.trIndex, e.trs, r.EventID); ok {
			e.trackerDup(&x, &e.trs[i])
			e.drop(&x)
			return
		}
		if r.EventID != "" {
			e.put(e.trIndex, r.EventID, int32(len(e.trs)))
		}
		e.trs = append(e.trs, x)
		e.count(1, &x)
	})
}

func (e *engine) trackerDup(x, first *rec) {
	e.rep.Duplicates.Tracker++
	d := Difference{Cause: Duplicate, Side: "tracker", Tracker: e.view(x),
		Detail: fmt.Sprintf("event_id %s is recorded by the tracker more than once", e.id(x))}
	var op *rec
	if first.seen { // first is the operator's record
		op = first
		d.Operator = e.view(op)
	}
	e.diff(d, op, x)
}

// compare gives a matched pair its differences: a currency mismatch (then the
// amounts are not compared), an amount mismatch, a shifted day.
func (e *engine) compare(op, tr *rec) {
	switch {
	case op.cur != 0 && tr.cur != 0 && op.cur != tr.cur:
		e.rep.CurrencyMismatches++
		e.diff(Difference{Cause: CurrencyMismatch, Operator: e.view(op), Tracker: e.view(tr),
			Detail: fmt.Sprintf("currency %s at the operator, %s at the tracker", e.strs[op.cur], e.strs[tr.cur])}, op, tr)
	case op.hasAmount != tr.hasAmount || op.hasAmount && absMoney(op.amount-tr.amount) > Tolerance:
		e.rep.AmountMismatches++
		e.diff(Difference{Cause: AmountMismatch, Operator: e.view(op), Tracker: e.view(tr),
			Detail: fmt.Sprintf("amount %s at the operator, %s at the tracker (tolerance 0.01)", amountText(op), amountText(tr))}, op, tr)
	}
	if od, td := dayOf(op.ts, nil), dayOf(tr.ts, nil); od != td {
		e.rep.DayShifted++
		e.cellOf(e.cells, td, tr.event).shiftedIn++
		if tz := dayOf(tr.ts, e.o.Location); tz != dayOf(op.ts, e.o.Location) {
			e.cellOf(e.cellsTZ, tz, tr.event).shiftedIn++
		}
		off := time.Duration(tr.ts - op.ts)
		e.diff(Difference{Cause: DayShifted, Operator: e.view(op), Tracker: e.view(tr), Offset: offsetText(off),
			Detail: fmt.Sprintf("UTC day %s at the operator, %s at the tracker: the timestamps differ by %s, a time-zone mistake (§7: every timestamp in UTC)",
				dayText(od), dayText(td), offsetText(off))}, op, tr)
	}
}

func amountText(r *rec) string {
	if !r.hasAmount {
		return "none"
	}
	return r.amount.String()
}

func absMoney(m Money) Money {
	if m < 0 {
		return -m
	}
	return m
}

// offsetText writes a duration as a signed offset: +3h, -30m, +2h30m15s.
func offsetText(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	s = strings.TrimSuffix(s, "0m")
	if s == "" {
		s = "0s"
	}
	return sign + s
}

// fallback matches what event_id did not by click_id + event + ts_event
// within the window (§8), nearest first.
func (e *engine) fallback() {
	if e.o.Window < 0 || len(e.trs) == 0 {
		return
	}
	byKey := map[string][]int32{}
	for i := range e.trs {
		if t := &e.trs[i]; t.clickLen > 0 {
			k := e.click(t) + "\x00" + e.strs[t.event]
			byKey[k] = append(byKey[k], int32(i))
		}
	}
	w := int64(e.o.Window)
	for i := range e.ops {
		op := &e.ops[i]
		if op.seen || op.clickLen == 0 {
			continue
		}
		best, bestD := int32(-1), int64(math.MaxInt64)
		for _, j := range byKey[e.click(op)+"\x00"+e.strs[op.event]] {
			t := &e.trs[j]
			d := t.ts - op.ts
			if d < 0 {
				d = -d
			}
			if !t.used && d <= w && d < bestD {
				best, bestD = j, d
			}
		}
		if best < 0 {
			continue
		}
		tr := &e.trs[best]
		op.seen, op.used, tr.used = true, true, true
		e.rep.MatchedByFallback++
		e.diff(Difference{Cause: MatchedByFallback, Operator: e.view(op), Tracker: e.view(tr),
			Detail: fmt.Sprintf("event_id %q at the operator, %q at the tracker: matched by click_id + event + ts_event %s apart (§8)",
				e.id(op), e.id(tr), time.Duration(bestD))}, op, tr)
		e.compare(op, tr)
	}
}

// leftovers gives the unmatched their causes.
func (e *engine) leftovers() {
	for i := range e.ops {
		op := &e.ops[i]
		if op.seen {
			continue
		}
		if ref, ok := e.refused[e.id(op)]; ok && op.idLen > 0 {
			e.rep.Refused++
			if e.rep.RefusedByRule == nil {
				e.rep.RefusedByRule = map[string]int{}
			}
			rule := ref.rule
			if rule == "" {
				rule = "unknown"
			}
			e.rep.RefusedByRule[rule]++
			e.diff(Difference{Cause: RefusedByReceiver, Operator: e.view(op), Rule: ref.rule,
				Detail: fmt.Sprintf("the receiver refused event_id %s (%s: %s, tracker entry %d) and never recorded it; redeliver it (§15)", e.id(op), rule, ref.reason, ref.line)}, op, nil)
			continue
		}
		e.rep.MissingAtTracker++
		e.diff(Difference{Cause: MissingAtTracker, Operator: e.view(op),
			Detail: "the operator has it, the tracker has no trace of it (§15: unload raw logs by event_id/click_id, look in the DLQ)"}, op, nil)
	}
	for i := range e.trs {
		tr := &e.trs[i]
		if tr.used {
			continue
		}
		e.rep.MissingAtOperator++
		e.diff(Difference{Cause: MissingAtOperator, Tracker: e.view(tr),
			Detail: "the tracker recorded it, the operator's dump does not have it"}, nil, tr)
	}
}

func (e *engine) view(r *rec) *RowView {
	v := &RowView{Line: int(r.line), EventID: e.id(r), ClickID: e.click(r), Event: e.strs[r.event],
		TS: time.Unix(0, r.ts).UTC().Format(time.RFC3339Nano), Currency: e.strs[r.cur], Status: e.strs[r.state]}
	if r.hasAmount {
		a := r.amount
		v.Amount = &a
	}
	return v
}

// count adds a unique event of side (0 operator, 1 tracker) to its cells
// and totals.
func (e *engine) count(side int, r *rec) {
	if side == 0 {
		e.rep.Operator.Unique++
	} else {
		e.rep.Tracker.Unique++
	}
	c := e.cellOf(e.cells, dayOf(r.ts, nil), r.event)
	ct := e.cellOf(e.cellsTZ, dayOf(r.ts, e.o.Location), r.event)
	var conv float64
	var ok bool
	if r.hasAmount {
		cur := e.strs[r.cur]
		t := e.totals[side][cur]
		if t == nil {
			t = &CurrencyTotal{Currency: cur}
			e.totals[side][cur] = t
		}
		t.Events++
		t.Amount += r.amount
		if e.o.FX != nil {
			if conv, ok = e.o.FX.Convert(cur, r.ts, r.amount); ok {
				e.converted[side] += conv
			} else {
				e.fxMissing[cur]++
			}
		}
	}
	if side == 0 {
		c.op++
		ct.op++
		c.opAmt += conv
		ct.opAmt += conv
	} else {
		c.tr++
		ct.tr++
		c.trAmt += conv
		ct.trAmt += conv
	}
}

func (e *engine) cellOf(m map[cellKey]*cell, day int32, event uint32) *cell {
	k := keyOf(day, event)
	c := m[k]
	if c == nil {
		c = &cell{}
		m[k] = c
	}
	return c
}

// diff records one difference: counted in its cell (the operator's when it
// has one), listed if there is room, written to mismatches.csv.
func (e *engine) diff(d Difference, op, tr *rec) {
	r := op
	if r == nil {
		r = tr
	}
	day := dayOf(r.ts, nil)
	d.Day, d.Event = dayText(day), e.strs[r.event]
	ci := causeIndex(d.Cause)
	e.cellOf(e.cells, day, r.event).causes[ci]++
	e.cellOf(e.cellsTZ, dayOf(r.ts, e.o.Location), r.event).causes[ci]++
	e.rep.Differences++
	l := e.lists[ci]
	l.Count++
	if len(l.Examples) < e.o.Examples {
		l.Examples = append(l.Examples, d)
	} else {
		l.Truncated++
	}
	if e.csv != nil && e.csvErr == nil {
		e.csvErr = e.csv.Write(mismatchRow(d))
	}
}

func mismatchHeader() []string {
	h := []string{"cause", "side", "day", "event", "rule", "offset"}
	for _, s := range []string{"operator", "tracker"} {
		for _, c := range []string{"line", "event_id", "click_id", "ts_event", "amount", "currency", "status"} {
			h = append(h, s+"_"+c)
		}
	}
	return append(h, "detail")
}

func mismatchRow(d Difference) []string {
	row := []string{d.Cause, d.Side, d.Day, d.Event, d.Rule, d.Offset}
	for _, v := range []*RowView{d.Operator, d.Tracker} {
		if v == nil {
			row = append(row, "", "", "", "", "", "", "")
			continue
		}
		amt := ""
		if v.Amount != nil {
			amt = v.Amount.String()
		}
		row = append(row, strconv.Itoa(v.Line), v.EventID, v.ClickID, v.TS, amt, v.Currency, v.Status)
	}
	return append(row, d.Detail)
}

// discrepancy is |operator − tracker| / operator; a cell the operator has no
// event in but the tracker has is wholly discrepant (1).
func discrepancy(op, tr int) float64 {
	if op == 0 {
		if tr == 0 {
			return 0
		}
		return 1
	}
	return math.Abs(float64(op-tr)) / float64(op)
}

func (e *engine) finish() {
	rep := e.rep
	withAmounts := e.o.FX != nil
	mk := func(day, event string, c *cell) Cell {
		out := Cell{Day: day, Event: event, Operator: c.op, Tracker: c.tr, ShiftedIn: c.shiftedIn, Discrepancy: round6(discrepancy(c.op, c.tr))}
		out.Over = out.Discrepancy > rep.Threshold
		for i, n := range c.causes {
			if n > 0 {
				if out.Causes == nil {
					out.Causes = map[string]int{}
				}
				out.Causes[Causes()[i]] = n
			}
		}
		if withAmounts {
			oa, ta := round2(c.opAmt), round2(c.trAmt)
			out.OperatorAmount, out.TrackerAmount = &oa, &ta
		}
		return out
	}
	cells := func(m map[cellKey]*cell) []Cell {
		keys := slices.SortedFunc(func(yield func(cellKey) bool) {
			for k := range m {
				if !yield(k) {
					return
				}
			}
		}, func(a, b cellKey) int {
			if a.day() != b.day() {
				return int(a.day() - b.day())
			}
			return strings.Compare(e.strs[a.event()], e.strs[b.event()])
		})
		out := make([]Cell, 0, len(keys))
		for _, k := range keys {
			out = append(out, mk(dayText(k.day()), e.strs[k.event()], m[k]))
		}
		return out
	}
	rep.Cells, rep.CellsTZ = cells(e.cells), cells(e.cellsTZ)
	days, events := map[cellKey]*cell{}, map[cellKey]*cell{}
	for k, c := range e.cells {
		for _, agg := range []*cell{e.cellOf(days, k.day(), 0), e.cellOf(events, 0, k.event())} {
			agg.op += c.op
			agg.tr += c.tr
			agg.shiftedIn += c.shiftedIn
			agg.opAmt += c.opAmt
			agg.trAmt += c.trAmt
			for i := range c.causes {
				agg.causes[i] += c.causes[i]
			}
		}
	}
	for _, c := range cells(days) {
		c.Event = ""
		rep.Days = append(rep.Days, c)
	}
	for _, c := range cells(events) {
		c.Day, c.ShiftedIn = "", 0 // every day: nothing is shifted in from outside
		rep.Events = append(rep.Events, c)
	}
	rep.MaxDiscrepancy = 0
	for _, c := range rep.Cells {
		if rep.MaxCell == nil || c.Discrepancy > rep.MaxDiscrepancy {
			rep.MaxDiscrepancy = c.Discrepancy
			rep.MaxCell = &CellRef{Day: c.Day, Event: c.Event}
		}
	}
	rep.Verdict = VerdictOK
	if rep.MaxDiscrepancy > rep.Threshold {
		rep.Verdict = VerdictOver
		rep.Required = fmt.Sprintf("the discrepancy %s on %s %s is over %s: seed 004 §11 requires a mandatory reconciliation of the raw logs within 5 business days (%q); %s",
			Percent(rep.MaxDiscrepancy), rep.MaxCell.Day, rep.MaxCell.Event, Percent(rep.Threshold), Section11, Section15Playbook)
	}
	for i := range e.lists {
		rep.Causes = append(rep.Causes, *e.lists[i])
	}
	for side, s := range []*Side{&rep.Operator, &rep.Tracker} {
		s.ByCurrency = []CurrencyTotal{}
		for _, cur := range slices.Sorted(func(yield func(string) bool) {
			for k := range e.totals[side] {
				if !yield(k) {
					return
				}
			}
		}) {
			s.ByCurrency = append(s.ByCurrency, *e.totals[side][cur])
		}
		if e.o.FX != nil {
			v := round2(e.converted[side])
			s.Converted = &v
		}
	}
	if e.o.FX != nil {
		rep.FX = &FXSummary{Quote: e.o.FX.Quote, Rates: e.o.FX.Rates()}
		if len(e.fxMissing) > 0 {
			rep.FX.Missing = e.fxMissing
		}
	}
}

func round6(f float64) float64 { return math.Round(f*1e6) / 1e6 }
func round2(f float64) float64 { return math.Round(f*100) / 100 }

// Percent writes a fraction as a percentage: 0.025 → "2.5 %".
func Percent(f float64) string {
	return strconv.FormatFloat(math.Round(f*10000)/100, 'f', -1, 64) + " %"
}
