package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"

	"github.com/s2s-harness/s2s-harness/profile"
)

// schemaSuffix ends every schema file of a profile.
const schemaSuffix = ".schema.json"

// componentName is the component key of a schema file: "event.request" for
// "event.request.schema.json".
func componentName(file string) string { return strings.TrimSuffix(file, schemaSuffix) }

const componentsPrefix = "#/components/schemas/"

// ref is a schema that refers to the component of file.
func ref(file string) map[string]any {
	return map[string]any{"$ref": componentsPrefix + componentName(file)}
}

// components turns every schema file of p into a component. References are
// rewritten to point into the document: "other.schema.json#/x" becomes
// "#/components/schemas/other/x" and a local "#/$defs/x" becomes
// "#/components/schemas/self/$defs/x". $schema and $id go: the document's
// jsonSchemaDialect says 2020-12, and the base URI is the document's.
func components(p *profile.Profile) (Components, error) {
	c := Components{Schemas: map[string]any{}}
	if p.Schemas == nil {
		return c, nil
	}
	files, err := fs.Glob(p.Schemas, "*"+schemaSuffix)
	if err != nil {
		return c, fmt.Errorf("openapi: profile %s schemas: %w", p.Name, err)
	}
	for _, f := range files {
		data, err := fs.ReadFile(p.Schemas, f)
		if err != nil {
			return c, fmt.Errorf("openapi: profile %s schema %s: %w", p.Name, f, err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber() // keep the schema's numbers exactly as written
		var doc any
		if err := dec.Decode(&doc); err != nil {
			return c, fmt.Errorf("openapi: profile %s schema %s: %w", p.Name, f, err)
		}
		m, ok := doc.(map[string]any)
		if !ok {
			return c, fmt.Errorf("openapi: profile %s schema %s: not an object", p.Name, f)
		}
		delete(m, "$schema")
		delete(m, "$id")
		if err := rewriteRefs(m, componentName(f), p.Schemas); err != nil {
			return c, fmt.Errorf("openapi: profile %s schema %s: %w", p.Name, f, err)
		}
		c.Schemas[componentName(f)] = m
	}
	return c, nil
}

// rewriteRefs rewrites every $ref under v (see components); a reference to a
// file the profile does not have is an error.
func rewriteRefs(v any, self string, schemas fs.FS) error {
	switch x := v.(type) {
	case map[string]any:
		for k, sub := range x {
			if s, ok := sub.(string); ok && k == "$ref" {
				file, frag, _ := strings.Cut(s, "#")
				name := self
				if file != "" {
					if !strings.HasSuffix(file, schemaSuffix) || strings.Contains(file, "/") {
						return fmt.Errorf("$ref %q: want a sibling *%s file", s, schemaSuffix)
					}
					if _, err := fs.Stat(schemas, file); err != nil {
						return fmt.Errorf("$ref %q: %w", s, err)
					}
					name = componentName(file)
				}
				x[k] = componentsPrefix + name + frag
				continue
			}
			if strings.HasPrefix(k, "x-") { // annotations hold no schemas
				continue
			}
			if err := rewriteRefs(sub, self, schemas); err != nil {
				return err
			}
		}
	case []any:
		for _, sub := range x {
			if err := rewriteRefs(sub, self, schemas); err != nil {
				return err
			}
		}
	}
	return nil
}
