#!/usr/bin/env bash
# Runs the tests of a build RUNS times while two CPU-bound busy loops run beside them, as on a
# loaded machine, and reports each run's result: the tests must pass however busy the machine is.
#   tests/busy_machine.sh [BUILD_DIR=build] [RUNS=2] [ctest arguments...]
#   e.g. tests/busy_machine.sh build 3 -R 'proxy_tests|replay_tests'
# ctest runs with -j$(nproc) as `make test` does, unless the arguments set -j. Each busy loop
# is a process this script starts and kills by its PID at the end; `timeout` bounds it to
# BUSY_LIMIT_S seconds (default 7200) should the script itself be killed.
set -euo pipefail
BUILD=$(realpath "${1:-build}")
RUNS=${2:-2}
shift $(($# < 2 ? $# : 2))
CTEST_ARGS=("$@")
[[ " ${CTEST_ARGS[*]} " == *" -j"* ]] || CTEST_ARGS+=(-j"$(nproc)")
LIMIT=${BUSY_LIMIT_S:-7200}

BUSY=()
stop_busy() {
  for pid in "${BUSY[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  BUSY=()
}
trap stop_busy EXIT
for _ in 1 2; do
  timeout "$LIMIT" sh -c 'while :; do :; done' &
  BUSY+=($!)
done
echo "busy loops: PIDs ${BUSY[*]} ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"

passed=0
for run in $(seq 1 "$RUNS"); do
  log=$(mktemp /tmp/tt-busy-XXXXXX.log)
  start=$(date +%s)
  if (cd "$BUILD" && ctest --output-on-failure "${CTEST_ARGS[@]}") >"$log" 2>&1; then
    result=pass
    passed=$((passed + 1))
  else
    result=FAIL
  fi
  summary=$(grep -E 'tests passed|tests failed' "$log" | tail -1)
  echo "run $run: $result in $(($(date +%s) - start)) s: ${summary:-no ctest summary} (log $log)"
  if [ "$result" = pass ]; then
    rm -f "$log"
  else
    grep -E '^\s+[0-9]+ - .*\((Failed|Timeout|Not Run)' "$log" || true
  fi
done
stop_busy
echo "$passed of $RUNS runs passed"
[ "$passed" = "$RUNS" ]
