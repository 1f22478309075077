package load

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// do sends one scheduled request, and retries it the way a well-behaved
// client does when the scenario has a retry policy.
func (e *engine) do(ctx context.Context, c conn, j *job, rng *rand.Rand) {
	sched := j.sched
	resend := false
	for attempt := 0; ; attempt++ {
		o, retryAfter := e.send(ctx, c, j, sched, attempt == 0, resend)
		if o.resendable && !resend {
			// The receiver closed a reused connection after the request was
			// written: send it again at once, on a fresh connection, as a
			// retry the report counts (it may now hold it twice).
			resend = true
			attempt--
			continue
		}
		resend = false
		p := e.s.Retry
		if p == nil || !retryable(o.class) {
			return
		}
		if attempt >= p.Max {
			e.rec.exhaust()
			return
		}
		wait := backoff(p, attempt, retryAfter, rng)
		if time.Now().Add(wait).After(e.drainBy) {
			e.rec.exhaust() // the run is over before the retry would be due
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			e.rec.exhaust()
			return
		}
		sched = time.Now()
	}
}

func retryable(class string) bool {
	switch class {
	case class429, class5xx, classTimeout, classConnection:
		return true
	}
	return false
}

// backoff is min(cap, base·2^attempt) with the policy's jitter, or what a
// Retry-After asked for (capped) when the policy honours it.
func backoff(p *Retry, attempt int, retryAfter time.Duration, rng *rand.Rand) time.Duration {
	if p.RetryAfter && retryAfter > 0 {
		return min(retryAfter, p.Cap)
	}
	d := p.Base << min(attempt, 30)
	if d <= 0 || d > p.Cap {
		d = p.Cap
	}
	switch p.Jitter {
	case JitterFull:
		return time.Duration(rng.Int64N(int64(d) + 1))
	case JitterEqual:
		return d/2 + time.Duration(rng.Int64N(int64(d/2)+1))
	}
	return d
}

// send makes one attempt: signed afresh, timed from sched, recorded.
// The outcome is a value: one allocation less per request.
func (e *engine) send(ctx context.Context, c conn, j *job, sched time.Time, first, resent bool) (outcome, time.Duration) {
	r := j.req
	o := outcome{endpoint: r.endpoint, events: r.events, first: first && !resent, replay: r.replay, resent: resent, added: -1}
	t, err := e.w.sign(r, time.Now(), c.scratch())
	if err != nil {
		fatal := err
		e.fatal.Store(&fatal)
		o.class, o.detail, o.at = classConnection, err.Error(), time.Now()
		o.latency = o.at.Sub(sched)
		e.rec.record(&o)
		return o, 0
	}
	e.inFlight.Add(1)
	sent := time.Now()
	if o.first && !j.waited && !e.s.Max {
		o.added = max(time.Microsecond, sent.Sub(sched))
	}
	a, err := c.roundTrip(ctx, t, r.wire, sent, e.s.Timeout, r.replay && e.flag != nil)
	done := a.at
	if done.IsZero() {
		done = time.Now()
	}
	e.inFlight.Add(-1)
	// From the scheduled time, or from the send when it went out early.
	o.at, o.latency, o.service = done, done.Sub(minTime(sched, sent)), done.Sub(sent)
	switch {
	case err != nil && e.interrupted.Load():
		o.class, o.detail = classAborted, "interrupted"
	case err != nil:
		o.class, o.detail = errorClass(err), errorText(err)
		o.resendable = errors.As(err, new(errResent))
	default:
		o.status = a.status
		o.class = statusClass(a.status)
		if o.class != class2xx {
			o.detail = fmt.Sprintf("%d %s", a.status, excerpt(a.body))
		}
	}
	e.rec.record(&o)
	if len(e.cfg.Outputs) > 0 {
		at := Attempt{At: done, Endpoint: e.cfg.Profile.Endpoints[r.endpoint].ID, Class: o.class, Status: o.status,
			LatencyMS: float64(o.latency) / float64(time.Millisecond), ServiceMS: float64(o.service) / float64(time.Millisecond),
			Events: r.events, Retry: !o.first, Replay: r.replay}
		if o.status == 0 && o.class != class2xx {
			at.Error = o.detail
		}
		for _, out := range e.cfg.Outputs {
			out.Add(at)
		}
	}
	if o.class == class2xx {
		if !r.replay {
			if e.s.Replay > 0 { // the ring's lock, only for a run that replays
				e.w.ring.add(r, done)
			}
			if e.ledger != nil {
				e.ledger.acked(r.keys, done)
			}
		} else if e.flag != nil {
			if replay, ok := e.flag.says(a.body); ok {
				e.flagChecks.Add(1)
				if !replay {
					e.flagDups.Add(uint64(r.events))
				}
			}
		}
	}
	return o, parseRetryAfter(a.retryAfter, done)
}

func errorClass(err error) string {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return classTimeout
	}
	return classConnection
}

// errorText drops the method and URL net/http puts in front of every error.
func errorText(err error) string {
	s := err.Error()
	if i := strings.Index(s, "\": "); i >= 0 && strings.HasPrefix(s, "Post \"") {
		s = s[i+3:]
	}
	return s
}

func excerpt(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// parseRetryAfter reads seconds or an HTTP date; 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
