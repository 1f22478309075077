package postback

import (
	"math"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// events is an operator's realistic funnel (PB-EVT-1): many registrations,
// fewer KYC approvals and deposits, and a trickle of negative-revenue events.
var events = []profile.EventType{
	{Name: "registration", Endpoint: "postback", Weight: 40, Rule: "PB-EVT-1", New: func(g *profile.Gen) map[string]any {
		return base(g, "registration", "reg")
	}},
	{Name: "kyc_approved", Endpoint: "postback", Weight: 18, Rule: "PB-EVT-1", New: func(g *profile.Gen) map[string]any {
		ev := base(g, "kyc_approved", "kyc")
		ev["kyc_level"] = g.Faker.RandomString([]string{"basic", "full"})
		return ev
	}},
	{Name: "deposit_success", Endpoint: "postback", Weight: 24, Rule: "PB-EVT-1", New: func(g *profile.Gen) map[string]any {
		ev := money(g, base(g, "deposit_success", "dep"), 10, 500)
		ev["is_ftd"] = g.Faker.IntRange(0, 9) < 6
		ev["payment_method"] = paymentMethod(g)
		return ev
	}},
	{Name: "2nd_dep", Endpoint: "postback", Weight: 12, Rule: "PB-EVT-1", New: func(g *profile.Gen) map[string]any {
		ev := money(g, base(g, "2nd_dep", "dep2"), 10, 800)
		ev["is_ftd"] = false
		ev["payment_method"] = paymentMethod(g)
		return ev
	}},
	{Name: "refund", Endpoint: "postback", Weight: 4, Rule: "PB-EVT-1", New: func(g *profile.Gen) map[string]any {
		ev := money(g, base(g, "refund", "rfd"), 10, 300)
		ev["amount"] = -ev["amount"].(float64)
		ev["original_event_id"] = g.ID("dep")
		ev["reason"] = g.Faker.RandomString([]string{"player_request", "duplicate_payment", "bonus_abuse"})
		return ev
	}},
	{Name: "chargeback", Endpoint: "postback", Weight: 2, Rule: "PB-EVT-1", New: func(g *profile.Gen) map[string]any {
		ev := money(g, base(g, "chargeback", "cbk"), 10, 300)
		ev["amount"] = -ev["amount"].(float64)
		ev["original_event_id"] = g.ID("dep")
		ev["reason"] = g.Faker.RandomString([]string{"fraud", "not_recognised", "processing_error"})
		return ev
	}},
}

// base is what every postback carries: the four required members and the
// analytics context of seed 004 §3–4.
func base(g *profile.Gen, name, prefix string) map[string]any {
	at := g.Now.Add(-time.Duration(g.Faker.IntRange(0, 3600)) * time.Second).UTC()
	ev := map[string]any{
		"event":      name,
		"event_id":   g.ID(prefix),
		"click_id":   g.ID("clk"),
		"account_id": g.ID("u"),
		"ts_event":   at.Format(time.RFC3339),
		"geo":        g.Faker.RandomString([]string{"BR", "TR", "MX", "IN", "DE", "CA", "PE", "CL", "NG", "JP"}),
		"device":     g.Faker.RandomString([]string{"android", "ios", "desktop"}),
		"ip":         ip(g),
		"ua":         g.Pick(g.UserAgents()),
	}
	if g.Faker.IntRange(0, 2) == 0 {
		ev["aff_sub"] = g.ID("sub")
		ev["campaign"] = g.Faker.RandomString([]string{"spring_promo", "ftd_boost", "retarget_d7"})
		ev["creative_id"] = g.ID("cr")
	}
	return ev
}

func money(g *profile.Gen, ev map[string]any, lo, hi float64) map[string]any {
	ev["amount"] = math.Round(g.Faker.Float64Range(lo, hi)*100) / 100
	ev["currency"] = g.Faker.RandomString([]string{"USD", "EUR", "BRL", "TRY", "MXN", "INR", "CAD"})
	return ev
}

func paymentMethod(g *profile.Gen) string {
	return g.Faker.RandomString([]string{"card", "pix", "crypto_wallet", "e_wallet", "bank_transfer"})
}

func ip(g *profile.Gen) string {
	if g.Faker.IntRange(0, 4) == 0 {
		return g.IPv6()
	}
	return g.IPv4()
}

// reordered is a mutation that sends the body with its members in another
// order and other spacing: the same event in other bytes.
func reordered(p *profile.Payload, _ *profile.Gen) {
	if b, err := p.Bytes(); err == nil {
		p.Raw = string(Reordered(b))
	}
}

// cases are what the schema cannot derive: money spelled as text, time zones,
// the seed's negative-revenue events, and what a receiver must accept.
var cases = []profile.Case{
	{Rule: "PB-BODY-2", Name: "amount as the string \"100,00\"", Event: "deposit_success", Expect: profile.Reject,
		Mutate: profile.SetField("amount", "100,00")},
	{Rule: "PB-BODY-2", Name: "amount as the string \"100.00\"", Event: "deposit_success", Expect: profile.Reject,
		Mutate: profile.SetField("amount", "100.00")},
	{Rule: "PB-BODY-2", Name: "amount without currency", Event: "deposit_success", Expect: profile.Reject,
		Mutate: profile.DeleteField("currency")},
	{Rule: "PB-BODY-2", Name: "currency not an ISO 4217 code (US$)", Event: "deposit_success", Expect: profile.Reject,
		Mutate: profile.SetField("currency", "US$")},
	{Rule: "PB-BODY-2", Name: "lower-case currency code", Event: "2nd_dep", Expect: profile.Reject,
		Mutate: profile.SetField("currency", "usd")},
	{Rule: "PB-BODY-2", Name: "deposit_success without amount and currency", Event: "deposit_success", Expect: profile.Accept,
		Mutate: profile.Steps(profile.DeleteField("amount"), profile.DeleteField("currency"))},
	{Rule: "PB-TS-1", Name: "ts_event with offset +03:00", Event: "deposit_success", Expect: profile.RejectStrict,
		Mutate: profile.SetField("ts_event", "2025-10-21T18:12:31+03:00")},
	{Rule: "PB-TS-1", Name: "ts_event with offset -05:00", Event: "registration", Expect: profile.RejectStrict,
		Mutate: profile.SetField("ts_event", "2025-10-21T10:12:31-05:00")},
	{Rule: "PB-TS-1", Name: "ts_event with offset +00:00", Event: "registration", Expect: profile.Accept,
		Mutate: profile.SetField("ts_event", "2025-10-21T15:12:31+00:00")},
	{Rule: "PB-BODY-1", Name: "ts_event with fractional seconds", Event: "kyc_approved", Expect: profile.Accept,
		Mutate: profile.SetField("ts_event", "2025-10-21T15:12:31.250Z")},
	{Rule: "PB-BODY-1", Name: "ts_event without zone (not RFC 3339)", Event: "registration", Expect: profile.Reject,
		Mutate: profile.SetField("ts_event", "2025-10-21 15:12:31")},
	{Rule: "PB-BODY-1", Name: "ts_event as Unix seconds in a string", Event: "deposit_success", Expect: profile.Reject,
		Mutate: profile.SetField("ts_event", "1761059551")},
	{Rule: "PB-EVT-1", Name: "refund with a negative amount", Event: "deposit_success", Expect: profile.Accept,
		Mutate: profile.Steps(profile.SetField("event", "refund"), profile.SetField("amount", -100.00))},
	{Rule: "PB-EVT-1", Name: "chargeback with a negative amount", Event: "2nd_dep", Expect: profile.Accept,
		Mutate: profile.Steps(profile.SetField("event", "chargeback"), profile.SetField("amount", -49.90))},
	{Rule: "PB-EVT-1", Name: "event type the seed does not list", Event: "registration", Expect: profile.Accept,
		Mutate: profile.SetField("event", "first_bet")},
	{Rule: "PB-SIG-2", Name: "members in another order", Event: "deposit_success", Expect: profile.Accept,
		Mutate: reordered},
	{Rule: "PB-SIG-3", Name: "stale signature member in the body (the header wins)", Event: "registration", Expect: profile.Accept,
		Mutate: profile.SetField(SignatureMember, "sha256=0000000000000000000000000000000000000000000000000000000000000000")},
}
