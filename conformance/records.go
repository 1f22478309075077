package conformance

import (
	"context"
	"fmt"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
)

// Records is where the deep checks (what was recorded, not only answered)
// read the receiver's store, and through which the suite resets it and holds
// its clock. The inspection API (/_s2s/) is one implementation; a vendor's
// own read-back is another (Target.Records).
type Records interface {
	// Reset clears the profile's state on the receiver (records, limits,
	// repeat stores).
	Reset(ctx context.Context, profile string) error
	// Entries returns what the receiver recorded for the profile since the
	// last reset, oldest request first.
	Entries(ctx context.Context, profile string) ([]inspect.Entry, error)
	// FixClock holds the receiver's clock at t until restore is called
	// (restore must work after ctx ends).
	FixClock(ctx context.Context, t time.Time) (restore func(), err error)
}

// inspectRecords reads records through the inspection API.
type inspectRecords struct{ c *inspect.Client }

func (r inspectRecords) Reset(ctx context.Context, profile string) error {
	return r.c.Reset(ctx, profile)
}

func (r inspectRecords) Entries(ctx context.Context, profile string) ([]inspect.Entry, error) {
	return r.c.All(ctx, inspect.Query{Profile: profile})
}

func (r inspectRecords) FixClock(ctx context.Context, t time.Time) (func(), error) {
	prev, err := r.c.Clock(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the receiver's clock: %w", err)
	}
	if err := r.c.FixClock(ctx, t); err != nil {
		return nil, fmt.Errorf("fix the receiver's clock: %w", err)
	}
	return func() {
		// Restore what was there; a background context, so an interrupt still restores.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		switch prev.Mode {
		case "fixed":
			_ = r.c.FixClock(ctx, prev.Now)
		case "offset":
			_ = r.c.OffsetClock(ctx, prev.Offset.D())
		default:
			_ = r.c.RealClock(ctx)
		}
	}, nil
}
