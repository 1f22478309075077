package exitcode

import (
	"testing"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/load"
	"github.com/s2s-harness/s2s-harness/reconcile"
	"github.com/s2s-harness/s2s-harness/verify"
)

// TestDecide: every command's results, one row each, with the code it ends in.
func TestDecide(t *testing.T) {
	t.Parallel()
	cert := func(complete, certified, partial bool, internal ...string) *conformance.Certificate {
		return &conformance.Certificate{Complete: complete, Certified: certified, Partial: partial, InternalErrors: internal}
	}
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"conform certified", Certificate(cert(true, true, false), false), OK},
		{"conform certified, -require complete", Certificate(cert(true, true, false), true), OK},
		{"conform partial", Certificate(cert(true, true, true), false), OK},
		{"conform partial, -require complete", Certificate(cert(true, true, true), true), MustFailed},
		{"conform not certified", Certificate(cert(true, false, false), false), MustFailed},
		{"conform incomplete", Certificate(cert(false, false, false), false), Internal},
		{"conform incomplete, -require complete", Certificate(cert(false, false, true), true), Internal},
		{"conform internal errors", Certificate(cert(true, true, false, "check x: panic"), false), Internal},
		{"conform internal errors, not certified", Certificate(cert(true, false, false, "check x: panic"), false), Internal},

		{"load passed", Load(load.Passed), OK},
		{"load breached", Load(load.Breached), SLABreached},
		{"load invalid", Load(load.Invalid), InvalidRun},
		{"load inconclusive", Load(load.Inconclusive), Inconclusive},
		{"load unknown verdict", Load("weird"), Internal},

		{"verify certified", Sender(&verify.Result{Verdict: verify.Certified}), OK},
		{"verify not certified", Sender(&verify.Result{Verdict: verify.NotCertified}), MustFailed},
		{"verify no traffic", Sender(&verify.Result{Verdict: verify.NoTraffic}), MustFailed},
		{"verify incomplete", Sender(&verify.Result{Verdict: verify.Incomplete}), Internal},

		{"lint clean", Lint(false), OK},
		{"lint MUST broken", Lint(true), MustFailed},

		{"reconcile ok", Reconcile(reconcile.VerdictOK), OK},
		{"reconcile over", Reconcile(reconcile.VerdictOver), SLABreached},
		{"reconcile unknown verdict", Reconcile(""), Internal},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: exit %d (%s), want %d (%s)", tt.name, tt.got, Meaning(tt.got), tt.want, Meaning(tt.want))
		}
	}
}
