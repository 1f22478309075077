package validate_test

import (
	"slices"
	"testing"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/validate"
)

// TestDecodingIsShared: a request caches its decoding for authentication and
// validation, so no profile hook may change the document. Validating one request
// lenient then strict must give what a fresh request gives in strict mode.
func TestDecodingIsShared(t *testing.T) {
	t.Parallel()
	for _, p := range builtin.All() {
		t.Run(p.Name, func(t *testing.T) {
			v, err := validate.New(p)
			if err != nil {
				t.Fatal(err)
			}
			variants, err := fixtures.Variants(p, v.Schemas(), fixtures.Options{Seed: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, vr := range variants {
				shared, err := fixtures.Request(p, vr.Payload, fixtures.DefaultNow())
				if err != nil {
					t.Fatal(err)
				}
				fresh, _ := fixtures.Request(p, vr.Payload, fixtures.DefaultNow())
				v.Body(shared, profile.Lenient)
				again := v.Body(shared, profile.Strict)
				want := v.Body(fresh, profile.Strict)
				if !slices.Equal(again.Rules(), want.Rules()) || again.Rejected() != want.Rejected() {
					t.Errorf("%s %q: strict after lenient on one request = %v (rejected %v), fresh = %v (rejected %v)",
						vr.Rule, vr.Name, again.Rules(), again.Rejected(), want.Rules(), want.Rejected())
				}
			}
		})
	}
}
