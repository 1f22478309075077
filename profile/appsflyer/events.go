package appsflyer

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
)

// events is a mobile game's in-app mix sent from its back end: mostly views,
// logins and carts, some purchases, the odd refund.
var events = []profile.EventType{
	{Name: "af_purchase", Endpoint: "inappevent", Weight: 12, New: func(g *profile.Gen) map[string]any {
		return purchase(g, "af_purchase", 1)
	}},
	{Name: "af_content_view", Endpoint: "inappevent", Weight: 28, New: func(g *profile.Gen) map[string]any {
		c := pick(g, currencies)
		return base(g, "af_content_view", map[string]string{
			"af_content_type": pick(g, contentTypes),
			"af_content_id":   contentID(g),
			"af_price":        c.price(g),
			"af_currency":     c.code,
		})
	}},
	{Name: "af_add_to_cart", Endpoint: "inappevent", Weight: 15, New: func(g *profile.Gen) map[string]any {
		c := pick(g, currencies)
		return base(g, "af_add_to_cart", map[string]string{
			"af_content_type": pick(g, contentTypes),
			"af_content_id":   contentID(g),
			"af_price":        c.price(g),
			"af_currency":     c.code,
			"af_quantity":     fmt.Sprint(g.Faker.IntRange(1, 5)),
		})
	}},
	{Name: "af_login", Endpoint: "inappevent", Weight: 20, New: func(g *profile.Gen) map[string]any {
		return base(g, "af_login", nil) // no value: "eventValue":""
	}},
	{Name: "af_complete_registration", Endpoint: "inappevent", Weight: 8, New: func(g *profile.Gen) map[string]any {
		return base(g, "af_complete_registration", map[string]string{
			"af_registration_method": pick(g, []string{"email", "facebook", "google", "apple", "phone"}),
		})
	}},
	{Name: "af_level_achieved", Endpoint: "inappevent", Weight: 10, New: func(g *profile.Gen) map[string]any {
		return base(g, "af_level_achieved", map[string]string{
			"af_level": fmt.Sprint(g.Faker.IntRange(2, 80)),
			"af_score": fmt.Sprint(g.Faker.IntRange(100, 99999)),
		})
	}},
	{Name: "cancel_purchase", Endpoint: "inappevent", Weight: 3, New: func(g *profile.Gen) map[string]any {
		return purchase(g, "cancel_purchase", -1) // AF-NEG-1: negative revenue
	}},
}

// base is one event of name; value nil means no event value ("").
func base(g *profile.Gen, name string, value map[string]string) map[string]any {
	ev := map[string]any{
		"appsflyer_id":  deviceID(g),
		"eventName":     name,
		"eventValue":    stringify(value),
		"ip":            g.IPv4(),
		"af_events_api": "true",
	}
	if g.Faker.IntRange(0, 3) == 0 {
		ev["idfa"] = strings.ToUpper(g.Faker.UUID())
		ev["bundle_id"] = "com.appsflyer.myapp"
	} else {
		ev["advertising_id"] = g.Faker.UUID()
	}
	if g.Faker.IntRange(0, 4) > 0 {
		ev["customer_user_id"] = g.ID("user")
	}
	// Most back ends stamp the event; the rest let AppsFlyer use the time received.
	if g.Faker.IntRange(0, 6) > 0 {
		at := g.Now.Add(-time.Duration(g.Faker.IntRange(0, 3_600_000)) * time.Millisecond)
		ev["eventTime"] = FormatEventTime(at)
	}
	return ev
}

// purchase is a purchase (sign 1) or its cancellation (sign -1).
func purchase(g *profile.Gen, name string, sign float64) map[string]any {
	c := pick(g, currencies)
	qty := g.Faker.IntRange(1, 3)
	price := c.amount(g)
	ev := base(g, name, map[string]string{
		"af_revenue":      c.format(sign * price * float64(qty)),
		"af_price":        c.format(price),
		"af_currency":     c.code,
		"af_content_type": pick(g, contentTypes),
		"af_content_id":   contentID(g),
		"af_quantity":     fmt.Sprint(qty),
		"af_order_id":     g.ID("order"),
	})
	ev["eventCurrency"] = c.code
	return ev
}

// currency prices things in a realistic range for its unit.
type currency struct {
	code     string
	scale    float64 // units per US dollar, roughly
	decimals int
}

var currencies = []currency{
	{"USD", 1, 2}, {"EUR", 0.9, 2}, {"GBP", 0.8, 2}, {"BRL", 5, 2}, {"TRY", 33, 2}, {"VND", 25000, 0}, {"JPY", 150, 0},
}

func (c currency) amount(g *profile.Gen) float64 {
	usd := pick(g, []float64{0.99, 1.99, 4.99, 9.99, 19.99, 49.99, 99.99}) // store price points
	p := math.Pow(10, float64(c.decimals))
	return math.Round(usd*c.scale*p) / p
}

func (c currency) price(g *profile.Gen) string { return c.format(c.amount(g)) }

func (c currency) format(v float64) string { return fmt.Sprintf("%.*f", c.decimals, v) }

var contentTypes = []string{"wallets", "coins", "gems", "skins", "boosters", "subscriptions", "bundles"}

func pick[T any](g *profile.Gen, from []T) T { return from[g.Faker.IntRange(0, len(from)-1)] }

func contentID(g *profile.Gen) string { return fmt.Sprint(g.Faker.IntRange(10000, 99999)) }

// deviceID is an AppsFlyer id as the document shows one: the install time in
// milliseconds, a dash, seven digits (1415211453000-6513894).
func deviceID(g *profile.Gen) string {
	installed := g.Now.Add(-time.Duration(g.Faker.IntRange(86_400, 2*365*86_400)) * time.Second)
	return fmt.Sprintf("%d-%07d", installed.UnixMilli()+int64(g.Faker.IntRange(0, 999)), g.Faker.IntRange(0, 9_999_999))
}

// stringify renders an event value as the document wants it: a JSON object in
// a string, "" for none.
func stringify(v map[string]string) string {
	if v == nil {
		return ""
	}
	b, _ := json.Marshal(v) // a map of strings always marshals; keys come out sorted
	return string(b)
}

// setPathApp returns a mutation that addresses the app by id.
func setPathApp(id string) func(*profile.Payload, *profile.Gen) {
	return func(p *profile.Payload, _ *profile.Gen) {
		if p.PathValues == nil {
			p.PathValues = map[string]string{}
		}
		p.PathValues["app_id"] = id
	}
}

// iosDevice makes the event an iOS one: idfa, no advertising_id.
func iosDevice(p *profile.Payload, g *profile.Gen) {
	profile.Delete(p.Body, "advertising_id")
	profile.Set(p.Body, "idfa", strings.ToUpper(g.Faker.UUID()))
}

// percentEncoded escapes every byte of s, reserved or not (AF-URI-1).
func percentEncoded(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

// isoTime returns a mutation that states a recent eventTime in ISO 8601 with
// the given zone offset, as CDP-style senders do (AF-AMB-2).
func isoTime(offset time.Duration) func(*profile.Payload, *profile.Gen) {
	return func(p *profile.Payload, g *profile.Gen) {
		at := g.Now.Add(-7 * time.Minute).Truncate(time.Millisecond)
		layout := "2006-01-02T15:04:05.000Z07:00"
		profile.Set(p.Body, "eventTime", at.In(time.FixedZone("", int(offset/time.Second))).Format(layout))
	}
}

// padTo returns a mutation that pads the body with whitespace to exactly n bytes.
func padTo(n int) func(*profile.Payload, *profile.Gen) {
	return func(p *profile.Payload, _ *profile.Gen) {
		b, err := p.Bytes()
		if err != nil || len(b) > n {
			return
		}
		p.Raw = string(b) + strings.Repeat(" ", n-len(b))
	}
}

// header returns a mutation that sets a request header.
func header(name, value string) func(*profile.Payload, *profile.Gen) {
	return func(p *profile.Payload, _ *profile.Gen) {
		if p.Header == nil {
			p.Header = map[string]string{}
		}
		p.Header[name] = value
	}
}

// docValue is the document's example event value, and its refund.
const (
	docValue         = `{"af_revenue":"6","af_content_type":"wallets","af_content_id":"15854","af_quantity":"1"}`
	docNegativeValue = `{"af_revenue":"-6","af_content_type":"wallets","af_content_id":"15854","af_quantity":"1"}`
)

// cases are what the schema cannot derive: the document's traps and
// ambiguities, the lenient readings, and what a receiver must accept.
var cases = []profile.Case{
	{Rule: "AF-APP-1", Name: "iOS app id without the leading \"id\"", Event: "af_purchase", Expect: profile.AcceptDropped,
		Mutate: profile.Steps(setPathApp("123456789"), iosDevice)},
	{Rule: "AF-URI-1", Name: "app id with every character percent-encoded", Event: "af_content_view", Expect: profile.Accept,
		Mutate: func(p *profile.Payload, g *profile.Gen) {
			setPathApp("com.appsflyer.myapp")(p, g)
			p.RawPath = "/inappevent/" + percentEncoded("com.appsflyer.myapp")
		}},
	{Rule: "AF-URI-1", Name: "iOS app id with every character percent-encoded", Event: "af_login", Expect: profile.Accept,
		Mutate: func(p *profile.Payload, g *profile.Gen) {
			setPathApp("id123456789")(p, g)
			iosDevice(p, g)
			p.RawPath = "/inappevent/" + percentEncoded("id123456789")
		}},
	{Rule: "AF-NEG-1", Name: "cancel_purchase with the document's negative revenue", Event: "cancel_purchase", Expect: profile.Accept,
		Mutate: profile.SetField("eventValue", docNegativeValue)},
	{Rule: "AF-NEG-1", Name: "refund as af_purchase with negative decimal revenue", Event: "af_purchase", Expect: profile.Accept,
		Mutate: profile.SetField("eventValue", `{"af_revenue":"-12.99","af_currency":"USD","af_content_id":"15854"}`)},
	{Rule: "AF-AMB-1", Name: "event_value instead of eventValue", Event: "af_purchase", Expect: profile.RejectStrict,
		Mutate: profile.RenameField("eventValue", "event_value")},
	{Rule: "AF-AMB-1", Name: "\"event_value\":\"\" as the document writes it", Event: "af_login", Expect: profile.RejectStrict,
		Mutate: profile.Steps(profile.DeleteField("eventValue"), profile.SetField("event_value", ""))},
	{Rule: "AF-BODY-1", Name: "no af_events_api (CDP style)", Event: "af_purchase", Expect: profile.RejectStrict,
		Also: []string{"AF-AMB-2"}, Mutate: profile.DeleteField("af_events_api")},
	{Rule: "AF-BODY-1", Name: "empty af_events_api", Event: "af_purchase", Expect: profile.Reject,
		Mutate: profile.SetField("af_events_api", "")},
	{Rule: "AF-TIME-1", Name: "ISO 8601 eventTime (CDP style)", Event: "af_purchase", Expect: profile.RejectStrict,
		Also: []string{"AF-AMB-2"}, Mutate: isoTime(0)},
	{Rule: "AF-TIME-1", Name: "ISO 8601 eventTime with a +07:00 offset", Event: "af_add_to_cart", Expect: profile.RejectStrict,
		Also: []string{"AF-AMB-2"}, Mutate: isoTime(7 * time.Hour)},
	{Rule: "AF-TIME-1", Name: "eventTime without milliseconds", Event: "af_purchase", Expect: profile.Reject,
		Mutate: profile.SetField("eventTime", "2014-05-15 12:17:00")},
	{Rule: "AF-TIME-1", Name: "eventTime with slashes", Event: "af_purchase", Expect: profile.Reject,
		Mutate: profile.SetField("eventTime", "2014/05/15 12:17:00.000")},
	{Rule: "AF-TIME-1", Name: "eventTime as Unix milliseconds in a string", Event: "af_purchase", Expect: profile.Reject,
		Mutate: profile.SetField("eventTime", "1400156220000")},
	{Rule: "AF-TIME-1", Name: "ISO 8601 eventTime without a zone", Event: "af_purchase", Expect: profile.Reject,
		Mutate: profile.SetField("eventTime", "2014-05-15T12:17:00.000")},
	{Rule: "AF-TIME-1", Name: "eventTime on a day that does not exist", Event: "af_purchase", Expect: profile.Reject,
		Mutate: profile.SetField("eventTime", "2014-02-30 12:17:00.000")},
	{Rule: "AF-TIME-1", Name: "empty eventTime", Event: "af_purchase", Expect: profile.Reject,
		Mutate: profile.SetField("eventTime", "")},
	{Rule: "AF-BODY-2", Name: "eventValue as a JSON object instead of a string", Event: "af_purchase", Expect: profile.Reject,
		Mutate: profile.SetField("eventValue", map[string]any{"af_revenue": "6", "af_content_id": "15854"})},
	{Rule: "AF-BODY-2", Name: "eventValue string that is not a JSON object", Event: "af_purchase", Expect: profile.Reject,
		Mutate: profile.SetField("eventValue", "af_revenue=6&af_content_id=15854")},
	{Rule: "AF-BODY-2", Name: "eventValue string holding a JSON array", Event: "af_purchase", Expect: profile.Reject,
		Mutate: profile.SetField("eventValue", `[{"af_revenue":"6"}]`)},
	{Rule: "AF-BODY-2", Name: "eventValue with a duplicate key", Event: "af_purchase", Expect: profile.Reject,
		Mutate: profile.SetField("eventValue", `{"af_revenue":"6","af_revenue":"7"}`)},
	{Rule: "AF-BODY-2", Name: "empty eventValue", Event: "af_purchase", Expect: profile.Accept,
		Mutate: profile.SetField("eventValue", "")},
	{Rule: "AF-BODY-2", Name: "eventValue with the document's line breaks and spaces", Event: "af_purchase", Expect: profile.Accept,
		Mutate: profile.SetField("eventValue", "{\n\t\t\"af_revenue\": \"6\",\n\t\t\"af_content_type\": \"wallets\",\n\t\t\"af_content_id\": \"15854\",\n\t\t\"af_quantity\" :\"1\"\n   }")},
	{Rule: "AF-BODY-3", Name: "af_events_api \"false\"", Event: "af_purchase", Expect: profile.Reject,
		Mutate: profile.SetField("af_events_api", "false")},
	{Rule: "AF-BODY-3", Name: "af_events_api \"TRUE\"", Event: "af_purchase", Expect: profile.Reject,
		Mutate: profile.SetField("af_events_api", "TRUE")},
	{Rule: "AF-BODY-3", Name: "af_events_api boolean false", Event: "af_purchase", Expect: profile.Reject,
		Mutate: profile.SetField("af_events_api", false)},
	{Rule: "AF-BODY-3", Name: "af_events_api boolean true", Event: "af_purchase", Expect: profile.RejectStrict,
		Mutate: profile.SetField("af_events_api", true)},
	{Rule: "AF-REC-1", Name: "neither idfa nor advertising_id", Event: "af_purchase", Expect: profile.Accept,
		Mutate: profile.Steps(profile.DeleteField("idfa"), profile.DeleteField("advertising_id"))},
	{Rule: "AF-REC-1", Name: "number inside eventValue", Event: "af_purchase", Expect: profile.Accept,
		Mutate: profile.SetField("eventValue", `{"af_revenue":6,"af_content_type":"wallets","af_content_id":"15854"}`)},
	{Rule: "AF-CT-1", Name: "Content-Type application/json; charset=utf-8", Event: "af_purchase", Expect: profile.Accept,
		Mutate: header("Content-Type", "application/json; charset=utf-8")},
	{Rule: "AF-CT-1", Name: "Content-Type application/x-www-form-urlencoded", Event: "af_purchase", Expect: profile.Reject,
		Mutate: header("Content-Type", "application/x-www-form-urlencoded")},
	{Rule: "AF-SIZE-1", Name: "body of exactly 1,024 bytes", Event: "af_purchase", Expect: profile.Accept,
		Mutate: padTo(1024)},
}

// liveTimeCases are AF-TIME-2's cases whose answer follows from the real
// clock wherever in the day it runs: three days old is past any 02:00
// cut-off, five minutes old is always before its own (at least two hours
// after the event), a future time gives way to the time received.
var liveTimeCases = func() []profile.LiveTimeCase {
	tc := func(name string, age time.Duration, atEvent bool) profile.LiveTimeCase {
		return profile.LiveTimeCase{Rule: "AF-TIME-2", Field: "eventTime", Format: FormatEventTime, Name: name, Age: age, AtEvent: atEvent}
	}
	return []profile.LiveTimeCase{
		tc("an event three days old is recorded when received", 72*time.Hour, false),
		tc("an event five minutes old is recorded at its eventTime", 5*time.Minute, true),
		tc("an eventTime an hour in the future is recorded when received", -time.Hour, false),
		{Rule: "AF-TIME-2", Field: "eventTime", Name: "no eventTime: recorded when received", NoTime: true},
	}
}()

// timeCases are AF-TIME-2's worked examples: the document's two (its year is
// not given; 2025 is used), then the edges of the 02:00 UTC cut-off.
var timeCases = func() []profile.TimeCase {
	at := func(day, h, m, s, ms int) time.Time {
		return time.Date(2025, time.May, day, h, m, s, ms*int(time.Millisecond), time.UTC)
	}
	tc := func(name, eventTime string, received, recorded time.Time) profile.TimeCase {
		return profile.TimeCase{Rule: "AF-TIME-2", Field: "eventTime", Name: name, EventTime: eventTime,
			Received: received, Recorded: recorded}
	}
	event := at(2, 22, 0, 0, 0)
	stated := FormatEventTime(event)
	return []profile.TimeCase{
		tc("document: event 2 May 22:00 sent 3 May 01:00 is recorded at the event time", stated, at(3, 1, 0, 0, 0), event),
		tc("document: event 2 May 22:00 sent 4 May 09:00 is recorded when received", stated, at(4, 9, 0, 0, 0), at(4, 9, 0, 0, 0)),
		tc("received at 01:59:59.999 the next day: event time", stated, at(3, 1, 59, 59, 999), event),
		tc("received at 02:00:00.000 the next day: time received", stated, at(3, 2, 0, 0, 0), at(3, 2, 0, 0, 0)),
		tc("received the same day: event time", FormatEventTime(at(2, 8, 15, 30, 250)), at(2, 12, 0, 0, 0), at(2, 8, 15, 30, 250)),
		tc("event at midnight received 25 h later, before 02:00 the next day: event time",
			FormatEventTime(at(2, 0, 0, 0, 0)), at(3, 1, 0, 0, 0), at(2, 0, 0, 0, 0)),
		tc("eventTime in the future: time received", FormatEventTime(at(3, 10, 0, 0, 0)), at(2, 22, 0, 0, 0), at(2, 22, 0, 0, 0)),
		tc("no eventTime: time received", "", at(2, 22, 0, 0, 0), at(2, 22, 0, 0, 0)),
	}
}()
