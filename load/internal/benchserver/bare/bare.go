// Package bare holds the bare receivers of the benchmarks: plain net/http
// handlers doing the least a receiver of these APIs must do, so that a ratio
// against them prices everything else a server does.
package bare

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/profile/postback"
)

const okBody = `{"status":"queued","accepted":1}`

func reply(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Handler reads each body and answers 200; with decode it first decodes what
// carries the document, whichever transport the request used: a non-empty
// query string is parsed, a non-empty body json-decoded, and either failing
// is a 400. It knows no endpoint: a GET whose event is in the query string is
// read as its transport carries it, as a POST's JSON body is.
func Handler(decode bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			reply(w, http.StatusBadRequest, []byte(`{"error":"body unreadable"}`))
			return
		}
		if decode && r.URL.RawQuery != "" {
			if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
				reply(w, http.StatusBadRequest, []byte(`{"error":"query string malformed"}`))
				return
			}
		}
		if decode && len(body) > 0 {
			var doc any
			if err := json.Unmarshal(body, &doc); err != nil {
				reply(w, http.StatusBadRequest, []byte(`{"error":"body is not JSON"}`))
				return
			}
		}
		reply(w, http.StatusOK, []byte(okBody))
	})
}

// Postback is Handler(true) plus the postback's two checks, with the
// profile's default secrets: the HS256 bearer token (PB-AUTH-1) and the
// X-Signature HMAC-SHA256 over the RFC 8785 canonical body (PB-SIG-1/2). The
// canonical payload is computed from one decode of the body, which is also
// the JSON check.
func Postback() http.Handler {
	creds := postback.New().Defaults
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			reply(w, http.StatusBadRequest, []byte(`{"error":"body unreadable"}`))
			return
		}
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			reply(w, http.StatusUnauthorized, []byte(`{"error":"no bearer token"}`))
			return
		}
		if _, err := postback.ParseToken(token, creds.JWTSecret, time.Now()); err != nil {
			reply(w, http.StatusUnauthorized, []byte(`{"error":"bad token"}`))
			return
		}
		canon, err := postback.CanonicalPayload(body)
		if err != nil {
			reply(w, http.StatusBadRequest, []byte(`{"error":"body has no canonical form"}`))
			return
		}
		got, _ := hex.DecodeString(strings.TrimPrefix(r.Header.Get(postback.SignatureHeader), "sha256="))
		m := hmac.New(sha256.New, []byte(creds.HMACSecret))
		m.Write(canon)
		if !hmac.Equal(got, m.Sum(nil)) {
			reply(w, http.StatusForbidden, []byte(`{"error":"signature does not match"}`))
			return
		}
		reply(w, http.StatusOK, []byte(okBody))
	})
}
