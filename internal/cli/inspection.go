package cli

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
)

// inspectNone turns automatic inspection off.
const inspectNone = "none"

// inspection resolves -inspect: an explicit URL must answer its health call;
// by default the target is used when it answers one; "none" turns it off.
func inspection(ctx context.Context, hc *http.Client, target, flag string) (string, error) {
	if flag == inspectNone {
		return "", nil
	}
	base := flag
	if base == "" {
		base = target
	}
	c, err := inspect.NewClient(base, hc)
	if err != nil {
		return "", fmt.Errorf("-inspect: %w", err)
	}
	hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	h, err := c.Health(hctx)
	if err == nil && h.Status == "ok" {
		return base, nil
	}
	if flag == "" {
		return "", nil // the target has no inspection API: deep checks are skipped
	}
	if err == nil {
		err = fmt.Errorf("health status %q, want \"ok\"", h.Status)
	}
	return "", fmt.Errorf("-inspect %s: the inspection API does not answer: %w", flag, err)
}
