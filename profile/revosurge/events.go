package revosurge

import (
	"math"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// events is a casino's realistic mix: mostly logins and bets.
var events = []profile.EventType{
	{Name: "login", Endpoint: "event", Weight: 30, New: func(g *profile.Gen) map[string]any { return base(g, "login") }},
	{Name: "register", Endpoint: "event", Weight: 8, New: func(g *profile.Gen) map[string]any { return base(g, "register") }},
	{Name: "deposit", Endpoint: "event", Weight: 14, New: func(g *profile.Gen) map[string]any { return money(g, "deposit") }},
	{Name: "withdraw", Endpoint: "event", Weight: 4, New: func(g *profile.Gen) map[string]any { return money(g, "withdraw") }},
	{Name: "bet", Endpoint: "event", Weight: 28, New: func(g *profile.Gen) map[string]any {
		ev := game(g, money(g, "bet"))
		ev["bet_result"] = g.Faker.RandomString([]string{"win", "loss"})
		ev["bet_result_amount"] = amount(g, 0, 200)
		return ev
	}},
	{Name: "win", Endpoint: "event", Weight: 10, New: func(g *profile.Gen) map[string]any {
		ev := game(g, money(g, "win"))
		ev["parent_transaction_id"] = g.ID("bet")
		return ev
	}},
	{Name: "loss", Endpoint: "event", Weight: 6, New: func(g *profile.Gen) map[string]any {
		ev := game(g, money(g, "loss"))
		ev["parent_transaction_id"] = g.ID("bet")
		return ev
	}},
}

func base(g *profile.Gen, name string) map[string]any {
	at := g.Now.Add(-time.Duration(g.Faker.IntRange(0, 3600)) * time.Second)
	return map[string]any{
		"client_user_id": g.ID("user"),
		"click_id":       g.ID("clk"),
		"event_name":     name,
		"timestamp":      at.UnixMilli(),
		"ip_address":     ip(g),
		"user_agent":     g.Faker.UserAgent(),
	}
}

func money(g *profile.Gen, name string) map[string]any {
	ev := base(g, name)
	crypto := g.Faker.IntRange(0, 9) == 0
	ev["transaction_id"] = g.ID("tx")
	ev["amount"] = amount(g, 1, 500)
	ev["is_crypto"] = crypto
	if crypto {
		ev["currency"] = g.Faker.RandomString([]string{"BTC", "USDT", "ETH"})
	} else {
		ev["currency"] = g.Faker.RandomString([]string{"USD", "EUR", "BRL", "TRY", "VND", "JPY", "GBP"})
	}
	return ev
}

func game(g *profile.Gen, ev map[string]any) map[string]any {
	ev["game_type"] = g.Faker.RandomString([]string{"slot", "casino", "live", "sports"})
	ev["game_provider"] = g.Faker.RandomString([]string{"EA", "GGP", "PGSoft", "Evolution"})
	return ev
}

func ip(g *profile.Gen) string {
	if g.Faker.IntRange(0, 4) == 0 {
		return g.Faker.IPv6Address()
	}
	return g.Faker.IPv4Address()
}

func amount(g *profile.Gen, lo, hi float64) float64 {
	return math.Round(g.Faker.Float64Range(lo, hi)*100) / 100
}

// cases are what the schema cannot derive: the document's ambiguities, the
// SHOULD rules' edges, and what a receiver must accept.
var cases = []profile.Case{
	{Rule: "RS-AMB-1", Name: "bet without click_id", Event: "bet", Expect: profile.RejectStrict,
		Mutate: profile.DeleteField("click_id")},
	{Rule: "RS-AMB-1", Name: "loss without ip_address", Event: "loss", Expect: profile.RejectStrict,
		Mutate: profile.DeleteField("ip_address")},
	{Rule: "RS-AMB-2", Name: "timestamp in Unix seconds", Event: "login", Expect: profile.Accept,
		Mutate: profile.SetField("timestamp", 1702963200)},
	{Rule: "RS-AMB-2", Name: "timestamp in UTC milliseconds", Event: "login", Expect: profile.Accept,
		Mutate: profile.SetField("timestamp", int64(1702963200123))},
	{Rule: "RS-IP-1", Name: "ip_address is not an IP address", Event: "login", Expect: profile.RejectStrict,
		Mutate: profile.SetField("ip_address", "999.0.113.1")},
	{Rule: "RS-IP-1", Name: "IPv6 ip_address", Event: "login", Expect: profile.Accept,
		Mutate: profile.SetField("ip_address", "2001:db8::1")},
	{Rule: "RS-CUR-1", Name: "crypto code while is_crypto is false", Event: "deposit", Expect: profile.RejectStrict,
		Mutate: profile.Steps(profile.SetField("is_crypto", false), profile.SetField("currency", "BTC"))},
	{Rule: "RS-CUR-1", Name: "lower-case currency code", Event: "deposit", Expect: profile.RejectStrict,
		Mutate: profile.Steps(profile.SetField("is_crypto", false), profile.SetField("currency", "usd"))},
	{Rule: "RS-CUR-1", Name: "crypto code with is_crypto true", Event: "deposit", Expect: profile.Accept,
		Mutate: profile.Steps(profile.SetField("is_crypto", true), profile.SetField("currency", "USDT"))},
	{Rule: "RS-EXTRA-1", Name: "scalar custom properties", Event: "bet", Expect: profile.Accept,
		Mutate: profile.Steps(profile.SetField("bet_result", "win"), profile.SetField("bet_result_amount", 1.5),
			profile.SetField("parent_transaction_id", "tx_parent_1"))},
	{Rule: "RS-EXTRA-1", Name: "boolean custom property", Event: "bet", Expect: profile.Accept,
		Mutate: profile.SetField("vip", true)},
	{Rule: "RS-EXTRA-1", Name: "object custom property", Event: "login", Expect: profile.RejectStrict,
		Mutate: profile.SetField("meta", map[string]any{"campaign": "spring"})},
	{Rule: "RS-EXTRA-1", Name: "array custom property", Event: "login", Expect: profile.RejectStrict,
		Mutate: profile.SetField("tags", []any{"vip"})},
	{Rule: "RS-TYPE-1", Name: "amount as the string \"50.00\"", Event: "deposit", Expect: profile.Reject,
		Mutate: profile.SetField("amount", "50.00")},
	{Rule: "RS-TYPE-1", Name: "is_crypto as the string \"true\"", Event: "deposit", Expect: profile.Reject,
		Mutate: profile.SetField("is_crypto", "true")},
	{Rule: "RS-BODY-2", Name: "custom non-financial event without transaction fields", Event: "login", Expect: profile.Accept,
		Mutate: profile.SetField("event_name", "level_up")},
	{Rule: "RS-BODY-2", Name: "deposit without amount", Event: "deposit", Expect: profile.Reject,
		Mutate: profile.DeleteField("amount")},
	{Rule: "RS-BODY-1", Name: "empty client_user_id", Event: "login", Expect: profile.Reject,
		Mutate: profile.SetField("client_user_id", "")},
}
