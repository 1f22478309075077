package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/s2s-harness/s2s-harness/conformance"
	"github.com/s2s-harness/s2s-harness/load"
)

// endLiveLine clears a progress line rewritten in place on a terminal, so
// that the next output (a message, the summary after Ctrl-C) starts on a
// clean line. Off a terminal there is no such line and nothing is written.
func endLiveLine(env *Env) {
	if env.IsTerminal(env.Stderr) {
		fmt.Fprint(env.Stderr, "\r\x1b[K")
	}
}

// waitingText is the progress of a check paced to a rate limit:
// "waiting 25 s for RevoSurge's 60/min limit".
func waitingText(p conformance.Progress) string {
	return fmt.Sprintf("waiting %s for %s limit", seconds(p.Waiting), p.Limit)
}

// seconds writes a wait in whole seconds, rounded up ("25 s"), so that a
// wait never reads "0 s" while it lasts.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%d s", int64((d+time.Second-1)/time.Second))
}

// announced is a listening output that says where it listens once it does
// (-out prometheus=:0 takes a free port: the address is news).
type announced struct {
	load.Output
	addr func() string
	w    io.Writer
}

func (a announced) Start(ctx context.Context) error {
	if err := a.Output.Start(ctx); err != nil {
		return err
	}
	fmt.Fprintf(a.w, "s2s: load: prometheus metrics at http://%s/metrics\n", a.addr())
	return nil
}

// quietProgress is no progress with -q.
func quietProgress(quiet bool, p func(conformance.Progress)) func(conformance.Progress) {
	if quiet {
		return nil
	}
	return p
}
