// Package readbacktest is a test receiver written independently of the mock:
// it takes AppsFlyer in-app events and generic postbacks, keeps them in a
// Store, and serves them through a record API of its own shape (not /_s2s/),
// with a clock and a reset, the way a vendor's sandbox would. It records
// correctly, or wrongly on purpose (Wrong), so the conformance suite's deep
// checks and the load engine's loss accounting can be shown to pass and to
// fail through package readback. Its rules are written here from the seed
// documents, not taken from the profiles, so it is a second opinion.
//
// Also: StartPostgres, a throwaway PostgreSQL cluster for the SQL read-back
// tests. Used by tests only.
package readbacktest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gowebpki/jcs"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/readback"
)

// The receiver's names for the APIs, as its record API spells them.
const (
	APIAppsFlyer = "af"
	APIPostback  = "posts"
)

// The AppsFlyer apps it knows (seed 003's examples) and their dev key.
const (
	AndroidApp = "com.appsflyer.myapp"
	IOSApp     = "id123456789"
	DevKey     = "af_test_dev_key"
)

// Wrong lists the mistakes the receiver makes on purpose.
type Wrong struct {
	// TimeAlwaysEventTime records an AppsFlyer event at its eventTime
	// whenever it states one (ignoring the 02:00 cut-off and the future).
	TimeAlwaysEventTime bool
	// RecordsDrop records an event for an iOS app addressed without its "id"
	// prefix (which must be answered 200 and not recorded).
	RecordsDrop bool
	// RecordsReplay records a postback event_id again (answered as a replay).
	RecordsReplay bool
	// LoseEvery > 0 silently loses every n-th accepted event (answered 200,
	// never stored).
	LoseEvery int
	// Signature is the scheme the receiver verifies X-Signature with, when it
	// has an HMAC secret: "" the documented one (HMAC-SHA256 over the RFC
	// 8785 body without its signature member, "sha256=" + hex of either
	// case), SigRaw over the raw bytes, SigKeepMember over the canonical body
	// with the signature member kept.
	Signature string
}

// The wrong signature schemes.
const (
	SigRaw        = "raw"
	SigKeepMember = "keep-member"
)

// Row is one record as the receiver stores it.
type Row struct {
	ID        int64           `json:"id"`
	API       string          `json:"api"`
	Payload   json.RawMessage `json:"-"`
	Received  time.Time       `json:"received"`
	BookedAt  *time.Time      `json:"booked_at"`
	Discarded bool            `json:"discarded"`
}

// Store keeps rows.
type Store interface {
	Add(ctx context.Context, r Row) error
	After(ctx context.Context, api string, after int64) ([]Row, error)
	Reset(ctx context.Context) error
}

// Receiver is the test receiver.
type Receiver struct {
	// Token, when set, is required on the admin API as "Bearer <Token>".
	Token string
	// HMACSecret, when set, makes the postback endpoint verify X-Signature
	// (403 when it does not verify). The JWT is left to a gateway.
	HMACSecret string

	wrong Wrong
	store Store

	mu       sync.Mutex
	fixed    *time.Time
	seen     map[string]bool // postback event_ids
	accepted int
}

// New returns a receiver keeping its rows in store (nil: in memory).
func New(w Wrong, store Store) *Receiver {
	if store == nil {
		store = &Memory{}
	}
	return &Receiver{wrong: w, store: store, seen: map[string]bool{}}
}

// Handler serves the event APIs and the record API:
//
//	POST /inappevent/{app_id}          AppsFlyer (authentication: dev key)
//	POST /postback                     generic postback (auth left to a gateway)
//	GET  /admin/records?api=&after=    {"data":{"items":[{id, api, payload, received, booked_at, discarded}]}}
//	PUT  /admin/clock  {"at":"RFC 3339"|""}
//	POST /admin/reset
func (rv *Receiver) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /inappevent/{app_id}", rv.appsflyer)
	mux.HandleFunc("POST /postback", rv.postback)
	mux.Handle("GET /admin/records", rv.admin(rv.records))
	mux.Handle("PUT /admin/clock", rv.admin(rv.clock))
	mux.Handle("POST /admin/reset", rv.admin(rv.reset))
	return mux
}

func (rv *Receiver) admin(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rv.Token != "" && r.Header.Get("Authorization") != "Bearer "+rv.Token {
			answer(w, http.StatusUnauthorized, map[string]string{"error": "admin API: bad token"})
			return
		}
		h(w, r)
	})
}

// Config returns the read-back config of a receiver served at base: its
// record API, clock and reset, with the token read from the environment
// variable tokenVar ("" when the receiver has no token).
func Config(base, tokenVar string) readback.Config {
	var h map[string]string
	if tokenVar != "" {
		h = map[string]string{"Authorization": "Bearer ${" + tokenVar + "}"}
	}
	return readback.Config{
		Events: &readback.EventsConfig{
			URL:      base + "/admin/records?api={profile}&after={cursor}",
			Headers:  h,
			Items:    "data.items",
			Cursor:   "id",
			Profiles: map[string]string{"appsflyer": APIAppsFlyer, "postback": APIPostback},
			Fields: readback.Fields{Body: "payload", Profile: "api", ReceivedAt: "received",
				RecordedAt: "booked_at", Dropped: "discarded"},
			TimeFormat: readback.RFC3339,
		},
		Clock: &readback.ClockConfig{
			Set:     readback.Request{Method: http.MethodPut, URL: base + "/admin/clock", Body: `{"at":"{time}"}`},
			Release: readback.Request{Method: http.MethodPut, URL: base + "/admin/clock", Body: `{"at":""}`},
		},
		Reset:  &readback.Request{Method: http.MethodPost, URL: base + "/admin/reset"},
		Settle: inspect.Duration(200 * time.Millisecond),
	}
}

// SQLConfig returns the SQL read-back config over a PG store at dsn.
func SQLConfig(dsn string) readback.Config {
	return readback.Config{
		SQL: &readback.SQLConfig{DSN: dsn, Query: PGQuery,
			Profiles: map[string]string{"appsflyer": APIAppsFlyer, "postback": APIPostback}},
		Settle: inspect.Duration(200 * time.Millisecond),
	}
}

func (rv *Receiver) now() time.Time {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if rv.fixed != nil {
		return *rv.fixed
	}
	return time.Now().UTC()
}

// lose reports whether this accepted event is one the receiver loses.
func (rv *Receiver) lose() bool {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	rv.accepted++
	return rv.wrong.LoseEvery > 0 && rv.accepted%rv.wrong.LoseEvery == 0
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (rv *Receiver) appsflyer(w http.ResponseWriter, r *http.Request) {
	received := rv.now()
	app := r.PathValue("app_id")
	noPrefix := app == strings.TrimPrefix(IOSApp, "id")
	if app != AndroidApp && app != IOSApp && !noPrefix {
		answer(w, http.StatusUnauthorized, map[string]string{"error": "unknown app"})
		return
	}
	if r.Header.Get("Authentication") != DevKey {
		answer(w, http.StatusUnauthorized, map[string]string{"error": "bad dev key"})
		return
	}
	var ev map[string]any
	body, ok := readJSON(w, r, &ev)
	if !ok {
		return
	}
	if id, _ := ev["appsflyer_id"].(string); id == "" {
		answer(w, http.StatusBadRequest, map[string]string{"error": "appsflyer_id required"})
		return
	}
	row := Row{API: APIAppsFlyer, Payload: body, Received: received}
	if noPrefix && !rv.wrong.RecordsDrop {
		// Seed 003: such an event is answered 200 and not recorded.
		row.Discarded = true
	} else {
		at := rv.bookedAt(ev, received)
		row.BookedAt = &at
	}
	rv.keep(w, r, row, map[string]string{"status": "ok"})
}

// bookedAt is the seed's rule, written from its sentences: an event is
// recorded at its eventTime when it arrives before 02:00 UTC of the day
// after that time's UTC date; late, missing or future → when received.
func (rv *Receiver) bookedAt(ev map[string]any, received time.Time) time.Time {
	s, _ := ev["eventTime"].(string)
	t, err := time.Parse("2006-01-02 15:04:05.000", s)
	if err != nil {
		return received
	}
	if rv.wrong.TimeAlwaysEventTime {
		return t
	}
	if t.After(received) {
		return received
	}
	cutoff := time.Date(t.Year(), t.Month(), t.Day()+1, 2, 0, 0, 0, time.UTC)
	if received.Before(cutoff) {
		return t
	}
	return received
}

func (rv *Receiver) postback(w http.ResponseWriter, r *http.Request) {
	received := rv.now()
	var ev map[string]any
	body, ok := readJSON(w, r, &ev)
	if !ok {
		return
	}
	if rv.HMACSecret != "" && !rv.verifies(body, r.Header.Get("X-Signature")) {
		answer(w, http.StatusForbidden, map[string]string{"error": "signature_invalid", "hint": "check canonical order"})
		return
	}
	id, _ := ev["event_id"].(string)
	if id == "" {
		answer(w, http.StatusBadRequest, map[string]string{"error": "event_id required"})
		return
	}
	rv.mu.Lock()
	replay := rv.seen[id]
	rv.seen[id] = true
	rv.mu.Unlock()
	row := Row{API: APIPostback, Payload: body, Received: received}
	if !replay || rv.wrong.RecordsReplay {
		row.BookedAt = &received
	}
	rv.keep(w, r, row, map[string]any{"status": "ok", "idempotent": replay})
}

// verifies checks sig against body under the receiver's scheme.
func (rv *Receiver) verifies(body []byte, sig string) bool {
	signed := body
	switch rv.wrong.Signature {
	case SigRaw:
	case SigKeepMember:
		c, err := jcs.Transform(body)
		if err != nil {
			return false
		}
		signed = c
	default:
		var m map[string]any
		if json.Unmarshal(body, &m) != nil {
			return false
		}
		delete(m, "signature")
		b, err := json.Marshal(m)
		if err != nil {
			return false
		}
		if signed, err = jcs.Transform(b); err != nil {
			return false
		}
	}
	h := hmac.New(sha256.New, []byte(rv.HMACSecret))
	h.Write(signed)
	want := hex.EncodeToString(h.Sum(nil))
	got, ok := strings.CutPrefix(sig, "sha256=")
	return ok && hmac.Equal([]byte(strings.ToLower(got)), []byte(want))
}

// keep stores row (unless the receiver loses it) and answers ok.
func (rv *Receiver) keep(w http.ResponseWriter, r *http.Request, row Row, ok any) {
	if row.BookedAt != nil && rv.lose() {
		answer(w, http.StatusOK, ok)
		return
	}
	if err := rv.store.Add(r.Context(), row); err != nil {
		answer(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	answer(w, http.StatusOK, ok)
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		answer(w, http.StatusBadRequest, map[string]string{"error": "body unreadable or larger than 64 KiB"})
		return nil, false
	}
	if err := json.Unmarshal(body, v); err != nil {
		answer(w, http.StatusBadRequest, map[string]string{"error": "malformed JSON"})
		return nil, false
	}
	return body, true
}

const maxBody = 64 << 10

// records answers GET /admin/records?api=&after=: every row of api (all when
// empty) with an id above after.
func (rv *Receiver) records(w http.ResponseWriter, r *http.Request) {
	after := int64(0)
	if s := r.URL.Query().Get("after"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			answer(w, http.StatusBadRequest, map[string]string{"error": "after: want an id"})
			return
		}
		after = n
	}
	rows, err := rv.store.After(r.Context(), r.URL.Query().Get("api"), after)
	if err != nil {
		answer(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	type item struct {
		Row
		Payload string `json:"payload"` // the event as a JSON string
	}
	items := make([]item, 0, len(rows))
	for _, row := range rows {
		items = append(items, item{Row: row, Payload: string(row.Payload)})
	}
	answer(w, http.StatusOK, map[string]any{"data": map[string]any{"items": items}})
}

func (rv *Receiver) clock(w http.ResponseWriter, r *http.Request) {
	var in struct {
		At string `json:"at"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		answer(w, http.StatusBadRequest, map[string]string{"error": "want {\"at\": time}"})
		return
	}
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if in.At == "" {
		rv.fixed = nil
	} else {
		t, err := time.Parse(time.RFC3339Nano, in.At)
		if err != nil {
			answer(w, http.StatusBadRequest, map[string]string{"error": "at: want RFC 3339"})
			return
		}
		t = t.UTC()
		rv.fixed = &t
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rv *Receiver) reset(w http.ResponseWriter, r *http.Request) {
	rv.mu.Lock()
	rv.seen = map[string]bool{}
	rv.accepted = 0
	rv.mu.Unlock()
	if err := rv.store.Reset(r.Context()); err != nil {
		answer(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Memory is a Store in memory.
type Memory struct {
	mu   sync.Mutex
	rows []Row
	next int64
}

// Add implements Store.
func (m *Memory) Add(_ context.Context, r Row) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	r.ID = m.next
	m.rows = append(m.rows, r)
	return nil
}

// After implements Store.
func (m *Memory) After(_ context.Context, api string, after int64) ([]Row, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Row
	for _, r := range m.rows {
		if r.ID > after && (api == "" || r.API == api) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Reset implements Store; ids keep increasing, as a database's would.
func (m *Memory) Reset(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rows = nil
	return nil
}
