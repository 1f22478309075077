package mutant

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/validate"
)

// RedirectMark is the query parameter the redirect mutant adds, so a client
// that follows the redirect is then served.
const RedirectMark = "s2s_redirected"

// edits is a set of broken rules compiled against their roles.
type edits struct {
	ids              map[string]bool // broken rules: their violations are ignored
	noRate           bool
	sharedBucket     bool
	noDedupe         bool
	racy             bool
	noFallback       bool
	keepDropped      bool
	recordAtReceived bool
	redirect         bool
	badSuccess       bool
	noCode           bool
	aliasOff         map[string]bool // endpoint ids answering 404
	fps              []*fingerprint
}

// profile returns p as the mutant serves it: a shallow copy whose edited
// parts are replaced, never changed in place.
func (e *edits) profile(p *profile.Profile) *profile.Profile {
	q := *p
	if e.noRate {
		q.Rate = nil
	}
	cloned := false
	for i, ep := range p.Endpoints {
		if ep.SizeRule != "" && e.ids[ep.SizeRule] {
			// A body over the documented size is read (and then accepted).
			if !cloned {
				q.Endpoints, cloned = slices.Clone(p.Endpoints), true
			}
			q.Endpoints[i].MaxBody, q.Endpoints[i].SizeRule = 0, ""
		}
	}
	if e.noDedupe {
		q.Dedupe.Kind = profile.NoDedupe
	}
	if e.recordAtReceived || e.noFallback {
		describe, atReceived, noFallback := p.Describe, e.recordAtReceived, e.noFallback
		q.Describe = func(item any, r *profile.Request, pr profile.Principal) profile.Record {
			rec := profile.Record{RecordedAt: r.Received}
			if describe != nil {
				rec = describe(item, r, pr)
			}
			if atReceived {
				rec.RecordedAt = r.Received
			}
			if noFallback {
				rec.FallbackKey = ""
			}
			return rec
		}
	}
	if e.noCode && p.Responses.CodeField != "" {
		field := p.Responses.CodeField
		q.Error = func(status int, vs []profile.Violation) any {
			return without(p.ErrorBody(status, vs), field)
		}
	}
	return &q
}

// without returns body, as a JSON object, without the member name.
func without(body any, name string) any {
	b, err := json.Marshal(body)
	if err != nil {
		return body
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) != nil {
		return body
	}
	delete(obj, name)
	return obj
}

// validator returns base as the mutant judges: findings of broken rules
// forgotten, the requests the broken accept and reading rules describe
// answered the other way, one shared rate-limit bucket, drops recorded.
func (e *edits) validator(base Validator, p *profile.Profile, creds profile.Credentials) Validator {
	if len(e.ids) == 0 && !e.sharedBucket && len(e.fps) == 0 {
		return base
	}
	return &validator{base: base, p: p, creds: creds, ids: e.ids, fps: e.fps, sharedBucket: e.sharedBucket, keepDropped: e.keepDropped}
}

type validator struct {
	base         Validator
	p            *profile.Profile
	creds        profile.Credentials
	ids          map[string]bool
	fps          []*fingerprint
	sharedBucket bool
	keepDropped  bool
}

func (v *validator) Auth(r *profile.Request, creds profile.Credentials, now time.Time, mode profile.Mode) (*profile.Principal, []profile.Violation) {
	pr, vs := v.base.Auth(r, creds, now, mode)
	if pr != nil && (v.sharedBucket || v.keepDropped && pr.Drop != nil) {
		c := *pr
		if v.sharedBucket {
			c.Bucket = ""
		}
		if c.Drop != nil && v.ids[c.Drop.Rule] {
			c.Drop = nil // the event is recorded and the drop not reported
		}
		pr = &c
	}
	return pr, v.keep(vs)
}

func (v *validator) Body(r *profile.Request, mode profile.Mode) validate.Result {
	res := v.base.Body(r, mode)
	res.Violations = v.turn(v.keep(res.Violations), r)
	return res
}

// keep drops the violations of broken rules.
func (v *validator) keep(vs []profile.Violation) []profile.Violation {
	if len(v.ids) == 0 {
		return vs
	}
	out := vs[:0:0]
	for _, x := range vs {
		if !v.ids[x.Rule] {
			out = append(out, x)
		}
	}
	return out
}

// turn answers the requests the broken accept and reading rules describe the
// other way: what must be accepted is rejected, an ambiguity is read the other
// way round.
func (v *validator) turn(vs []profile.Violation, req *profile.Request) []profile.Violation {
	if len(v.fps) == 0 {
		return vs
	}
	pr := &probe{p: v.p, req: req, creds: v.creds, reports: map[vkey]bool{}}
	for _, x := range vs {
		pr.reports[keyOf(x)] = true
	}
	for _, fp := range v.fps {
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
			x := v.p.Violation(fp.rule, profile.InRequest, "", "mutant: %s is broken on purpose, so %q is refused", fp.rule, fp.name)
			if x.Status == 0 {
				x.Status = http.StatusBadRequest
			}
			x.Reject = true
			vs = append(vs, x)
		}
	}
	return vs
}

// middleware returns, per endpoint id, what the mutant puts in front of it.
func (e *edits) middleware(p *profile.Profile) map[string]func(http.Handler) http.Handler {
	out := map[string]func(http.Handler) http.Handler{}
	for _, ep := range p.Endpoints {
		var chain []func(http.Handler) http.Handler
		if e.aliasOff[ep.ID] {
			chain = append(chain, notFound)
		}
		if e.redirect {
			chain = append(chain, redirect)
		}
		if e.badSuccess {
			chain = append(chain, plainSuccess)
		}
		if len(chain) == 0 {
			continue
		}
		out[ep.ID] = func(h http.Handler) http.Handler {
			for _, mw := range slices.Backward(chain) {
				h = mw(h)
			}
			return h
		}
	}
	return out
}

// notFound answers 404, as if the endpoint were not served.
func notFound(http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := json.Marshal(map[string]string{"error": "not_found",
			"message": fmt.Sprintf("nothing is served at %s %s", r.Method, r.URL.Path)})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(append(body, '\n'))
	})
}

// redirect answers 307 to the same URL marked, then serves the marked request
// as it was first sent: the mark is taken off again, so a query that carries
// the document (or a malformed one) reaches the endpoint unchanged.
func redirect(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if raw, ok := unmarked(r.URL.RawQuery); ok {
			r2 := new(http.Request)
			*r2 = *r
			u := *r.URL
			u.RawQuery = raw
			r2.URL = &u
			next.ServeHTTP(w, r2)
			return
		}
		u := *r.URL
		u.RawQuery = RedirectMark + "=1"
		if r.URL.RawQuery != "" {
			u.RawQuery = r.URL.RawQuery + "&" + u.RawQuery
		}
		w.Header().Set("Location", u.RequestURI())
		w.WriteHeader(http.StatusTemporaryRedirect)
	})
}

// unmarked is raw without the redirect's mark, the last parameter it added;
// false when raw carries none.
func unmarked(raw string) (string, bool) {
	const mark = RedirectMark + "=1"
	if raw == mark {
		return "", true
	}
	if rest, ok := strings.CutSuffix(raw, "&"+mark); ok {
		return rest, true
	}
	return raw, false
}

// plainSuccess answers every 2xx with a text/plain "OK" instead of the
// profile's JSON body.
func plainSuccess(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&plainWriter{ResponseWriter: w}, r)
	})
}

type plainWriter struct {
	http.ResponseWriter
	swallow bool
}

func (w *plainWriter) WriteHeader(status int) {
	if status/100 != 2 {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(plainBody)))
	w.ResponseWriter.WriteHeader(status)
	_, _ = io.WriteString(w.ResponseWriter, plainBody)
	w.swallow = true
}

func (w *plainWriter) Write(b []byte) (int, error) {
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *plainWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

const plainBody = "OK\n"
