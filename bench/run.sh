#!/bin/sh
# Runs every benchmark built under BUILD/bench and prints their result tables; copy them into
# BENCHMARKS.md with the date and machine.
set -eu
BUILD=${1:-build}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)"
for bench in $(find "$BUILD/bench" -type f -perm -u+x -name '*_bench' | sort); do
  echo
  echo "== $(basename "$bench")"
  "$bench"
done
echo
echo "== proxy soak (10 minutes)"
"$(dirname "$0")/proxy/soak.sh" "$BUILD" 600
