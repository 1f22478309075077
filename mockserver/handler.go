package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
)

// ViolationsHeader lists, on every answer to an endpoint, the IDs of the rules
// the request broke (rejected or only reported), comma-separated.
const ViolationsHeader = "X-S2S-Violations"

// call is one request to an endpoint on its way through the mock.
type call struct {
	st       *pstate
	fs       *faultState // the profile as served and its faults, fixed for the call
	ep       *endpoint
	r        *http.Request
	w        http.ResponseWriter
	start    time.Time
	received time.Time
	req      *profile.Request // what the rules see; its Body is set once read
	session  *session         // nil: none
	// pre is the credential check made before the body was read; it stands
	// for the request when the body turns out empty (a GET's query string):
	// the scheme saw all there is, and is not asked again.
	pre struct {
		principal *profile.Principal
		vs        []profile.Violation
	}
	body    []byte
	bodyLen int

	status  int
	outcome string
	rule    string
	reason  string
	vs      []profile.Violation
	rules   []string // the distinct rule IDs of vs
	events  []inspect.Event
	tally   Tally
	reset   bool // close the connection without an answer
	// retryAfter is the Retry-After (seconds) of the answer, 0 when none.
	retryAfter int

	// The answer is written once the call is journaled (finish): a 200 is
	// never sent for a request whose entry does not exist.
	out      *bytes.Buffer // the answer, encoded once: for the wire and the journal
	answered bool
	// unjournaled: the answer is not journaled, as it carries a sequence
	// number the commit decides (the entry is written before it is known).
	unjournaled bool

	// With a Committer the decision is taken at commit, with the entry:
	// bucket is the rate-limit bucket to count then, pend the accepted
	// request to judge.
	tx      Committer
	counted bool // count in bucket at commit
	bucket  string
	pend    *pending
}

// pending is an accepted request whose events are judged at commit.
type pending struct {
	recs    []profile.Record
	items   []any
	hashes  []uint64
	pr      profile.Principal
	vs      []profile.Violation
	dropped bool
	token   string
}

// serveCall serves one request to ep under the faults fs: the order of
// SPECS.md, from reading the body to rendering the answer.
func (m *Mock) serveCall(w http.ResponseWriter, r *http.Request, st *pstate, ep *endpoint, fs *faultState) {
	c := &call{st: st, fs: fs, ep: ep, r: r, w: w, start: time.Now(), tx: fs.tx}
	c.session = m.sessions.of(r)
	c.received = m.now(c.session)
	c.req = ep.e.Receive(r, c.received)
	if m.unauthenticated(c) || !m.read(c) {
		m.finish(c)
		return
	}
	if m.inject(c, fs) {
		m.finish(c)
		if c.reset {
			reset(w)
		}
		return
	}
	m.handle(c)
	m.finish(c)
}

// unauthenticated answers, before the body is read, a request whose
// credentials alone are refused: a sender without them cannot make the mock
// read (and hold) a large body. The scheme is asked without the body; one that
// needs the body (a signature) still yields the principal, and is asked again
// with it.
func (m *Mock) unauthenticated(c *call) bool {
	pre := *c.req // a copy: the real request must decode its body only once read
	principal, vs := c.fs.v.Auth(&pre, c.st.creds, c.received, m.mode)
	if principal != nil || !rejecting(vs) {
		c.pre.principal, c.pre.vs = principal, vs
		return false
	}
	c.bodyLen = int(max(c.r.ContentLength, 0))
	m.reject(c, vs)
	return true
}

// read reads the body within the endpoint's cap. Over it: the endpoint's size
// rule when it has one, else a 413.
func (m *Mock) read(c *call) bool {
	limit := c.fs.caps[c.ep.index]
	if c.r.ContentLength > limit {
		c.bodyLen = int(c.r.ContentLength)
		m.tooLarge(c, limit)
		return false
	}
	body, err := readBody(c.r.Body, c.r.ContentLength, limit)
	c.bodyLen = len(body)
	switch {
	case errors.Is(err, errTooLarge):
		m.tooLarge(c, limit)
		return false
	case err != nil:
		status := http.StatusBadRequest
		if errors.Is(err, os.ErrDeadlineExceeded) {
			status = http.StatusRequestTimeout
		}
		m.refuse(c, status, fmt.Sprintf("the body could not be read: %v", err))
		return false
	}
	c.body = body
	c.req.Body = body
	return true
}

var errTooLarge = errors.New("body too large")

// readChunk is what readBody allocates before any byte arrived: an announced
// Content-Length is a promise, not a reason to allocate.
const readChunk = 4 << 10

// readBody reads at most limit bytes, allocating as the bytes arrive (doubling,
// up to the announced length when there is one), never from the announcement:
// a sender that announces 4 MiB and sends 150 bytes holds about 4 KiB.
func readBody(r io.Reader, length, limit int64) ([]byte, error) {
	want := limit + 1 // one more than the cap tells an oversized body
	if length >= 0 {
		want = length + 1 // one more than announced tells a body longer than that
	}
	b := make([]byte, 0, min(want, readChunk))
	for {
		if len(b) == cap(b) {
			if int64(len(b)) >= want {
				break
			}
			b = slices.Grow(b, int(min(want, 2*int64(cap(b)))-int64(len(b))))
		}
		n, err := r.Read(b[len(b):min(int64(cap(b)), want)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return b, err
		}
		if int64(len(b)) >= want {
			break
		}
	}
	switch {
	case int64(len(b)) > limit:
		return b, errTooLarge
	case length >= 0 && int64(len(b)) > length:
		return b, errTooLarge // more than announced: the server refuses it anyway
	case length >= 0 && int64(len(b)) < length:
		return b, io.ErrUnexpectedEOF
	}
	return b, nil
}

func (m *Mock) tooLarge(c *call, limit int64) {
	// Do not read on: the connection closes after the answer.
	c.w.Header().Set("Connection", "close")
	if e := &c.fs.p.Endpoints[c.ep.index]; e.SizeRule != "" && e.Carriage().Body {
		v := c.fs.p.Violation(e.SizeRule, profile.InRequest, "", "the body is over %d bytes; at most %d are allowed", limit, limit)
		v.Reject = true
		if v.Status == 0 {
			v.Status = http.StatusRequestEntityTooLarge
		}
		m.reject(c, []profile.Violation{v})
		return
	}
	m.refuse(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes, the most this mock reads for %s", limit, c.ep.e.Pattern()))
}

// refuse answers a request no rule judged (unreadable or oversized body, an
// injected error): the mock's own error body, naming no rule.
func (m *Mock) refuse(c *call, status int, reason string) {
	c.outcome, c.reason = inspect.Rejected, reason
	m.writeJSON(c, status, apiError{Error: profile.StatusCode(status), Message: reason})
}

// inject applies the profile's faults; it reports whether the request was
// answered (or dropped) by them.
func (m *Mock) inject(c *call, fs *faultState) bool {
	f := &fs.f
	ctx := c.r.Context()
	name := c.st.p.Name
	if f.Stall != nil {
		if now := time.Now(); !now.Before(fs.stallFrom) && now.Before(fs.stallUntil) {
			m.metrics.faults.WithLabelValues(name, "stall").Inc()
			if !wait(ctx, m.drain, fs.stallUntil.Sub(now)) {
				return m.gone(c, "stalled (injected); the client went away")
			}
		}
	}
	if d := m.dice.delay(f.Latency); d > 0 {
		m.metrics.faults.WithLabelValues(name, "latency").Inc()
		if !wait(ctx, m.drain, d) {
			return m.gone(c, "delayed (injected latency); the client went away")
		}
	}
	if m.dice.hit(f.ResetRate) {
		m.metrics.faults.WithLabelValues(name, "reset").Inc()
		c.outcome, c.reason, c.reset = inspect.Faulted, "connection reset (injected)", true
		return true
	}
	if m.dice.hit(f.ErrorRate) {
		m.metrics.faults.WithLabelValues(name, "error").Inc()
		status := f.ErrorStatus
		if status == 0 {
			status = http.StatusInternalServerError
		}
		m.refuse(c, status, fmt.Sprintf("fault injected by the mock (error_rate %v)", f.ErrorRate))
		c.outcome = inspect.Faulted
		return true
	}
	return false
}

// statusClientGone is what the journal records for a request whose client
// left before the answer (nginx's convention).
const statusClientGone = 499

func (m *Mock) gone(c *call, reason string) bool {
	c.status, c.outcome, c.reason = statusClientGone, inspect.Faulted, reason
	return true
}

// handle runs the rules and the state on a request whose body was read.
func (m *Mock) handle(c *call) {
	st, fs, req := c.st, c.fs, c.req
	principal, authVs := c.pre.principal, c.pre.vs
	if len(c.body) > 0 && !profile.IsBodyBlind(fs.p.Auth) { // a scheme that reads the body is asked again with it
		principal, authVs = fs.v.Auth(req, st.creds, c.received, m.mode)
	}
	// SPECS: every request with a valid credential counts, whatever its answer.
	if principal != nil && fs.limiter != nil && c.tx != nil {
		c.counted, c.bucket = true, c.scoped(principal.Bucket) // counted at commit, with the entry
	} else if principal != nil && fs.limiter != nil {
		ok, after, err := fs.limiter.Allow(c.r.Context(), c.scoped(principal.Bucket), c.received)
		if err != nil {
			m.unavailable(c, err)
			return
		}
		if !ok {
			m.rateLimited(c, after)
			return
		}
	}
	if rejecting(authVs) {
		if vs, ok := malformedFirst(fs, req, authVs, m.mode); ok {
			authVs = vs
		}
		m.reject(c, authVs)
		return
	}
	if v, ok := encoded(c); ok {
		m.reject(c, append(authVs, v))
		return
	}
	res := fs.v.Body(req, m.mode)
	vs := append(authVs, res.Violations...)
	if rejecting(vs) {
		m.reject(c, vs)
		return
	}
	if m.scripted(c, req, res.Items) {
		return
	}
	m.accept(c, req, principal, res.Items, vs)
}

// malformedFirst: when the credential check failed on the body itself (a
// signature over a canonical form the body does not have, such as a number
// beyond a 64-bit float) and the body is malformed JSON, the JSON rule is what
// the request broke; a signature over unreadable JSON cannot be judged. Only
// then is the body checked before answering the credential failure.
func malformedFirst(fs *faultState, req *profile.Request, authVs []profile.Violation, mode profile.Mode) ([]profile.Violation, bool) {
	for _, v := range authVs {
		if v.Reject && v.In != profile.InBody {
			return nil, false
		}
	}
	// A fresh request: the credential check may have decoded the body its
	// own, more lenient way, and the decoding is kept.
	fresh := profile.Request{Endpoint: req.Endpoint, Header: req.Header, PathValues: req.PathValues,
		RawPath: req.RawPath, RawQuery: req.RawQuery, Body: req.Body, Received: req.Received}
	for _, v := range fs.v.Body(&fresh, mode).Violations {
		if v.Reject && v.Rule == fs.p.MalformedRule && v.Rule != "" {
			return []profile.Violation{v}, true
		}
	}
	return nil, false
}

// encoded answers a body sent with a Content-Encoding other than identity:
// the mock decodes none, and reading gzip or br bytes as JSON would report a
// misleading rule. 415 (RFC 9110 §15.5.16) under the endpoint's content-type
// rule, else the profile's JSON rule. A transport without a body reads none.
func encoded(c *call) (profile.Violation, bool) {
	vals := c.r.Header.Values("Content-Encoding")
	if len(vals) == 0 || !c.ep.e.Carriage().Body {
		return profile.Violation{}, false
	}
	for _, val := range vals {
		for tok := range strings.SplitSeq(val, ",") {
			if tok = strings.TrimSpace(tok); tok == "" || strings.EqualFold(tok, "identity") {
				continue
			}
			rule := c.ep.e.ContentTypeRule
			if rule == "" {
				rule = c.fs.p.MalformedRule
			}
			v := c.fs.p.Violation(rule, profile.InHeader, "Content-Encoding",
				"Content-Encoding %s is not accepted; send the JSON body unencoded (identity)", clipToken(tok))
			v.Reject, v.Status = true, http.StatusUnsupportedMediaType
			return v, true
		}
	}
	return profile.Violation{}, false
}

// clipToken keeps a header token short in a message.
func clipToken(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40]) + "…"
	}
	return strconv.Quote(s)
}

// rejectingFirst orders vs with the rejecting violations first, each group in
// its order, so an error body that names its first violation names one that
// rejected (a lenient reading reported before it did not).
func rejectingFirst(vs []profile.Violation) []profile.Violation {
	if len(vs) < 2 || vs[0].Reject {
		return vs
	}
	out := make([]profile.Violation, 0, len(vs))
	for _, v := range vs {
		if v.Reject {
			out = append(out, v)
		}
	}
	for _, v := range vs {
		if !v.Reject {
			out = append(out, v)
		}
	}
	return out
}

func rejecting(vs []profile.Violation) bool {
	_, ok := profile.FirstRejection(vs)
	return ok
}

func (m *Mock) rateLimited(c *call, after time.Duration) {
	r := c.fs.p.Rate
	secs := retryAfter(after)
	v := c.fs.p.Violation(r.Rule, profile.InRequest, "",
		"more than %d requests in %s for this %s; retry after %d s", r.Limit, r.Window, r.Per, secs)
	v.Reject = true
	if v.Status == 0 {
		v.Status = http.StatusTooManyRequests
	}
	c.w.Header().Set("Retry-After", strconv.Itoa(secs))
	c.retryAfter = secs
	c.tally.RateLimited = true
	m.reject(c, []profile.Violation{v})
}

// reject answers with the status of the first rejecting violation.
func (m *Mock) reject(c *call, vs []profile.Violation) {
	vs = rejectingFirst(vs)
	status := http.StatusBadRequest
	if v, ok := profile.FirstRejection(vs); ok {
		c.rule, c.reason = v.Rule, v.Message
		if v.Status != 0 {
			status = v.Status
		}
	}
	c.outcome = inspect.Rejected
	c.setViolations(vs)
	m.writeError(c, status, vs)
}

// accept records the request's events and renders the profile's answer.
func (m *Mock) accept(c *call, req *profile.Request, principal *profile.Principal, items []any, vs []profile.Violation) {
	st, fs, p := c.st, c.fs, c.fs.p
	var pr profile.Principal
	if principal != nil {
		pr = *principal
	}
	dropped := pr.Drop != nil
	if dropped {
		vs = append(vs, *pr.Drop)
	}
	recs := make([]profile.Record, len(items))
	for i, it := range items {
		recs[i] = m.describe(p, it, req, pr)
		if recs[i].RecordedAt.IsZero() {
			recs[i].RecordedAt = c.received
		}
		if v, ok := outOfRange(p, c.ep.e, i, recs[i]); !ok {
			m.reject(c, append(vs, v))
			return
		}
	}
	pd := &pending{recs: recs, items: items, pr: pr, vs: vs, dropped: dropped}
	if fs.tokenAnswer {
		pd.token = uuid4()
	}
	if !dropped && p.Dedupe.Kind == profile.Idempotent {
		pd.hashes = make([]uint64, len(items))
		for i, it := range items {
			pd.hashes[i] = fs.mem.Hash(it)
		}
	}
	if c.tx != nil {
		c.pend = pd // judged at commit, with the entry
		return
	}
	var verdicts []Verdict
	var seq uint64
	var err error
	if dropped {
		verdicts = make([]Verdict, len(recs))
		seq, err = fs.mem.Seq(c.r.Context(), c.scoped(pr.App))
	} else {
		verdicts, seq, err = fs.mem.Judge(c.r.Context(), c.scopedRecords(recs), pd.hashes, c.scoped(pr.App),
			Policy{Kind: p.Dedupe.Kind, Window: st.window, DropDups: st.dropDups, Now: c.received})
	}
	if err != nil {
		m.unavailable(c, err)
		return
	}
	m.settle(c, pd, verdicts, seq)
}

// settle turns an accepted request's verdicts into its events, counts,
// outcome and answer. It may run again on other verdicts (a commit that found
// the memory changed), so it sets everything it touches.
func (m *Mock) settle(c *call, pd *pending, verdicts []Verdict, seq uint64) {
	p, recs, items := c.fs.p, pd.recs, pd.items
	c.tally = Tally{}
	c.outcome, c.rule, c.reason = "", "", ""
	if pd.dropped {
		c.outcome, c.rule, c.reason = inspect.Dropped, pd.pr.Drop.Rule, pd.pr.Drop.Message
	}
	replays := 0
	c.events = make([]inspect.Event, 0, min(len(recs), m.events))
	for i, rec := range recs {
		v := verdicts[i]
		if v.Replay {
			replays++
		}
		if v.Recorded {
			c.tally.Events++
			if v.Duplicate {
				c.tally.Duplicates++
			}
		}
		if v.Probable {
			c.tally.Probable++
		}
		if v.Conflict {
			c.tally.Conflicts++
		}
		if len(c.events) < m.events {
			ev := inspect.Event{Index: i, Event: rec.Event, ID: rec.ID, Key: p.Key(items[i]), DedupeKey: rec.DedupeKey,
				RecordedAt: rec.RecordedAt.UTC(), Recorded: v.Recorded, Duplicate: v.Duplicate, Replay: v.Replay,
				Conflict: v.Conflict, ProbableDuplicate: v.Probable}
			if !rec.EventTime.IsZero() {
				t := rec.EventTime.UTC()
				ev.EventTime = &t
			}
			c.events = append(c.events, ev)
		}
	}
	if !pd.dropped {
		c.outcome = inspect.Accepted
		if replays > 0 && replays == len(recs) {
			c.outcome, c.reason = inspect.Replay, "every event was delivered before"
		}
		if len(recs) > m.events {
			c.reason = strings.TrimPrefix(c.reason+fmt.Sprintf("; journal keeps %d of %d events", m.events, len(recs)), "; ")
		}
	}
	out := profile.Outcome{Accepted: len(items), Replay: replays > 0 && replays == len(recs), Seq: seq, Token: pd.token}
	status, body := p.SuccessBody(out)
	c.setViolations(pd.vs)
	m.writeJSON(c, status, body)
}

// outOfRange checks an event's times are ones a receiver can record (and the
// journal can write): years 1 to 9999. A sender's timestamp beyond them
// (RevoSurge seconds ≥ 253402300800) is a malformed value.
func outOfRange(p *profile.Profile, e *profile.Endpoint, i int, rec profile.Record) (profile.Violation, bool) {
	for _, t := range []time.Time{rec.EventTime, rec.RecordedAt} {
		if t.IsZero() || (t.Year() >= 1 && t.Year() <= 9999) {
			continue
		}
		field := e.ItemPath(i)
		if field == "" {
			field = "(event time)"
		}
		v := p.Violation(p.MalformedRule, profile.InBody, field,
			"the event's time %s is outside the years 0001-9999 a receiver can record", t.Format("2006-01-02T15:04:05Z07:00"))
		v.Reject = true
		return v, false
	}
	return profile.Violation{}, true
}

// describe calls the profile's Describe; a defect there must not take the
// request down, so it yields a bare record.
func (m *Mock) describe(p *profile.Profile, item any, req *profile.Request, pr profile.Principal) (rec profile.Record) {
	if p.Describe == nil {
		return profile.Record{RecordedAt: req.Received}
	}
	defer func() {
		if x := recover(); x != nil {
			m.log.Error("describe panicked", "profile", p.Name, "panic", fmt.Sprint(x))
			rec = profile.Record{RecordedAt: req.Received}
		}
	}()
	return p.Describe(item, req, pr)
}

// setViolations keeps vs for the journal and names their rules in the answer.
func (c *call) setViolations(vs []profile.Violation) {
	c.vs, c.rules = vs, ruleIDs(vs)
	if len(c.rules) > 0 {
		c.w.Header().Set(ViolationsHeader, strings.Join(c.rules, ", "))
	}
}

// writeError renders the profile's error body for vs.
func (m *Mock) writeError(c *call, status int, vs []profile.Violation) {
	m.writeJSON(c, status, c.fs.p.ErrorBody(status, vs))
}

// writeJSON sets the call's answer, encoded now into one of the mock's pooled
// buffers (the journal keeps its text); finish writes it once the call is
// journaled. It may run again (a commit that found the memory changed).
func (m *Mock) writeJSON(c *call, status int, body any) {
	if c.out == nil {
		c.out = m.buffer()
	}
	c.status, c.answered = m.encode(c.out, status, body), true
}

// respond writes body as JSON, encoding into one of the mock's pooled buffers.
func (m *Mock) respond(w http.ResponseWriter, status int, body any) {
	buf := m.buffer()
	defer m.release(buf)
	status = m.encode(buf, status, body)
	writeBuffer(w, status, buf)
}

func (m *Mock) buffer() *bytes.Buffer {
	if buf, _ := m.buffers.Get().(*bytes.Buffer); buf != nil {
		return buf
	}
	return new(bytes.Buffer)
}

func (m *Mock) release(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		buf.Reset()
		m.buffers.Put(buf)
	}
}

// encode replaces buf's content with body as JSON; it returns the status to
// answer (500 when body cannot be encoded).
func (m *Mock) encode(buf *bytes.Buffer, status int, body any) int {
	buf.Reset()
	if b, ok := appendFlat(buf.AvailableBuffer(), body); ok {
		buf.Write(b)
	} else if err := encodeJSON(buf, body); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		fmt.Fprintf(buf, "{\"error\":\"internal\",\"message\":%q}\n", "the answer could not be encoded: "+err.Error())
	}
	return status
}

// answerText is at most keep bytes of the call's answer, for the journal.
func (c *call) answerText(keep int) string {
	if c.out == nil || keep <= 0 {
		return ""
	}
	return string(cut(bytes.TrimSuffix(c.out.Bytes(), []byte("\n")), keep))
}

func writeBuffer(w http.ResponseWriter, status int, buf *bytes.Buffer) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(buf.Len())}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func encodeJSON(buf *bytes.Buffer, body any) error {
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return enc.Encode(body)
}

// finish journals the call, then writes its answer, counts and logs it.
func (m *Mock) finish(c *call) {
	name := c.st.p.Name
	if c.tx != nil && (c.counted || c.pend != nil) {
		m.commit(c)
	} else if err := m.journal.Add(context.WithoutCancel(c.r.Context()), m.entry(c), cut(c.body, m.bodyCut), c.tally, c.rules); err != nil {
		// The client going away must not lose the entry (the context is not
		// its): the answer was decided, and it is given, but the entry is lost.
		m.log.Error("journal: entry lost", "profile", name, "endpoint", c.ep.e.ID, "status", c.status, "err", err)
	}
	if c.answered {
		writeBuffer(c.w, c.status, c.out)
	}
	if c.out != nil {
		m.release(c.out)
		c.out = nil
	}
	c.ep.series.observe(c.status, time.Since(c.start), c.rules)
	if m.log.Enabled(c.r.Context(), levelRequest) {
		m.log.Log(c.r.Context(), levelRequest, "request", "profile", name, "endpoint", c.ep.e.ID,
			"status", c.status, "outcome", c.outcome, "rules", c.rules, "took", time.Since(c.start))
	}
}

// entry is the call's journal entry as it stands.
func (m *Mock) entry(c *call) inspect.Entry {
	e := inspect.Entry{Profile: c.st.p.Name, Endpoint: c.ep.e.ID, Method: c.r.Method, Path: c.r.URL.EscapedPath(),
		Status: c.status, Outcome: c.outcome, Rule: c.rule, Reason: c.reason, ReceivedAt: c.received.UTC(),
		Events: c.events, BodyBytes: c.bodyLen, RetryAfter: c.retryAfter,
		Headers: c.st.hide.headers(c.r.Header)}
	e.Query, e.QueryCut = c.st.hide.query(c.r.URL.RawQuery)
	if c.ep.e.Transport == profile.QueryString {
		if doc, err := c.req.Document(); err == nil {
			e.Document = c.st.hide.document(c.ep.e, doc)
		}
	}
	if !c.unjournaled {
		e.Answer = c.answerText(m.bodyCut)
	}
	if c.session != nil {
		e.Session = c.session.info.ID
	}
	if len(c.vs) > 0 {
		e.Violations = c.vs[:min(len(c.vs), maxJournalViolations)]
	}
	return e
}

// maxCommits bounds how often a commit is tried again because the memory
// changed between building the entry and committing it (a concurrent first
// delivery of the same event on another replica).
const maxCommits = 4

// commit takes the call's decision and journals it as one step. A request
// whose commit fails is answered 503 and leaves nothing behind: no count, no
// claim, so its re-send is a first delivery.
func (m *Mock) commit(c *call) {
	ctx := context.WithoutCancel(c.r.Context())
	st, fs, pd := c.st, c.fs, c.pend
	tx := &Tx{Now: c.received, Body: cut(c.body, m.bodyCut)}
	if c.counted {
		tx.Limiter, tx.Bucket = fs.limiter, c.bucket
	}
	if pd != nil {
		tx.Memory, tx.App, tx.Seq = fs.mem, c.scoped(pd.pr.App), true
		if !pd.dropped {
			tx.Recs, tx.Hashes = c.scopedRecords(pd.recs), pd.hashes
			tx.Policy = Policy{Kind: fs.p.Dedupe.Kind, Window: st.window, DropDups: st.dropDups, Now: c.received}
			tx.Expect = make([]Verdict, len(pd.recs))
			for i := range tx.Expect {
				tx.Expect[i] = Verdict{Recorded: true} // a first delivery: what nearly every request is
			}
		}
	}
	c.unjournaled = pd != nil && st.seqAnswer
	var err error
	for range maxCommits {
		if pd != nil {
			m.settle(c, pd, orVerdicts(tx.Expect, len(pd.recs)), 0)
		}
		tx.Entry, tx.Tally, tx.Rules = m.entry(c), c.tally, c.rules
		var res Committed
		res, err = c.tx.Commit(ctx, tx)
		switch {
		case err != nil:
		case res.Limited:
			c.pend, c.counted, c.events, c.tally, c.unjournaled = nil, false, nil, Tally{}, false
			m.rateLimited(c, res.After)
			m.journalOnly(c)
			return
		case res.Verdicts != nil:
			tx.Expect = res.Verdicts
			continue
		default:
			if pd != nil {
				m.settle(c, pd, orVerdicts(tx.Expect, len(pd.recs)), res.Seq)
			}
			return
		}
		break
	}
	if err == nil {
		err = errors.New("the memory kept changing under the request")
	}
	c.pend, c.events, c.tally, c.unjournaled = nil, nil, Tally{}, false
	m.unavailable(c, err)
	m.journalOnly(c)
}

// orVerdicts is vs, or n unjudged verdicts (a dropped request's).
func orVerdicts(vs []Verdict, n int) []Verdict {
	if vs == nil {
		return make([]Verdict, n)
	}
	return vs
}

// journalOnly journals the call without a decision (a 429, a 503).
func (m *Mock) journalOnly(c *call) {
	if err := m.journal.Add(context.WithoutCancel(c.r.Context()), m.entry(c), cut(c.body, m.bodyCut), c.tally, c.rules); err != nil {
		m.log.Error("journal: entry lost", "profile", c.st.p.Name, "endpoint", c.ep.e.ID, "status", c.status, "err", err)
	}
}

// unavailable answers 503 when the state could not be read or written: the
// request was neither recorded nor judged, and a sender may retry it.
func (m *Mock) unavailable(c *call, err error) {
	m.log.Error("state unavailable", "profile", c.st.p.Name, "endpoint", c.ep.e.ID, "err", err)
	c.w.Header().Set("Retry-After", "1")
	c.outcome, c.reason = inspect.Faulted, "the mock's state store is unavailable: "+err.Error()
	m.writeJSON(c, http.StatusServiceUnavailable, apiError{Error: "state_unavailable", Message: c.reason})
}

// maxJournalViolations bounds what one entry keeps of a large batch's findings.
const maxJournalViolations = 100

// levelRequest is the level of the one-line log of each request.
const levelRequest = slog.LevelDebug

func ruleIDs(vs []profile.Violation) []string {
	var ids []string
	for _, v := range vs {
		if v.Rule != "" && !slices.Contains(ids, v.Rule) {
			ids = append(ids, v.Rule)
		}
	}
	return ids
}

// cut returns at most n bytes of b, not splitting a UTF-8 sequence: b itself
// when it is short (the request is done with it), else a copy, so the journal
// never holds on to a large body.
func cut(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	i := n
	for i > 0 && i > n-utf8.UTFMax && !utf8.RuneStart(b[i]) {
		i--
	}
	return bytes.Clone(b[:i])
}
