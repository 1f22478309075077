package verify

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/sender"
)

// finding is one break of a sender rule, with the entry that shows it.
type finding struct {
	entry *inspect.Entry
	note  string
	// ambiguous: the evidence cannot decide it is a break (the rule is
	// Ambiguous, never failed, by findings of this kind alone).
	ambiguous bool
}

// senderRules judges the sender rules from the deliveries' arrival times.
// An event is its content (the event without its ids), so a retry that
// changed the ids is still seen as a retry.
func (j *judge) senderRules(ds []delivery, entries []inspect.Entry, unserved []Unserved) []RuleResult {
	groups := map[string][]delivery{}
	var order []string
	for _, d := range ds {
		if _, ok := groups[d.content]; !ok {
			order = append(order, d.content)
		}
		groups[d.content] = append(groups[d.content], d)
	}
	found := map[string][]finding{}
	exercised := map[string]int{} // how often each rule was put to the test: a pass's evidence
	add := func(rule string, d delivery, format string, args ...any) {
		found[rule] = append(found[rule], finding{entry: d.entry, note: fmt.Sprintf(format, args...)})
	}
	maybe := func(rule string, d delivery, format string, args ...any) {
		found[rule] = append(found[rule], finding{entry: d.entry, note: fmt.Sprintf(format, args...), ambiguous: true})
	}
	var firstGaps []time.Duration
	var firstGap delivery
	for _, c := range order {
		g := groups[c]
		retryable := 0
		for i, d := range g {
			if !sender.Retryable(d.status) {
				continue
			}
			retryable++
			exercised[sender.Retry]++
			exercised[sender.RetryLimit]++
			if i == len(g)-1 {
				if i == 0 { // retried, then given up: a retry limit, not a drop
					add(sender.Retry, d, "answered %d and never delivered again", d.status)
				}
				continue
			}
			next := g[i+1]
			exercised[sender.SameID]++
			if next.key != d.key {
				add(sender.SameID, next, "a retry of the event answered %d at seq %d carries other ids (%s, was %s)",
					d.status, d.entry.Seq, shown(next.key), shown(d.key))
			}
			if ra := d.entry.RetryAfter; d.status == 429 && ra > 0 {
				exercised[sender.RetryAfter]++
				wait := time.Duration(ra) * time.Second
				if gap := next.at.Sub(d.at); gap < wait-sender.RetryAfterSlack {
					add(sender.RetryAfter, next, "retried %s after a 429 with Retry-After: %d", round(gap), ra)
				}
			}
		}
		if len(g) > sender.MaxDeliveries && retryable > 0 {
			if g[0].identified {
				add(sender.RetryLimit, g[len(g)-1], "%d deliveries of one event (at most %d)", len(g), sender.MaxDeliveries)
			} else {
				maybe(sender.RetryLimit, g[len(g)-1], "%d byte-identical deliveries, but %s gives its events no id: "+
					"they may be %d distinct events, not retries of one", len(g), g[0].profile.Name, len(g))
			}
		}
		// Backoff: the gaps after retryable answers that set no Retry-After.
		var gaps []time.Duration
		for i := 0; i+1 < len(g); i++ {
			if sender.Retryable(g[i].status) && g[i].entry.RetryAfter == 0 {
				gaps = append(gaps, g[i+1].at.Sub(g[i].at))
			}
		}
		if len(gaps) > 0 {
			firstGaps = append(firstGaps, gaps[0])
			firstGap = g[1]
		}
		if len(gaps) >= 2 {
			exercised[sender.Backoff]++
			if float64(gaps[len(gaps)-1]) < sender.MinGrowth*float64(gaps[0]) {
				add(sender.Backoff, g[len(g)-1], "gaps between retries %s do not grow (want the last ≥ %.1f× the first)",
					durations(gaps), sender.MinGrowth)
			}
		}
	}
	if len(firstGaps) >= 3 {
		exercised[sender.Backoff]++
		lo, hi, mean := spread(firstGaps)
		if float64(hi-lo) < sender.LockstepSpread*mean {
			add(sender.Backoff, firstGap, "the first retries of %d events all came after %s–%s: no jitter (lockstep)",
				len(firstGaps), round(lo), round(hi))
		}
	}
	j.unchanged4xx(entries, found, exercised)
	j.rate(entries, found, exercised)
	j.localTime(ds, found, exercised)
	exercised[sender.Route] = len(entries)
	for _, u := range unserved {
		for _, x := range u.Examples[:1] {
			found[sender.Route] = append(found[sender.Route], finding{entry: exampleEntry(entries, x.Seq), note: x.Note})
		}
	}

	var out []RuleResult
	for _, r := range sender.Rules() {
		rr := RuleResult{ID: r.ID, Level: string(r.Level), Text: r.Text, Status: Pass}
		if g := sender.Ground(r.ID); g.Documents() {
			rr.Ground = &g
		}
		all := found[r.ID]
		fs := slices.DeleteFunc(slices.Clone(all), func(f finding) bool { return f.ambiguous })
		undecided := len(all) - len(fs)
		if len(fs) == 0 {
			fs = all
		}
		switch {
		case len(fs) > 0:
			rr.Status, rr.Count = Warn, len(fs)
			switch {
			case undecided == len(fs):
				rr.Status = Ambiguous
			case r.Level == profile.Must:
				rr.Status = Fail
			}
			rr.Message = fs[0].note
			if len(fs) > 1 {
				rr.Message += fmt.Sprintf(" (and %d more)", len(fs)-1)
			}
			if undecided > 0 && undecided < len(all) {
				rr.Message += fmt.Sprintf("; %d more the evidence cannot decide", undecided)
			}
			if r.ID == sender.Route {
				rr.Count = 0
				for _, u := range unserved {
					rr.Count += u.Count
				}
				rr.Message = joinMessages(unserved)
			}
			for _, f := range fs[:min(len(fs), j.o.Examples)] {
				rr.Examples = append(rr.Examples, j.example(*f.entry, f.note))
			}
		case exercised[r.ID] == 0:
			rr.Status, rr.Message = Skip, notExercised[r.ID]
		default:
			rr.Message = passEvidence(r.ID, exercised[r.ID])
		}
		out = append(out, rr)
	}
	return out
}

// passEvidence says what a passed rule was judged on: how often the traffic
// put it to the test without breaking it.
func passEvidence(rule string, n int) string {
	what := map[string]string{
		sender.Retry:      "%d answers of 5xx, 429 or a failed delivery; every retried event was delivered again",
		sender.Backoff:    "%d checks of the gaps between retries (events retried twice or more, the spread of first retries): they grew, with jitter",
		sender.RetryAfter: "%d retries after a 429 with Retry-After, none sooner",
		sender.NoRetry4xx: "%d requests answered a 4xx; none sent again unchanged",
		sender.RetryLimit: fmt.Sprintf("%%d retryable answers; no event delivered more than %d times", sender.MaxDeliveries),
		sender.SameID:     "%d retries, each with the ids of the event it repeats",
		sender.Rate:       "%d requests to profiles with a documented rate; none over it",
		sender.Route:      "%d requests, every one to an endpoint that serves its method",
		sender.LocalTime:  "%d events with a stated time; none a whole number of hours off the receive time",
	}[rule]
	if what == "" {
		return fmt.Sprintf("exercised %d times, never broken", n)
	}
	return fmt.Sprintf(what, n)
}

// notExercised says, per rule, what traffic would have exercised it.
var notExercised = map[string]string{
	sender.Retry:      "no 5xx, 429 or failed delivery in scope: open a session with a script to exercise it",
	sender.Backoff:    "no event was retried twice without Retry-After: a script with failures ≥ 3 exercises it",
	sender.RetryAfter: "no 429 with Retry-After in scope: a script {\"status\":429,\"retry_after\":2} exercises it",
	sender.NoRetry4xx: "no request was answered a 4xx other than 408/429",
	sender.RetryLimit: "no 5xx, 429 or failed delivery in scope",
	sender.SameID:     "no event was retried",
	sender.Rate:       "no profile with a documented rate was sent to",
	sender.Route:      "no request in scope",
	sender.LocalTime:  "no event stated its time",
}

// joinMessages is every unserved group's message, most requests first.
func joinMessages(us []Unserved) string {
	ms := make([]string, len(us))
	for i, u := range us {
		ms[i] = u.Message
	}
	return strings.Join(ms, "; ")
}

// exampleEntry returns the entry with seq (the unserved groups keep examples,
// the findings entries).
func exampleEntry(entries []inspect.Entry, seq uint64) *inspect.Entry {
	for i := range entries {
		if entries[i].Seq == seq {
			return &entries[i]
		}
	}
	return &inspect.Entry{Seq: seq}
}

// localTime: a documented UTC timestamp a whole number of hours (±15 min)
// off the time its event was first received is local time formatted as UTC
// (SND-TIME-1). Ahead of
// the receive time it is certain (an event cannot happen later than it is
// sent); behind it, the event may as well have been sent that late.
func (j *judge) localTime(ds []delivery, found map[string][]finding, exercised map[string]int) {
	first := map[string]bool{} // a retry comes later than the event's first delivery: judge that one
	for _, d := range ds {
		if d.stated.IsZero() || first[d.content] {
			continue
		}
		first[d.content] = true
		exercised[sender.LocalTime]++
		off := d.stated.Sub(d.at)
		h := off.Round(time.Hour)
		if h == 0 || (off-h).Abs() > sender.LocalTimeSlack {
			continue
		}
		n := int(h / time.Hour)
		field := timeField(d.profile, d.entry, d.item)
		if n > 0 {
			found[sender.LocalTime] = append(found[sender.LocalTime], finding{entry: d.entry, note: fmt.Sprintf(
				"%s %s is %s ahead of the receive time %s: looks like local time, UTC+%d: format the time in UTC",
				field, d.stated.UTC().Format(time.RFC3339), round(off), d.at.UTC().Format(time.RFC3339), n)})
			continue
		}
		found[sender.LocalTime] = append(found[sender.LocalTime], finding{entry: d.entry, ambiguous: true, note: fmt.Sprintf(
			"%s %s is %s behind the receive time %s: local time of UTC%d formatted as UTC, or an event sent %d h late",
			field, d.stated.UTC().Format(time.RFC3339), round(-off), d.at.UTC().Format(time.RFC3339), n, -n)})
	}
}

// timeField names the member an event states its time in: the one without
// which the profile's Describe finds no time (data, not a list of names).
func timeField(p *profile.Profile, e *inspect.Entry, item any) string {
	m, ok := item.(map[string]any)
	if !ok {
		return "the event time"
	}
	keys := slices.Sorted(maps.Keys(m))
	for _, k := range keys {
		c := maps.Clone(m)
		delete(c, k)
		if describe(p, e, c).EventTime.IsZero() {
			return p.Name + " " + k
		}
	}
	return "the event time"
}

// unchanged4xx: a request answered a 4xx other than 408/429 must not come
// again unchanged (SND-RETRY-4).
func (j *judge) unchanged4xx(entries []inspect.Entry, found map[string][]finding, exercised map[string]int) {
	refused := map[string]*inspect.Entry{}
	for i := range entries {
		e := &entries[i]
		if e.Status == 404 || e.Status == 405 {
			continue
		}
		req := e.Profile + " " + e.Endpoint + " " + e.Path + " " + fmt.Sprint(e.BodyBytes) + " " + e.Body
		if first, ok := refused[req]; ok {
			f := finding{entry: e, note: fmt.Sprintf("sent again unchanged after a %d at seq %d", first.Status, first.Seq)}
			if p := j.byName[e.Profile]; p != nil && !j.identified(p, e) {
				f.ambiguous = true
				f.note = fmt.Sprintf("sent byte-identical after a %d at seq %d, but %s gives its events no id: "+
					"another event with the same content, or a retry", first.Status, first.Seq, p.Name)
			}
			found[sender.NoRetry4xx] = append(found[sender.NoRetry4xx], f)
			continue
		}
		if e.Status/100 == 4 && e.Status != 408 && e.Status != 429 {
			exercised[sender.NoRetry4xx]++
			refused[req] = e
		}
	}
}

// identified reports whether every event of e carries an id
// (sender.EventKey): a body that cannot be read is identified only where
// the profile's repeat policy is an idempotency key.
func (j *judge) identified(p *profile.Profile, e *inspect.Entry) bool {
	items := e.Items(p)
	if len(items) == 0 {
		return p.Dedupe.Kind == profile.Idempotent
	}
	for _, it := range items {
		if _, ok := sender.EventKey(p, it, describe(p, e, it)); !ok {
			return false
		}
	}
	return true
}

// rate: every 429 for a profile's documented rate is a request the sender
// sent over it (SND-RATE-1).
func (j *judge) rate(entries []inspect.Entry, found map[string][]finding, exercised map[string]int) {
	for i := range entries {
		e := &entries[i]
		p := j.byName[e.Profile]
		if p == nil || p.Rate == nil || isUnserved(e) {
			continue
		}
		exercised[sender.Rate]++
		if e.Status == 429 && e.Rule == p.Rate.Rule {
			found[sender.Rate] = append(found[sender.Rate], finding{entry: e,
				note: fmt.Sprintf("over the documented rate (%s, %s)", p.Rate, p.Rate.Rule)})
		}
	}
}

func shown(key string) string {
	if key == "" {
		return "none"
	}
	return strings.ReplaceAll(key, "\x1f", "/")
}

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

func durations(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = round(d).String()
	}
	return strings.Join(s, ", ")
}

func spread(ds []time.Duration) (lo, hi time.Duration, mean float64) {
	lo, hi = slices.Min(ds), slices.Max(ds)
	var sum float64
	for _, d := range ds {
		sum += float64(d)
	}
	return lo, hi, math.Abs(sum / float64(len(ds)))
}
