package readback_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/readback/readbacktest"
)

// pgDSN is the test cluster's DSN ("" when PostgreSQL is not installed and
// CI is unset; the SQL tests then skip).
var pgDSN string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pg, err := readbacktest.StartPostgres(ctx)
	switch {
	case errors.Is(err, readbacktest.ErrNoPostgres) && os.Getenv("CI") == "":
		fmt.Fprintln(os.Stderr, "readback: SQL tests skipped:", err)
	case err != nil:
		fmt.Fprintln(os.Stderr, "readback: start PostgreSQL:", err)
		return 1
	default:
		pgDSN = pg.DSN
		defer func() {
			if err := pg.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, "readback: stop PostgreSQL:", err)
			}
		}()
	}
	return m.Run()
}

func needPG(t *testing.T) string {
	t.Helper()
	if pgDSN == "" {
		t.Skip("PostgreSQL is not installed (apt-get install -y postgresql); CI installs it")
	}
	return pgDSN
}
