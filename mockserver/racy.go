package mockserver

import (
	"context"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// racyStore is the store a mutant with mutant.Mutant.RacyIdempotency gets: it
// looks, lets go, waits, then inserts, so concurrent repeats of one id may all
// be first deliveries. Sequential repeats are still seen.
type racyStore struct{ Memory }

// racyPause widens the window between look and insert, so concurrent repeats
// reliably overlap in it.
const racyPause = 5 * time.Millisecond

func (s racyStore) Judge(ctx context.Context, recs []profile.Record, hashes []uint64, app string, pol Policy) ([]Verdict, uint64, error) {
	seen, err := s.Known(ctx, recs)
	if err != nil {
		return nil, 0, err
	}
	wait(ctx, nil, racyPause)
	out, seq, err := s.Memory.Judge(ctx, recs, hashes, app, pol)
	for i := range out {
		if !seen[i] && out[i].Replay {
			out[i] = Verdict{Recorded: true} // it looked new when it was looked at
		}
	}
	return out, seq, err
}
