package reconcile

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

const hdr = "event_id,click_id,event,ts_event,amount,currency\n"

func reader(t testing.TB, name, text string, m Map) Reader {
	t.Helper()
	r, err := NewReader(name, strings.NewReader(text), m)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func run(t testing.TB, op, tr string, o Options) (*Report, string) {
	t.Helper()
	var mis bytes.Buffer
	o.Mismatches = &mis
	rep, err := Run(context.Background(), reader(t, "operator.csv", op, nil), reader(t, "tracker.csv", tr, nil), o)
	if err != nil {
		t.Fatal(err)
	}
	return rep, mis.String()
}

// rows is a slice Reader: the tracker side as the journal would give it.
type rows struct {
	rs []Row
	i  int
}

func (r *rows) Next(context.Context) (Row, error) {
	if r.i >= len(r.rs) {
		return Row{}, io.EOF
	}
	r.i++
	return r.rs[r.i-1], nil
}
func (*rows) Name() string   { return "journal:test" }
func (*rows) Format() string { return "journal" }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestCauses: a dump pair with one known difference of each cause yields
// exactly that cause, once, with the values of both sides.
func TestCauses(t *testing.T) {
	t.Parallel()
	base := "e1,c1,deposit_success,2025-10-21T15:12:31Z,100.00,USD\n"
	tests := []struct {
		name      string
		giveOp    string
		giveTr    string
		wantCause string
		wantSide  string
		check     func(t *testing.T, rep *Report)
	}{
		{name: "missing at the tracker", giveOp: base + "e2,c2,registration,2025-10-21T10:00:00Z,,\n", giveTr: base,
			wantCause: MissingAtTracker, check: func(t *testing.T, r *Report) {
				if r.MissingAtTracker != 1 || r.Matched != 1 {
					t.Errorf("missing %d matched %d, want 1 1", r.MissingAtTracker, r.Matched)
				}
			}},
		{name: "missing at the operator", giveOp: base, giveTr: base + "e9,c9,registration,2025-10-21T10:00:00Z,,\n",
			wantCause: MissingAtOperator, check: func(t *testing.T, r *Report) {
				if r.MissingAtOperator != 1 || r.Cause(MissingAtOperator).Examples[0].Tracker.EventID != "e9" {
					t.Errorf("missing at operator %d %+v", r.MissingAtOperator, r.Cause(MissingAtOperator))
				}
			}},
		{name: "duplicate at the operator", giveOp: base + base, giveTr: base, wantCause: Duplicate, wantSide: "operator",
			check: func(t *testing.T, r *Report) {
				if r.Duplicates.Operator != 1 || r.Operator.Events != 2 || r.Operator.Unique != 1 {
					t.Errorf("duplicates %+v events %d unique %d", r.Duplicates, r.Operator.Events, r.Operator.Unique)
				}
			}},
		{name: "duplicate at the tracker", giveOp: base, giveTr: base + base, wantCause: Duplicate, wantSide: "tracker",
			check: func(t *testing.T, r *Report) {
				if r.Duplicates.Tracker != 1 || r.Tracker.Unique != 1 || r.MaxDiscrepancy != 0 {
					t.Errorf("duplicates %+v unique %d max %v", r.Duplicates, r.Tracker.Unique, r.MaxDiscrepancy)
				}
			}},
		{name: "amount mismatch", giveOp: base, giveTr: "e1,c1,deposit_success,2025-10-21T15:12:31Z,100.02,USD\n",
			wantCause: AmountMismatch, check: func(t *testing.T, r *Report) {
				d := r.Cause(AmountMismatch).Examples[0]
				if d.Operator.Amount.String() != "100.00" || d.Tracker.Amount.String() != "100.02" {
					t.Errorf("amounts %v %v", d.Operator.Amount, d.Tracker.Amount)
				}
			}},
		{name: "amount missing on one side", giveOp: base, giveTr: "e1,c1,deposit_success,2025-10-21T15:12:31Z,,\n", wantCause: AmountMismatch},
		{name: "currency mismatch", giveOp: base, giveTr: "e1,c1,deposit_success,2025-10-21T15:12:31Z,100.00,EUR\n", wantCause: CurrencyMismatch},
		{name: "day shifted", giveOp: "e1,c1,deposit_success,2025-10-21T23:30:00Z,100.00,USD\n",
			giveTr: "e1,c1,deposit_success,2025-10-22T02:30:00+00:00,100.00,USD\n", wantCause: DayShifted,
			check: func(t *testing.T, r *Report) {
				if d := r.Cause(DayShifted).Examples[0]; d.Offset != "+3h" || d.Day != "2025-10-21" {
					t.Errorf("offset %q day %q, want +3h 2025-10-21", d.Offset, d.Day)
				}
				if len(r.Cells) != 2 || r.Cells[1].ShiftedIn != 1 || r.Cells[1].Causes != nil {
					t.Errorf("cells %+v: want the tracker's day to show one event shifted in", r.Cells)
				}
				if r.MaxDiscrepancy != 1 {
					t.Errorf("max discrepancy %v: each day has one side's event only, want 1", r.MaxDiscrepancy)
				}
			}},
		{name: "matched by the fallback", giveOp: "e1,c1,deposit_success,2025-10-21T15:12:31Z,100.00,USD\n",
			giveTr: "t-77,c1,deposit_success,2025-10-21T15:17:00Z,100.00,USD\n", wantCause: MatchedByFallback,
			check: func(t *testing.T, r *Report) {
				if r.MatchedByFallback != 1 || r.Matched != 0 || r.MissingAtTracker != 0 || r.MissingAtOperator != 0 {
					t.Errorf("fallback %d matched %d missing %d/%d", r.MatchedByFallback, r.Matched, r.MissingAtTracker, r.MissingAtOperator)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep, mis := run(t, hdr+tt.giveOp, hdr+tt.giveTr, Options{})
			for _, c := range rep.Causes {
				want := 0
				if c.Cause == tt.wantCause {
					want = 1
				}
				if c.Count != want {
					t.Errorf("cause %s: %d, want %d", c.Cause, c.Count, want)
				}
			}
			if l := rep.Cause(tt.wantCause); l.Count == 1 && l.Examples[0].Side != tt.wantSide {
				t.Errorf("side %q, want %q", l.Examples[0].Side, tt.wantSide)
			}
			recs, err := csv.NewReader(strings.NewReader(mis)).ReadAll()
			if err != nil || len(recs) != 2 || recs[1][0] != tt.wantCause {
				t.Errorf("mismatches.csv %q (%v): want the header and one %s row", mis, err, tt.wantCause)
			}
			if tt.check != nil {
				tt.check(t, rep)
			}
		})
	}
}

func TestFallbackWindow(t *testing.T) {
	t.Parallel()
	op := hdr + "e1,c1,deposit_success,2025-10-21T15:00:00Z,100.00,USD\n"
	tr := hdr + "t1,c1,deposit_success,2025-10-21T15:20:00Z,100.00,USD\n"
	rep, _ := run(t, op, tr, Options{})
	if rep.MatchedByFallback != 0 || rep.MissingAtTracker != 1 || rep.MissingAtOperator != 1 {
		t.Errorf("20 min apart with a 10m window: fallback %d missing %d/%d, want 0 1 1", rep.MatchedByFallback, rep.MissingAtTracker, rep.MissingAtOperator)
	}
	rep, _ = run(t, op, tr, Options{Window: 30 * time.Minute})
	if rep.MatchedByFallback != 1 {
		t.Errorf("-window 30m: fallback %d, want 1", rep.MatchedByFallback)
	}
	rep, _ = run(t, op, tr, Options{Window: -1})
	if rep.MatchedByFallback != 0 {
		t.Errorf("no fallback: %d", rep.MatchedByFallback)
	}
}

func TestTrackerOnlyDuplicate(t *testing.T) {
	t.Parallel()
	tr := hdr + "x,c,registration,2025-10-21T10:00:00Z,,\nx,c,registration,2025-10-21T10:00:00Z,,\n"
	rep, _ := run(t, hdr, tr, Options{})
	if rep.Duplicates.Tracker != 1 || rep.MissingAtOperator != 1 || rep.Tracker.Unique != 1 || rep.Differences != 2 {
		t.Errorf("duplicates %+v missing at operator %d unique %d differences %d, want 1 1 1 2", rep.Duplicates, rep.MissingAtOperator, rep.Tracker.Unique, rep.Differences)
	}
}

func TestAmountTolerance(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		give string
		want int
	}{{"100.01", 0}, {"99.99", 0}, {"100.011", 1}, {"100", 0}, {"-100.00", 1}} {
		rep, _ := run(t, hdr+"e1,c1,deposit_success,2025-10-21T15:12:31Z,100.00,USD\n",
			hdr+"e1,c1,deposit_success,2025-10-21T15:12:31Z,"+tt.give+",USD\n", Options{})
		if rep.AmountMismatches != tt.want {
			t.Errorf("100.00 vs %s: %d mismatches, want %d", tt.give, rep.AmountMismatches, tt.want)
		}
	}
}

// TestJournalCauses: refusals and replays of the tracker side are causes;
// a refused event missing at the tracker is refused, not missing.
func TestJournalCauses(t *testing.T) {
	t.Parallel()
	ts := at("2025-10-21T15:00:00Z")
	op := hdr + "e1,c1,deposit_success,2025-10-21T15:00:00Z,10,USD\ne2,c2,deposit_success,2025-10-21T15:00:00Z,10,USD\ne3,c3,deposit_success,2025-10-21T15:00:00Z,10,USD\n"
	tr := &rows{rs: []Row{
		{EventID: "e1", ClickID: "c1", Event: "deposit_success", TS: ts, Amount: 10 * moneyScale, HasAmount: true, Currency: "USD", Line: 1},
		{EventID: "e1", ClickID: "c1", Event: "deposit_success", TS: ts, Line: 2, Kind: Replayed},
		{EventID: "e2", Line: 3, Kind: Refused, Rule: "PB-SIG-1", Reason: "signature_invalid"},
		{EventID: "e3", Line: 4, Kind: Refused, Rule: "PB-AUTH-1", Reason: "token expired"},
	}}
	rep, err := Run(context.Background(), reader(t, "operator.csv", op, nil), tr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Refused != 2 || rep.RefusedByRule["PB-SIG-1"] != 1 || rep.RefusedByRule["PB-AUTH-1"] != 1 || rep.MissingAtTracker != 0 {
		t.Errorf("refused %d %v missing %d", rep.Refused, rep.RefusedByRule, rep.MissingAtTracker)
	}
	if rep.Replayed != 0 || rep.Cause(ReplayedAtTracker).Count != 1 || rep.Duplicates.Tracker != 0 {
		t.Errorf("replayed cause %d duplicates %d: a replay is its own cause, not a duplicate", rep.Cause(ReplayedAtTracker).Count, rep.Duplicates.Tracker)
	}
	if d := rep.Cause(RefusedByReceiver).Examples[0]; d.Rule != "PB-SIG-1" || !strings.Contains(d.Detail, "signature_invalid") {
		t.Errorf("refusal %+v", d)
	}
	if rep.Tracker.Events != 4 || rep.Tracker.Unique != 1 || rep.Tracker.Refused != 2 || rep.Tracker.Replayed != 1 {
		t.Errorf("tracker side %+v", rep.Tracker)
	}
}

// counts makes n events of event on day, ids prefix-0…
func counts(prefix, event, day string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s-%d,c-%s-%d,%s,%sT12:00:00Z,,\n", prefix, i, prefix, i, event, day)
	}
	return b.String()
}

// TestThreePercentRule: §15's 120 vs 117 is 2.5 % (under 3 %); 116 is over.
func TestThreePercentRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give      int
		wantMax   float64
		wantVerd  string
		threshold float64
	}{
		{117, 0.025, VerdictOK, 0},
		{116, 0.033333, VerdictOver, 0},
		{120, 0, VerdictOK, 0},
		{117, 0.025, VerdictOver, 0.02},
		{124, 0.033333, VerdictOver, 0},
	}
	for _, tt := range tests {
		op := hdr + counts("f", "ftd", "2025-10-21", 120) + counts("r", "registration", "2025-10-21", 50)
		tr := hdr + counts("f", "ftd", "2025-10-21", min(tt.give, 120)) + counts("x", "ftd", "2025-10-21", max(tt.give-120, 0)) + counts("r", "registration", "2025-10-21", 50)
		rep, _ := run(t, op, tr, Options{Threshold: tt.threshold, Window: -1})
		if rep.MaxDiscrepancy != tt.wantMax || rep.Verdict != tt.wantVerd {
			t.Errorf("120 vs %d (threshold %v): max %v verdict %s, want %v %s", tt.give, tt.threshold,
				rep.MaxDiscrepancy, rep.Verdict, tt.wantMax, tt.wantVerd)
		}
		if tt.wantVerd == VerdictOver && (!strings.Contains(rep.Required, "5 business days") || rep.MaxCell.Event != "ftd") {
			t.Errorf("required %q cell %+v", rep.Required, rep.MaxCell)
		}
	}
}

// TestDaysInZone: cells count by UTC day; cells_tz by the -tz day.
func TestDaysInZone(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("Europe/Istanbul")
	if err != nil {
		t.Skip(err)
	}
	op := hdr + "e1,c1,ftd,2025-10-21T22:30:00Z,,\ne2,c2,ftd,2025-10-21T10:00:00Z,,\n"
	rep, _ := run(t, op, op, Options{Location: loc})
	if len(rep.Cells) != 1 || rep.Cells[0].Day != "2025-10-21" || rep.Cells[0].Operator != 2 {
		t.Errorf("UTC cells %+v", rep.Cells)
	}
	if len(rep.CellsTZ) != 2 || rep.CellsTZ[1].Day != "2025-10-22" || rep.CellsTZ[1].Operator != 1 {
		t.Errorf("Istanbul cells %+v", rep.CellsTZ)
	}
}

func TestTotalsAndFX(t *testing.T) {
	t.Parallel()
	fx, err := ParseFX("rates.csv", strings.NewReader("ts,currency,rate\n2025-10-21T00:00:00Z,EUR,1.10\n2025-10-21T12:00:00Z,EUR,1.20\n"), "usd")
	if err != nil {
		t.Fatal(err)
	}
	op := hdr + "e1,c1,ftd,2025-10-21T11:00:00Z,100.00,EUR\ne2,c2,ftd,2025-10-21T13:00:00Z,100.00,EUR\ne3,c3,ftd,2025-10-21T13:00:00Z,5.5,USD\ne4,c4,ftd,2025-10-20T13:00:00Z,1,TRY\n"
	rep, _ := run(t, op, op, Options{FX: fx})
	if got := rep.Operator.ByCurrency; len(got) != 3 || got[0].Currency != "EUR" || got[0].Amount.String() != "200.00" || got[0].Events != 2 {
		t.Errorf("by currency %+v", got)
	}
	if rep.Operator.Converted == nil || *rep.Operator.Converted != 235.5 {
		t.Errorf("converted %v, want 110 + 120 + 5.5 = 235.5 (the rate at each event's time)", rep.Operator.Converted)
	}
	if rep.FX == nil || rep.FX.Missing["TRY"] != 2 || rep.FX.Quote != "USD" {
		t.Errorf("fx %+v: TRY has no rate (one event on each side)", rep.FX)
	}
}

// TestBadInput: every bad row is named by file, line and column, several at
// once, and nothing is reconciled.
func TestBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, give string
		giveMap    Map
		want       []string
	}{
		{"missing column", "event_id,event,amount\ne1,ftd,1\n", nil, []string{`operator.csv:1: column "ts_event": missing (the header has: event_id, event, amount)`}},
		{"bad time and amount", hdr + "e1,c1,ftd,2025-10-21 15:12:31,1,USD\ne2,c2,ftd,2025-10-21T15:12:31Z,\"100,00\",USD\ne3,c3,ftd,2025-10-21T15:12:31Z,1,US\n", nil,
			[]string{`operator.csv:2: column "ts_event": "2025-10-21 15:12:31": want RFC 3339`, `operator.csv:3: column "amount": "100,00": want a number with "." decimals`, `operator.csv:4: column "currency"`}},
		{"mapped column", "txid,event,created_at\nt1,ftd,yesterday\n", Map{"event_id": "txid", "ts_event": "created_at"}, []string{`operator.csv:2: column "created_at": "yesterday"`}},
		{"field count", hdr + "e1,c1,ftd\n", nil, []string{`operator.csv:2: column "#1": wrong number of fields`}},
		{"jsonl", "{\"event_id\":\"e1\",\"event\":\"ftd\",\"ts_event\":\"2025-10-21T15:12:31Z\"}\n{\"event_id\":\"e2\",\"event\":\"ftd\"}\nnot json\n{\"event_id\":\"e4\",\"event\":\"ftd\",\"ts_event\":\"2025-10-21T15:12:31Z\",\"amount\":true}\n", nil,
			[]string{`operator.csv:2: column "ts_event": missing`, `operator.csv:3: not a JSON object`, `operator.csv:4: column "amount": true: want a number`}},
		{"no id", hdr + ",,ftd,2025-10-21T15:12:31Z,,\n", nil, []string{`operator.csv:2: column "event_id": empty, and no click_id`}},
		{"empty", "", nil, []string{"operator.csv:1: empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewReader("operator.csv", strings.NewReader(tt.give), tt.giveMap)
			if err == nil {
				_, err = Run(context.Background(), r, reader(t, "tracker.csv", hdr, nil), Options{})
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nwant it to contain %q", err, w)
				}
			}
			var re *RowErrors
			if errors.As(err, &re) && len(re.Errs) != len(tt.want) {
				t.Errorf("%d errors, want %d: %v", len(re.Errs), len(tt.want), err)
			}
		})
	}
}

func TestMaxErrors(t *testing.T) {
	t.Parallel()
	op := hdr + strings.Repeat("e1,c1,ftd,bad,,\n", 50)
	_, err := Run(context.Background(), reader(t, "operator.csv", op, nil), reader(t, "tracker.csv", hdr, nil), Options{MaxErrors: 5})
	var re *RowErrors
	if !errors.As(err, &re) || len(re.Errs) != 5 || !re.Stopped || !strings.Contains(err.Error(), "reading stopped after 5") {
		t.Fatalf("err %v", err)
	}
}

func TestParseMap(t *testing.T) {
	t.Parallel()
	m, err := ParseMap("event_id=txid, ts_event=created_at")
	if err != nil || m["event_id"] != "txid" || m["ts_event"] != "created_at" {
		t.Errorf("%v %v", m, err)
	}
	if _, err := ParseMap("evnt=x"); err == nil || !strings.Contains(err.Error(), "unknown column") {
		t.Errorf("unknown column: %v", err)
	}
	if _, err := ParseMap("event_id"); err == nil {
		t.Error("no =: no error")
	}
	y, err := ParseMapYAML([]byte("event_id: txid\namount: sum\n"))
	if err != nil || y["amount"] != "sum" {
		t.Errorf("%v %v", y, err)
	}
	if _, err := ParseMapYAML([]byte("bogus: x\n")); err == nil {
		t.Error("bogus key: no error")
	}
}

func TestDetection(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ give, want string }{
		{"\ufeff" + hdr + "e1,c1,ftd,2025-10-21T15:12:31Z,1,USD\n", "csv"},
		{"event_id;click_id;event;ts_event\ne1;c1;ftd;2025-10-21T15:12:31Z\n", "csv"},
		{"event_id\tevent\tts_event\ne1\tftd\t2025-10-21T15:12:31+03:00\n", "csv"},
		{"\n  {\"event_id\":\"e1\",\"event\":\"ftd\",\"ts_event\":\"2025-10-21T15:12:31Z\",\"amount\":1.5,\"currency\":\"usd\"}\n\n", "jsonl"},
	} {
		r := reader(t, "x", tt.give, nil)
		row, err := r.Next(context.Background())
		if r.Format() != tt.want || err != nil || row.EventID != "e1" || row.Event != "ftd" || row.TS.Location() != time.UTC {
			t.Errorf("%q: format %s row %+v err %v", tt.give, r.Format(), row, err)
		}
		if _, err := r.Next(context.Background()); !errors.Is(err, io.EOF) {
			t.Errorf("%q: second row: %v, want EOF", tt.give, err)
		}
	}
}

// TestNestedMembers: -map names a nested member with a dotted path.
func TestNestedMembers(t *testing.T) {
	t.Parallel()
	line := `{"txid":"t1","meta":{"type":"ftd","at":{"utc":"2025-10-21T15:12:31Z"}},"money":{"sum":"12.50","cur":"TRY"}}` + "\n"
	m, err := ParseMap("event_id=txid,event=meta.type,ts_event=meta.at.utc,amount=money.sum,currency=money.cur")
	if err != nil {
		t.Fatal(err)
	}
	row, err := reader(t, "x.jsonl", line, m).Next(context.Background())
	if err != nil || row.EventID != "t1" || row.Event != "ftd" || row.Amount.String() != "12.50" || row.Currency != "TRY" || row.TS.Hour() != 15 {
		t.Errorf("%+v %v", row, err)
	}
	_, err = reader(t, "x.jsonl", line, Map{"ts_event": "meta.when"}).Next(context.Background())
	if err == nil || !strings.Contains(err.Error(), `column "event": missing`) {
		t.Errorf("err %v", err)
	}
}

func TestMoney(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ give, want string }{
		{"100", "100.00"}, {"100.5", "100.50"}, {"-0.001", "-0.001"}, {"12.345678", "12.345678"}, {"1e2", "100.00"},
	} {
		m, err := ParseMoney(tt.give)
		if err != nil || m.String() != tt.want {
			t.Errorf("%q: %v %v, want %s", tt.give, m, err, tt.want)
		}
	}
	for _, bad := range []string{"", "1,5", "1.", ".5", "1.2345678", "abc", "1-2", "--1"} {
		if _, err := ParseMoney(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestOverlongIDIsABadRow: an event_id past what a record keeps is a bad row
// naming the file, line and column, never a cut id that matches nothing.
func TestOverlongIDIsABadRow(t *testing.T) {
	long := strings.Repeat("x", 70000)
	op := "event_id,click_id,event,ts_event,amount,currency\n" + long + ",c1,deposit,2025-10-21T10:00:00Z,1,USD\n"
	tr := "event_id,click_id,event,ts_event,amount,currency\nok1,c1,deposit,2025-10-21T10:00:00Z,1,USD\n"
	_, err := Run(context.Background(), reader(t, "op.csv", op, nil), reader(t, "tr.csv", tr, nil), Options{})
	var re *RowErrors
	if !errors.As(err, &re) || len(re.Errs) != 1 || !strings.Contains(re.Errs[0].Error(), "op.csv") ||
		!strings.Contains(re.Errs[0].Error(), "event_id") {
		t.Fatalf("err = %v, want one bad row of op.csv naming event_id", err)
	}
}
