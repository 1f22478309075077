// Package guard holds no code: its tests enforce the layering the README's
// Architecture section promises, over every non-test Go file of the module
// (mockserver, conformance and load never import each other; only the CLI
// touches the process; no mutable package-level state). Run by `make test`.
package guard
