#!/usr/bin/env bash
# Memory soak: `s2s mock` (rate limits lifted) and `s2s load` (the soak
# scenario, journal read throughout) as two processes on loopback. Their RSS
# is sampled every SOAK_EVERY; after warm-up (a quarter of the run, at least
# SOAK_WARM) each may grow at most SOAK_MAX_GROWTH percent.
#   SOAK_DURATION (30m)  SOAK_RATE (1000/s)  SOAK_EVERY (10s)  SOAK_WARM (2m)  SOAK_MAX_GROWTH (10)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${SOAK_DURATION:-30m}"
RATE="${SOAK_RATE:-1000/s}"
EVERY="${SOAK_EVERY:-10}"
WARM="${SOAK_WARM:-120}"
MAX_GROWTH="${SOAK_MAX_GROWTH:-10}"

tmp="$(mktemp -d)"
mock=""; loadp=""
cleanup() {
  for p in $loadp $mock; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/s2s" ./cmd/s2s
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat > "$tmp/mock.yaml" <<YAML
profiles:
  revosurge:
    rate_limit: {limit: 100000000, window: 1s}
YAML
"$tmp/s2s" mock -addr "127.0.0.1:$port" -config "$tmp/mock.yaml" -profiles revosurge -log-level warn > "$tmp/mock.log" 2>&1 &
mock=$!
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$port/_s2s/health" >/dev/null 2>&1 && break; sleep 0.1; done

"$tmp/s2s" load -target "http://127.0.0.1:$port" -profile revosurge -scenario soak -rate "$RATE" -duration "$DURATION" \
  -report-dir "$tmp/report" > "$tmp/load.txt" 2>&1 &
loadp=$!

rss() { awk '/^VmRSS:/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
echo "   t(s)  load RSS (MiB)  mock RSS (MiB)"
start=$(date +%s)
: > "$tmp/samples"
while kill -0 "$loadp" 2>/dev/null; do
  sleep "$EVERY"
  t=$(( $(date +%s) - start ))
  l=$(rss "$loadp"); m=$(rss "$mock")
  [ "$l" = 0 ] && break
  echo "$t $l $m" >> "$tmp/samples"
  awk -v t="$t" -v l="$l" -v m="$m" 'BEGIN{printf "%7d  %14.1f  %14.1f\n", t, l/1024, m/1024}'
done
set +e; wait "$loadp"; code=$?; set -e; loadp=""
grep -v '^s2s: load: ' "$tmp/load.txt" | head -20
echo "s2s load exit $code"

awk -v warm="$WARM" -v max="$MAX_GROWTH" -v total="$(( $(date +%s) - start ))" '
  { t[NR]=$1; l[NR]=$2; m[NR]=$3 }
  END {
    w = total/4; if (w < warm) w = warm
    b = 0; for (i = 1; i <= NR; i++) if (t[i] >= w) { b = i; break }
    if (b == 0 || b == NR) { print "run too short to judge memory after a warm-up of " w " s"; exit 0 }
    gl = (l[NR]-l[b])/l[b]*100; gm = (m[NR]-m[b])/m[b]*100
    printf "after warm-up (%d s): load %.1f -> %.1f MiB (%+.1f %%), mock %.1f -> %.1f MiB (%+.1f %%)\n", t[b], l[b]/1024, l[NR]/1024, gl, m[b]/1024, m[NR]/1024, gm
    if (gl > max || gm > max) { print "RSS GREW MORE THAN " max " %"; exit 1 }
  }' "$tmp/samples"
