package cli

import "context"

// runConform is not built yet.
func runConform(_ context.Context, env *Env, _ []string) int {
	return fail(env, "%s: not built yet", "conform")
}
