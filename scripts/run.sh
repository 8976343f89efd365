#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds yunfn and starts the server with
# its embedded defaults (API on 127.0.0.1:9001, data in ./yunfn-data).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/yunfn server "$@"
