package inspect

import "testing"

func TestScoped(t *testing.T) {
	c := (&Client{}).InSession("s 1")
	for give, want := range map[string]string{
		"reset":                  "reset?session=s+1",
		"reset?profile=postback": "reset?profile=postback&session=s+1",
		"clock":                  "clock?session=s+1",
		"journal?after=3":        "journal?after=3&session=s+1",
		"journal?session=other":  "journal?session=other",
		"faults":                 "faults",
		"sessions/x":             "sessions/x",
		"health":                 "health",
	} {
		if got := c.scoped(give); got != want {
			t.Errorf("scoped(%q) = %q, want %q", give, got, want)
		}
	}
	if got := (&Client{}).scoped("reset"); got != "reset" {
		t.Errorf("an unscoped client scoped %q", got)
	}
}
