package cli

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMakeRunStopsOnSignal starts `make run` (on a free port, the binary
// built into a temporary folder) the way a terminal does, in its own process
// group, and signals it: Ctrl-C (SIGINT to the group) and a supervisor's
// SIGTERM to make alone. Either way the mock must log its graceful stop and
// make must end.
func TestMakeRunStopsOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	makeBin, err := exec.LookPath("make")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("make not installed (.ci/run installs it)")
		}
		t.Skip("make not installed")
	}
	bin := filepath.Join(t.TempDir(), "s2s")
	tests := []struct {
		name   string
		signal func(pid int) error
	}{
		{"Ctrl-C to the process group", func(pid int) error { return syscall.Kill(-pid, syscall.SIGINT) }},
		{"SIGTERM to make", func(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, makeBin, "-s", "-C", "../..", "run", "BIN="+bin, "RUN_ARGS=-addr 127.0.0.1:0")
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Whatever happens, nothing of the group outlives the test.
			defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			lines := make(chan string, 64)
			go func() {
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			var log []string
			wait := func(want string) bool {
				for {
					select {
					case l, ok := <-lines:
						if !ok {
							return false
						}
						log = append(log, l)
						if strings.Contains(l, want) {
							return true
						}
					case <-ctx.Done():
						return false
					}
				}
			}
			if !wait("mock listening") {
				t.Fatalf("the mock did not start:\n%s", strings.Join(log, "\n"))
			}
			if err := tt.signal(cmd.Process.Pid); err != nil {
				t.Fatal(err)
			}
			stopped := wait("mock stopped")
			for drained := false; !drained; { // until make closes stderr, or the deadline
				select {
				case _, ok := <-lines:
					drained = !ok
				case <-ctx.Done():
					drained = true
				}
			}
			// make waits for the mock, then ends by the signal it got, as
			// make does when interrupted.
			err = cmd.Wait()
			var exit *exec.ExitError
			bySignal := errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signaled()
			if (err != nil && !bySignal) || !stopped {
				t.Fatalf("make run: %v, graceful stop logged: %v\n%s", err, stopped, strings.Join(log, "\n"))
			}
			for _, l := range log {
				if strings.HasPrefix(l, "s2s: mock:") || strings.Contains(l, "level=ERROR") {
					t.Errorf("the mock reported an error: %s", l)
				}
			}
		})
	}
}
