// Package readback reads "what the receiver recorded" for the checks that must
// look past the answer: the conformance suite's deep checks (recorded time,
// silent drops, nothing recorded twice) and the load engine's loss, lag and
// duplicate accounting. One interface, Source, has three implementations: the
// inspection contract /_s2s/ of package inspect (Inspection), a vendor's own
// HTTP JSON record API described in the target config (HTTP), and a SQL query
// on the receiver's database through pgx (SQL). Optional abilities (moving
// the receiver's clock, clearing its state) are separate one-method-pair
// interfaces a caller asserts for. Config is the `readback` key of a target
// config; Open builds the source it describes.
package readback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
)

// Record is one event as the receiver recorded it.
type Record struct {
	Profile    string
	Key        string          // the event's key as profile.Key computes it (derived from Body when the source only has bodies)
	Body       json.RawMessage // the event as received (for a batch: the item); may be nil when the source only has keys
	ReceivedAt time.Time
	RecordedAt *time.Time // nil: not recorded
	Dropped    bool
	Cursor     string // where to resume after this record

	// Duplicate and ProbableDuplicate are the receiver's own flags on a
	// repeat, when the source carries them (HasFlags).
	Duplicate         bool
	ProbableDuplicate bool
	// HasFlags says the source reports Duplicate and ProbableDuplicate, so
	// their absence means "not flagged" rather than "not known".
	HasFlags bool
}

// Recorded reports whether the receiver recorded the event (kept it as
// counting), as opposed to receiving it and dropping or replaying it.
func (r Record) Recorded() bool { return r.RecordedAt != nil && !r.Dropped }

// Source reads records in order after a cursor ("" = from the start).
// One call returns one page: call again with next until it returns no
// records (All does). profile "" asks for every profile where the source can.
type Source interface {
	Records(ctx context.Context, profile string, after string) (recs []Record, next string, err error)
}

// Clock is the ability to stop the receiver's clock at an instant and to give
// it back its real time: the exact-boundary time checks need it.
type Clock interface {
	SetClock(ctx context.Context, at time.Time) error
	ReleaseClock(ctx context.Context) error
}

// Resetter is the ability to clear the receiver's recorded state.
type Resetter interface {
	Reset(ctx context.Context) error
}

// Settler is implemented by sources whose records may appear some time after
// the answer (an asynchronous pipeline): Settle is how long a reader waits
// for a record before concluding it is not there. Sources without it are
// read-your-writes.
type Settler interface {
	Settle() time.Duration
}

// SettleOf returns how long to wait for src's records to appear (0 when the
// source is read-your-writes).
func SettleOf(src Source) time.Duration {
	if s, ok := src.(Settler); ok {
		return s.Settle()
	}
	return 0
}

// maxPages bounds All: a source whose pages never end cannot hold a caller.
const maxPages = 100_000

// ErrEndless is returned by All when the source's pages do not end.
var ErrEndless = errors.New("read-back paging did not end")

// What All keeps at most: records, and bytes of them (bodies and cursors
// with a record's fixed size). A source past either is an error naming it.
const (
	MaxRecords     = 1_000_000
	MaxRecordBytes = 256 << 20
	recordOverhead = 160
)

// All pages through src from after and returns every record and the cursor
// after the last one (after itself when there were none). It keeps at most
// MaxRecords records of MaxRecordBytes: past them it stops with ErrTooLarge.
func All(ctx context.Context, src Source, profile, after string) ([]Record, string, error) {
	return all(ctx, src, profile, after, MaxRecords, MaxRecordBytes)
}

func all(ctx context.Context, src Source, profile, after string, maxRecords, maxBytes int) ([]Record, string, error) {
	var out []Record
	kept := 0
	for range maxPages {
		recs, next, err := src.Records(ctx, profile, after)
		if err != nil {
			return out, after, err
		}
		for _, r := range recs {
			kept += recordOverhead + len(r.Body) + len(r.Key) + len(r.Cursor) + len(r.Profile)
		}
		if len(out)+len(recs) > maxRecords || kept > maxBytes {
			return out, after, fmt.Errorf("%w: the source gave %d records of about %d bytes by cursor %q; a check keeps at most %d records of %d bytes",
				ErrTooLarge, len(out)+len(recs), kept, after, maxRecords, maxBytes)
		}
		out = append(out, recs...)
		if next == "" || next == after {
			return out, after, nil
		}
		after = next
	}
	return out, after, ErrEndless
}

// Profiles finds a profile by name: the sources derive keys with it.
type Profiles func(name string) *profile.Profile

// ProfilesOf returns a Profiles over ps.
func ProfilesOf(ps []*profile.Profile) Profiles {
	return func(name string) *profile.Profile {
		for _, p := range ps {
			if p.Name == name {
				return p
			}
		}
		return nil
	}
}

// KeyOf returns p's key of one event body (an item).
func KeyOf(p *profile.Profile, body []byte) (string, error) {
	doc, err := strictjson.Decode(body)
	if err != nil {
		return "", fmt.Errorf("event body: %w", err)
	}
	return p.Key(doc), nil
}

// Matches reports whether rec is the event whose key under its profile is key.
// A source that only has the receiver's own id of the event matches by the
// first of the profile's UniqueFields the event carries (primary).
func (r Record) Matches(key, primary string) bool {
	if key == "" {
		return false
	}
	return r.Key == key || (len(r.Body) == 0 && primary != "" && r.Key == primary)
}

// Identity is what a reader needs to find one sent event among the records.
type Identity struct {
	Key     string // profile.Key of the item
	Primary string // the value of the first of Profile.UniqueFields the item carries
}

// IdentityOf returns the identity of one item (a decoded event) under p.
func IdentityOf(p *profile.Profile, item any) Identity {
	id := Identity{Key: p.Key(item)}
	for _, f := range p.UniqueFields {
		if v, ok := profile.Get(item, f); ok && v != nil {
			id.Primary = fmt.Sprint(v)
			break
		}
	}
	return id
}

// Find returns the records of recs that are the event id.
func Find(recs []Record, id Identity) []Record {
	var out []Record
	for _, r := range recs {
		if r.Matches(id.Key, id.Primary) {
			out = append(out, r)
		}
	}
	return out
}

// ofProfile keeps one profile's records ("" for all) of a page read after the cursor
// after, and says where to resume: after the whole page, since a page may hold
// only other profiles' records.
func ofProfile(all []Record, profile, after string) ([]Record, string) {
	if len(all) == 0 {
		return nil, after
	}
	var out []Record
	for _, r := range all {
		if profile == "" || r.Profile == profile {
			out = append(out, r)
		}
	}
	return out, all[len(all)-1].Cursor
}
