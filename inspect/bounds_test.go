package inspect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/s2s-harness/s2s-harness/internal/samehost"
)

// A receiver that redirects the inspection client to another port gets
// nothing followed: the admin token never reaches the other server.
func TestClientRefusesRedirectToAnotherHost(t *testing.T) {
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		t.Errorf("the other host got %s with Authorization %q", r.URL, r.Header.Get("Authorization"))
	}))
	defer other.Close()
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer hostile.Close()
	c, err := NewClient(hostile.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.WithToken("admin-secret").Health(context.Background())
	if !errors.Is(err, samehost.ErrRedirect) {
		t.Errorf("got %v, want the redirect refused", err)
	}
	if reached.Load() != 0 {
		t.Errorf("the other host was reached %d times", reached.Load())
	}
}

// A redirect on the same host is still followed.
func TestClientFollowsRedirectOnItsHost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == Prefix+"health" {
			http.Redirect(w, r, Prefix+"health/", http.StatusTemporaryRedirect)
			return
		}
		_, _ = w.Write([]byte(`{"status":"ok","mode":"strict","profiles":[],"epoch":"e1"}`))
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, nil)
	h, err := c.Health(context.Background())
	if err != nil || h.Epoch != "e1" {
		t.Errorf("got %+v, %v", h, err)
	}
}

// An answer larger than MaxAnswer is an error, never a silent cut.
func TestAnswerOverTheCapIsAnError(t *testing.T) {
	chunk := []byte(strings.Repeat(" ", 1<<20))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"status":"ok",`))
		for range MaxAnswer>>20 + 2 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, nil)
	if _, err := c.Health(context.Background()); !errors.Is(err, ErrTooLarge) {
		t.Errorf("got %v, want ErrTooLarge", err)
	}
}

// A journal whose cursor never ends stops All at its bound with an error.
func TestAllStopsOnAnEndlessCursor(t *testing.T) {
	var pages atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pages.Add(1)
		after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
		p := Page{Next: after + 100}
		for i := range uint64(100) {
			p.Entries = append(p.Entries, Entry{Seq: after + i + 1, Body: strings.Repeat("x", 1000)})
		}
		_ = json.NewEncoder(w).Encode(p)
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, nil)
	c.maxEntries, c.maxEntryBytes = 1000, 10<<20
	out, err := c.All(context.Background(), Query{})
	if !errors.Is(err, ErrTooLarge) || len(out) > 1000 {
		t.Errorf("got %d entries, %v; want at most 1000 and ErrTooLarge", len(out), err)
	}
	c.maxEntries = 1 << 30 // now the bytes bound decides
	c.maxEntryBytes = 300 << 10
	out, err = c.All(context.Background(), Query{})
	if !errors.Is(err, ErrTooLarge) || len(out) > 300 {
		t.Errorf("got %d entries, %v; want at most 300 (1.4 KB each) and ErrTooLarge", len(out), err)
	}
	t.Log(fmt.Sprint("pages read: ", pages.Load()))
}
