package inspect

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestDurationJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give    string
		want    time.Duration
		wantErr bool
	}{
		{give: `"250ms"`, want: 250 * time.Millisecond},
		{give: `"1h2m"`, want: time.Hour + 2*time.Minute},
		{give: `1500`, want: 1500},
		{give: `"soon"`, wantErr: true},
		{give: `true`, wantErr: true},
	}
	for _, tt := range tests {
		var d Duration
		err := json.Unmarshal([]byte(tt.give), &d)
		if (err != nil) != tt.wantErr || (!tt.wantErr && d.D() != tt.want) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v, err=%v", tt.give, d, err, tt.want, tt.wantErr)
		}
	}
	b, _ := json.Marshal(Duration(2 * time.Second))
	if string(b) != `"2s"` {
		t.Errorf("Marshal = %s", b)
	}
}

func TestFaultsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		give    Faults
		wantErr string
	}{
		{name: "zero", give: Faults{}},
		{name: "full", give: Faults{ErrorRate: 0.015, ErrorStatus: 503, ResetRate: 0.01,
			Latency: &Latency{Dist: LogNormal, Median: Duration(time.Millisecond), Sigma: 0.5},
			Stall:   &Stall{For: Duration(2 * time.Second)}}},
		{name: "rate over one", give: Faults{ErrorRate: 1.5}, wantErr: "error_rate"},
		{name: "negative reset", give: Faults{ResetRate: -0.1}, wantErr: "reset_rate"},
		{name: "status not an error", give: Faults{ErrorStatus: 200}, wantErr: "error_status"},
		{name: "unknown distribution", give: Faults{Latency: &Latency{Dist: "pareto"}}, wantErr: "latency.dist"},
		{name: "uniform upside down", give: Faults{Latency: &Latency{Dist: Uniform, Min: 5, Max: 1}}, wantErr: "min"},
		{name: "lognormal without median", give: Faults{Latency: &Latency{Dist: LogNormal}}, wantErr: "median"},
		{name: "empty stall", give: Faults{Stall: &Stall{}}, wantErr: "stall.for"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.give.Validate()
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestClientAgainstFake checks the client's requests and error mapping against
// a receiver that implements part of the contract.
func TestClientAgainstFake(t *testing.T) {
	t.Parallel()
	var gotQuery, gotClock string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "GET /_s2s/health":
			json.NewEncoder(w).Encode(Health{Status: "ok", Mode: "strict", Profiles: []string{"revosurge"}})
		case "GET /_s2s/journal":
			gotQuery = r.URL.RawQuery
			after := r.URL.Query().Get("after")
			if after == "2" {
				json.NewEncoder(w).Encode(Page{Next: 2})
				return
			}
			json.NewEncoder(w).Encode(Page{Entries: []Entry{{Seq: 1}, {Seq: 2}}, Next: 2})
		case "PUT /_s2s/clock":
			var body map[string]any
			json.NewDecoder(r.Body).Decode(&body)
			b, _ := json.Marshal(body)
			gotClock = string(b)
		case "POST /_s2s/reset":
			http.Error(w, `{"error":"boom"}`, http.StatusTeapot)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if h, err := c.Health(ctx); err != nil || h.Status != "ok" {
		t.Fatalf("Health = %+v, %v", h, err)
	}
	entries, err := c.All(ctx, Query{Profile: "revosurge", Limit: 10})
	if err != nil || len(entries) != 2 {
		t.Fatalf("All = %v, %v", entries, err)
	}
	if !strings.Contains(gotQuery, "profile=revosurge") {
		t.Errorf("journal query %q lacks the profile", gotQuery)
	}
	if err := c.OffsetClock(ctx, -time.Hour); err != nil || gotClock != `{"offset":"-1h0m0s"}` {
		t.Errorf("OffsetClock sent %s, err %v", gotClock, err)
	}
	if _, err := c.Stats(ctx); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Stats on a receiver without it: %v, want ErrUnsupported", err)
	}
	var apiErr *APIError
	if err := c.Reset(ctx, ""); !errors.As(err, &apiErr) || apiErr.Status != http.StatusTeapot {
		t.Errorf("Reset: %v, want APIError 418", err)
	}
	for _, bad := range []string{"ftp://x", "127.0.0.1:8080", "http://"} {
		if _, err := NewClient(bad, nil); err == nil {
			t.Errorf("NewClient(%q): no error", bad)
		}
	}
}
