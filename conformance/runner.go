package conformance

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/targeturl"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/readback"
)

// Target is a receiver under test.
type Target struct {
	// URL is the receiver's base URL, e.g. "http://127.0.0.1:8080".
	URL string
	// Inspect is the base URL of its inspection API ("" when it has none).
	Inspect string
	// InspectToken is the inspection API's admin token (Bearer), when it
	// requires one ("" when open).
	InspectToken string
	Config       Config
	// Readback reads what the receiver recorded for the deep checks; nil
	// means the inspection API's journal when Inspect is set (the caller
	// opens Config.Readback with readback.Open: it knows the environment).
	Readback readback.Source
	// Client sends the requests; nil means one that never follows redirects.
	Client *http.Client
}

// Runner runs checks against one target, one check at a time, and keeps the
// results. Checks of one profile share its state: pacing per credential, the
// answers seen (which the response checks judge), resets through inspection.
type Runner struct {
	base string
	hc   *http.Client
	insp *inspect.Client
	rb   readback.Source

	startOnce sync.Once
	session   string // the run's own session on the receiver (isolation.go); "" when none
	ownRB     bool   // rb is the inspection journal, re-scoped to the session
	health    *inspect.Health
	offset    time.Duration // receiver clock minus ours, when inspection tells

	mu       sync.Mutex
	profiles map[string]*pstate
	results  []Result
	internal []string // internal errors (a bug of the suite, not of the target)
	noAnswer int      // requests in a row that got no answer
	lost     error    // set once noAnswer reaches MaxNoAnswer: the run stops
	seenHeld int      // answer bytes kept in the profiles' seen lists

	// waiting, when set, is told how long a check still waits for a rate
	// limit (Certify sets it before each check: progress that never looks stuck).
	waiting func(left time.Duration, limit string)
}

// MaxNoAnswer is how many requests in a row may get no answer (a timeout, a
// refused connection) before the run stops as incomplete: the target is lost.
const MaxNoAnswer = 3

// Lost is why the run lost its target (nil while it answers).
func (r *Runner) Lost() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost
}

// unjudgeUnanswered turns the verdicts that judged a missing answer into
// skips once the target is lost: the run stopped, the target was not judged.
func (r *Runner) unjudgeUnanswered() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lost == nil {
		return
	}
	for i := range r.results {
		res := &r.results[i]
		changed := false
		for k := range res.Verdicts {
			if v := &res.Verdicts[k]; v.answer != nil && v.answer.err != nil && v.Status != Skip {
				v.Status, v.Reading, changed = Skip, "", true
				v.Message = fmt.Sprintf("%s: not judged: no answer (%v), and then %v", v.what, v.answer.err, r.lost)
			}
		}
		if changed {
			res.summarize()
		}
	}
}

// noteAnswer counts requests in a row without an answer: timeouts and
// failed dials (a connection reset after an oversize body is an answer of
// sorts, and counts neither way).
func (r *Runner) noteAnswer(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		r.noAnswer = 0
		return
	}
	var ne net.Error
	var oe *net.OpError
	if !(errors.As(err, &ne) && ne.Timeout()) && !(errors.As(err, &oe) && oe.Op == "dial") {
		return
	}
	r.noAnswer++
	if r.noAnswer >= MaxNoAnswer && r.lost == nil {
		r.lost = fmt.Errorf("lost the target: %d requests in a row got no answer (the last: %w)", r.noAnswer, err)
	}
}

// pstate is what the runner keeps per profile.
type pstate struct {
	p    *profile.Profile // as the target config has it
	set  settings
	pace *pacer
	main string // rate-limit bucket of the main credential

	mu     sync.Mutex
	seen   []*exchange // answers, for the response checks
	dirty  bool        // a check left state behind (clock, bursts): reset before the next
	cursor string      // read-back position after which the running check's records start
	probed bool        // the response probes were sent (they are judged with seen)
	causes []cause     // answers the diagnosis found for refused documented spellings
}

// maxSeen bounds the answers a profile keeps for the response checks.
const maxSeen = 4000

// Profile returns the named profile as the target config has it (its limits
// and batch caps), or nil.
func (r *Runner) Profile(name string) *profile.Profile {
	if ps, ok := r.profiles[name]; ok {
		return ps.p
	}
	return nil
}

// NewRunner returns a runner for t over profiles.
func NewRunner(t Target, profiles []*profile.Profile) (*Runner, error) {
	if _, err := targeturl.Check(t.URL); err != nil {
		return nil, fmt.Errorf("target URL %w", err)
	}
	for _, p := range profiles {
		if pc, ok := t.Config.Profiles[p.Name]; ok {
			if err := pc.check(p); err != nil {
				return nil, fmt.Errorf("target config key profiles.%s.%w", p.Name, err)
			}
		}
	}
	r := &Runner{base: strings.TrimRight(t.URL, "/"), hc: Client(), profiles: map[string]*pstate{}}
	if t.Client != nil {
		// The caller's transport and timeout, never its redirect policy: a
		// 3xx is an answer to judge, and following one would carry the
		// credentials to wherever it points.
		hc := *t.Client
		hc.CheckRedirect = noRedirect
		r.hc = &hc
	}
	if t.Inspect != "" {
		var err error
		if r.insp, err = inspect.NewClient(t.Inspect, r.hc); err != nil {
			return nil, err
		}
		if t.InspectToken != "" {
			r.insp = r.insp.WithToken(t.InspectToken)
		}
	}
	r.rb = t.Readback
	if r.rb == nil && r.insp != nil {
		r.rb = readback.NewInspection(r.insp, readback.ProfilesOf(profiles))
		r.ownRB = true
	}
	for _, p := range profiles {
		ps := &pstate{}
		ps.p, ps.set = t.Config.effective(p)
		if ps.set.rate != nil {
			ps.pace = newPacer(ps.set.rate.Limit, ps.set.rate.Window)
		}
		ps.main = bucketOf(ps.p, ps.set.creds, time.Now())
		r.profiles[p.Name] = ps
	}
	return r, nil
}

// Client returns the HTTP client the suite uses by default: it never follows a
// redirect (a 3xx is an answer to judge), keeps enough idle connections for
// the bursts and does not ask for compression.
func Client() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 128
	tr.MaxIdleConnsPerHost = 64
	tr.DisableCompression = true
	return &http.Client{
		Timeout:       15 * time.Second,
		Transport:     tr,
		CheckRedirect: noRedirect,
	}
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Inspection reports whether the runner uses an inspection API.
func (r *Runner) Inspection() bool { return r.insp != nil }

// start asks the inspection API, once, what the receiver is: its mode and its
// clock (the suite signs tokens at the receiver's time).
func (r *Runner) start(ctx context.Context) {
	r.startOnce.Do(func() {
		if r.insp == nil {
			return
		}
		if h, err := r.insp.Health(ctx); err == nil {
			r.health = &h
		}
		r.isolate(ctx)
		if c, err := r.insp.Clock(ctx); err == nil && c.Mode != "real" {
			r.offset = time.Until(c.Now)
		}
	})
}

// Mode is the mode the receiver says it runs in ("" when it does not say).
func (r *Runner) Mode() string {
	if r.health == nil {
		return ""
	}
	return r.health.Mode
}

// Run runs one check and records its result.
func (r *Runner) Run(ctx context.Context, c *Check) Result {
	r.start(ctx)
	begin := time.Now()
	res := Result{Check: c}
	ps := r.profiles[c.Profile]
	switch {
	case ps == nil:
		res.Verdicts = skipAll(c, "profile "+c.Profile+" is not part of this run")
	case ps.set.scope[string(c.Area)] != "":
		res.Verdicts = skipAll(c, "") // not run: the runner marks its rules not applicable below
	case c.Inspect && r.rb == nil:
		res.Verdicts = skipAll(c, noReadback)
	default:
		res.Verdicts = r.execute(ctx, ps, c)
	}
	res.Verdicts = fillJudged(c, res.Verdicts)
	for i := range res.Verdicts {
		v := &res.Verdicts[i]
		if why := r.outOfScope(ps, v.Rule); why != "" {
			v.Status, v.Reading, v.Message = NotApplicable, "", why
		}
		if v.Ground.Basis == "" {
			v.Ground = c.Ground
			if v.Ground.Basis == "" {
				v.Ground = profile.Uncited()
			}
		}
		if v.Level == "" && ps != nil {
			if rule, ok := ps.p.Rule(v.Rule); ok {
				v.Level = rule.Level
			}
		}
	}
	res.summarize()
	res.Duration = time.Since(begin)
	r.mu.Lock()
	r.results = append(r.results, res)
	r.mu.Unlock()
	return res
}

func (r *Runner) execute(ctx context.Context, ps *pstate, c *Check) (vs []Verdict) {
	s := &session{ctx: ctx, r: r, ps: ps, p: ps.p, c: c}
	defer func() {
		if p := recover(); p != nil {
			msg := fmt.Sprintf("internal error of the suite in check %q: %v", c.Name, p)
			r.mu.Lock()
			r.internal = append(r.internal, msg)
			r.mu.Unlock()
			vs = skipAll(c, msg)
		}
	}()
	if c.stateful {
		// A stateful check judges the receiver's records: it starts clean
		// where the receiver can be reset, and reads only what follows.
		if s.inspection() {
			if err := s.reset(); err != nil {
				return skipAll(c, err.Error())
			}
		}
		if err := s.resetRecords(); err != nil {
			return skipAll(c, err.Error())
		}
		if err := s.markRecords(); err != nil {
			return skipAll(c, err.Error())
		}
	}
	if err := s.makeRoom(c.budget); err != nil {
		return skipAll(c, err.Error())
	}
	vs = c.run(s)
	if ctx.Err() != nil {
		return skipAll(c, "not judged: the run stopped: "+stopReason(ctx))
	}
	if err := r.Lost(); err != nil {
		return skipAll(c, "not judged: "+err.Error())
	}
	return s.attributeRedirect(s.explainRefusals(vs))
}

// attributeRedirect counts a redirect under the profile's no-redirect rule,
// the one rule it breaks: the other rules of a check that got one are not
// judged (a redirect tells nothing about them).
func (s *session) attributeRedirect(vs []Verdict) []Verdict {
	id := s.p.Responses.NoRedirectRule
	if s.redirect == nil || id == "" {
		return vs
	}
	r, _ := s.p.Rule(id)
	g := s.p.GroundOf(id, profile.KindRedirect, "")
	x := s.redirect
	out := []Verdict{{Rule: id, Level: r.Level, Status: judgeOn(r.Level, g), Ground: g, Want: "a direct answer", Got: x.what(),
		Evidence: x.evidence(), Message: fmt.Sprintf("answered %s; the endpoint never redirects (%s)", x.what(), id)}}
	for _, v := range vs {
		if v.Rule == id {
			continue
		}
		if v.Status == Fail || v.Status == Warn || v.Status == Ambiguous {
			v.Status, v.Reading = Skip, ""
			v.Message = fmt.Sprintf("not judged: the receiver answered %s, judged under %s", x.what(), id)
		}
		out = append(out, v)
	}
	return out
}

// outOfScope says why rule id of the profile is not applicable ("" when it
// is): its area is out of the target's scope.
func (r *Runner) outOfScope(ps *pstate, id string) string {
	if ps == nil || len(ps.set.scope) == 0 {
		return ""
	}
	rule, ok := ps.p.Rule(id)
	if !ok {
		return ""
	}
	if why := ps.set.scope[string(rule.Area)]; why != "" {
		return fmt.Sprintf("not applicable: the target config declares %s out of scope (%s)", rule.Area, why)
	}
	return ""
}

// OutOfScope returns, per profile, the areas the target config declares out
// of scope and why.
func (r *Runner) OutOfScope() map[string]map[string]string {
	out := map[string]map[string]string{}
	for name, ps := range r.profiles {
		if len(ps.set.scope) > 0 {
			out[name] = maps.Clone(ps.set.scope)
		}
	}
	return out
}

// fillJudged gives every rule of c that got no verdict a skip that says
// under which rules its answers were judged: a check that ran is never "no
// check of this rule ran".
func fillJudged(c *Check, vs []Verdict) []Verdict {
	var under []string
	for _, v := range vs {
		if !slices.Contains(c.Rules, v.Rule) && !slices.Contains(under, v.Rule) {
			under = append(under, v.Rule)
		}
	}
	if slices.ContainsFunc(vs, func(v Verdict) bool { return slices.Contains(c.Rules, v.Rule) }) {
		return vs
	}
	for _, id := range c.Rules {
		msg := "the check ran but gave no verdict on " + id
		if len(under) > 0 {
			msg = "the check ran; its answers were judged under " + strings.Join(under, ", ") + ", not " + id
		}
		var by string
		if len(under) > 0 { // one rule ID: readers treat it as one (out-of-scope lookups, reports)
			by = under[0]
		}
		vs = append(vs, Verdict{Rule: id, Status: Skip, Message: msg, BlockedBy: by})
	}
	return vs
}

func skipAll(c *Check, why string) []Verdict {
	var vs []Verdict
	for _, id := range c.Rules {
		vs = append(vs, Verdict{Rule: id, Status: Skip, Message: why})
	}
	return vs
}

// Results returns every result so far, in run order.
func (r *Runner) Results() []Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Result(nil), r.results...)
}

// InternalErrors lists the suite's own failures (never the target's).
func (r *Runner) InternalErrors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.internal...)
}

// Reset forgets the results (the mutant tests reuse one runner).
func (r *Runner) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results = nil
	r.seenHeld = 0
	for _, ps := range r.profiles {
		ps.mu.Lock()
		ps.seen = nil
		ps.dirty, ps.probed = true, false
		ps.mu.Unlock()
	}
}

// session is one check's view of the runner.
type session struct {
	mu       sync.Mutex
	redirect *exchange   // the first 3xx answer the check got
	refused  []*exchange // answers neither 2xx nor 429 (attribution), at most maxRefused

	ctx   context.Context
	r     *Runner
	ps    *pstate
	p     *profile.Profile
	c     *Check
	fixed *time.Time // the receiver's clock while the check holds it fixed
}

// now is the receiver's time as far as the suite knows: signing happens at it.
func (s *session) now() time.Time {
	if s.fixed != nil {
		return *s.fixed
	}
	return time.Now().Add(s.r.offset)
}

func (s *session) creds() profile.Credentials { return s.ps.set.creds }

// inspection reports whether the receiver's inspection API is available.
func (s *session) inspection() bool { return s.r.insp != nil }

// reset clears the profile's state on the receiver (journal, counters, limits,
// repeat stores) and the suite's pacing of it.
func (s *session) reset() error {
	if s.r.insp == nil {
		return errors.New("no inspection API")
	}
	if err := s.r.insp.Reset(s.ctx, s.p.Name); err != nil {
		return fmt.Errorf("reset %s: %w", s.p.Name, err)
	}
	s.ps.mu.Lock()
	s.ps.dirty = false
	if s.r.session == "" { // a session-scoped reset keeps the journal: the cursor stays valid
		s.ps.cursor = ""
	}
	if s.ps.pace != nil {
		s.ps.pace.clear()
	}
	s.ps.mu.Unlock()
	return nil
}

// makeRoom makes sure the main credential can take n more requests without
// reaching the rate limit: with inspection by resetting the profile, else by
// waiting for the rolling window to free enough.
func (s *session) makeRoom(n int) error {
	s.ps.mu.Lock()
	dirty := s.ps.dirty
	s.ps.mu.Unlock()
	if s.inspection() && dirty {
		if err := s.reset(); err != nil {
			return err
		}
	}
	if s.ps.pace == nil || n <= 0 {
		return nil
	}
	if s.inspection() {
		s.ps.mu.Lock()
		full := s.ps.pace.wait(s.ps.main, n, time.Now()) > 0
		s.ps.mu.Unlock()
		if full {
			return s.reset()
		}
		return nil
	}
	return s.waitRoom(s.ps.main, n)
}

// waitRoom waits until bucket can take n more requests.
func (s *session) waitRoom(bucket string, n int) error {
	for {
		s.ps.mu.Lock()
		d := s.ps.pace.wait(bucket, n, time.Now())
		s.ps.mu.Unlock()
		if d <= 0 {
			return nil
		}
		if s.r.waiting != nil {
			s.r.waiting(d, limitText(s.p, s.ps.set.rate))
		}
		t := time.NewTimer(min(d, time.Second)) // wake to tell the wait left
		select {
		case <-s.ctx.Done():
			t.Stop()
			return s.ctx.Err()
		case <-t.C:
		}
	}
}

// pause waits d for the profile's rate limit, telling how long is left
// every second.
func (s *session) pause(d time.Duration) error {
	end := time.Now().Add(d)
	for left := d; left > 0; left = time.Until(end) {
		if s.r.waiting != nil {
			s.r.waiting(left, limitText(s.p, s.ps.set.rate))
		}
		t := time.NewTimer(min(left, time.Second))
		select {
		case <-s.ctx.Done():
			t.Stop()
			return s.ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// limitText names a rate limit for a person: "RevoSurge's 60/min".
func limitText(p *profile.Profile, r *profile.RateLimit) string {
	who, _, _ := strings.Cut(p.Title, " ")
	if who == "" {
		who = p.Name
	}
	if r == nil {
		return who + "'s rate"
	}
	per := map[time.Duration]string{time.Second: "s", time.Minute: "min", time.Hour: "h"}[r.Window]
	if per == "" {
		return fmt.Sprintf("%s's %d per %s", who, r.Limit, r.Window)
	}
	return fmt.Sprintf("%s's %d/%s", who, r.Limit, per)
}

// pacer remembers when each credential bucket sent, to stay under a rolling
// limit it knows from the target config.
type pacer struct {
	limit  int
	window time.Duration
	sent   map[string][]time.Time
}

func newPacer(limit int, window time.Duration) *pacer {
	// A margin: the receiver's window starts when it reads the request, a bit
	// after we send it.
	return &pacer{limit: max(1, limit-1), window: window + window/50 + 50*time.Millisecond, sent: map[string][]time.Time{}}
}

func (p *pacer) prune(bucket string, now time.Time) []time.Time {
	ts := p.sent[bucket]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= p.window {
		i++
	}
	ts = ts[i:]
	p.sent[bucket] = ts
	return ts
}

// wait returns how long until bucket can take n more requests (0: now).
// More than the limit can never fit: n is capped at it.
func (p *pacer) wait(bucket string, n int, now time.Time) time.Duration {
	n = min(n, p.limit)
	ts := p.prune(bucket, now)
	over := len(ts) + n - p.limit
	if over <= 0 {
		return 0
	}
	return ts[over-1].Add(p.window).Sub(now)
}

func (p *pacer) add(bucket string, t time.Time) { p.sent[bucket] = append(p.sent[bucket], t) }

func (p *pacer) clear() { clear(p.sent) }
