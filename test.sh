#!/usr/bin/env bash
# Runs every CodeTracer test (unit, component and browser tests) and ends with "N passed, N failed, N skipped".
# Browser tests drive Debian's Chromium; this script installs it when it is missing and it can (root + apt-get).
set -uo pipefail
cd "$(dirname "$0")"

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium for the browser tests..."
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
      || echo "warning: could not install chromium; browser tests will fail in CI and skip elsewhere"
  else
    echo "note: chromium is not installed and cannot be installed here; browser tests will be skipped"
  fi
fi

log="$(mktemp)"
dotnet test CodeTracer.sln --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

awk '/(Passed|Failed)! +- Failed:/ { gsub(",", ""); f += $4; p += $6; s += $8 }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
