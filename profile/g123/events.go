package g123

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// events is the one documented event: a player reaching a new level, shaped like
// the document's example (every role member a string, as it sends them).
var events = []profile.EventType{
	{Name: "level_up", Endpoint: "level_up", Weight: 1, New: levelUp},
}

func levelUp(g *profile.Gen) map[string]any {
	f := g.Faker
	at := g.Now.Add(-time.Duration(f.IntRange(0, 3600_000)) * time.Millisecond)
	server := f.IntRange(1, 120)
	// Most level-ups happen early in a game's curve.
	level := f.IntRange(2, 30)
	if f.IntRange(0, 3) == 0 {
		level = f.IntRange(31, 150)
	}
	vip := f.IntRange(0, 12)
	return map[string]any{
		"uid":       g.ID("u"),
		"server_id": "s" + strconv.Itoa(server),
		"ctwid":     ctwid(g),
		"timestamp": at.UnixMilli(),
		"level":     level,
		"data": map[string]any{
			"game_user_id": g.ID("cp"),
			"role": map[string]any{
				"id":        strconv.Itoa(f.IntRange(1_000_000, 9_999_999)),
				"exp":       strconv.Itoa(level * level * f.IntRange(80, 120)),
				"vip_level": strconv.Itoa(vip),
				"vip_exp":   strconv.Itoa(vip * f.IntRange(100, 1000)),
				"virtual_balance": map[string]any{
					"diamond": strconv.Itoa(f.IntRange(0, 50_000)),
					"gold":    strconv.Itoa(f.IntRange(0, 5_000_000)),
				},
			},
			"custom": map[string]any{
				"reg_server_id":   strconv.Itoa(f.IntRange(1, server)),
				"physical_server": physicalServer(g, server),
			},
		},
	}
}

// ctwid looks like the platform's ids ("GIL6T4C0"): upper-case letters and
// digits. It is built from a generator id, so it is unique per event.
func ctwid(g *profile.Gen) string {
	return strings.ToUpper(strings.Replace(g.ID("g"), "_", "", 1))
}

// physicalServer is "host|ip" as the example writes $SERVER_HOST|$SERVER_IP.
func physicalServer(g *profile.Gen, server int) string {
	host := fmt.Sprintf("gs%03d-%02d.%s", server, g.Faker.IntRange(1, 8), g.Faker.DomainName())
	return host + "|" + g.IPv4()
}

// cases are what the schema cannot derive: the document's two aliases, the
// places and units it leaves open, and what a receiver must accept.
var cases = []profile.Case{
	{Rule: "G1-AMB-1", Name: "game_server_id instead of server_id (the curl example)", Expect: profile.RejectStrict,
		Mutate: profile.RenameField("server_id", "game_server_id")},
	{Rule: "G1-AMB-1", Name: "game_server_id beside an empty server_id", Expect: profile.RejectStrict,
		Mutate: func(p *profile.Payload, _ *profile.Gen) {
			id, _ := profile.Get(p.Body, "server_id")
			profile.Set(p.Body, "game_server_id", id)
			profile.Set(p.Body, "server_id", "")
		}},
	{Rule: "G1-AMB-1", Name: "game_server_id beside server_id", Expect: profile.Accept,
		Mutate: func(p *profile.Payload, _ *profile.Gen) {
			id, _ := profile.Get(p.Body, "server_id")
			profile.Set(p.Body, "game_server_id", id)
		}},
	{Rule: "G1-AMB-2", Name: "physical_server in a top-level custom object (the curl example)", Expect: profile.RejectStrict,
		Mutate: movePhysicalServer},
	{Rule: "G1-AMB-2", Name: "physical_server in a top-level custom object, empty in data.custom", Expect: profile.RejectStrict,
		Mutate: profile.Steps(movePhysicalServer, profile.SetField("data.custom.physical_server", ""))},
	{Rule: "G1-AMB-2", Name: "physical_server in both places", Expect: profile.Accept,
		Mutate: func(p *profile.Payload, _ *profile.Gen) {
			ps, _ := profile.Get(p.Body, "data.custom.physical_server")
			profile.Set(p.Body, "custom", map[string]any{"device_id": "", "physical_server": ps})
		}},
	{Rule: "G1-AMB-2", Name: "top-level custom object without physical_server", Expect: profile.Accept,
		Mutate: profile.SetField("custom", map[string]any{"device_id": ""})},
	{Rule: "G1-BODY-1", Name: "timestamp in Unix seconds", Expect: profile.Reject,
		Mutate: profile.SetField("timestamp", 1605076260)},
	{Rule: "G1-BODY-1", Name: "timestamp in Unix microseconds", Expect: profile.Reject,
		Mutate: profile.SetField("timestamp", int64(1605076260715000))},
	{Rule: "G1-BODY-1", Name: "timestamp of the document's example (Unix ms)", Expect: profile.Accept,
		Mutate: profile.SetField("timestamp", int64(1605076260715))},
	{Rule: "G1-BODY-1", Name: "empty data.role", Expect: profile.Reject,
		Mutate: profile.SetField("data.role", map[string]any{})},
	{Rule: "G1-BODY-1", Name: "role members as numbers (their shape is not documented)", Expect: profile.Accept,
		Mutate: profile.SetField("data.role", map[string]any{"id": 3444382, "exp": 1, "vip_level": 0, "vip_exp": 0})},
	{Rule: "G1-JSON-1", Name: "line comment as in the document's example", Expect: profile.Reject,
		Mutate: func(p *profile.Payload, _ *profile.Gen) {
			b, err := p.Bytes()
			if err != nil || len(b) < 2 {
				return
			}
			p.Body, p.Raw = nil, "{ // server id where g_register occurred\n"+string(b[1:])
		}},
}

// movePhysicalServer puts data.custom.physical_server where the curl example
// has it: in a top-level custom object beside device_id.
func movePhysicalServer(p *profile.Payload, _ *profile.Gen) {
	ps, _ := profile.Get(p.Body, "data.custom.physical_server")
	profile.Delete(p.Body, "data.custom.physical_server")
	profile.Set(p.Body, "custom", map[string]any{"device_id": "", "physical_server": ps})
}
