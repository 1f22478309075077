package mockserver

import (
	"sync/atomic"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
)

// Clock is where the mock reads the time every time rule uses: received times,
// recorded times, token lifetimes, rate-limit and duplicate windows.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now implements Clock.
func (f ClockFunc) Now() time.Time { return f() }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// clockSetting is what the inspection API set: nothing (real), an instant or an
// offset from the base clock.
type clockSetting struct {
	mode   string // real, fixed or offset
	fixed  time.Time
	offset time.Duration
}

// adjustable is the base clock with the inspection API's setting on top.
type adjustable struct {
	base Clock
	set  atomic.Pointer[clockSetting]
}

func newAdjustable(base Clock) *adjustable {
	a := &adjustable{base: base}
	a.set.Store(&clockSetting{mode: "real"})
	return a
}

// Now implements Clock.
func (a *adjustable) Now() time.Time {
	s := a.set.Load()
	switch s.mode {
	case "fixed":
		return s.fixed
	case "offset":
		return a.base.Now().Add(s.offset)
	}
	return a.base.Now()
}

func (a *adjustable) fix(t time.Time)          { a.set.Store(&clockSetting{mode: "fixed", fixed: t.UTC()}) }
func (a *adjustable) offsetBy(d time.Duration) { a.set.Store(&clockSetting{mode: "offset", offset: d}) }
func (a *adjustable) clear()                   { a.set.Store(&clockSetting{mode: "real"}) }

func (a *adjustable) state() inspect.Clock {
	s := a.set.Load()
	return inspect.Clock{Now: a.Now().UTC(), Mode: s.mode, Offset: inspect.Duration(s.offset)}
}
