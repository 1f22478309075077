package appsflyer_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/appsflyer"
)

// TestCatalogue holds the catalogue to SPECS.md's table: every AF rule, with
// its level, and nothing else.
func TestCatalogue(t *testing.T) {
	t.Parallel()
	want := map[string]profile.Level{
		"AF-CT-1": profile.Must, "AF-AUTH-1": profile.Must, "AF-APP-1": profile.Must, "AF-SIZE-1": profile.Must,
		"AF-BODY-1": profile.Must, "AF-BODY-2": profile.Must, "AF-BODY-3": profile.Must,
		"AF-AMB-1": profile.Ambiguous, "AF-AMB-2": profile.Ambiguous, "AF-REC-1": profile.Should,
		"AF-NEG-1": profile.Must, "AF-TIME-1": profile.Must, "AF-TIME-2": profile.Must,
		"AF-RATE-1": profile.Ambiguous, "AF-URI-1": profile.Must, "AF-DUP-1": profile.Decision,
	}
	p := appsflyer.New()
	if len(p.Rules) != len(want) {
		t.Errorf("got %d rules, want %d", len(p.Rules), len(want))
	}
	for _, r := range p.Rules {
		if lvl, ok := want[r.ID]; !ok || r.Level != lvl {
			t.Errorf("%s: got level %q, want %q (known=%v)", r.ID, r.Level, lvl, ok)
		}
		if p.Seed == "" || r.Text == "" || r.Area == "" {
			t.Errorf("%s: seed %q text %q area %q, want all set", r.ID, p.Seed, r.Text, r.Area)
		}
	}
	// Every rule a conformance check can hold a target to is exercised somewhere.
	used := map[string]bool{p.Rate.Rule: true, p.Dedupe.Rule: true, p.MalformedRule: true}
	for _, e := range p.Endpoints {
		used[e.SizeRule], used[e.ContentTypeRule] = true, true
	}
	for _, b := range p.Auth.Breaks() {
		used[b.Rule] = true
	}
	for _, c := range p.Cases {
		used[c.Rule] = true
		for _, a := range c.Also {
			used[a] = true
		}
	}
	for _, tc := range p.TimeCases {
		used[tc.Rule] = true
	}
	for id := range want {
		if !used[id] {
			t.Errorf("%s: no case, break, time case, limit or policy exercises it", id)
		}
	}
}

func TestGeneratedEvents(t *testing.T) {
	t.Parallel()
	p := appsflyer.New()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, et := range p.Events {
		t.Run(et.Name, func(t *testing.T) {
			gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 11, Now: now, Event: et.Name})
			if err != nil {
				t.Fatal(err)
			}
			withTime := 0
			for i := range 300 {
				pl := gen.Next()
				b, err := pl.Bytes()
				if err != nil {
					t.Fatal(err)
				}
				if len(b) > 1024 {
					t.Fatalf("event %d is %d bytes, over the 1 KB limit: %s", i, len(b), b)
				}
				ev := pl.Object()
				if ev["eventName"] != et.Name {
					t.Fatalf("got eventName %v, want %s", ev["eventName"], et.Name)
				}
				if _, ok := ev["idfa"]; !ok {
					if _, ok := ev["advertising_id"]; !ok {
						t.Fatalf("event %d has no device id", i)
					}
				}
				if s, ok := ev["eventTime"].(string); ok {
					withTime++
					at, err := appsflyer.ParseEventTime(s)
					if err != nil {
						t.Fatal(err)
					}
					if at.After(now) || now.Sub(at) > time.Hour {
						t.Fatalf("eventTime %s is not within the hour before %v", s, now)
					}
				}
				value, err := appsflyer.ParseEventValue(ev["eventValue"].(string))
				if err != nil {
					t.Fatal(err)
				}
				if rev, ok := value["af_revenue"].(string); ok && (et.Name == "cancel_purchase") != strings.HasPrefix(rev, "-") {
					t.Fatalf("%s with af_revenue %s", et.Name, rev)
				}
			}
			if withTime == 0 || withTime == 300 {
				t.Errorf("%d of 300 events carry eventTime, want a mix", withTime)
			}
		})
	}
}

// TestCasesSignAndVerify sends every case through the dev-key scheme with the
// default credentials: each must authenticate, and only AF-APP-1's is dropped.
func TestCasesSignAndVerify(t *testing.T) {
	t.Parallel()
	p := appsflyer.New()
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := p.Endpoint("inappevent")
	for _, c := range p.Cases {
		t.Run(c.Rule+"/"+c.Name, func(t *testing.T) {
			pl, err := gen.Of(c.Event, c.Endpoint)
			if err != nil {
				t.Fatal(err)
			}
			c.Mutate(pl, gen.Gen())
			o, err := pl.Outgoing(e)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Auth.Sign(o, p.Defaults, now); err != nil {
				t.Fatal(err)
			}
			pr, vs := p.Auth.Verify(received(o), p.Defaults, now, profile.Strict)
			if pr == nil || len(vs) > 0 {
				t.Fatalf("not authenticated: %v", vs)
			}
			if got, want := pr.Drop != nil, c.Expect == profile.AcceptDropped; got != want {
				t.Errorf("got dropped=%v, want %v", got, want)
			}
			if pl.RawPath != "" && !strings.HasPrefix(pl.RawPath, "/inappevent/%") {
				t.Errorf("raw path %q does not percent-encode the app id", pl.RawPath)
			}
		})
	}
}

func TestPercentEncodedCasesDecodeToTheirApp(t *testing.T) {
	t.Parallel()
	p := appsflyer.New()
	gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range p.Cases {
		if c.Rule != "AF-URI-1" {
			continue
		}
		n++
		pl, err := gen.Of(c.Event, c.Endpoint)
		if err != nil {
			t.Fatal(err)
		}
		c.Mutate(pl, gen.Gen())
		// What net/http's ServeMux hands the receiver as the {app_id} value.
		mux := http.NewServeMux()
		var got string
		mux.HandleFunc("POST /inappevent/{app_id}", func(_ http.ResponseWriter, r *http.Request) { got = r.PathValue("app_id") })
		req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1"+pl.RawPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		mux.ServeHTTP(discard{}, req)
		if want := pl.PathValues["app_id"]; got != want || !slices.Contains([]string{"com.appsflyer.myapp", "id123456789"}, got) {
			t.Errorf("%s: path value %q, want %q, a registered app", c.Name, got, want)
		}
	}
	if n == 0 {
		t.Fatal("no AF-URI-1 case")
	}
}

type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
