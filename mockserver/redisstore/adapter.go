package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
)

// State is the store as the mock's state (mockserver.WithState).
func (s *Store) State() mockserver.State { return state{s} }

type state struct{ s *Store }

func (st state) Memory(name string, keys int) mockserver.Memory {
	return memory{st.s.Profile(name, keys)}
}

func (st state) Limiter(name string, limit int, window time.Duration) mockserver.Limiter {
	return limiter{p: st.s.Profile(name, 1), limit: limit, window: window}
}

func (st state) Journal(ctx context.Context, capacity, maxBytes int, profiles []string, now time.Time) (mockserver.Journal, error) {
	j, err := st.s.Journal(ctx, capacity, maxBytes, profiles, now)
	if err != nil {
		return nil, err
	}
	return journal{j}, nil
}

type memory struct{ p *Profile }

func (m memory) Judge(ctx context.Context, recs []profile.Record, hashes []uint64, app string, pol mockserver.Policy) ([]mockserver.Verdict, uint64, error) {
	rs := make([]Record, len(recs))
	for i, r := range recs {
		rs[i] = Record{ID: r.ID, DedupeKey: r.DedupeKey, FallbackKey: r.FallbackKey}
		if i < len(hashes) {
			rs[i].Hash = hashes[i]
		}
	}
	return m.p.Judge(ctx, rs, app, pol)
}

func (m memory) Known(ctx context.Context, recs []profile.Record) ([]bool, error) {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	return m.p.Known(ctx, ids)
}

func (m memory) Seq(ctx context.Context, app string) (uint64, error) { return m.p.Next(ctx, app) }

func (m memory) Hash(item any) uint64 { return Hash(item) }

func (m memory) Reset(ctx context.Context) error { return m.p.ResetMemory(ctx) }

type limiter struct {
	p      *Profile
	limit  int
	window time.Duration
}

func (l limiter) Allow(ctx context.Context, bucket string, now time.Time) (bool, time.Duration, error) {
	return l.p.Allow(ctx, bucket, l.limit, l.window, now)
}

func (l limiter) Reset(ctx context.Context) error { return l.p.ResetLimits(ctx) }

type journal struct{ j *Journal }

func (j journal) Add(ctx context.Context, e inspect.Entry, body []byte, t mockserver.Tally, rules []string) error {
	_, err := j.j.Add(ctx, e, body, mockserver.EntrySize(e, body), t, rules)
	return err
}

func (j journal) Query(ctx context.Context, q inspect.Query, limit int) (inspect.Page, error) {
	return j.j.Query(ctx, q, limit)
}

func (j journal) Stats(ctx context.Context) (inspect.Stats, error) { return j.j.Stats(ctx) }

func (j journal) Reset(ctx context.Context, name string, now time.Time) error {
	return j.j.Reset(ctx, name, now)
}

func (j journal) Epoch(ctx context.Context) (string, error) { return j.j.Epoch(ctx) }

func (j journal) Commit(ctx context.Context, tx *mockserver.Tx) (mockserver.Committed, error) {
	c := Commit{Now: tx.Now, App: tx.App, Seq: tx.Seq, Entry: tx.Entry, Body: tx.Body,
		Size: mockserver.EntrySize(tx.Entry, tx.Body), Policy: tx.Policy, Expect: tx.Expect, Tally: tx.Tally, Rules: tx.Rules}
	if l, ok := tx.Limiter.(limiter); ok {
		c.Limit = &Limit{Profile: l.p, Bucket: tx.Bucket, Limit: l.limit, Window: l.window}
	} else if tx.Limiter != nil {
		return mockserver.Committed{}, fmt.Errorf("commit: the limiter is not this store's (%T)", tx.Limiter)
	}
	if m, ok := tx.Memory.(memory); ok {
		c.Memory = m.p
	} else if tx.Memory != nil {
		return mockserver.Committed{}, fmt.Errorf("commit: the memory is not this store's (%T)", tx.Memory)
	}
	c.Recs = make([]Record, len(tx.Recs))
	for i, r := range tx.Recs {
		c.Recs[i] = Record{ID: r.ID, DedupeKey: r.DedupeKey, FallbackKey: r.FallbackKey}
		if i < len(tx.Hashes) {
			c.Recs[i].Hash = tx.Hashes[i]
		}
	}
	res, err := j.j.Commit(ctx, c)
	if err != nil {
		return mockserver.Committed{}, err
	}
	return mockserver.Committed{Limited: res.Limited, After: res.After, Seq: res.AppSeq, Verdicts: res.Verdicts}, nil
}
