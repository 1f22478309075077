// Package configfile decodes the harness's configuration files (the mock's
// config, a conformance target config, load scenarios, SLA files, load
// configs): YAML or JSON, refusing unknown keys, so a typo is an error naming
// the key rather than a setting silently ignored. Used by mockserver,
// conformance, load and the CLI.
package configfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Decode reads data into v (a pointer) as format: "json", "yaml", or "" to
// tell by the first byte ("{" is JSON). An empty YAML document leaves v as it
// is. Errors name the key path and say what it wants, with the nearest valid
// key for a typo, in the file's words rather than Go's.
func Decode(data []byte, format string, v any) error {
	if format == "" {
		format = "yaml"
		if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
			format = "json"
		}
	}
	if format != "json" && format != "yaml" {
		return fmt.Errorf("format %q: want json or yaml", format)
	}
	// JSON is read as YAML for the check only; JSON's own decoder decides.
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err == nil {
		if t := reflect.TypeOf(v); t != nil && t.Kind() == reflect.Pointer {
			if err := check(&n, t.Elem(), "", format); err != nil {
				return err
			}
		}
	} else if format == "yaml" {
		return errors.New(syntaxLine(strings.TrimPrefix(err.Error(), "yaml: ")))
	}
	if format == "json" {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return jsonError(err)
		}
		if dec.More() {
			return errors.New("more than one JSON value")
		}
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return yamlError(err)
	}
	return nil
}

// jsonError words what check could not see (a JSON value YAML cannot read)
// without Go type names.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%s: want %s, got %s", orTop(te.Field), want(te.Type), te.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("%s: unknown key", strings.Trim(name, `"`))
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

// goType is the tail of a yaml.v3 type error that names a Go type.
var goType = regexp.MustCompile(` into [^\s]+`)

// yamlError strips Go type names from what check could not see.
func yamlError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			msgs[i] = goType.ReplaceAllString(m, "")
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
}
