package readback

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/s2s-harness/s2s-harness/internal/samehost"
)

// A vendor API that redirects to another port gets nothing followed: its
// X-Vendor-Token never reaches the other server.
func TestHTTPRefusesRedirectToAnotherHost(t *testing.T) {
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		t.Errorf("the other host got X-Vendor-Token %q", r.Header.Get("X-Vendor-Token"))
	}))
	defer other.Close()
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/records", http.StatusTemporaryRedirect)
	}))
	defer hostile.Close()
	s := hostileHTTP(t, hostile.URL)
	_, _, err := s.Records(context.Background(), "", "")
	if !errors.Is(err, samehost.ErrRedirect) {
		t.Errorf("got %v, want the redirect refused", err)
	}
	if reached.Load() != 0 {
		t.Errorf("the other host was reached %d times", reached.Load())
	}
}

// A page over the answer cap is an error, not a cut page misread.
func TestHTTPPageOverTheCapIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"records":[`))
		for i := range 20_000 {
			if i > 0 {
				_, _ = w.Write([]byte(","))
			}
			fmt.Fprintf(w, `{"key":"k%d","pad":"%s"}`, i, strings.Repeat("p", 100))
		}
		_, _ = w.Write([]byte(`]}`))
	}))
	defer srv.Close()
	s := hostileHTTP(t, srv.URL)
	s.maxBody = 1 << 20 // the page is about 2.3 MB
	if _, _, err := s.Records(context.Background(), "", ""); !errors.Is(err, ErrTooLarge) {
		t.Errorf("got %v, want ErrTooLarge", err)
	}
}

// endless is a source whose cursor never ends, 1,000 records a page.
type endless struct{ pages atomic.Int32 }

func (e *endless) Records(_ context.Context, _ string, after string) ([]Record, string, error) {
	n := e.pages.Add(1)
	recs := make([]Record, 1000)
	for i := range recs {
		recs[i] = Record{Key: fmt.Sprint(n, "-", i), Body: []byte(`{"pad":"` + strings.Repeat("p", 200) + `"}`)}
	}
	return recs, fmt.Sprint(n), nil
}

// All stops at its bounds, by count and by bytes, with an error.
func TestAllStopsOnAnEndlessCursor(t *testing.T) {
	for _, tt := range []struct {
		name           string
		records, bytes int
		wantAtMost     int
	}{{"count", 5000, 1 << 30, 5000}, {"bytes", 1 << 30, 1 << 20, 3000}} {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := all(context.Background(), &endless{}, "", "", tt.records, tt.bytes)
			if !errors.Is(err, ErrTooLarge) || len(out) > tt.wantAtMost {
				t.Errorf("got %d records, %v; want at most %d and ErrTooLarge", len(out), err, tt.wantAtMost)
			}
		})
	}
}

func hostileHTTP(t *testing.T, base string) *HTTP {
	t.Helper()
	s, err := newHTTP(Config{Events: &EventsConfig{URL: base + "/records?after={cursor}", Items: "records", Cursor: "key",
		Headers: map[string]string{"X-Vendor-Token": "vendor-secret"}, Fields: Fields{Key: "key"}}}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
