package readbacktest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

// ErrNoPostgres says the PostgreSQL server binaries are not installed.
var ErrNoPostgres = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin; install the postgresql package")

// Postgres is a throwaway PostgreSQL cluster for tests: its own data
// directory, a free port on 127.0.0.1, trust authentication, no fsync.
type Postgres struct {
	DSN  string // postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
	dir  string
	bin  string
	asPG bool // commands run as the postgres user (the server refuses root)
}

// StartPostgres initialises and starts a cluster in a new temporary
// directory. Stop it (and remove the directory) with Stop. Tests call it once
// per package run, from TestMain.
func StartPostgres(ctx context.Context) (*Postgres, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "s2s-pg-")
	if err != nil {
		return nil, err
	}
	pg := &Postgres{dir: dir, bin: bin, asPG: os.Geteuid() == 0}
	if pg.asPG {
		u, err := user.Lookup("postgres")
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and no postgres user to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := pg.run(ctx, "initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -F -c fsync=off -c synchronous_commit=off -c full_page_writes=off", port, dir)
	if err := pg.run(ctx, "pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("%w\n%s", err, log)
	}
	pg.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return pg, nil
}

// Stop stops the server and removes its directory.
func (pg *Postgres) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := pg.run(ctx, "pg_ctl", "-D", filepath.Join(pg.dir, "data"), "-m", "immediate", "-w", "stop")
	if rmErr := os.RemoveAll(pg.dir); err == nil {
		err = rmErr
	}
	return err
}

func (pg *Postgres) run(ctx context.Context, name string, args ...string) error {
	path := filepath.Join(pg.bin, name)
	var cmd *exec.Cmd
	if pg.asPG {
		cmd = exec.CommandContext(ctx, "setpriv", append([]string{"--reuid=postgres", "--regid=postgres", "--init-groups", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = pg.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", name, err, out.String())
	}
	return nil
}

func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs))) // the newest version first (by name)
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
				return d, nil
			}
		}
	}
	return "", ErrNoPostgres
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
