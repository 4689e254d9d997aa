#!/usr/bin/env bash
# Listener ingestion benchmark: wrk (64 connections, seed 004 body, unique ids)
# against the real listener and against a bare axum handler (parse + group
# commit), in the same run. Needs `wrk` (apt-get install -y wrk) and the
# `[[bench]] name = "listener" harness = false` entry in Cargo.toml.
#
#   benches/listener.sh [DURATION=10s] [CONNECTIONS=64] [THREADS=2]
#   ROUNDS=3 benches/listener.sh   # alternate bare/listener 3 times (noisy machine)
#
# Per run: wrk's completed requests, rps and latency percentiles; the server's
# CPU time per request (/proc, robust to a busy machine); then the server's own
# counts: persisted (synced lines), file_lines, listed (load_events). wrk's
# "generated" counts requests it wrote, including the few still in flight when
# it stopped (those are persisted too, but their 200 was never read).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10s}
CONNS=${2:-64}
THREADS=${3:-2}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

BIN=$(cargo bench --bench listener --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -1)
[ -x "$BIN" ] || { echo "cannot build the bench binary" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export BODY_FILE=$PWD/tests/fixtures/otp_event_seed004.json

run() { # mode secret
  local mode=$1 secret=$2 out=$WORK/$1.out
  # A stale "ready" line of the previous round must not be read as this one's.
  rm -f "$out"
  "$BIN" "$mode" 127.0.0.1:0 "$WORK/$mode.jsonl" $secret >"$out" 2>"$WORK/$mode.err" &
  local pid=$!
  for _ in $(seq 100); do grep -q '^ready' "$out" 2>/dev/null && break; sleep 0.1; done
  local addr
  addr=$(sed -n 's/^ready //p' "$out")
  [ -n "$addr" ] || { cat "$WORK/$mode.err" >&2; exit 1; }
  SECRET=$secret wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency \
    -s benches/listener.lua "http://$addr/webhooks/otp" >"$WORK/$mode.wrk" ||
    { kill -INT "$pid"; wait "$pid" || true; echo "wrk failed against $mode" >&2; exit 1; }
  local ticks
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill -INT "$pid"
  wait "$pid"
  local reqs
  reqs=$(sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p' "$WORK/$mode.wrk")
  echo "== $mode"
  grep '^RESULT' "$WORK/$mode.wrk"
  awk -v t="$ticks" -v r="$reqs" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "server_cpu_us_per_request=%.1f\n", t * 1e6 / hz / r }'
  grep '^{' "$out"
  rm -f "$WORK/$mode".jsonl "$WORK/$mode"-*.jsonl
}

for _ in $(seq "${ROUNDS:-1}"); do
  run bare ""
  run listener bench-secret
done
