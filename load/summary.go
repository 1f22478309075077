package load

import (
	"fmt"
	"time"
)

func (e *engine) describe() RunScenario {
	s := e.s
	d := RunScenario{Name: s.Name, Description: s.Description, Rate: round(s.Rate), DurationS: s.Duration.Seconds(),
		Endpoints: s.Endpoints, Replay: s.Replay, MaxInFlight: s.MaxInFlight,
		TimeoutMS: float64(s.Timeout) / float64(time.Millisecond), Seed: s.Seed}
	for _, n := range e.w.batch { // the sizes used, after the endpoints' caps
		d.Batch = max(d.Batch, n)
	}
	if !s.Max {
		for _, g := range s.Segments() {
			d.Stages = append(d.Stages, RunStage{DurationS: (g.End - g.Start).Seconds(), From: round(g.From), To: round(g.To)})
		}
	}
	if r := s.Retry; r != nil {
		d.Retry = &RunRetry{Max: r.Max, BaseMS: float64(r.Base) / float64(time.Millisecond),
			CapMS: float64(r.Cap) / float64(time.Millisecond), Jitter: r.Jitter, RetryAfter: r.RetryAfter}
	}
	return d
}

// fill writes the sender-side metrics into the result.
// span is when the schedule ended: its end, or the interrupt.
func (e *engine) fill(res *Result, start, span time.Time, genNotSent, capNotSent uint64) {
	r := e.rec
	r.mu.Lock()
	defer r.mu.Unlock()
	end := maxTime(r.lastDone, span)
	elapsed := end.Sub(start)
	scheduleS := span.Sub(start).Seconds()
	res.ElapsedMS = float64(elapsed) / float64(time.Millisecond)
	notSent := genNotSent + capNotSent
	res.Requests = Counts{Scheduled: r.firstAttempts + notSent, Sent: r.firstAttempts, NotSent: notSent, Aborted: r.aborted,
		Attempts: r.attempts, Retries: r.retries, Resent: r.resent, Exhausted: r.exhausted, Replays: r.replays, Events: r.events,
		Acknowledged: r.acked, AckedEvents: r.ackedEvents}
	secs := elapsed.Seconds()
	res.Throughput = Throughput{Offered: round(float64(res.Requests.Scheduled) / max(scheduleS, 1e-3)),
		Sent: round(float64(r.attempts) / secs), Acknowledged: round(float64(r.acked) / secs),
		Events: round(float64(r.ackedEvents) / secs)}
	res.Latency = summarize(r.overall, true)
	res.Service = summarize(r.service, true)
	// Every request the schedule asked for counts: not sent ones (by the
	// generator or for want of a slot) count against; attempts cut short by
	// an interrupt do not count at all.
	if total := res.Requests.trials(); total > 0 {
		res.Availability = round(float64(r.available) / float64(total))
		res.ErrorRate = round(1 - res.Availability)
	}
	if r.answered > 0 {
		res.RateLimited = round(float64(r.rateLimited) / float64(r.answered))
	}
	if r.firstAttempts > 0 {
		res.RetryRate = round(float64(r.retries) / float64(r.firstAttempts))
	}
	res.Status = r.status
	res.Errors = r.errorList()
	for i := range e.cfg.Profile.Endpoints {
		if g := r.endpoints[i]; g != nil {
			res.Endpoints = append(res.Endpoints, Group{Name: e.cfg.Profile.Endpoints[i].ID, Requests: g.requests,
				Latency: summarize(g.hist, false)})
		}
	}
	res.Classes = r.classGroups()
	res.Generator = Generator{LagP99MS: ms(r.lag.ValueAtQuantile(99)), LagMaxMS: ms(r.lag.Max()),
		Late: r.late, ToleranceMS: float64(e.s.LagTolerance) / float64(time.Millisecond), NotSent: genNotSent, CapWaits: r.capWaits}
	if r.added.TotalCount() > 0 {
		res.Generator.AddedP50MS, res.Generator.AddedP99MS = ms(r.added.ValueAtQuantile(50)), ms(r.added.ValueAtQuantile(99))
		res.Generator.AddedMeanMS = round(r.added.Mean() / 1000)
	}
	scheduled := res.Requests.Scheduled
	res.Generator.FellBehind = !e.s.Max && scheduled > 0 && (genNotSent > 0 && genNotSent*100 >= scheduled || r.late*100 > scheduled)
	res.WindowS = r.bucket.Seconds()
	res.Windows = r.timeline
}

// flagReceiver counts duplicates from the replay flag of the answers when
// there was no journal to read.
func (e *engine) flagReceiver(res *Result) {
	checked := e.flagChecks.Load()
	if checked == 0 {
		return
	}
	dups := e.flagDups.Load()
	res.Receiver.Source = "response-flag"
	res.Receiver.SentEvents = e.rec.uniqueEvents
	res.Receiver.Duplicates = ptr(dups)
	if res.Requests.AckedEvents > 0 {
		res.Receiver.DuplicateRate = ptr(round(float64(dups) / float64(res.Requests.AckedEvents)))
	}
	res.Receiver.Notes = append(res.Receiver.Notes, fmt.Sprintf("duplicates counted from the %q member of %d replay answers; loss and ingest lag need -inspect", e.flag.field, checked))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
