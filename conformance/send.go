package conformance

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
)

// UserAgent is what the suite's requests say they are, unless a payload sets it.
const UserAgent = "s2s-harness-conformance"

// Limits of what is kept of an exchange.
const (
	maxAnswer       = 1 << 20 // bytes of an answer read
	maxBurstAnswer  = 4 << 10 // bytes of an answer read in a burst (only its status counts)
	maxEvidenceBody = 4 << 10 // bytes of a body shown in evidence
	// maxSeenHeld bounds the answer bytes kept for the response checks; past
	// it, answers are kept cut to maxEvidenceBody.
	maxSeenHeld = 8 << 20
)

// sendOpts say how to turn a payload into a request.
type sendOpts struct {
	creds *profile.Credentials // nil: the profile's target credentials
	brk   *profile.Break       // applied after signing
	// rehome: when the payload addresses a path parameter the credentials do not
	// know (a seed example's app id), sign for the credentials' own instead.
	rehome bool
	// allow429: a 429 is an answer to judge, not something to wait out.
	allow429 bool
}

// prepared is a request ready to go: out, signed, sent to base. method, url,
// header and body are out's, as evidence shows them.
type prepared struct {
	out      *profile.Outgoing
	base     string // scheme, host and the target's prefix
	method   string
	url      string
	endpoint *profile.Endpoint
	header   http.Header // names as sent (a payload's spelling is kept)
	body     []byte
	bucket   string   // rate-limit bucket it counts against
	secret   []string // header names whose values are credentials
	secrets  []string // secret values to scrub from evidence
	notes    []string
	unpaced  bool // a burst: counted, never held back
}

// prepare signs pl (and breaks it, when asked) as the target expects.
func (s *session) prepare(pl *profile.Payload, o sendOpts) (*prepared, error) {
	e, ok := s.p.Endpoint(pl.Endpoint)
	if !ok {
		return nil, fmt.Errorf("profile %s: unknown endpoint %q", s.p.Name, pl.Endpoint)
	}
	creds := s.creds()
	if o.creds != nil {
		creds = *o.creds
	}
	out, err := pl.Outgoing(e)
	if err != nil {
		return nil, err
	}
	now := s.now()
	pr := &prepared{method: e.Method, endpoint: e}
	before := out.Header.Clone()
	if s.p.Auth != nil {
		err := s.p.Auth.Sign(out, creds, now)
		if err != nil && o.rehome && len(pl.PathValues) > 0 {
			if out, err = pl.Outgoing(e); err == nil {
				out.PathValues = nil
				err = s.p.Auth.Sign(out, creds, now)
				pr.notes = append(pr.notes, "the example's path addresses an app the target config does not list: sent to the configured app")
			}
		}
		switch {
		case err != nil && errors.Is(err, profile.ErrNoCredential) && s.ps.set.scope[string(profile.AreaAuth)] != "":
			// Auth is out of scope (a gateway authenticates): sent without credentials.
			out, err = pl.Outgoing(e)
			if err != nil {
				return nil, err
			}
		case err != nil:
			return nil, fmt.Errorf("cannot sign the request with the target's %s credentials: %w", s.p.Auth.Scheme(), err)
		}
		pr.bucket = bucketOfRequest(s.p, out, creds, now)
		// Credential headers: those signing changed, and those it sets on a
		// blank request (a seed example may carry the same value already).
		for k, vs := range out.Header {
			if !slices.Equal(before[k], vs) {
				pr.secret = append(pr.secret, k)
			}
		}
		blank := &profile.Outgoing{Endpoint: e, Header: http.Header{}, PathValues: maps.Clone(out.PathValues), Body: out.Body}
		if s.p.Auth.Sign(blank, creds, now) == nil {
			for k := range blank.Header {
				if !slices.Contains(pr.secret, k) {
					pr.secret = append(pr.secret, k)
				}
			}
		}
		if o.brk != nil && o.brk.Apply != nil {
			o.brk.Apply(out, creds, now)
		}
	}
	if pr.bucket == "" {
		pr.bucket = s.ps.main
	}
	// Keep the payload's spelling of header names (the seed's X-API-KEY): a
	// receiver must treat names case-insensitively.
	for k := range pl.Header {
		ck := http.CanonicalHeaderKey(k)
		if ck != k {
			if vs, ok := out.Header[ck]; ok {
				delete(out.Header, ck)
				out.Header[k] = vs
				if i := slices.Index(pr.secret, ck); i >= 0 {
					pr.secret[i] = k
				}
			}
		}
	}
	if _, ok := profile.HeaderValue(out.Header, "User-Agent"); !ok {
		out.Header.Set("User-Agent", UserAgent)
	}
	pr.out, pr.base = out, s.r.base+s.ps.set.prefix
	pr.url = pr.base + out.Target()
	pr.header = out.Header
	pr.body = out.Body
	for _, sec := range creds.Secrets() {
		if len(sec) >= 4 {
			pr.secrets = append(pr.secrets, sec)
		}
	}
	return pr, nil
}

// bucketOf returns the rate-limit bucket requests signed with c count against,
// as the scheme's own Verify sees it; "" when it cannot tell.
func bucketOf(p *profile.Profile, c profile.Credentials, now time.Time) string {
	if p.Auth == nil || len(p.Endpoints) == 0 {
		return ""
	}
	o := &profile.Outgoing{Endpoint: &p.Endpoints[0], Header: http.Header{}, PathValues: map[string]string{}, Body: []byte("{}")}
	if err := p.Auth.Sign(o, c, now); err != nil {
		return ""
	}
	return bucketOfRequest(p, o, c, now)
}

func bucketOfRequest(p *profile.Profile, o *profile.Outgoing, c profile.Credentials, now time.Time) string {
	pr, _ := p.Auth.Verify(o.Received(now), c, now, profile.Lenient)
	if pr == nil {
		return ""
	}
	return pr.Bucket
}

// exchange is one request and what came back.
type exchange struct {
	req    *prepared
	status int
	header http.Header
	body   []byte
	err    error
	notes  []string
	// truncated: the answer was longer than the suite reads.
	truncated bool
	rule      string    // the rule the request was judged for (set by judgeAnswer)
	of        *exchange // a cut copy's original (keepSeen): its rule is set there, later
}

// accepted reports a 2xx answer.
func (x *exchange) accepted() bool { return x.err == nil && x.status/100 == 2 }

// what describes the answer for a message: "200", "no answer (…)".
func (x *exchange) what() string {
	if x.err != nil {
		return "no answer (" + x.err.Error() + ")"
	}
	s := strconv.Itoa(x.status)
	if x.status/100 == 3 {
		s += " redirect to " + x.header.Get("Location")
	}
	return s
}

// doc decodes the answer's JSON body (nil when it is not JSON).
func (x *exchange) doc() any {
	d, err := strictjson.Decode(x.body)
	if err != nil {
		return nil
	}
	return d
}

// json reports whether the answer says it is application/json.
func (x *exchange) json() bool {
	mt, _, err := mime.ParseMediaType(x.header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// send prepares and sends pl; a request that cannot be prepared is an exchange
// with an error the caller reports as a skip.
func (s *session) send(pl *profile.Payload, o sendOpts) (*exchange, error) {
	pr, err := s.prepare(pl, o)
	if err != nil {
		return nil, err
	}
	return s.do(pr, o.allow429), nil
}

// do sends a prepared request. An unexpected 429 (the suite's pacing missed a
// limit of the receiver) is waited out, or cleared through inspection, and the
// request sent once more; the evidence says so.
func (s *session) do(pr *prepared, allow429 bool) *exchange {
	x := s.roundTrip(pr)
	if allow429 || x.err != nil || x.status != http.StatusTooManyRequests || s.ctx.Err() != nil {
		return x
	}
	wait := retryAfter(x.header)
	if s.inspection() && !s.c.stateful {
		if err := s.reset(); err == nil {
			wait = 0
		}
	}
	if s.ps.set.rate != nil {
		wait = min(wait, s.ps.set.rate.Window+time.Second)
	}
	wait = min(wait, time.Minute)
	if wait > 0 && s.pause(wait) != nil {
		return x
	}
	again := s.roundTrip(pr)
	again.notes = append(again.notes, fmt.Sprintf("the first attempt was answered 429 (rate limit the suite did not expect); sent again after %s", wait))
	return again
}

func retryAfter(h http.Header) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h.Get("Retry-After")); err == nil {
		return max(time.Until(t), 0)
	}
	return time.Second
}

// roundTrip sends pr once, paced per credential bucket.
func (s *session) roundTrip(pr *prepared) *exchange {
	x := &exchange{req: pr}
	if err := s.r.Lost(); err != nil {
		x.err = err
		return x
	}
	if s.ps.pace != nil {
		if !s.inspection() && !pr.unpaced {
			if err := s.waitRoom(pr.bucket, 1); err != nil {
				x.err = err
				return x
			}
		}
		s.ps.mu.Lock()
		s.ps.pace.add(pr.bucket, time.Now())
		s.ps.mu.Unlock()
	}
	req, err := pr.out.Request(s.ctx, pr.base)
	if err != nil {
		x.err = err
		return x
	}
	if s.r.session != "" {
		req.Header.Set(inspect.SessionHeader, s.r.session)
	}
	resp, err := s.r.hc.Do(req)
	if err != nil {
		x.err = err
		if s.ctx.Err() == nil {
			s.r.noteAnswer(err)
		}
		return x
	}
	defer resp.Body.Close() // unread rest: the connection is closed, never drained
	s.r.noteAnswer(nil)
	x.status, x.header = resp.StatusCode, resp.Header
	limit := int64(maxAnswer)
	if pr.unpaced {
		limit = maxBurstAnswer
	}
	x.body, x.err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if int64(len(x.body)) > limit {
		x.body, x.truncated = x.body[:limit], true
		x.notes = append(x.notes, fmt.Sprintf("answer longer than %d bytes: cut there, the rest never read", limit))
	}
	if x.err != nil {
		x.notes = append(x.notes, fmt.Sprintf("the answer's body broke off after %d bytes: %v", len(x.body), x.err))
		x.err = nil // the status came: it is the answer
	}
	s.mu.Lock()
	if x.status/100 == 3 && s.redirect == nil {
		s.redirect = x
	}
	if x.status/100 != 2 && x.status != http.StatusTooManyRequests && len(s.refused) < maxRefused {
		s.refused = append(s.refused, x)
	}
	s.mu.Unlock()
	s.keepSeen(x)
	return x
}

// judgedRule is the rule x was judged for, read through a cut copy to its
// original (judgeAnswer sets it on the original after the copy was kept).
func (x *exchange) judgedRule() string {
	if x.of != nil {
		return x.of.rule
	}
	return x.rule
}

// keepSeen keeps x for the response checks, its body cut once the answers
// kept reach maxSeenHeld (a burst of large answers never piles up).
func (s *session) keepSeen(x *exchange) {
	kept := x
	s.r.mu.Lock()
	if s.r.seenHeld+len(x.body) > maxSeenHeld && len(x.body) > maxEvidenceBody {
		c := *x
		c.body, c.truncated, c.of = x.body[:maxEvidenceBody], true, x
		kept = &c
	}
	s.r.seenHeld += len(kept.body)
	s.r.mu.Unlock()
	s.ps.mu.Lock()
	if len(s.ps.seen) < maxSeen {
		s.ps.seen = append(s.ps.seen, kept)
	}
	s.ps.mu.Unlock()
}

// SeenBytes is how many answer bytes the runner keeps for its response
// checks (bounded by maxSeenHeld plus maxSeen cut answers).
func (r *Runner) SeenBytes() int {
	n := 0
	for _, ps := range r.profiles {
		ps.mu.Lock()
		for _, x := range ps.seen {
			n += len(x.body)
		}
		ps.mu.Unlock()
	}
	return n
}

// seen returns the answers the profile gave so far.
func (s *session) seen() []*exchange {
	s.ps.mu.Lock()
	defer s.ps.mu.Unlock()
	return slices.Clone(s.ps.seen)
}

// evidence is the exchange with secrets redacted and a curl command repeating it.
func (x *exchange) evidence() *CertEvidence {
	pr := x.req
	red := func(s string) string {
		for _, sec := range pr.secrets {
			s = strings.ReplaceAll(s, sec, profile.Redact)
		}
		return s
	}
	ev := &CertEvidence{Request: CertRequest{Method: pr.method, URL: red(pr.url), Header: map[string]string{},
		BodyBytes: len(pr.body)}, Notes: append(slices.Clone(pr.notes), x.notes...)}
	names := slices.Sorted(maps.Keys(pr.header))
	env := map[string]string{}
	for _, k := range names {
		v := strings.Join(pr.header[k], ", ")
		if pr.credential(k, v) {
			ev.Request.Header[k] = profile.Redact
			env[k] = EnvVar(k)
			continue
		}
		ev.Request.Header[k] = red(v)
	}
	ev.Request.Body = red(cut(pr.body))
	if x.err != nil {
		ev.Response = &CertResponse{Error: red(x.err.Error()), Header: map[string]string{}}
	} else {
		ev.Response = &CertResponse{Status: x.status, Header: map[string]string{}, Body: red(cut(x.body)), BodyBytes: len(x.body), Truncated: x.truncated}
		for _, k := range []string{"Content-Type", "Location", "Retry-After", "X-S2S-Violations"} {
			if v := x.header.Get(k); v != "" {
				ev.Response.Header[k] = red(v)
			}
		}
	}
	ev.Curl = curl(ev, names, env, pr)
	if ev.Request.URL != pr.url {
		ev.Notes = append(ev.Notes, "the URL carries a credential (a query token), shown as "+profile.Redact+": put yours in its place to replay the curl command")
	}
	for _, k := range names {
		if e, ok := env[k]; ok {
			ev.Notes = append(ev.Notes, fmt.Sprintf("the curl command reads the %s header from $%s (the value your credentials give it)", k, e))
		}
	}
	if len(pr.body) > maxEvidenceBody {
		ev.Notes = append(ev.Notes, fmt.Sprintf("request body of %d bytes cut to %d in this evidence; the curl command reads it from body.json", len(pr.body), maxEvidenceBody))
	}
	return ev
}

func cut(b []byte) string {
	if len(b) > maxEvidenceBody {
		return string(b[:maxEvidenceBody]) + "…"
	}
	return string(b)
}

// credential reports whether header k with value v carries a secret: an API
// key or dev key, Basic credentials or a bearer token. A signature computed
// over the body (X-Signature) is not one: evidence shows it.
func (pr *prepared) credential(k, v string) bool {
	if !slices.ContainsFunc(pr.secret, func(s string) bool { return strings.EqualFold(s, k) }) {
		return false
	}
	low := strings.ToLower(strings.TrimSpace(v))
	if strings.HasPrefix(low, "basic ") || strings.HasPrefix(low, "bearer ") {
		return true
	}
	return slices.ContainsFunc(pr.secrets, func(sec string) bool { return strings.Contains(v, sec) })
}

// EnvVar is the environment variable a printed curl command reads a
// credential header from: S2S_ and the header name, e.g. S2S_X_API_KEY.
func EnvVar(header string) string {
	return "S2S_" + strings.ToUpper(strings.NewReplacer("-", "_", " ", "_").Replace(header))
}

// curl renders the request as a shell command; credential headers are read
// from environment variables (env), so the command replays as printed.
func curl(ev *CertEvidence, names []string, env map[string]string, pr *prepared) string {
	var b strings.Builder
	fmt.Fprintf(&b, "curl -sS -i -X %s %s", ev.Request.Method, shellQuote(ev.Request.URL))
	hasCT := false
	for _, k := range names {
		if strings.EqualFold(k, "Content-Type") {
			hasCT = true
		}
		if e, ok := env[k]; ok {
			fmt.Fprintf(&b, " \\\n  -H \"%s: $%s\"", k, e)
			continue
		}
		fmt.Fprintf(&b, " \\\n  -H %s", shellQuote(k+": "+ev.Request.Header[k]))
	}
	if len(pr.body) == 0 {
		return b.String()
	}
	if !hasCT {
		b.WriteString(" \\\n  -H 'Content-Type:'") // curl would add its own
	}
	if len(pr.body) > maxEvidenceBody {
		b.WriteString(" \\\n  --data-binary @body.json")
		return b.String()
	}
	fmt.Fprintf(&b, " \\\n  --data-binary %s", shellQuote(ev.Request.Body))
	return b.String()
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
