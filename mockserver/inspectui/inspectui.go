// Package inspectui is the mock's live inspector: one HTML page with its
// script and style, embedded in the binary (no external assets, no build
// step), that follows the journal as server-sent events, and the tickets that
// open that stream when the inspection API needs the admin token (an
// EventSource cannot send an Authorization header). The mock serves it under
// /_s2s/ui/; the page talks only to the inspection API.
package inspectui

import (
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// Handler serves the page and its assets from / (mount it under a prefix
// with http.StripPrefix). Nothing is cached: the page is the binary's.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		// The page loads only its own script and style and talks only to its origin.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-src 'self' blob: data:; style-src 'self' 'unsafe-inline'")
		h.Set("Referrer-Policy", "no-referrer")
		files.ServeHTTP(w, r)
	})
}

// ticketScope binds a ticket to the stream, so a ticket is not a token.
const ticketScope = "s2s-ui-stream\n"

// Ticket is a short-lived credential for the event stream: its expiry and
// an HMAC of it keyed by the admin token. It needs no state, so any replica
// sharing the token accepts it. With no token it is "".
func Ticket(token string, expires time.Time) string {
	if token == "" {
		return ""
	}
	exp := strconv.FormatInt(expires.Unix(), 10)
	return exp + "." + sign(token, exp)
}

func sign(token, exp string) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte(ticketScope + exp))
	return hex.EncodeToString(mac.Sum(nil))
}

// Errors of CheckTicket.
var (
	ErrNoTicket  = errors.New("no ticket")
	ErrBadTicket = errors.New("the ticket is not one this mock gave")
	ErrExpired   = errors.New("the ticket has expired; ask for a new one")
)

// CheckTicket reports whether ticket opens the stream at now.
func CheckTicket(token, ticket string, now time.Time) error {
	if ticket == "" {
		return ErrNoTicket
	}
	exp, mac, ok := strings.Cut(ticket, ".")
	n, err := strconv.ParseInt(exp, 10, 64)
	if !ok || err != nil {
		return ErrBadTicket
	}
	if !hmac.Equal([]byte(mac), []byte(sign(token, exp))) {
		return ErrBadTicket
	}
	if now.After(time.Unix(n, 0)) {
		return fmt.Errorf("%w (at %s)", ErrExpired, time.Unix(n, 0).UTC().Format(time.RFC3339))
	}
	return nil
}
