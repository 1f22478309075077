package conformance

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// RunInfo describes a run for its certificate.
type RunInfo struct {
	Tool        string // "s2s 0.1.0"
	Target      string
	Inspect     string
	Mode        string // as the receiver reports it; "" to infer from the readings
	Started     time.Time
	Duration    time.Duration
	Seed        int64
	LabelFilter string
	Internal    []string // the suite's own errors
	// OutOfScope holds, per profile, the areas the target config declares
	// out of scope and why (Runner.OutOfScope).
	OutOfScope map[string]map[string]string
	// Incomplete says why the run stopped before every selected check ran
	// ("" when it completed); Selected and Ran count the checks (both 0:
	// every result counts as selected and run).
	Incomplete    string
	Selected, Ran int
}

// NewCertificate assembles the verdict on every rule of profiles from results:
// a rule takes the worst status of the checks that judged it; a rule no check
// judged is skipped with the reason.
func NewCertificate(info RunInfo, profiles []*profile.Profile, results []Result) *Certificate {
	c := &Certificate{Schema: CertificateSchema, Tool: info.Tool, Target: info.Target, Inspect: info.Inspect,
		Mode: info.Mode, Started: info.Started.UTC(), DurationMS: info.Duration.Milliseconds(), Seed: info.Seed,
		LabelFilter: info.LabelFilter, Certified: true, InternalErrors: info.Internal,
		Complete: info.Incomplete == "", Reason: info.Incomplete, ChecksSelected: info.Selected, ChecksRun: info.Ran,
		Coverage: []CertCover{}}
	if info.Selected == 0 && info.Ran == 0 {
		c.ChecksSelected, c.ChecksRun = len(results), len(results)
	}
	if c.Mode == "" {
		c.Mode = inferMode(results)
	}
	for _, name := range slices.Sorted(maps.Keys(info.OutOfScope)) {
		for _, a := range slices.Sorted(maps.Keys(info.OutOfScope[name])) {
			c.Scope = append(c.Scope, fmt.Sprintf("%s: %s out of scope (%s)", name, a, info.OutOfScope[name][a]))
		}
	}
	for _, p := range profiles {
		cp := CertProfile{Name: p.Name, Title: p.Title, Certified: true}
		var mine []Result
		for _, r := range results {
			if r.Check != nil && r.Check.Profile == p.Name {
				mine = append(mine, r)
			}
		}
		cp.Checks = len(mine)
		for _, rule := range p.Rules {
			cr := certRule(rule, mine, info.LabelFilter)
			if why := info.OutOfScope[p.Name][string(rule.Area)]; why != "" && (cr.Status == Skip || cr.Status == NotApplicable) {
				cr.Status, cr.Message = NotApplicable, fmt.Sprintf("not applicable: the target config declares %s out of scope (%s)", rule.Area, why)
			}
			cp.Counts.Add(cr.Status)
			c.Counts.Add(cr.Status)
			if cr.Status == Fail {
				cp.Certified, c.Certified = false, false
			}
			cp.Rules = append(cp.Rules, cr)
			if rule.Level == profile.Must && cr.Status != NotApplicable {
				c.cover(p.Name, cr)
			}
		}
		c.Profiles = append(c.Profiles, cp)
	}
	c.Partial = len(c.Scope) > 0 || len(c.Uncovered) > 0
	if !c.Complete {
		c.Certified = false
		for i := range c.Profiles {
			c.Profiles[i].Certified = false // no profile is certified by a run that stopped
		}
	}
	return c
}

// cover records which checks judged a MUST rule in scope; a rule none
// judged is a gap, with the reason its checks give (or that none ran).
func (c *Certificate) cover(profileName string, cr CertRule) {
	cv := CertCover{Profile: profileName, Rule: cr.ID, Checks: []string{}}
	for _, ch := range cr.Checks {
		if ch.Status != Skip && ch.Status != NotApplicable && !slices.Contains(cv.Checks, ch.Name) {
			cv.Checks = append(cv.Checks, ch.Name)
		}
	}
	c.Coverage = append(c.Coverage, cv)
	if len(cv.Checks) > 0 {
		// Covered, but a documented check of it that could not run (the
		// inspection API refused, a read-back failed) leaves part of the rule
		// unjudged: the certificate says so rather than let the other checks
		// stand for it. A check blocked by another rule is judged there.
		for _, ch := range cr.Checks {
			if ch.Status == Skip && ch.BlockedBy == "" && ch.Basis == profile.Documented && c.Complete {
				c.Uncovered = append(c.Uncovered, CertGap{Profile: profileName, Rule: cr.ID,
					Reason: fmt.Sprintf("its check %q did not run: %s", ch.Name, ch.Message)})
				return
			}
		}
		return
	}
	why := cr.Message
	if !c.Complete && len(cr.Checks) == 0 {
		why = "not reached: the run stopped (" + c.Reason + ")"
	}
	c.Uncovered = append(c.Uncovered, CertGap{Profile: profileName, Rule: cr.ID, Reason: why})
}

func certRule(rule profile.Rule, results []Result, filter string) CertRule {
	cr := CertRule{ID: rule.ID, Level: string(rule.Level), Area: string(rule.Area), Text: rule.Text,
		Status: Skip, Checks: []CertCheck{}}
	var decided *Verdict
	var readings []string
	for _, res := range results {
		// One check counts once per rule: its worst verdict on it, so a check
		// name never shows as both pass and fail.
		var worst *Verdict
		for i := range res.Verdicts {
			v := &res.Verdicts[i]
			if v.Rule != rule.ID {
				continue
			}
			if v.Reading != "" && !slices.Contains(readings, v.Reading) {
				readings = append(readings, v.Reading)
			}
			if worst == nil || Worse(worst.Status, v.Status) != worst.Status {
				worst = v
			}
		}
		if worst == nil {
			continue
		}
		v := worst
		cc := CertCheck{Name: res.Check.Name, Area: string(res.Check.Area), Status: v.Status, Reading: v.Reading,
			Basis: v.Ground.Basis, Citations: v.Ground.Cite, Why: v.Ground.Why, Want: v.Want, Got: v.Got,
			Message: v.Message, BlockedBy: v.BlockedBy, DurationMS: float64(res.Duration.Microseconds()) / 1000}
		if v.Status == Fail || v.Status == Warn || v.Status == Ambiguous {
			cc.Evidence = v.Evidence
		}
		cr.Checks = append(cr.Checks, cc)
		if decided == nil || Worse(decided.Status, v.Status) != decided.Status {
			decided = v
		}
	}
	switch {
	case decided != nil:
		cr.Status, cr.Message, cr.Evidence = decided.Status, decided.Message, decided.Evidence
		if n := len(cr.Checks); n > 1 {
			cr.Message = fmt.Sprintf("%s (%s)", cr.Message, tally(cr.Checks))
		}
	case filter != "":
		cr.Message = "no check of this rule was selected by the label filter"
	default:
		cr.Message = "no check of this rule ran"
	}
	if rule.Level == profile.Ambiguous {
		cr.Reading = reading(readings)
	}
	return cr
}

// reading summarizes the readings of an AMBIGUOUS rule's checks: the mode
// it reads the rule in when its checks tell one, else what it did; a
// rejection of what both modes accept is always said.
func reading(rs []string) string {
	strict, lenient := slices.Contains(rs, ReadingStrict), slices.Contains(rs, ReadingLenient)
	var out string
	switch {
	case strict && lenient:
		out = "mixed (" + ReadingStrict + " and " + ReadingLenient + ")"
	case strict:
		out = ReadingStrict
	case lenient:
		out = ReadingLenient
	default:
		return strings.Join(rs, ", ")
	}
	if slices.Contains(rs, ReadingRejects) {
		out += ", " + ReadingRejects + " what both modes accept"
	}
	return out
}

// tally counts checks by status: "3 checks: 2 pass, 1 warn".
func tally(cs []CertCheck) string {
	var n CertCounts
	for _, c := range cs {
		n.Add(c.Status)
	}
	var parts []string
	for _, s := range Statuses() {
		if k := n.Of(s); k > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", k, s))
		}
	}
	return fmt.Sprintf("%d checks: %s", len(cs), strings.Join(parts, ", "))
}

// inferMode tells the mode a receiver runs in from how it read the ambiguous
// rules: strict, lenient, mixed or unknown.
func inferMode(results []Result) string {
	strict, lenient := false, false
	for _, r := range results {
		for _, v := range r.Verdicts {
			strict = strict || v.Reading == ReadingStrict
			lenient = lenient || v.Reading == ReadingLenient
		}
	}
	switch {
	case strict && lenient:
		return "mixed"
	case strict:
		return "strict"
	case lenient:
		return "lenient"
	}
	return "unknown"
}
