package cli

import "context"

// runReport is not built yet.
func runReport(_ context.Context, env *Env, _ []string) int {
	return fail(env, "%s: not built yet", "report")
}
