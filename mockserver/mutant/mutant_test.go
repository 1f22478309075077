package mutant

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/validate"
)

// TestCompile checks that every rule of every builtin profile compiles into a
// mutant that is not the honest profile, and that unknown ids are refused.
func TestCompile(t *testing.T) {
	for _, p := range builtin.All() {
		if len(p.Endpoints) == 0 {
			continue
		}
		v, err := validate.New(p)
		if err != nil {
			t.Fatal(err)
		}
		a, err := Analyse(v, p.Defaults)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if _, err := a.Compile([]string{"NO-SUCH-RULE"}); err == nil {
			t.Errorf("%s: an unknown rule compiled", p.Name)
		}
		for _, r := range p.Rules {
			m, err := a.Compile([]string{r.ID})
			if err != nil {
				t.Errorf("%s: %v", r.ID, err)
				continue
			}
			if m.Profile == p {
				t.Errorf("%s: the mutant serves the analysed profile itself, not a copy", r.ID)
			}
			if m.Validator == Validator(v) {
				t.Errorf("%s: the mutant judges as the honest validator", r.ID)
			}
		}
	}
}

// FuzzPathValues: the path values the analysis sees (Outgoing.Received, by
// Endpoint.PathValuesOf) are the router's, for any path the router matches.
func FuzzPathValues(f *testing.F) {
	for _, s := range []string{"com.app", "%69%64%31", "a%2Fb", "%zz", "", "x y"} {
		f.Add(s)
	}
	e := &profile.Endpoint{Method: "POST", Path: "/inappevent/{app_id}"}
	f.Fuzz(func(t *testing.T, seg string) {
		raw := "/inappevent/" + seg
		r, err := http.NewRequest(http.MethodPost, "http://mock"+raw, nil)
		if err != nil || r.URL.RawQuery != "" || r.URL.Fragment != "" {
			return
		}
		var want map[string]string
		mux := http.NewServeMux()
		mux.HandleFunc(e.Pattern(), func(_ http.ResponseWriter, r *http.Request) {
			want = map[string]string{"app_id": r.PathValue("app_id")}
		})
		mux.ServeHTTP(httptest.NewRecorder(), r)
		if want == nil {
			return // not routed to the endpoint
		}
		if got := e.PathValuesOf(r.URL.EscapedPath()); !maps.Equal(got, want) {
			t.Errorf("raw path %q: got %v, router %v", raw, got, want)
		}
	})
}
