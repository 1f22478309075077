package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/load"
)

// An interrupted run measures no discrepancy: the receiver line still ends
// on its last figure, not on a comma.
func TestReceiverLineHasNoDanglingComma(t *testing.T) {
	dup, lost := 0.0, uint64(0)
	l := &load.Result{Verdict: load.Invalid, Receiver: load.Receiver{Source: "journal", DuplicateRate: &dup, Lost: &lost,
		IngestLag: &load.Latency{MeanMS: 124}}}
	var b strings.Builder
	if err := LoadText(&b, l); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "  receiver") {
			if want := "  receiver   duplicates 0 %, lost 0, ingest lag mean 124 ms"; line != want {
				t.Errorf("%q, want %q", line, want)
			}
			return
		}
	}
	t.Errorf("no receiver line in\n%s", b.String())
}

func TestMillis(t *testing.T) {
	for d, want := range map[time.Duration]string{
		641 * time.Millisecond:     "641 ms",
		1767400 * time.Microsecond: "1.77 s",
		930 * time.Microsecond:     "0.93 ms",
	} {
		if got := Millis(d); got != want {
			t.Errorf("Millis(%s) = %q, want %q", d, got, want)
		}
	}
}
