package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/readback"
)

// journalPage is how many entries one journal call asks for.
const journalPage = 1000

// Journal reads a receiver's journal (the inspection contract /_s2s/) as the
// tracker side: every recorded event is a row; a rejected, dropped or
// faulted request is a Refused row with the rule that decided it (§15:
// "İmza/TTL nedeniyle reddedilen token/idempotency"); a replay is a Replayed
// row. The events' fields come from the journaled bodies, read with m.
type Journal struct {
	c     *inspect.Client
	p     *profile.Profile
	m     Map
	name  string
	after uint64
	buf   []Row
	errs  []error
	done  bool
	ms    []member
	epoch string // the receiver's state epoch on the first page ("" when it names none)
}

// NewJournal reads the journal of p's requests through c; name is how
// reports call it (journal:URL).
func NewJournal(c *inspect.Client, p *profile.Profile, m Map, name string) *Journal {
	return &Journal{c: c, p: p, m: m, name: name}
}

// Name implements Reader.
func (j *Journal) Name() string { return j.name }

// Format implements Reader.
func (j *Journal) Format() string { return "journal" }

// Next implements Reader.
func (j *Journal) Next(ctx context.Context) (Row, error) {
	for len(j.buf) == 0 && len(j.errs) == 0 {
		if j.done {
			return Row{}, io.EOF
		}
		page, err := j.c.Journal(ctx, inspect.Query{Profile: j.p.Name, After: j.after, Limit: journalPage})
		if err != nil {
			return Row{}, fmt.Errorf("%s: %w", j.name, err)
		}
		if j.epoch == "" {
			j.epoch = page.Epoch
		} else if page.Epoch != "" && page.Epoch != j.epoch {
			return Row{}, fmt.Errorf("%s: the receiver's state was reset while its journal was read (epoch %q became %q): the tracker side would mix two states; reconcile again", j.name, j.epoch, page.Epoch)
		}
		if page.Evicted > 0 {
			return Row{}, fmt.Errorf("%s: the journal has let %d entries go (it is bounded): the tracker side would be incomplete; start the mock with a larger journal.size or reconcile a read-back source", j.name, page.Evicted)
		}
		old := j.after
		for i := range page.Entries {
			j.entry(&page.Entries[i])
			j.after = max(j.after, page.Entries[i].Seq)
		}
		j.after = max(j.after, page.Next)
		if j.after == old {
			j.done = true
		}
	}
	if len(j.errs) > 0 {
		err := j.errs[0]
		j.errs = j.errs[1:]
		return Row{}, err
	}
	r := j.buf[0]
	j.buf = j.buf[1:]
	return r, nil
}

func (j *Journal) entry(e *inspect.Entry) {
	items := e.Items(j.p)
	line := int(min(e.Seq, 1<<31-1))
	switch e.Outcome {
	case inspect.Accepted:
		if len(items) == 0 {
			j.errs = append(j.errs, &InputError{File: j.name, Line: line, Unit: "entry",
				Msg: fmt.Sprintf("an accepted request whose body the journal did not keep whole (%d bytes): start the mock with a larger journal.body_bytes", e.BodyBytes)})
			return
		}
		if len(e.Events) == 0 {
			for _, it := range items {
				j.row(line, it, Recorded, "", "")
			}
			return
		}
		for _, ev := range e.Events {
			if ev.Index < 0 || ev.Index >= len(items) {
				continue
			}
			kind := Recorded
			if !ev.Recorded {
				kind = Replayed
			}
			j.row(line, items[ev.Index], kind, "", "")
		}
	case inspect.Replay:
		for _, it := range items {
			j.row(line, it, Replayed, "", "")
		}
	case inspect.Rejected, inspect.Dropped, inspect.Faulted:
		rule := e.Rule
		if rule == "" {
			rule = e.Outcome + " " + strconv.Itoa(e.Status)
		}
		if len(items) == 0 {
			j.buf = append(j.buf, Row{Line: line, Kind: Refused, Rule: rule, Reason: e.Reason})
		}
		for _, it := range items {
			j.row(line, it, Refused, rule, e.Reason)
		}
	}
}

// row reads one journaled item. A refused item may be the very thing that
// was invalid, so only its event_id is required of it.
func (j *Journal) row(line int, item any, kind Kind, rule, reason string) {
	b, err := json.Marshal(item)
	if err == nil {
		var r Row
		r, err = parseObject(j.name, line, b, j.m, &j.ms, "entry")
		if err == nil {
			r.Kind, r.Rule, r.Reason = kind, rule, reason
			j.buf = append(j.buf, r)
			return
		}
	}
	if kind == Refused {
		r := Row{Line: line, Kind: Refused, Rule: rule, Reason: reason}
		if raw, ok := lookup(j.ms, j.m.name(ColEventID)); ok {
			r.EventID, _ = scalarText(raw, false)
		}
		j.buf = append(j.buf, r)
		return
	}
	j.errs = append(j.errs, err)
}

// Readback reads any read-back source as the tracker side: a recorded
// record is a row, a dropped one Refused, one received but not recorded (a
// replay) Replayed. The source must carry the events' bodies.
type Readback struct {
	src     readback.Source
	profile string
	m       Map
	name    string
	after   string
	buf     []readback.Record
	done    bool
	n       int
	ms      []member
}

// NewReadback reads profile's records of src ("" for every profile).
func NewReadback(src readback.Source, profile string, m Map, name string) *Readback {
	return &Readback{src: src, profile: profile, m: m, name: name}
}

// Name implements Reader.
func (r *Readback) Name() string { return r.name }

// Format implements Reader.
func (r *Readback) Format() string { return "readback" }

// Next implements Reader.
func (r *Readback) Next(ctx context.Context) (Row, error) {
	for len(r.buf) == 0 {
		if r.done {
			return Row{}, io.EOF
		}
		recs, next, err := r.src.Records(ctx, r.profile, r.after)
		if err != nil {
			return Row{}, fmt.Errorf("%s: %w", r.name, err)
		}
		r.buf = recs
		if next == "" || next == r.after || len(recs) == 0 {
			r.done = true
		}
		r.after = next
	}
	rec := r.buf[0]
	r.buf = r.buf[1:]
	r.n++
	if len(rec.Body) == 0 {
		return Row{}, &InputError{File: r.name, Line: r.n, Unit: "record",
			Msg: "no event body: reconcile needs the events' fields (set readback fields.body)"}
	}
	row, err := parseObject(r.name, r.n, rec.Body, r.m, &r.ms, "record")
	if err != nil {
		return Row{}, err
	}
	switch {
	case rec.Dropped:
		row.Kind, row.Rule = Refused, "dropped"
	case !rec.Recorded():
		row.Kind = Replayed
	}
	return row, nil
}
