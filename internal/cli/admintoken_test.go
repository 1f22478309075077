package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is an io.Writer a running command writes to while the test
// reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// poll calls f until it succeeds or the deadline passes, and returns its
// last error.
func poll(within time.Duration, f func() error) error {
	deadline := time.Now().Add(within)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// bannerURL is the base URL the banner shows; bannerToken a generated token.
var (
	bannerURL   = regexp.MustCompile(`profiles at (http://\S+) `)
	bannerToken = regexp.MustCompile(`(?m)^admin token (\S+)$`)
)

// local turns the banner's URL (0.0.0.0 when listening everywhere) into one
// to dial on this machine.
func local(base string) string {
	return strings.NewReplacer("//0.0.0.0:", "//127.0.0.1:", "//[::]:", "//127.0.0.1:").Replace(base)
}

// journalStatus is the status of GET /_s2s/journal with token ("" for none).
func journalStatus(t *testing.T, base, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/_s2s/journal?limit=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestMockAdminToken: the admin token comes from the flag, then
// $S2S_ADMIN_TOKEN, then the config; a reachable address without one gets a
// generated token (printed once, on stdout), never an open API, unless
// -allow-open-admin; loopback stays open with zero configuration.
func TestMockAdminToken(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "mock.yaml")
	if err := os.WriteFile(cfg, []byte("admin_token: from-config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		env    string // $S2S_ADMIN_TOKEN
		args   []string
		want   string // the token that opens the journal; "generated", or "" for none needed
		refuse []string
	}{
		{name: "loopback, zero configuration", args: []string{"-addr", "127.0.0.1:0"}},
		{name: "reachable, zero configuration", args: []string{"-addr", "0.0.0.0:0"}, want: "generated"},
		{name: "reachable, from the environment", env: "from-env", args: []string{"-addr", "0.0.0.0:0"}, want: "from-env"},
		{name: "the environment's newline is not part of it", env: " from-env\n", args: []string{"-addr", "0.0.0.0:0"}, want: "from-env"},
		{name: "the flag beats the environment", env: "from-env", args: []string{"-addr", "0.0.0.0:0", "-admin-token", "from-flag"},
			want: "from-flag", refuse: []string{"from-env"}},
		{name: "the environment beats the config", env: "from-env", args: []string{"-addr", "0.0.0.0:0", "-config", cfg},
			want: "from-env", refuse: []string{"from-config"}},
		{name: "the config alone", args: []string{"-addr", "0.0.0.0:0", "-config", cfg}, want: "from-config"},
		{name: "loopback with a token from the environment", env: "from-env", args: []string{"-addr", "127.0.0.1:0"}, want: "from-env"},
		{name: "open on request", args: []string{"-addr", "0.0.0.0:0", "-allow-open-admin"}},
		{name: "a reachable proxy guards the loopback port too", args: []string{"-addr", "127.0.0.1:0", "-proxy", "0.0.0.0:0",
			"-ca-out", filepath.Join(t.TempDir(), "ca.pem")}, want: "generated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			out, errs := &lockedBuffer{}, &lockedBuffer{}
			env := &Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: errs,
				Getenv: func(k string) string {
					if k == adminTokenEnv {
						return tt.env
					}
					return ""
				},
				IsTerminal: func(io.Writer) bool { return false }}
			done := make(chan int, 1)
			go func() { done <- run(ctx, env, append([]string{"s2s", "mock", "-profiles", "revosurge"}, tt.args...)) }()
			t.Cleanup(func() {
				cancel()
				if code := <-done; code != ExitOK {
					t.Errorf("exit %d after the stop, want 0\n%s", code, errs.String())
				}
			})
			var base string
			err := poll(20*time.Second, func() error {
				select {
				case code := <-done:
					done <- code
					t.Fatalf("the mock ended at start: exit %d\n%s", code, errs.String())
				default:
				}
				if !strings.Contains(errs.String(), "mock listening") {
					return io.ErrNoProgress
				}
				return nil
			})
			if m := bannerURL.FindStringSubmatch(out.String()); err == nil && m != nil {
				base = local(m[1])
			} else {
				t.Fatalf("no banner (%v):\n%s\n%s", err, out.String(), errs.String())
			}
			generated := bannerToken.FindStringSubmatch(out.String())
			want := tt.want
			if want == "generated" {
				if generated == nil || len(generated[1]) < 20 {
					t.Fatalf("no generated token of at least 20 characters in the banner:\n%s", out.String())
				}
				want = generated[1]
				if strings.Contains(errs.String(), want) {
					t.Errorf("the generated token is in the log:\n%s", errs.String())
				}
			} else if generated != nil {
				t.Errorf("a token was generated though %q was given:\n%s", tt.want, out.String())
			}
			if tt.want != "" && tt.want != "generated" && strings.Contains(out.String()+errs.String(), want) {
				t.Errorf("the given token %q is printed", want)
			}
			if want == "" {
				if got := journalStatus(t, base, ""); got != http.StatusOK {
					t.Errorf("journal without a token: %d, want 200 (open)", got)
				}
				return
			}
			if got := journalStatus(t, base, ""); got != http.StatusUnauthorized {
				t.Errorf("journal without a token: %d, want 401", got)
			}
			if got := journalStatus(t, base, want); got != http.StatusOK {
				t.Errorf("journal with %q: %d, want 200", want, got)
			}
			for _, r := range tt.refuse {
				if got := journalStatus(t, base, r); got != http.StatusUnauthorized {
					t.Errorf("journal with %q: %d, want 401 (overridden)", r, got)
				}
			}
		})
	}
}
