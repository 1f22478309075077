package conformance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
)

// Diagnose runs the named profile's probes (profile.Probe) against the
// target: for each, which spellings of a part of the request the receiver
// accepts. A probe marked WhenRejected tries the other spellings only when
// the documented one is refused, to say which one the receiver verifies
// instead. It gives no verdict; the certificate shows what it found. Each
// variant goes out on a fresh event, paced like every check.
func (r *Runner) Diagnose(ctx context.Context, name string, o Options) ([]CertDiagnosis, error) {
	r.start(ctx)
	ps := r.profiles[name]
	if ps == nil || len(ps.p.Probes) == 0 || len(ps.p.Events) == 0 {
		return nil, nil
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	gen, err := fixtures.NewGenerator(ps.p, fixtures.Options{Seed: o.Seed + 7, Now: o.Now})
	if err != nil {
		return nil, fmt.Errorf("diagnosis %s: %w", name, err)
	}
	var out []CertDiagnosis
	for _, pr := range ps.p.Probes {
		if len(pr.Documented)+len(pr.Variants) == 0 {
			continue
		}
		c := &Check{Profile: name, Name: "diagnosis: " + pr.Name, budget: len(pr.Documented) + len(pr.Variants)}
		s := &session{ctx: ctx, r: r, ps: ps, p: ps.p, c: c}
		d := CertDiagnosis{Probe: pr.Name, Rule: pr.Rule}
		answers := map[string]string{} // refused documented spelling → its answer
		var refused []*exchange
		for _, v := range pr.Documented {
			d.Documented = append(d.Documented, v.Name)
			x := s.probe(gen.Of, v)
			switch {
			case x == nil || x.err != nil:
				d.Unanswered = append(d.Unanswered, v.Name)
			case !x.accepted():
				d.DocumentedRejected = append(d.DocumentedRejected, v.Name)
				answers[v.Name] = x.what()
				refused = append(refused, x)
			}
		}
		d.DocumentedAccepted = len(d.DocumentedRejected) == 0 && len(d.Unanswered) == 0
		if !pr.WhenRejected || len(d.DocumentedRejected) > 0 {
			for _, v := range pr.Variants {
				if ctx.Err() != nil {
					return out, ctx.Err()
				}
				x := s.probe(gen.Of, v)
				switch {
				case x == nil || x.err != nil:
					d.Unanswered = append(d.Unanswered, v.Name)
				case x.accepted():
					d.Accepted = append(d.Accepted, v.Name)
				default:
					d.Rejected = append(d.Rejected, v.Name)
				}
			}
		}
		d.Summary = summarize(pr, d, answers)
		out = append(out, d)
		ps.mu.Lock()
		for _, x := range refused {
			if x.status/100 == 2 || x.status == 429 {
				continue
			}
			rule := pr.Rule
			if ar, ok := s.authRule(x.status); ok && len(d.Accepted) == 0 {
				// No other spelling helped: the probe does not show this part is
				// the cause; the status says which auth rule refused it.
				rule = ar.ID
			}
			ps.causes = append(ps.causes, cause{rule: rule, probe: pr.Name, status: x.status, body: fingerprint(x.body), summary: d.Summary})
		}
		ps.mu.Unlock()
	}
	return out, nil
}

// probe sends one fresh event of the profile's first type with variant v
// applied after signing; nil when it could not be prepared.
func (s *session) probe(of func(event, endpoint string) (*profile.Payload, error), v profile.Break) *exchange {
	if s.ctx.Err() != nil {
		return nil
	}
	pl, err := of(s.p.Events[0].Name, "")
	if err != nil {
		return nil
	}
	if err := s.makeRoom(1); err != nil {
		return &exchange{err: err}
	}
	brk := v
	x, err := s.send(pl, sendOpts{brk: &brk})
	if err != nil {
		return nil
	}
	return x
}

// summarize says in one line what a probe found.
func summarize(pr profile.Probe, d CertDiagnosis, answers map[string]string) string {
	var parts []string
	if len(d.DocumentedRejected) == 0 {
		parts = append(parts, "accepts the documented "+pr.Name)
	} else {
		var refused []string
		for _, n := range d.DocumentedRejected {
			refused = append(refused, fmt.Sprintf("%s (%s)", n, answers[n]))
		}
		parts = append(parts, "rejects the documented "+pr.Name+": "+strings.Join(refused, "; "))
	}
	switch {
	case len(d.Accepted) > 0:
		parts = append(parts, "accepts instead: "+strings.Join(d.Accepted, "; "))
	case len(d.DocumentedRejected) > 0 && len(d.Rejected) > 0:
		parts = append(parts, "and every usual alternative tried")
	}
	if len(d.Accepted) > 0 && len(d.DocumentedRejected) == 0 {
		parts[len(parts)-1] = "also accepts: " + strings.Join(d.Accepted, "; ")
	}
	if len(d.Unanswered) > 0 {
		parts = append(parts, "no answer to: "+strings.Join(d.Unanswered, "; "))
	}
	return strings.Join(parts, "; ")
}
