#!/usr/bin/env bash
# Benchmark smoke: runs every benchmark script in --quick mode against one binary, so
# that the scripts keep working. It checks that each one runs and exits 0 (a quick run
# exits 1 when a request or event failed); it asserts nothing about the numbers.
#
#   bench/smoke.sh [path/to/yunfn]      (default: build/yunfn)
#
# CTest runs it as the test bench_smoke (label bench-smoke). Each script gets at most
# SMOKE_SCRIPT_TIMEOUT seconds (default 120); the whole smoke takes 1-2 minutes on
# 2 CPUs. peers_bench.py needs nginx (apt-get install -y nginx-light) and exits 2 without it.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-$here/../build/yunfn}"
[ -x "$bin" ] || { echo "bench smoke: no yunfn binary at $bin" >&2; exit 2; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
limit="${SMOKE_SCRIPT_TIMEOUT:-120}"
python="${PYTHON:-python3}"

scripts=(core_bench.py async_bench.py concurrency_bench.py sandbox_coldstart.py runtimes_bench.py runtime_coldstart.py gateway_bench.py
         many_functions_bench.py api_burst_bench.py peers_bench.py kafka_bench.py cos_bench.py
         cls_bench.py)
failed=()
summary=()
all_start=$SECONDS
for s in "${scripts[@]}"; do
  echo "==== $s --quick"
  start=$SECONDS
  timeout --kill-after=10 "$limit" "$python" "$here/$s" --quick --bin "$bin"
  rc=$?
  took=$((SECONDS - start))
  if [ "$rc" -eq 0 ]; then
    summary+=("ok      $s (${took} s)")
  else
    [ "$rc" -eq 124 ] && why="timed out after ${limit} s" || why="exit code $rc"
    summary+=("FAILED  $s (${took} s, $why)")
    failed+=("$s")
  fi
done
echo "==== bench smoke summary ($((SECONDS - all_start)) s)"
printf '  %s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "bench smoke: ${#failed[@]} of ${#scripts[@]} scripts failed: ${failed[*]}" >&2
  exit 1
fi
