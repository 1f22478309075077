package conformance

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// While a check waits for a rate limit, the runner says how long is left and
// for which limit, before it sleeps (progress that never looks stuck).
func TestWaitingForARateLimitIsTold(t *testing.T) {
	rate := &profile.RateLimit{Limit: 60, Window: time.Minute}
	p := &profile.Profile{Name: "revosurge", Title: "RevoSurge DataPulse server events", Rate: rate}
	pace := newPacer(rate.Limit, rate.Window)
	now := time.Now()
	for range pace.limit {
		pace.add("main", now)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var told []time.Duration
	var limit string
	r := &Runner{waiting: func(d time.Duration, l string) { told, limit = append(told, d), l; cancel() }}
	s := &session{ctx: ctx, r: r, p: p, ps: &pstate{pace: pace, set: settings{rate: rate}}}
	if err := s.waitRoom("main", 1); err == nil {
		t.Fatal("waitRoom returned nil with a full window and a cancelled context")
	}
	if len(told) != 1 || told[0] < 50*time.Second || told[0] > pace.window {
		t.Errorf("told %v, want one wait of about a minute", told)
	}
	if limit != "RevoSurge's 60/min" {
		t.Errorf("limit %q, want RevoSurge's 60/min", limit)
	}
	// An unexpected 429's wait is told the same way.
	told = nil
	ctx2, cancel2 := context.WithCancel(context.Background())
	s.ctx = ctx2
	r.waiting = func(d time.Duration, _ string) { told = append(told, d); cancel2() }
	if err := s.pause(30 * time.Second); err == nil || len(told) != 1 || told[0] != 30*time.Second {
		t.Errorf("pause: %v, told %v", err, told)
	}
}

func TestLimitText(t *testing.T) {
	p := &profile.Profile{Name: "g123", Title: ""}
	for _, tt := range []struct {
		r    *profile.RateLimit
		want string
	}{
		{&profile.RateLimit{Limit: 10, Window: time.Second}, "g123's 10/s"},
		{&profile.RateLimit{Limit: 5, Window: 90 * time.Second}, "g123's 5 per 1m30s"},
		{nil, "g123's rate"},
	} {
		if got := limitText(p, tt.r); got != tt.want {
			t.Errorf("limitText(%+v) = %q, want %q", tt.r, got, tt.want)
		}
	}
}

// A label filter's syntax error is plain text (Ginkgo's renders ANSI codes
// into the error whatever the output is) and says where.
func TestLabelFilterErrorIsPlain(t *testing.T) {
	for expr, want := range map[string]string{
		"MUST &&":        "unexpected EOF",
		"a & b":          `at "&" (character 3)`,
		"MUST && (RS-A1": `at "(" (character 9)`,
	} {
		err := ValidateLabelFilter(expr)
		if err == nil || strings.Contains(err.Error(), "\x1b") || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want plain text with %q", expr, err, want)
		}
	}
	if err := ValidateLabelFilter("MUST && !rate-limit"); err != nil {
		t.Errorf("a valid filter: %v", err)
	}
}
