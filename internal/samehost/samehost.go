// Package samehost keeps the harness's HTTP clients of a receiver's APIs (the
// inspection contract, a vendor's read-back API) on the host they were given:
// a redirect to another host (or scheme or port) is refused, never followed,
// so the configured headers (X-Vendor-Token, Authorization) never reach a
// host nobody configured. Go strips only Authorization and cookies across
// hosts; every other header would follow.
package samehost

import (
	"errors"
	"fmt"
	"net/http"
)

// maxRedirects is what Go's default client follows at most.
const maxRedirects = 10

// ErrRedirect is returned (wrapped) for a redirect to another host.
var ErrRedirect = errors.New("redirect to another host refused")

// Client returns a copy of hc (nil: http.DefaultClient's settings) that follows
// redirects only to the scheme, host and port of the first request, at most 10.
func Client(hc *http.Client) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	}
	c.CheckRedirect = Check
	return &c
}

// Check is an http.Client CheckRedirect that refuses another host.
func Check(req *http.Request, via []*http.Request) error {
	if len(via) == 0 {
		return nil
	}
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return fmt.Errorf("%w: %s answered with a redirect to %s://%s", ErrRedirect, first.Redacted(), req.URL.Scheme, req.URL.Host)
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	return nil
}
