package conformance

import (
	"slices"
	"testing"
)

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"postbak", "postback", 1}, {"pb-auth-9", "pb-auth-1", 1}, {"abc", "", 3}, {"kitten", "sitting", 3},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestNearestLabels(t *testing.T) {
	labels := map[string]bool{"postback": true, "PB-AUTH-1": true, "PB-SIG-1": true, "MUST": true, "revosurge": true}
	tests := []struct {
		give string
		want string // among the suggestions ("": none)
	}{
		{"postbak", "postback"},
		{"MUST && pb-auth-9", "PB-AUTH-1"},
		{"postback && revosurge", ""}, // known labels: no suggestion
		{"/regex/", ""},
	}
	for _, tt := range tests {
		got := nearestLabels(tt.give, labels)
		if tt.want == "" && len(got) != 0 || tt.want != "" && !slices.Contains(got, tt.want) {
			t.Errorf("nearestLabels(%q) = %v, want %q", tt.give, got, tt.want)
		}
	}
}

// TestFingerprint: answers to one fault that differ only in ids and times
// have one fingerprint; another body does not.
func TestFingerprint(t *testing.T) {
	a := answer(500, `{"error":"internal","request_id":"r-123","at":1700000000}`)
	b := answer(500, `{"error":"internal","request_id":"r-98765","at":1700000042}`)
	c := cause{status: 500, body: fingerprint(a.body)}
	if !c.matches(b) {
		t.Error("the same fault with other ids does not match")
	}
	if c.matches(answer(500, `{"error":"database down"}`)) || c.matches(answer(502, string(a.body))) {
		t.Error("another body or status matches")
	}
}

func FuzzNearestLabels(f *testing.F) {
	for _, s := range []string{"postbak", "MUST && !rate-limit", "(a || b", "", "/x/", "k: {v}"} {
		f.Add(s)
	}
	labels := map[string]bool{"postback": true, "PB-AUTH-1": true, "MUST": true}
	f.Fuzz(func(t *testing.T, filter string) {
		for _, l := range nearestLabels(filter, labels) {
			if !labels[l] {
				t.Fatalf("suggested %q, not a label", l)
			}
		}
	})
}
