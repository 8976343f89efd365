#!/usr/bin/env bash
# Builds the function into dist/main with Debian's go (apt-get install golang-go), offline:
# scf-go-lib comes from this repository (see go.mod), nothing is downloaded. SCF runs
# linux/amd64 executables; CGO_ENABLED=0 makes it static.
set -euo pipefail
cd "$(dirname "$0")"
export GOFLAGS=-mod=mod GOPROXY=off CGO_ENABLED=0 GOOS=linux GOARCH=${GOARCH:-amd64}
[ -n "${GOCACHE:-}${XDG_CACHE_HOME:-}${HOME:-}" ] || export GOCACHE="${TMPDIR:-/tmp}/go-build-cache"
mkdir -p dist
go build -o dist/main .
echo "built $(pwd)/dist/main"
