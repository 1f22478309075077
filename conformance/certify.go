package conformance

import (
	"context"
	"strings"
	"time"

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
	match, err := labelMatcher(o.LabelFilter)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	if o.Now.IsZero() {
		o.Now = started
	}
	r, err := NewRunner(t, profiles)
	if err != nil {
		return nil, err
	}
	var selected []*Check
	for _, p := range profiles {
		checks, err := Checks(r.Profile(p.Name), o.Options)
		if err != nil {
			return nil, err
		}
		for i := range checks {
			if match(checks[i].Labels()) {
				selected = append(selected, &checks[i])
			}
		}
	}
	for i, c := range selected {
		if ctx.Err() != nil {
			break
		}
		if o.Progress != nil {
			o.Progress(Progress{Index: i + 1, Total: len(selected), Check: c})
			r.waiting = func(d time.Duration, limit string) {
				o.Progress(Progress{Index: i + 1, Total: len(selected), Check: c, Waiting: d, Limit: limit})
			}
		}
		res := r.Run(ctx, c)
		if o.Progress != nil {
			o.Progress(Progress{Index: i + 1, Total: len(selected), Check: c, Result: &res})
		}
	}
	diagnosis := map[string][]CertDiagnosis{}
	for _, p := range profiles {
		if !o.Diagnose || ctx.Err() != nil {
			break
		}
		d, err := r.Diagnose(ctx, p.Name, o.Options)
		if err != nil && ctx.Err() == nil && o.OnError != nil {
			o.OnError(err)
		}
		diagnosis[p.Name] = d
	}
	cert := NewCertificate(RunInfo{Tool: o.Tool, Target: t.URL, Inspect: t.Inspect, Mode: r.Mode(), Started: started,
		Duration: time.Since(started), Seed: o.Seed, LabelFilter: o.LabelFilter, Internal: r.InternalErrors(),
		OutOfScope: r.OutOfScope()},
		profiles, r.Results())
	for i := range cert.Profiles {
		cert.Profiles[i].Diagnosis = diagnosis[cert.Profiles[i].Name]
	}
	if t.Readback != nil {
		cert.Readback = readback.Kind(t.Readback)
	}
	return cert, nil
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
