package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/openapi"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/schemas"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// load builds p's document and loads it with kin-openapi, which must find it
// a valid OpenAPI 3.1 document.
func load(t *testing.T, p *profile.Profile) (*openapi.Document, []byte, *openapi3.T) {
	t.Helper()
	d, err := openapi.Build(p, "test")
	if err != nil {
		t.Fatal(err)
	}
	data, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("kin-openapi cannot load %s: %v", p.Name, err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("%s: kin-openapi reads version %q, want 3.1", p.Name, doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("%s: not a valid OpenAPI 3.1 document: %v", p.Name, err)
	}
	return d, data, doc
}

func TestDocumentsAreValidAndGolden(t *testing.T) {
	for _, p := range builtin.All() {
		t.Run(p.Name, func(t *testing.T) {
			_, data, _ := load(t, p)
			golden := filepath.Join("testdata", p.Name+".openapi.json")
			if *update {
				if err := os.WriteFile(golden, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./openapi -update)", err)
			}
			if !bytes.Equal(data, want) {
				t.Fatalf("%s differs from the built document; run go test ./openapi -update and review the diff", golden)
			}
		})
	}
}

// TestFigures pins what each document holds (testdata/<profile>.figures.json,
// written by -update), so a profile change that loses an endpoint, a schema
// or an example shows here.
func TestFigures(t *testing.T) {
	for _, p := range builtin.All() {
		d, err := openapi.Build(p, "test")
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", p.Name+".figures.json")
		if *update {
			data, _ := json.Marshal(d.Figures())
			if err := os.WriteFile(golden, append(data, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		data, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./openapi -update)", err)
		}
		var want openapi.Figures
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("%s: %v", golden, err)
		}
		if got := d.Figures(); got != want {
			t.Errorf("%s: figures %+v, want %+v", p.Name, got, want)
		}
	}
}

// TestExamplesMatchSchemas checks every example against its schema with
// kin-openapi's JSON Schema 2020-12 validator: request examples the seed gives
// and the answers the profile renders.
func TestExamplesMatchSchemas(t *testing.T) {
	for _, p := range builtin.All() {
		t.Run(p.Name, func(t *testing.T) {
			_, _, doc := load(t, p)
			n := 0
			for path, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					check := func(where string, mt *openapi3.MediaType) {
						if mt == nil || mt.Schema == nil {
							return
						}
						for name, ex := range mt.Examples {
							n++
							err := doc.ValidateSchemaJSON(mt.Schema.Value, ex.Value.Value, openapi3.EnableJSONSchema2020())
							if err != nil {
								t.Errorf("%s %s %s example %q: %v", method, path, where, name, err)
							}
						}
					}
					if op.RequestBody != nil {
						check("request", op.RequestBody.Value.Content.Get("application/json"))
					}
					for status, r := range op.Responses.Map() {
						check(status, r.Value.Content.Get("application/json"))
					}
				}
			}
			if n == 0 {
				t.Fatal("no example was checked")
			}
		})
	}
}

// TestEveryRejectionIsDocumented: each rule that rejects with a status is in
// the x-rule of that status on at least one operation, and each auth rule in a
// security scheme.
func TestEveryRejectionIsDocumented(t *testing.T) {
	for _, p := range builtin.All() {
		d, err := openapi.Build(p, "test")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Rules {
			if r.Status < 400 {
				continue
			}
			found := false
			for _, item := range d.Paths {
				for _, op := range item {
					found = found || slices.Contains(op.Responses[strconv.Itoa(r.Status)].Rules, r.ID)
				}
			}
			if !found {
				t.Errorf("%s: rule %s (status %d) is on no response", p.Name, r.ID, r.Status)
			}
		}
		for key, s := range d.Components.SecuritySchemes {
			if len(s.Rules) == 0 {
				t.Errorf("%s: security scheme %s names no rule", p.Name, key)
			}
		}
		if len(d.Security) != 1 || len(d.Security[0]) != len(d.Components.SecuritySchemes) {
			t.Errorf("%s: security %v: want one requirement naming every scheme", p.Name, d.Security)
		}
	}
}

// TestSecuritySchemes pins the scheme each kind of authentication becomes.
func TestSecuritySchemes(t *testing.T) {
	tests := []struct {
		profile string
		want    map[string]string // key → type/scheme/in:name
	}{
		{"revosurge", map[string]string{"X-API-Key": "apiKey header:X-API-Key"}},
		{"g123", map[string]string{"basic": "http basic"}},
		{"dingyue", map[string]string{"X-API-KEY": "apiKey header:X-API-KEY"}},
		{"appsflyer", map[string]string{"authentication": "apiKey header:authentication"}},
		{"postback", map[string]string{"bearer": "http bearer JWT", "X-Signature": "apiKey header:X-Signature"}},
	}
	for _, tt := range tests {
		p, err := builtin.Lookup(tt.profile)
		if err != nil {
			t.Fatal(err)
		}
		d, err := openapi.Build(p, "test")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for k, s := range d.Components.SecuritySchemes {
			got[k] = strings.TrimSpace(s.Type + " " + s.Scheme + " " + s.BearerFormat)
			if s.In != "" {
				got[k] = s.Type + " " + s.In + ":" + s.Name
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: schemes %v, want %v", tt.profile, got, tt.want)
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%s: scheme %s = %q, want %q", tt.profile, k, got[k], v)
			}
		}
	}
}

// TestMockAnswersMatchDocument sends every golden example and every labelled
// invalid variant to the mock and validates each answer (status documented,
// body matching its schema) with kin-openapi's response validator.
func TestMockAnswersMatchDocument(t *testing.T) {
	ps := builtin.All()
	cfg := mockserver.Config{Profiles: map[string]mockserver.ProfileConfig{}}
	for _, p := range ps {
		if p.Rate != nil { // the variants are many; rate limits are not under test here
			cfg.Profiles[p.Name] = mockserver.ProfileConfig{Common: configfile.Profile{
				RateLimit: &configfile.RateLimit{Limit: 1 << 30, Window: inspect.Duration(time.Second)}}}
		}
	}
	m, err := mockserver.New(ps, mockserver.WithConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()
	now := time.Now()
	for _, p := range ps {
		t.Run(p.Name, func(t *testing.T) {
			_, _, doc := load(t, p)
			golden, err := fixtures.LoadGolden(p)
			if err != nil {
				t.Fatal(err)
			}
			set, err := schemas.Compile(p)
			if err != nil {
				t.Fatal(err)
			}
			variants, err := fixtures.Variants(p, set, fixtures.Options{Seed: 1, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			var payloads []*profile.Payload
			for _, g := range golden {
				payloads = append(payloads, g.Payload)
			}
			for _, v := range variants {
				payloads = append(payloads, v.Payload)
			}
			statuses := map[int]int{}
			for _, pl := range payloads {
				statuses[send(t, p, doc, srv.URL, pl, now)]++
			}
			// An unauthenticated request documents its refusal too.
			unsigned := *payloads[0]
			unsigned.Header = nil
			refused := sendRaw(t, p, doc, srv.URL, &unsigned, false, now)
			if statuses[http.StatusOK] == 0 || refused != http.StatusUnauthorized && refused != http.StatusForbidden {
				t.Errorf("answers by status %v, unsigned %d: want 200s and a 401 or 403", statuses, refused)
			}
		})
	}
}

func send(t *testing.T, p *profile.Profile, doc *openapi3.T, base string, pl *profile.Payload, now time.Time) int {
	return sendRaw(t, p, doc, base, pl, true, now)
}

func sendRaw(t *testing.T, p *profile.Profile, doc *openapi3.T, base string, pl *profile.Payload, sign bool, now time.Time) int {
	t.Helper()
	e, ok := p.Endpoint(pl.Endpoint)
	if !ok {
		t.Fatalf("unknown endpoint %q", pl.Endpoint)
	}
	o, err := pl.Outgoing(e)
	if err != nil {
		t.Fatal(err)
	}
	if o.PathValues == nil {
		o.PathValues = map[string]string{}
	}
	if sign {
		if err := p.Auth.Sign(o, p.Defaults, now); err != nil {
			t.Fatal(err)
		}
	}
	path := o.Target()
	req, err := o.Request(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	item := doc.Paths.Find(strings.ReplaceAll(e.Path, "...}", "}"))
	if item == nil {
		t.Fatalf("no path %s in the document", e.Path)
	}
	route := &routers.Route{Spec: doc, Path: e.Path, PathItem: item, Method: e.Method, Operation: item.GetOperation(e.Method)}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route},
		Status:                 resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s → %d %s: %v", e.Method, path, resp.StatusCode, body, err)
	}
	return resp.StatusCode
}

// TestGenericProfile builds the document of a profile this package has never
// seen: paths, cross-file references and schemes come from its data alone.
func TestGenericProfile(t *testing.T) {
	p := &profile.Profile{
		Name: "acme", Title: "Acme events", Seed: "acme.txt",
		Rules: []profile.Rule{
			profile.NewRule("AC-AUTH-1", profile.Must, profile.AreaAuth, profile.Always, 401, "X-Acme-Key is required."),
			profile.NewRule("AC-BODY-1", profile.Must, profile.AreaValidation, profile.Always, 400, "name is required."),
			profile.NewRule("AC-BATCH-1", profile.Must, profile.AreaBatching, profile.Always, 413, "At most 2 items."),
		},
		Endpoints: []profile.Endpoint{
			{ID: "one", Method: http.MethodPost, Path: "/acme/{tenant}/event", Request: "event.schema.json",
				Responses: map[int]string{400: "error.schema.json"}},
			{ID: "many", Method: http.MethodPut, Path: "/acme/{tenant}/events", Request: "batch.schema.json",
				Items: profile.ItemsRoot, MaxItems: 2, ItemsRule: "AC-BATCH-1"},
		},
		Auth:     profile.APIKey{Header: "X-Acme-Key", MissingRule: "AC-AUTH-1", UnknownRule: "AC-AUTH-1"},
		Defaults: profile.Credentials{APIKeys: []string{"k"}},
		Schemas: fstest.MapFS{
			"event.schema.json": {Data: []byte(`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",` +
				`"required":["name"],"properties":{"name":{"$ref":"#/$defs/s"}},"$defs":{"s":{"type":"string","minLength":1}},"x-rule":"AC-BODY-1"}`)},
			"batch.schema.json": {Data: []byte(`{"type":"array","items":{"$ref":"event.schema.json"}}`)},
			"error.schema.json": {Data: []byte(`{"type":"object","required":["error"]}`)},
		},
	}
	d, _, doc := load(t, p)
	if got := d.Figures(); got != (openapi.Figures{Paths: 2, Operations: 2, Schemas: 3, Examples: 7}) {
		t.Errorf("figures %+v", got)
	}
	one := d.Paths["/acme/{tenant}/event"]["post"]
	if one.Parameters[0].Name != "tenant" || one.Parameters[0].In != "path" || !one.Parameters[0].Required {
		t.Errorf("path parameter %+v", one.Parameters)
	}
	if slices.Contains(one.Rules, "AC-BATCH-1") || one.Responses["413"].Description != "" {
		t.Errorf("the batch endpoint's own rule leaked into the single one: %v", one.Rules)
	}
	many := d.Paths["/acme/{tenant}/events"]["put"]
	if !slices.Equal(many.Responses["413"].Rules, []string{"AC-BATCH-1"}) {
		t.Errorf("413 of the batch endpoint: %+v", many.Responses["413"])
	}
	batch := doc.Components.Schemas["batch"].Value
	if batch.Items == nil || batch.Items.Value == nil || batch.Items.Value.Properties["name"] == nil {
		t.Fatalf("batch items did not resolve to the event schema: %+v", batch.Items)
	}
	if err := doc.ValidateSchemaJSON(batch, []any{map[string]any{"name": ""}}, openapi3.EnableJSONSchema2020()); err == nil {
		t.Error("an empty name passed: the $defs reference did not resolve")
	}
	if s := d.Components.SecuritySchemes["X-Acme-Key"]; s.Type != "apiKey" || !slices.Equal(s.Rules, []string{"AC-AUTH-1"}) {
		t.Errorf("scheme %+v", s)
	}

	p.Schemas.(fstest.MapFS)["batch.schema.json"] = &fstest.MapFile{Data: []byte(`{"items":{"$ref":"missing.schema.json"}}`)}
	if _, err := openapi.Build(p, "test"); err == nil || !strings.Contains(err.Error(), "missing.schema.json") {
		t.Errorf("a reference to a missing file: error %v, want one naming it", err)
	}
}
