package sender

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/s2s-harness/s2s-harness/profile"
)

// EventKey identifies one event, for the sender rules and a session's script:
// the profile's idempotency id (Record.ID), else its duplicate key when that
// key is one of the event's own id fields (RevoSurge transaction_id), else a
// fingerprint of the event's body. identified says whether the key is an id
// the event carries, so that two deliveries with it are one event; with a
// fingerprint, byte-identical events (AppsFlyer's carry no event id; its
// appsflyer_id names a device) cannot be told from a retry of one.
func EventKey(p *profile.Profile, item any, rec profile.Record) (key string, identified bool) {
	if rec.ID != "" {
		return "id:" + rec.ID, true
	}
	if rec.DedupeKey != "" {
		for _, f := range p.UniqueFields {
			if v, ok := profile.Get(item, f); ok && v != nil && fmt.Sprint(v) == rec.DedupeKey {
				return "id:" + rec.DedupeKey, true
			}
		}
	}
	return Fingerprint(item), false
}

// Fingerprint is a digest of an event's canonical JSON (members sorted).
func Fingerprint(item any) string {
	b, err := json.Marshal(item)
	if err != nil {
		b = fmt.Append(nil, item)
	}
	sum := sha256.Sum256(b)
	return "body:" + hex.EncodeToString(sum[:12])
}

// Ground is why a sender must follow rule id: the seed sentences of the
// documented rules, else the decision (SPECS.md, section "sender").
func Ground(id string) profile.Ground {
	if id == LocalTime {
		return profile.Doc("every documented event time is UTC; local time formatted as UTC is off by the zone's offset",
			profile.Cite(seedAppsFlyer)("theo múi giờ UTC +0", "in the UTC+0 time zone (eventTime)."),
			profile.Cite(seedPostback)("UTC'deki tüm zaman damgaları", "All timestamps in UTC."))
	}
	return profile.Dec(id + ": " + Seed + " as SPECS.md reads them")
}

// The seeds the documented sender rules cite.
const (
	seedAppsFlyer = "003_906ffa4cfeacef63.txt"
	seedPostback  = "004_30e536644e04df8e.txt"
)
