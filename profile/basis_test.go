package profile_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// seedText reads a seed document from its snapshot in testdata (copied from
// ../shared/seeds, which the tests never read).
func seedText(t *testing.T, name string) string {
	t.Helper()
	snap, err := os.ReadFile(filepath.Join("testdata", "seeds", name))
	if err != nil {
		t.Fatalf("seed snapshot: %v", err)
	}
	return string(snap)
}

// TestGroundsCiteTheSeed: every documented ground quotes sentences that are
// verbatim in its profile's seed, with a translation; every decided one says
// which decision it is; every grounding names a rule of the catalogue, a known
// kind, and (for cases and auth breaks) one that exists.
func TestGroundsCiteTheSeed(t *testing.T) {
	kinds := []string{profile.KindExample, profile.KindValid, profile.KindRequired, profile.KindEmpty, profile.KindType,
		profile.KindValue, profile.KindMalformed, profile.KindSize, profile.KindItems, profile.KindContentType,
		profile.KindCase, profile.KindAuth, profile.KindAtomic, profile.KindAlias, profile.KindRepeat, profile.KindTime,
		profile.KindBody, profile.KindMedia, profile.KindRedirect, profile.KindRate, profile.KindStatus, profile.KindCode, ""}
	for _, p := range builtin.All() {
		t.Run(p.Name, func(t *testing.T) {
			if len(p.Grounds) == 0 {
				t.Fatal("no grounds: every expectation would be decided")
			}
			text := seedText(t, p.Seed)
			var cases, breaks []string
			for _, c := range p.Cases {
				cases = append(cases, c.Name)
			}
			if p.Auth != nil {
				for _, b := range p.Auth.Breaks() {
					breaks = append(breaks, b.Name)
				}
			}
			check := func(where string, g profile.Ground) {
				switch g.Basis {
				case profile.Documented:
					if len(g.Cite) == 0 {
						t.Errorf("%s: documented without a citation", where)
					}
					for _, c := range g.Cite {
						if c.Seed != p.Seed {
							t.Errorf("%s: cites %s, not the profile's seed %s", where, c.Seed, p.Seed)
						}
						if c.Quote == "" || !strings.Contains(text, c.Quote) {
							t.Errorf("%s: quote %q is not in %s", where, c.Quote, p.Seed)
						}
						if c.English == "" {
							t.Errorf("%s: quote %q has no translation", where, c.Quote)
						}
					}
				case profile.Decided:
					if g.Why == "" || len(g.Cite) > 0 {
						t.Errorf("%s: a decided ground says why and cites nothing", where)
					}
				default:
					t.Errorf("%s: basis %q", where, g.Basis)
				}
			}
			for _, g := range p.Grounds {
				where := g.Rule + "/" + g.Kind + "/" + g.Field
				if _, ok := p.Rule(g.Rule); !ok {
					t.Errorf("%s: not in the catalogue", where)
				}
				if !slices.Contains(kinds, g.Kind) {
					t.Errorf("%s: unknown kind", where)
				}
				if g.Field != "" && g.Kind == profile.KindCase && !slices.Contains(cases, g.Field) {
					t.Errorf("%s: no case of that name", where)
				}
				if g.Field != "" && g.Kind == profile.KindAuth && !slices.Contains(breaks, g.Field) {
					t.Errorf("%s: no auth break of that name", where)
				}
				check(where, g.Ground)
			}
			for _, c := range p.Cases {
				if c.Ground.Basis != "" {
					check(c.Rule+"/case/"+c.Name, c.Ground)
				}
			}
		})
	}
}

func TestGroundOfPrefersTheMostSpecific(t *testing.T) {
	doc := profile.Doc("d", profile.Citation{Seed: "s", Quote: "q", English: "e"})
	p := &profile.Profile{Grounds: []profile.Grounding{
		{Rule: "R-1", Ground: profile.Dec("rule")},
		{Rule: "R-1", Kind: profile.KindRequired, Ground: doc},
		{Rule: "R-1", Kind: profile.KindRequired, Field: "events[].name", Ground: profile.Dec("field")},
	}}
	tests := []struct {
		kind, field, want string
	}{
		{profile.KindRequired, "events[3].name", "field"},
		{profile.KindRequired, "other", "d"},
		{profile.KindType, "x", "rule"},
	}
	for _, tt := range tests {
		if got := p.GroundOf("R-1", tt.kind, tt.field).Why; got != tt.want {
			t.Errorf("GroundOf(R-1, %s, %s) = %q, want %q", tt.kind, tt.field, got, tt.want)
		}
	}
	if g := p.GroundOf("R-2", profile.KindType, ""); g.Basis != profile.Decided || g.Documents() {
		t.Errorf("an ungrounded expectation must be decided, got %+v", g)
	}
	if p.DecidedRejection(profile.Violation{Rule: "R-1", Kind: profile.KindRequired}) {
		t.Error("a documented rejection is not decided")
	}
	if !p.DecidedRejection(profile.Violation{Rule: "R-1", Kind: profile.KindType}) {
		t.Error("a rule-level decided ground makes the rejection decided")
	}
}
