// Package validate is the one validator of the harness: given a profile, an
// endpoint, headers, a raw body and a mode, it returns every violation, each with
// its rule ID, level, place and message, and never panics. The mock answers from
// it and `s2s lint` prints it.
//
// Checks run in the order SPECS.md gives for answers: credentials (when given),
// content type and size, the document's syntax (JSON body or query string, as
// the endpoint's transport carries it), documented aliases, the schema, batch size,
// then what the profile's code checks beyond the schema. All of them run; the
// first rejecting violation decides the status.
package validate

import (
	"errors"
	"fmt"
	"mime"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/schemas"
)

// Validator validates requests for one profile. It is safe for concurrent use.
type Validator struct {
	p   *profile.Profile
	set *schemas.Set
}

// New compiles p's schemas.
func New(p *profile.Profile) (*Validator, error) {
	set, err := schemas.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("validator: %w", err)
	}
	return &Validator{p: p, set: set}, nil
}

// Profile returns the profile validated against.
func (v *Validator) Profile() *profile.Profile { return v.p }

// Schemas returns the compiled schemas.
func (v *Validator) Schemas() *schemas.Set { return v.set }

// Result is what validation found.
type Result struct {
	Violations []profile.Violation
	Doc        any   // the decoded, normalised body; nil when it did not decode
	Items      []any // the events the body carries
	Principal  *profile.Principal
}

// Rejected reports whether any violation rejects the request.
func (r *Result) Rejected() bool {
	_, ok := profile.FirstRejection(r.Violations)
	return ok
}

// Status returns the HTTP status of the first rejecting violation (0 if none).
func (r *Result) Status() int {
	v, _ := profile.FirstRejection(r.Violations)
	return v.Status
}

// Rules lists the distinct rule IDs of the violations, in order.
func (r *Result) Rules() []string {
	var ids []string
	seen := map[string]bool{}
	for _, v := range r.Violations {
		if !seen[v.Rule] {
			seen[v.Rule] = true
			ids = append(ids, v.Rule)
		}
	}
	return ids
}

// Validate checks r in mode. When creds is not nil the credentials are verified
// first (at now); otherwise only the request's content is checked, as a linter does.
func (v *Validator) Validate(r *profile.Request, mode profile.Mode, creds *profile.Credentials, now time.Time) Result {
	var principal *profile.Principal
	var auth []profile.Violation
	if creds != nil {
		principal, auth = v.Auth(r, *creds, now, mode)
	}
	res := v.Body(r, mode) // finished by Body
	res.Principal = principal
	res.Violations = append(auth, res.Violations...)
	return res
}

// Auth verifies r's credentials against creds with the profile's scheme: the
// principal (whenever a credential is valid, even if a signature then fails)
// and the violations, completed from the catalogue for mode. A receiver calls
// it before Body so rate limits can count the principal in between.
func (v *Validator) Auth(r *profile.Request, creds profile.Credentials, now time.Time, mode profile.Mode) (*profile.Principal, []profile.Violation) {
	if v.p.Auth == nil {
		return nil, nil
	}
	principal, vs := v.p.Auth.Verify(r, creds, now, mode)
	v.finish(vs, mode)
	return principal, vs
}

// Body checks everything but credentials: content type, size, JSON, schema,
// batch size and the profile's own checks.
func (v *Validator) Body(r *profile.Request, mode profile.Mode) (res Result) {
	e := r.Endpoint
	defer func() {
		// The profile's hooks are code; a defect there must surface as a finding,
		// not take a receiver down.
		if p := recover(); p != nil {
			res.Violations = append(res.Violations, profile.Violation{Rule: v.p.MalformedRule, In: profile.InRequest,
				Message: fmt.Sprintf("internal validator error: %v", p)})
		}
		v.finish(res.Violations, mode)
	}()
	if e == nil {
		res.Violations = append(res.Violations, v.p.Violation(v.p.MalformedRule, profile.InRequest, "", "no endpoint"))
		return res
	}
	if e.ContentTypeRule != "" {
		ct, _ := profile.HeaderValue(r.Header, "Content-Type")
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			got := ct
			if got == "" {
				got = "none"
			}
			vi := v.p.Violation(e.ContentTypeRule, profile.InHeader, "Content-Type", "must be application/json, got %s", got)
			vi.Kind = profile.KindContentType
			res.Violations = append(res.Violations, vi)
		}
	}
	if e.MaxBody > 0 && e.SizeRule != "" && int64(len(r.Body)) > e.MaxBody {
		vi := v.p.Violation(e.SizeRule, profile.InRequest, "", "body is %d bytes; at most %d are allowed", len(r.Body), e.MaxBody)
		vi.Kind = profile.KindSize
		res.Violations = append(res.Violations, vi)
	}
	doc, err := r.Document()
	if err != nil {
		vi := v.malformed(err)
		var how string
		var qe *profile.QueryError
		switch {
		case errors.As(err, &qe):
			how = qe.How
		case e.Carriage().Body:
			doc, how = relaxed(r.Body, err)
		}
		malformedKind(&vi, how)
		res.Violations = append(res.Violations, vi)
		if doc == nil || mode != profile.Permissive || !v.p.DecidedRejection(vi) {
			return res
		}
		// Permissive: a liberal reader's document goes on to the other checks.
	}
	if v.p.Normalize != nil {
		var vs []profile.Violation
		doc, vs = v.p.Normalize(doc, r, mode)
		res.Violations = append(res.Violations, vs...)
	}
	res.Doc = doc
	if e.Request != "" {
		vs, err := v.set.Validate(e.Request, doc)
		if err != nil {
			res.Violations = append(res.Violations, v.p.Violation(v.p.MalformedRule, profile.InRequest, "", "%v", err))
		}
		placeSchema(e, vs)
		res.Violations = append(res.Violations, vs...)
	}
	res.Items = e.ItemsOf(doc)
	if e.MaxItems > 0 && e.ItemsRule != "" && len(res.Items) > e.MaxItems {
		vi := v.p.Violation(e.ItemsRule, profile.InBody, e.Items, "%d events in one request; at most %d are allowed", len(res.Items), e.MaxItems)
		vi.Kind = profile.KindItems
		res.Violations = append(res.Violations, vi)
	}
	if v.p.Check != nil {
		res.Violations = append(res.Violations, v.p.Check(doc, r, mode)...)
	}
	return res
}

// placeSchema puts the schema's findings where e's transport carries the
// document: on a query-string endpoint a member is a parameter, named as
// the wire sends it (a target's own spelling), its ground still keyed by
// the member.
func placeSchema(e *profile.Endpoint, vs []profile.Violation) {
	in := e.In()
	if in == profile.InBody {
		return
	}
	for i := range vs {
		if vs[i].In != profile.InBody {
			continue
		}
		vs[i].In = in
		if name := e.WireName(vs[i].Field); name != vs[i].Field {
			if vs[i].Key == "" {
				vs[i].Key = vs[i].Field
			}
			vs[i].Field = name
		}
	}
}

func (v *Validator) malformed(err error) profile.Violation {
	var qe *profile.QueryError
	if errors.As(err, &qe) {
		return v.p.Violation(v.p.MalformedRule, profile.InQuery, qe.Param, "%v", err)
	}
	var dup *strictjson.DuplicateKeyError
	if errors.As(err, &dup) {
		field := dup.Key
		if dup.Path != "" {
			field = dup.Path + "." + dup.Key
		}
		return v.p.Violation(v.p.MalformedRule, profile.InBody, field, "malformed JSON: %v", err)
	}
	return v.p.Violation(v.p.MalformedRule, profile.InBody, "", "%v", err)
}

// finish completes every violation from the catalogue and decides, for mode,
// whether it rejects: permissive mode lets through every rejection the
// profile grounds as decided (Profile.Grounds).
func (v *Validator) finish(vs []profile.Violation, mode profile.Mode) {
	for i := range vs {
		if vs[i].Level == "" {
			v.p.Fill(&vs[i])
		}
		vs[i].Reject = vs[i].Enforce.Rejects(mode)
		if mode == profile.Permissive && vs[i].Reject && v.p.DecidedRejection(vs[i]) {
			vs[i].Reject = false
		}
	}
}
