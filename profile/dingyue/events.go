package dingyue

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/s2s-harness/s2s-harness/profile"
)

// events is the document's catalogue (常见事件类型) with its suggested properties,
// weighted like a subscription app's traffic: lifecycle and screen views
// dominate, purchases are rare.
var events = []profile.EventType{
	{Name: "app_opened", Endpoint: "events", Weight: 15, New: func(g *profile.Gen) map[string]any {
		return event(g, "app_opened", map[string]any{"source": pick(g, launchSources)})
	}},
	{Name: "app_closed", Endpoint: "events", Weight: 8, New: func(g *profile.Gen) map[string]any {
		return event(g, "app_closed", map[string]any{"duration": g.Faker.IntRange(5, 3600)})
	}},
	{Name: "app_background", Endpoint: "events", Weight: 10, New: func(g *profile.Gen) map[string]any {
		return event(g, "app_background", map[string]any{})
	}},
	{Name: "app_foreground", Endpoint: "events", Weight: 10, New: func(g *profile.Gen) map[string]any {
		return event(g, "app_foreground", map[string]any{})
	}},
	{Name: "screen_view", Endpoint: "events", Weight: 24, New: func(g *profile.Gen) map[string]any {
		return event(g, "screen_view", map[string]any{"screen_name": pick(g, screens)})
	}},
	{Name: "button_click", Endpoint: "events", Weight: 14, New: func(g *profile.Gen) map[string]any {
		return event(g, "button_click", map[string]any{"button_name": pick(g, buttons)})
	}},
	{Name: "feature_used", Endpoint: "events", Weight: 8, New: func(g *profile.Gen) map[string]any {
		return event(g, "feature_used", map[string]any{"feature_name": pick(g, features),
			"usage_duration": g.Faker.IntRange(1, 900)})
	}},
	{Name: "purchase_started", Endpoint: "events", Weight: 3, New: func(g *profile.Gen) map[string]any {
		return event(g, "purchase_started", map[string]any{"product_id": products[g.Faker.IntRange(0, len(products)-1)].id})
	}},
	{Name: "purchase_completed", Endpoint: "events", Weight: 2, New: func(g *profile.Gen) map[string]any {
		extra := map[string]any{}
		priced(g, products, extra)
		return event(g, "purchase_completed", extra)
	}},
	{Name: "purchase_cancelled", Endpoint: "events", Weight: 1, New: func(g *profile.Gen) map[string]any {
		return event(g, "purchase_cancelled", map[string]any{"product_id": products[g.Faker.IntRange(0, len(products)-1)].id,
			"reason": pick(g, purchaseCancelReasons)})
	}},
	{Name: "subscription_started", Endpoint: "events", Weight: 2, New: func(g *profile.Gen) map[string]any {
		return event(g, "subscription_started", map[string]any{"product_id": pick(g, subscriptions),
			"trial_period": pick(g, trialPeriods)})
	}},
	{Name: "subscription_renewed", Endpoint: "events", Weight: 2, New: func(g *profile.Gen) map[string]any {
		return event(g, "subscription_renewed", map[string]any{"product_id": pick(g, subscriptions)})
	}},
	{Name: "subscription_cancelled", Endpoint: "events", Weight: 1, New: func(g *profile.Gen) map[string]any {
		return event(g, "subscription_cancelled", map[string]any{"product_id": pick(g, subscriptions),
			"reason": pick(g, subscriptionCancelReasons)})
	}},
}

var (
	launchSources             = []string{"app_icon", "push_notification", "deep_link", "widget"}
	screens                   = []string{"home", "paywall", "settings", "profile", "search", "detail", "onboarding"}
	buttons                   = []string{"upgrade", "subscribe", "restore_purchases", "share", "continue", "close"}
	features                  = []string{"premium_analytics", "export_pdf", "cloud_sync", "dark_mode", "ai_assistant"}
	subscriptions             = []string{"premium_weekly", "premium_monthly", "premium_yearly"}
	trialPeriods              = []string{"none", "3_days", "7_days", "1_month"}
	purchaseCancelReasons     = []string{"user_cancelled", "payment_failed", "network_error"}
	subscriptionCancelReasons = []string{"too_expensive", "not_using", "billing_issue", "switched_app"}
)

// product is a store product with its price tier in each currency, as app
// stores localise prices.
type product struct {
	id     string
	prices [len(currencies)]float64
}

var currencies = [...]string{"USD", "EUR", "GBP", "CNY", "JPY"}

var products = []product{
	{"premium_weekly", [len(currencies)]float64{2.99, 2.99, 2.49, 18, 450}},
	{"premium_monthly", [len(currencies)]float64{9.99, 9.99, 8.99, 68, 1500}},
	{"premium_yearly", [len(currencies)]float64{59.99, 59.99, 49.99, 388, 9000}},
	{"lifetime_unlock", [len(currencies)]float64{99.99, 99.99, 89.99, 648, 15000}},
	{"coins_500", [len(currencies)]float64{4.99, 4.99, 4.49, 30, 800}},
}

// priced puts a product, its price and currency into extra; USD is most common.
func priced(g *profile.Gen, ps []product, extra map[string]any) {
	p := ps[g.Faker.IntRange(0, len(ps)-1)]
	c := 0
	if g.Faker.IntRange(0, 9) >= 6 {
		c = g.Faker.IntRange(1, len(currencies)-1)
	}
	extra["product_id"] = p.id
	extra["price"] = p.prices[c]
	extra["currency"] = currencies[c]
}

// event builds one event. extra.client_event_id is the harness's own key: the
// document has no event id, and the load engine needs one to match what it sent
// with what a receiver recorded (extra is free-form, so any receiver keeps it).
func event(g *profile.Gen, name string, extra map[string]any) map[string]any {
	extra["client_event_id"] = g.ID("evt")
	return map[string]any{
		"name":      name,
		"user":      g.Faker.Numerify("user_######"),
		"sessionId": "session_" + strings.ToLower(g.Faker.Lexify("???")) + g.Faker.Numerify("###"),
		"extra":     extra,
	}
}

func pick(g *profile.Gen, from []string) string { return g.Faker.RandomString(from) }

// app is a mobile app reporting through the SDK.
type app struct{ id, name, version string }

var apps = []app{
	{"com.example.app", "YourApp", "1.4.2"},
	{"io.focusflow.timer", "FocusFlow", "3.0.1"},
	{"com.moodnote.journal", "MoodNote", "2.7.0"},
}

var (
	sdkVersions     = []string{"1.0.0", "1.2.3", "2.0.1"}
	iosVersions     = []string{"16.7", "17.4", "17.5", "18.1"}
	androidVersions = []string{"12", "13", "14", "15"}
	androidModels   = []string{"Pixel 8", "SM-S918B", "2201117TG", "CPH2451"}
)

// headers are the SDK headers of the document's table: X-USER-ID is the first
// event's user; the app, platform and SDK version are drawn from g.
func headers(g *profile.Gen, items []any) http.Header {
	a := apps[g.Faker.IntRange(0, len(apps)-1)]
	h := http.Header{}
	if len(items) > 0 {
		ev, _ := items[0].(map[string]any)
		if user, _ := ev["user"].(string); user != "" {
			h.Set("X-USER-ID", user)
		}
	}
	if g.Faker.IntRange(0, 99) < 55 {
		h.Set("User-Agent", fmt.Sprintf("%s/%s (iPhone; iOS %s)", a.name, a.version, pick(g, iosVersions)))
		h.Set("X-PLATFORM", "iOS")
	} else {
		h.Set("User-Agent", fmt.Sprintf("%s/%s (Linux; Android %s; %s)", a.name, a.version,
			pick(g, androidVersions), pick(g, androidModels)))
		h.Set("X-PLATFORM", "Android")
	}
	h.Set("X-APP-ID", a.id)
	h.Set("X-VERSION", pick(g, sdkVersions))
	h.Set("Accept", "application/json")
	return h
}

// setHeader replaces a header whatever the case its name was stored in.
func setHeader(name, value string) func(*profile.Payload, *profile.Gen) {
	return func(p *profile.Payload, g *profile.Gen) {
		dropHeader(name)(p, g)
		if p.Header == nil {
			p.Header = map[string]string{}
		}
		p.Header[name] = value
	}
}

// dropHeader removes a header whatever the case its name was stored in.
func dropHeader(name string) func(*profile.Payload, *profile.Gen) {
	return func(p *profile.Payload, _ *profile.Gen) {
		for k := range p.Header {
			if strings.EqualFold(k, name) {
				delete(p.Header, k)
			}
		}
	}
}

// withEvents replaces the body's events with n copies of its first event, each
// with its own client_event_id.
func withEvents(n int) func(*profile.Payload, *profile.Gen) {
	return func(p *profile.Payload, g *profile.Gen) {
		first, ok := profile.Get(p.Body, "events[0]")
		if !ok {
			return
		}
		evs := make([]any, n)
		for i := range evs {
			ev := profile.DeepCopy(first)
			profile.Set(ev, "extra.client_event_id", g.ID("evt"))
			evs[i] = ev
		}
		profile.Set(p.Body, "events", evs)
	}
}

// appendEvent adds a second valid event of the same user and session.
func appendEvent(name string) func(*profile.Payload, *profile.Gen) {
	return func(p *profile.Payload, g *profile.Gen) {
		evs, _ := profile.Get(p.Body, "events")
		list, _ := evs.([]any)
		if len(list) == 0 {
			return
		}
		ev := event(g, name, map[string]any{})
		for _, k := range []string{"user", "sessionId"} {
			if v, ok := profile.Get(list[0], k); ok {
				ev[k] = v
			}
		}
		profile.Set(p.Body, "events", append(list, ev))
	}
}

// cases are what the schema derivation cannot produce: the SDK headers, the
// naming convention, body shapes senders get wrong, the batch boundary and v2.
var cases = []profile.Case{
	{Rule: "DY-HDR-1", Name: "no X-USER-ID header", Expect: profile.RejectStrict, Mutate: dropHeader("X-USER-ID")},
	{Rule: "DY-HDR-1", Name: "no X-APP-ID header", Expect: profile.RejectStrict, Mutate: dropHeader("X-APP-ID")},
	{Rule: "DY-HDR-1", Name: "no X-PLATFORM header", Expect: profile.RejectStrict, Mutate: dropHeader("X-PLATFORM")},
	{Rule: "DY-HDR-1", Name: "no X-VERSION header", Expect: profile.RejectStrict, Mutate: dropHeader("X-VERSION")},
	{Rule: "DY-HDR-1", Name: "empty X-USER-ID header", Expect: profile.RejectStrict, Mutate: setHeader("X-USER-ID", "")},
	{Rule: "DY-HDR-1", Name: "no User-Agent header (not required)", Expect: profile.Accept, Mutate: dropHeader("User-Agent")},

	{Rule: "DY-HDR-2", Name: "X-PLATFORM Web", Expect: profile.RejectStrict, Mutate: setHeader("X-PLATFORM", "Web")},
	{Rule: "DY-HDR-2", Name: "X-PLATFORM HarmonyOS", Expect: profile.RejectStrict, Mutate: setHeader("X-PLATFORM", "HarmonyOS")},
	{Rule: "DY-HDR-2", Name: "X-PLATFORM in lower case (ios)", Expect: profile.Accept, Mutate: setHeader("X-PLATFORM", "ios")},
	{Rule: "DY-HDR-2", Name: "X-PLATFORM in upper case (ANDROID)", Expect: profile.Accept, Mutate: setHeader("X-PLATFORM", "ANDROID")},

	{Rule: "DY-NAME-1", Name: "event name AppOpened", Expect: profile.Accept,
		Mutate: profile.SetField("events[0].name", "AppOpened")},
	{Rule: "DY-NAME-1", Name: "event name purchaseCompleted", Event: "purchase_completed", Expect: profile.Accept,
		Mutate: profile.SetField("events[0].name", "purchaseCompleted")},
	{Rule: "DY-NAME-1", Name: "event name screen-view", Event: "screen_view", Expect: profile.Accept,
		Mutate: profile.SetField("events[0].name", "screen-view")},
	{Rule: "DY-NAME-1", Name: "custom snake_case event name", Expect: profile.Accept,
		Mutate: profile.SetField("events[0].name", "level_2_completed")},

	{Rule: "DY-BODY-1", Name: "bare array of events, no events wrapper", Expect: profile.Reject,
		Mutate: func(p *profile.Payload, _ *profile.Gen) { p.Body, _ = profile.Get(p.Body, "events") }},
	{Rule: "DY-BODY-1", Name: "one bare event, no events wrapper", Expect: profile.Reject,
		Mutate: func(p *profile.Payload, _ *profile.Gen) { p.Body, _ = profile.Get(p.Body, "events[0]") }},
	{Rule: "DY-BODY-1", Name: "JSON null body", Expect: profile.Reject,
		Mutate: func(p *profile.Payload, _ *profile.Gen) { p.Body = nil }},

	{Rule: "DY-BODY-2", Name: "event is a string", Expect: profile.Reject,
		Mutate: profile.SetField("events", []any{"app_opened"})},
	{Rule: "DY-BODY-2", Name: "extra is an array", Expect: profile.Reject,
		Mutate: profile.SetField("events[0].extra", []any{"push_notification"})},
	{Rule: "DY-BODY-2", Name: "extra is null", Expect: profile.Reject,
		Mutate: profile.SetField("events[0].extra", nil)},
	{Rule: "DY-BODY-2", Code: CodeSessionIDRequired, Name: "session_id instead of sessionId", Expect: profile.Reject,
		Mutate: profile.RenameField("events[0].sessionId", "session_id")},
	{Rule: "DY-BODY-2", Code: CodeUserRequired, Name: "second event without user", Expect: profile.Reject,
		Mutate: profile.Steps(appendEvent("screen_view"), profile.DeleteField("events[1].user"))},
	{Rule: "DY-BODY-2", Code: CodeEventNameRequired, Name: "second event with an empty name", Expect: profile.Reject,
		Mutate: profile.Steps(appendEvent("button_click"), profile.SetField("events[1].name", ""))},
	{Rule: "DY-BODY-2", Name: "event without extra", Expect: profile.Accept,
		Mutate: profile.DeleteField("events[0].extra")},
	{Rule: "DY-BODY-2", Name: "empty extra object", Event: "app_background", Expect: profile.Accept,
		Mutate: profile.SetField("events[0].extra", map[string]any{})},

	{Rule: "DY-BATCH-1", Name: "1000 events in one request", Event: "screen_view", Expect: profile.Accept,
		Mutate: withEvents(1000)},

	{Rule: "DY-V2-1", Name: "v2 accepts the v1 format", Endpoint: "events-v2", Expect: profile.Accept,
		Mutate: appendEvent("screen_view")},
	{Rule: "DY-BODY-2", Code: CodeEventNameRequired, Name: "v2 event without name", Endpoint: "events-v2",
		Expect: profile.Reject, Mutate: profile.DeleteField("events[0].name"), Also: []string{"DY-V2-1"}},
	{Rule: "DY-HDR-1", Name: "v2 without X-APP-ID", Endpoint: "events-v2", Expect: profile.RejectStrict,
		Mutate: dropHeader("X-APP-ID"), Also: []string{"DY-V2-1"}},
}
