// Package reports renders run results for people and machines: the conformance
// certificate and the load report, each as JSON (a documented, stable schema),
// Markdown, self-contained HTML (load) and JUnit XML. The load result type
// belongs to its producer (load.Result); reports only renders it. Renderers are
// plain functions of a result and an io.Writer.
package reports

import (
	"encoding/json"
	"io"
)

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// ReadJSON decodes one JSON document from r into v, refusing unknown members
// so a stale or foreign file is noticed.
func ReadJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// Renderer writes one format of a result. The CLI writes them to files.
type Renderer func(w io.Writer) error
