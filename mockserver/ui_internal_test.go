package mockserver

import (
	"net/http"
	"strings"
	"testing"
)

func TestJournalHeadersRedact(t *testing.T) {
	t.Parallel()
	h := http.Header{
		"Authorization":    {"Bearer eyJhbGciOi.x.y"},
		"X-Api-Key":        {"dp_test_key_123"},
		"X-Appsflyer-Sign": {"abc"},
		"Cookie":           {"s=1"},
		"X-Custom":         {"carries my-secret-value inside"},
		"X-Short":          {"ab"},
		"Content-Type":     {"application/json"},
		"X-Long":           {strings.Repeat("a", 600)},
	}
	got := journalHeaders(h, []string{"my-secret-value", "ab", ""})
	for name, want := range map[string]string{
		"Authorization":    "Bearer <redacted>",
		"X-Api-Key":        "<redacted>",
		"X-Appsflyer-Sign": "<redacted>",
		"Cookie":           "<redacted>",
		"X-Custom":         "carries <redacted> inside",
		"X-Short":          "ab", // too short to be a secret: never replaced
		"Content-Type":     "application/json",
		"X-Long":           strings.Repeat("a", maxHeaderValue) + "…",
	} {
		if got[name] != want {
			t.Errorf("%s: %q, want %q", name, got[name], want)
		}
	}
	for _, c := range []struct {
		name string
		want bool
	}{{"X-API-KEY", true}, {"x-hmac-signature", true}, {"Proxy-Authorization", true}, {"Content-Length", false}, {"X-S2s-Session", false}} {
		if secretHeader(c.name) != c.want {
			t.Errorf("secretHeader(%q) = %v", c.name, !c.want)
		}
	}
}
