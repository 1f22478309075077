package profile

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
)

// Basis says why a conforming receiver must answer an expectation the way a
// check expects: only a documented expectation can fail a MUST rule.
type Basis string

// The bases.
const (
	// Documented: a sentence of the profile's basis (its seed document, or
	// its own Source) requires this answer.
	Documented Basis = "documented"
	// Decided: our reading (a SPECS.md decision or a strict-mode choice); a
	// receiver that answers otherwise gets a warning or an ambiguous reading.
	Decided Basis = "decided"
)

// Citation is one sentence of a profile's basis: quoted verbatim in the
// original language, with our English translation (or reading).
type Citation struct {
	// Seed names the document quoted: a file name in seeds/, or the File of
	// the citing profile's own Source.
	Seed    string `json:"seed"`
	Quote   string `json:"quote"`   // verbatim, a substring of the document
	English string `json:"english"` // our translation, or our English reading
}

// Ground is the basis of one expectation: documented with its citations, or
// decided with the decision behind it.
type Ground struct {
	Basis Basis      `json:"basis"`
	Cite  []Citation `json:"citations,omitempty"`
	// Why says how the sentences apply (documented) or which decision or
	// reading it is (decided).
	Why string `json:"why,omitempty"`
}

// Documents reports whether the ground is documented and cites a sentence.
func (g Ground) Documents() bool { return g.Basis == Documented && len(g.Cite) > 0 }

// Doc is a documented ground.
func Doc(why string, cs ...Citation) Ground { return Ground{Basis: Documented, Cite: cs, Why: why} }

// Dec is a decided ground.
func Dec(why string) Ground { return Ground{Basis: Decided, Why: why} }

// Uncited is the ground of an expectation no profile entry grounds: decided,
// so it can never fail a MUST rule.
func Uncited() Ground {
	return Ground{Basis: Decided, Why: "no seed sentence is cited for this expectation"}
}

// Kinds of expectation a ground is looked up by (Grounding.Kind).
const (
	KindExample     = "example"      // a seed example is accepted (or rejected)
	KindValid       = "valid"        // a generated valid event is accepted
	KindRequired    = "required"     // a required member dropped is rejected
	KindEmpty       = "empty"        // a member (or batch) emptied is rejected
	KindType        = "type"         // a member of another JSON type is rejected
	KindValue       = "value"        // a value out of range, format or set is rejected
	KindMalformed   = "malformed"    // a body that is not one JSON value; Field: truncated, form, comment, trailing-comma, duplicate-key
	KindSize        = "size"         // a body over the size limit is rejected
	KindItems       = "items"        // too many events in one request are rejected
	KindContentType = "content-type" // a body sent as another media type is rejected
	KindCase        = "case"         // a hand-written case; Field: its name
	KindAuth        = "auth"         // an auth break; Field: its name
	KindAtomic      = "atomic"       // a batch with a bad item is rejected whole and nothing recorded
	KindAlias       = "alias"        // an endpoint answers as the one it mirrors
	KindRepeat      = "repeat"       // what a repeated event does; Field: first, replay, concurrent, conflict, recorded, duplicate, probable
	KindTime        = "time"         // the recorded time of an event
	KindBody        = "body"         // the documented response bodies (Field: success or error)
	KindMedia       = "media"        // answers carry Content-Type application/json
	KindRedirect    = "redirect"     // answers are never redirects
	KindRate        = "rate"         // the rate limit (Field: limit or isolation)
	KindStatus      = "status"       // the exact HTTP status of a rejection
	KindCode        = "code"         // the documented error code of a rejection
	KindDrop        = "drop"         // an accepted request is not recorded
)

// The ways a body fails to be one well-formed JSON value: the Field of a
// KindMalformed grounding.
const (
	MalformedTruncated    = "truncated"      // not JSON at all, or cut short
	MalformedForm         = "form"           // another encoding (form fields)
	MalformedComment      = "comment"        // JSON with // or /* */ comments
	MalformedTrailing     = "trailing-comma" // JSON with a comma before } or ]
	MalformedDuplicateKey = "duplicate-key"  // an object naming a member twice
)

// Grounding grounds the expectations of one rule, kind and field. Field ""
// matches any field of the kind; Kind "" matches any kind of the rule.
type Grounding struct {
	Rule, Kind, Field string
	Ground            Ground
}

// GroundOf returns the ground of an expectation on rule of kind at field:
// the most specific grounding (rule, kind and field; then rule and kind; then
// the rule alone), else Uncited. Batch indexes in field are ignored
// ("events[2].name" matches "events[].name").
func (p *Profile) GroundOf(rule, kind, field string) Ground {
	g, _ := p.Grounded(rule, kind, field)
	return g
}

// Grounded is GroundOf, and whether a grounding covers the expectation at all.
func (p *Profile) Grounded(rule, kind, field string) (Ground, bool) {
	field = index.ReplaceAllString(field, "[]")
	best, score := Uncited(), 0
	for _, g := range p.Grounds {
		if g.Rule != rule {
			continue
		}
		s := 1
		switch {
		case g.Kind == kind && g.Field == field:
			s = 3
		case g.Kind == kind && g.Field == "":
			s = 2
		case g.Kind != "":
			continue
		}
		if s > score {
			best, score = g.Ground, s
		}
	}
	return best, score > 0
}

// DecidedRejection reports whether v is a rejection the profile grounds as
// decided (permissive mode accepts it).
func (p *Profile) DecidedRejection(v Violation) bool {
	key := v.Key
	if key == "" {
		key = v.Field
	}
	g, ok := p.Grounded(v.Rule, v.Kind, key)
	return ok && g.Basis == Decided
}

var index = regexp.MustCompile(`\[\d+\]`)

// Cite returns a citation constructor for one seed file.
func Cite(seed string) func(quote, english string) Citation {
	return func(quote, english string) Citation {
		return Citation{Seed: seed, Quote: quote, English: strings.TrimSpace(english)}
	}
}

// SeedName is how people see a seed document cited: its title and number,
// "RevoSurge server events API (seed 000)"; the file name alone without a title.
func SeedName(title, file string) string {
	num, _, ok := strings.Cut(file, "_")
	if title == "" {
		return file
	}
	if !ok || num == "" {
		return title
	}
	return title + " (seed " + num + ")"
}

// SeedName is the profile's basis as people see it cited: its seed
// document's title and number, or its own Source's title.
func (p *Profile) SeedName() string {
	if p.Source != nil {
		return p.Source.Title
	}
	return SeedName(p.SeedTitle, p.Seed)
}

// Source is a profile's own public basis, for an API no seed document
// describes: the vendor's published documentation, kept in the profile's
// folder as a short snapshot of the sentences its grounds cite (with the
// page's address), so that citations are checked against it as a seed
// profile's are against its seed.
type Source struct {
	Title string // what reports cite it by, e.g. "Acme Help Center: postback parameters"
	URL   string // where the documentation is published
	File  string // the snapshot's name in Text; what citations name (Citation.Seed)
	Text  fs.FS  // holds File
}

// ErrNoSource is returned by SourceText for a profile resting on a seed.
var ErrNoSource = errors.New("the profile rests on a seed document, not a source of its own")

// SourceFile names the document p's citations quote: its own Source's
// File, else its seed's file name.
func (p *Profile) SourceFile() string {
	if p.Source != nil {
		return p.Source.File
	}
	return p.Seed
}

// SourceText reads the snapshot of p's own Source. A seed profile has none
// here (ErrNoSource): seeds are outside the profile.
func (p *Profile) SourceText() ([]byte, error) {
	if p.Source == nil {
		return nil, ErrNoSource
	}
	if p.Source.Text == nil || p.Source.File == "" {
		return nil, fmt.Errorf("profile %s: source %q has no snapshot", p.Name, p.Source.Title)
	}
	b, err := fs.ReadFile(p.Source.Text, p.Source.File)
	if err != nil {
		return nil, fmt.Errorf("profile %s: source snapshot: %w", p.Name, err)
	}
	return b, nil
}
