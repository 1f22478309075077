package cli

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/readback/readbacktest"
	"github.com/s2s-harness/s2s-harness/reconcile"
)

const reconcileHeader = "event_id,click_id,event,ts_event,amount,currency\n"

// dumps writes §15's incident: the operator has 120 FTDs, the tracker the
// first n of them.
func dumps(t *testing.T, n int) (dir, op, tr string) {
	t.Helper()
	dir = t.TempDir()
	var o, k strings.Builder
	o.WriteString(reconcileHeader)
	k.WriteString(reconcileHeader)
	for i := range 120 {
		line := fmt.Sprintf("ftd_%03d,clk_%d,deposit_success,2025-10-21T15:12:31Z,100.00,USD\n", i, i)
		o.WriteString(line)
		if i < n {
			k.WriteString(line)
		}
	}
	op, tr = filepath.Join(dir, "operator.csv"), filepath.Join(dir, "tracker.csv")
	for path, s := range map[string]string{op: o.String(), tr: k.String()} {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, op, tr
}

func TestReconcileCommand(t *testing.T) {
	t.Parallel()
	dir, op, tr117 := dumps(t, 117)
	_, _, tr116 := dumps(t, 116)

	// 120 vs 117 is 2.5 %: exit 0; every file written.
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runCLI(t, "", "reconcile", "-operator", op, "-tracker", tr117, "-report-dir", out, "-tz", "Europe/Istanbul")
	if code != ExitOK {
		t.Fatalf("117: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, f := range []string{"reconcile.json", "reconcile.md", "reconcile.html", "mismatches.csv", "reconcile-junit.xml"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	data, err := os.ReadFile(filepath.Join(out, "reconcile.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep reconcile.Report
	if err := json.Unmarshal(data, &rep); err != nil || rep.MissingAtTracker != 3 || rep.MaxDiscrepancy != 0.025 || rep.TZ != "Europe/Istanbul" {
		t.Errorf("reconcile.json: %v missing %d max %v tz %s", err, rep.MissingAtTracker, rep.MaxDiscrepancy, rep.TZ)
	}
	mis, _ := os.ReadFile(filepath.Join(out, "mismatches.csv"))
	if n := strings.Count(string(mis), "\nmissing_at_tracker,"); n != 3 {
		t.Errorf("mismatches.csv has %d missing rows, want 3:\n%s", n, mis)
	}

	// s2s report re-renders the folder from reconcile.json.
	os.Remove(filepath.Join(out, "reconcile.md"))
	if code, stdout, stderr := runCLI(t, "", "report", out); code != ExitOK || !strings.Contains(stdout, "reconcile.md") {
		t.Errorf("s2s report: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "reconcile.md")); err != nil {
		t.Errorf("s2s report did not write reconcile.md: %v", err)
	}
	if code, stdout, _ := runCLI(t, "", "report", out, "-format", "md"); code != ExitOK || !strings.HasPrefix(stdout, "# s2s reconcile") {
		t.Errorf("s2s report -format md: exit %d\n%s", code, stdout)
	}

	// 116 is over 3 %: exit 4, and the message says what §11 requires.
	code, stdout, _ = runCLI(t, "", "reconcile", "-operator", op, "-tracker", tr116)
	if code != exitSLABreached || !strings.Contains(stdout, "5 business days") {
		t.Errorf("116: exit %d, want 4 and §11's requirement:\n%s", code, stdout)
	}
	// A looser threshold passes it.
	if code, _, _ := runCLI(t, "", "reconcile", "-operator", op, "-tracker", tr116, "-threshold", "5%"); code != ExitOK {
		t.Errorf("116 at -threshold 5%%: exit %d, want 0", code)
	}
	// -format picks the files, or one rendering for stdout.
	only := filepath.Join(dir, "only")
	if code, _, stderr := runCLI(t, "", "reconcile", "-operator", op, "-tracker", tr117, "-report-dir", only, "-format", "json,csv"); code != ExitOK {
		t.Fatalf("-format json,csv: exit %d %s", code, stderr)
	}
	entries, _ := os.ReadDir(only)
	if len(entries) != 2 {
		t.Errorf("-format json,csv wrote %d files, want 2", len(entries))
	}
	code, stdout, _ = runCLI(t, "", "reconcile", "-operator", op, "-tracker", tr117, "-format", "junit")
	if code != ExitOK || !strings.Contains(stdout, "<testsuites") {
		t.Errorf("-format junit: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, "", "reconcile", "-operator", op, "-tracker", tr117, "-format", "csv")
	if code != ExitOK || !strings.HasPrefix(stdout, "cause,side,day") {
		t.Errorf("-format csv: exit %d\n%s", code, stdout)
	}
}

func TestReconcileUsage(t *testing.T) {
	t.Parallel()
	dir, op, tr := dumps(t, 120)
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte(reconcileHeader+"e1,c1,ftd,2025-10-21 15:12:31,1,USD\ne2,c2,ftd,2025-10-21T15:12:31Z,\"1,5\",USD\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mapped := filepath.Join(dir, "export.csv")
	if err := os.WriteFile(mapped, []byte("txid,type,created_at\nftd_000,deposit_success,2025-10-21T15:12:31Z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mapFile := filepath.Join(dir, "map.yaml")
	if err := os.WriteFile(mapFile, []byte("event_id: txid\nevent: type\nts_event: created_at\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args    []string
		want    int
		wantErr string
	}{
		{[]string{"-operator", op}, ExitUsage, "-operator and -tracker are required"},
		{[]string{"-operator", op, "-tracker", tr, "-threshold", "abc"}, ExitUsage, `-threshold: "abc"`},
		{[]string{"-operator", op, "-tracker", tr, "-tz", "Mars/Olympus"}, ExitUsage, "-tz"},
		{[]string{"-operator", op, "-tracker", tr, "-format", "pdf"}, ExitUsage, `-format: "pdf"`},
		{[]string{"-operator", op, "-tracker", tr, "-format", "md,json"}, ExitUsage, "only one rendering"},
		{[]string{"-operator", op, "-tracker", tr, "-map", "evnt=x"}, ExitUsage, "unknown column"},
		{[]string{"-operator", filepath.Join(dir, "nope.csv"), "-tracker", tr}, ExitUsage, "-operator"},
		{[]string{"-operator", bad, "-tracker", tr}, ExitUsage, `bad.csv:2: column "ts_event"`},
		{[]string{"-operator", bad, "-tracker", tr}, ExitUsage, `bad.csv:3: column "amount"`},
		{[]string{"-operator", mapped, "-tracker", tr}, ExitUsage, `export.csv:1: column "event": missing (the header has: txid, type, created_at)`},
		{[]string{"-operator", mapped, "-operator-map", "event_id=txid,event=type,ts_event=created_at", "-tracker", tr}, exitSLABreached, ""},
		{[]string{"-operator", mapped, "-operator-map", mapFile, "-tracker", tr}, exitSLABreached, ""},
		{[]string{"-operator", op, "-tracker", "journal:http://127.0.0.1:1"}, ExitInternal, "does not answer"},
		{[]string{"-operator", op, "-tracker", tr, "-fx", filepath.Join(dir, "nope.csv")}, ExitUsage, "-fx"},
		{[]string{"-operator", op, "-tracker", tr, "-wndow", "1m"}, ExitUsage, "did you mean -window"},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, "", append([]string{"reconcile"}, tt.args...)...)
		if code != tt.want || !strings.Contains(stderr, tt.wantErr) {
			t.Errorf("%v: exit %d %q, want %d %q", tt.args, code, stderr, tt.want, tt.wantErr)
		}
	}
}

// TestReconcileJournal: -tracker journal:URL against a mock in the test.
func TestReconcileJournal(t *testing.T) {
	t.Parallel()
	m, err := mockserver.New(builtin.All())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()
	_, op, _ := dumps(t, 0)
	code, stdout, stderr := runCLI(t, "", "reconcile", "-operator", op, "-tracker", "journal:"+srv.URL, "-format", "json")
	var rep reconcile.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v\n%s\n%s", err, stdout, stderr)
	}
	if code != exitSLABreached || rep.MissingAtTracker != 120 || rep.Tracker.Format != "journal" {
		t.Errorf("an empty journal: exit %d missing %d format %s, want 4 120 journal", code, rep.MissingAtTracker, rep.Tracker.Format)
	}
}

// TestReconcileReadback: -tracker readback:CONFIG reads a vendor's own record
// API (a receiver written apart from the mock): a replay it did not book is
// the replayed cause, an event it never got is missing.
func TestReconcileReadback(t *testing.T) {
	t.Parallel()
	rv := readbacktest.New(readbacktest.Wrong{}, nil)
	rv.Token = "t0ken"
	srv := httptest.NewServer(rv.Handler())
	defer srv.Close()
	for _, id := range []string{"dep_1", "dep_2", "dep_2"} {
		body := `{"event":"deposit_success","event_id":"` + id + `","click_id":"clk_` + id + `","ts_event":"2025-10-21T15:12:31Z","amount":100.00,"currency":"USD"}`
		resp, err := srv.Client().Post(srv.URL+"/postback", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", id, resp.StatusCode)
		}
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "target.yaml")
	yaml := `readback:
  events:
    url: "` + srv.URL + `/admin/records?api={profile}&after={cursor}"
    headers: {Authorization: "Bearer t0ken"}
    items: data.items
    cursor: id
    profiles: {appsflyer: af, postback: posts}
    fields: {body: payload, profile: api, received_at: received, recorded_at: booked_at, dropped: discarded}
`
	op := filepath.Join(dir, "operator.csv")
	rows := reconcileHeader
	for _, id := range []string{"dep_1", "dep_2", "dep_3"} {
		rows += id + ",clk_" + id + ",deposit_success,2025-10-21T15:12:31Z,100.00,USD\n"
	}
	for path, s := range map[string]string{cfg: yaml, op: rows} {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := runCLI(t, "", "reconcile", "-operator", op, "-tracker", "readback:"+cfg, "-format", "json")
	var rep reconcile.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v\n%s\n%s", err, stdout, stderr)
	}
	if code != exitSLABreached || rep.Matched != 2 || rep.MissingAtTracker != 1 || rep.Cause(reconcile.ReplayedAtTracker).Count != 1 || rep.Tracker.Format != "readback" {
		t.Errorf("exit %d matched %d missing %d replayed %d format %s, want 4 2 1 1 readback", code, rep.Matched, rep.MissingAtTracker,
			rep.Cause(reconcile.ReplayedAtTracker).Count, rep.Tracker.Format)
	}
	if code, _, stderr := runCLI(t, "", "reconcile", "-operator", op, "-tracker", "readback:"+op); code != ExitUsage || !strings.Contains(stderr, "-tracker") {
		t.Errorf("a CSV as a target config: exit %d %s", code, stderr)
	}
}
