package profile_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

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

// basisText is what p's citations quote: its own Source's snapshot, or its
// seed's snapshot in testdata.
func basisText(t *testing.T, p *profile.Profile) string {
	t.Helper()
	if p.Source == nil {
		return seedText(t, p.Seed)
	}
	b, err := p.SourceText()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBasisDeclared: a profile rests on exactly one basis, a seed document
// or a source of its own with a title, an address and a snapshot that names
// the address it was taken from, under a name no other profile cites.
func TestBasisDeclared(t *testing.T) {
	cited := map[string]string{} // document name → profile: citations name one basis
	for _, p := range builtin.All() {
		if other, ok := cited[p.SourceFile()]; ok && p.Source != nil {
			t.Errorf("%s and %s both cite %s: give the source snapshot a name of its own", other, p.Name, p.SourceFile())
		}
		cited[p.SourceFile()] = p.Name
		t.Run(p.Name, func(t *testing.T) {
			switch {
			case p.Source == nil && p.Seed == "":
				t.Fatal("no seed and no source")
			case p.Source != nil && p.Seed != "":
				t.Fatalf("both seed %s and source %q", p.Seed, p.Source.Title)
			case p.Source == nil:
				return
			}
			if p.Source.Title == "" || p.Source.URL == "" || p.Source.File == "" {
				t.Errorf("source %+v: want title, URL and file", *p.Source)
			}
			if text := basisText(t, p); !strings.Contains(text, p.Source.URL) {
				t.Errorf("snapshot %s does not name %s", p.Source.File, p.Source.URL)
			}
			if got := p.SeedName(); got != p.Source.Title {
				t.Errorf("cited as %q, want the source's title %q", got, p.Source.Title)
			}
		})
	}
}

func TestSourceText(t *testing.T) {
	own := &profile.Profile{Name: "acme", Source: &profile.Source{Title: "Acme docs", URL: "https://acme.example/pb",
		File: "source.md", Text: fstest.MapFS{"source.md": {Data: []byte("quoted")}}}}
	if b, err := own.SourceText(); err != nil || string(b) != "quoted" {
		t.Errorf("SourceText() = %q, %v; want quoted", b, err)
	}
	if own.SourceFile() != "source.md" || own.SeedName() != "Acme docs" {
		t.Errorf("SourceFile %q, SeedName %q", own.SourceFile(), own.SeedName())
	}
	seeded := &profile.Profile{Name: "s", Seed: "000_x.txt", SeedTitle: "S API"}
	if _, err := seeded.SourceText(); !errors.Is(err, profile.ErrNoSource) {
		t.Errorf("seed profile: err %v, want ErrNoSource", err)
	}
	if seeded.SourceFile() != "000_x.txt" || seeded.SeedName() != "S API (seed 000)" {
		t.Errorf("SourceFile %q, SeedName %q", seeded.SourceFile(), seeded.SeedName())
	}
	missing := &profile.Profile{Name: "m", Source: &profile.Source{Title: "M", File: "gone.md", Text: fstest.MapFS{}}}
	if _, err := missing.SourceText(); err == nil {
		t.Error("a missing snapshot must be an error")
	}
}

// TestGroundsCiteTheSeed: every documented ground quotes sentences that are
// verbatim in its profile's basis (seed or own source), with a translation;
// every decided one says which decision it is; every grounding names a rule
// of the catalogue, a known kind, and (for cases and auth breaks) one that
// exists.
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
			text, doc := basisText(t, p), p.SourceFile()
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
						if c.Seed != doc {
							t.Errorf("%s: cites %s, not the profile's basis %s", where, c.Seed, doc)
						}
						if c.Quote == "" || !strings.Contains(text, c.Quote) {
							t.Errorf("%s: quote %q is not in %s", where, c.Quote, doc)
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
