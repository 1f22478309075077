#!/usr/bin/env bash
# The performance figures of issue 22, measured side by side in one run and
# printed as lines
#   ratio NAME MEDIAN spread=MIN..MAX rounds=R1,R2,… ours=REQ/S base=REQ/S
#   cpu-us NAME MEDIAN spread=MIN..MAX      (CPU µs per request of a generator:
#                           user+system time of its process over the requests
#                           it sent; engine/s2s carries issue 22's target, ≤15)
#   mock/bare/<profile>     the mock (memory) vs a bare Go handler that reads,
#                           decodes (a JSON body, or a query string) and answers
#                           (postback: also checks the JWT and the HMAC),
#                           load/internal/benchserver; every profile the built
#                           s2s serves (the files `s2s openapi -out` writes)
#   mock/before/<profile>   with BENCH_S2S_BEFORE: the mock vs that binary's mock
#   redis/memory/<profile>  the mock on a local redis-server vs in memory
#   engine/vegeta|wrk       `s2s load -rate max` vs the vegeta CLI and wrk on
#                           the same read-only bare receiver
# The mock is driven by `s2s load -rate max`: every request a fresh event,
# freshly signed (wrk replaying a fixed set would hit the mock's duplicate
# detection and its token and timestamp windows). Rate limits are lifted in
# the mock's config. Each round runs every contender once, in reversed order
# every other round, so a busy machine slows both sides of a ratio alike; the
# ratio is taken per round and its median reported. A ratio never fails the
# run: machines are noisy, this reports.
#   BENCH_DURATION (4s)  BENCH_CLIENTS (64)  BENCH_ROUNDS (3)
#   BENCH_ONLY (mock,redis,engine)  BENCH_S2S_BEFORE (an older s2s binary: adds
#   engine/before, mock/before/<profile> (its mock served beside ours) and
#   redis-before/memory/<profile> (its mock on the same redis-server, db 1))
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${BENCH_DURATION:-4s}"
CLIENTS="${BENCH_CLIENTS:-64}"
ROUNDS="${BENCH_ROUNDS:-3}"
ONLY="${BENCH_ONLY:-mock,redis,engine}"
BEFORE="${BENCH_S2S_BEFORE:-}"
REDIS_PROFILES="revosurge postback"
want() { [[ ",$ONLY," == *",$1,"* ]]; }

tmp="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

freeport() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "no free port" >&2; exit 1
}

# first_line FILE SED-EXPR: waits up to 10 s for FILE to yield a match.
first_line() {
  local v=""
  for _ in $(seq 100); do
    v="$(sed -n "$2" "$1" 2>/dev/null | head -n1)"
    [ -n "$v" ] && { echo "$v"; return; }
    sleep 0.1
  done
  echo "timed out waiting for $1:" >&2; cat "$1" >&2; exit 1
}

echo "== building s2s and the bare receiver"
mkdir -p "$tmp/bin"
go build -o "$tmp/bin/s2s" ./cmd/s2s
go build -o "$tmp/bin/benchserver" ./load/internal/benchserver
# The profiles are the binary's: one OpenAPI document each.
"$tmp/bin/s2s" openapi -out "$tmp/openapi" > /dev/null
PROFILES="$(cd "$tmp/openapi" && for f in *.openapi.json; do printf '%s ' "${f%.openapi.json}"; done)"
echo "== profiles: $PROFILES"
# An older binary is compared on the profiles it serves too (a profile it
# lacks would measure its 404s and 405s).
BEFORE_PROFILES=""
if [ -n "$BEFORE" ]; then
  "$BEFORE" openapi -out "$tmp/openapi-before" > /dev/null
  for p in $PROFILES; do if [ -f "$tmp/openapi-before/$p.openapi.json" ]; then BEFORE_PROFILES+="$p "; fi; done
  echo "== profiles the older binary serves: $BEFORE_PROFILES"
fi
beforeServes() { [[ " $BEFORE_PROFILES " == *" $1 "* ]]; }

bare() { # name flags…: starts a bare receiver, sets url_<name>
  local name="$1"; shift
  "$tmp/bin/benchserver" -addr 127.0.0.1:0 -for 30m "$@" > "$tmp/$name.addr" 2>&1 &
  pids+=($!)
  printf -v "url_$name" 'http://%s' "$(first_line "$tmp/$name.addr" '/^127/p')"
}

mock() { # name flags…: starts the mock, sets url_<name> (MOCK_BIN: another s2s)
  local name="$1"; shift
  "${MOCK_BIN:-$tmp/bin/s2s}" mock -addr 127.0.0.1:0 -config "$tmp/mock.yaml" "$@" > "$tmp/$name.out" 2>&1 &
  pids+=($!)
  printf -v "url_$name" '%s' "$(first_line "$tmp/$name.out" 's/.* at \(http:[^ ]*\).*/\1/p')"
}

cat > "$tmp/mock.yaml" <<'YAML'
# Rate limits lifted: the benchmark measures serving, not 429s.
profiles:
  revosurge: {rate_limit: {limit: 1000000000, window: 1s}}
  appsflyer: {rate_limit: {limit: 1000000000, window: 1s}}
  postback: {rate_limit: {limit: 1000000000, window: 1s}}
YAML

if want mock || want redis; then
  bare decode -decode
  bare postback -verify postback
  mock memory
fi
if want mock && [ -n "$BEFORE" ]; then MOCK_BIN="$BEFORE" mock before; fi
if want redis; then
  command -v redis-server >/dev/null || { echo "== installing redis-server (apt-get)"; apt-get install -y -q redis-server >/dev/null; }
  rport="$(freeport)"
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no > "$tmp/redis.out" 2>&1 &
  pids+=($!)
  first_line "$tmp/redis.out" '/[Rr]eady to accept/p' >/dev/null
  mock redis -store "redis://127.0.0.1:$rport/0"
  if [ -n "$BEFORE" ]; then
    "$BEFORE" mock -addr 127.0.0.1:0 -config "$tmp/mock.yaml" -store "redis://127.0.0.1:$rport/1" > "$tmp/redisbefore.out" 2>&1 &
    pids+=($!)
    url_redisbefore="$(first_line "$tmp/redisbefore.out" 's/.* at \(http:[^ ]*\).*/\1/p')"
  fi
fi
if want engine; then
  bare plain
  if ! command -v wrk >/dev/null; then
    echo "== installing wrk (apt-get)"
    apt-get install -y -q wrk >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
  fi
  echo "== installing the vegeta CLI (github.com/tsenart/vegeta/v12@v12.13.0)"
  GOBIN="$tmp/bin" go install github.com/tsenart/vegeta/v12@v12.13.0
  # vegeta and wrk send one static revosurge event with the headers s2s sends.
  body='{"client_user_id":"user_bench1","click_id":"clk_bench1","event_name":"deposit","timestamp":1761059551000,"ip_address":"203.0.113.7","user_agent":"Mozilla/5.0 (X11; Linux x86_64)","transaction_id":"tx_bench1","amount":50.25,"is_crypto":false,"currency":"USD"}'
  printf '%s' "$body" > "$tmp/body.json"
  printf 'POST %s/v2/s2s/event\nContent-Type: application/json\nX-API-Key: dp_test_key_123\n@%s\n' "$url_plain" "$tmp/body.json" > "$tmp/targets.txt"
  cat > "$tmp/wrk.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "dp_test_key_123"
LUA
fi

# Each measurement appends "rate cpu_seconds requests" to $tmp/r.<name>.<round>.
TIMEFORMAT='%U %S'
ours() { # key bin url profile
  local key="$1" bin="$2" url="$3" prof="$4" dir="$tmp/load.$1"
  rm -rf "$dir"
  local t
  t="$( { time "$bin" load -target "$url" -profile "$prof" -rate max -max-in-flight "$CLIENTS" -duration "$DURATION" \
        -inspect none -report-dir "$dir" > "$tmp/load.out" 2>&1 || true; } 2>&1 )"
  local rate avail n
  rate="$(awk '/"throughput": \{/{t=1} t && /"sent":/{gsub(/[ ,]/,""); split($0,a,":"); print a[2]; exit}' "$dir/load.json" 2>/dev/null || true)"
  avail="$(sed -n 's/^  "availability": \([0-9.]*\),/\1/p' "$dir/load.json" 2>/dev/null || true)"
  n="$(awk '/"requests": \{/{t=1} t && /"attempts":/{gsub(/[ ,]/,""); split($0,a,":"); print a[2]; exit}' "$dir/load.json" 2>/dev/null || true)"
  if [ -z "$rate" ]; then echo "   $key: no result ($(tail -n2 "$tmp/load.out" | tr '\n' ' '))" >&2; rate=0; n=1; fi
  [ "${avail:-0}" = "1" ] || echo "   warning: $key availability ${avail:-?} (not every answer a 2xx)" >&2
  echo "$rate $(echo "$t" | awk '{print $1+$2}') $n"
}
vegeta_run() {
  local t
  t="$( { time "$tmp/bin/vegeta" attack -targets "$tmp/targets.txt" -rate 0 -workers "$CLIENTS" -max-workers "$CLIENTS" \
        -duration "$DURATION" > "$tmp/vegeta.bin"; } 2>&1 )"
  "$tmp/bin/vegeta" report -type json < "$tmp/vegeta.bin" > "$tmp/vegeta.json"
  local rate n ok
  rate="$(sed -n 's/.*"throughput":\([0-9.eE+-]*\).*/\1/p' "$tmp/vegeta.json")"
  n="$(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' "$tmp/vegeta.json")"
  ok="$(sed -n 's/.*"success":\([0-9.eE+-]*\).*/\1/p' "$tmp/vegeta.json")"
  [ "$ok" = "1" ] || echo "   warning: vegeta success $ok" >&2
  echo "$rate $(echo "$t" | awk '{print $1+$2}') $n"
}
wrk_run() {
  local t
  t="$( { time wrk -t2 -c"$CLIENTS" -d"$DURATION" -s "$tmp/wrk.lua" "$url_plain/v2/s2s/event" > "$tmp/wrk.out"; } 2>&1 )"
  grep -q "Non-2xx" "$tmp/wrk.out" && echo "   warning: wrk: $(grep Non-2xx "$tmp/wrk.out")" >&2
  local rate n
  rate="$(awk '/^Requests\/sec:/{print $2}' "$tmp/wrk.out")"
  n="$(awk '/requests in/{print $1}' "$tmp/wrk.out")"
  echo "$rate $(echo "$t" | awk '{print $1+$2}') $n"
}

# contenders: "key|command…", measured in this order (reversed every other round).
contenders=()
if want mock || want redis; then
  for p in $PROFILES; do
    base=url_decode; [ "$p" = postback ] && base=url_postback
    want mock && contenders+=("bare.$p|ours bare.$p $tmp/bin/s2s ${!base} $p")
    contenders+=("memory.$p|ours memory.$p $tmp/bin/s2s $url_memory $p")
    want mock && beforeServes "$p" && contenders+=("before.$p|ours before.$p $tmp/bin/s2s $url_before $p")
  done
fi
if want redis; then
  for p in $REDIS_PROFILES; do
    contenders+=("redis.$p|ours redis.$p $tmp/bin/s2s $url_redis $p")
    [ -n "$BEFORE" ] && contenders+=("redisbefore.$p|ours redisbefore.$p $tmp/bin/s2s $url_redisbefore $p")
  done
fi
if want engine; then
  contenders+=("engine.s2s|ours engine.s2s $tmp/bin/s2s $url_plain revosurge" "engine.vegeta|vegeta_run" "engine.wrk|wrk_run")
  [ -n "$BEFORE" ] && contenders+=("engine.before|ours engine.before $BEFORE $url_plain revosurge")
fi

for round in $(seq "$ROUNDS"); do
  order=("${contenders[@]}")
  if (( round % 2 == 0 )); then
    order=(); for (( i=${#contenders[@]}-1; i>=0; i-- )); do order+=("${contenders[i]}"); done
  fi
  # The load average shows a busy machine: its rounds are the noisy ones.
  echo "== round $round of $ROUNDS ($DURATION each, $CLIENTS in flight; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?))"
  for c in "${order[@]}"; do
    key="${c%%|*}"
    read -r -a cmd <<< "${c#*|}"
    res="$("${cmd[@]}")"
    echo "$res" > "$tmp/r.$key.$round"
    printf '   %-18s %s\n' "$key" "$(echo "$res" | awk '{printf "%8.0f req/s  %5.1f µs CPU/request", $1, ($3>0)?$2*1e6/$3:0}')"
  done
done

# ratio NAME OURS-KEY BASE-KEY
ratio() {
  local vals=() a b
  for round in $(seq "$ROUNDS"); do
    a="$(awk '{print $1}' "$tmp/r.$2.$round")"; b="$(awk '{print $1}' "$tmp/r.$3.$round")"
    vals+=("$a $b")
  done
  printf '%s\n' "${vals[@]}" | awk -v name="$1" '
    { o[NR]=$1; b[NR]=$2; r[NR]=($2>0)?$1/$2:0 }
    function median(x, n,   i, j, t, s) { for (i=1;i<=n;i++) s[i]=x[i]
      for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (s[j]<s[i]) { t=s[i]; s[i]=s[j]; s[j]=t }
      return (n%2) ? s[(n+1)/2] : (s[n/2]+s[n/2+1])/2 }
    END { n=NR; lo=r[1]; hi=r[1]; list=""
      for (i=1;i<=n;i++) { if (r[i]<lo) lo=r[i]; if (r[i]>hi) hi=r[i]; list=list (i>1?",":"") sprintf("%.2f", r[i]) }
      printf "ratio %s %.2f spread=%.2f..%.2f rounds=%s ours=%.0f base=%.0f\n", name, median(r,n), lo, hi, list, median(o,n), median(b,n) }'
}
cpu() { # cpu-us NAME KEY [TARGET]
  for round in $(seq "$ROUNDS"); do awk '{print ($3>0)?$2*1e6/$3:0}' "$tmp/r.$2.$round"; done |
    awk -v name="$1" -v target="${3:-}" '
    { s[NR]=$1; list=list (NR>1?",":"") sprintf("%.1f", $1) }
    END { n=NR
      for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (s[j]<s[i]) { t=s[i]; s[i]=s[j]; s[j]=t }
      m=(n%2)?s[(n+1)/2]:(s[n/2]+s[n/2+1])/2
      printf "cpu-us %s %.1f spread=%.1f..%.1f rounds=%s", name, m, s[1], s[n], list
      if (target != "") printf " target<=%s %s", target, (m<=target)?"met":"missed"
      printf "\n" }'
}

echo
echo "== results: median of $ROUNDS per-round ratios (ours/base), spread = lowest..highest round"
if want mock; then for p in $PROFILES; do ratio "mock/bare/$p" "memory.$p" "bare.$p"; done; fi
if want mock && [ -n "$BEFORE" ]; then
  for p in $BEFORE_PROFILES; do ratio "mock-before/bare/$p" "before.$p" "bare.$p"; done
  for p in $BEFORE_PROFILES; do ratio "mock/before/$p" "memory.$p" "before.$p"; done
fi
if want redis; then
  for p in $REDIS_PROFILES; do ratio "redis/memory/$p" "redis.$p" "memory.$p"; done
  if [ -n "$BEFORE" ]; then for p in $REDIS_PROFILES; do ratio "redis-before/memory/$p" "redisbefore.$p" "memory.$p"; done; fi
fi
if want engine; then
  ratio engine/vegeta engine.s2s engine.vegeta
  ratio engine/wrk engine.s2s engine.wrk
  [ -n "$BEFORE" ] && ratio engine/before engine.s2s engine.before
  cpu engine/s2s engine.s2s 15
  cpu engine/vegeta engine.vegeta
  cpu engine/wrk engine.wrk
  [ -n "$BEFORE" ] && cpu engine/before engine.before
fi
exit 0
