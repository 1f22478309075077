package reports

import (
	"testing"

	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// TestSeedTitleCitesEveryBasis: a citation is shown by the title of the
// document it quotes, whether a seed or a profile's own source, and a file
// no profile rests on as it is.
func TestSeedTitleCitesEveryBasis(t *testing.T) {
	for _, p := range builtin.All() {
		if got, want := seedTitle(p.SourceFile()), p.SeedName(); got != want || got == p.SourceFile() {
			t.Errorf("%s: %s cited as %q, want its title %q", p.Name, p.SourceFile(), got, want)
		}
	}
	if got := seedTitle("999_unknown.txt"); got != "999_unknown.txt" {
		t.Errorf("unknown file cited as %q", got)
	}
}
