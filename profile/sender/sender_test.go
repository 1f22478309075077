package sender_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/profile/sender"
)

// TestGroundsCiteTheSeeds: a documented sender rule quotes sentences that
// are verbatim in the seeds (the snapshot in profile/testdata), translated.
func TestGroundsCiteTheSeeds(t *testing.T) {
	documented := 0
	for _, r := range sender.Rules() {
		g := sender.Ground(r.ID)
		if g.Basis != profile.Documented {
			if g.Why == "" {
				t.Errorf("%s: a decided ground says why", r.ID)
			}
			continue
		}
		documented++
		for _, c := range g.Cite {
			text, err := os.ReadFile(filepath.Join("..", "testdata", "seeds", c.Seed))
			if err != nil {
				t.Fatalf("%s: %v", r.ID, err)
			}
			if c.Quote == "" || c.English == "" || !strings.Contains(string(text), c.Quote) {
				t.Errorf("%s: quote %q is not in %s (or has no translation)", r.ID, c.Quote, c.Seed)
			}
		}
	}
	if documented == 0 {
		t.Error("no sender rule is documented: SND-TIME-1 cites seeds 003 and 004")
	}
}

// TestEventKey: an event is keyed by the id its profile gives it, else by a
// fingerprint of its body, never by a device or user id.
func TestEventKey(t *testing.T) {
	ps := map[string]*profile.Profile{}
	for _, p := range builtin.All() {
		ps[p.Name] = p
	}
	for _, tt := range []struct {
		name, profile string
		item          map[string]any
		rec           profile.Record
		identified    bool
		sameAs        map[string]any // another event that must share the key (nil: none)
		otherThan     map[string]any // another event that must not
	}{
		{name: "postback event_id", profile: "postback", item: map[string]any{"event_id": "e1", "amount": 1.0},
			rec: profile.Record{ID: "e1"}, identified: true},
		{name: "revosurge transaction_id", profile: "revosurge", item: map[string]any{"transaction_id": "t1", "click_id": "c"},
			rec: profile.Record{DedupeKey: "t1"}, identified: true},
		{name: "appsflyer: the device is no event id", profile: "appsflyer",
			item:      map[string]any{"appsflyer_id": "dev", "eventName": "a"},
			rec:       profile.Record{DedupeKey: `"app" "dev" "a" "" ""`},
			sameAs:    map[string]any{"eventName": "a", "appsflyer_id": "dev"},
			otherThan: map[string]any{"appsflyer_id": "dev", "eventName": "b"}},
		{name: "g123 user ids", profile: "g123", item: map[string]any{"uid": "u", "level": 2.0},
			otherThan: map[string]any{"uid": "u", "level": 3.0}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := ps[tt.profile]
			k, ok := sender.EventKey(p, tt.item, tt.rec)
			if ok != tt.identified || k == "" {
				t.Fatalf("key %q identified %v, want identified %v", k, ok, tt.identified)
			}
			if tt.sameAs != nil {
				if k2, _ := sender.EventKey(p, tt.sameAs, tt.rec); k2 != k {
					t.Errorf("the same event keyed %q and %q", k, k2)
				}
			}
			if tt.otherThan != nil {
				if k2, _ := sender.EventKey(p, tt.otherThan, profile.Record{}); k2 == k {
					t.Errorf("two events share the key %q", k)
				}
			}
		})
	}
}
