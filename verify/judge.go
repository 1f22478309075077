package verify

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/sender"
)

// maxExampleBody bounds the body an example shows.
const maxExampleBody = 512

// Judge certifies the sender behind entries (journal entries, any order)
// against profiles. It is pure: Verify fetches, Judge decides.
func Judge(entries []inspect.Entry, profiles []*profile.Profile, o Options) *Result {
	if o.Examples <= 0 {
		o.Examples = DefaultExamples
	}
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b inspect.Entry) int { return cmp.Compare(a.Seq, b.Seq) })
	entries = slices.DeleteFunc(entries, func(e inspect.Entry) bool {
		return !o.Since.IsZero() && e.ReceivedAt.Before(o.Since) || !o.Until.IsZero() && !e.ReceivedAt.Before(o.Until)
	})
	j := &judge{o: o, byName: map[string]*profile.Profile{}}
	for _, p := range profiles {
		j.byName[p.Name] = p
		j.secrets = append(j.secrets, p.Defaults.Secrets()...)
	}
	j.secrets = append(j.secrets, o.Secrets...)
	j.secrets = slices.DeleteFunc(j.secrets, func(s string) bool { return len(s) < 4 })

	r := &Result{Schema: Schema, Requests: len(entries), Profiles: []ProfileResult{}, Complete: true}
	if !o.Since.IsZero() {
		r.Since = &o.Since
	}
	if !o.Until.IsZero() {
		r.Until = &o.Until
	}
	var all []delivery
	for _, p := range profiles {
		var mine []inspect.Entry
		for _, e := range entries {
			if e.Profile == p.Name {
				mine = append(mine, e)
			}
		}
		if len(mine) == 0 {
			continue
		}
		r.Profiles = append(r.Profiles, j.profile(p, mine))
		all = append(all, j.deliveries(p, mine)...)
	}
	r.Unserved = j.unserved(entries, profiles)
	r.Sender = j.senderRules(all, entries, r.Unserved)
	r.Verdict = Certified
	switch {
	case len(entries) == 0:
		r.Verdict = NoTraffic
	case j.failed(r):
		r.Verdict = NotCertified
	}
	return r
}

type judge struct {
	o       Options
	byName  map[string]*profile.Profile
	secrets []string
}

func (j *judge) failed(r *Result) bool {
	for _, p := range r.Profiles {
		for _, x := range p.Rules {
			if x.Status == Fail {
				return true
			}
		}
	}
	for _, x := range r.Sender {
		if x.Status == Fail {
			return true
		}
	}
	return false
}

// profile judges one profile's entries: its rules, coverage and counters.
func (j *judge) profile(p *profile.Profile, es []inspect.Entry) ProfileResult {
	pr := ProfileResult{Name: p.Name, Title: p.Title, Rules: []RuleResult{}}
	byRule := map[string]*RuleResult{}
	endpoints, events := map[string]bool{}, map[string]bool{}
	for _, e := range es {
		pr.Requests++
		switch e.Outcome {
		case inspect.Accepted, inspect.Replay, inspect.Dropped:
			pr.Accepted++
		case inspect.Rejected:
			pr.Rejected++
		case inspect.Faulted:
			pr.Faulted++
		}
		if e.Endpoint != "" && e.Status != 404 && e.Status != 405 {
			endpoints[e.Endpoint] = true
		}
		if p.Rate != nil && e.Status == 429 && e.Rule == p.Rate.Rule {
			pr.RateLimited++
		}
		for _, ev := range e.Events {
			if ev.Duplicate || ev.Replay {
				pr.Duplicates++
			}
			if e.Status/100 == 2 && ev.Event != "" {
				events[ev.Event] = true
			}
		}
		// A rule counts once per request; the deciding rule's status decides.
		seen := map[string]bool{}
		for _, v := range e.Violations {
			if v.Rule == "" || seen[v.Rule] {
				continue
			}
			seen[v.Rule] = true
			rr := byRule[v.Rule]
			if rr == nil {
				rule, _ := p.Rule(v.Rule)
				rr = &RuleResult{ID: v.Rule, Level: string(cmp.Or(rule.Level, v.Level)), Text: rule.Text, Status: Warn}
				byRule[v.Rule] = rr
			}
			rr.Count++
			if v.Reject && rr.Level == string(profile.Must) {
				rr.Status = Fail
			}
			if len(rr.Examples) < j.o.Examples {
				rr.Examples = append(rr.Examples, j.example(e, v.String()))
			}
		}
	}
	for _, rr := range byRule {
		what := "reported"
		if rr.Status == Fail {
			what = "rejected"
		}
		rr.Message = fmt.Sprintf("%d request(s) broke it (%s by the receiver)", rr.Count, what)
		pr.Rules = append(pr.Rules, *rr)
	}
	slices.SortFunc(pr.Rules, func(a, b RuleResult) int {
		return cmp.Or(cmp.Compare(statusRank(a.Status), statusRank(b.Status)), cmp.Compare(a.ID, b.ID))
	})
	for _, e := range p.Endpoints {
		cover(&pr.Endpoints, e.ID, endpoints[e.ID])
	}
	for _, e := range p.Events {
		cover(&pr.EventTypes, e.Name, events[e.Name])
	}
	return pr
}

func cover(c *Coverage, name string, seen bool) {
	if seen {
		c.Seen = append(c.Seen, name)
	} else {
		c.Unseen = append(c.Unseen, name)
	}
}

func statusRank(s string) int {
	return slices.Index([]string{Fail, Warn, Ambiguous, Skip, Pass}, s)
}

// example is the evidence of one entry, secrets scrubbed and the body cut.
func (j *judge) example(e inspect.Entry, note string) Example {
	body := e.Body
	if len(body) > maxExampleBody {
		body = body[:maxExampleBody] + "…"
	}
	path := e.Path
	if e.Query != "" {
		path += "?" + e.Query
	}
	return Example{Seq: e.Seq, ReceivedAt: e.ReceivedAt, Method: e.Method, Path: j.scrub(path), Status: e.Status,
		Note: j.scrub(note), Body: j.scrub(body)}
}

func (j *judge) scrub(s string) string {
	for _, secret := range j.secrets {
		s = strings.ReplaceAll(s, secret, profile.Redact)
	}
	return s
}

// delivery is one event as one request carried it.
type delivery struct {
	entry   *inspect.Entry
	profile *profile.Profile
	key     string // the event's ids ("" when it has none)
	content string // the event without its ids: what stays the same across retries
	request string // the whole request: endpoint, path, query and body
	at      time.Time
	status  int
	// identified: the event carries an id (sender.EventKey), so deliveries
	// with the same content are one event; else byte-identical events may
	// be distinct ones.
	identified bool
	stated     time.Time // the event time the sender stated (zero: none)
	item       any       // the event, when the body could be read
}

// deliveries lists the events of es: from the body when it can be read (so
// a rejected or rate-limited request counts too), else from the entry's events.
func (j *judge) deliveries(p *profile.Profile, es []inspect.Entry) []delivery {
	var out []delivery
	for i := range es {
		e := &es[i]
		if e.Status == 404 || e.Status == 405 {
			continue
		}
		target := e.Path
		if e.Query != "" { // a query-string event is in the query, not the body
			target += "?" + e.Query
		}
		req := e.Endpoint + " " + target + " " + fmt.Sprint(e.BodyBytes) + " " + e.Body
		d := delivery{entry: e, profile: p, request: req, at: e.ReceivedAt, status: e.Status}
		items := e.Items(p)
		if len(items) == 0 {
			for _, ev := range e.Events {
				d.key = cmp.Or(ev.Key, ev.ID)
				d.content = "key:" + d.key
				d.identified = ev.ID != ""
				d.stated = time.Time{}
				if ev.EventTime != nil {
					d.stated = *ev.EventTime
				}
				out = append(out, d)
			}
			if len(e.Events) == 0 {
				d.content = "request:" + req
				out = append(out, d)
			}
			continue
		}
		for _, it := range items {
			rec := describe(p, e, it)
			d.key = p.Key(it)
			d.item, d.stated = it, rec.EventTime
			var ek string
			ek, d.identified = sender.EventKey(p, it, rec)
			d.content = content(p, it)
			if !d.identified {
				d.content = p.Name + ":" + ek // no id to strip: the whole event is what repeats
			}
			out = append(out, d)
		}
	}
	return out
}

// describe is the profile's reading of one event of e, as the receiver made
// it; a Describe that fails on a body the receiver rejected yields nothing.
func describe(p *profile.Profile, e *inspect.Entry, item any) (rec profile.Record) {
	if p.Describe == nil {
		return rec
	}
	ep, ok := p.Endpoint(e.Endpoint)
	if !ok {
		return rec
	}
	defer func() {
		if recover() != nil {
			rec = profile.Record{}
		}
	}()
	return p.Describe(item, &profile.Request{Endpoint: ep, Header: http.Header{}, RawPath: e.Path, RawQuery: e.Query, Received: e.ReceivedAt},
		profile.Principal{})
}

// content is an event without the fields that identify it, in a canonical
// form: a retry with a new id has the same content.
func content(p *profile.Profile, item any) string {
	c := profile.DeepCopy(item)
	for _, f := range p.UniqueFields {
		profile.Delete(c, f)
	}
	b, err := json.Marshal(c) // map keys sorted: canonical enough
	if err != nil {
		return fmt.Sprint(c)
	}
	return p.Name + ":" + string(b)
}
