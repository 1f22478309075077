package cli

import "context"

// runLoad is not built yet.
func runLoad(_ context.Context, env *Env, _ []string) int {
	return fail(env, "%s: not built yet", "load")
}
