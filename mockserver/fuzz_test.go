package mockserver_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/validate"
)

type target struct {
	p *profile.Profile
	e *profile.Endpoint
}

// targets lists every endpoint of every builtin profile, in a stable order.
func targets() []target {
	var out []target
	for _, p := range builtin.All() {
		for i := range p.Endpoints {
			out = append(out, target{p: p, e: &p.Endpoints[i]})
		}
	}
	return out
}

// FuzzEndpoint sends arbitrary bodies and one arbitrary header, signed with
// valid credentials (so decoding and validation are reached), to every
// endpoint of every profile, in both modes: never a panic, never a 500, always
// a JSON answer.
func FuzzEndpoint(f *testing.F) {
	ts := targets()
	for i, tg := range ts {
		v, err := validate.New(tg.p)
		if err != nil {
			f.Fatal(err)
		}
		variants, err := fixtures.Variants(tg.p, v.Schemas(), fixtures.Options{Seed: 9})
		if err != nil {
			f.Fatal(err)
		}
		for _, vr := range variants {
			if vr.Payload.Endpoint != tg.e.ID {
				continue
			}
			body, err := vr.Payload.Bytes()
			if err != nil {
				continue
			}
			f.Add(uint8(i), false, body, "X-Platform", "iOS")
		}
	}
	f.Add(uint8(0), true, []byte(`{"a":`), "Content-Type", "text/plain")
	f.Add(uint8(1), false, []byte("\xff\xfe"), "Authorization", "Bearer x.y.z")
	strict := fuzzMock(f, profile.Strict)
	lenient := fuzzMock(f, profile.Lenient)
	f.Fuzz(func(t *testing.T, which uint8, lenientMode bool, body []byte, name, value string) {
		tg := ts[int(which)%len(ts)]
		h := strict
		if lenientMode {
			h = lenient
		}
		o := &profile.Outgoing{Endpoint: tg.e, Header: http.Header{"Content-Type": {"application/json"}},
			PathValues: map[string]string{}, Body: body}
		if tg.p.Auth != nil {
			if err := tg.p.Auth.Sign(o, tg.p.Defaults, h.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		r := build(o)
		if name != "" && validHeaderName(name) {
			r.Header[name] = []string{value}
		}
		w := httptest.NewRecorder()
		start := time.Now()
		h.m.ServeHTTP(w, r)
		if took := time.Since(start); took > 5*time.Second { // a hang, not a speed target
			t.Fatalf("%s %s: answered after %s for %d bytes %q header %q=%q", tg.p.Name, tg.e.ID, took, len(body), body, name, value)
		}
		if w.Code >= 500 || w.Code < 200 {
			t.Fatalf("%s %s: got %d for body %q: %s", tg.p.Name, tg.e.ID, w.Code, body, w.Body)
		}
		if w.Header().Get("Content-Type") != "application/json" || !bytes.HasPrefix(w.Body.Bytes(), []byte("{")) {
			t.Fatalf("%s %s: got a non-JSON answer %d: %q", tg.p.Name, tg.e.ID, w.Code, w.Body)
		}
	})
}

func fuzzMock(f *testing.F, mode profile.Mode) *harness {
	return newHarness(f, unlimited(mockserver.Config{Mode: mode, Journal: mockserver.JournalConfig{Size: 100}}))
}

func validHeaderName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// FuzzParseConfig: any bytes, as YAML or JSON, give a config or an error, and
// a config gives a mock or an error naming a key; never a panic.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"mode: lenient\n",
		"journal: {size: 5, body_bytes: 10}\nprofiles:\n  revosurge:\n    rate_limit: {limit: 5, window: 1s}\n",
		`{"profiles":{"postback":{"faults":{"error_rate":0.5,"latency":{"dist":"uniform","min":"1ms","max":"2ms"},"break":["PB-IDEM-2"]}}}}`,
		"profiles:\n  appsflyer:\n    credentials:\n      apps: [{id: x, secret: y, platform: ios}]\n",
		"profiles:\n  dingyue: {max_items: 3, dedupe: {keys: 2}}\n",
	} {
		f.Add([]byte(s))
	}
	ps := builtin.All()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []string{"yaml", "json"} {
			cfg, err := mockserver.ParseConfig(data, format)
			if err != nil {
				continue
			}
			// A config that parses builds a mock, or is refused naming its key.
			if _, err := mockserver.New(ps, mockserver.WithConfig(cfg)); err != nil && !strings.Contains(err.Error(), "config key") {
				t.Fatalf("config %q refused without naming a key: %v", data, err)
			}
		}
	})
}

// FuzzInspection sends arbitrary calls to the inspection API: never a panic,
// never a 500, always JSON.
func FuzzInspection(f *testing.F) {
	for _, c := range []struct{ method, path, body string }{
		{"GET", "journal?profile=postback&after=3&since=2025-01-01T00:00:00Z&limit=5", ""},
		{"PUT", "clock", `{"fixed":"2025-05-03T01:59:59.999Z"}`},
		{"PUT", "clock", `{"offset":"-36h"}`},
		{"PUT", "faults/postback", `{"error_rate":0.1,"stall":{"for":"1ms"},"break":["PB-SIG-2"]}`},
		{"DELETE", "faults/revosurge", ""},
		{"POST", "reset?profile=g123", ""},
		{"GET", "stats", ""},
	} {
		f.Add(c.method, c.path, []byte(c.body))
	}
	h := newHarness(f, mockserver.Config{Journal: mockserver.JournalConfig{Size: 10}})
	f.Fuzz(func(t *testing.T, method, path string, body []byte) {
		switch method {
		case "GET", "PUT", "POST", "DELETE":
		default:
			return
		}
		r, err := http.NewRequest(method, "http://mock/_s2s/"+path, bytes.NewReader(body))
		if err != nil {
			return
		}
		w := httptest.NewRecorder()
		h.m.ServeHTTP(w, r)
		if w.Code >= 500 || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("%s /_s2s/%s %q: got %d %q", method, path, body, w.Code, w.Body)
		}
		// Keep the mock usable: no stall or latency lingers between inputs.
		h.m.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodDelete, "http://mock/_s2s/faults", nil))
	})
}
