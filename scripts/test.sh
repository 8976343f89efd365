#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds yunfn and runs every test: the
# regular build, then the ASan+UBSan build (SKIP_SANITIZE=1 skips the latter).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
(cd tests/integration/sdk-node 2>/dev/null && [ -f package.json ] && npm ci --no-audit --no-fund --silent) || true
scripts/build.sh
(cd build && ctest --output-on-failure -j 2)
if [ "${SKIP_SANITIZE:-0}" != 1 ]; then
  BUILD_DIR=build-asan SANITIZE=1 scripts/build.sh
  (cd build-asan && ASAN_OPTIONS=detect_leaks=0 ctest --output-on-failure -j 2)
fi
