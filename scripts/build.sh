#!/usr/bin/env bash
# Builds yunfn into build/ (or BUILD_DIR); SANITIZE=1 builds with ASan+UBSan,
# WERROR=1 turns compiler warnings into errors (CI), CHECK_DEPS=0 skips the module
# dependency check (scripts/check_deps.py) that otherwise runs before every build.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
SANITIZE=${SANITIZE:-0}
WERROR=${WERROR:-0}
CHECK_DEPS=${CHECK_DEPS:-1}
on_off() { [ "$1" = 1 ] && echo ON || echo OFF; }
# ccache may reuse precompiled-header builds only with these sloppiness settings.
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DYUNFN_SANITIZE="$(on_off "$SANITIZE")" -DYUNFN_WERROR="$(on_off "$WERROR")" \
  -DYUNFN_CHECK_DEPS="$(on_off "$CHECK_DEPS")" "${launcher[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
