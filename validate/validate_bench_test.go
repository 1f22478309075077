package validate_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/validate"
)

// BenchmarkValidate measures one typical event per profile (target: ≤ 10 µs),
// against a baseline that only decodes the same body with encoding/json, so the
// figure can be read as a ratio on a noisy machine.
func BenchmarkValidate(b *testing.B) {
	for _, p := range builtin.All() {
		v, err := validate.New(p)
		if err != nil {
			b.Fatal(err)
		}
		gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		req, err := fixtures.Request(p, gen.Next(), fixtures.DefaultNow())
		if err != nil {
			b.Fatal(err)
		}
		b.Run(p.Name+"/validate", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(req.Body)))
			for b.Loop() {
				// A fresh request each time: a request caches its decoding.
				r := &profile.Request{Endpoint: req.Endpoint, Header: req.Header, PathValues: req.PathValues,
					RawQuery: req.RawQuery, Body: req.Body, Received: req.Received}
				if res := v.Body(r, profile.Strict); res.Rejected() {
					b.Fatal(res.Violations)
				}
			}
		})
		b.Run(p.Name+"/baseline-decode", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(req.Body)))
			if !req.Endpoint.Carriage().Body { // the document is the query string
				for b.Loop() {
					if _, err := url.ParseQuery(req.RawQuery); err != nil {
						b.Fatal(err)
					}
				}
				return
			}
			for b.Loop() {
				dec := json.NewDecoder(bytes.NewReader(req.Body))
				dec.UseNumber()
				var doc any
				if err := dec.Decode(&doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
