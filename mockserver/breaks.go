package mockserver

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/validate"
)

// Role is the part a rule plays in the mock, read from the profile's data; it
// decides what breaking the rule (inspect.Faults.Break) does. A broken rule
// takes all its strong roles; the weak ones (response, code, accept, reading)
// only apply to a rule that has no strong role, so each mutant stays as sharp
// as the rule allows.
type Role string

// The roles.
const (
	// RoleViolation: the validator reports the rule. Broken: its violations are
	// ignored, so what it rejects is accepted and what it reports is not.
	RoleViolation Role = "violation"
	// RoleRate: Rate.Rule. Broken: no limit.
	RoleRate Role = "rate"
	// RoleIsolation: Rate.IsolationRule. Broken: one bucket shared by every key.
	RoleIsolation Role = "isolation"
	// RoleDedupe: Dedupe.Rule. Broken: repeats are recorded as new (an
	// idempotent API answers them as first deliveries).
	RoleDedupe Role = "dedupe"
	// RoleConcurrent: Dedupe.ConcurrentRule. Broken: a racy check-then-insert,
	// so concurrent repeats may all be first deliveries.
	RoleConcurrent Role = "concurrent"
	// RoleFallback: Dedupe.FallbackRule. Broken: no probable-duplicate flag.
	RoleFallback Role = "fallback"
	// RoleDrop: the rule of a Principal.Drop. Broken: the event is recorded.
	RoleDrop Role = "drop"
	// RoleTime: a TimeCases rule. Broken: events are recorded at the time received.
	RoleTime Role = "time"
	// RoleRedirect: ResponseSpec.NoRedirectRule. Broken: answers are 307 redirects.
	RoleRedirect Role = "redirect"
	// RoleAlias: Endpoint.AliasRule. Broken: the alias endpoint answers 404.
	RoleAlias Role = "alias"

	// RoleResponse (weak): ResponseSpec.Rule. Broken: success bodies of the wrong
	// shape with a non-JSON content type, and error bodies without the code.
	RoleResponse Role = "response"
	// RoleCode (weak): a rule with a documented Code. Broken: error bodies
	// without the code.
	RoleCode Role = "code"
	// RoleAccept (weak): the rule says something must be accepted (its Accept
	// cases, its Accept auth breaks). Broken: such requests are rejected.
	RoleAccept Role = "accept"
	// RoleReading (weak): the rule is the ambiguity other rules' cases are a
	// reading of (Case.Also). Broken: the mock reads it the other way (strict
	// accepts, lenient rejects).
	RoleReading Role = "reading"
)

// analysis is what the mock knows of a profile's rules: the roles of each and
// the fingerprints of the requests its accept and reading roles act on.
type analysis struct {
	roles        map[string][]Role
	fingerprints map[string][]*fingerprint
}

// Roles returns the roles of every rule of p that this mock can break, when
// serving p with creds. A rule missing from the map cannot be broken.
func Roles(p *profile.Profile, creds profile.Credentials) (map[string][]Role, error) {
	v, err := validate.New(p)
	if err != nil {
		return nil, err
	}
	a, err := analyse(p, v, creds)
	if err != nil {
		return nil, err
	}
	return a.roles, nil
}

// analysisNow is the reference time of the samples the analysis signs and checks.
func analysisNow() time.Time { return fixtures.DefaultNow() }

func analyse(p *profile.Profile, v *validate.Validator, creds profile.Credentials) (*analysis, error) {
	a := &analysis{roles: map[string][]Role{}, fingerprints: map[string][]*fingerprint{}}
	strong := map[string][]Role{}
	add := func(id string, r Role) {
		if id != "" && !slices.Contains(strong[id], r) {
			strong[id] = append(strong[id], r)
		}
	}
	reported, drops, err := observe(p, v, creds)
	if err != nil {
		return nil, err
	}
	for id := range reported {
		add(id, RoleViolation)
	}
	for id := range drops {
		add(id, RoleDrop)
	}
	if r := p.Rate; r != nil {
		add(r.Rule, RoleRate)
		add(r.IsolationRule, RoleIsolation)
	}
	if p.Dedupe.Kind != profile.NoDedupe {
		add(p.Dedupe.Rule, RoleDedupe)
	}
	if p.Dedupe.Kind == profile.Idempotent {
		add(p.Dedupe.ConcurrentRule, RoleConcurrent)
	}
	add(p.Dedupe.FallbackRule, RoleFallback)
	for _, tc := range p.TimeCases {
		add(tc.Rule, RoleTime)
	}
	add(p.Responses.NoRedirectRule, RoleRedirect)
	for _, e := range p.Endpoints {
		if e.Alias != "" {
			add(e.AliasRule, RoleAlias)
		}
	}
	fps, err := fingerprints(p, v, creds)
	if err != nil {
		return nil, err
	}
	for _, r := range p.Rules {
		id := r.ID
		if roles := strong[id]; len(roles) > 0 {
			a.roles[id] = roles
			continue
		}
		var weak []Role
		if id == p.Responses.Rule {
			weak = append(weak, RoleResponse)
		}
		if r.Code != "" && p.Responses.CodeField != "" {
			weak = append(weak, RoleCode)
		}
		for _, fp := range fps[id] {
			role := RoleAccept
			if fp.also {
				role = RoleReading
			}
			if !slices.Contains(weak, role) {
				weak = append(weak, role)
			}
			a.fingerprints[id] = append(a.fingerprints[id], fp)
		}
		if len(weak) > 0 {
			a.roles[id] = weak
		}
	}
	return a, nil
}

// observe runs every labelled variant of p and every auth break through the
// validator and the auth scheme, in both modes, and returns the rules they
// report and the rules of the drops they cause.
func observe(p *profile.Profile, v *validate.Validator, creds profile.Credentials) (reported, drops map[string]bool, err error) {
	reported, drops = map[string]bool{}, map[string]bool{}
	variants, err := fixtures.Variants(p, v.Schemas(), fixtures.Options{Seed: 1, Now: analysisNow()})
	if err != nil {
		return nil, nil, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	note := func(req *profile.Request) {
		for _, mode := range []profile.Mode{profile.Strict, profile.Lenient} {
			if p.Auth != nil {
				pr, vs := p.Auth.Verify(req, creds, analysisNow(), mode)
				for _, x := range vs {
					reported[x.Rule] = true
				}
				if pr != nil && pr.Drop != nil {
					drops[pr.Drop.Rule] = true
				}
			}
			res := v.Body(req, mode)
			for _, id := range res.Rules() {
				reported[id] = true
			}
		}
	}
	for _, vr := range variants {
		req, err := signed(p, vr.Payload, creds, nil)
		if err != nil {
			continue // a variant this scheme cannot sign is not one the mock can be asked about
		}
		note(req)
	}
	if p.Auth == nil || len(p.Events) == 0 {
		return reported, drops, nil
	}
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 2, Now: analysisNow()})
	if err != nil {
		return nil, nil, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	for _, b := range p.Auth.Breaks() {
		if req, err := signed(p, gen.Next(), creds, &b); err == nil {
			note(req)
		}
	}
	return reported, drops, nil
}

// signed turns a payload into the request a receiver sees, signed with creds
// and, when b is given, broken by it.
func signed(p *profile.Profile, pl *profile.Payload, creds profile.Credentials, b *profile.Break) (*profile.Request, error) {
	e, ok := p.Endpoint(pl.Endpoint)
	if !ok {
		return nil, fmt.Errorf("unknown endpoint %q", pl.Endpoint)
	}
	o, err := pl.Outgoing(e)
	if err != nil {
		return nil, err
	}
	if p.Auth != nil {
		if err := p.Auth.Sign(o, creds, analysisNow()); err != nil {
			return nil, err
		}
		if b != nil {
			b.Apply(o, creds, analysisNow())
		}
	}
	req := &profile.Request{Endpoint: e, Header: canonical(o.Header), PathValues: o.PathValues, Body: o.Body, Received: analysisNow()}
	if pl.RawPath != "" {
		req.PathValues = pathValues(e, pl.RawPath)
	}
	return req, nil
}

// canonical returns h as a server receives it: names in canonical form.
func canonical(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		ck := http.CanonicalHeaderKey(k)
		out[ck] = append(out[ck], vs...)
	}
	return out
}

// pathValues decodes the parameters of a raw path the way the mock's router does.
func pathValues(e *profile.Endpoint, rawPath string) map[string]string {
	out := map[string]string{}
	mux := http.NewServeMux()
	mux.HandleFunc(e.Pattern(), func(_ http.ResponseWriter, r *http.Request) {
		for _, name := range params(e.Path) {
			out[name] = r.PathValue(name)
		}
	})
	r, err := http.NewRequest(e.Method, "http://mock"+rawPath, nil)
	if err != nil {
		return out
	}
	mux.ServeHTTP(httptest.NewRecorder(), r)
	return out
}

// params lists the wildcard names of a path pattern.
func params(path string) []string {
	var names []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			names = append(names, strings.TrimSuffix(strings.TrimSuffix(seg[1:len(seg)-1], "..."), "$"))
		}
	}
	return names
}

// fingerprint recognises the requests a case or an auth break of a rule
// describes, so a mutant can answer them the other way.
type fingerprint struct {
	rule   string
	name   string
	expect profile.Expect
	also   bool          // the rule is one the case is a reading of, not its label
	labels []vkey        // violations the request causes; matched when all are reported
	fixed  *fixedPoint   // else: the request is a fixed point of the change
	brk    profile.Break // for an auth break's fixed point
}

// vkey is a violation's identity: rule, place, field and whether it rejects in
// strict mode only.
type vkey struct {
	rule, in, field string
	strictOnly      bool
}

func keyOf(v profile.Violation) vkey {
	return vkey{rule: v.Rule, in: v.In, field: v.Field, strictOnly: v.Enforce == profile.StrictOnly}
}

// fixedPoint is what a change touches: a request it leaves unchanged on all of
// them is one it describes.
type fixedPoint struct {
	c        *profile.Case
	endpoint string
	body     []string        // JSON paths the change sets or removes
	loose    map[string]bool // paths whose new value varies between samples: compared by type
	header   []string
	path     []string
	rawPath  bool
	bytes    bool // an auth break that rewrites the body bytes
}

// fingerprints collects, per rule, the fingerprints of the cases that say
// to accept something (Accept) and of the cases that are a reading of it (Also).
func fingerprints(p *profile.Profile, v *validate.Validator, creds profile.Credentials) (map[string][]*fingerprint, error) {
	out := map[string][]*fingerprint{}
	for i := range p.Cases {
		c := &p.Cases[i]
		var rules []string
		if c.Expect == profile.Accept {
			rules = append(rules, c.Rule)
		}
		rules = append(rules, c.Also...)
		if len(rules) == 0 {
			continue
		}
		fp, err := caseFingerprint(p, v, creds, c)
		if err != nil {
			return nil, err
		}
		if fp == nil {
			continue
		}
		for _, id := range rules {
			f := *fp
			f.rule, f.also = id, id != c.Rule
			out[id] = append(out[id], &f)
		}
	}
	if p.Auth != nil && len(p.Events) > 0 {
		for _, b := range p.Auth.Breaks() {
			if b.Expect != profile.Accept {
				continue
			}
			if fp := breakFingerprint(p, creds, b); fp != nil {
				out[b.Rule] = append(out[b.Rule], fp)
			}
		}
	}
	return out, nil
}

// sample builds the base payload of a case and its mutated form, from seed.
func sample(p *profile.Profile, c *profile.Case, seed int64, now time.Time) (base, mutated *profile.Payload, err error) {
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: seed, Now: now})
	if err != nil {
		return nil, nil, err
	}
	event := c.Event
	if event == "" && len(p.Events) > 0 {
		event = p.Events[0].Name
	}
	base, err = gen.Of(event, c.Endpoint)
	if err != nil {
		return nil, nil, err
	}
	mutated = base.Clone()
	if c.Mutate != nil {
		c.Mutate(mutated, gen.Gen())
	}
	return base, mutated, nil
}

func caseFingerprint(p *profile.Profile, v *validate.Validator, creds profile.Credentials, c *profile.Case) (*fingerprint, error) {
	base, mutated, err := sample(p, c, 11, analysisNow())
	if err != nil {
		return nil, fmt.Errorf("profile %s case %q: %w", p.Name, c.Name, err)
	}
	fp := &fingerprint{name: c.Name, expect: c.Expect}
	if req, err := signed(p, mutated, creds, nil); err == nil {
		res := v.Body(req, profile.Strict)
		for _, x := range res.Violations {
			fp.labels = append(fp.labels, keyOf(x))
		}
	}
	if len(fp.labels) > 0 {
		return fp, nil
	}
	_, other, err := sample(p, c, 12, analysisNow().Add(-37*time.Hour))
	if err != nil {
		return nil, fmt.Errorf("profile %s case %q: %w", p.Name, c.Name, err)
	}
	fx := &fixedPoint{c: c, endpoint: mutated.Endpoint, loose: map[string]bool{}}
	fx.body = diffPaths(base.Body, mutated.Body, "")
	for _, path := range fx.body {
		a, okA := profile.Get(mutated.Body, path)
		b, okB := profile.Get(other.Body, path)
		if okA != okB || !profile.EqualJSON(a, b) {
			fx.loose[path] = true
		}
	}
	for _, k := range sortedKeys(union(base.Header, mutated.Header)) {
		if base.Header[k] != mutated.Header[k] {
			fx.header = append(fx.header, k)
		}
	}
	for _, k := range sortedKeys(union(base.PathValues, mutated.PathValues)) {
		if base.PathValues[k] != mutated.PathValues[k] {
			fx.path = append(fx.path, k)
		}
	}
	fx.rawPath = mutated.RawPath != base.RawPath
	if len(fx.body)+len(fx.header)+len(fx.path) == 0 && !fx.rawPath {
		return nil, nil // the change is invisible: nothing to recognise
	}
	fp.fixed = fx
	return fp, nil
}

func breakFingerprint(p *profile.Profile, creds profile.Credentials, b profile.Break) *fingerprint {
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 13, Now: analysisNow()})
	if err != nil {
		return nil
	}
	pl := gen.Next()
	before, err := signed(p, pl, creds, nil)
	if err != nil {
		return nil
	}
	after, err := signed(p, pl, creds, &b)
	if err != nil {
		return nil
	}
	fx := &fixedPoint{endpoint: pl.Endpoint}
	for _, k := range sortedKeys(union(before.Header, after.Header)) {
		if !slices.Equal(before.Header[k], after.Header[k]) {
			fx.header = append(fx.header, k)
		}
	}
	for _, k := range sortedKeys(union(before.PathValues, after.PathValues)) {
		if before.PathValues[k] != after.PathValues[k] {
			fx.path = append(fx.path, k)
		}
	}
	fx.bytes = !bytes.Equal(before.Body, after.Body)
	if len(fx.header)+len(fx.path) == 0 && !fx.bytes {
		return nil // invisible to a server (e.g. the case of a header name)
	}
	return &fingerprint{rule: b.Rule, name: b.Name, expect: b.Expect, fixed: fx, brk: b}
}

func union[V any](a, b map[string]V) map[string]V {
	out := maps.Clone(a)
	if out == nil {
		out = map[string]V{}
	}
	maps.Copy(out, b)
	return out
}

// diffPaths lists the paths where b differs from a, down to the first level
// that differs (a member added, removed or changed).
func diffPaths(a, b any, path string) []string {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		var out []string
		for _, k := range sortedKeys(union(am, bm)) {
			x, inA := am[k]
			y, inB := bm[k]
			p := k
			if path != "" {
				p = path + "." + k
			}
			if inA != inB {
				out = append(out, p)
				continue
			}
			out = append(out, diffPaths(x, y, p)...)
		}
		return out
	}
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok && len(as) == len(bs) {
		var out []string
		for i := range as {
			out = append(out, diffPaths(as[i], bs[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	}
	if profile.EqualJSON(a, b) {
		return nil
	}
	return []string{path}
}

func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "number"
}

// probe is the request as the mutant's fingerprints look at it.
type probe struct {
	p       *profile.Profile
	req     *profile.Request
	rawPath string
	creds   profile.Credentials
	reports map[vkey]bool
}

// body is the request's document, as the validator already decoded it.
func (pr *probe) body() any {
	doc, _ := pr.req.Decode(strictjson.Decode)
	return doc
}

// matches reports whether the request is one fp describes.
func (fp *fingerprint) matches(pr *probe) bool {
	if len(fp.labels) > 0 {
		for _, k := range fp.labels {
			if !pr.reports[k] {
				return false
			}
		}
		return true
	}
	fx := fp.fixed
	if fx == nil || fx.endpoint != pr.req.Endpoint.ID && !pr.req.Endpoint.Accepts(fx.endpoint) {
		return false
	}
	if fx.c != nil {
		return fx.caseMatches(pr)
	}
	return fx.breakMatches(pr, fp.brk)
}

// caseMatches applies the case's change to the request: the request is the
// case when the change leaves everything it touches as it was.
func (fx *fixedPoint) caseMatches(pr *probe) bool {
	doc := pr.body()
	if doc == nil && len(fx.body) > 0 {
		return false
	}
	cur := &profile.Payload{Endpoint: pr.req.Endpoint.ID, Body: profile.DeepCopy(doc),
		Header: map[string]string{}, PathValues: maps.Clone(pr.req.PathValues), RawPath: pr.rawPath}
	for k := range pr.req.Header {
		cur.Header[k] = pr.req.Header.Get(k)
	}
	next := cur.Clone()
	fx.c.Mutate(next, profile.NewGen(1, pr.req.Received))
	for _, path := range fx.body {
		a, okA := profile.Get(cur.Body, path)
		b, okB := profile.Get(next.Body, path)
		if okA != okB {
			return false
		}
		if fx.loose[path] {
			if jsonType(a) != jsonType(b) {
				return false
			}
		} else if !profile.EqualJSON(a, b) {
			return false
		}
	}
	for _, k := range fx.header {
		a, _ := profile.HeaderValue(pr.req.Header, k)
		b, _ := profile.HeaderValue(canonical(toHeader(next.Header)), k)
		if a != b {
			return false
		}
	}
	for _, k := range fx.path {
		if cur.PathValues[k] != next.PathValues[k] {
			return false
		}
	}
	return !fx.rawPath || next.RawPath == pr.rawPath
}

// breakMatches signs the request as the scheme would, applies the break and
// compares what the break touches.
func (fx *fixedPoint) breakMatches(pr *probe, b profile.Break) bool {
	if pr.p.Auth == nil || b.Apply == nil {
		return false
	}
	o := &profile.Outgoing{Endpoint: pr.req.Endpoint, Header: pr.req.Header.Clone(),
		PathValues: maps.Clone(pr.req.PathValues), Body: bytes.Clone(pr.req.Body)}
	if err := pr.p.Auth.Sign(o, pr.creds, pr.req.Received); err != nil {
		return false
	}
	b.Apply(o, pr.creds, pr.req.Received)
	h := canonical(o.Header)
	for _, k := range fx.header {
		if !slices.Equal(pr.req.Header.Values(k), h.Values(k)) {
			return false
		}
	}
	for _, k := range fx.path {
		if pr.req.PathValues[k] != o.PathValues[k] {
			return false
		}
	}
	return !fx.bytes || bytes.Equal(pr.req.Body, o.Body)
}

func toHeader(m map[string]string) http.Header {
	h := http.Header{}
	for k, v := range m {
		h[k] = []string{v}
	}
	return h
}

// breaks is a profile's Break list compiled against its roles.
type breaks struct {
	ids              map[string]bool // broken rules: their violations are ignored
	noRate           bool
	sharedBucket     bool
	noDedupe         bool
	racy             bool
	noFallback       bool
	recordAtReceived bool
	redirect         bool
	badSuccess       bool
	noCode           bool
	aliasOff         map[string]bool // endpoint ids answering 404
	fps              []*fingerprint
}

var noBreaks = &breaks{}

// checkBreakIDs reports a Break entry that is not a rule of p.
func checkBreakIDs(p *profile.Profile, ids []string) error {
	for i, id := range ids {
		if _, ok := p.Rule(id); !ok {
			return fmt.Errorf("break[%d]: %q is not a rule of profile %s", i, id, p.Name)
		}
	}
	return nil
}

func compileBreaks(p *profile.Profile, a *analysis, ids []string) (*breaks, error) {
	if len(ids) == 0 {
		return noBreaks, nil
	}
	if err := checkBreakIDs(p, ids); err != nil {
		return nil, err
	}
	b := &breaks{ids: map[string]bool{}, aliasOff: map[string]bool{}}
	for i, id := range ids {
		roles := a.roles[id]
		if len(roles) == 0 {
			return nil, fmt.Errorf("break[%d]: no switch of this mock breaks %s", i, id)
		}
		b.ids[id] = true
		for _, r := range roles {
			switch r {
			case RoleRate:
				b.noRate = true
			case RoleIsolation:
				b.sharedBucket = true
			case RoleDedupe:
				b.noDedupe = true
			case RoleConcurrent:
				b.racy = true
			case RoleFallback:
				b.noFallback = true
			case RoleDrop:
				// b.ids: the event is recorded and the drop not reported.
			case RoleTime:
				b.recordAtReceived = true
			case RoleRedirect:
				b.redirect = true
			case RoleAlias:
				for _, e := range p.Endpoints {
					if e.Alias != "" && e.AliasRule == id {
						b.aliasOff[e.ID] = true
					}
				}
			case RoleResponse:
				b.badSuccess, b.noCode = true, true
			case RoleCode:
				b.noCode = true
			case RoleAccept, RoleReading:
				b.fps = append(b.fps, a.fingerprints[id]...)
			}
		}
	}
	return b, nil
}

// keep drops the violations of broken rules.
func (b *breaks) keep(vs []profile.Violation) []profile.Violation {
	if len(b.ids) == 0 {
		return vs
	}
	out := vs[:0:0]
	for _, v := range vs {
		if !b.ids[v.Rule] {
			out = append(out, v)
		}
	}
	return out
}

// turn answers the requests the broken accept and reading rules describe the
// other way: what must be accepted is rejected, an ambiguity is read the other
// way round.
func (b *breaks) turn(p *profile.Profile, vs []profile.Violation, pr *probe) []profile.Violation {
	if len(b.fps) == 0 {
		return vs
	}
	pr.reports = map[vkey]bool{}
	for _, v := range vs {
		pr.reports[keyOf(v)] = true
	}
	for _, fp := range b.fps {
		if !fp.matches(pr) {
			continue
		}
		switch fp.expect {
		case profile.Reject, profile.RejectStrict:
			for i := range vs {
				if len(fp.labels) == 0 || slices.Contains(fp.labels, keyOf(vs[i])) {
					vs[i].Reject = !vs[i].Reject
				}
			}
		default:
			v := p.Violation(fp.rule, profile.InRequest, "", "mutant: %s is broken on purpose, so %q is refused", fp.rule, fp.name)
			if v.Status == 0 {
				v.Status = http.StatusBadRequest
			}
			v.Reject = true
			vs = append(vs, v)
		}
	}
	return vs
}
