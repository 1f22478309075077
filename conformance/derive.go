package conformance

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/schemas"
)

// Checks derives every check of p from its data: the seed's golden examples,
// a valid event of every type at every endpoint that takes it, every labelled
// variant (schema mutations, cases, malformed bodies, limits), every auth
// break, batch atomicity, endpoint aliases, the repeat policy, the
// recorded-time cases, the response spec and the rate limit. A profile with no
// endpoints (not defined yet) has no checks.
func Checks(p *profile.Profile, o Options) ([]Check, error) {
	if len(p.Endpoints) == 0 {
		return nil, nil
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Millisecond)
	set, err := schemas.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("conformance: %w", err)
	}
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: o.Seed, Now: o.Now})
	if err != nil {
		return nil, fmt.Errorf("conformance: %w", err)
	}
	variants, err := fixtures.Variants(p, set, fixtures.Options{Seed: o.Seed + 1, Now: o.Now})
	if err != nil {
		return nil, fmt.Errorf("conformance: %w", err)
	}
	d := &deriver{p: p, o: o, set: set, gen: gen, variants: variants}
	steps := []func() error{d.golden, d.valid, d.variantChecks, d.breaks, d.atomicity, d.aliases,
		d.dedupe, d.times, d.responses, d.rate}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("conformance: profile %s: %w", p.Name, err)
		}
	}
	var out []Check
	names := map[string]int{}
	for _, a := range Areas(d.out) {
		for _, c := range d.out {
			if c.Area != a {
				continue
			}
			key := string(c.Area) + "\x00" + c.Name
			if names[key]++; names[key] > 1 {
				c.Name = fmt.Sprintf("%s #%d", c.Name, names[key])
			}
			for _, id := range c.Rules {
				c.Levels = append(c.Levels, d.rule(id).Level)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// deriver accumulates the checks of one profile.
type deriver struct {
	p        *profile.Profile
	o        Options
	set      *schemas.Set
	gen      *fixtures.Generator
	variants []fixtures.Variant
	out      []Check
}

// rule returns the catalogue entry of id; an id missing from the catalogue is
// a defect of the profile, judged as MUST so it cannot pass unnoticed.
func (d *deriver) rule(id string) profile.Rule {
	if r, ok := d.p.Rule(id); ok {
		return r
	}
	return profile.Rule{ID: id, Level: profile.Must, Area: profile.AreaValidation, Text: "(missing from the catalogue)"}
}

// add appends a check; its area is its main rule's.
func (d *deriver) add(c Check) {
	c.Profile = d.p.Name
	if c.Area == "" {
		c.Area = d.rule(c.Rules[0]).Area
	}
	c.Rules = compact(c.Rules)
	if len(c.Grounds) == 0 {
		g := c.Ground
		if g.Basis == "" {
			g = profile.Uncited()
		}
		c.Grounds = []RuleGround{{Rule: c.Rules[0], Ground: g}}
	}
	d.out = append(d.out, c)
}

// compactGrounds drops the grounds of rules a check does not have ("").
func compactGrounds(gs []RuleGround) []RuleGround {
	var out []RuleGround
	for _, g := range gs {
		if g.Rule != "" {
			out = append(out, g)
		}
	}
	return out
}

func compact(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// bodyRule is the rule that says what a body of e must hold: the one the
// request schema names for its root's required members.
func (d *deriver) bodyRule(e *profile.Endpoint) string {
	if e.Request != "" {
		if id := d.set.Annotation(e.Request, nil, "x-rule", "required"); id != "" {
			return id
		}
	}
	return d.p.MalformedRule
}

// acceptRules are the rules a receiver breaks by rejecting a valid request of
// event to e: the body rule, the rule naming the event type, the alias rule.
func (d *deriver) acceptRules(e *profile.Endpoint, event string) []string {
	ids := []string{d.bodyRule(e)}
	if et, ok := d.p.EventType(event); ok && et.Rule != "" {
		ids = append(ids, et.Rule)
	}
	if e.Alias != "" {
		ids = append(ids, e.AliasRule)
	}
	return compact(ids)
}

// sendCheck is the common shape: send one payload, judge the answer against
// one expectation per rule.
func (d *deriver) sendCheck(area profile.Area, name string, pl *profile.Payload, o sendOpts, exps []expectation, also ...string) {
	rules := []string{}
	for _, e := range exps {
		rules = append(rules, e.judged.ID, e.rule.ID)
	}
	rules = append(rules, also...)
	var gs []RuleGround
	for _, e := range exps {
		gs = append(gs, RuleGround{Rule: e.judged.ID, Ground: e.ground})
	}
	d.add(Check{Area: area, Name: name, Rules: rules, Grounds: gs, budget: 1, run: func(s *session) []Verdict {
		x, err := s.send(pl, o)
		if err != nil {
			return skipAll(s.c, err.Error())
		}
		var vs []Verdict
		for _, e := range exps {
			vs = append(vs, s.judgeAnswer(x, e)...)
		}
		return dedupeVerdicts(vs)
	}})
}

// dedupeVerdicts drops repeated verdicts (a response rule named by several
// expectations of one request).
func dedupeVerdicts(vs []Verdict) []Verdict {
	var out []Verdict
	seen := map[string]bool{}
	for _, v := range vs {
		k := v.Rule + "\x00" + string(v.Status) + "\x00" + v.Message
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

// accepting is the expectation that a valid request is accepted, held to each
// rule a rejection would break.
func (d *deriver) accepting(what, kind, field string, ids []string) []expectation {
	var out []expectation
	for _, id := range ids {
		r := d.rule(id)
		out = append(out, expectation{what: what, expect: profile.Accept, rule: r, judged: r, kind: kind,
			ground: d.p.GroundOf(id, kind, field)})
	}
	return out
}

// golden: every example of the seed document, as the profile labels it.
func (d *deriver) golden() error {
	gs, err := fixtures.LoadGolden(d.p)
	if err != nil {
		return err
	}
	for _, g := range gs {
		e, _ := d.p.Endpoint(g.Payload.Endpoint)
		what := "seed example " + g.Name
		var exps []expectation
		switch {
		case len(g.Reject) > 0:
			for _, id := range g.Reject {
				r := d.rule(id)
				exps = append(exps, expectation{what: what, expect: profile.Reject, rule: r, judged: r, code: r.Code,
					kind: profile.KindExample, ground: d.p.GroundOf(id, profile.KindExample, g.Name)})
			}
		case len(g.Strict) > 0:
			for _, id := range g.Strict {
				r := d.rule(id)
				exps = append(exps, expectation{what: what, expect: profile.RejectStrict, rule: r, judged: r, code: r.Code,
					kind: profile.KindExample, ground: d.p.GroundOf(id, profile.KindExample, g.Name)})
			}
		default:
			exps = d.accepting(what, profile.KindExample, g.Name, d.acceptRules(e, g.Payload.Event))
			for _, id := range g.Reading {
				if r := d.rule(id); r.Level == profile.Ambiguous {
					for i := range exps {
						exps[i].judged = r
					}
					exps = exps[:1]
					break
				}
			}
		}
		if len(exps) == 0 {
			continue
		}
		name := fmt.Sprintf("%s seed example %s", verb(exps[0].expect), g.Name)
		if n := len(e.ItemsOf(g.Payload.Body)); e.MaxItems > 0 && n > e.MaxItems {
			reason := fmt.Sprintf("the example carries %d events; the target takes at most %d per request", n, e.MaxItems)
			d.add(Check{Area: exps[0].judged.Area, Name: name, Rules: []string{exps[0].judged.ID},
				run: func(s *session) []Verdict { return skipAll(s.c, reason) }})
			continue
		}
		d.sendCheck(exps[0].judged.Area, name, g.Payload, sendOpts{rehome: true}, exps)
	}
	return nil
}

// valid: a generated event of every type at every endpoint that takes it, and
// a batch of several on batch endpoints.
func (d *deriver) valid() error {
	for _, et := range d.p.Events {
		for i := range d.p.Endpoints {
			e := &d.p.Endpoints[i]
			if !e.Accepts(et.Endpoint) {
				continue
			}
			pl, err := d.gen.Of(et.Name, e.ID)
			if err != nil {
				return err
			}
			what := fmt.Sprintf("a valid %s event at %s", et.Name, e.Pattern())
			d.sendCheck("", "accepts "+what, pl, sendOpts{}, d.accepting(what, profile.KindValid, et.Name, d.acceptRules(e, et.Name)))
		}
	}
	for i := range d.p.Endpoints {
		e := &d.p.Endpoints[i]
		if !e.Batch() {
			continue
		}
		n := 3
		if e.MaxItems > 0 {
			n = min(n, e.MaxItems)
		}
		g, err := fixtures.NewGenerator(d.p, fixtures.Options{Seed: d.o.Seed + 2, Now: d.o.Now, Endpoint: e.ID, BatchSize: n})
		if err != nil {
			return err
		}
		what := fmt.Sprintf("a batch of %d valid events at %s", n, e.Pattern())
		d.sendCheck(profile.AreaBatching, "accepts "+what, g.Next(), sendOpts{}, d.accepting(what, profile.KindValid, "batch", d.acceptRules(e, "")))
	}
	return nil
}

// variantChecks: every labelled variant, judged by its expectation.
func (d *deriver) variantChecks() error {
	for _, vr := range d.variants {
		r := d.rule(vr.Rule)
		judged := r
		if vr.Expect == profile.RejectStrict || vr.Expect == profile.Accept {
			for _, id := range vr.Also {
				if a := d.rule(id); a.Level == profile.Ambiguous {
					judged = a
					break
				}
			}
		}
		e, _ := d.p.Endpoint(vr.Payload.Endpoint)
		what := fmt.Sprintf("%s (%s at %s)", vr.Name, vr.Payload.Event, e.Pattern())
		if vr.Payload.Event == "" {
			what = fmt.Sprintf("%s (at %s)", vr.Name, e.Pattern())
		}
		exp := expectation{what: what, expect: vr.Expect, rule: r, judged: judged, code: vr.Code, kind: vr.Kind, ground: vr.Ground}
		name := verb(vr.Expect) + " " + what
		if vr.Expect == profile.AcceptDropped {
			d.dropped(name, vr.Payload, exp, vr.Also)
			continue
		}
		d.sendCheck(judged.Area, name, vr.Payload, sendOpts{}, []expectation{exp}, vr.Also...)
	}
	return nil
}

// breaks: the auth scheme's ways to make a signed request inauthentic (or
// spelled differently but still authentic).
func (d *deriver) breaks() error {
	if d.p.Auth == nil || len(d.p.Events) == 0 {
		return nil
	}
	for _, b := range d.p.Auth.Breaks() {
		pl, err := d.gen.Of(d.p.Events[0].Name, "")
		if err != nil {
			return err
		}
		r := d.rule(b.Rule)
		what := fmt.Sprintf("%s (%s credentials)", b.Name, d.p.Auth.Scheme())
		exp := expectation{what: what, expect: b.Expect, rule: r, judged: r, code: r.Code, kind: profile.KindAuth,
			ground: d.p.GroundOf(r.ID, profile.KindAuth, b.Name)}
		d.sendCheck(r.Area, verb(b.Expect)+" "+what, pl, sendOpts{brk: &b}, []expectation{exp})
	}
	return nil
}

// atomicity: a batch with one bad item among good ones is rejected whole, and
// (with inspection) nothing of it is recorded.
func (d *deriver) atomicity() error {
	for i := range d.p.Endpoints {
		e := &d.p.Endpoints[i]
		if e.AtomicRule == "" || !e.Batch() {
			continue
		}
		vr, bad, ok := d.itemVariant(e)
		if !ok {
			continue
		}
		good, err := d.gen.Of(vr.Payload.Event, e.ID)
		if err != nil {
			return err
		}
		more, err := d.gen.Of(vr.Payload.Event, e.ID)
		if err != nil {
			return err
		}
		items := []any{e.ItemsOf(good.Body)[0], profile.DeepCopy(bad), e.ItemsOf(more.Body)[0]}
		pl := good.Clone()
		pl.Body = e.Wrap(items)
		atomic := e.AtomicRule
		r, ar := d.rule(vr.Rule), d.rule(atomic)
		what := fmt.Sprintf("a batch of 3 at %s whose item %s is bad (%s)", e.Pattern(), e.ItemPath(1), vr.Name)
		exp := expectation{what: what, expect: profile.Reject, rule: r, judged: r, code: vr.Code, kind: vr.Kind, ground: vr.Ground}
		g := d.p.GroundOf(atomic, profile.KindAtomic, "")
		d.add(Check{Area: profile.AreaBatching, Name: "rejects " + what + " and records none of it", Rules: []string{atomic, vr.Rule},
			Ground: g, budget: 1, stateful: true, run: func(s *session) []Verdict {
				x, err := s.send(pl, sendOpts{})
				if err != nil {
					return skipAll(s.c, err.Error())
				}
				vs := s.judgeAnswer(x, exp)
				ev := x.evidence()
				switch {
				case x.accepted():
					vs = append(vs, Verdict{Rule: ar.ID, Status: judgeOn(ar.Level, g), Ground: g, Evidence: ev,
						Message: fmt.Sprintf("%s: accepted (%s): a batch with a bad item is rejected whole", what, x.what())})
				case !s.canRead():
					vs = append(vs, Verdict{Rule: ar.ID, Status: Pass, Ground: g, Evidence: ev,
						Message: fmt.Sprintf("%s: rejected (%s); that nothing was recorded is not checked without a read-back of the receiver's records", what, x.what())})
				default:
					vs = append(vs, s.nothingRecorded(ar, g, what, pl, ev))
				}
				return vs
			}})
	}
	return nil
}

// itemVariant picks a schema variant breaking one event for a MUST rule that
// rejects in both modes, sent to an endpoint whose events e carries (or to e
// itself, breaking its first item), and returns that bad event.
func (d *deriver) itemVariant(e *profile.Endpoint) (fixtures.Variant, any, bool) {
	for _, vr := range d.variants {
		if vr.Origin != fixtures.FromSchema || vr.Expect != profile.Reject {
			continue
		}
		if r := d.rule(vr.Rule); r.Level != profile.Must || r.Status/100 != 4 {
			continue
		}
		src, ok := d.p.Endpoint(vr.Payload.Endpoint)
		if !ok || (src.ID != e.Carries && (src.ID != e.ID || !strings.HasPrefix(vr.Name, "drop "+e.ItemPath(0)+"."))) {
			continue
		}
		if items := src.ItemsOf(vr.Payload.Body); len(items) > 0 {
			return vr, items[0], true
		}
	}
	return fixtures.Variant{}, nil, false
}

// aliases: an endpoint that mirrors another answers the same request the same way.
func (d *deriver) aliases() error {
	for i := range d.p.Endpoints {
		alias := &d.p.Endpoints[i]
		if alias.Alias == "" {
			continue
		}
		orig, ok := d.p.Endpoint(alias.Alias)
		if !ok {
			return fmt.Errorf("endpoint %s: alias of unknown endpoint %q", alias.ID, alias.Alias)
		}
		var event string
		for _, et := range d.p.Events {
			if orig.Accepts(et.Endpoint) {
				event = et.Name
				break
			}
		}
		if event == "" {
			continue
		}
		good, err := d.gen.Of(event, orig.ID)
		if err != nil {
			return err
		}
		var bad *profile.Payload
		for _, vr := range d.variants {
			if vr.Payload.Endpoint == orig.ID && vr.Origin == fixtures.FromSchema && vr.Expect == profile.Reject {
				bad = vr.Payload
				break
			}
		}
		d.aliasCheck(orig, alias, good, bad)
	}
	return nil
}

func (d *deriver) aliasCheck(orig, alias *profile.Endpoint, good, bad *profile.Payload) {
	r := d.rule(alias.AliasRule)
	name := fmt.Sprintf("answers %s as %s does", alias.Pattern(), orig.Pattern())
	budget := 2
	if bad != nil {
		budget = 4
	}
	g := d.p.GroundOf(r.ID, profile.KindAlias, "")
	d.add(Check{Area: r.Area, Name: name, Rules: []string{r.ID}, Ground: g, budget: budget, run: func(s *session) []Verdict {
		var vs []Verdict
		for _, pl := range []*profile.Payload{good, bad} {
			if pl == nil {
				continue
			}
			at := pl.Clone()
			at.Endpoint = alias.ID
			x1, err := s.send(pl, sendOpts{})
			if err != nil {
				return skipAll(s.c, err.Error())
			}
			x2, err := s.send(at, sendOpts{})
			if err != nil {
				return skipAll(s.c, err.Error())
			}
			if diff := sameAnswer(x1, x2, s.p.Responses.CodeField); diff != "" {
				vs = append(vs, Verdict{Rule: r.ID, Status: judgeOn(r.Level, g), Evidence: x2.evidence(),
					Message: fmt.Sprintf("the same request answered %s at %s but %s at %s: %s", x1.what(), orig.Pattern(), x2.what(), alias.Pattern(), diff)})
				continue
			}
			vs = append(vs, Verdict{Rule: r.ID, Status: Pass, Evidence: x2.evidence(),
				Message: fmt.Sprintf("the same request answered %s at both %s and %s", x2.what(), orig.Pattern(), alias.Pattern())})
		}
		return vs
	}})
}

// sameAnswer compares two answers' shape: status, content type, top-level
// members of a JSON object and the error code. "" when they match.
func sameAnswer(a, b *exchange, codeField string) string {
	if a.err != nil || b.err != nil {
		return "no answer"
	}
	if a.status != b.status {
		return fmt.Sprintf("status %d vs %d", a.status, b.status)
	}
	if a.json() != b.json() {
		return fmt.Sprintf("content type %q vs %q", a.header.Get("Content-Type"), b.header.Get("Content-Type"))
	}
	ma, _ := a.doc().(map[string]any)
	mb, _ := b.doc().(map[string]any)
	ka, kb := keys(ma), keys(mb)
	if !slices.Equal(ka, kb) {
		return fmt.Sprintf("members %v vs %v", ka, kb)
	}
	if codeField != "" {
		ca, _ := member(ma, codeField)
		cb, _ := member(mb, codeField)
		if ca != cb {
			return fmt.Sprintf("%s %q vs %q", codeField, ca, cb)
		}
	}
	return ""
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
