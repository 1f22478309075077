package conformance_test

import (
	"testing"

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
