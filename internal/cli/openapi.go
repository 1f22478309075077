package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/s2s-harness/s2s-harness/openapi"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

// openapiFile names the document of a profile in -out.
func openapiFile(name string) string { return name + ".openapi.json" }

// runOpenAPI writes an OpenAPI 3.1 document per profile: to stdout for one
// profile, or <profile>.openapi.json files under -out.
func runOpenAPI(_ context.Context, env *Env, args []string) int {
	fs := flags(env, "openapi", "[-profile P,...] [-out DIR]")
	names := fs.String("profile", "", "profiles, comma-separated (default: all): "+joinNames())
	out := fs.String("out", "", "write <profile>.openapi.json into this folder (default: stdout, one profile)")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		return fail(env, "openapi: unexpected argument %q", fs.Arg(0))
	}
	ps, err := builtin.Select(*names)
	if err != nil {
		return fail(env, "openapi: -profile: %v", err)
	}
	if *out == "" && len(ps) != 1 {
		return fail(env, "openapi: name one -profile to print to stdout, or give -out DIR for all")
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			fmt.Fprintf(env.Stderr, "s2s: openapi: %v\n", err)
			return ExitInternal
		}
	}
	for _, p := range ps {
		d, err := openapi.Build(p, Version)
		if err != nil {
			fmt.Fprintf(env.Stderr, "s2s: openapi: %v\n", err)
			return ExitInternal
		}
		data, err := d.Marshal()
		if err != nil {
			fmt.Fprintf(env.Stderr, "s2s: openapi: %v\n", err)
			return ExitInternal
		}
		if *out == "" {
			_, _ = env.Stdout.Write(data)
			return ExitOK
		}
		path := filepath.Join(*out, openapiFile(p.Name))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			fmt.Fprintf(env.Stderr, "s2s: openapi: %v\n", err)
			return ExitInternal
		}
		f := d.Figures()
		fmt.Fprintf(env.Stdout, "wrote %s (%d paths, %d operations, %d schemas, %d examples)\n",
			path, f.Paths, f.Operations, f.Schemas, f.Examples)
	}
	return ExitOK
}
