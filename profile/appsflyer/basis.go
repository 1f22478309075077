package appsflyer

import "github.com/s2s-harness/s2s-harness/profile"

// The seed sentences the AppsFlyer checks rest on, and the decisions that are
// ours (SPECS.md). The document's 400 is "the request fails at least one
// validation criterion"; the criteria it states are the content type, the
// 1K size, the mandatory parameters, a stringified eventValue and
// af_events_api "true". The eventTime format is stated, but not that another
// one is refused: those rejections are decided.
var cite = profile.Cite(seed)

var (
	citeCT      = cite("Loại nội dung phải được đặt là application/json.", "The content type must be set to application/json.")
	citeAuth    = cite("Tiêu đề\u00a0- \"authentication\"= {dev-key}", `Header - "authentication" = {dev-key}.`)
	cite401     = cite("unauthorized\u00a0khi khóa được cung cấp trong đầu trang xác thực không phải là dev-key cho ứng dụng này.", "401 unauthorized when the key given in the authentication header is not the dev key of this app.")
	cite400     = cite("Bad request\u00a0khi yêu cầu thất bại trong ít nhất một trong các tiêu chí xác thực", "400 Bad request when the request fails at least one of the validation criteria.")
	citeIOS     = cite("Điều quan trọng cần đặc biệt chú ý là ID ứng dụng trên iOS chứa \"id\" dẫn đầu trước ID, mặt khác yêu cầu kết thúc với HTTPS 200 OK, nhưng sự kiện\u00a0không được\u00a0đăng ký.", `Pay special attention: the iOS app ID carries a leading "id"; otherwise the request ends with HTTPS 200 OK, but the event is not recorded.`)
	citeSize    = cite("Kích thước tối đa của tải trọng JSON không được vượt quá 1K.", "The JSON payload must not exceed 1K.")
	citeString  = cite("Tải trọng JSON phải được chuyển thành một chuỗi và giá trị sự kiện phải được xâu chuỗi.", "The JSON payload must be sent as a string and the event value must be stringified.")
	citeRich    = cite("{A JSON containing a rich in-app event value - must be stringfied}", "eventValue: a JSON holding a rich in-app event value, stringified.")
	citeEvAPI   = cite(`Hãy chắc chắn rằng tải trọng JSON bao gồm tham số "af_events_api" :"true"`, `Make sure the JSON payload includes the parameter "af_events_api":"true".`)
	citeMust    = cite("Các tham số bắt buộcappsflyer_id (AppsFlyer Device id),\u00a0eventName, eventValue và\u00a0af_events_api", "Mandatory parameters: appsflyer_id (AppsFlyer device id), eventName, eventValue and af_events_api.")
	citeRec     = cite("Các tham số đề xuất: idfacho iOS vàadvertising_idcho Android.", "Recommended parameters: idfa for iOS and advertising_id for Android.")
	citeEmptyEV = cite(`eventValue có thể cùng với giá trị rỗng, tức là: "eventValue":"", (không cần khoảng trắng)`, `eventValue may be empty, that is "eventValue":"" (no space needed).`)
	citeNeg     = cite("bạn có thể chỉ định giá trị âm trong thông số doanh thu", "you can give a negative value in the revenue parameter.")
	citeExample = cite("Ví dụ về Nội dung Yêu cầu", "Example request body.")
	citeTime    = cite("Nếu không có tham số trong tin nhắn, AppsFlyer sử dụng dấu thời gian từ tin nhắn HTTPS nhận được.", "Without the parameter, AppsFlyer uses the timestamp of the HTTPS message received.")
	citeBefore2 = cite("tất cả chúng phải được gửi tới AppsFlyer trước 02:00 sáng (giờ UTC +0) của ngày hôm sau.", "they must all reach AppsFlyer before 02:00 (UTC+0) of the next day.")
	citeAfter2  = cite("Các sự kiện với dấu thời gian quá khứ, không được gửi trước 2:00 sáng, được ghi lại theo thời gian mà chúng được gửi.", "Events with a past timestamp not sent before 2:00 are recorded at the time they were sent.")
	citeFuture  = cite("Sự kiện gửi với nhãn thời gian trong tương lai luôn được ghi lại trong AppsFlyer theo thời gian chúng được gửi đến AppsFlyer", "Events sent with a future timestamp are always recorded at the time they reach AppsFlyer.")
)

var (
	decEmpty  = profile.Dec("SPECS.md cross-cutting decision: \"\" for a required string counts as missing; the seed never says")
	decTypes  = profile.Dec("the seed types neither appsflyer_id nor eventName; rejecting another JSON type is our strictness")
	decJSON   = profile.Dec("JSON that a liberal reader still understands (comments, trailing commas, duplicate keys) is rejected by our strict reading")
	decTime   = profile.Dec("AF-TIME-1 decision: the seed gives the eventTime format but never says another one is refused (eventTime is optional)")
	decSize   = profile.Dec("AF-SIZE-1 decision: 1K read as 1,024 bytes")
	decValue  = profile.Dec("our strict reading of a stringified JSON object; the seed does not say")
	decURI    = profile.Dec("the seed asks for reserved characters to be percent-encoded; that every encoded character is decoded (RFC 3986 §2.3 equivalence) is our reading")
	decAmb    = profile.Dec("an ambiguity between the document and real traffic: both readings allowed")
	decShould = profile.Dec("a SHOULD or a decision of SPECS.md; the seed does not require it")
)

var grounds = []profile.Grounding{
	{Rule: "AF-AUTH-1", Kind: profile.KindAuth, Ground: profile.Doc("only the app's dev key in the authentication header authenticates", citeAuth, cite401)},
	{Rule: "AF-AUTH-1", Kind: profile.KindStatus, Ground: profile.Doc("", cite401)},
	{Rule: "AF-APP-1", Ground: profile.Doc("an iOS id without its prefix is answered 200 and not recorded", citeIOS)},
	{Rule: "AF-CT-1", Ground: profile.Doc("the content type is application/json; else the request fails validation", citeCT, cite400)},
	{Rule: "AF-SIZE-1", Kind: profile.KindSize, Ground: profile.Doc("the payload may not exceed 1K", citeSize, cite400)},
	{Rule: "AF-SIZE-1", Kind: profile.KindStatus, Ground: profile.Doc("", cite400)},
	{Rule: "AF-SIZE-1", Kind: profile.KindCase, Ground: decSize},

	{Rule: "AF-BODY-1", Kind: profile.KindExample, Ground: profile.Doc("the document's own examples", citeExample, citeMust)},
	{Rule: "AF-BODY-1", Kind: profile.KindValid, Ground: profile.Doc("an event with every mandatory parameter", citeMust)},
	{Rule: "AF-BODY-1", Kind: profile.KindRequired, Ground: profile.Doc("a mandatory parameter is missing", citeMust, cite400)},
	{Rule: "AF-BODY-1", Kind: profile.KindStatus, Ground: profile.Doc("", cite400)},
	{Rule: "AF-BODY-1", Kind: profile.KindEmpty, Ground: decEmpty},
	{Rule: "AF-BODY-1", Kind: profile.KindEmpty, Field: "af_events_api", Ground: profile.Doc("af_events_api must be \"true\"", citeEvAPI, cite400)},
	{Rule: "AF-BODY-1", Kind: profile.KindType, Ground: decTypes},
	{Rule: "AF-BODY-1", Kind: profile.KindMalformed, Ground: decJSON},
	{Rule: "AF-BODY-1", Kind: profile.KindMalformed, Field: profile.MalformedTruncated,
		Ground: profile.Doc("a body that is not JSON is not application/json and carries no mandatory parameter", citeCT, citeMust, cite400)},
	{Rule: "AF-BODY-1", Kind: profile.KindMalformed, Field: profile.MalformedForm,
		Ground: profile.Doc("a body that is not JSON is not application/json and carries no mandatory parameter", citeCT, citeMust, cite400)},
	{Rule: "AF-BODY-1", Kind: profile.KindCase, Field: "empty af_events_api", Ground: profile.Doc("af_events_api must be \"true\"", citeEvAPI, cite400)},
	{Rule: "AF-BODY-1", Kind: profile.KindCase, Field: "no af_events_api (CDP style)", Ground: profile.Doc("af_events_api is mandatory (real senders omit it: AF-AMB-2)", citeMust, citeEvAPI)},

	{Rule: "AF-BODY-2", Kind: profile.KindType, Ground: profile.Doc("eventValue must be a stringified JSON", citeString, citeRich, cite400)},
	{Rule: "AF-BODY-2", Kind: profile.KindStatus, Ground: profile.Doc("", cite400)},
	{Rule: "AF-BODY-2", Kind: profile.KindCase, Field: "eventValue as a JSON object instead of a string", Ground: profile.Doc("eventValue must be stringified", citeString, citeRich, cite400)},
	{Rule: "AF-BODY-2", Kind: profile.KindCase, Field: "eventValue string that is not a JSON object", Ground: profile.Doc("eventValue is a JSON, stringified", citeRich, cite400)},
	{Rule: "AF-BODY-2", Kind: profile.KindCase, Field: "eventValue string holding a JSON array", Ground: decValue},
	{Rule: "AF-BODY-2", Kind: profile.KindCase, Field: "eventValue with a duplicate key", Ground: decValue},
	{Rule: "AF-BODY-2", Kind: profile.KindCase, Field: "empty eventValue", Ground: profile.Doc("eventValue may be empty", citeEmptyEV)},
	{Rule: "AF-BODY-2", Kind: profile.KindCase, Field: "eventValue with the document's line breaks and spaces", Ground: profile.Doc("the request example's eventValue, as written", citeExample)},

	{Rule: "AF-BODY-3", Ground: profile.Doc("af_events_api must be \"true\"", citeEvAPI, citeMust, cite400)},
	{Rule: "AF-BODY-3", Kind: profile.KindCase, Field: "af_events_api \"TRUE\"", Ground: profile.Dec("that \"TRUE\" is not \"true\" is our strict reading")},
	{Rule: "AF-BODY-3", Kind: profile.KindCase, Field: "af_events_api boolean true", Ground: profile.Dec("AF-BODY-3 decision: strict requires the string \"true\", lenient takes boolean true")},

	{Rule: "AF-AMB-1", Ground: profile.Dec("AF-AMB-1: the document once writes \"event_value\":\"\"; both readings allowed")},
	{Rule: "AF-AMB-2", Ground: decAmb},
	{Rule: "AF-REC-1", Ground: decShould},
	{Rule: "AF-REC-1", Kind: profile.KindCase, Field: "neither idfa nor advertising_id", Ground: profile.Doc("they are recommended, not mandatory", citeRec)},
	{Rule: "AF-NEG-1", Ground: profile.Doc("negative revenue may be sent", citeNeg)},
	{Rule: "AF-TIME-1", Ground: decTime},
	{Rule: "AF-TIME-2", Kind: profile.KindTime, Ground: profile.Doc("the document's recorded-time rule and its worked examples", citeTime, citeBefore2, citeAfter2, citeFuture)},
	{Rule: "AF-RATE-1", Ground: decAmb},
	{Rule: "AF-URI-1", Ground: decURI},
	{Rule: "AF-DUP-1", Ground: profile.Dec("AF-DUP-1 decision: the seed documents no duplicate marking")},
}
