package cli

import "context"

// runMock is not built yet.
func runMock(_ context.Context, env *Env, _ []string) int {
	return fail(env, "%s: not built yet", "mock")
}
