package dingyue

import "github.com/s2s-harness/s2s-harness/profile"

// The seed sentences the Dingyue checks rest on, and the decisions that are
// ours (SPECS.md). The document's error-code table is what makes a rejection
// documented here: its "required" columns are lost, and it gives no HTTP
// statuses at all.
var cite = profile.Cite(seed)

var (
	citeAuth       = cite("认证: 需要 API Key (通过 X-API-KEY 请求头)", "Authentication: an API key is required (in the X-API-KEY request header).")
	citeBadKey     = cite("INVALID_API_KEYAPI Key 无效", "INVALID_API_KEY: the API key is invalid.")
	citeInvalid    = cite("INVALID_PARAMETER请求参数不合法", "INVALID_PARAMETER: a request parameter is invalid.")
	citeName       = cite("EVENT_NAME_REQUIRED事件名称不能为空", "EVENT_NAME_REQUIRED: the event name must not be empty.")
	citeUser       = cite("USER_REQUIRED用户标识不能为空", "USER_REQUIRED: the user id must not be empty.")
	citeSession    = cite("SESSION_ID_REQUIRED会话 ID 不能为空", "SESSION_ID_REQUIRED: the session id must not be empty.")
	citeEvents     = cite("eventsarray事件数组", "events, array: the array of events.")
	citeExtra      = cite("events[].extraobject事件额外属性(自定义属性)", "events[].extra, object: the event's extra attributes (custom attributes).")
	citeFields     = cite("events[].namestring事件名称", "events[].name, string: the event name (likewise user and sessionId, strings).")
	citeJSON       = cite("Content-Typestringapplication/json", "Content-Type, string: application/json.")
	citeEmptyExtra = cite("extra: {} }", "The batch example sends an event with extra: {}.")
	citeSuccess    = cite(`"message": "Events reported successfully"`, `Success answer: {"status": "success", "message": "Events reported successfully"}.`)
	citeError      = cite(`"code": "INVALID_PARAMETER",`, `Error answer: {"status": "error", "code": "INVALID_PARAMETER", "message": "..."}.`)
	citeV2         = cite("V2 版本的请求格式与 V1 相同。", "The V2 request format is the same as V1's.")
	citeBody       = cite("上报用户行为事件数据,支持批量上报。", "Reports user behaviour events; batches are supported.")
)

var (
	decStatus = profile.Dec("the document gives no HTTP statuses; 401 and 400 are ours (DY-RESP-1: the status is a SHOULD)")
	decWrap   = profile.Dec("the table's required column is lost: rejecting a body without a non-empty events array is our reading")
	decJSON   = profile.Dec("JSON that a liberal reader still understands (comments, trailing commas, duplicate keys) is rejected by our strict reading")
	decCode   = profile.Dec("which of the document's codes a wrongly typed member gets is our choice")
	decNull   = profile.Dec("a null extra is rejected by our reading; many readers take null for absent")
	decAmb    = profile.Dec("the document's header table lost its required column: requiring the headers is the strict reading")
	decShould = profile.Dec("a SHOULD or a decision of SPECS.md; the seed does not require it")
)

var grounds = []profile.Grounding{
	{Rule: "DY-AUTH-1", Kind: profile.KindAuth, Ground: profile.Doc("a request without a valid key is refused with INVALID_API_KEY", citeAuth, citeBadKey)},
	{Rule: "DY-AUTH-1", Kind: profile.KindCode, Ground: profile.Doc("", citeBadKey)},
	{Rule: "DY-AUTH-1", Kind: profile.KindStatus, Ground: decStatus},

	{Rule: "DY-BODY-1", Kind: profile.KindExample, Ground: profile.Doc("the document's own examples", citeBody, citeEvents)},
	{Rule: "DY-BODY-1", Kind: profile.KindValid, Ground: profile.Doc("a body of the documented shape", citeEvents, citeFields)},
	{Rule: "DY-BODY-1", Kind: profile.KindRequired, Ground: decWrap},
	{Rule: "DY-BODY-1", Kind: profile.KindEmpty, Ground: decWrap},
	{Rule: "DY-BODY-1", Kind: profile.KindCase, Ground: decWrap},
	{Rule: "DY-BODY-1", Kind: profile.KindType, Ground: profile.Doc("events is an array; anything else is an invalid parameter", citeEvents, citeInvalid)},
	{Rule: "DY-BODY-1", Kind: profile.KindMalformed, Ground: decJSON},
	{Rule: "DY-BODY-1", Kind: profile.KindMalformed, Field: profile.MalformedTruncated,
		Ground: profile.Doc("a body that is not JSON is an invalid parameter", citeJSON, citeInvalid)},
	{Rule: "DY-BODY-1", Kind: profile.KindMalformed, Field: profile.MalformedForm,
		Ground: profile.Doc("a body that is not JSON is an invalid parameter", citeJSON, citeInvalid)},
	{Rule: "DY-BODY-1", Kind: profile.KindCode, Ground: profile.Doc("", citeInvalid)},
	{Rule: "DY-BODY-1", Kind: profile.KindStatus, Ground: decStatus},

	{Rule: "DY-BODY-2", Kind: profile.KindRequired, Ground: profile.Doc("each event's name, user and sessionId must not be empty", citeName, citeUser, citeSession)},
	{Rule: "DY-BODY-2", Kind: profile.KindEmpty, Ground: profile.Doc("each event's name, user and sessionId must not be empty", citeName, citeUser, citeSession)},
	{Rule: "DY-BODY-2", Kind: profile.KindType, Ground: profile.Doc("the table types each member; another type is an invalid parameter", citeFields, citeExtra, citeInvalid)},
	{Rule: "DY-BODY-2", Kind: profile.KindCase, Ground: profile.Doc("a required member missing or empty, or an event or extra of the wrong type, has its documented code", citeName, citeUser, citeSession, citeExtra, citeInvalid)},
	{Rule: "DY-BODY-2", Kind: profile.KindCase, Field: "extra is null", Ground: decNull},
	{Rule: "DY-BODY-2", Kind: profile.KindCase, Field: "event without extra",
		Ground: profile.Dec("the table's required column is lost: extra is optional by our reading")},
	{Rule: "DY-BODY-2", Kind: profile.KindCase, Field: "empty extra object", Ground: profile.Doc("the document's own batch sends extra: {}", citeEmptyExtra)},
	{Rule: "DY-BODY-2", Kind: profile.KindCode, Ground: profile.Doc("the code the document's table gives for the fault", citeName, citeUser, citeSession, citeInvalid)},
	{Rule: "DY-BODY-2", Kind: profile.KindCode, Field: profile.KindType, Ground: decCode},
	{Rule: "DY-BODY-2", Kind: profile.KindStatus, Ground: decStatus},

	{Rule: "DY-RESP-1", Kind: profile.KindBody, Field: "success", Ground: profile.Doc("the documented success answer", citeSuccess)},
	{Rule: "DY-RESP-1", Kind: profile.KindBody, Field: "error", Ground: profile.Doc("the documented error answer", citeError)},
	{Rule: "DY-RESP-1", Kind: profile.KindMedia, Ground: decShould},
	{Rule: "DY-V2-1", Ground: profile.Doc("v2 takes the v1 format", citeV2)},

	{Rule: "DY-HDR-1", Ground: decAmb},
	{Rule: "DY-HDR-2", Ground: decShould},
	{Rule: "DY-NAME-1", Ground: decShould},
	{Rule: "DY-BATCH-1", Ground: profile.Dec("DY-BATCH-1 decision: the document sets no batch limit")},
}
