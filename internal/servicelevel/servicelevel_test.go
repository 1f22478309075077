package servicelevel

import "testing"

func TestTexts(t *testing.T) {
	t.Parallel()
	if got := ReconcileLimit(); got != "3%" {
		t.Errorf("ReconcileLimit() = %q, want 3%%", got)
	}
	if got := ReconcileNote(); got != "over 3 %: reconcile" {
		t.Errorf("ReconcileNote() = %q", got)
	}
	for f, want := range map[float64]string{0.03: "3", 0.995: "99.5", 0.0001: "0.01", 0.07: "7"} {
		if got := percent(f); got != want {
			t.Errorf("percent(%v) = %q, want %q", f, got, want)
		}
	}
}
