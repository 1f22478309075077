package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/schemas"
)

// variantLine is one line of `s2s fixtures -invalid`: the payload with its label.
type variantLine struct {
	Rule   string   `json:"rule"`
	Code   string   `json:"code,omitempty"`
	Name   string   `json:"mutation"`
	Expect string   `json:"expect"`
	Origin string   `json:"origin"`
	Also   []string `json:"also,omitempty"`
	// Basis says whether a seed sentence requires the expected answer
	// (documented) or it is our reading (decided).
	Basis profile.Basis `json:"basis"`
	*profile.Payload
}

// goldenLine is one line of `s2s fixtures -golden`.
type goldenLine struct {
	Name   string   `json:"golden"`
	Source string   `json:"source,omitempty"`
	Note   string   `json:"note,omitempty"`
	Strict []string `json:"strict,omitempty"`
	Reject []string `json:"reject,omitempty"`
	*profile.Payload
}

func runFixtures(_ context.Context, env *Env, args []string) int {
	fs := flags(env, "fixtures", "-profile P [-event NAME] [-endpoint ID] [-n N] [-batch N] [-seed S] [-now TIME] [-invalid | -golden]")
	name := fs.String("profile", "", "profile: "+joinNames())
	event := fs.String("event", "", "only this event type (default: the profile's realistic mix)")
	endpoint := fs.String("endpoint", "", "send to this endpoint id (default: each event type's own)")
	n := fs.Int("n", 10, "how many payloads")
	batch := fs.Int("batch", 1, "events per payload on batch endpoints")
	seed := fs.Int64("seed", 1, "seed: the same seed gives the same bytes")
	now := fs.String("now", "", "reference time of the events, RFC 3339 (default "+fixtures.DefaultNow().Format(time.RFC3339)+")")
	invalid := fs.Bool("invalid", false, "print every labelled invalid variant instead (one rule each)")
	golden := fs.Bool("golden", false, "print the seed document's examples instead")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	p, code := lookup(env, "fixtures", *name)
	if code >= 0 {
		return code
	}
	if *n < 0 {
		return fail(env, "fixtures: -n %d: want ≥ 0", *n)
	}
	if *invalid && *golden {
		return fail(env, "fixtures: -invalid and -golden are exclusive")
	}
	o := fixtures.Options{Seed: *seed, Event: *event, Endpoint: *endpoint, BatchSize: *batch}
	if *now != "" {
		t, err := time.Parse(time.RFC3339Nano, *now)
		if err != nil {
			return fail(env, "fixtures: -now %q: want RFC 3339, e.g. 2026-05-03T01:00:00Z", *now)
		}
		o.Now = t
	}
	w := jsonLines{env: env, enc: json.NewEncoder(env.Stdout)}
	w.enc.SetEscapeHTML(false)
	switch {
	case *golden:
		return printGolden(w, p)
	case *invalid:
		return printVariants(w, p, o)
	}
	gen, err := fixtures.NewGenerator(p, o)
	if err != nil {
		return fail(env, "fixtures: %v", err)
	}
	for range *n {
		if !w.write(gen.Next()) {
			return ExitInternal
		}
	}
	return ExitOK
}

// jsonLines writes the payloads of `s2s fixtures`, one JSON line each.
type jsonLines struct {
	env *Env
	enc *json.Encoder
}

// write writes v; false (said on stderr) when it could not.
func (w jsonLines) write(v any) bool {
	if err := w.enc.Encode(v); err != nil {
		fmt.Fprintf(w.env.Stderr, "s2s: fixtures: %v\n", err)
		return false
	}
	return true
}

// printGolden is -golden: the seed document's examples.
func printGolden(w jsonLines, p *profile.Profile) int {
	gs, err := fixtures.LoadGolden(p)
	if err != nil {
		fmt.Fprintf(w.env.Stderr, "s2s: fixtures: %v\n", err)
		return ExitInternal
	}
	for _, g := range gs {
		if !w.write(goldenLine{Name: g.Name, Source: g.Source, Note: g.Note, Strict: g.Strict, Reject: g.Reject, Payload: g.Payload}) {
			return ExitInternal
		}
	}
	return ExitOK
}

// printVariants is -invalid: every labelled invalid variant (of -event's
// events only, when set), one rule each.
func printVariants(w jsonLines, p *profile.Profile, o fixtures.Options) int {
	set, err := schemas.Compile(p)
	if err != nil {
		fmt.Fprintf(w.env.Stderr, "s2s: fixtures: %v\n", err)
		return ExitInternal
	}
	vs, err := fixtures.Variants(p, set, o)
	if err != nil {
		fmt.Fprintf(w.env.Stderr, "s2s: fixtures: %v\n", err)
		return ExitInternal
	}
	for _, v := range vs {
		if o.Event != "" && v.Payload.Event != o.Event {
			continue
		}
		line := variantLine{Rule: v.Rule, Code: v.Code, Name: v.Name, Expect: v.Expect.String(), Origin: v.Origin, Basis: v.Ground.Basis,
			Also: v.Also, Payload: v.Payload}
		if !w.write(line) {
			return ExitInternal
		}
	}
	return ExitOK
}
