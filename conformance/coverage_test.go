package conformance_test

import (
	"testing"

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// TestEveryRuleHasACheck: every rule ID of every profile is judged by at least
// one derived check, so a rule can only go unchecked by an explicit skip at
// run time (with its reason), never by omission.
func TestEveryRuleHasACheck(t *testing.T) {
	for _, p := range builtin.All() {
		t.Run(p.Name, func(t *testing.T) {
			if len(p.Endpoints) == 0 {
				t.Skip("profile not defined yet")
			}
			checks := checksOf(t, p)
			for _, r := range p.Rules {
				n := 0
				for i := range checks {
					if checks[i].Judges(r.ID) {
						n++
					}
				}
				if n == 0 {
					t.Errorf("%s (%s): no check judges it", r.ID, r.Level)
				}
			}
			for i := range checks {
				for _, id := range checks[i].Rules {
					if _, ok := p.Rule(id); !ok {
						t.Errorf("check %q names %s, which is not in the catalogue", checks[i].Name, id)
					}
				}
			}
		})
	}
}

// TestMustRejectionsCite: every expectation of every check states its basis,
// and one that can fail a MUST rule (documented) cites the seed; the MUST
// rules none of whose checks can fail (their every expectation is decided)
// are logged: against those the suite can only warn.
func TestMustRejectionsCite(t *testing.T) {
	for _, p := range builtin.All() {
		checks := checksOf(t, p)
		documented := map[string]bool{}
		for _, c := range checks {
			if len(c.Grounds) == 0 {
				t.Errorf("%s: check %q states no basis", p.Name, c.Name)
			}
			for _, g := range c.Grounds {
				switch g.Ground.Basis {
				case profile.Documented:
					if !g.Ground.Documents() {
						t.Errorf("%s: check %q: documented on %s without a citation", p.Name, c.Name, g.Rule)
					}
					documented[g.Rule] = true
				case profile.Decided:
					if g.Ground.Why == "" {
						t.Errorf("%s: check %q: decided on %s without saying why", p.Name, c.Name, g.Rule)
					}
				default:
					t.Errorf("%s: check %q: no basis on %s", p.Name, c.Name, g.Rule)
				}
			}
		}
		for _, r := range p.Rules {
			if r.Level == profile.Must && !documented[r.ID] {
				t.Logf("%s %s (MUST): every check is decided; it can only warn", p.Name, r.ID)
			}
		}
	}
}
