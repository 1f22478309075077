package mutant

import (
	"bytes"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/s2s-harness/s2s-harness/profile"
)

// probe is the request as the mutant's fingerprints look at it.
type probe struct {
	p       *profile.Profile
	req     *profile.Request
	creds   profile.Credentials
	reports map[vkey]bool
}

// body is the request's document, as the validator already decoded it.
func (pr *probe) body() any {
	doc, _ := pr.req.Document()
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
		Header: map[string]string{}, PathValues: maps.Clone(pr.req.PathValues), RawPath: pr.req.RawPath}
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
	return !fx.rawPath || next.RawPath == pr.req.RawPath
}

// breakMatches signs the request as the scheme would, applies the break and
// compares what the break touches.
func (fx *fixedPoint) breakMatches(pr *probe, b profile.Break) bool {
	if pr.p.Auth == nil || b.Apply == nil {
		return false
	}
	query, _ := url.ParseQuery(pr.req.RawQuery)
	o := &profile.Outgoing{Endpoint: pr.req.Endpoint, Header: pr.req.Header.Clone(),
		PathValues: maps.Clone(pr.req.PathValues), Query: query, Body: bytes.Clone(pr.req.Body)}
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
	for _, k := range fx.query {
		if got, _ := pr.req.QueryValue(k); got != o.Query.Get(k) {
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
