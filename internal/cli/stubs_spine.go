package cli

import "context"

func runRules(_ context.Context, env *Env, _ []string) int    { return fail(env, "rules: not built yet") }
func runFixtures(_ context.Context, env *Env, _ []string) int { return fail(env, "fixtures: not built yet") }
func runLint(_ context.Context, env *Env, _ []string) int     { return fail(env, "lint: not built yet") }
func runSchemas(_ context.Context, env *Env, _ []string) int  { return fail(env, "schemas: not built yet") }
