package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/s2s-harness/s2s-harness/mockserver"
)

// Profile is one profile's repeat-detection memory, rate-limit buckets and
// per-app sequences.
type Profile struct {
	s    *Store
	name string
	cap  int
	keys []string // judgeScript's KEYS
}

// Record is what the memory needs of one event.
type Record struct {
	ID          string // idempotency key ("" none)
	Hash        uint64 // of the payload (Hash), to flag conflicting replays
	DedupeKey   string // key whose repeat is a duplicate ("" none)
	FallbackKey string // key whose repeat within the window is a probable duplicate
}

// Profile returns the state of profile name; each of its stores forgets its
// oldest key past keys.
func (s *Store) Profile(name string, keys int) *Profile {
	p := &Profile{s: s, name: name, cap: max(keys, 1)}
	for _, k := range []string{"ids", "ids:order", "dups", "dups:order", "fallback", "fallback:order", "seqs", "seqs:order"} {
		p.keys = append(p.keys, s.key(name, k))
	}
	return p
}

// Allow counts a request of bucket at now against limit per window. When the
// bucket is full it answers false and how long until a slot frees.
func (p *Profile) Allow(ctx context.Context, bucket string, limit int, window time.Duration, now time.Time) (bool, time.Duration, error) {
	// Idle buckets expire. The mock's clock may be set apart from real time,
	// so the expiry is generous: the window twice, plus ten minutes.
	expire := (2*window + 10*time.Minute).Milliseconds()
	w := window.Microseconds()
	res, err := p.s.b.eval(ctx, allowScript, []string{p.s.key(p.name, "rl:"+bucket)},
		limit, w, micros(now), expire).Int64()
	if err != nil {
		return false, 0, fmt.Errorf("rate limit %s: %w", p.name, err)
	}
	if res < 0 {
		return true, 0, nil
	}
	return false, time.Duration(res) * time.Microsecond, nil
}

// Judge decides, for each event, whether it is recorded and how it repeats,
// then gives app its next sequence number.
func (p *Profile) Judge(ctx context.Context, recs []Record, app string, pol mockserver.Policy) ([]mockserver.Verdict, uint64, error) {
	kind := kindArg(pol.Kind)
	drop := "0"
	if pol.DropDups {
		drop = "1"
	}
	args := make([]any, 0, 7+5*len(recs))
	args = append(args, p.cap, kind, drop, pol.Window.Microseconds(), micros(pol.Now), app, len(recs))
	for _, r := range recs {
		args = append(args, keyOf(r.ID), strconv.FormatUint(r.Hash, 16), keyOf(r.DedupeKey), keyOf(r.FallbackKey))
	}
	res, err := p.s.b.eval(ctx, judgeScript, p.keys, args...).Int64Slice()
	if err != nil {
		return nil, 0, fmt.Errorf("judge %s: %w", p.name, err)
	}
	if len(res) != len(recs)+1 {
		return nil, 0, fmt.Errorf("judge %s: %d answers for %d events", p.name, len(res), len(recs))
	}
	out := make([]mockserver.Verdict, len(recs))
	for i, f := range res[:len(recs)] {
		out[i] = verdictOf(f)
	}
	return out, uint64(res[len(recs)]), nil
}

// Known reports which ids were seen before ("" never was).
func (p *Profile) Known(ctx context.Context, ids []string) ([]bool, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = keyOf(id)
	}
	res, err := p.s.b.eval(ctx, peekScript, p.keys[:1], args...).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("known %s: %w", p.name, err)
	}
	out := make([]bool, len(ids))
	for i := range min(len(res), len(out)) {
		out[i] = res[i] == 1
	}
	return out, nil
}

// Next gives app its next sequence number, from 1.
func (p *Profile) Next(ctx context.Context, app string) (uint64, error) {
	_, seq, err := p.Judge(ctx, nil, app, mockserver.Policy{})
	return seq, err
}

// ResetMemory forgets the profile's memory and sequences.
func (p *Profile) ResetMemory(ctx context.Context) error {
	if err := p.s.rdb.Del(ctx, p.keys...).Err(); err != nil {
		return fmt.Errorf("reset %s: %w", p.name, err)
	}
	return nil
}

// ResetLimits forgets the profile's rate-limit buckets.
func (p *Profile) ResetLimits(ctx context.Context) error {
	// Buckets are many keys: find them by name. Deleting is all a reset does,
	// so a bucket created meanwhile is simply a request after the reset.
	iter := p.s.rdb.Scan(ctx, 0, p.s.key(p.name, "rl:*"), 1000).Iterator()
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := p.s.rdb.Unlink(ctx, batch...).Err()
		batch = batch[:0]
		return err
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			if err := flush(); err != nil {
				return fmt.Errorf("reset %s: %w", p.name, err)
			}
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("reset %s: %w", p.name, err)
	}
	if err := flush(); err != nil {
		return fmt.Errorf("reset %s: %w", p.name, err)
	}
	return nil
}
