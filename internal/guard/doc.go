// Package guard holds no code: its tests enforce the layering the README's
// Architecture section promises, over every Go file of the module:
// mockserver, conformance and load never import each other; only the CLI
// touches the process; no package-level variable holds state; tests read
// nothing outside the repository; no function of internal/cli is over 80
// lines. `make test` and `make lint` run them.
package guard
