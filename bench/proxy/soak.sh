#!/bin/sh
# The proxy soak at length (RELIABILITY.md, "Soak"): the ctest soak (tests/proxy/soak_test.cc,
# one minute in CI) run for SECONDS, 600 by default, with its samples printed.
# Usage: bench/proxy/soak.sh [BUILD] [SECONDS]
set -eu
BUILD=${1:-build}
TRACETUNE_SOAK_SECONDS=${2:-600} "$BUILD/tests/proxy/proxy_tests" "[soak]" -s |
  grep -E -A1 "proxy RSS|exchanges:|passed|failed" | grep -v "^--"
