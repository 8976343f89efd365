#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds yunfn and runs every test through
# CTest. With SANITIZE=1 it builds with ASan+UBSan into build-asan instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
(cd tests/integration/sdk-node && npm ci --no-audit --no-fund --silent) || true
(cd tests/integration/cos-node && npm ci --no-audit --no-fund --silent) || true
build_dir=build
[ "${SANITIZE:-0}" = 1 ] && build_dir=build-asan
BUILD_DIR=$build_dir scripts/build.sh
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
# Undefined behaviour fails the test that hits it instead of only printing.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build_dir" && ctest --output-on-failure -j 2 ${CTEST_ARGS:-}
