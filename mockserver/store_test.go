package mockserver_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/s2s-harness/s2s-harness/internal/redistest"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/mockserver/redisstore"
)

// sharedState, when set, gives every harness mock its state from it: with
// S2S_TEST_STORE=redis the whole suite runs against the Redis store, which
// must behave as the in-process one.
var sharedState func(t testing.TB) mockserver.State

func TestMain(m *testing.M) {
	if os.Getenv("S2S_TEST_STORE") != "redis" {
		os.Exit(m.Run())
	}
	os.Exit(redistest.Main(func(s *redistest.Server) int {
		if s == nil {
			return m.Run()
		}
		var n atomic.Int64
		sharedState = func(t testing.TB) mockserver.State {
			st, err := redisstore.Open(context.Background(), s.URL(0), redisstore.Options{Prefix: fmt.Sprintf("h%d:", n.Add(1))})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			return st.State()
		}
		return m.Run()
	}))
}

func TestConfigStore(t *testing.T) {
	tests := []struct {
		give    string
		wantErr string
	}{
		{"", ""},
		{"memory", ""},
		{"redis://127.0.0.1:6379/0", ""},
		{"rediss://:pw@redis.example:6380/2", ""},
		{"http://127.0.0.1:6379", "config key store"},
		{"redis://", "want memory or a Redis URL"},
		{"rediss://:secret@/0", "rediss://:xxxxx@/0"},
	}
	for _, tt := range tests {
		cfg, err := mockserver.ParseConfig([]byte(fmt.Sprintf("store: %q\n", tt.give)), "yaml")
		if err == nil {
			err = cfg.Check(nil)
		}
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("store %q: %v", tt.give, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("store %q: got %v, want an error with %q", tt.give, err, tt.wantErr)
		}
	}
}
