package affise_test

import (
	"testing"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/affise"
	"github.com/s2s-harness/s2s-harness/validate"
)

// FuzzQuery feeds arbitrary query strings to the decoder and the validator:
// they never panic, every finding names a catalogued rule in the query, and
// what is accepted carries a click id and the token.
func FuzzQuery(f *testing.F) {
	p := affise.New()
	golden, err := fixtures.LoadGolden(p)
	if err != nil {
		f.Fatal(err)
	}
	for _, g := range golden {
		o, err := g.Payload.Outgoing(&p.Endpoints[0])
		if err != nil {
			f.Fatal(err)
		}
		if err := p.Auth.Sign(o, p.Defaults, now); err != nil {
			f.Fatal(err)
		}
		f.Add(o.EncodedQuery())
	}
	f.Add("click_id=a&click_id=b")
	f.Add("clickid=%zz&secure=" + affise.TestToken)
	f.Add("click_id=" + click + ";status=1&secure=" + affise.TestToken)
	f.Add("=&&=x&secure")
	v, err := validate.New(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, mode := range profile.Modes() {
			r := received(p, &p.Endpoints[0], raw)
			res := v.Validate(r, mode, &p.Defaults, now)
			for _, vi := range res.Violations {
				if _, ok := p.Rule(vi.Rule); !ok || vi.In != profile.InQuery || vi.Message == "" {
					t.Fatalf("%s %q: got %+v, want a catalogued rule in the query", mode, raw, vi)
				}
			}
			if res.Rejected() {
				continue
			}
			doc, _ := res.Doc.(map[string]any)
			if s, _ := doc["click_id"].(string); s == "" {
				t.Fatalf("%s %q: accepted without a click id: %v", mode, raw, res.Doc)
			}
			if tok, _ := r.QueryValue(affise.TokenParam); tok != affise.TestToken {
				t.Fatalf("%s %q: accepted with token %q", mode, raw, tok)
			}
		}
	})
}
