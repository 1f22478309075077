package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Three shards of one schedule at the command line, then their merge: the
// shards send the schedule between them, the merge reports it whole.
func TestLoadShardsAndMerge(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"accepted":1,"status":"queued"}`))
	}))
	defer srv.Close()
	root := t.TempDir()
	var dirs []string
	var wg sync.WaitGroup
	for i := range 3 {
		dir := filepath.Join(root, "shard-"+string(rune('0'+i)))
		dirs = append(dirs, dir)
		wg.Go(func() {
			code, out, errs := runCLI(t, "", "load", "-target", srv.URL, "-profile", "revosurge", "-rate", "60/s", "-duration", "1s",
				"-inspect", "none", "-seed", "9", "-shard", string(rune('0'+i))+"/3", "-report-dir", dir)
			if code == ExitUsage || code == ExitInternal || !strings.Contains(out, "shard "+string(rune('0'+i))+"/3") {
				t.Errorf("shard %d: exit %d, stdout %q, stderr %q", i, code, out, errs)
			}
		})
	}
	wg.Wait()
	merged := filepath.Join(root, "merged")
	code, out, errs := runCLI(t, "", "load", "merge", "-report-dir", merged, dirs[2], dirs[0], dirs[1])
	if code == ExitUsage || code == ExitInternal {
		t.Fatalf("merge: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	data, err := os.ReadFile(filepath.Join(merged, "load.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Shards   int `json:"shards"`
		Requests struct {
			Scheduled uint64 `json:"scheduled"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	if res.Shards != 3 || res.Requests.Scheduled != 60 {
		t.Errorf("merged: %d shards, %d scheduled; want 3 and the schedule's 60", res.Shards, res.Requests.Scheduled)
	}
	if code, _, errs := runCLI(t, "", "load", "merge", dirs[0], dirs[1]); code != ExitUsage || !strings.Contains(errs, "2 parts of a run in 3 shards") {
		t.Errorf("merge of 2 of 3 shards: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runCLI(t, "", "load", "-target", srv.URL, "-profile", "revosurge", "-shard", "1/3"); code != ExitUsage || !strings.Contains(errs, "needs -report-dir") {
		t.Errorf("-shard without -report-dir: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runCLI(t, "", "load", "-target", srv.URL, "-profile", "revosurge", "-shard", "3/3", "-report-dir", root); code != ExitUsage || !strings.Contains(errs, "want i/N") {
		t.Errorf("-shard 3/3: exit %d, stderr %q", code, errs)
	}
}
