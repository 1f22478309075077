#!/usr/bin/env bash
# Maximum request rate of `s2s load -rate max` against the vegeta CLI, on the
# same bare loopback receiver (load/internal/benchserver), in the same run.
# vegeta sends one static body; s2s generates, encodes and signs a fresh
# revosurge event per request. Both keep BENCH_CLIENTS requests in flight.
# The vegeta CLI is installed through the Go module proxy.
#   BENCH_DURATION (10s)  BENCH_CLIENTS (64)  BENCH_ROUNDS (3)  BENCH_MIN_RATIO (1.3)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${BENCH_DURATION:-10s}"
CLIENTS="${BENCH_CLIENTS:-64}"
MIN_RATIO="${BENCH_MIN_RATIO:-1.3}"
ROUNDS="${BENCH_ROUNDS:-3}"

tmp="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "== installing the vegeta CLI (github.com/tsenart/vegeta/v12@v12.13.0)"
GOBIN="$tmp/bin" go install github.com/tsenart/vegeta/v12@v12.13.0
go build -o "$tmp/bin/s2s" ./cmd/s2s
go build -o "$tmp/bin/benchserver" ./load/internal/benchserver

"$tmp/bin/benchserver" -addr 127.0.0.1:0 -for 5m > "$tmp/addr" &
server=$!
for _ in $(seq 50); do [ -s "$tmp/addr" ] && break; sleep 0.1; done
addr="$(head -n1 "$tmp/addr")"
[ -n "$addr" ] || { echo "benchserver did not start" >&2; exit 1; }
base="http://$addr"

# vegeta: one revosurge event, the same headers s2s sends.
cat > "$tmp/body.json" <<'JSON'
{"client_user_id":"user_bench1","click_id":"clk_bench1","event_name":"deposit","timestamp":1761059551000,"ip_address":"203.0.113.7","user_agent":"Mozilla/5.0 (X11; Linux x86_64)","transaction_id":"tx_bench1","amount":50.25,"is_crypto":false,"currency":"USD"}
JSON
printf 'POST %s/v2/s2s/event\nContent-Type: application/json\nX-API-Key: dp_test_key_123\n@%s\n' "$base" "$tmp/body.json" > "$tmp/targets.txt"

# Rounds alternate the two, so a busy machine slows both alike; the best
# round of each counts (noise only ever slows a generator down).
best_vegeta=0
best_ours=0
for round in $(seq "$ROUNDS"); do
  echo "== round $round: vegeta attack -rate 0 -max-workers $CLIENTS -duration $DURATION"
  "$tmp/bin/vegeta" attack -targets "$tmp/targets.txt" -rate 0 -workers "$CLIENTS" -max-workers "$CLIENTS" \
    -duration "$DURATION" > "$tmp/vegeta.bin"
  "$tmp/bin/vegeta" report -type json < "$tmp/vegeta.bin" > "$tmp/vegeta.json"
  v="$(sed -n 's/.*"rate":\([0-9.eE+-]*\).*/\1/p' "$tmp/vegeta.json")"
  vs="$(sed -n 's/.*"success":\([0-9.eE+-]*\).*/\1/p' "$tmp/vegeta.json")"
  echo "   vegeta: $v requests/s, success $vs"

  echo "== round $round: s2s load -rate max -max-in-flight $CLIENTS -duration $DURATION"
  "$tmp/bin/s2s" load -target "$base" -profile revosurge -rate max -max-in-flight "$CLIENTS" \
    -duration "$DURATION" -report-dir "$tmp/s2s" > "$tmp/s2s.txt" || true
  o="$(awk '/"throughput": \{/{t=1} t && /"sent":/{gsub(/[ ,]/,""); split($0,a,":"); print a[2]; exit}' "$tmp/s2s/load.json")"
  oa="$(sed -n 's/^  "availability": \([0-9.]*\),/\1/p' "$tmp/s2s/load.json")"
  echo "   s2s:    $o requests/s, availability $oa"
  [ "$vs" = "1" ] || { echo "vegeta had failures: success $vs" >&2; exit 1; }
  [ "$oa" = "1" ] || { echo "s2s had failures: availability $oa" >&2; exit 1; }
  best_vegeta="$(awk -v a="$best_vegeta" -v b="$v" 'BEGIN{print (b>a)?b:a}')"
  best_ours="$(awk -v a="$best_ours" -v b="$o" 'BEGIN{print (b>a)?b:a}')"
done

awk -v o="$best_ours" -v v="$best_vegeta" -v m="$MIN_RATIO" -v n="$ROUNDS" 'BEGIN {
  printf "\nbest of %d rounds        requests/s\n", n
  printf "%-28s %12.0f\n", "vegeta CLI (static body)", v
  printf "%-28s %12.0f\n", "s2s load (generated+signed)", o
  r = o / v
  printf "ratio s2s/vegeta: %.2fx (target >= %.1fx)\n", r, m
  if (r < m) { print "BELOW TARGET"; exit 1 }
}'
