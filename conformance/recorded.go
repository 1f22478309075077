package conformance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/readback"
)

// The deep checks' access to what the receiver recorded, through a
// readback.Source: the inspection API's journal, the vendor's HTTP JSON record
// API or a SQL query. A check starts by marking where the records end (after
// a reset when the source can reset), then reads the records after the mark
// that are the events it sent, matched by the profile's key.

// recordPoll is how often a check re-reads the source while it waits for
// records to settle.
const recordPoll = 100 * time.Millisecond

// canRead reports whether the runner can read what the receiver recorded.
func (s *session) canRead() bool { return s.r.rb != nil }

// readbackName says where records come from, for messages.
func (s *session) readbackName() string {
	if _, ok := s.r.rb.(*readback.Inspection); ok {
		return "journal"
	}
	return "read-back"
}

// noReadback is the reason a deep check cannot see records.
const noReadback = "needs to read what the receiver recorded: give -inspect URL (the /_s2s/ contract) or readback in the target config"

// markRecords moves the profile's cursor to the end of its records: what a
// check reads afterwards is its own.
func (s *session) markRecords() error {
	if s.r.rb == nil {
		return nil
	}
	_, next, err := readback.All(s.ctx, s.r.rb, s.p.Name, s.ps.cursor)
	if err != nil {
		return fmt.Errorf("%s of %s: %w", s.readbackName(), s.p.Name, err)
	}
	s.ps.cursor = next
	return nil
}

// resetRecords clears the receiver through the read-back source when it can
// (a source that is not the inspection API; the runner resets through that
// itself), and starts the profile's cursor over.
func (s *session) resetRecords() error {
	if s.r.rb == nil || s.inspection() {
		if s.r.session == "" { // a session-scoped reset keeps the journal: the cursor stays valid
			s.ps.cursor = ""
		}
		return nil
	}
	if rs, ok := s.r.rb.(readback.Resetter); ok {
		if err := rs.Reset(s.ctx); err != nil {
			return fmt.Errorf("read-back reset: %w", err)
		}
		s.ps.cursor = ""
	}
	return nil
}

// identities returns the identity of every event pl carries, read from the
// document as the receiver decodes it.
func (s *session) identities(pl *profile.Payload) []readback.Identity {
	req, err := fixtures.Request(s.p, pl, s.now())
	if err != nil {
		return nil
	}
	doc, err := req.Document()
	if err != nil {
		return nil
	}
	var out []readback.Identity
	for _, it := range req.Endpoint.ItemsOf(doc) {
		out = append(out, readback.IdentityOf(s.p, it))
	}
	return out
}

// recordsOf reads the records after the check's mark that are one of ids.
// It waits for the source to settle: until want(records) holds or the
// source's settle time has passed (a read-your-writes source is read once).
// want nil waits the whole settle time (a check that counts must not stop at
// the first record).
func (s *session) recordsOf(ids []readback.Identity, want func([]readback.Record) bool) ([]readback.Record, error) {
	if s.r.rb == nil {
		return nil, errors.New(noReadback)
	}
	deadline := time.Now().Add(readback.SettleOf(s.r.rb))
	for {
		all, _, err := readback.All(s.ctx, s.r.rb, s.p.Name, s.ps.cursor)
		if err != nil {
			return nil, fmt.Errorf("%s of %s: %w", s.readbackName(), s.p.Name, err)
		}
		var got []readback.Record
		for _, r := range all {
			for _, id := range ids {
				if r.Matches(id.Key, id.Primary) {
					got = append(got, r)
					break
				}
			}
		}
		if (want != nil && want(got)) || !time.Now().Before(deadline) {
			return got, nil
		}
		t := time.NewTimer(recordPoll)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return got, s.ctx.Err()
		case <-t.C:
		}
	}
}

// recorded counts the records that are recorded.
func recorded(rs []readback.Record) int {
	n := 0
	for _, r := range rs {
		if r.Recorded() {
			n++
		}
	}
	return n
}

// atLeast returns a want that holds once n records are recorded.
func atLeast(n int) func([]readback.Record) bool {
	return func(rs []readback.Record) bool { return recorded(rs) >= n }
}

// describeRecords sums records up for evidence.
func describeRecords(rs []readback.Record) string {
	if len(rs) == 0 {
		return "no record of the event"
	}
	s := fmt.Sprintf("%d record(s):", len(rs))
	for _, r := range rs {
		switch {
		case r.Dropped:
			s += " dropped"
		case r.RecordedAt == nil:
			s += " not recorded"
		default:
			s += " recorded at " + r.RecordedAt.UTC().Format("2006-01-02 15:04:05.000")
		}
		if r.Duplicate {
			s += " (duplicate)"
		}
		if r.ProbableDuplicate {
			s += " (probable duplicate)"
		}
		s += ";"
	}
	return s[:len(s)-1]
}

// holdClock stops the receiver's clock at t through the read-back source,
// until the returned func gives it back.
func (s *session) holdClock(t time.Time) (func(), error) {
	c, ok := s.r.rb.(readback.Clock)
	if !ok {
		return nil, errors.New("the exact instant needs the receiver's clock set: give -inspect URL or readback.clock in the target config")
	}
	if err := c.SetClock(s.ctx, t); err != nil {
		return nil, fmt.Errorf("set the receiver's clock: %w", err)
	}
	s.fixed = &t
	return func() {
		s.fixed = nil
		// A background context, so an interrupt still gives the clock back.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.ReleaseClock(ctx)
		s.ps.mu.Lock()
		s.ps.dirty = true
		s.ps.mu.Unlock()
	}, nil
}
