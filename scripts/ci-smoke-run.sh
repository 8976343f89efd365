#!/usr/bin/env bash
# CI: a new user's first run, after scripts/test.sh. Starts ./scripts/run.sh from the
# clone exactly as the README says (it installs packages and builds, cheap once test.sh
# has built build/), waits for http://127.0.0.1:9001/healthz, deploys
# examples/python-hello with build/yunfn, invokes it with the keys the server generated
# in ./yunfn-data/credentials and checks the answer and its log. Then it stops the
# server and removes ./yunfn-data. Exits non-zero (with the server's output) on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

START_TIMEOUT=${START_TIMEOUT:-900}  # seconds for run.sh to install, build and start

die() {
  echo "ci-smoke-run: $*" >&2
  exit 1
}

# A first run: no data directory yet, the default ports free, no keys in the environment.
[ ! -e yunfn-data ] || die "./yunfn-data exists; this check needs a clean clone"
for port in 9001 9080 9002; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "127.0.0.1:$port is taken; stop the process listening there"
  fi
done
unset YUNFN_SECRET_ID YUNFN_SECRET_KEY YUNFN_ENDPOINT

log=$(mktemp /tmp/yunfn-ci-run.XXXXXX)
server_pid=
cleanup() {
  local rc=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 300); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ]; then
    echo "---- ./scripts/run.sh output (last 100 lines) ----" >&2
    tail -n 100 "$log" >&2 || true
    echo "---- end of ./scripts/run.sh output ----" >&2
  fi
  rm -rf yunfn-data
  rm -f "$log" "$log.invoke"
  exit "$rc"
}
trap cleanup EXIT

echo "ci-smoke-run: starting ./scripts/run.sh"
./scripts/run.sh >"$log" 2>&1 &
server_pid=$!  # run.sh execs the server, so this becomes the server's pid

deadline=$((SECONDS + START_TIMEOUT))
until curl -fsS -o /dev/null http://127.0.0.1:9001/healthz 2>/dev/null; do
  kill -0 "$server_pid" 2>/dev/null || die "./scripts/run.sh exited before the server was ready"
  [ "$SECONDS" -lt "$deadline" ] || die "no answer on http://127.0.0.1:9001/healthz within ${START_TIMEOUT} s"
  sleep 0.5
done
echo "ci-smoke-run: server ready after ${SECONDS} s"

[ -s yunfn-data/credentials ] || die "the server did not keep its keys in ./yunfn-data/credentials"
secret_id=$(python3 -c 'import json; print(json.load(open("yunfn-data/credentials"))["SecretId"])')
grep -q "SecretId:  $secret_id" "$log" || die "the server did not print its generated keys"

export YUNFN_ENDPOINT=127.0.0.1:9001
build/yunfn deploy examples/python-hello --name hello-py --runtime Python3.9 \
  --handler index.main_handler
result=$(build/yunfn invoke hello-py --event '{"name":"yunfn"}' --log 2>"$log.invoke") || {
  cat "$log.invoke" >&2
  die "invoke failed: $result"
}
invoke_log=$(cat "$log.invoke")
echo "$result"
echo "$invoke_log"
python3 - "$result" "$invoke_log" <<'EOF' || die "unexpected invoke result or log"
import json, re, sys
result, log = json.loads(sys.argv[1]), sys.argv[2]
rid = result.get("request_id", "")
assert result == {"greeting": "Hello, yunfn!", "function": "hello-py", "request_id": rid}, result
assert re.fullmatch(r"[0-9a-f-]{36}", rid), rid
assert "hello-py invoked: request_id=%s name=yunfn\n" % rid in log, log
assert re.search(r"(?m)^Report RequestId: %s Duration: " % rid, log), log
EOF
build/yunfn rm hello-py

echo "ci-smoke-run: stopping the server"
kill -TERM "$server_pid"
code=0
wait "$server_pid" || code=$?
server_pid=
[ "$code" -eq 0 ] || die "the server exited with $code on SIGTERM"
echo "ci-smoke-run: ok"
