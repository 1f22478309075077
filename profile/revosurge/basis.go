package revosurge

import "github.com/s2s-harness/s2s-harness/profile"

// The seed sentences the RevoSurge checks rest on, and the decisions that
// are ours (SPECS.md). The seed's only rejection is "400: a required field is
// missing"; type strictness, empty strings, batch limits and atomicity are
// our decisions, so a receiver that is liberal there is warned, never failed.
var cite = profile.Cite(seed)

var (
	citeAuth = cite("所有对服务器事件 API 的请求必须在请求头 `X-API-Key` 中包含 API Key。",
		"Every request to the server events API must carry the API key in the X-API-Key request header.")
	cite401 = cite("401 Unauthorized | API Key 无效或缺少认证头",
		"401 Unauthorized: the API key is invalid or the authentication header is missing.")
	cite400   = cite("400 Bad Request | 缺少必填字段", "400 Bad Request: a required field is missing.")
	citeTable = cite("请求体接受包含以下字段的 JSON 对象：",
		"The request body takes a JSON object with the following fields:")
	citeRequired = cite("| `client_user_id` | String | 是 |",
		"client_user_id, String, required: yes (and likewise click_id, event_name, timestamp, ip_address).")
	citeFinancial = cite("| `transaction_id` | String | *是** |",
		"transaction_id, String, required: yes* (likewise amount and currency; *see the note on non-financial events).")
	citeNonFinancial = cite("*注：非财务事件（如 login）中 `transaction_id`、`amount`、`currency` 非必填。*",
		"Note: for non-financial events (such as login) transaction_id, amount and currency are not required.")
	citeSeconds = cite("| `timestamp` | Integer | 是 | 事件发生的 Unix 时间戳（秒）。 |",
		"timestamp, Integer, required: the Unix timestamp (seconds) of the event.")
	citeMillis = cite(`"timestamp": UTC milliseconds,`, `"timestamp": UTC milliseconds (every scenario example).`)
	citeIP     = cite("用户的 IP 地址（IPv4/IPv6）。", "The user's IP address (IPv4/IPv6).")
	citeCrypto = cite("法币的 3 字母 ISO 货币代码（如 USD、EUR），或加密货币的任意代码。",
		"The 3-letter ISO currency code of a fiat currency (e.g. USD, EUR), or any code of a cryptocurrency.")
	citeExtra = cite("| `<<any_prop>>` | String | 否 | 其他自定义属性的键值对。 |",
		"<<any_prop>>, String, not required: key-value pairs of other custom properties.")
	citeBetExtras = cite(`"bet_result_amount": 1.00`, `The bet example sends the custom property "bet_result_amount": 1.00 (a number).`)
	citeBatch     = cite("请求体接受数组类型的 JSON 对象。数组项定义见 1.1 节。",
		"The request body takes JSON objects in an array; the items are defined in section 1.1.")
	citeRate     = cite("超出限制将返回 429 响应。", "Exceeding the limit returns a 429 response.")
	citeLimit    = cite("标准限制：每分钟 60 次请求（默认）。", "Standard limit: 60 requests per minute (default).")
	citePerKey   = cite("限制按 X-API-KEY 应用。", "The limit applies per X-API-KEY.")
	citeExamples = cite("## 请求体 Schema 使用场景", "Request body schema: use cases (the scenario examples).")
	citeCurl     = cite("#### 1.2 示例请求 (curl)", "1.2 Example request (curl).")
)

// Decisions, one sentence each.
var (
	decEmpty     = profile.Dec("SPECS.md cross-cutting decision: \"\" for a required string counts as missing; the seed never says an empty value is rejected")
	decTypes     = profile.Dec("RS-TYPE-1 reading: the seed lists types but its only rejection is a missing required field (400); rejecting another JSON type is our strictness")
	decMalformed = profile.Dec("JSON that a liberal reader still understands (comments, trailing commas, duplicate keys) is rejected by our strict reading; the seed does not say")
	decBatch     = profile.Dec("RS-BATCH-1 decision: an empty batch, over 1,000 items and a batch with one bad item are rejected whole; the seed says only that the body is an array of events")
	decStrict    = profile.Dec("a \"(strict)\" rejection of a SHOULD or of an extension: SPECS.md strict mode, never stated by the seed")
	decResponse  = profile.Dec("RS-RESP-1 decision: the seed documents no bodies and no content type")
	decDup       = profile.Dec("RS-DUP-1 decision: the seed documents no idempotency or duplicate marking")
)

var grounds = []profile.Grounding{
	{Rule: "RS-AUTH-1", Kind: profile.KindAuth, Ground: profile.Doc("a request without the header is refused", citeAuth, cite401)},
	{Rule: "RS-AUTH-2", Kind: profile.KindAuth, Ground: profile.Doc("an unknown key is an invalid one", cite401)},
	{Rule: "RS-AUTH-1", Kind: profile.KindStatus, Ground: profile.Doc("", cite401)},
	{Rule: "RS-AUTH-2", Kind: profile.KindStatus, Ground: profile.Doc("", cite401)},

	{Rule: "RS-BODY-1", Kind: profile.KindExample, Ground: profile.Doc("the document's own examples", citeExamples, citeCurl)},
	{Rule: "RS-BODY-1", Kind: profile.KindValid, Ground: profile.Doc("an event with every required field of the table", citeTable, citeRequired)},
	{Rule: "RS-BATCH-1", Kind: profile.KindValid, Ground: profile.Doc("an array of valid events", citeBatch)},
	{Rule: "RS-BATCH-1", Kind: profile.KindExample, Ground: profile.Doc("an array of the document's events", citeBatch)},
	{Rule: "RS-BODY-1", Kind: profile.KindRequired, Ground: profile.Doc("a required field missing is a 400", citeRequired, cite400)},
	{Rule: "RS-BODY-1", Kind: profile.KindStatus, Ground: profile.Doc("", cite400)},
	{Rule: "RS-BODY-1", Kind: profile.KindEmpty, Ground: decEmpty},
	{Rule: "RS-BODY-1", Kind: profile.KindCase, Field: "empty client_user_id", Ground: decEmpty},
	{Rule: "RS-BODY-2", Kind: profile.KindRequired, Ground: profile.Doc("a financial event without its transaction fields misses required fields", citeFinancial, citeNonFinancial, cite400)},
	{Rule: "RS-BODY-2", Kind: profile.KindCase, Field: "deposit without amount", Ground: profile.Doc("amount is required on a deposit", citeFinancial, citeNonFinancial, cite400)},
	{Rule: "RS-BODY-2", Kind: profile.KindStatus, Ground: profile.Doc("", cite400)},
	{Rule: "RS-BODY-2", Kind: profile.KindEmpty, Ground: decEmpty},
	{Rule: "RS-BODY-2", Kind: profile.KindCase, Field: "custom non-financial event without transaction fields",
		Ground: profile.Doc("non-financial events may omit the transaction fields", citeNonFinancial)},

	{Rule: "RS-TYPE-1", Kind: profile.KindType, Ground: decTypes},
	{Rule: "RS-TYPE-1", Kind: profile.KindCase, Ground: decTypes},
	{Rule: "RS-TYPE-1", Kind: profile.KindMalformed, Ground: decMalformed},
	{Rule: "RS-TYPE-1", Kind: profile.KindMalformed, Field: profile.MalformedTruncated,
		Ground: profile.Doc("a body that is not a JSON object carries none of the required fields", citeTable, cite400)},
	{Rule: "RS-TYPE-1", Kind: profile.KindMalformed, Field: profile.MalformedForm,
		Ground: profile.Doc("a body that is not a JSON object carries none of the required fields", citeTable, cite400)},
	{Rule: "RS-TYPE-1", Kind: profile.KindStatus, Ground: profile.Doc("", cite400)},

	{Rule: "RS-AMB-1", Ground: profile.Dec("RS-AMB-1: click_id is both required and \"recommended\", and the bet/win/loss examples omit it and ip_address")},
	{Rule: "RS-AMB-2", Ground: profile.Doc("the table says seconds, every example milliseconds: both are the document's", citeSeconds, citeMillis)},
	{Rule: "RS-IP-1", Ground: decStrict},
	{Rule: "RS-IP-1", Kind: profile.KindCase, Field: "IPv6 ip_address", Ground: profile.Doc("IPv6 is named", citeIP)},
	{Rule: "RS-CUR-1", Ground: decStrict},
	{Rule: "RS-CUR-1", Kind: profile.KindCase, Field: "crypto code with is_crypto true", Ground: profile.Doc("any code for a cryptocurrency", citeCrypto)},
	{Rule: "RS-EXTRA-1", Ground: decStrict},
	{Rule: "RS-EXTRA-1", Kind: profile.KindCase, Field: "scalar custom properties",
		Ground: profile.Doc("custom properties are accepted; the examples send these very ones", citeExtra, citeBetExtras)},
	{Rule: "RS-EXTRA-1", Kind: profile.KindCase, Field: "boolean custom property",
		Ground: profile.Dec("RS-EXTRA-1 decision: scalar extras are accepted; the seed shows only string and number ones")},

	{Rule: "RS-BATCH-1", Kind: profile.KindEmpty, Ground: decBatch},
	{Rule: "RS-BATCH-1", Kind: profile.KindItems, Ground: decBatch},
	{Rule: "RS-BATCH-1", Kind: profile.KindAtomic, Ground: decBatch},
	{Rule: "RS-BATCH-1", Kind: profile.KindType, Ground: profile.Doc("the batch body is an array", citeBatch)},

	{Rule: "RS-RATE-1", Kind: profile.KindRate, Ground: profile.Doc("60 a minute per key, then 429", citeLimit, citeRate, citePerKey)},
	{Rule: "RS-RATE-2", Kind: profile.KindRate, Ground: profile.Doc("the limit is per key", citePerKey)},
	{Rule: "RS-RESP-1", Ground: decResponse},
	{Rule: "RS-DUP-1", Ground: decDup},
}
