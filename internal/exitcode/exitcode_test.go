package exitcode

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestREADMETable keeps the README's table equal to Table.
func TestREADMETable(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(data), "\n### Exit codes\n")
	if !ok {
		t.Fatal(`README.md has no "### Exit codes" section`)
	}
	var rows []string
	for _, line := range strings.Split(after, "\n") {
		if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| code") && !strings.HasPrefix(line, "| ---") {
			rows = append(rows, line)
		} else if len(rows) > 0 {
			break
		}
	}
	var want []string
	for _, e := range Table() {
		want = append(want, fmt.Sprintf("| %d | `%s` | %s |", e.Code, e.Name, e.Meaning))
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("README.md exit codes:\n%s\nwant (internal/exitcode):\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for i, e := range Table() {
		if e.Code != i {
			t.Errorf("Table()[%d] is code %d: codes are dense and in order", i, e.Code)
		}
		if e.Name == "" || e.Meaning == "" || names[e.Name] {
			t.Errorf("code %d: empty or repeated name/meaning %+v", e.Code, e)
		}
		names[e.Name] = true
	}
	if Meaning(99) != "" {
		t.Error("Meaning(99) should be empty")
	}
	var b bytes.Buffer
	WriteHelp(&b, OK, SLABreached)
	if got := b.String(); !strings.Contains(got, "  4  "+Meaning(SLABreached)) || strings.Contains(got, "  3  ") {
		t.Errorf("WriteHelp(0, 4) = %q", got)
	}
}
