package conformance

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/readback"
)

// CertifyOptions choose what Certify runs and how it reports progress.
type CertifyOptions struct {
	Options
	// LabelFilter selects checks by label (Ginkgo label syntax over rule IDs,
	// levels, profile and area); "" runs every check.
	LabelFilter string
	// Tool names the program in the certificate ("s2s 0.1.0").
	Tool string
	// Progress, when set, is told before and after every check (the CLI shows
	// it while the suite paces itself to a receiver's rate limit).
	Progress func(Progress)
	// Diagnose: after the checks, try the profiles' probes (the usual other
	// signature schemes, time formats, header spellings) and say which ones
	// the receiver accepts (CertProfile.Diagnosis).
	Diagnose bool
	// OnError, when set, is told of a probe that could not run (the run goes on).
	OnError func(error)
	// Timeout, when positive, is the run's deadline: a run that reaches it
	// stops and its certificate is incomplete (never certified).
	Timeout time.Duration
}

// Progress is one step of a run: a check about to start (Result nil) or done.
type Progress struct {
	Index, Total int // 1-based position of the check among the selected ones
	Check        *Check
	Result       *Result // nil when the check is starting
	// Waiting > 0: the check is paused this much longer for Limit, a rate
	// limit it paces itself to (e.g. "RevoSurge's 60/min"); told every second.
	Waiting time.Duration
	Limit   string
}

// Certify derives every check of profiles, runs the selected ones against t
// in order (profile by profile; within one, the areas in run order, rate
// limits last) and returns the certificate of every result, in the manner of
// testing/fstest.TestFS: all checks run, all results are returned. An error
// means the run could not start (bad target, bad filter, a profile whose
// checks cannot be derived); a cancelled ctx ends the run early with the
// certificate of what ran (the caller tells by ctx.Err()).
func Certify(ctx context.Context, t Target, profiles []*profile.Profile, o CertifyOptions) (*Certificate, error) {
	started := time.Now()
	if o.Now.IsZero() {
		o.Now = started
	}
	r, selected, err := plan(t, profiles, o)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, o.Timeout, fmt.Errorf("timed out: the run deadline (-timeout %s) passed", o.Timeout))
		defer cancel()
	}
	ran := 0
	for i, c := range selected {
		if ctx.Err() != nil || r.Lost() != nil {
			break
		}
		if o.Progress != nil {
			o.Progress(Progress{Index: i + 1, Total: len(selected), Check: c})
			r.waiting = func(d time.Duration, limit string) {
				o.Progress(Progress{Index: i + 1, Total: len(selected), Check: c, Waiting: d, Limit: limit})
			}
		}
		res := r.Run(ctx, c)
		if ctx.Err() == nil && r.Lost() == nil {
			ran++
		}
		if o.Progress != nil {
			o.Progress(Progress{Index: i + 1, Total: len(selected), Check: c, Result: &res})
		}
	}
	diagnosis := map[string][]CertDiagnosis{}
	for _, p := range profiles {
		if !o.Diagnose || ctx.Err() != nil || r.Lost() != nil {
			break
		}
		d, err := r.Diagnose(ctx, p.Name, o.Options)
		if err != nil && ctx.Err() == nil && o.OnError != nil {
			o.OnError(err)
		}
		diagnosis[p.Name] = d
		r.attribute(p.Name)
	}
	var reason string
	switch {
	case ctx.Err() != nil:
		reason = stopReason(ctx)
	case r.Lost() != nil:
		reason = r.Lost().Error()
		r.unjudgeUnanswered()
	}
	cert := NewCertificate(RunInfo{Tool: o.Tool, Target: t.URL, Inspect: t.Inspect, Mode: r.Mode(), Started: started,
		Duration: time.Since(started), Seed: o.Seed, LabelFilter: o.LabelFilter, Internal: r.InternalErrors(),
		OutOfScope: r.OutOfScope(), Incomplete: reason, Selected: len(selected), Ran: ran},
		profiles, r.Results())
	for i := range cert.Profiles {
		cert.Profiles[i].Diagnosis = diagnosis[cert.Profiles[i].Name]
	}
	if t.Readback != nil {
		cert.Readback = readback.Kind(t.Readback)
	}
	return cert, nil
}

// stopReason says why ctx ended a run: interrupted, or the run deadline.
func stopReason(ctx context.Context) string {
	if c := context.Cause(ctx); c != nil && !errors.Is(c, context.Canceled) && !errors.Is(c, context.DeadlineExceeded) {
		return c.Error()
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "timed out: the run deadline passed"
	}
	return "interrupted"
}

// Plan returns the checks of profiles the label filter selects, in run order,
// without sending anything: a filter that selects none is a *NoMatchError.
func Plan(t Target, profiles []*profile.Profile, o CertifyOptions) ([]*Check, error) {
	_, selected, err := plan(t, profiles, o)
	return selected, err
}

func plan(t Target, profiles []*profile.Profile, o CertifyOptions) (*Runner, []*Check, error) {
	match, err := labelMatcher(o.LabelFilter)
	if err != nil {
		return nil, nil, err
	}
	r, err := NewRunner(t, profiles)
	if err != nil {
		return nil, nil, err
	}
	var selected []*Check
	labels := map[string]bool{}
	for _, p := range profiles {
		checks, err := Checks(r.Profile(p.Name), o.Options)
		if err != nil {
			return nil, nil, err
		}
		for i := range checks {
			for _, l := range checks[i].Labels() {
				labels[l] = true
			}
			if match(checks[i].Labels()) {
				selected = append(selected, &checks[i])
			}
		}
	}
	if len(selected) == 0 && strings.TrimSpace(o.LabelFilter) != "" {
		return nil, nil, &NoMatchError{Filter: o.LabelFilter, Nearest: nearestLabels(o.LabelFilter, labels)}
	}
	return r, selected, nil
}

// NoMatchError is a label filter that selects no check: a usage error.
type NoMatchError struct {
	Filter  string
	Nearest []string // the labels nearest to the filter's unknown ones
}

func (e *NoMatchError) Error() string {
	msg := fmt.Sprintf("label filter %q selects no check", e.Filter)
	if len(e.Nearest) > 0 {
		return msg + "; nearest labels: " + strings.Join(e.Nearest, ", ")
	}
	return msg + " (its labels exist; together they match none)"
}

// nearestLabels lists, for each word of filter that is no label, the three
// labels nearest to it by edit distance (case-insensitive).
func nearestLabels(filter string, labels map[string]bool) []string {
	known := map[string]bool{}
	for l := range labels {
		known[strings.ToLower(l)] = true
	}
	all := slices.Sorted(maps.Keys(labels))
	var out []string
	for _, w := range strings.FieldsFunc(filter, func(r rune) bool { return strings.ContainsRune("&|!(),", r) || unicode.IsSpace(r) }) {
		if known[strings.ToLower(w)] || strings.ContainsAny(w, "/:{}") {
			continue
		}
		ls := slices.Clone(all)
		lw := strings.ToLower(w)
		slices.SortStableFunc(ls, func(a, b string) int {
			return editDistance(lw, strings.ToLower(a)) - editDistance(lw, strings.ToLower(b))
		})
		for _, l := range ls[:min(3, len(ls))] {
			if !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}

// editDistance is the Levenshtein distance of a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ValidateLabelFilter reports whether expr is a valid label filter.
func ValidateLabelFilter(expr string) error {
	_, err := labelMatcher(expr)
	return err
}

// labelMatcher compiles a label filter (Ginkgo's syntax, case-insensitive).
func labelMatcher(expr string) (func([]string) bool, error) {
	if strings.TrimSpace(expr) == "" {
		return func([]string) bool { return true }, nil
	}
	f, err := types.ParseLabelFilter(expr)
	if err != nil {
		return nil, labelFilterError(expr, err)
	}
	return f, nil
}
