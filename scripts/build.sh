#!/usr/bin/env bash
# Builds yunfn into build/ (or BUILD_DIR); SANITIZE=1 builds with ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
SANITIZE=${SANITIZE:-0}
# ccache may reuse precompiled-header builds only with these sloppiness settings.
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DYUNFN_SANITIZE=$([ "$SANITIZE" = 1 ] && echo ON || echo OFF) "${launcher[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
