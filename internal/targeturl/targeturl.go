// Package targeturl holds what every consumer needs to know about a receiver's
// URL: which URLs are acceptable (Check) and whether anything answers there
// before a run starts (Probe). The CLI, conformance, load and the inspection
// client use it, so the rule and its error text live in one place.
package targeturl

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Want describes an acceptable URL in error messages.
const Want = "want http(s)://host[:port][/prefix]"

// ProbeTimeout bounds Probe.
const ProbeTimeout = 5 * time.Second

// Check parses raw as an absolute http or https URL with a host.
func Check(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q: %s", raw, Want)
	}
	return u, nil
}

// Probe reports whether anything answers HTTP at raw (any status counts), so
// an unreachable receiver is one clear error before a run, not a run of
// connection errors. It waits at most ProbeTimeout.
func Probe(ctx context.Context, hc *http.Client, raw string) error {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, raw, nil)
	if err != nil {
		return fmt.Errorf("target %s: %w", raw, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Unreachable(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.Body.Close()
}
