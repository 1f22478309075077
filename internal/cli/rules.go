package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/profile/sender"
)

// sourceJSON is a profile's own public basis (profile.Source).
type sourceJSON struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// ruleJSON is one line of `s2s rules -format json`.
type ruleJSON struct {
	ID      string `json:"id"`
	Level   string `json:"level"`
	Profile string `json:"profile"`
	Area    string `json:"area"`
	Enforce string `json:"enforce"`
	Status  int    `json:"status,omitempty"`
	Code    string `json:"code,omitempty"`
	Text    string `json:"text"`
	// Seed is the seed document the rule comes from; "" for a profile with
	// a Source of its own, which names the public documentation instead.
	Seed   string      `json:"seed,omitempty"`
	Source *sourceJSON `json:"source,omitempty"`
	// Checks are the conformance checks of the rule with the basis of what
	// each expects: documented (citations) or decided (why); none for the
	// sender rules, which `s2s verify` judges.
	Checks []checkJSON `json:"checks,omitempty"`
}

// checkJSON is one conformance check's basis on a rule.
type checkJSON struct {
	Name      string             `json:"name"`
	Area      string             `json:"area"`
	Basis     profile.Basis      `json:"basis"`
	Citations []profile.Citation `json:"citations,omitempty"`
	Why       string             `json:"why,omitempty"`
}

func runRules(_ context.Context, env *Env, args []string) int {
	fs := flags(env, "rules", "[-profile P] [-format text|json]")
	name := fs.String("profile", "", "only this profile, or "+sender.Name+" for the sender rules (default all: "+joinNames()+")")
	format := fs.String("format", "text", "text or json")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	var ps []*profile.Profile
	if *name != sender.Name {
		var err error
		if ps, err = builtin.Select(*name); err != nil {
			return fail(env, "rules: %v (or %s)", err, sender.Name)
		}
	}
	var rows []ruleJSON
	for _, p := range ps {
		var src *sourceJSON
		if p.Source != nil {
			src = &sourceJSON{Title: p.Source.Title, URL: p.Source.URL}
		}
		checks, err := conformance.Checks(p, conformance.Options{Seed: 1})
		if err != nil {
			fmt.Fprintf(env.Stderr, "s2s: rules: %v\n", err)
			return ExitInternal
		}
		for _, r := range p.Rules {
			enforce := r.Enforce
			if enforce == profile.AsCatalogued {
				enforce = profile.Always
			}
			row := ruleJSON{ID: r.ID, Level: string(r.Level), Profile: p.Name, Area: string(r.Area),
				Enforce: enforce.String(), Status: r.Status, Code: r.Code, Text: r.Text, Seed: p.Seed, Source: src, Checks: []checkJSON{}}
			for _, c := range checks {
				for _, g := range c.Grounds {
					if g.Rule == r.ID {
						row.Checks = append(row.Checks, checkJSON{Name: c.Name, Area: string(c.Area), Basis: g.Ground.Basis,
							Citations: g.Ground.Cite, Why: g.Ground.Why})
					}
				}
			}
			rows = append(rows, row)
		}
	}
	if *name == "" || *name == sender.Name {
		for _, r := range sender.Rules() {
			rows = append(rows, ruleJSON{ID: r.ID, Level: string(r.Level), Profile: sender.Name, Area: string(r.Area),
				Enforce: r.Enforce.String(), Text: r.Text, Seed: sender.Seed})
		}
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rows); err != nil {
			fmt.Fprintf(env.Stderr, "s2s: rules: %v\n", err)
			return ExitInternal
		}
	case "text":
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tLEVEL\tPROFILE\tAREA\tDOCUMENTED\tDECIDED\tRULE")
		for _, r := range rows {
			doc := 0
			for _, c := range r.Checks {
				if c.Basis == profile.Documented {
					doc++
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", r.ID, r.Level, r.Profile, r.Area, doc, len(r.Checks)-doc, r.Text)
		}
		tw.Flush()
	default:
		return fail(env, "rules: -format %q: want text or json", *format)
	}
	return ExitOK
}
