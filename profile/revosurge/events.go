package revosurge

import (
	"math"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// events is a casino's realistic mix: mostly logins and bets.
var events = []profile.EventType{
	{Name: "login", Endpoint: "event", Weight: 30, New: func(g *profile.Gen) map[string]any { return base(g, evLogin, 6) }},
	{Name: "register", Endpoint: "event", Weight: 8, New: func(g *profile.Gen) map[string]any { return base(g, evRegister, 6) }},
	{Name: "deposit", Endpoint: "event", Weight: 14, New: func(g *profile.Gen) map[string]any { return money(g, evDeposit, 10) }},
	{Name: "withdraw", Endpoint: "event", Weight: 4, New: func(g *profile.Gen) map[string]any { return money(g, evWithdraw, 10) }},
	{Name: "bet", Endpoint: "event", Weight: 28, New: func(g *profile.Gen) map[string]any {
		ev := game(g, money(g, evBet, 14))
		ev["bet_result"] = g.Pick(betResults)
		ev["bet_result_amount"] = amount(g, 0, 200)
		return ev
	}},
	{Name: "win", Endpoint: "event", Weight: 10, New: func(g *profile.Gen) map[string]any {
		ev := game(g, money(g, evWin, 13))
		ev["parent_transaction_id"] = g.ID("bet")
		return ev
	}},
	{Name: "loss", Endpoint: "event", Weight: 6, New: func(g *profile.Gen) map[string]any {
		ev := game(g, money(g, evLoss, 13))
		ev["parent_transaction_id"] = g.ID("bet")
		return ev
	}},
}

// The values an event picks from, boxed once: at the load engine's maximum
// rate every allocation of an event shows.
var (
	evLogin, evRegister, evDeposit, evWithdraw any = "login", "register", "deposit", "withdraw"
	evBet, evWin, evLoss                       any = "bet", "win", "loss"

	betResults = []any{"win", "loss"}
	cryptos    = []any{"BTC", "USDT", "ETH"}
	fiats      = []any{"USD", "EUR", "BRL", "TRY", "VND", "JPY", "GBP"}
	gameTypes  = []any{"slot", "casino", "live", "sports"}
	providers  = []any{"EA", "GGP", "PGSoft", "Evolution"}
)

// base is what every event carries, in a map with room for size members.
func base(g *profile.Gen, name any, size int) map[string]any {
	at := g.Now.Add(-time.Duration(g.Faker.IntRange(0, 3600)) * time.Second)
	ev := make(map[string]any, size)
	ev["client_user_id"] = g.ID("user")
	ev["click_id"] = g.ID("clk")
	ev["event_name"] = name
	ev["timestamp"] = at.UnixMilli()
	ev["ip_address"] = ip(g)
	ev["user_agent"] = g.Pick(g.UserAgents())
	return ev
}

func money(g *profile.Gen, name any, size int) map[string]any {
	ev := base(g, name, size)
	crypto := g.Faker.IntRange(0, 9) == 0
	ev["transaction_id"] = g.ID("tx")
	ev["amount"] = amount(g, 1, 500)
	ev["is_crypto"] = crypto
	if crypto {
		ev["currency"] = g.Pick(cryptos)
	} else {
		ev["currency"] = g.Pick(fiats)
	}
	return ev
}

func game(g *profile.Gen, ev map[string]any) map[string]any {
	ev["game_type"] = g.Pick(gameTypes)
	ev["game_provider"] = g.Pick(providers)
	return ev
}

func ip(g *profile.Gen) string {
	if g.Faker.IntRange(0, 4) == 0 {
		return g.IPv6()
	}
	return g.IPv4()
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
