#!/usr/bin/env bash
# Runs every fuzz harness for SECONDS each (RELIABILITY.md, "Fuzzing"), two at a time.
# Usage: fuzz/run.sh [SECONDS] [BUILD]   (defaults: 60, build-fuzz)
# Builds the harnesses with clang, AddressSanitizer and UBSan in BUILD, writes the seed corpora
# (fuzz_seeds), and keeps each harness's growing corpus in BUILD/fuzz-corpus/NAME between runs.
# A crash leaves its input in BUILD/fuzz-crashes/NAME/; once fixed, copy it into
# fuzz/corpus/NAME/ so that ctest replays it in every build. Exits 1 when any harness crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
BUILD=${2:-build-fuzz}
HARNESSES="http_parser tgi_body sse_stream importer proxy_session"

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DTRACETUNE_ASAN=ON -DTRACETUNE_FUZZ=ON \
    -DTRACETUNE_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD" -j"$(nproc)" --target fuzzers
rm -rf "$BUILD/fuzz-seeds"
"$BUILD/fuzz/fuzz_seeds" "$BUILD/fuzz-seeds"

run_one() {
  local name=$1
  mkdir -p "$BUILD/fuzz-corpus/$name" "$BUILD/fuzz-crashes/$name"
  if "$BUILD/fuzz/fuzz_$name" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$BUILD/fuzz-crashes/$name/" \
    "$BUILD/fuzz-corpus/$name" "$BUILD/fuzz-seeds/$name" "fuzz/corpus/$name" \
    >"$BUILD/fuzz-$name.log" 2>&1; then
    echo "fuzz $name: ok, $(grep -m1 '^stat::number_of_executed_units' "$BUILD/fuzz-$name.log" |
      awk '{print $2}') runs, corpus $(ls "$BUILD/fuzz-corpus/$name" | wc -l) inputs"
  else
    echo "fuzz $name: FAILED; see $BUILD/fuzz-$name.log and $BUILD/fuzz-crashes/$name/" >&2
    grep -m3 -E 'invariant broken|ERROR: AddressSanitizer|runtime error|ERROR: libFuzzer' \
      "$BUILD/fuzz-$name.log" >&2 || true
    return 1
  fi
}

status=0
running=0
for name in $HARNESSES; do
  run_one "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$(nproc)" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
