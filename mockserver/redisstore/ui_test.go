package redisstore_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
)

// TestInspectorStreamFollowsReplicas: the inspector's stream on one replica
// shows the traffic another replica answered (it follows the shared journal),
// and a reconnect with Last-Event-ID goes on after the last entry it had.
func TestInspectorStreamFollowsReplicas(t *testing.T) {
	urls := replicas(t, 2, mockserver.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	bad := func(base, key string) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v2/s2s/event", strings.NewReader(`{}`))
		req.Header.Set("X-API-Key", key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	bad(urls[1], "first-key")
	next := stream(ctx, t, urls[0], "")
	first := next()
	if first.Path != "/v2/s2s/event" || first.Rule != "RS-AUTH-2" || first.Headers["X-Api-Key"] != "<redacted>" {
		t.Fatalf("first entry on replica 0 of a request to replica 1: %+v", first)
	}
	bad(urls[1], "second-key")
	if second := next(); second.Seq <= first.Seq || second.Rule != "RS-AUTH-2" {
		t.Fatalf("second entry: %+v after seq %d", second, first.Seq)
	}
	// A reconnect from the first entry's id sees the second one, not the first again.
	again := stream(ctx, t, urls[0], strconv.FormatUint(first.Seq, 10))
	if e := again(); e.Seq <= first.Seq {
		t.Errorf("after Last-Event-ID %d the stream sent seq %d", first.Seq, e.Seq)
	}
	// A new page starts with the newest entries only.
	newest := streamQuery(ctx, t, urls[1], "", "?tail=1")
	if e := newest(); e.Seq <= first.Seq {
		t.Errorf("tail=1 started with seq %d, want the newest (after %d)", e.Seq, first.Seq)
	}
}

// stream opens the inspector's event stream and returns a reader of its
// next journal entry.
func stream(ctx context.Context, t *testing.T, base, lastID string) func() inspect.Entry {
	t.Helper()
	return streamQuery(ctx, t, base, lastID, "")
}

func streamQuery(ctx context.Context, t *testing.T, base, lastID, query string) func() inspect.Entry {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+mockserver.UIPath+"api/stream"+query, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	return func() inspect.Entry {
		t.Helper()
		event := ""
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				event = v
			}
			if v, ok := strings.CutPrefix(line, "data: "); ok && event == "entry" {
				var it struct{ Entry inspect.Entry }
				if err := json.Unmarshal([]byte(v), &it); err != nil {
					t.Fatalf("stream data %q: %v", v, err)
				}
				return it.Entry
			}
		}
		t.Fatalf("the stream ended: %v", sc.Err())
		return inspect.Entry{}
	}
}
