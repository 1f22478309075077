package conformance

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
)

// burstWorkers is how many requests of a rate-limit burst are in flight at once.
const burstWorkers = 16

// rate: limit + 1 requests in a burst on one credential get exactly one 429;
// then a request on another credential is still accepted.
func (d *deriver) rate() error {
	rl := d.p.Rate
	if rl == nil || len(d.p.Events) == 0 {
		return nil
	}
	r := d.rule(rl.Rule)
	var iso profile.Rule
	if rl.IsolationRule != "" {
		iso = d.rule(rl.IsolationRule)
	}
	seed, now := d.o.Seed+7, d.o.Now
	d.add(Check{Area: profile.AreaRateLimit, Name: "answers 429 to a burst of limit + 1 requests on one credential",
		Rules: []string{r.ID, iso.ID}, Grounds: compactGrounds([]RuleGround{
			{Rule: r.ID, Ground: d.p.GroundOf(r.ID, profile.KindRate, "limit")},
			{Rule: iso.ID, Ground: d.p.GroundOf(iso.ID, profile.KindRate, "isolation")}}),
		stateful: true, run: func(s *session) []Verdict {
			gen, err := fixtures.NewGenerator(s.p, fixtures.Options{Seed: seed, Now: now})
			if err != nil {
				return skipAll(s.c, err.Error())
			}
			return s.rateBurst(gen, r, iso)
		}})
	return nil
}

// alternates are the target's credentials with another API key or app first:
// each signs for another rate-limit bucket when the scheme keys on it.
func alternates(c profile.Credentials) []profile.Credentials {
	var out []profile.Credentials
	for i := 1; i < len(c.APIKeys); i++ {
		x := c
		x.APIKeys = append(slices.Clone(c.APIKeys[i:]), c.APIKeys[:i]...)
		out = append(out, x)
	}
	for i := 1; i < len(c.Apps); i++ {
		x := c
		x.Apps = append(slices.Clone(c.Apps[i:]), c.Apps[:i]...)
		out = append(out, x)
	}
	return out
}

func (s *session) rateBurst(gen *fixtures.Generator, r, iso profile.Rule) []Verdict {
	lim := s.ps.set.rate
	n := lim.Limit + 1
	main := s.creds()
	burst := main
	var other *profile.Credentials
	for _, alt := range alternates(main) {
		if b := bucketOf(s.p, alt, s.now()); b != "" && b != s.ps.main {
			burst, other = alt, &main
			break
		}
	}
	burstBucket := bucketOf(s.p, burst, s.now())
	fresh := false
	if s.inspection() {
		if err := s.reset(); err != nil {
			return skipAll(s.c, err.Error())
		}
		fresh = true
	} else if err := s.waitRoom(burstBucket, lim.Limit); err != nil {
		return skipAll(s.c, err.Error())
	}
	prs := make([]*prepared, n)
	for i := range prs {
		pr, err := s.prepare(gen.Next(), sendOpts{creds: &burst, allow429: true})
		if err != nil {
			return skipAll(s.c, err.Error())
		}
		pr.unpaced = true
		prs[i] = pr
	}
	xs := make([]*exchange, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	begin := time.Now()
	for range min(burstWorkers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				xs[i] = s.do(prs[i], true)
			}
		}()
	}
	for i := range prs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	took := time.Since(begin)
	s.ps.mu.Lock()
	s.ps.dirty = true
	s.ps.mu.Unlock()

	var limited, other4xx []*exchange
	accepted := 0
	for _, x := range xs {
		switch {
		case x.accepted():
			accepted++
		case x.err == nil && x.status == http.StatusTooManyRequests:
			limited = append(limited, x)
		default:
			other4xx = append(other4xx, x)
		}
	}
	what := fmt.Sprintf("%d requests in %s on one credential (limit %d per %s)", n, took.Round(time.Millisecond), lim.Limit, lim.Window)
	counts := fmt.Sprintf("%d accepted, %d answered 429, %d otherwise", accepted, len(limited), len(other4xx))
	var vs []Verdict
	evx := xs[len(xs)-1]
	if len(limited) > 0 {
		evx = limited[0]
	} else if len(other4xx) > 0 {
		evx = other4xx[0]
	}
	ev := withNote(evx.evidence(), what+": "+counts)
	if len(limited) > 0 && limited[0].header.Get("Retry-After") == "" {
		ev = withNote(ev, "the 429 carries no Retry-After")
	}
	amb := r.Level == profile.Ambiguous
	g := s.p.GroundOf(r.ID, profile.KindRate, "limit")
	switch {
	case len(other4xx) > 0 && len(limited) == 0:
		vs = append(vs, Verdict{Rule: r.ID, Status: Skip, Evidence: ev,
			Message: fmt.Sprintf("%s: %s; valid requests were not accepted, so the limit cannot be judged: %s", what, counts, other4xx[0].what())})
	case len(limited) == 0 && took > lim.Window:
		vs = append(vs, Verdict{Rule: r.ID, Status: Skip, Evidence: ev,
			Message: fmt.Sprintf("%s: could not send limit + 1 requests within one window; not judged", what)})
	case len(limited) == 0 && amb:
		vs = append(vs, Verdict{Rule: r.ID, Status: Ambiguous, Reading: ReadingNoLimit, Evidence: ev,
			Message: fmt.Sprintf("%s: %s: no limit seen", what, counts)})
	case len(limited) == 0:
		vs = append(vs, Verdict{Rule: r.ID, Status: judgeOn(r.Level, g), Ground: g, Evidence: ev,
			Message: fmt.Sprintf("%s: %s; want a 429 past the limit (%s)", what, counts, r.ID)})
	case len(limited) > 1 && !amb:
		st := judgeOn(r.Level, g)
		if !fresh {
			st = Warn // the credential may have been used just before the run
		}
		vs = append(vs, Verdict{Rule: r.ID, Status: st, Evidence: ev,
			Message: fmt.Sprintf("%s: %s; only one request is over the limit (%s)", what, counts, r.ID)})
	case amb:
		vs = append(vs, Verdict{Rule: r.ID, Status: Ambiguous, Reading: ReadingLimits, Evidence: ev,
			Message: fmt.Sprintf("%s: %s: limited", what, counts)})
	default:
		vs = append(vs, Verdict{Rule: r.ID, Status: Pass, Evidence: ev, Message: fmt.Sprintf("%s: %s", what, counts)})
	}
	if iso.ID == "" {
		return vs
	}
	switch {
	case other == nil:
		return append(vs, Verdict{Rule: iso.ID, Status: Skip,
			Message: "needs a second credential of another rate-limit bucket (e.g. a second API key) in the target config"})
	case len(limited) == 0:
		return append(vs, Verdict{Rule: iso.ID, Status: Skip, Message: "the limit was not reached, so another credential's isolation cannot be seen"})
	}
	pl := gen.Next()
	x, err := s.send(pl, sendOpts{creds: other, allow429: true})
	if err != nil {
		return append(vs, Verdict{Rule: iso.ID, Status: Skip, Message: err.Error()})
	}
	if !x.accepted() {
		gi := s.p.GroundOf(iso.ID, profile.KindRate, "isolation")
		return append(vs, Verdict{Rule: iso.ID, Status: judgeOn(iso.Level, gi), Ground: gi, Evidence: x.evidence(),
			Message: fmt.Sprintf("after one credential reached its limit, another credential's request was answered %s; want 2xx (%s)", x.what(), iso.ID)})
	}
	return append(vs, Verdict{Rule: iso.ID, Status: Pass, Evidence: x.evidence(),
		Message: fmt.Sprintf("after one credential reached its limit, another credential's request was answered %s", x.what())})
}
