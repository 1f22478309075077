package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportRerenders: `s2s report DIR` recognises a certificate and a load
// report by their JSON file, prints one format, and rewrites every file.
func TestReportRerenders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		giveFrom  string
		giveAs    string
		wantFiles []string
		wantMD    string
	}{
		{name: "certificate", giveFrom: "../../reports/testdata/certificate.golden.json", giveAs: "certificate.json",
			wantFiles: []string{"certificate.md", "junit.xml"}, wantMD: "#"},
		{name: "load", giveFrom: "../../load/testdata/report.json.golden", giveAs: "load.json",
			wantFiles: []string{"load.md", "load.html", "junit.xml"}, wantMD: "#"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := os.ReadFile(tt.giveFrom)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tt.giveAs), data, 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errs := runCLI(t, "", "report", dir, "-format", "md")
			if code != ExitOK || !strings.HasPrefix(strings.TrimSpace(out), tt.wantMD) {
				t.Fatalf("report -format md: exit %d, stdout %.80q, stderr %s", code, out, errs)
			}
			if code, _, errs := runCLI(t, "", "report", dir); code != ExitOK {
				t.Fatalf("report: exit %d: %s", code, errs)
			}
			for _, f := range tt.wantFiles {
				if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
					t.Errorf("%s not written: %v", f, err)
				}
			}
		})
	}
	if code, _, errs := runCLI(t, "", "report", t.TempDir()); code != ExitUsage || errs == "" {
		t.Errorf("empty folder: exit %d, stderr %q; want a usage error", code, errs)
	}
}
