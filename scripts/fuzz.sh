#!/usr/bin/env bash
# Runs every native fuzz target of the module for $FUZZTIME each (bounded).
# A target fails when the fuzzer writes a reproducer (testdata/fuzz/...) or
# fails in any other way; a bare "context deadline exceeded" at the -fuzztime
# boundary with no reproducer is Go's coordinator race (golang/go#75804, fixed
# in Go 1.27) and is reported, not failed.
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZTIME="${FUZZTIME:-10s}"
failed=0 flaked=0 passed=0
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "== $pkg $target ($FUZZTIME)"
    if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1 | tee "$log"; then
      passed=$((passed + 1))
    elif grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written to' "$log" \
        && ! grep -qE '^\s+[a-z_]+\.go:[0-9]+:|panic:' "$log"; then
      echo "   (fuzz-time boundary race in Go's coordinator, golang/go#75804: no input failed)"
      flaked=$((flaked + 1))
    else
      failed=$((failed + 1))
    fi
  done
done
echo "fuzz: $passed passed, $failed failed, $flaked stopped by golang/go#75804"
[ "$failed" -eq 0 ]
