package readback_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/readback"
	"github.com/s2s-harness/s2s-harness/readback/readbacktest"
)

var profiles = readback.ProfilesOf(builtin.All())

func post(t *testing.T, url string, h map[string]string, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, b)
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// traffic sends what every source test reads back: two AppsFlyer events (one
// for an iOS app without its prefix, dropped), and one postback twice.
func traffic(t *testing.T, base string) {
	af := map[string]string{"Authentication": readbacktest.DevKey}
	post(t, base+"/inappevent/"+readbacktest.AndroidApp, af, `{"appsflyer_id":"af-1","eventName":"af_purchase","eventValue":"","af_events_api":"true","eventTime":"2026-05-02 22:00:00.000"}`)
	post(t, base+"/inappevent/123456789", af, `{"appsflyer_id":"af-2","eventName":"af_purchase","eventValue":"","af_events_api":"true"}`)
	pb := `{"event":"registration","event_id":"ev-1","click_id":"clk-1","ts_event":"2026-05-02T22:00:00Z"}`
	if got := post(t, base+"/postback", nil, pb); got["idempotent"] != false {
		t.Fatalf("first postback answered %v", got)
	}
	if got := post(t, base+"/postback", nil, pb); got["idempotent"] != true {
		t.Fatalf("second postback answered %v", got)
	}
}

// checkTraffic asserts what a source reads back of traffic.
func checkTraffic(t *testing.T, src readback.Source) {
	t.Helper()
	ctx := context.Background()
	all, next, err := readback.All(ctx, src, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 {
		t.Fatalf("got %d records, want 4: %+v", len(all), all)
	}
	af, _, err := readback.All(ctx, src, "appsflyer", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(af) != 2 || af[0].Profile != "appsflyer" || af[0].Key != "af-1" || !af[0].Recorded() {
		t.Fatalf("appsflyer records: %+v", af)
	}
	// Its eventTime (2 May 2026 22:00) is long past its 02:00 cut-off: recorded at receipt.
	if !af[0].RecordedAt.Equal(af[0].ReceivedAt) || af[0].ReceivedAt.IsZero() {
		t.Fatalf("af-1 recorded at %v, received at %v; want at receipt", af[0].RecordedAt, af[0].ReceivedAt)
	}
	if !af[1].Dropped || af[1].Recorded() || af[1].Key != "af-2" {
		t.Fatalf("the prefix-less iOS event: %+v, want dropped", af[1])
	}
	pb, _, err := readback.All(ctx, src, "postback", "")
	if err != nil {
		t.Fatal(err)
	}
	id := readback.Identity{Key: "ev-1\x1fclk-1", Primary: "ev-1"}
	if got := readback.Find(pb, id); len(got) != 2 || !got[0].Recorded() || got[1].Recorded() {
		t.Fatalf("postback records: %+v, want the first recorded, the replay not", got)
	}
	if !json.Valid(pb[0].Body) || !bytes.Contains(pb[0].Body, []byte(`"ev-1"`)) {
		t.Fatalf("body %s", pb[0].Body)
	}
	again, next2, err := readback.All(ctx, src, "", next)
	if err != nil || len(again) != 0 || next2 != next {
		t.Fatalf("after the last cursor %q: %d records, next %q, err %v; want none", next, len(again), next2, err)
	}
}

func TestHTTPSource(t *testing.T) {
	rv := readbacktest.New(readbacktest.Wrong{}, nil)
	rv.Token = "t0ken"
	srv := httptest.NewServer(rv.Handler())
	defer srv.Close()
	traffic(t, srv.URL)
	cfg := readbacktest.Config(srv.URL, "VENDOR_TOKEN")
	env := func(k string) string { return map[string]string{"VENDOR_TOKEN": "t0ken"}[k] }
	ctx := context.Background()
	src, err := readback.Open(ctx, cfg, readback.Deps{Env: env, Profiles: profiles})
	if err != nil {
		t.Fatal(err)
	}
	checkTraffic(t, src)

	clock, ok := src.(readback.Clock)
	if !ok {
		t.Fatal("the source does not move the clock although the config says how")
	}
	at := time.Date(2026, 5, 3, 1, 0, 0, 123456789, time.UTC)
	if err := clock.SetClock(ctx, at); err != nil {
		t.Fatal(err)
	}
	post(t, srv.URL+"/postback", nil, `{"event":"registration","event_id":"ev-2","click_id":"clk-1","ts_event":"2026-05-02T22:00:00Z"}`)
	if err := clock.ReleaseClock(ctx); err != nil {
		t.Fatal(err)
	}
	pb, _, err := readback.All(ctx, src, "postback", "")
	if err != nil {
		t.Fatal(err)
	}
	if last := pb[len(pb)-1]; !last.ReceivedAt.Equal(at) {
		t.Fatalf("received at %v with the clock set to %v", last.ReceivedAt, at)
	}
	if err := src.(readback.Resetter).Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if all, _, err := readback.All(ctx, src, "", ""); err != nil || len(all) != 0 {
		t.Fatalf("after reset: %d records, err %v", len(all), err)
	}
	if k := readback.Kind(src); k != "http" {
		t.Fatalf("Kind %q", k)
	}
	if d := readback.SettleOf(src); d != 200*time.Millisecond {
		t.Fatalf("settle %s", d)
	}
}

func TestHTTPSourceErrors(t *testing.T) {
	rv := readbacktest.New(readbacktest.Wrong{}, nil)
	rv.Token = "t0ken"
	srv := httptest.NewServer(rv.Handler())
	defer srv.Close()
	ctx := context.Background()
	cfg := readbacktest.Config(srv.URL, "VENDOR_TOKEN")
	if _, err := readback.Open(ctx, cfg, readback.Deps{Profiles: profiles}); err == nil || !strings.Contains(err.Error(), "VENDOR_TOKEN is not set") {
		t.Fatalf("Open without the token: %v, want it named", err)
	}
	wrong := func(string) string { return "nope" }
	src, err := readback.Open(ctx, cfg, readback.Deps{Env: wrong, Profiles: profiles})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := src.Records(ctx, "postback", ""); err == nil || !strings.Contains(err.Error(), "answered 401") {
		t.Fatalf("wrong token: %v, want the 401", err)
	}
	// Without clock and reset in the config, the source has neither ability.
	cfg.Clock, cfg.Reset = nil, nil
	src, err = readback.Open(ctx, cfg, readback.Deps{Env: wrong, Profiles: profiles})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := src.(readback.Clock); ok {
		t.Fatal("a source without clock config claims a clock")
	}
	if _, ok := src.(readback.Resetter); ok {
		t.Fatal("a source without reset config claims a reset")
	}
}

// TestHTTPSourceByPosition: an API with no cursor field answers the whole
// list; the source resumes by position and filters by profile itself.
func TestHTTPSourceByPosition(t *testing.T) {
	var items []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(items)
	}))
	defer srv.Close()
	cfg := readback.Config{Events: &readback.EventsConfig{URL: srv.URL + "/all",
		Fields: readback.Fields{Key: "k", Profile: "p", ReceivedAt: "at"}, TimeFormat: readback.UnixMS}}
	src, err := readback.Open(context.Background(), cfg, readback.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	items = append(items, map[string]any{"k": "a", "p": "postback", "at": 1000}, map[string]any{"k": "b", "p": "g123", "at": 2000})
	ctx := context.Background()
	recs, next, err := readback.All(ctx, src, "postback", "")
	if err != nil || len(recs) != 1 || recs[0].Key != "a" || next != "2" {
		t.Fatalf("first read: %+v next %q err %v", recs, next, err)
	}
	if !recs[0].Recorded() || !recs[0].RecordedAt.Equal(time.UnixMilli(1000)) {
		t.Fatalf("without a recorded_at field a listed record is recorded at receipt: %+v", recs[0])
	}
	items = append(items, map[string]any{"k": "c", "p": "postback", "at": 3000})
	recs, next, err = readback.All(ctx, src, "postback", next)
	if err != nil || len(recs) != 1 || recs[0].Key != "c" || next != "3" {
		t.Fatalf("second read: %+v next %q err %v", recs, next, err)
	}
}

func TestSQLSource(t *testing.T) {
	dsn := needPG(t)
	ctx := context.Background()
	store, err := readbacktest.NewPG(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	srv := httptest.NewServer(readbacktest.New(readbacktest.Wrong{}, store).Handler())
	defer srv.Close()
	traffic(t, srv.URL)
	src, err := readback.Open(ctx, readbacktest.SQLConfig(dsn), readback.Deps{Profiles: profiles})
	if err != nil {
		t.Fatal(err)
	}
	defer readback.Close(src)
	checkTraffic(t, src)
	if k := readback.Kind(src); k != "sql" {
		t.Fatalf("Kind %q", k)
	}
}

func TestSQLDSNFromEnvironment(t *testing.T) {
	cfg := readback.Config{SQL: &readback.SQLConfig{DSN: "postgres://u:${S2S_PG_PASSWORD}@127.0.0.1:1/db", Query: "select $1"}}
	_, err := readback.Open(context.Background(), cfg, readback.Deps{})
	if err == nil || !strings.Contains(err.Error(), "readback.sql.dsn: environment variable S2S_PG_PASSWORD is not set") {
		t.Fatalf("got %v, want the variable named", err)
	}
}

func TestSQLSourceErrors(t *testing.T) {
	dsn := needPG(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		give    readback.SQLConfig
		wantErr string
	}{
		{"no cursor column", readback.SQLConfig{DSN: dsn, Query: "select 'x' as key where $1::bigint >= 0"}, `no column "id"`},
		{"no body or key", readback.SQLConfig{DSN: dsn, Query: "select 1::bigint as id where $1::bigint >= 0"}, "neither a body nor a key"},
		{"missing configured column", readback.SQLConfig{DSN: dsn, Query: "select 1::bigint as id, 'k' as key where $1::bigint >= 0",
			Fields: &readback.Fields{Key: "event_key"}}, `column "event_key" is not returned`},
		{"bad sql", readback.SQLConfig{DSN: dsn, Query: "select nonsense from nowhere where $1"}, "readback.sql.query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := readback.Open(ctx, readback.Config{SQL: &tt.give}, readback.Deps{Profiles: profiles})
			if err != nil {
				t.Fatal(err)
			}
			defer readback.Close(src)
			_, _, err = src.Records(ctx, "", "")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
