// Package redistest starts a throw-away redis-server for tests: on a free
// loopback port, without persistence (or with an append-only file, for a test
// that kills and restarts it), in a temporary folder. The Redis-backed mock
// tests use it from TestMain.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Server is a running redis-server.
type Server struct {
	Addr string // 127.0.0.1:port
	cmd  *exec.Cmd
	dir  string
	bin  string
	args []string
}

// Options choose how the server keeps its data.
type Options struct {
	// AOF: an append-only file fsynced on every write (appendfsync always),
	// so a server killed and restarted has every write it acknowledged.
	AOF bool
	// Args are further redis-server arguments (a recipe's command line, say
	// "--appendonly", "yes"); they come after the defaults and before the
	// server's own port, bind address and folder, which win.
	Args []string
}

// ErrMissing is returned by Start when redis-server is not installed.
var ErrMissing = errors.New("redis-server is not installed (apt-get install -y redis-server)")

// URL is the server's redis:// URL for database db.
func (s *Server) URL(db int) string { return "redis://" + s.Addr + "/" + strconv.Itoa(db) }

// Start runs redis-server without persistence and waits until it answers PING.
func Start() (*Server, error) { return StartWith(Options{}) }

// StartWith runs redis-server as o says and waits until it answers PING.
func StartWith(o Options) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrMissing
	}
	dir, err := os.MkdirTemp("", "redistest")
	if err != nil {
		return nil, err
	}
	for range 5 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir, bin: bin}
		s.args = append([]string{"--save", "", "--appendonly", "no"}, o.Args...)
		if o.AOF {
			s.args = append(s.args, "--appendonly", "yes", "--appendfsync", "always")
		}
		s.args = append(s.args, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--dir", dir, "--protected-mode", "yes", "--loglevel", "warning")
		s.cmd = exec.Command(bin, s.args...)
		if err := s.cmd.Start(); err != nil {
			return nil, fmt.Errorf("redis-server: %w", err)
		}
		if ping(s.Addr, 5*time.Second) == nil {
			return s, nil
		}
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
	_ = os.RemoveAll(dir)
	return nil, errors.New("redis-server did not answer on any of 5 ports")
}

// Kill ends the server at once (SIGKILL): no shutdown, no final save.
func (s *Server) Kill() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// Restart starts the server again, on the same port and folder (after Kill),
// and waits until it answers PING; with Options.AOF it has its data back.
func (s *Server) Restart() error {
	var err error
	for range 50 { // the port may take a moment to be free again
		s.cmd = exec.Command(s.bin, s.args...)
		if err = s.cmd.Start(); err != nil {
			return fmt.Errorf("redis-server: %w", err)
		}
		if err = ping(s.Addr, 5*time.Second); err == nil {
			return nil
		}
		s.Kill()
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("redis-server did not come back on %s: %w", s.Addr, err)
}

// Stop ends the server and removes its folder.
func (s *Server) Stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	_ = os.RemoveAll(s.dir)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func ping(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		err := pingOnce(addr)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func pingOnce(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("redis answered %q", line)
	}
	return nil
}

// Main runs a test binary's tests with a server, the way TestMain wants:
// without redis-server the tests run with s nil (they skip) unless env CI is
// set, when the missing server fails the run.
func Main(run func(s *Server) int) int {
	s, err := Start()
	switch {
	case errors.Is(err, ErrMissing) && os.Getenv("CI") == "":
		fmt.Fprintln(os.Stderr, "redistest:", err, "- Redis tests skip")
		return run(nil)
	case err != nil:
		fmt.Fprintln(os.Stderr, "redistest:", err)
		return 1
	}
	defer s.Stop()
	return run(s)
}
