package reports

import (
	"fmt"
	"io"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/verify"
)

// SessionCertificate renders, for the mock's inspector, the sender
// certificate of one session's journal entries in format "html" or "json":
// the judgement of s2s verify, made in the mock from its own journal. It has
// mockserver.SessionReport's type; secrets are scrubbed from the evidence.
func SessionCertificate(profiles []*profile.Profile, secrets []string, tool string) func(io.Writer, inspect.Session, []inspect.Entry, string) error {
	return func(w io.Writer, s inspect.Session, entries []inspect.Entry, format string) error {
		res := verify.Judge(entries, profiles, verify.Options{Session: s.ID, Secrets: secrets})
		judged := time.Now().UTC()
		res.Session, res.Tool, res.JudgedAt = &s, tool, &judged
		render, ok := SenderRenderers(res)[format]
		if !ok {
			return fmt.Errorf("sender certificate: format %q: want html or json", format)
		}
		return render(w)
	}
}
