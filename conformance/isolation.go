package conformance

import (
	"context"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/readback"
)

// isolate opens the run's own session when the receiver's inspection API has
// sessions (the reference mock): every request of the run carries it, its
// rate limits and repeat memory are its own (an isolated session), and its
// resets and clock are scoped to it, so a mock shared with QA sessions keeps
// their records and verdicts, and their traffic does not disturb the run. A receiver without sessions is driven as
// before, with its global resets.
func (r *Runner) isolate(ctx context.Context) {
	s, err := r.insp.OpenSession(ctx, inspect.SessionSpec{Name: "s2s conform", Isolated: true})
	if err != nil || s.ID == "" {
		return
	}
	r.session = s.ID
	r.insp = r.insp.InSession(s.ID)
	if r.ownRB {
		r.rb = readback.NewInspection(r.insp, readback.ProfilesOf(r.profileList()))
	}
}

// profileList is the run's profiles, as the target config has them.
func (r *Runner) profileList() []*profile.Profile {
	out := make([]*profile.Profile, 0, len(r.profiles))
	for _, ps := range r.profiles {
		out = append(out, ps.p)
	}
	return out
}

// Close ends the run's session on the receiver, if it opened one. It uses
// its own short deadline: an interrupted run still ends its session.
func (r *Runner) Close() {
	if r.session == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = r.insp.EndSession(ctx, r.session)
}
