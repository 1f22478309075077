package inspectui_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/mockserver/inspectui"
)

func TestTickets(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	good := inspectui.Ticket("token", now.Add(time.Minute))
	exp, mac, _ := strings.Cut(good, ".")
	for _, c := range []struct {
		name, token, ticket string
		at                  time.Time
		want                error
	}{
		{"valid", "token", good, now, nil},
		{"at its expiry", "token", good, now.Add(time.Minute), nil},
		{"expired", "token", good, now.Add(time.Minute + time.Second), inspectui.ErrExpired},
		{"another token's", "other", good, now, inspectui.ErrBadTicket},
		{"expiry moved", "token", "9" + exp + "." + mac, now, inspectui.ErrBadTicket},
		{"no mac", "token", exp, now, inspectui.ErrBadTicket},
		{"the token itself", "token", "token", now, inspectui.ErrBadTicket},
		{"none", "token", "", now, inspectui.ErrNoTicket},
	} {
		if err := inspectui.CheckTicket(c.token, c.ticket, c.at); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s: CheckTicket = %v, want %v", c.name, err, c.want)
		}
	}
	if got := inspectui.Ticket("", now); got != "" {
		t.Errorf("no token: ticket %q, want none", got)
	}
}

// FuzzCheckTicket: any string is answered without a panic, and only a ticket
// this token signed is accepted.
func FuzzCheckTicket(f *testing.F) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	f.Add(inspectui.Ticket("token", now.Add(time.Minute)))
	f.Add("1.")
	f.Add("-1.00")
	f.Add("99999999999999999999.ab")
	f.Fuzz(func(t *testing.T, ticket string) {
		err := inspectui.CheckTicket("token", ticket, now)
		if err == nil && ticket != inspectui.Ticket("token", timeOf(t, ticket)) {
			t.Fatalf("accepted %q, which this token did not sign", ticket)
		}
	})
}

func timeOf(t *testing.T, ticket string) time.Time {
	exp, _, _ := strings.Cut(ticket, ".")
	var n int64
	for _, c := range exp {
		if c < '0' || c > '9' {
			t.Fatalf("accepted %q with a non-numeric expiry", ticket)
		}
		n = n*10 + int64(c-'0')
	}
	return time.Unix(n, 0)
}
