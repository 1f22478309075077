package affise

import "github.com/s2s-harness/s2s-harness/profile"

// The sentences of Affise's Help Center the checks rest on (help-center.md), and
// the decisions that are ours. The pages document the parameters, that
// click_id is mandatory, the status values, the device types, the secure
// code and what Affise does not register (a missing or wrong code, a
// repeated action_id). They are silent on the answer a refusal gets (Affise
// accepts every request and judges it later), on sum's format and on
// currency: those are decided.
var cite = profile.Cite(source)

var (
	citeURL        = cite("Affise postback URL is a URL to pass conversion information to Affise from an advertiser.", "The postback URL carries a conversion from the advertiser to Affise.")
	citeClick      = cite("&clickid or &click_id | Click ID - mandatory parameter |", "clickid or click_id: the click id, a mandatory parameter.")
	citeMissing    = cite("Missing mandatory parameter clickid/click_id", "A postback without clickid/click_id is an error.")
	cite24         = cite("Affise unique clickid value should contain 24 symbols.", "Affise's click id is 24 characters long.")
	citeAction     = cite("&action_id | Unique conversion ID in the advertiser's system |", "action_id: the conversion's unique id in the advertiser's system.")
	citeUniqGoal   = cite("goal: goal value (goal).", "A conversion is unique by its goal…")
	citeUniqAction = cite("action ID: unique conversion ID in the advertiser's system (action_id).", "…and its action_id (with the offer).")
	citeSameAction = cite("If an advertiser sends postbacks with a different click ID, but the same action ID, the system doesn't register conversions.", "The same action_id again (even with another click id) is not recorded again.")
	citeSameClick  = cite("when you receive postbacks for different conversions with the same click ID, only the first postback is successful.", "Without an action_id, only the first postback of a click id counts.")
	citeAccepted   = cite("The request is accepted disregarding any issues.", "Every postback is answered as accepted.")
	citeStatus     = []profile.Citation{cite("Approved - 1", "1: approved."), cite("Pending - 2", "2: pending."),
		cite("Declined - 3", "3: declined."), cite("Hold - 5", "5: hold.")}
	citeSecure    = cite("&secure | Hash password generated on offer, advertiser level |", "secure: the postback code set for the offer or advertiser.")
	citeSecureErr = cite("The advertiser didn't pass or didn't pass the correct secure code via a postback with the help of the secure parameter.", "Access denied: the secure code was missing or wrong.")
	citeNoSecure  = cite("If your advertiser decides to send you a postback for conversions without a secure code, the Affise system does not register this postback.", "A postback without the secure code is not recorded.")
	citeDevice    = cite("&device_type | Device type. Possible values: mediahub, mobile, ereader, console, tv, tablet, desktop, smartwatch |", "device_type is one of eight values.")
	citeCustom    = cite("&custom_field1 - custom_field15 | Additional parameters |", "custom_field1 to custom_field15 carry additional values.")
)

var (
	decStatus = profile.Dec("Affise answers every postback on receipt and judges it later; the harness's 400 and 403 are our decision")
	decTypes  = profile.Dec("a query string carries only strings; no member has another type")
	decQuery  = profile.Dec("AFF-QUERY-1 decision: a repeated parameter or a bad escape is refused rather than read one way")
)

var docEmpty = profile.Doc("an empty click id (an unfilled {clickid} macro) gives no click id, and it is mandatory", citeClick, citeMissing)

var grounds = []profile.Grounding{
	{Rule: "AFF-AUTH-1", Kind: profile.KindAuth, Ground: profile.Doc("a postback without the right secure code is refused and not recorded", citeSecure, citeSecureErr, citeNoSecure)},
	{Rule: "AFF-AUTH-1", Kind: profile.KindStatus, Ground: decStatus},

	{Rule: "AFF-CLICK-1", Kind: profile.KindExample, Ground: profile.Doc("the documented parameters", citeURL, citeClick)},
	{Rule: "AFF-CLICK-1", Kind: profile.KindValid, Ground: profile.Doc("a conversion with its click id", citeClick)},
	{Rule: "AFF-CLICK-1", Kind: profile.KindRequired, Ground: profile.Doc("click_id is mandatory", citeClick, citeMissing)},
	// An empty parameter is no value (AFF-PARAM-1): an empty click id is a missing one.
	{Rule: "AFF-CLICK-1", Kind: profile.KindEmpty, Ground: docEmpty},
	{Rule: "AFF-CLICK-1", Kind: profile.KindType, Ground: decTypes},
	{Rule: "AFF-CLICK-1", Kind: profile.KindStatus, Ground: decStatus},
	{Rule: "AFF-CLICK-1", Kind: profile.KindCase, Ground: profile.Doc("click_id, or clickid, is mandatory", citeClick, citeMissing)},
	{Rule: "AFF-CLICK-1", Kind: profile.KindCase, Field: "click_id left empty (an unfilled macro)", Ground: docEmpty},

	{Rule: "AFF-CLICK-2", Ground: profile.Doc("Affise's click ids are 24 characters; strict mode refuses others", cite24)},
	{Rule: "AFF-CLICK-2", Kind: profile.KindCase, Field: "click_id in upper-case hex",
		Ground: profile.Dec("that the 24 characters are lower-case hex is affise/go-tracking's check, not the pages'")},
	{Rule: "AFF-CLICK-2", Kind: profile.KindStatus, Ground: decStatus},

	{Rule: "AFF-ACTION-1", Ground: profile.Doc("a conversion is goal and action_id; a repeat is answered as received and not recorded again",
		citeAction, citeUniqGoal, citeUniqAction, citeSameAction, citeAccepted)},
	{Rule: "AFF-ACTION-1", Kind: profile.KindRepeat, Field: "conflict", Ground: profile.Doc("the same action_id with another click id is still not recorded", citeSameAction)},
	{Rule: "AFF-ACTION-1", Kind: profile.KindRepeat, Field: "concurrent", Ground: profile.Doc("one conversion is recorded once, however its postbacks arrive", citeUniqAction, citeSameAction)},

	{Rule: "AFF-SUM-1", Ground: profile.Dec("AFF-SUM-1 decision: the pages say only \"conversion revenue\"; a decimal with '.' is our reading (affise/go-tracking writes a float with %v)")},
	{Rule: "AFF-STATUS-1", Ground: profile.Doc("the four documented status values", citeStatus...)},
	{Rule: "AFF-STATUS-1", Kind: profile.KindStatus, Ground: decStatus},
	{Rule: "AFF-CUR-1", Ground: profile.Dec("AFF-CUR-1 decision: the parameters page does not list currency (Affise's macros name one); an ISO 4217 code is our reading")},
	{Rule: "AFF-DEV-1", Ground: profile.Doc("device_type has eight possible values; strict mode refuses others", citeDevice)},
	{Rule: "AFF-PARAM-1", Ground: profile.Dec("AFF-PARAM-1 decision: undocumented parameters are ignored and an unfilled macro is no value")},
	{Rule: "AFF-PARAM-1", Kind: profile.KindCase, Field: "no action_id (the click is the key)",
		Ground: profile.Doc("only click_id is mandatory; without action_id the click id is the key", citeClick, citeSameClick)},
	{Rule: "AFF-PARAM-1", Kind: profile.KindCase, Field: "custom_field15 given",
		Ground: profile.Doc("custom_field1 to custom_field15 are documented parameters", citeCustom)},
	{Rule: "AFF-QUERY-1", Ground: decQuery},
	// Even a permissive receiver has no document to accept from a query
	// that does not decode one way: no click id it can read.
	{Rule: "AFF-QUERY-1", Kind: profile.KindMalformed,
		Ground: profile.Doc("a query that does not decode one way carries no click id the receiver can read, and the click id is mandatory", citeClick, citeMissing)},
}
