package cli

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/internal/exitcode"
)

// TestHelpListsExitCodes: every command's -h lists exactly the codes it
// declares, each with the table's meaning.
func TestHelpListsExitCodes(t *testing.T) {
	t.Parallel()
	for _, c := range commands() {
		if len(c.exits) == 0 || c.exits[0] != ExitOK {
			t.Errorf("%s: exit codes %v: want ExitOK first", c.name, c.exits)
		}
		var out, errs bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errs,
			Getenv: func(string) string { return "" }, IsTerminal: func(io.Writer) bool { return false }}
		if code := run(context.Background(), env, []string{"s2s", c.name, "-h"}); code != ExitOK {
			t.Errorf("%s -h: exit %d", c.name, code)
		}
		_, help, ok := strings.Cut(errs.String()+out.String(), "\nExit codes:\n")
		if c.name == "version" {
			continue // takes no flags
		}
		if !ok {
			t.Errorf("%s -h has no exit codes section:\n%s", c.name, errs.String())
			continue
		}
		var want strings.Builder
		for _, code := range c.exits {
			want.WriteString("  " + strconv.Itoa(code) + "  " + exitcode.Meaning(code) + "\n")
		}
		if help != want.String() {
			t.Errorf("%s -h exit codes:\n%s\nwant:\n%s", c.name, help, want.String())
		}
	}
}
