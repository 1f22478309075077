package load

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dashboardVar is a template variable of a Grafana dashboard.
type dashboardVar struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Multi      bool   `json:"multi"`
	IncludeAll bool   `json:"includeAll"`
	Definition string `json:"definition"`
}

// The dashboard's queries, read for what they select and aggregate by.
var (
	dashSelector = regexp.MustCompile(`s2s_[a-z_]+(\{[^}]*\})?`)
	dashAggr     = regexp.MustCompile(`\b(sum|avg|min|max|count|topk|bottomk|quantile)\s*(?:by\s*\(([^)]*)\)\s*)?\(`)
)

// TestDashboardTellsInstancesApart: dashboards/s2s.json has job and instance
// variables, every query filters by both and keeps instance in its
// aggregations, and every legend names the instance, so two mock replicas or
// three load shards are never summed into one line.
func TestDashboardTellsInstancesApart(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "dashboards", "s2s.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Templating struct {
			List []dashboardVar `json:"list"`
		} `json:"templating"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr         string `json:"expr"`
				LegendFormat string `json:"legendFormat"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	// The labels Prometheus adds to every scraped series.
	dashboardVars := []string{"job", "instance"}
	for _, v := range dashboardVars {
		i := slices.IndexFunc(d.Templating.List, func(x dashboardVar) bool {
			return x.Name == v
		})
		if i < 0 {
			t.Errorf("no %s variable", v)
			continue
		}
		x := d.Templating.List[i]
		if x.Type != "query" || !x.Multi || !x.IncludeAll || !strings.Contains(x.Definition, ", "+v+")") {
			t.Errorf("variable %s: %+v, want a multi-value query of the label's values with All", v, x)
		}
	}
	if i := slices.IndexFunc(d.Templating.List, func(x dashboardVar) bool {
		return x.Name == "instance"
	}); i >= 0 && !strings.Contains(d.Templating.List[i].Definition, `job=~"$job"`) {
		t.Errorf("the instance variable lists every job's instances: want them of the chosen $job")
	}
	queries := 0
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			queries++
			for _, m := range dashSelector.FindAllStringSubmatch(tg.Expr, -1) {
				for _, v := range dashboardVars {
					if !strings.Contains(m[1], v+`=~"$`+v+`"`) {
						t.Errorf("%s: %s does not filter by $%s: %s", p.Title, m[0], v, tg.Expr)
					}
				}
			}
			for _, m := range dashAggr.FindAllStringSubmatch(tg.Expr, -1) {
				by := strings.Split(strings.ReplaceAll(m[2], " ", ""), ",")
				if !slices.Contains(by, "instance") {
					t.Errorf("%s: %s sums instances together: %s", p.Title, strings.TrimSpace(m[0]), tg.Expr)
				}
			}
			if !strings.Contains(tg.LegendFormat, "{{instance}}") {
				t.Errorf("%s: legend %q does not name the instance", p.Title, tg.LegendFormat)
			}
		}
	}
	if queries == 0 {
		t.Fatal("no queries")
	}
}
