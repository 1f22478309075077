package reports

import (
	"errors"
	"io"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/verify"
)

// Millis writes a duration as the reports write latencies (0.93 ms, 512 ms,
// 2.10 s), for the CLI's live lines: one number format everywhere.
func Millis(d time.Duration) string { return msText(float64(d) / float64(time.Millisecond)) }

// coverage says what of the documented a sender exercised, without a
// "not seen: none" when it exercised all of it.
func coverage(what string, c verify.Coverage) string {
	switch {
	case len(c.Unseen) == 0 && len(c.Seen) == 0:
		return what + ": none documented"
	case len(c.Unseen) == 0:
		return what + ": all documented ones seen (" + strings.Join(c.Seen, ", ") + ")"
	case len(c.Seen) == 0:
		return what + " seen: none; not seen: " + strings.Join(c.Unseen, ", ")
	}
	return what + " seen: " + strings.Join(c.Seen, ", ") + "; not seen: " + strings.Join(c.Unseen, ", ")
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ReadSender reads a sender certificate (sender.json) back, for `s2s report`.
func ReadSender(r io.Reader) (*verify.Result, error) {
	var v verify.Result
	if err := ReadJSON(r, &v); err != nil {
		return nil, err
	}
	if v.Verdict == "" {
		return nil, errors.New("not a sender certificate: no verdict")
	}
	return &v, nil
}
