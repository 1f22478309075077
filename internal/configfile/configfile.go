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

	"gopkg.in/yaml.v3"
)

// Decode reads data into v as format: "json", "yaml", or "" to tell by the
// first byte ("{" is JSON). An empty YAML document leaves v as it is.
func Decode(data []byte, format string, v any) error {
	if format == "" {
		format = "yaml"
		if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
			format = "json"
		}
	}
	switch format {
	case "json":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return err
		}
		if dec.More() {
			return errors.New("more than one JSON value")
		}
	case "yaml":
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
	default:
		return fmt.Errorf("format %q: want json or yaml", format)
	}
	return nil
}
