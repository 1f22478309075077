package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/profile/sender"
)

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
	Seed    string `json:"seed"`
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
		for _, r := range p.Rules {
			enforce := r.Enforce
			if enforce == profile.AsCatalogued {
				enforce = profile.Always
			}
			rows = append(rows, ruleJSON{ID: r.ID, Level: string(r.Level), Profile: p.Name, Area: string(r.Area),
				Enforce: enforce.String(), Status: r.Status, Code: r.Code, Text: r.Text, Seed: p.Seed})
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
		fmt.Fprintln(tw, "ID\tLEVEL\tPROFILE\tAREA\tRULE")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Level, r.Profile, r.Area, r.Text)
		}
		tw.Flush()
	default:
		return fail(env, "rules: -format %q: want text or json", *format)
	}
	return ExitOK
}
