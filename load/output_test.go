package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/profile/revosurge"
)

// -out json: one JSON line per attempt, as many as the report's attempts.
func TestJSONOutputHasEveryAttempt(t *testing.T) {
	srv, _ := countingServer(t, 0, nil)
	var buf bytes.Buffer
	out := NewJSONOutput(&buf)
	res, err := Run(context.Background(), Config{Profile: revosurge.New(), Target: srv.URL, Scenario: connScenario(100, time.Second, 4),
		Outputs: []Output{out}})
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var a Attempt
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if a.Class != class2xx || a.Status != 200 || a.Endpoint == "" || a.LatencyMS <= 0 {
			t.Errorf("line %d: %+v", n+1, a)
		}
		n++
	}
	if n == 0 || n != res.Requests.Attempts {
		t.Errorf("%d lines, want one per attempt (%d)", n, res.Requests.Attempts)
	}
}

// -out prometheus: the run's series are served while it runs.
func TestPrometheusOutputServesLiveMetrics(t *testing.T) {
	srv, _ := countingServer(t, 0, nil)
	out := NewPrometheusOutput("127.0.0.1:0", "revosurge")
	var scraped string
	progress := func(p Progress) {
		if scraped != "" || p.Elapsed < 500*time.Millisecond {
			return
		}
		resp, err := http.Get("http://" + out.Addr() + "/metrics")
		if err != nil {
			t.Error(err)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		scraped = string(b)
	}
	_, err := Run(context.Background(), Config{Profile: revosurge.New(), Target: srv.URL, Scenario: connScenario(100, 1500*time.Millisecond, 4),
		Outputs: []Output{out}, Progress: progress, ProgressEvery: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`s2s_load_requests_total{class="2xx",endpoint=`, `s2s_load_request_duration_seconds_bucket{endpoint=`} {
		if !strings.Contains(scraped, want) {
			t.Errorf("scrape during the run lacks %s:\n%.400s", want, scraped)
		}
	}
	if _, err := http.Get("http://" + out.Addr() + "/metrics"); err == nil {
		t.Error("the metrics server still answers after the run")
	}
}

// dashboards/s2s.json is a Grafana dashboard whose every query names a series
// the load output or the mock exports.
func TestDashboardNamesExportedSeries(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "dashboards", "s2s.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Title  string `json:"title"`
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &d); err != nil || d.Title == "" {
		t.Fatalf("dashboard: %v", err)
	}
	// What is exported: the load output's registry, and the mock's /metrics.
	out := NewPrometheusOutput("127.0.0.1:0", "revosurge")
	out.Add(Attempt{Endpoint: "event", Class: class2xx, Status: 200, LatencyMS: 1})
	fams, err := out.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var exported []string
	for _, f := range fams {
		exported = append(exported, f.GetName())
	}
	// One answer with a fault injected and one breaking a rule make every
	// mock series appear.
	mock, ic, _ := startMock(t, "revosurge")
	post := func() {
		resp, err := http.Post(mock.URL+"/v2/s2s/event", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	setFaults(t, ic, "revosurge", inspect.Faults{ErrorRate: 1})
	run(t, Config{Profile: revosurge.New(), Target: mock.URL, Scenario: connScenario(20, 200*time.Millisecond, 1)})
	setFaults(t, ic, "revosurge", inspect.Faults{})
	post()
	resp, err := http.Get(mock.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	mockText := string(body)
	name := regexp.MustCompile(`s2s_[a-z_]+`)
	queries := 0
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			queries++
			for _, m := range name.FindAllString(tg.Expr, -1) {
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_sum"), "_count")
				if !slices.Contains(exported, base) && !strings.Contains(mockText, "# TYPE "+base+" ") {
					t.Errorf("dashboard query %q names %s, which neither the load output nor the mock exports", tg.Expr, m)
				}
			}
		}
	}
	if queries < 6 {
		t.Errorf("%d queries, want panels for both the load run and the mock", queries)
	}
	// job and instance, by which the dashboard tells replicas and shards
	// apart, are the scraper's to add: an exporter's own would be renamed.
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "job" || l.GetName() == "instance" {
					t.Errorf("the load output's %s sets label %s", f.GetName(), l.GetName())
				}
			}
		}
	}
	if l := regexp.MustCompile(`(?m)^s2s_\S*[{,](job|instance)="`).FindString(mockText); l != "" {
		t.Errorf("the mock's metrics set job or instance: %s", l)
	}
}
