package mockserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
)

// firstItem returns the first event a payload carries.
func firstItem(p *profile.Profile, pl *profile.Payload) map[string]any {
	e, _ := p.Endpoint(pl.Endpoint)
	items := e.ItemsOf(pl.Body)
	if len(items) == 0 {
		return nil
	}
	m, _ := items[0].(map[string]any)
	return m
}

// TestTimeCases replays each profile's recorded-time examples (AppsFlyer's
// 02:00 UTC cut-off among them) on a fixed clock and reads the journal.
func TestTimeCases(t *testing.T) {
	h := newHarness(t, unlimited(mockserver.Config{}))
	forEachProfile(t, func(t *testing.T, p *profile.Profile) {
		if len(p.TimeCases) == 0 {
			t.Skip("no recorded-time rule")
		}
		for i, tc := range p.TimeCases {
			t.Run(tc.Name, func(t *testing.T) {
				h.clock.set(tc.Received)
				defer h.clock.set(testNow)
				pl := valid(t, p, int64(200+i), "")
				item := firstItem(p, pl)
				if tc.EventTime == "" {
					profile.Delete(item, tc.Field)
				} else {
					profile.Set(item, tc.Field, tc.EventTime)
				}
				w := h.send(p, pl)
				if w.Code != http.StatusOK {
					t.Fatalf("got %d, want 200: %s", w.Code, w.Body)
				}
				e := h.last(p.Name)
				if len(e.Events) == 0 {
					t.Fatalf("journal entry has no events: %+v", e)
				}
				if got := e.Events[0].RecordedAt; !got.Equal(tc.Recorded) {
					t.Errorf("got recorded_at %s, want %s (received %s)", got, tc.Recorded, tc.Received)
				}
				if !e.ReceivedAt.Equal(tc.Received) {
					t.Errorf("got received_at %s, want %s", e.ReceivedAt, tc.Received)
				}
			})
		}
	})
}

// TestIdempotencyUnderConcurrency delivers one event 1,000 times at once:
// exactly one first delivery is answered and recorded.
func TestIdempotencyUnderConcurrency(t *testing.T) {
	const n = 1000
	h := newHarness(t, unlimited(mockserver.Config{}))
	forEachProfile(t, func(t *testing.T, p *profile.Profile) {
		if p.Dedupe.Kind != profile.Idempotent {
			t.Skip("not idempotent")
		}
		pl := valid(t, p, 300, "")
		first := rendered(t, p, profile.Outcome{Accepted: 1, Replay: false})
		replay := rendered(t, p, profile.Outcome{Accepted: 1, Replay: true})
		if first == replay {
			t.Fatalf("Success renders a replay like a first delivery: %s", first)
		}
		reqs := make([]*http.Request, n)
		for i := range reqs {
			reqs[i] = h.request(p, pl, nil)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		answers := make([]string, n)
		codes := make([]int, n)
		for i := range n {
			wg.Go(func() {
				<-start
				w := h.do(reqs[i])
				codes[i], answers[i] = w.Code, normalised(t, w.Body.Bytes())
			})
		}
		close(start)
		wg.Wait()
		firsts := 0
		for i := range n {
			if codes[i] != http.StatusOK {
				t.Fatalf("delivery %d: got %d: %s", i, codes[i], answers[i])
			}
			switch answers[i] {
			case first:
				firsts++
			case replay:
			default:
				t.Fatalf("delivery %d: got %s, want %s or %s", i, answers[i], first, replay)
			}
		}
		if firsts != 1 {
			t.Errorf("got %d first deliveries, want exactly 1", firsts)
		}
		var st inspect.Stats
		h.inspect(http.MethodGet, "stats", nil, &st)
		if s := st.Profiles[p.Name]; s.Events != 1 || s.Replays != n-1 || s.Accepted != 1 {
			t.Errorf("stats: got events %d accepted %d replays %d, want 1, 1, %d", s.Events, s.Accepted, s.Replays, n-1)
		}
	})
}

func rendered(t *testing.T, p *profile.Profile, o profile.Outcome) string {
	t.Helper()
	_, body := p.Success(o)
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return normalised(t, b)
}

func normalised(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return string(b)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// other returns credentials that authenticate as another principal than
// p's defaults: the second key or app, or another token subject.
func other(c profile.Credentials) (profile.Credentials, bool) {
	switch {
	case len(c.APIKeys) > 1:
		c.APIKeys = c.APIKeys[1:]
	case len(c.Apps) > 1:
		c.Apps = c.Apps[1:]
	case c.JWTSecret != "":
		c.Subject += "-other"
	default:
		return c, false
	}
	return c, true
}

// TestRateLimit fills one principal's rolling window, checks the 429 and its
// Retry-After, that another principal is unaffected, that rejected requests
// count too, and that the window rolls.
func TestRateLimit(t *testing.T) {
	forEachProfile(t, func(t *testing.T, p *profile.Profile) {
		if p.Rate == nil {
			t.Skip("no rate limit")
		}
		const limit = 3
		h := newHarness(t, mockserver.Config{Profiles: map[string]mockserver.ProfileConfig{
			p.Name: {Common: mockserver.Common{RateLimit: &mockserver.RateConfig{Limit: limit}}}}})
		for i := range limit {
			pl := valid(t, p, int64(400+i), "")
			if i == 0 {
				pl.Body, pl.Raw = nil, "{" // a rejected request counts as well
			}
			w := h.send(p, pl)
			if want := i > 0; ok2xx(w.Code) != want {
				t.Fatalf("request %d: got %d: %s", i, w.Code, w.Body)
			}
		}
		w := h.send(p, valid(t, p, 410, ""))
		if w.Code != http.StatusTooManyRequests {
			t.Fatalf("request %d: got %d, want 429: %s", limit+1, w.Code, w.Body)
		}
		wantAfter := strconv.Itoa(int((p.Rate.Window + time.Second - 1) / time.Second))
		if got := w.Header().Get("Retry-After"); got != wantAfter {
			t.Errorf("got Retry-After %q, want %q (the clock is fixed: a whole window)", got, wantAfter)
		}
		if got := violations(w); len(got) != 1 || got[0] != p.Rate.Rule {
			t.Errorf("got %v, want [%s]", got, p.Rate.Rule)
		}
		if c2, ok := other(p.Defaults); ok {
			o := outgoing(t, p, valid(t, p, 411, ""), c2, h.clock.Now())
			if w := h.do(build(o)); w.Code != http.StatusOK {
				t.Errorf("another principal: got %d, want 200: %s", w.Code, w.Body)
			}
		}
		h.clock.set(testNow.Add(p.Rate.Window))
		if w := h.send(p, valid(t, p, 412, "")); w.Code != http.StatusOK {
			t.Errorf("a window later: got %d, want 200: %s", w.Code, w.Body)
		}
		var st inspect.Stats
		h.inspect(http.MethodGet, "stats", nil, &st)
		if got := st.Profiles[p.Name].RateLimited; got != 1 {
			t.Errorf("stats: got rate_limited %d, want 1", got)
		}
		// A reset empties the windows.
		for i := range limit {
			h.send(p, valid(t, p, int64(420+i), ""))
		}
		h.inspect(http.MethodPost, "reset?profile="+p.Name, nil, nil)
		if w := h.send(p, valid(t, p, 430, "")); w.Code != http.StatusOK {
			t.Errorf("after a reset: got %d, want 200: %s", w.Code, w.Body)
		}
	})
}

// outgoing signs pl with c at now.
func outgoing(t *testing.T, p *profile.Profile, pl *profile.Payload, c profile.Credentials, now time.Time) *profile.Outgoing {
	t.Helper()
	e, _ := p.Endpoint(pl.Endpoint)
	o, err := pl.Outgoing(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Auth.Sign(o, c, now); err != nil {
		t.Fatal(err)
	}
	return o
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// seqFields finds the members of p's success body that carry the sequence
// and the token, from what Success renders.
func seqFields(t *testing.T, p *profile.Profile) (seq, token string) {
	t.Helper()
	a := map[string]any{}
	b := map[string]any{}
	json.Unmarshal([]byte(rendered(t, p, profile.Outcome{Accepted: 1, Seq: 41, Token: "tok-a"})), &a)
	json.Unmarshal([]byte(rendered(t, p, profile.Outcome{Accepted: 1, Seq: 42, Token: "tok-b"})), &b)
	for k, v := range a {
		switch {
		case fmt.Sprint(v) == "41" && fmt.Sprint(b[k]) == "42":
			seq = k
		case v == "tok-a" && b[k] == "tok-b":
			token = k
		}
	}
	return seq, token
}

// TestSequenceAndToken: an answer carrying the app's sequence counts from 1 per
// app, and its token is a fresh UUID v4.
func TestSequenceAndToken(t *testing.T) {
	forEachProfile(t, func(t *testing.T, p *profile.Profile) {
		seqField, tokenField := seqFields(t, p)
		if seqField == "" && tokenField == "" {
			t.Skip("the answer shows neither sequence nor token")
		}
		creds := p.Defaults
		second := profile.App{ID: "s2s_second_app", Secret: "s2s_second_secret"}
		cfg := unlimited(mockserver.Config{})
		if len(creds.Apps) > 0 {
			creds.Apps = append(append([]profile.App(nil), creds.Apps...), second)
			pc := cfg.Profiles[p.Name]
			pc.Credentials = &creds
			cfg.Profiles[p.Name] = pc
		}
		h := newHarness(t, cfg)
		tokens := map[string]bool{}
		send := func(c profile.Credentials, seed int64) map[string]any {
			o := outgoing(t, p, valid(t, p, seed, ""), c, h.clock.Now())
			w := h.do(build(o))
			if w.Code != http.StatusOK {
				t.Fatalf("got %d: %s", w.Code, w.Body)
			}
			body := decode(t, w)
			if tokenField != "" {
				tok, _ := body[tokenField].(string)
				if !uuidV4.MatchString(tok) || tokens[tok] {
					t.Errorf("got token %q, want a fresh UUID v4", tok)
				}
				tokens[tok] = true
			}
			return body
		}
		for i := 1; i <= 3; i++ {
			body := send(p.Defaults, int64(500+i))
			if seqField != "" && fmt.Sprint(body[seqField]) != strconv.Itoa(i) {
				t.Errorf("request %d: got %s %v, want %d", i, seqField, body[seqField], i)
			}
		}
		if len(creds.Apps) > 1 && seqField != "" {
			body := send(profile.Credentials{Apps: []profile.App{second}}, 510)
			if fmt.Sprint(body[seqField]) != "1" {
				t.Errorf("another app: got %s %v, want 1", seqField, body[seqField])
			}
		}
	})
}

// TestJournalIsBoundedCountersExact sends more requests than the journal
// holds: the ring keeps the last ones, the counters all of them.
func TestJournalIsBoundedCountersExact(t *testing.T) {
	const size, n = 5, 23
	h := newHarness(t, unlimited(mockserver.Config{Journal: mockserver.JournalConfig{Size: size, BodyBytes: 16}}))
	p := h.ps[h.m.Served()[0].Name]
	for i := range n {
		if w := h.send(p, valid(t, p, int64(600+i), "")); w.Code != http.StatusOK {
			t.Fatalf("got %d: %s", w.Code, w.Body)
		}
	}
	var page inspect.Page
	h.inspect(http.MethodGet, "journal", nil, &page)
	if len(page.Entries) != size || page.Evicted != n-size {
		t.Fatalf("got %d entries, %d evicted; want %d and %d", len(page.Entries), page.Evicted, size, n-size)
	}
	for i, e := range page.Entries {
		if want := uint64(n - size + i + 1); e.Seq != want {
			t.Errorf("entry %d: got seq %d, want %d", i, e.Seq, want)
		}
		if len(e.Body) > 16 || e.BodyBytes <= 16 {
			t.Errorf("entry %d: got body of %d bytes (of %d), want it cut to 16", i, len(e.Body), e.BodyBytes)
		}
	}
	var st inspect.Stats
	h.inspect(http.MethodGet, "stats", nil, &st)
	if s := st.Profiles[p.Name]; s.Requests != n || s.Accepted != n || s.ByStatus["200"] != n {
		t.Errorf("got requests %d accepted %d 200s %d, want %d", s.Requests, s.Accepted, s.ByStatus["200"], n)
	}
	if st.Journal.Capacity != size || st.Journal.Len != size || st.Journal.Evicted != n-size {
		t.Errorf("got journal stats %+v", st.Journal)
	}
	// Paging from a cursor and filtering by time.
	h.inspect(http.MethodGet, fmt.Sprintf("journal?after=%d&limit=2", n-2), nil, &page)
	if len(page.Entries) != 2 || page.Next != n {
		t.Errorf("after %d: got %d entries, next %d", n-2, len(page.Entries), page.Next)
	}
	h.inspect(http.MethodGet, "journal?since="+testNow.Add(time.Second).Format(time.RFC3339), nil, &page)
	if len(page.Entries) != 0 {
		t.Errorf("since a later time: got %d entries, want 0", len(page.Entries))
	}
	for _, bad := range []string{"after=x", "since=yesterday", "limit=0", "profile=nope"} {
		if code := h.inspect(http.MethodGet, "journal?"+bad, nil, nil); code != http.StatusBadRequest {
			t.Errorf("journal?%s: got %d, want 400", bad, code)
		}
	}
}

// TestReset clears one profile's journal, counters and state, and leaves the
// others alone.
func TestReset(t *testing.T) {
	h := newHarness(t, mockserver.Config{})
	for _, p := range h.ps {
		for i := range 2 {
			h.send(p, valid(t, p, int64(700+i), ""))
		}
	}
	var names []string
	for name := range h.ps {
		names = append(names, name)
	}
	victim := names[0]
	if code := h.inspect(http.MethodPost, "reset?profile="+victim, nil, nil); code != http.StatusOK {
		t.Fatalf("reset: got %d", code)
	}
	var st inspect.Stats
	h.inspect(http.MethodGet, "stats", nil, &st)
	for name := range h.ps {
		got := st.Profiles[name].Requests
		if want := uint64(2); name == victim && got != 0 || name != victim && got != want {
			t.Errorf("%s: got %d requests after resetting %s", name, got, victim)
		}
	}
	if n := len(h.journal(victim)); n != 0 {
		t.Errorf("%s: %d journal entries after reset", victim, n)
	}
	if code := h.inspect(http.MethodPost, "reset?profile=nope", nil, nil); code != http.StatusBadRequest {
		t.Errorf("reset of an unknown profile: got %d, want 400", code)
	}
	h.inspect(http.MethodPost, "reset", nil, nil)
	h.inspect(http.MethodGet, "stats", nil, &st)
	for name, s := range st.Profiles {
		if s.Requests != 0 {
			t.Errorf("%s: got %d requests after a full reset", name, s.Requests)
		}
	}
	// State: a replayed event is new again, sequences start over.
	for _, p := range h.ps {
		pl := valid(t, p, 720, "")
		w1 := h.send(p, pl)
		h.inspect(http.MethodPost, "reset?profile="+p.Name, nil, nil)
		w2 := h.send(p, pl)
		if normalised(t, w1.Body.Bytes()) != normalised(t, w2.Body.Bytes()) && p.Dedupe.Kind == profile.Idempotent {
			t.Errorf("%s: the same delivery before and after reset got %s and %s", p.Name, w1.Body, w2.Body)
		}
		if seq, _ := seqFields(t, p); seq != "" {
			if got := decode(t, w2)[seq]; fmt.Sprint(got) != "1" {
				t.Errorf("%s: got %s %v after reset, want 1", p.Name, seq, got)
			}
		}
	}
	h.inspect(http.MethodGet, "stats", nil, &st)
	for name, s := range st.Profiles {
		if s.Requests != 1 {
			t.Errorf("%s: got %d requests after a reset and one request", name, s.Requests)
		}
	}
}

// TestClock fixes, offsets and clears the mock's clock.
func TestClock(t *testing.T) {
	m, err := mockserver.New(testProfiles(), mockserver.WithConfig(unlimited(mockserver.Config{})))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, m: m, clock: &fixedClock{t: testNow}, ps: map[string]*profile.Profile{}}
	var c inspect.Clock
	h.inspect(http.MethodGet, "clock", nil, &c)
	if c.Mode != "real" || time.Since(c.Now).Abs() > time.Minute {
		t.Errorf("got %+v, want the real time", c)
	}
	at := time.Date(2030, 1, 2, 3, 4, 5, 6000000, time.UTC)
	if code := h.inspect(http.MethodPut, "clock", inspect.ClockSet{Fixed: &at}, &c); code != http.StatusOK || !c.Now.Equal(at) || c.Mode != "fixed" {
		t.Fatalf("fix: got %d %+v", code, c)
	}
	p := testProfiles()[0]
	h.clock.set(at) // sign at the mock's time
	h.send(p, valid(t, p, 800, ""))
	if e := h.last(p.Name); !e.ReceivedAt.Equal(at) {
		t.Errorf("got received_at %s, want %s", e.ReceivedAt, at)
	}
	d := inspect.Duration(-48 * time.Hour)
	if code := h.inspect(http.MethodPut, "clock", inspect.ClockSet{Offset: &d}, &c); code != http.StatusOK ||
		c.Mode != "offset" || (time.Since(c.Now)-48*time.Hour).Abs() > time.Minute {
		t.Fatalf("offset: got %d %+v", code, c)
	}
	if code := h.inspect(http.MethodDelete, "clock", nil, &c); code != http.StatusOK || c.Mode != "real" {
		t.Fatalf("clear: got %d %+v", code, c)
	}
	tests := []struct {
		give string
	}{{`{}`}, {`{"fixed":"2030-01-01T00:00:00Z","offset":"1h"}`}, {`{"fixed":"soon"}`}, {`{"offset":"1 hour"}`}, {`{"speed":2}`}}
	for _, tt := range tests {
		w := h.do(httptest.NewRequest(http.MethodPut, "http://mock/_s2s/clock", stringsReader(tt.give)))
		if w.Code != http.StatusBadRequest {
			t.Errorf("PUT clock %s: got %d, want 400", tt.give, w.Code)
		}
	}
}

// TestRepeatMemoryIsBounded: past dedupe.keys keys, the oldest is forgotten,
// so a repeat of it counts as new, while a recent repeat is still seen.
func TestRepeatMemoryIsBounded(t *testing.T) {
	forEachProfile(t, func(t *testing.T, p *profile.Profile) {
		if p.Dedupe.Kind == profile.NoDedupe {
			t.Skip("no repeat detection")
		}
		cfg := unlimited(mockserver.Config{})
		pc := cfg.Profiles[p.Name]
		pc.Dedupe.Keys = 2
		cfg.Profiles[p.Name] = pc
		h := newHarness(t, cfg)
		var pls []*profile.Payload
		for seed := int64(1); len(pls) < 3 && seed < 100; seed++ {
			pl := valid(t, p, seed, "")
			h.send(p, pl)
			if e := h.last(p.Name); len(e.Events) > 0 && (e.Events[0].ID != "" || e.Events[0].DedupeKey != "") {
				pls = append(pls, pl)
			}
		}
		if len(pls) < 3 {
			t.Fatal("not enough keyed events")
		}
		repeat := func(pl *profile.Payload) bool {
			h.send(p, pl)
			e := h.last(p.Name)
			return e.Outcome == inspect.Replay || e.Events[0].Duplicate
		}
		if !repeat(pls[2]) {
			t.Error("a recent repeat is not seen")
		}
		if repeat(pls[0]) {
			t.Error("a repeat older than the store's capacity is still seen")
		}
	})
}

// TestConflictsAndProbableDuplicates: a replay whose payload differs from the
// first is flagged, a new id under the same fallback key within the window is
// a probable duplicate, and after the window it is not.
func TestConflictsAndProbableDuplicates(t *testing.T) {
	forEachProfile(t, func(t *testing.T, p *profile.Profile) {
		if p.Dedupe.Kind != profile.Idempotent {
			t.Skip("not idempotent")
		}
		h := newHarness(t, unlimited(mockserver.Config{}))
		pl := keyed(t, h, p)
		h.send(p, pl)
		id := h.last(p.Name).Events[0].ID
		item := firstItem(p, pl)
		idField := ""
		for _, k := range sortedKeys(item) {
			if item[k] == id {
				idField = k
			}
		}
		for _, k := range p.UniqueFields { // an id made of members (action and goal)
			if _, ok := item[k].(string); ok && idField == "" && strings.Contains(id, item[k].(string)) {
				idField = k
			}
		}
		if idField == "" {
			t.Fatalf("cannot find the id member of %v", item)
		}
		// The same id with another payload that is still valid: try the string
		// members in turn until one change is accepted.
		conflicted := false
		for _, k := range sortedKeys(item) {
			if _, ok := item[k].(string); !ok || k == idField {
				continue
			}
			changed := pl.Clone()
			firstItem(p, changed)[k] = item[k].(string) + "x"
			if w := h.send(p, changed); !ok2xx(w.Code) {
				continue
			}
			if e := h.last(p.Name); e.Outcome != inspect.Replay || !e.Events[0].Conflict {
				t.Errorf("a replay with %s changed: got %s %+v, want a conflicting replay", k, e.Outcome, e.Events)
			}
			conflicted = true
			break
		}
		if !conflicted {
			t.Fatal("no change of a string member is accepted")
		}
		if p.Dedupe.FallbackRule == "" {
			return
		}
		again := pl.Clone()
		firstItem(p, again)[idField] = id + "-2"
		h.clock.set(testNow.Add(p.Dedupe.FallbackWindow / 2))
		h.send(p, again)
		if e := h.last(p.Name); !e.Events[0].ProbableDuplicate {
			t.Errorf("another id within the window: got %+v, want a probable duplicate", e.Events)
		}
		late := pl.Clone()
		firstItem(p, late)[idField] = id + "-3"
		h.clock.set(testNow.Add(p.Dedupe.FallbackWindow * 2))
		h.send(p, late)
		if e := h.last(p.Name); e.Events[0].ProbableDuplicate {
			t.Errorf("another id after the window: got %+v, want no flag", e.Events)
		}
		var st inspect.Stats
		h.inspect(http.MethodGet, "stats", nil, &st)
		if s := st.Profiles[p.Name]; s.Conflicts != 1 || s.ProbableDuplicates != 1 {
			t.Errorf("stats: got conflicts %d probable %d, want 1 and 1", s.Conflicts, s.ProbableDuplicates)
		}
	})
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
