#!/bin/sh
# Installs, with apt-get, exactly the Debian 12 packages that tracetune's build and tests need
# (clang and its runtimes: the sanitizer and fuzzing builds of .ci/run and `make fuzz`).
# Silent when everything is present; safe to run again.
set -u

PACKAGES="g++ cmake make pkg-config libuv1-dev node-llhttp libsqlite3-dev libcli11-dev \
libjemalloc-dev nlohmann-json3-dev libeigen3-dev catch2 sqlite3 chromium \
clang libclang-rt-14-dev"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "tracetune: missing packages:$missing; run 'sudo tools/install-deps.sh' (needs root to apt-get install)" >&2
  exit 1
fi

echo "tracetune: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends $missing; } >/tmp/tracetune-install-deps.log 2>&1; then
  echo "tracetune: apt-get could not install$missing; see /tmp/tracetune-install-deps.log" >&2
  exit 1
fi
