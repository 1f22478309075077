package affise

import (
	"fmt"
	"strconv"

	"github.com/s2s-harness/s2s-harness/profile"
)

// events are an advertiser's conversions, one type per goal and status:
// many installs and registrations, fewer deposits, a few declined or held.
var events = []profile.EventType{
	{Name: "install", Endpoint: "postback", Weight: 35, New: func(g *profile.Gen) map[string]any {
		return conversion(g, "1", "1")
	}},
	{Name: "registration", Endpoint: "postback", Weight: 30, New: func(g *profile.Gen) map[string]any {
		return conversion(g, "registration", g.Faker.RandomString([]string{"1", "1", "2"}))
	}},
	{Name: "deposit", Endpoint: "postback", Weight: 22, New: func(g *profile.Gen) map[string]any {
		return money(g, conversion(g, "deposit", g.Faker.RandomString([]string{"1", "2"})))
	}},
	{Name: "declined", Endpoint: "postback", Weight: 7, New: func(g *profile.Gen) map[string]any {
		ev := money(g, conversion(g, "deposit", "3"))
		ev["comment"] = g.Faker.RandomString([]string{"fraud", "chargeback", "duplicate"})
		return ev
	}},
	{Name: "hold", Endpoint: "postback", Weight: 6, New: func(g *profile.Gen) map[string]any {
		return money(g, conversion(g, "deposit", "5"))
	}},
}

// conversion is what every postback carries: Affise's 24-hex click id, the
// advertiser's conversion id, the goal and status, and some of the optional
// parameters a tracker fills.
func conversion(g *profile.Gen, goal, status string) map[string]any {
	ev := map[string]any{
		"click_id":  ClickID(g),
		"action_id": g.ID("act"),
		"goal":      goal,
		"status":    status,
		"ip":        g.Faker.IPv4Address(),
	}
	if g.Faker.IntRange(0, 2) > 0 {
		ev["device_type"] = g.Faker.RandomString([]string{"mobile", "mobile", "desktop", "tablet", "tv"})
	}
	if g.Faker.IntRange(0, 1) == 0 {
		ev["user_id"] = g.ID("u")
	}
	if g.Faker.IntRange(0, 4) == 0 {
		ev["fbclid"] = "IwAR" + strconv.FormatUint(g.Faker.Uint64(), 36)
	}
	if g.Faker.IntRange(0, 5) == 0 {
		ev["promo_code"] = g.Faker.RandomString([]string{"WELCOME10", "SPRING25", "VIP"})
	}
	for i, n := 1, g.Faker.IntRange(0, 3); i <= n; i++ {
		ev[fmt.Sprintf("custom_field%d", i)] = g.ID("cf")
	}
	return ev
}

// money adds a revenue: a decimal with '.', sometimes whole, and its currency.
func money(g *profile.Gen, ev map[string]any) map[string]any {
	cents := g.Faker.IntRange(500, 50000)
	if g.Faker.IntRange(0, 3) == 0 {
		ev["sum"] = strconv.Itoa(cents / 100)
	} else {
		ev["sum"] = fmt.Sprintf("%d.%02d", cents/100, cents%100)
	}
	ev["currency"] = g.Faker.RandomString([]string{"USD", "EUR", "BRL", "TRY", "INR"})
	return ev
}

// ClickID returns an Affise-style click id: 24 lower-case hex digits.
func ClickID(g *profile.Gen) string {
	return fmt.Sprintf("%08x%08x%08x", g.Faker.Uint32(), g.Faker.Uint32(), g.Faker.Uint32())
}

// rename moves a member to another parameter name (clickid for click_id).
func rename(from, to string) func(*profile.Payload, *profile.Gen) {
	return func(p *profile.Payload, _ *profile.Gen) {
		m := p.Object()
		if v, ok := m[from]; ok {
			delete(m, from)
			m[to] = v
		}
	}
}

// cases are what the schema alone does not derive: the documented alias,
// the spellings of sum and status senders get wrong, repeated parameters,
// unfilled macros and the parameters a receiver must simply accept.
var cases = []profile.Case{
	{Rule: "AFF-CLICK-1", Name: "clickid instead of click_id", Event: "install", Expect: profile.Accept,
		Mutate: rename("click_id", "clickid")},
	{Rule: "AFF-CLICK-1", Name: "no click_id", Event: "deposit", Expect: profile.Reject,
		Mutate: profile.DeleteField("click_id")},
	{Rule: "AFF-CLICK-1", Name: "click_id left empty (an unfilled macro)", Event: "registration", Expect: profile.Reject,
		Mutate: profile.SetField("click_id", "")},
	{Rule: "AFF-CLICK-2", Name: "click_id of 23 characters", Event: "install", Expect: profile.RejectStrict,
		Mutate: profile.SetField("click_id", "5f1e2d3c4b5a69788796a5b")},
	{Rule: "AFF-CLICK-2", Name: "click_id in upper-case hex", Event: "registration", Expect: profile.RejectStrict,
		Mutate: profile.SetField("click_id", "5F1E2D3C4B5A69788796A5B4")},
	{Rule: "AFF-QUERY-1", Name: "click_id and clickid both given", Event: "install", Expect: profile.Reject,
		Mutate: func(p *profile.Payload, _ *profile.Gen) { p.Object()["clickid"] = p.Object()["click_id"] }},
	{Rule: "AFF-SUM-1", Name: "sum with a decimal comma (\"100,50\")", Event: "deposit", Expect: profile.Reject,
		Mutate: profile.SetField("sum", "100,50")},
	{Rule: "AFF-SUM-1", Name: "sum with a currency symbol (\"$100\")", Event: "deposit", Expect: profile.Reject,
		Mutate: profile.SetField("sum", "$100")},
	{Rule: "AFF-SUM-1", Name: "sum as an exponent (\"1e3\")", Event: "deposit", Expect: profile.Reject,
		Mutate: profile.SetField("sum", "1e3")},
	{Rule: "AFF-SUM-1", Name: "sum negative (\"-5.00\")", Event: "declined", Expect: profile.Reject,
		Mutate: profile.SetField("sum", "-5.00")},
	{Rule: "AFF-SUM-1", Name: "sum as go-tracking formats a float (\"100.5\")", Event: "deposit", Expect: profile.Accept,
		Mutate: profile.SetField("sum", "100.5")},
	{Rule: "AFF-STATUS-1", Name: "status 4 (not an Affise status)", Event: "deposit", Expect: profile.Reject,
		Mutate: profile.SetField("status", "4")},
	{Rule: "AFF-STATUS-1", Name: "status as a word (\"approved\")", Event: "registration", Expect: profile.Reject,
		Mutate: profile.SetField("status", "approved")},
	{Rule: "AFF-STATUS-1", Name: "status 0", Event: "install", Expect: profile.Reject,
		Mutate: profile.SetField("status", "0")},
	{Rule: "AFF-CUR-1", Name: "lower-case currency (\"usd\")", Event: "deposit", Expect: profile.Reject,
		Mutate: profile.SetField("currency", "usd")},
	{Rule: "AFF-DEV-1", Name: "device_type not one of Affise's (\"phone\")", Event: "install", Expect: profile.RejectStrict,
		Mutate: profile.SetField("device_type", "phone")},
	{Rule: "AFF-PARAM-1", Name: "sum left empty (an unfilled macro)", Event: "registration", Expect: profile.Accept,
		Mutate: profile.SetField("sum", "")},
	{Rule: "AFF-PARAM-1", Name: "custom_field15 given", Event: "install", Expect: profile.Accept,
		Mutate: profile.SetField("custom_field15", "last")},
	{Rule: "AFF-PARAM-1", Name: "an undocumented parameter (sub1)", Event: "install", Expect: profile.Accept,
		Mutate: profile.SetField("sub1", "s1")},
	{Rule: "AFF-PARAM-1", Name: "no action_id (the click is the key)", Event: "install", Expect: profile.Accept,
		Mutate: profile.DeleteField("action_id")},
}
