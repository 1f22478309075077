package mutant

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/validate"
)

// Analysis is what the mutants of one profile are built from: the roles of
// each rule and the fingerprints of the requests its accept and reading roles
// act on. Computing it runs every fixture variant and auth break through the
// validator, so the mock does it once, on first need.
type Analysis struct {
	v            *validate.Validator
	creds        profile.Credentials
	roles        map[string][]Role
	fingerprints map[string][]*fingerprint
}

// Roles returns the roles of every rule of p that a mutant can break, when
// serving p with creds. A rule missing from the map cannot be broken.
func Roles(p *profile.Profile, creds profile.Credentials) (map[string][]Role, error) {
	v, err := validate.New(p)
	if err != nil {
		return nil, err
	}
	a, err := Analyse(v, creds)
	if err != nil {
		return nil, err
	}
	return a.Roles(), nil
}

// Roles returns the roles of every breakable rule (shared: do not change it).
func (a *Analysis) Roles() map[string][]Role { return a.roles }

// analysisNow is the reference time of the samples the analysis signs and
// checks: the fixtures' own, so the analysis is the same on every run.
func analysisNow() time.Time { return fixtures.DefaultNow() }

// The seeds of the samples the analysis draws: fixed, so a profile's roles
// and fingerprints never depend on the run.
const (
	seedVariants  = 1  // labelled variants, observed
	seedBreaks    = 2  // the payload auth breaks are applied to, observed
	seedCase      = 11 // a case's sample
	seedCaseOther = 12 // a second sample, to tell fixed values from drawn ones
	seedBreakFP   = 13 // the payload an auth break's fingerprint is taken on
)

// otherSampleAge shifts the second sample's clock, so time-derived values
// differ between the two samples.
const otherSampleAge = 37 * time.Hour

// Analyse computes the analysis of v's profile served with creds.
func Analyse(v *validate.Validator, creds profile.Credentials) (*Analysis, error) {
	p := v.Profile()
	a, err := analyse(p, v, creds)
	if err != nil {
		return nil, err
	}
	a.v, a.creds = v, creds
	return a, nil
}

func analyse(p *profile.Profile, v *validate.Validator, creds profile.Credentials) (*Analysis, error) {
	a := &Analysis{roles: map[string][]Role{}, fingerprints: map[string][]*fingerprint{}}
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
	variants, err := fixtures.Variants(p, v.Schemas(), fixtures.Options{Seed: seedVariants, Now: analysisNow()})
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
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: seedBreaks, Now: analysisNow()})
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
	return o.Received(analysisNow()), nil
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
	query    []string // query parameters an auth break changes
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
	base, mutated, err := sample(p, c, seedCase, analysisNow())
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
	_, other, err := sample(p, c, seedCaseOther, analysisNow().Add(-otherSampleAge))
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
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: seedBreakFP, Now: analysisNow()})
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
	fx.query = changedParams(before.RawQuery, after.RawQuery)
	fx.bytes = !bytes.Equal(before.Body, after.Body)
	if len(fx.header)+len(fx.path)+len(fx.query) == 0 && !fx.bytes {
		return nil // invisible to a server (e.g. the case of a header name)
	}
	return &fingerprint{rule: b.Rule, name: b.Name, expect: b.Expect, fixed: fx, brk: b}
}

// changedParams lists the query parameters whose values differ between two
// query strings, sorted.
func changedParams(a, b string) []string {
	qa, _ := url.ParseQuery(a)
	qb, _ := url.ParseQuery(b)
	var out []string
	for _, k := range sortedKeys(union(qa, qb)) {
		if !slices.Equal(qa[k], qb[k]) {
			out = append(out, k)
		}
	}
	return out
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

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
