package bare

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/postback"
)

func signed(t *testing.T, body string, now time.Time) profile.Outgoing {
	t.Helper()
	o := profile.Outgoing{Body: []byte(body), Header: http.Header{}}
	if err := (postback.Auth{}).Sign(&o, postback.New().Defaults, now); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestHandlers(t *testing.T) {
	now := time.Now()
	good := signed(t, `{"event":"install","id":"a1"}`, now)
	stale := signed(t, `{"event":"install","id":"a1"}`, now.Add(-time.Hour))
	tests := []struct {
		name   string
		h      http.Handler
		target string // "" is /postback
		body   string
		header http.Header
		want   int
	}{
		{"read only takes anything", Handler(false), "/postback?a=%zz", "not json", nil, 200},
		{"decode takes JSON", Handler(true), "", `{"a":1}`, nil, 200},
		{"decode rejects non-JSON", Handler(true), "", `{"a":`, nil, 400},
		{"decode takes a query string", Handler(true), "/postback?click_id=c1&sum=1.50", "", nil, 200},
		{"decode rejects a bad escape", Handler(true), "/postback?click_id=%zz", "", nil, 400},
		{"postback signed", Postback(), "", string(good.Body), good.Header, 200},
		{"postback without token", Postback(), "", string(good.Body), http.Header{"X-Signature": good.Header["X-Signature"]}, 401},
		{"postback expired token", Postback(), "", string(stale.Body), stale.Header, 401},
		{"postback body changed after signing", Postback(), "", `{"event":"install","id":"a2"}`, good.Header, 403},
		{"postback same event reordered", Postback(), "", string(postback.Reordered(good.Body)), good.Header, 200},
		{"postback not JSON", Postback(), "", `{`, good.Header, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, target := http.MethodPost, tt.target
			if target == "" {
				target = "/postback"
			} else if tt.body == "" {
				method = http.MethodGet
			}
			r := httptest.NewRequest(method, target, strings.NewReader(tt.body))
			for k, v := range tt.header {
				r.Header[k] = v
			}
			w := httptest.NewRecorder()
			tt.h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d (%s)", w.Code, tt.want, w.Body)
			}
		})
	}
}
