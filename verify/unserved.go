package verify

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
)

// maxListed bounds the documented endpoints a 404's message lists.
const maxListed = 8

// isUnserved reports whether no endpoint served e: a 404 or 405 the router
// gave (a rule's own 404 names its rule).
func isUnserved(e *inspect.Entry) bool {
	return (e.Status == 404 || e.Status == 405) && e.Rule == ""
}

// unserved groups the requests no endpoint served, and says what the sender
// seems to speak instead.
func (j *judge) unserved(entries []inspect.Entry, profiles []*profile.Profile) []Unserved {
	byKey := map[string]*Unserved{}
	var order []string
	for i := range entries {
		e := &entries[i]
		if !isUnserved(e) {
			continue
		}
		k := fmt.Sprint(e.Method, " ", e.Path, " ", e.Status, " ", e.Query != "")
		u := byKey[k]
		if u == nil {
			u = &Unserved{Method: e.Method, Path: j.scrub(e.Path), Status: e.Status, Query: e.Query != "",
				Profile: e.Profile, Endpoint: e.Endpoint}
			byKey[k] = u
			order = append(order, k)
		}
		u.Count++
		if len(u.Examples) < j.o.Examples {
			u.Examples = append(u.Examples, j.example(*e, e.Reason))
		}
	}
	out := make([]Unserved, 0, len(order))
	for _, k := range order {
		u := byKey[k]
		u.Message = unservedMessage(u, j.byName[u.Profile], profiles)
		out = append(out, *u)
	}
	slices.SortStableFunc(out, func(a, b Unserved) int { return cmp.Compare(b.Count, a.Count) })
	return out
}

func unservedMessage(u *Unserved, p *profile.Profile, profiles []*profile.Profile) string {
	with := ""
	if u.Query {
		with = " with a query string"
	}
	were := "requests were"
	if u.Count == 1 {
		were = "request was"
	}
	msg := fmt.Sprintf("%d %s %s %s%s (answered %d)", u.Count, were, u.Method, u.Path, with, u.Status)
	var e *profile.Endpoint
	if p != nil {
		e, _ = p.Endpoint(u.Endpoint)
	}
	switch {
	case e != nil && u.Query && e.Method != u.Method:
		kind := ""
		if e.Carriage().Body {
			kind = "JSON "
		}
		return fmt.Sprintf("%s: this sender speaks a query-string %s; the %s%s endpoint takes %s", msg, e.ID, kind, e.ID, e.Method)
	case e != nil:
		return fmt.Sprintf("%s: the %s endpoint (%s) takes %s", msg, e.ID, p.Title, e.Method)
	}
	var served []string
	for _, p := range profiles {
		for _, e := range p.Endpoints {
			if s := e.Method + " " + e.Path; !slices.Contains(served, s) {
				served = append(served, s)
			}
		}
	}
	if len(served) > maxListed {
		served = append(served[:maxListed], "…")
	}
	return fmt.Sprintf("%s: nothing is served at that path; the documented endpoints are %s", msg, strings.Join(served, ", "))
}
