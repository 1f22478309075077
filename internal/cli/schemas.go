package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/schemas"
)

func runSchemas(_ context.Context, env *Env, args []string) int {
	fs := flags(env, "schemas", "-out DIR [-profile P]")
	out := fs.String("out", "", "folder to write <profile>/<file>.schema.json into")
	name := fs.String("profile", "", "only this profile (default all)")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if *out == "" {
		return fail(env, "schemas: -out is required")
	}
	ps, err := builtin.Select(*name)
	if err != nil {
		return fail(env, "schemas: %v", err)
	}
	n := 0
	for _, p := range ps {
		err := schemas.Export(p, func(name string, data []byte) error {
			path := filepath.Join(*out, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			n++
			return os.WriteFile(path, data, 0o644)
		})
		if err != nil {
			fmt.Fprintf(env.Stderr, "s2s: schemas: %v\n", err)
			return ExitInternal
		}
	}
	fmt.Fprintf(env.Stdout, "wrote %d schema files under %s\n", n, *out)
	return ExitOK
}
