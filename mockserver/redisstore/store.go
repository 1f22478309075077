// Package redisstore keeps the reference mock's state in Redis, so that several
// mock replicas behind one load balancer behave as one mock: rolling-window
// rate limits, idempotency keys (with the first payload's hash), duplicate and
// fallback keys, per-app sequences, the exact counters and the journal (a
// capped stream). `s2s mock -store redis://…` uses it through the mock's state
// interface.
//
// Every decision is one server-side step (a Lua script), never a read then a
// write from Go, so concurrent deliveries on different replicas still have
// exactly one first. Calls from concurrent requests are pipelined: each
// waits for its own answer, but many share one round trip.
package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every key the store writes.
const DefaultPrefix = "s2s:"

// Options tune a Store.
type Options struct {
	// Prefix starts every key (default "s2s:"): mocks sharing one Redis with
	// different prefixes share nothing.
	Prefix string
	// Pipelines is how many pipelines run at once (default 4).
	Pipelines int
}

// Store is a connection to the Redis holding the state.
type Store struct {
	rdb    *redis.Client
	prefix string
	b      *batcher
}

// Open connects to the Redis at rawURL (redis://[user:pass@]host:port/db or
// rediss://… for TLS) and checks it answers.
func Open(ctx context.Context, rawURL string, o Options) (*Store, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store %q: %w", redact(rawURL), err)
	}
	opt.PoolSize = max(opt.PoolSize, 2*orInt(o.Pipelines, defaultPipelines)+4)
	if u, err := url.Parse(rawURL); err == nil && !u.Query().Has("max_retries") {
		// A script that ran but whose answer was lost would run again on a
		// retry: a first delivery answered as its own replay. Fail instead
		// (503); the sender's re-send is the retry.
		opt.MaxRetries = -1
	}
	s := New(redis.NewClient(opt), o)
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("store %s: %w", redact(rawURL), err)
	}
	for _, sc := range []*redis.Script{allowScript, judgeScript, peekScript, addScript, epochScript, commitScript, dropProfileScript} {
		if err := sc.Load(ctx, s.rdb).Err(); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("store %s: loading scripts: %w", redact(rawURL), err)
		}
	}
	return s, nil
}

// redact hides a password in a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

const defaultPipelines = 4

// New wraps a client; the Store owns it from now on.
func New(rdb *redis.Client, o Options) *Store {
	prefix := o.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	s := &Store{rdb: rdb, prefix: prefix}
	s.b = newBatcher(rdb, orInt(o.Pipelines, defaultPipelines))
	return s
}

// Close stops the pipelines and closes the connections.
func (s *Store) Close() error {
	s.b.close()
	return s.rdb.Close()
}

// Prefix is what every key of this store starts with.
func (s *Store) Prefix() string { return s.prefix }

// Client is the underlying client (for tests and tooling).
func (s *Store) Client() *redis.Client { return s.rdb }

// key names a key of one profile. Every key shares one hash tag: a request's
// decision and its journal entry are one script, over a profile's keys and
// the journal's, and a Redis cluster runs a script on keys of one slot only.
func (s *Store) key(profile, name string) string {
	return s.prefix + "{s2s}:" + profile + ":" + name
}

// keyOf is what the memory keeps of an event's id, dedupe or fallback key: the
// first 128 bits of its SHA-256, the same on every replica, so Redis's memory
// per key is bounded whatever the sender's key length. "" stays "" (none).
func keyOf(k string) string {
	if k == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(k))
	return string(sum[:16])
}

// Hash fingerprints an event's payload the same on every replica: its JSON
// encoding (object members in key order) through FNV-1a.
func Hash(item any) uint64 {
	h := fnv.New64a()
	b, err := json.Marshal(item)
	if err != nil {
		fmt.Fprintf(h, "%T:%v", item, item)
	} else {
		h.Write(b)
	}
	return h.Sum64()
}

func orInt(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func micros(t time.Time) int64 { return t.UnixMicro() }

// batcher runs script calls of concurrent requests through shared pipelines.
type batcher struct {
	rdb  *redis.Client
	jobs chan *job
	stop chan struct{}
	dead chan struct{} // closed once no pipeline runs any more
	wg   sync.WaitGroup
	once sync.Once
}

type job struct {
	sc   *redis.Script
	keys []string
	args []any
	cmd  *redis.Cmd
	done chan struct{}

	// A commit (sc nil): it runs with the batch's other commits of j as
	// one commitScript call, and gets its own answer and the epoch.
	j   *Journal
	it  *item
	res []any
	ep  string
	err error
}

// maxBatch bounds one pipeline.
const maxBatch = 256

func newBatcher(rdb *redis.Client, n int) *batcher {
	b := &batcher{rdb: rdb, jobs: make(chan *job, maxBatch), stop: make(chan struct{}), dead: make(chan struct{})}
	for range n {
		b.wg.Add(1)
		go b.loop()
	}
	return b
}

var errClosed = errors.New("redis store closed")

// eval runs sc and waits for its answer.
func (b *batcher) eval(ctx context.Context, sc *redis.Script, keys []string, args ...any) *redis.Cmd {
	j := &job{sc: sc, keys: keys, args: args, done: make(chan struct{})}
	if err := b.run(ctx, j); err != nil {
		return errCmd(ctx, err)
	}
	return j.cmd
}

// commit runs it as part of a batch of j's commits and waits for its answer
// and the epoch.
func (b *batcher) commit(ctx context.Context, j *Journal, it *item) ([]any, string, error) {
	jb := &job{j: j, it: it, done: make(chan struct{})}
	if err := b.run(ctx, jb); err != nil {
		return nil, "", err
	}
	return jb.res, jb.ep, jb.err
}

// run queues j and waits until it ran.
func (b *batcher) run(ctx context.Context, j *job) error {
	select {
	case b.jobs <- j:
	case <-b.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued the call runs whatever the caller does: wait for it, so the
	// state and what the caller reports never disagree.
	select {
	case <-j.done:
	case <-b.dead:
		select {
		case <-j.done:
		default:
			return errClosed
		}
	}
	return nil
}

func errCmd(ctx context.Context, err error) *redis.Cmd {
	c := redis.NewCmd(ctx)
	c.SetErr(err)
	return c
}

func (b *batcher) loop() {
	defer b.wg.Done()
	batch := make([]*job, 0, maxBatch)
	for {
		select {
		case <-b.stop:
			return
		case j := <-b.jobs:
			batch = append(batch[:0], j)
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case j := <-b.jobs:
				batch = append(batch, j)
			default:
				break fill
			}
		}
		b.exec(batch)
	}
}

func (b *batcher) exec(batch []*job) {
	ctx := context.Background()
	pipe := b.rdb.Pipeline()
	var groups []*commitBatch
	for _, j := range batch {
		if j.sc == nil {
			groups = addCommit(groups, j)
			continue
		}
		j.cmd = j.sc.EvalSha(ctx, pipe, j.keys, j.args...)
	}
	for _, g := range groups {
		g.cmd = commitScript.EvalSha(ctx, pipe, g.keys, g.args...)
	}
	_, _ = pipe.Exec(ctx) // errors are per command
	for _, j := range batch {
		if j.sc == nil {
			continue
		}
		if err := j.cmd.Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			// The server lost its scripts (restart, SCRIPT FLUSH): send them again.
			j.cmd = j.sc.Run(ctx, b.rdb, j.keys, j.args...)
		}
		close(j.done)
	}
	for _, g := range groups {
		if err := g.cmd.Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			g.cmd = commitScript.Run(ctx, b.rdb, g.keys, g.args...)
		}
		g.answer()
	}
}

// commitBatch is one commitScript call: the commits of one journal in a batch.
type commitBatch struct {
	j    *Journal
	jobs []*job
	keys []string
	idx  map[string]int // key → its KEYS index (from 1)
	args []any
	cmd  *redis.Cmd
}

// addCommit adds commit j to the group of its journal.
func addCommit(groups []*commitBatch, j *job) []*commitBatch {
	var g *commitBatch
	for _, h := range groups {
		if h.j == j.j {
			g = h
		}
	}
	if g == nil {
		jn := j.j
		g = &commitBatch{j: jn, idx: map[string]int{}}
		for _, k := range []string{jn.seq, jn.stream, jn.added, jn.bytes, jn.epoch, jn.since, jn.sizes} {
			g.key(k)
		}
		g.args = append(g.args, jn.cap, jn.maxBytes, jn.candidate(), time.Now().UTC().Format(time.RFC3339Nano), jn.floor.Load())
		groups = append(groups, g)
	}
	g.jobs = append(g.jobs, j)
	it := j.it
	bucket := 0
	if it.bucket != "" {
		bucket = g.key(it.bucket)
	}
	mem := g.key(it.mem[0])
	for _, k := range it.mem[1:] {
		g.key(k)
	}
	for i, k := range it.mem {
		if g.idx[k] != mem+i { // the script reads the eight as consecutive
			mem = len(g.keys) + 1
			g.keys = append(g.keys, it.mem...)
			break
		}
	}
	g.args = append(g.args, 16+len(it.tail), bucket) // its length: these 16 and the tail
	g.args = append(g.args, it.head[:]...)
	g.args = append(g.args, mem)
	g.args = append(g.args, it.mid[:]...)
	g.args = append(g.args, g.key(it.stats))
	g.args = append(g.args, it.tail...)
	return groups
}

// key is k's KEYS index, adding it when new.
func (g *commitBatch) key(k string) int {
	if i, ok := g.idx[k]; ok {
		return i
	}
	g.keys = append(g.keys, k)
	g.idx[k] = len(g.keys)
	return len(g.keys)
}

// answer hands each commit its part of the script's answer.
func (g *commitBatch) answer() {
	res, err := g.cmd.Slice()
	var ep string
	if err == nil {
		if len(res) != len(g.jobs)+1 {
			err = fmt.Errorf("%d answers for %d commits", len(res)-1, len(g.jobs))
		} else if ep, _ = res[0].(string); ep == "" {
			err = fmt.Errorf("answer %v: no epoch", res[0])
		}
	}
	for i, j := range g.jobs {
		if err != nil {
			j.err = err
		} else {
			j.ep = ep
			j.res, _ = res[i+1].([]any)
		}
		close(j.done)
	}
}

func (b *batcher) close() {
	b.once.Do(func() {
		close(b.stop)
		b.wg.Wait()
		close(b.dead)
	})
}
