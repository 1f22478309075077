// Package mutant builds the mock's deliberately broken twins ("mutants"), the
// conformance suite's own mutation testing: a mock with one rule broken must be
// caught by the checks that judge that rule, or the suite is not testing it.
//
// Which rule can be broken how is read from the profile's data (its roles, see
// Role). A set of broken rules compiles once, when inspect.Faults.Break is set,
// into a Mutant: an edited copy of the profile (no rate limit, no dedupe,
// wrapped Describe and Error), a validator that forgets or turns some findings,
// middleware for what only the HTTP exchange can show (redirects, a missing
// alias endpoint, a non-JSON success), and one state edit (a racy idempotency
// check). The mock serves a Mutant exactly as it serves a profile: its serving
// path has no notion of breaks. mockserver uses this package; nothing else does.
package mutant

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/validate"
)

// Role is the part a rule plays in the mock, read from the profile's data; it
// decides what breaking the rule does. A broken rule takes all its strong
// roles; the weak ones (response, code, accept, reading) only apply to a rule
// that has no strong role, so each mutant stays as sharp as the rule allows.
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

// Validator judges a request's credentials and content: *validate.Validator,
// or a mutant's edit of it.
type Validator interface {
	Auth(r *profile.Request, creds profile.Credentials, now time.Time, mode profile.Mode) (*profile.Principal, []profile.Violation)
	Body(r *profile.Request, mode profile.Mode) validate.Result
}

// Mutant is a profile with some rules broken, ready to serve.
type Mutant struct {
	// Rules are the broken rules, in the order given.
	Rules []string
	// Profile is the profile as the mutant serves it: a copy-on-write edit
	// (Rate, Dedupe, Describe, Error) of the one analysed.
	Profile *profile.Profile
	// Validator judges requests as the mutant does.
	Validator Validator
	// RacyIdempotency asks the mock's store for a check-then-insert that lets
	// go of its lock in between, so concurrent repeats may all be first.
	RacyIdempotency bool

	wrap map[string]func(http.Handler) http.Handler // by endpoint id
}

// Wrap returns the middleware the mutant puts in front of endpoint id, or nil.
func (m *Mutant) Wrap(id string) func(http.Handler) http.Handler { return m.wrap[id] }

// CheckIDs reports an entry of ids that is not a rule of p.
func CheckIDs(p *profile.Profile, ids []string) error {
	for i, id := range ids {
		if _, ok := p.Rule(id); !ok {
			return fmt.Errorf("break[%d]: %q is not a rule of profile %s", i, id, p.Name)
		}
	}
	return nil
}

// Compile builds the mutant of a's profile with ids broken. An id that is not
// a rule, or that no mutant of this profile can break, is an error naming it.
func (a *Analysis) Compile(ids []string) (*Mutant, error) {
	p := a.v.Profile()
	if err := CheckIDs(p, ids); err != nil {
		return nil, err
	}
	var e edits
	e.ids, e.aliasOff = map[string]bool{}, map[string]bool{}
	for i, id := range ids {
		roles := a.roles[id]
		if len(roles) == 0 {
			return nil, fmt.Errorf("break[%d]: no switch of this mock breaks %s", i, id)
		}
		e.ids[id] = true
		for _, r := range roles {
			switch r {
			case RoleRate:
				e.noRate = true
			case RoleIsolation:
				e.sharedBucket = true
			case RoleDedupe:
				e.noDedupe = true
			case RoleConcurrent:
				e.racy = true
			case RoleFallback:
				e.noFallback = true
			case RoleDrop:
				e.keepDropped = true
			case RoleTime:
				e.recordAtReceived = true
			case RoleRedirect:
				e.redirect = true
			case RoleAlias:
				for _, ep := range p.Endpoints {
					if ep.Alias != "" && ep.AliasRule == id {
						e.aliasOff[ep.ID] = true
					}
				}
			case RoleResponse:
				e.badSuccess, e.noCode = true, true
			case RoleCode:
				e.noCode = true
			case RoleAccept, RoleReading:
				e.fps = append(e.fps, a.fingerprints[id]...)
			}
		}
	}
	return &Mutant{Rules: slices.Clone(ids), Profile: e.profile(p), Validator: e.validator(a.v, p, a.creds),
		RacyIdempotency: e.racy, wrap: e.middleware(p)}, nil
}
