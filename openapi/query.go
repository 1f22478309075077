package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
)

// queryParams are the parameters of a query-string endpoint: one per member
// of its request schema, under the name it travels by (Endpoint.WireName),
// required as the schema requires it, with the string keywords of the
// member's schema and the rules it names.
func queryParams(p *profile.Profile, e *profile.Endpoint, examples []fixtures.Golden) ([]Parameter, error) {
	root, err := rawSchema(p, e.Request)
	if err != nil {
		return nil, err
	}
	props, _ := root["properties"].(map[string]any)
	required := profile.Strings(root["required"])
	var out []Parameter
	for _, member := range slices.Sorted(maps.Keys(props)) {
		node := follow(root, props[member])
		prm := Parameter{Name: e.WireName(member), In: "query", Required: slices.Contains(required, member), Schema: map[string]any{}}
		// A parameter is one string: what constrains a string is what a reader
		// needs (the schema component keeps the rest).
		for _, k := range []string{"type", "enum", "const", "pattern", "minLength", "maxLength", "format"} {
			if v, ok := node[k]; ok {
				prm.Schema[k] = v
			}
		}
		if _, ok := prm.Schema["type"]; !ok {
			prm.Schema["type"] = "string"
		}
		prm.Description, _ = node["description"].(string)
		if names := e.ParamAliases[member]; len(names) > 0 {
			prm.Description = strings.TrimSpace(prm.Description + " Also read as " + strings.Join(names, ", ") + ".")
		}
		prm.Rules = annotated(node["x-rule"])
		for _, g := range examples {
			if v, ok := profile.Get(g.Payload.Body, member); ok {
				prm.Example = fmt.Sprint(v)
				break
			}
		}
		out = append(out, prm)
	}
	return out, nil
}

// rawSchema reads one schema file of p as JSON (numbers as written).
func rawSchema(p *profile.Profile, file string) (map[string]any, error) {
	data, err := fs.ReadFile(p.Schemas, file)
	if err != nil {
		return nil, fmt.Errorf("openapi: profile %s schema %s: %w", p.Name, file, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("openapi: profile %s schema %s: %w", p.Name, file, err)
	}
	return m, nil
}

// follow returns a member's schema with its local $refs ("#/$defs/x")
// merged in, the member's own keywords first.
func follow(root map[string]any, v any) map[string]any {
	out := map[string]any{}
	for n, seen := v, 0; seen < 8; seen++ {
		m, _ := n.(map[string]any)
		for k, x := range m {
			if _, ok := out[k]; !ok && k != "$ref" {
				out[k] = x
			}
		}
		ref, _ := m["$ref"].(string)
		frag, ok := strings.CutPrefix(ref, "#/")
		if !ok {
			break
		}
		n = root
		for _, tok := range strings.Split(frag, "/") {
			sub, _ := n.(map[string]any)
			n = sub[tok]
		}
	}
	return out
}

// annotated lists the rule IDs of an x-rule annotation: one ID, or one per
// keyword.
func annotated(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case map[string]any:
		var ids []string
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if id, ok := x[k].(string); ok && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		return ids
	}
	return nil
}
