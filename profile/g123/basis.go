package g123

import "github.com/s2s-harness/s2s-harness/profile"

// The seed sentences the G123 checks rest on, and the decisions that are ours
// (SPECS.md). The document gives no error answer at all: which fields are
// required and that requests are authenticated is documented; every status,
// type check, unit check and JSON strictness is our decision.
var cite = profile.Cite(seed)

var (
	citeBasic = cite("Request Header 使用 Basic 认证方式发送 appId 和 appSecret",
		"The request header sends appId and appSecret with Basic authentication.")
	citeCheat = cite("因此需要游戏服务器和平台服务器间通讯以确保数据可靠性，防止作弊。",
		"Hence the game server and the platform server talk directly, to keep the data reliable and prevent cheating.")
	citeRequired = cite("uid\tstring\t用户游戏唯一标示 id\tYes",
		"uid, string, the user's unique id in the game, required: Yes (and likewise server_id, ctwid, timestamp, level, data).")
	citeData     = cite("role\tobject\t用户相关字段\tYes", "role, object, the user's fields, required: Yes (and likewise game_user_id and custom).")
	citePhysical = cite("目前必传项为 physical_server",
		"currently the mandatory item is physical_server.")
	citeMillis = cite("timestamp\tlong\t事件发生时间 (UNIX 时间单位:ms)\tYes",
		"timestamp, long, when the event happened (UNIX time, unit: ms), required: Yes.")
	citeJSON    = cite("Content-Type\tapplication/json", "Content-Type: application/json.")
	citeExample = cite("示例", "Example (the curl request of section 9.2).")
)

var (
	decStatus = profile.Dec("G1 decision: the document gives no error status; 401 and 400 are ours")
	decEmpty  = profile.Dec("SPECS.md cross-cutting decision: \"\" (or an empty object) for a required member counts as missing; the seed never says")
	decTypes  = profile.Dec("the table names types, but the document never says a receiver rejects another type or unit; rejecting is our strictness")
	decJSON   = profile.Dec("G1-JSON-1 decision: the document's own example has comments and trailing commas; rejecting them is our strict reading")
	decResp   = profile.Dec("G1-RESP-1: the document shows the answer but warns its format may change (注：返回的数据格式可能会在正式版本发布时有所变动); we hold receivers to it as a decision")
	decAmb    = profile.Dec("an ambiguity of the curl example: strict and lenient readings are both allowed")
)

var grounds = []profile.Grounding{
	{Rule: "G1-AUTH-1", Kind: profile.KindAuth, Ground: profile.Doc("requests are authenticated with the app's Basic credentials", citeBasic, citeCheat)},
	{Rule: "G1-AUTH-1", Kind: profile.KindStatus, Ground: decStatus},

	{Rule: "G1-BODY-1", Kind: profile.KindExample, Ground: profile.Doc("the document's example, in valid JSON", citeExample, citeRequired)},
	{Rule: "G1-BODY-1", Kind: profile.KindValid, Ground: profile.Doc("an event with every required member", citeRequired, citeData, citePhysical)},
	{Rule: "G1-BODY-1", Kind: profile.KindRequired, Ground: profile.Doc("a member the table marks required is missing", citeRequired, citeData, citePhysical)},
	{Rule: "G1-BODY-1", Kind: profile.KindStatus, Ground: decStatus},
	{Rule: "G1-BODY-1", Kind: profile.KindCode, Ground: decStatus},
	{Rule: "G1-BODY-1", Kind: profile.KindEmpty, Ground: decEmpty},
	{Rule: "G1-BODY-1", Kind: profile.KindType, Ground: decTypes},
	{Rule: "G1-BODY-1", Kind: profile.KindValue, Ground: decTypes},
	{Rule: "G1-BODY-1", Kind: profile.KindCase, Ground: decTypes},
	{Rule: "G1-BODY-1", Kind: profile.KindCase, Field: "empty data.role", Ground: decEmpty},
	{Rule: "G1-BODY-1", Kind: profile.KindCase, Field: "timestamp of the document's example (Unix ms)",
		Ground: profile.Doc("the example's value, in the unit the table gives", citeMillis)},
	{Rule: "G1-BODY-1", Kind: profile.KindCase, Field: "role members as numbers (their shape is not documented)",
		Ground: profile.Dec("role's members are undocumented; accepting any shape is our reading")},

	{Rule: "G1-JSON-1", Ground: decJSON},
	{Rule: "G1-JSON-1", Kind: profile.KindMalformed, Field: profile.MalformedTruncated,
		Ground: profile.Doc("a body that is not JSON carries none of the required members", citeJSON, citeRequired)},
	{Rule: "G1-JSON-1", Kind: profile.KindMalformed, Field: profile.MalformedForm,
		Ground: profile.Doc("a body that is not JSON carries none of the required members", citeJSON, citeRequired)},
	{Rule: "G1-JSON-1", Kind: profile.KindStatus, Ground: decStatus},

	{Rule: "G1-AMB-1", Ground: decAmb},
	{Rule: "G1-AMB-2", Ground: decAmb},
	{Rule: "G1-RESP-1", Ground: decResp},
}
