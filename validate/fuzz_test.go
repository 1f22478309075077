package validate_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/schemas"
	"github.com/s2s-harness/s2s-harness/validate"
)

type fuzzTarget struct {
	p *profile.Profile
	v *validate.Validator
}

func fuzzTargets(f *testing.F) []fuzzTarget {
	var ts []fuzzTarget
	for _, p := range builtin.All() {
		v, err := validate.New(p)
		if err != nil {
			continue // TestEveryProfileCompiles reports it
		}
		ts = append(ts, fuzzTarget{p, v})
	}
	if len(ts) == 0 {
		f.Fatal("no profile compiles")
	}
	return ts
}

// headerBlob renders headers as "Name: value" lines, the fuzzer's header input.
func headerBlob(h map[string]string) string {
	var b strings.Builder
	for k, v := range h {
		b.WriteString(k + ": " + v + "\n")
	}
	return b.String()
}

func parseHeaders(blob string) http.Header {
	h := http.Header{}
	for _, line := range strings.Split(blob, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	return h
}

// FuzzValidate feeds arbitrary bodies and headers to the validator of every
// profile (chosen by which), with the profile's default credentials so the
// authentication path is fuzzed too. It must never panic and must always give a
// well-formed verdict: every violation catalogued, placed, explained and with a
// rejection status. The seed corpus is every fixture of every profile.
func FuzzValidate(f *testing.F) {
	ts := fuzzTargets(f)
	for i, t := range ts {
		set, _ := schemas.Compile(t.p)
		var payloads []*profile.Payload
		if gs, err := fixtures.LoadGolden(t.p); err == nil {
			for _, g := range gs {
				payloads = append(payloads, g.Payload)
			}
		}
		if vs, err := fixtures.Variants(t.p, set, fixtures.Options{Seed: 5}); err == nil {
			for _, v := range vs {
				payloads = append(payloads, v.Payload)
			}
		}
		for _, pl := range payloads {
			body, err := pl.Bytes()
			if err != nil {
				continue
			}
			ep := 0
			for j, e := range t.p.Endpoints {
				if e.ID == pl.Endpoint {
					ep = j
				}
			}
			f.Add(body, uint8(i), uint8(ep), headerBlob(pl.Header))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, which, endpoint uint8, headers string) {
		tg := ts[int(which)%len(ts)]
		if len(tg.p.Endpoints) == 0 {
			return
		}
		e := &tg.p.Endpoints[int(endpoint)%len(tg.p.Endpoints)]
		req := &profile.Request{Endpoint: e, Header: parseHeaders(headers), Body: body,
			PathValues: map[string]string{"app_id": "id123456789"}, Received: fixtures.DefaultNow()}
		creds := tg.p.Defaults
		for _, mode := range []profile.Mode{profile.Strict, profile.Lenient} {
			res := tg.v.Validate(req, mode, &creds, fixtures.DefaultNow())
			for _, v := range res.Violations {
				if _, ok := tg.p.Rule(v.Rule); !ok {
					t.Fatalf("%s: violation of uncatalogued rule %q: %v", tg.p.Name, v.Rule, v)
				}
				if v.Message == "" || v.In == "" || v.Level == "" {
					t.Fatalf("%s: incomplete violation %+v", tg.p.Name, v)
				}
				if v.Reject && (v.Status < 400 || v.Status > 499) {
					t.Fatalf("%s: rejecting violation with status %d: %v", tg.p.Name, v.Status, v)
				}
			}
			if res.Rejected() && res.Status() == 0 {
				t.Fatalf("%s: rejected without a status: %v", tg.p.Name, res.Violations)
			}
		}
	})
}

// TestEveryProfileCompiles: each registered profile's schemas compile and its
// rule catalogue is well-formed (unique IDs, a level, an area, text), and it
// names its basis (a seed document or a source of its own).
func TestEveryProfileCompiles(t *testing.T) {
	t.Parallel()
	levels := map[profile.Level]bool{profile.Must: true, profile.Should: true, profile.Ambiguous: true, profile.Decision: true}
	for _, p := range builtin.All() {
		t.Run(p.Name, func(t *testing.T) {
			if _, err := validate.New(p); err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, r := range p.Rules {
				if seen[r.ID] {
					t.Errorf("%s listed twice", r.ID)
				}
				seen[r.ID] = true
				if !levels[r.Level] || r.Area == "" || r.Text == "" {
					t.Errorf("%s: incomplete rule %+v", r.ID, r)
				}
			}
			if p.SourceFile() == "" {
				t.Error("no seed document and no source of its own")
			}
			if f := p.Responses.ReplayField; f != "" {
				// The flag the load engine and conformance read must be the one
				// Success renders: false on a first delivery, true on a replay.
				for _, replay := range []bool{false, true} {
					_, body := p.Success(profile.Outcome{Accepted: 1, Replay: replay, Seq: 1})
					b, _ := json.Marshal(body)
					doc, _ := strictjson.Decode(b)
					if got, ok := p.Responses.Replay(doc); !ok || got != replay {
						t.Errorf("Success(Replay=%v) renders %s; ReplayField %q reads %v, %v", replay, b, f, got, ok)
					}
				}
			}
			if p.MalformedRule == "" || !seen[p.MalformedRule] {
				t.Errorf("MalformedRule %q is not in the catalogue", p.MalformedRule)
			}
		})
	}
}
