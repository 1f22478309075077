package postback

import "github.com/s2s-harness/s2s-harness/profile"

// The seed sentences the postback checks rest on, and the decisions that are
// ours (SPECS.md). The seed is a guide, not a vendor spec: it documents the
// required members, money as numbers with an ISO 4217 currency, a canonical
// HMAC signature refused with 403 signature_invalid, short-lived JWTs,
// idempotency by event_id and no redirects. HS256, exp rules, 401 and 400,
// RFC 3339 details and the strict-mode readings are our decisions.
var cite = profile.Cite(seed)

var (
	citeRequired = cite("Gerekli alanlar 'event', 'event _ id', 'click _ id', 'ts _ event' (UTC), 'signature'dır.", "The required fields are event, event_id, click_id, ts_event (UTC) and signature.")
	citeMoney    = cite("Para birimi alanları her zaman 'para birimi' (ISO-4217) ile birlikte ve sayı olarak, dizeleri değil.", "Money fields always travel with a currency (ISO 4217), and as numbers, not strings.")
	citeComma    = cite("3. Dize toplamları/virgül - ayrıştırma hataları. - Bir nokta ve ISO para birimi ile sayıları iletin.", "3. Amounts as strings or with commas: parse errors. Send numbers with a dot and an ISO currency.")
	citeHMAC     = cite("'imza = HMAC (gizli, canonical_payload)'; Kanonize alan düzeni - kararlı doğrulama.", "signature = HMAC(secret, canonical_payload); a canonical field order makes verification stable.")
	citeRaw      = cite("4. \"Ham\" JSON üzerindeki imza, anahtarların sırasından kopar.", "4. A signature over the \"raw\" JSON breaks with the order of the keys.")
	citeTTL      = cite("Yetkilendirme düzeyinde kısa ömürlü jetonlar (JWT/opak): TTL 5-15 dakika.", "Short-lived tokens (JWT/opaque) at the authorization level: TTL 5–15 minutes.")
	citeBearer   = cite("Yetkilendirme: Taşıyıcı eyJhbGciOi...", "Authorization: Bearer eyJhbGciOi... (the request example).")
	citeWeak     = cite("6. Zayıf kimlik doğrulaması - sahte postbackler. - HMAC + JWT + mTLS/IP listesi.", "6. Weak authentication: forged postbacks. Use HMAC + JWT + mTLS/IP list.")
	citeSigHdr   = cite("X-İmza: sha256 = ab12...", "X-Signature: sha256=ab12... (the request example).")
	cite403      = cite("403 Yasak", "403 Forbidden (the signature-error example).")
	citeSigBody  = cite(`{"hata ": "signature _ invalid", "ipucu ":" kanonik düzeni kontrol et"}`, `{"error": "signature_invalid", "hint": "check canonical order"}`)
	citeIdem     = cite("Idempotence: POST'u aynı 'event _ id'ile tekrarlayın, çift olmadan' 200 OK 'vermelidir.", "Idempotence: a POST repeated with the same event_id must answer 200 OK, without a duplicate.")
	citeFirst    = cite(`{"durum":'tamam "," idempotent ": yanlış}`, `{"status": "ok", "idempotent": false} (the first delivery).`)
	citeReplay   = cite(`{"durum":'tamam "," idempotent ": doğru}`, `{"status": "ok", "idempotent": true} (the same event_id sent again).`)
	citeRedirect = cite("Postbeck uç noktasından HTTP yönlendirmelerinin yasaklanması; Sadece doğrudan cevaplar.", "HTTP redirects from the postback endpoint are forbidden; direct answers only.")
	citeUTC      = cite("UTC'deki tüm zaman damgaları ('2025-10-21T15: 12: 31Z').", "All timestamps in UTC ('2025-10-21T15:12:31Z').")
	citeJSON     = cite("İçerik Türü: uygulama/json", "Content-Type: application/json (the request example).")
	citeExample  = cite("14. 1. POST/postback (operatör - izleyici)", "14.1 POST /postback (operator → tracker): the request example.")
	citeFallback = cite("Geri dönüşüm mekanizması olarak (click_id + olay türü + ts-window) tarafından veri tekilleştirme.", "De-duplication by (click_id + event type + time window) as a fallback mechanism.")
	citeRate     = cite(`Hız sınırlaması: Uç noktayı "patlamalardan've botlardan koruyun.`, "Rate limiting: protect the endpoint against bursts and bots.")
)

var (
	decStatus = profile.Dec("the seed gives 200 and 403 only; 401 and 400 are our decisions")
	decEmpty  = profile.Dec("SPECS.md cross-cutting decision: \"\" for a required string counts as missing; the seed never says")
	decTypes  = profile.Dec("the seed types only money; rejecting another JSON type elsewhere is our strictness")
	decTime   = profile.Dec("PB-BODY-1 decision: ts_event is RFC 3339; the seed shows one UTC example and never says another form is refused")
	decJSON   = profile.Dec("JSON that a liberal reader still understands (comments, trailing commas, duplicate keys) is rejected by our strict reading")
	decJWT    = profile.Dec("PB-AUTH-1 decision: HS256, exp required, exp − iat ≤ 15 min; the seed says only short-lived JWTs")
	decSig    = profile.Dec("a signature spelling SPECS.md decides (hex case, the sha256= prefix in strict mode)")
)

var grounds = []profile.Grounding{
	{Rule: "PB-AUTH-1", Kind: profile.KindAuth, Ground: profile.Doc("a postback without a genuine, current bearer JWT is refused", citeBearer, citeTTL, citeWeak)},
	{Rule: "PB-AUTH-1", Kind: profile.KindAuth, Field: "token without exp", Ground: decJWT},
	{Rule: "PB-AUTH-1", Kind: profile.KindAuth, Field: "token lifetime of 30 min", Ground: decJWT},
	{Rule: "PB-AUTH-1", Kind: profile.KindAuth, Field: "HS512 token", Ground: decJWT},
	{Rule: "PB-AUTH-1", Kind: profile.KindStatus, Ground: decStatus},
	{Rule: "PB-SIG-1", Kind: profile.KindAuth, Ground: profile.Doc("a postback without a valid HMAC of its canonical payload is refused with 403", citeHMAC, citeSigHdr, cite403, citeSigBody)},
	{Rule: "PB-SIG-1", Kind: profile.KindAuth, Field: "HMAC over the raw, non-canonical bytes", Ground: profile.Doc("the signature is over the canonical payload, not the raw bytes", citeHMAC, citeRaw, cite403)},
	{Rule: "PB-SIG-1", Kind: profile.KindAuth, Field: "upper-case hex", Ground: decSig},
	{Rule: "PB-SIG-1", Kind: profile.KindAuth, Field: "no sha256= prefix", Ground: decSig},
	{Rule: "PB-SIG-1", Kind: profile.KindStatus, Ground: profile.Doc("", cite403)},
	{Rule: "PB-SIG-1", Kind: profile.KindCode, Ground: profile.Doc("", citeSigBody)},
	{Rule: "PB-SIG-2", Ground: profile.Doc("a canonical field order: the same event with its keys reordered verifies", citeHMAC, citeRaw)},
	{Rule: "PB-SIG-3", Ground: profile.Dec("PB-SIG-3: the examples sign in a body member, the request example in the header; both readings allowed")},

	{Rule: "PB-BODY-1", Kind: profile.KindExample, Ground: profile.Doc("the document's examples, reconstructed", citeExample, citeRequired)},
	{Rule: "PB-BODY-1", Kind: profile.KindValid, Ground: profile.Doc("an event with every required member", citeRequired)},
	{Rule: "PB-BODY-1", Kind: profile.KindRequired, Ground: profile.Doc("a required member is missing", citeRequired)},
	{Rule: "PB-BODY-1", Kind: profile.KindStatus, Ground: decStatus},
	{Rule: "PB-BODY-1", Kind: profile.KindEmpty, Ground: decEmpty},
	{Rule: "PB-BODY-1", Kind: profile.KindType, Ground: decTypes},
	{Rule: "PB-BODY-1", Kind: profile.KindValue, Ground: decTime},
	{Rule: "PB-BODY-1", Kind: profile.KindCase, Ground: decTime},
	{Rule: "PB-BODY-1", Kind: profile.KindMalformed, Ground: decJSON},
	{Rule: "PB-BODY-1", Kind: profile.KindMalformed, Field: profile.MalformedTruncated,
		Ground: profile.Doc("a body that is not JSON carries none of the required members", citeJSON, citeRequired)},
	{Rule: "PB-BODY-1", Kind: profile.KindMalformed, Field: profile.MalformedForm,
		Ground: profile.Doc("a body that is not JSON carries none of the required members", citeJSON, citeRequired)},

	{Rule: "PB-BODY-2", Kind: profile.KindType, Field: "amount", Ground: profile.Doc("money is a number, not a string", citeMoney, citeComma)},
	{Rule: "PB-BODY-2", Kind: profile.KindType, Ground: decTypes},
	{Rule: "PB-BODY-2", Kind: profile.KindRequired, Ground: profile.Doc("money always travels with its currency", citeMoney)},
	{Rule: "PB-BODY-2", Kind: profile.KindCase, Ground: profile.Doc("money is a number with a dot and an ISO 4217 currency", citeMoney, citeComma)},
	{Rule: "PB-BODY-2", Kind: profile.KindCase, Field: "lower-case currency code", Ground: profile.Dec("that \"usd\" is not an ISO 4217 code is our strict reading")},
	{Rule: "PB-BODY-2", Kind: profile.KindCase, Field: "deposit_success without amount and currency",
		Ground: profile.Dec("SPECS.md decision: deposit_success without amount and currency is accepted")},
	{Rule: "PB-BODY-2", Kind: profile.KindStatus, Ground: decStatus},

	{Rule: "PB-TS-1", Ground: profile.Dec("PB-TS-1 decision: an offset other than Z is rejected in strict mode; the seed says only that times are UTC")},
	{Rule: "PB-TS-1", Kind: profile.KindCase, Field: "ts_event with offset +00:00", Ground: profile.Doc("+00:00 is UTC", citeUTC)},
	{Rule: "PB-IDEM-1", Kind: profile.KindRepeat, Ground: profile.Doc("a repeated event_id is answered 200, idempotent, and not recorded twice", citeIdem, citeFirst, citeReplay)},
	{Rule: "PB-IDEM-1", Kind: profile.KindBody, Field: "success", Ground: profile.Doc("the documented answers of a first delivery and a replay", citeFirst, citeReplay)},
	{Rule: "PB-IDEM-1", Kind: profile.KindBody, Field: "error", Ground: profile.Dec("the seed documents only the signature error's body; the others are our decision")},
	{Rule: "PB-IDEM-1", Kind: profile.KindMedia, Ground: profile.Dec("PB content type: a SHOULD of SPECS.md")},
	{Rule: "PB-IDEM-1", Kind: profile.KindRepeat, Field: "conflict", Ground: profile.Dec("SPECS.md decision: a repeated event_id with another payload is still a replay")},
	{Rule: "PB-IDEM-2", Kind: profile.KindRepeat, Ground: profile.Doc("a repeat is answered without a duplicate, however it arrives", citeIdem)},
	{Rule: "PB-DEDUP-1", Ground: profile.Doc("the fallback de-duplication key", citeFallback)},
	{Rule: "PB-REDIR-1", Ground: profile.Doc("redirects are forbidden", citeRedirect)},
	{Rule: "PB-RATE-1", Ground: profile.Doc("the endpoint is rate-limited", citeRate)},
	{Rule: "PB-EVT-1", Ground: profile.Dec("PB-EVT-1 decision: the event types are our reading of the seed")},
}
