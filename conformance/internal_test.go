package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/profile/revosurge"
)

func TestPacerWait(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newPacer(4, time.Second) // capacity 3 (one kept in reserve), window 1s + margin
	win := p.window
	for i := range 3 {
		p.add("k", t0.Add(time.Duration(i)*100*time.Millisecond))
	}
	tests := []struct {
		name     string
		giveKey  string
		giveN    int
		giveAt   time.Time
		wantWait time.Duration
	}{
		{name: "full: wait for the oldest to leave", giveKey: "k", giveN: 1, giveAt: t0.Add(300 * time.Millisecond), wantWait: win - 300*time.Millisecond},
		{name: "two: wait for the two oldest", giveKey: "k", giveN: 2, giveAt: t0.Add(300 * time.Millisecond), wantWait: win - 200*time.Millisecond},
		{name: "more than the limit is capped", giveKey: "k", giveN: 99, giveAt: t0.Add(300 * time.Millisecond), wantWait: win - 100*time.Millisecond},
		{name: "another bucket is free", giveKey: "other", giveN: 3, giveAt: t0, wantWait: 0},
		{name: "after the window", giveKey: "k", giveN: 3, giveAt: t0.Add(win + 200*time.Millisecond), wantWait: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &pacer{limit: p.limit, window: p.window, sent: map[string][]time.Time{"k": append([]time.Time(nil), p.sent["k"]...)}}
			if got := q.wait(tt.giveKey, tt.giveN, tt.giveAt); got != tt.wantWait {
				t.Errorf("got wait %s, want %s", got, tt.wantWait)
			}
		})
	}
}

// answer builds an exchange as if the receiver had answered status with body.
func answer(status int, body string) *exchange {
	return &exchange{req: &prepared{method: "POST", url: "http://127.0.0.1/x", header: http.Header{}},
		status: status, header: http.Header{"Content-Type": {"application/json"}}, body: []byte(body)}
}

// cited is a documented ground for judge tests.
var cited = profile.Doc("test", profile.Citation{Seed: "s", Quote: "q", English: "e"})

func TestJudgeAnswer(t *testing.T) {
	p := revosurge.New()
	s := &session{p: p, ps: &pstate{p: p}}
	rule := func(id string) profile.Rule { r, _ := p.Rule(id); return r }
	noAnswer := &exchange{req: &prepared{header: http.Header{}}, err: errors.New("connection reset")}
	tests := []struct {
		name        string
		giveExpect  profile.Expect
		giveRule    string
		giveJudged  string // "" for giveRule
		giveDecided bool   // the expectation's ground is decided (else documented)
		giveAnswer  *exchange
		wantStatus  Status // of the judged rule's verdict
		wantReading string
		wantAlso    map[string]Status // other verdicts
	}{
		{name: "MUST rejected as documented", giveExpect: profile.Reject, giveRule: "RS-BODY-1", giveAnswer: answer(400, "{}"), wantStatus: Pass},
		{name: "MUST accepted", giveExpect: profile.Reject, giveRule: "RS-BODY-1", giveAnswer: answer(200, "{}"), wantStatus: Fail},
		{name: "MUST rejected with another status", giveExpect: profile.Reject, giveRule: "RS-BODY-1", giveAnswer: answer(422, "{}"),
			wantStatus: Fail, wantAlso: map[string]Status{"RS-RESP-1": ""}},
		{name: "decided MUST accepted only warns", giveExpect: profile.Reject, giveRule: "RS-BODY-1", giveDecided: true,
			giveAnswer: answer(200, "{}"), wantStatus: Warn},
		{name: "decided MUST answered 500 only warns", giveExpect: profile.Reject, giveRule: "RS-TYPE-1", giveDecided: true,
			giveAnswer: answer(500, "{}"), wantStatus: Warn},
		{name: "decided MUST rejected with another status only warns", giveExpect: profile.Reject, giveRule: "RS-BODY-1", giveDecided: true,
			giveAnswer: answer(422, "{}"), wantStatus: Warn},
		{name: "MUST answered 500", giveExpect: profile.Reject, giveRule: "RS-BODY-1", giveAnswer: answer(500, "{}"), wantStatus: Fail},
		{name: "MUST redirected", giveExpect: profile.Accept, giveRule: "RS-BODY-1", giveAnswer: answer(307, ""), wantStatus: Fail},
		{name: "no answer", giveExpect: profile.Accept, giveRule: "RS-BODY-1", giveAnswer: noAnswer, wantStatus: Fail},
		{name: "429 after waiting is not judged", giveExpect: profile.Reject, giveRule: "RS-BODY-1", giveAnswer: answer(429, "{}"), wantStatus: Skip},
		{name: "SHOULD strict rejection accepted warns", giveExpect: profile.RejectStrict, giveRule: "RS-IP-1", giveAnswer: answer(200, "{}"), wantStatus: Warn},
		{name: "SHOULD strict rejection rejected", giveExpect: profile.RejectStrict, giveRule: "RS-IP-1", giveAnswer: answer(400, "{}"), wantStatus: Pass},
		{name: "MUST strict-only accepted warns", giveExpect: profile.RejectStrict, giveRule: "RS-EXTRA-1", giveAnswer: answer(200, "{}"), wantStatus: Warn},
		{name: "AMBIGUOUS strict reading", giveExpect: profile.RejectStrict, giveRule: "RS-AMB-1", giveAnswer: answer(400, "{}"),
			wantStatus: Ambiguous, wantReading: ReadingStrict},
		{name: "AMBIGUOUS lenient reading", giveExpect: profile.RejectStrict, giveRule: "RS-AMB-1", giveAnswer: answer(200, "{}"),
			wantStatus: Ambiguous, wantReading: ReadingLenient},
		{name: "AMBIGUOUS accept case rejected is a reading", giveExpect: profile.Accept, giveRule: "RS-AMB-2", giveAnswer: answer(400, "{}"),
			wantStatus: Ambiguous, wantReading: ReadingRejects},
		{name: "Also: ambiguity judged, the rule passes", giveExpect: profile.RejectStrict, giveRule: "RS-BODY-1", giveJudged: "RS-AMB-1",
			giveAnswer: answer(400, "{}"), wantStatus: Ambiguous, wantReading: ReadingStrict, wantAlso: map[string]Status{"RS-BODY-1": Pass}},
		{name: "Also: lenient acceptance is no failure", giveExpect: profile.RejectStrict, giveRule: "RS-BODY-1", giveJudged: "RS-AMB-1",
			giveAnswer: answer(200, "{}"), wantStatus: Ambiguous, wantReading: ReadingLenient},
		{name: "accept case rejected", giveExpect: profile.Accept, giveRule: "RS-BODY-2", giveAnswer: answer(400, "{}"), wantStatus: Fail},
		{name: "decision rejected warns", giveExpect: profile.Accept, giveRule: "RS-DUP-1", giveAnswer: answer(400, "{}"), wantStatus: Warn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			judged := tt.giveJudged
			if judged == "" {
				judged = tt.giveRule
			}
			g := cited
			if tt.giveDecided {
				g = profile.Dec("a test decision")
			}
			vs := s.judgeAnswer(tt.giveAnswer, expectation{what: "case", expect: tt.giveExpect, rule: rule(tt.giveRule), judged: rule(judged),
				ground: g})
			got := map[string]Verdict{}
			for _, v := range vs {
				if prev, ok := got[v.Rule]; !ok || prev.Status == Pass {
					got[v.Rule] = v
				}
			}
			v, ok := got[judged]
			if !ok {
				t.Fatalf("no verdict on %s: %+v", judged, vs)
			}
			if v.Status != tt.wantStatus || v.Reading != tt.wantReading {
				t.Errorf("got %s %q, want %s %q: %s", v.Status, v.Reading, tt.wantStatus, tt.wantReading, v.Message)
			}
			if v.Status == Fail && !v.Ground.Documents() {
				t.Errorf("a failure without a citation: %+v", v)
			}
			for id, want := range tt.wantAlso {
				if got[id].Status != want {
					t.Errorf("%s: got %s, want %s (%+v)", id, got[id].Status, want, vs)
				}
			}
		})
	}
}

func TestJudgeRejectionCode(t *testing.T) {
	p := &profile.Profile{Name: "x", Rules: []profile.Rule{
		{ID: "X-AUTH-1", Level: profile.Must, Status: 401, Code: "INVALID_API_KEY"},
		{ID: "X-HDR-1", Level: profile.Should, Status: 400, Code: "INVALID_PARAMETER"},
		{ID: "X-RESP-1", Level: profile.Must},
		{ID: "X-BODY-1", Level: profile.Must, Status: 400, Code: "INVALID_PARAMETER"},
	}, Grounds: []profile.Grounding{
		{Rule: "X-AUTH-1", Ground: cited}, {Rule: "X-HDR-1", Ground: cited},
		{Rule: "X-BODY-1", Kind: profile.KindCode, Ground: profile.Dec("the code is ours")},
	}, Responses: profile.ResponseSpec{Rule: "X-RESP-1", Status: profile.Should, CodeField: "code",
		CodeAliases: map[string][]string{"INVALID_API_KEY": {"MISSING_REQUIRED_HEADER"}}}}
	s := &session{p: p, ps: &pstate{p: p}}
	rule := func(id string) profile.Rule { r, _ := p.Rule(id); return r }
	tests := []struct {
		name       string
		giveRule   string
		giveAnswer *exchange
		want       map[string]Status
	}{
		{name: "right code and status", giveRule: "X-AUTH-1", giveAnswer: answer(401, `{"code":"INVALID_API_KEY"}`),
			want: map[string]Status{"X-AUTH-1": Pass}},
		{name: "status is SHOULD", giveRule: "X-AUTH-1", giveAnswer: answer(400, `{"code":"INVALID_API_KEY"}`),
			want: map[string]Status{"X-AUTH-1": Warn, "X-RESP-1": ""}},
		{name: "code is MUST", giveRule: "X-AUTH-1", giveAnswer: answer(401, `{"code":"UNAUTHORIZED"}`),
			want: map[string]Status{"X-AUTH-1": Fail, "X-RESP-1": ""}},
		{name: "a decided code only warns", giveRule: "X-BODY-1", giveAnswer: answer(400, `{"code":"BAD"}`),
			want: map[string]Status{"X-BODY-1": Warn}},
		{name: "code of a SHOULD rule", giveRule: "X-HDR-1", giveAnswer: answer(400, `{"status":"error"}`),
			want: map[string]Status{"X-HDR-1": Warn, "X-RESP-1": ""}},
		{name: "the document's other code is a reading", giveRule: "X-AUTH-1", giveAnswer: answer(401, `{"code":"MISSING_REQUIRED_HEADER"}`),
			want: map[string]Status{"X-AUTH-1": Ambiguous, "X-RESP-1": ""}},
		{name: "not JSON", giveRule: "X-AUTH-1", giveAnswer: answer(401, `denied`),
			want: map[string]Status{"X-AUTH-1": Fail, "X-RESP-1": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rule(tt.giveRule)
			vs := s.judgeAnswer(tt.giveAnswer, expectation{what: "case", expect: profile.Reject, rule: r, judged: r, code: r.Code,
				ground: p.GroundOf(r.ID, profile.KindCase, "")})
			got := map[string]Status{}
			for _, v := range vs {
				got[v.Rule] = Worse(got[v.Rule], v.Status)
			}
			for id, want := range tt.want {
				if got[id] != want {
					t.Errorf("%s: got %s, want %s (%+v)", id, got[id], want, vs)
				}
			}
		})
	}
}

func TestEvidenceRedactsSecrets(t *testing.T) {
	pr := &prepared{method: "POST", url: "http://127.0.0.1:1/inappevent/app?k=sekret-key",
		header: http.Header{"X-API-KEY": {"sekret-key"}, "Authorization": {"Bearer eyJ.abc.def"}, "X-Other": {"it's sekret-key here"}},
		body:   []byte(`{"note":"sekret-key","q":"it's"}`), secret: []string{"Authorization"}, secrets: []string{"sekret-key"}}
	x := &exchange{req: pr, status: 401, header: http.Header{"Content-Type": {"application/json"}},
		body: []byte(`{"error":"unknown key sekret-key"}`)}
	ev := x.evidence()
	all := ev.Curl + ev.Request.URL + ev.Request.Body + ev.Response.Body
	for _, v := range ev.Request.Header {
		all += v
	}
	for _, leak := range []string{"sekret-key", "eyJ.abc.def"} {
		if strings.Contains(all, leak) {
			t.Errorf("evidence shows %q:\n%s", leak, ev.Curl)
		}
	}
	if ev.Request.Header["Authorization"] != profile.Redact {
		t.Errorf("Authorization: got %q, want %q", ev.Request.Header["Authorization"], profile.Redact)
	}
	if !strings.Contains(ev.Curl, `-H 'X-API-KEY: <redacted>'`) || !strings.Contains(ev.Curl, `-H 'X-Other: it'\''s <redacted> here'`) {
		t.Errorf("curl does not keep the header spelling or quote quotes:\n%s", ev.Curl)
	}
	if ev.Response.Status != 401 || !strings.Contains(ev.Response.Body, profile.Redact) {
		t.Errorf("response evidence: %+v", ev.Response)
	}
}

func TestCurlWithoutContentType(t *testing.T) {
	pr := &prepared{method: "POST", url: "http://127.0.0.1:1/x", header: http.Header{}, body: []byte("a=b")}
	ev := (&exchange{req: pr, status: 400, header: http.Header{}}).evidence()
	if !strings.Contains(ev.Curl, "-H 'Content-Type:'") {
		t.Errorf("curl would add its own Content-Type:\n%s", ev.Curl)
	}
	big := &prepared{method: "POST", url: "http://127.0.0.1:1/x", header: http.Header{"Content-Type": {"application/json"}},
		body: []byte(strings.Repeat("x", maxEvidenceBody+1))}
	ev = (&exchange{req: big, status: 400, header: http.Header{}}).evidence()
	if !strings.Contains(ev.Curl, "@body.json") || len(ev.Request.Body) > maxEvidenceBody+len("…") || ev.Request.BodyBytes != maxEvidenceBody+1 {
		t.Errorf("a large body must be cut and read from a file: %d bytes shown\n%s", len(ev.Request.Body), ev.Curl)
	}
}

// FuzzJudgeAnswer: whatever a receiver answers, every expectation gets at
// least one verdict of a known status, and judging never panics.
func FuzzJudgeAnswer(f *testing.F) {
	f.Add(400, []byte(`{"status":"error","code":"INVALID_API_KEY"}`), "application/json")
	f.Add(200, []byte(`{"status":"ok","idempotent":false}`), "application/json; charset=utf-8")
	f.Add(307, []byte(``), "")
	f.Add(429, []byte(`not json`), "text/plain")
	f.Add(-1, []byte("\xff"), "bad/;;")
	p := revosurge.New()
	p.Responses.CodeField = "code"
	s := &session{p: p, ps: &pstate{p: p}}
	known := map[Status]bool{Pass: true, Fail: true, Warn: true, Skip: true, Ambiguous: true}
	f.Fuzz(func(t *testing.T, status int, body []byte, ct string) {
		x := answer(status, string(body))
		x.header.Set("Content-Type", ct)
		for _, id := range []string{"RS-BODY-1", "RS-AMB-1", "RS-IP-1", "RS-DUP-1"} {
			r, _ := p.Rule(id)
			for _, e := range []profile.Expect{profile.Reject, profile.RejectStrict, profile.Accept, profile.AcceptDropped} {
				vs := s.judgeAnswer(x, expectation{what: "fuzz", expect: e, rule: r, judged: r, code: "X"})
				if len(vs) == 0 {
					t.Fatalf("no verdict for %s %s on %d", id, e, status)
				}
				for _, v := range vs {
					if !known[v.Status] || v.Rule == "" {
						t.Fatalf("verdict %+v", v)
					}
				}
			}
		}
		_ = sameAnswer(x, answer(status, "{}"), "code")
		_ = markers{first: map[string]string{"idempotent": "false"}}.mismatch(x, map[string]string{"idempotent": "false"})
	})
}

// TestPrepareRedactsCredentialHeaders: evidence redacts the credentials
// (keys, Basic, bearer tokens), even when a seed example already carries
// them, and the curl command reads them from environment variables; a
// signature computed over the body is shown as sent. The example's header
// spelling is kept.
func TestPrepareRedactsCredentialHeaders(t *testing.T) {
	for _, p := range builtin.All() {
		t.Run(p.Name, func(t *testing.T) {
			r, err := NewRunner(Target{URL: "http://127.0.0.1:1"}, []*profile.Profile{p})
			if err != nil {
				t.Fatal(err)
			}
			s := &session{ctx: context.Background(), r: r, ps: r.profiles[p.Name], p: p}
			gs, err := fixtures.LoadGolden(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range gs {
				pr, err := s.prepare(g.Payload, sendOpts{rehome: true})
				if err != nil {
					t.Fatalf("%s: %v", g.Name, err)
				}
				for k := range g.Payload.Header {
					if _, ok := pr.header[k]; !ok && http.CanonicalHeaderKey(k) != k {
						t.Errorf("%s: header %q not sent with its spelling: %v", g.Name, k, pr.header)
					}
				}
				ev := (&exchange{req: pr, status: 200, header: http.Header{}}).evidence()
				for _, sec := range p.Defaults.Secrets() {
					if sec != "" && (strings.Contains(ev.Curl, sec) || strings.Contains(fmt.Sprint(ev.Request.Header), sec)) {
						t.Errorf("%s: evidence shows the secret %q", g.Name, sec)
					}
				}
				for k, vs := range pr.header {
					v := vs[0]
					low := strings.ToLower(v)
					credential := strings.HasPrefix(low, "basic ") || strings.HasPrefix(low, "bearer ") ||
						slices.ContainsFunc(p.Defaults.Secrets(), func(sec string) bool { return sec != "" && strings.Contains(v, sec) })
					switch {
					case credential && ev.Request.Header[k] != profile.Redact:
						t.Errorf("%s: credential header %s shown: %q", g.Name, k, ev.Request.Header[k])
					case credential && !strings.Contains(ev.Curl, "$"+EnvVar(k)):
						t.Errorf("%s: the curl does not read %s from $%s:\n%s", g.Name, k, EnvVar(k), ev.Curl)
					case !credential && ev.Request.Header[k] != v:
						t.Errorf("%s: header %s (no secret) shown as %q, want %q", g.Name, k, ev.Request.Header[k], v)
					}
				}
			}
		})
	}
}

func TestWorse(t *testing.T) {
	tests := []struct {
		giveA, giveB Status
		want         Status
	}{
		{Pass, Fail, Fail},
		{Warn, Ambiguous, Warn},
		{Skip, Pass, Pass},
		{Ambiguous, Pass, Ambiguous},
		{"", Skip, Skip},
	}
	for _, tt := range tests {
		if got := Worse(tt.giveA, tt.giveB); got != tt.want {
			t.Errorf("Worse(%q, %q): got %q, want %q", tt.giveA, tt.giveB, got, tt.want)
		}
	}
}
