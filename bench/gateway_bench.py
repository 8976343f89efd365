#!/usr/bin/env python3
"""HTTP gateway benchmark of a local yunfn server, with nginx as the reference.

    python3 bench/gateway_bench.py --bin build/yunfn [--duration 10]

Starts its own server (free API and gateway ports, temporary data directory, through
tests/integration/yunfnlib.py whose TC3 signing it reuses), deploys

  (a) a no-op Python event function (Python3.9, integration response "ok") behind an
      apigw trigger, and
  (b) a no-op Node.js web function (Nodejs18.15, Type HTTP, a plain `http` server
      answering "ok" on port 9000) behind an apigw trigger,

and starts (c) nginx (Debian's nginx-light) with a temporary configuration on a free
loopback port, answering a fixed 200 "ok", as the reference. Each target is warmed
up, then measured with wrk (--latency) at concurrency 1 and 32 for --duration seconds
per point: requests/s, p50 and p99 latency, errors. Then the ratios yunfn / nginx.

It prints a table, the ratios, then the same numbers as one JSON line (prefixed
"JSON "). wrk, the server, the instances and nginx share this machine's CPUs, so the
numbers compare builds (and the gateway with nginx) on one machine; they are not
absolute capacity. --quick is a smoke run of a few seconds (1 s per point, concurrency
1 and 4) that checks the script works; it exits 1 when a request failed. Without nginx
the reference row is skipped with a note.
"""

import argparse
import json
import os
import re
import shutil
import sys
import time
import urllib.error
import urllib.request

from benchlib import NGINX, Nginx, load_yunfnlib, nginx_conf, vm_rss_kb
from benchlib import run_wrk as benchlib_run_wrk

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

CONCURRENCY = (1, 32)

PY_RUNTIME = "Python3.9"
NODE_RUNTIME = "Nodejs18.15"

PY_NOOP = '''
def main_handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "ok"}
'''

NODE_WEB_APP = '''
const http = require("http");
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, {"Content-Type": "text/plain", "Content-Length": "2"});
    res.end("ok");
  });
});
server.keepAliveTimeout = 65000;
server.listen(9000, "0.0.0.0");
'''

# The interpreter path of the cloud, with a fallback for instances that see the host.
NODE_WEB_BOOTSTRAP = '''#!/bin/bash
if [ -x /var/lang/node18/bin/node ]; then exec /var/lang/node18/bin/node app.js; fi
exec node app.js
'''

NGINX_CONF = nginx_conf('''
    server {{
        listen 127.0.0.1:{port};
        location / {{
            default_type text/plain;
            return 200 "ok";
        }}
    }}
''')


# ----------------------------------------------------------------------------------------
# wrk
# ----------------------------------------------------------------------------------------

def run_wrk(url, connections, seconds, timeout_s=10):
    """One wrk run; returns benchlib.parse_wrk() of its report."""
    threads = max(1, min(connections, os.cpu_count() or 1))
    return benchlib_run_wrk(url, threads, connections, seconds, timeout_s=timeout_s)


def fetch(url, timeout=60):
    """(status, body bytes) of one GET; HTTP errors are returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_ok(url, what, timeout=120):
    """Polls url until it answers 200 "ok" (the first request may be a cold start)."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = fetch(url)
            if last[0] == 200 and last[1].strip() == b"ok":
                return
        except OSError as e:
            last = repr(e)
        time.sleep(0.2)
    raise RuntimeError("%s at %s never answered 200 ok; last: %r" % (what, url, last))


def measure(url, what, seconds, warm_seconds):
    """Warm-up, then one wrk run per concurrency; returns {"c1": {...}, "c32": {...}}."""
    wait_ok(url, what)
    for _ in range(20):
        wait_ok(url, what)
    # Concurrent warm-up: enough time for the instances of the c=32 run to start; a
    # generous wrk timeout so that cold starts are waited for, not counted as errors.
    run_wrk(url, max(CONCURRENCY), warm_seconds, timeout_s=60)
    out = {}
    for c in CONCURRENCY:
        out["c%d" % c] = run_wrk(url, c, seconds)
        sys.stderr.write("  %s c=%d: %s\n" % (what, c, out["c%d" % c]))
    return out


# ----------------------------------------------------------------------------------------
# yunfn
# ----------------------------------------------------------------------------------------

def apigw_desc(method, path, integrated=True):
    return json.dumps({"api": {"authRequired": "FALSE",
                               "requestConfig": {"method": method, "path": path},
                               "isIntegratedResponse": "TRUE" if integrated else "FALSE"},
                       "service": {"serviceName": "bench"},
                       "release": {"environmentName": "release"}})


def add_apigw_trigger(client, name, method, path, integrated=True):
    client.ok("CreateTrigger", {"FunctionName": name, "TriggerName": "bench-apigw",
                                "Type": "apigw",
                                "TriggerDesc": apigw_desc(method, path, integrated)})


def measure_yunfn(lib, seconds, warm_seconds, results):
    server = lib.Server(extra_args=["--idle-timeout", "600"])
    try:
        server.start()
    except BaseException:
        server.cleanup()
        raise
    try:
        line = next((l for l in server.stdout_lines if "API listening" in l), "")
        m = re.search(r"isolation (\w+)", line)
        results["isolation"] = m.group(1) if m else "unknown"
        base = "http://127.0.0.1:%d" % server.gateway_port
        client = server.client()

        py = lib.unique_name("gwbench-py")
        lib.create_function(client, py, files={"index.py": PY_NOOP}, runtime=PY_RUNTIME,
                            timeout=30)
        add_apigw_trigger(client, py, "GET", "/noop")
        web = lib.unique_name("gwbench-web")
        lib.create_function(client, web, files={"app.js": NODE_WEB_APP,
                                                "scf_bootstrap": (NODE_WEB_BOOTSTRAP, 0o755)},
                            runtime=NODE_RUNTIME, handler=None, timeout=30,
                            extra={"Type": "HTTP"})
        add_apigw_trigger(client, web, "ANY", "/")

        results["python_event"] = measure("%s/default/%s/noop" % (base, py),
                                          "python event function", seconds, warm_seconds)
        results["nodejs_web"] = measure("%s/default/%s/" % (base, web),
                                        "node.js web function", seconds, warm_seconds)
        results["server_rss_kb"] = vm_rss_kb(server.proc.pid)
    except BaseException:
        sys.stderr.write(server.diagnostics() + "\n")
        raise
    finally:
        server.cleanup()


# ----------------------------------------------------------------------------------------
# nginx
# ----------------------------------------------------------------------------------------

def measure_nginx(seconds, results):
    if not os.path.exists(NGINX):
        print("nginx reference skipped: %s not found; install it with "
              "`apt-get install -y nginx-light`" % NGINX)
        return
    with Nginx(NGINX_CONF) as nginx:
        results["nginx_version"] = Nginx.version()
        results["nginx"] = measure(nginx.url + "/", "nginx", seconds, 1)


# ----------------------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------------------

ROWS = (("python_event", "yunfn, Python event function"),
        ("nodejs_web", "yunfn, Node.js web function"),
        ("nginx", "nginx, fixed 200 (reference)"))


def fmt(v, spec="%.1f"):
    return "-" if v is None else spec % v


def print_report(r):
    table = [("target", "conc.", "requests/s", "p50 ms", "p99 ms", "errors")]
    for key, label in ROWS:
        for c in CONCURRENCY:
            x = (r.get(key) or {}).get("c%d" % c)
            if x is None:
                table.append((label, str(c), "skipped", "-", "-", "-"))
                continue
            table.append((label, str(c), fmt(x["requests_per_s"]), fmt(x["p50_ms"], "%.3f"),
                          fmt(x["p99_ms"], "%.3f"), str(x["errors"])))
    width = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    line = "+" + "+".join("-" * (w + 2) for w in width) + "+"
    print(line)
    for i, row in enumerate(table):
        cells = [row[0].ljust(width[0])] + [row[j].rjust(width[j]) for j in range(1, len(row))]
        print("| " + " | ".join(cells) + " |")
        if i == 0:
            print(line)
    print(line)

    ref = r.get("nginx")
    r["ratios"] = {}
    print("ratios yunfn / nginx (requests/s: below 1 is slower; latency: above 1 is slower):")
    for key, label in ROWS[:2]:
        for c in CONCURRENCY:
            mine = (r.get(key) or {}).get("c%d" % c)
            base = (ref or {}).get("c%d" % c)
            if not mine or not base:
                print("  %-30s c=%-2d n/a (%s)" % (
                    label, c, "no nginx reference" if not base else "not measured"))
                continue

            def ratio(field):
                a, b = mine.get(field), base.get(field)
                return round(a / b, 3) if a is not None and b else None

            q = {f: ratio(f) for f in ("requests_per_s", "p50_ms", "p99_ms")}
            r["ratios"]["%s_c%d" % (key, c)] = q
            print("  %-30s c=%-2d requests/s %sx, p50 %sx, p99 %sx" % (
                label, c, fmt(q["requests_per_s"], "%.3f"), fmt(q["p50_ms"], "%.1f"),
                fmt(q["p99_ms"], "%.1f")))


def main():
    global CONCURRENCY
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "yunfn"),
                    help="the yunfn binary (default build/yunfn)")
    ap.add_argument("--duration", type=float, default=10.0,
                    help="seconds of each measured wrk run (default 10)")
    ap.add_argument("--warm-seconds", type=float, default=5.0,
                    help="seconds of the concurrent warm-up of each function (default 5)")
    ap.add_argument("--isolation", default=None,
                    help="passed to the server as --isolation (default: the server's auto)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run of a few seconds: 1 s per point at concurrency 1 and 4; "
                         "exits 1 when a request failed")
    args = ap.parse_args()
    if args.quick:
        CONCURRENCY = (1, 4)
        args.duration, args.warm_seconds = 1.0, 1.0

    if shutil.which("wrk") is None:
        sys.exit("wrk not found; install it with `apt-get install -y wrk`")
    yunfnlib = load_yunfnlib(args.bin, args.isolation)

    if not os.path.exists(yunfnlib.BIN):
        sys.exit("no yunfn binary at %s (use --bin)" % yunfnlib.BIN)
    started = time.time()
    results = {"duration_s": args.duration, "cpus": os.cpu_count(),
               "concurrency": list(CONCURRENCY)}
    measure_yunfn(yunfnlib, args.duration, args.warm_seconds, results)
    measure_nginx(args.duration, results)
    results["total_seconds"] = round(time.time() - started, 1)
    print("yunfn gateway benchmark: %s, isolation %s, %d CPUs, wrk %g s per point%s%s"
          % (args.bin, results.get("isolation"), results["cpus"] or 0, args.duration,
             ", %s" % results["nginx_version"] if "nginx_version" in results else "",
             " (--quick smoke run)" if args.quick else ""))
    print_report(results)
    print("total benchmark time %.0f s" % results["total_seconds"])
    print("JSON " + json.dumps(results, sort_keys=True))
    errors = sum(x.get("errors", 0) for key, _ in ROWS
                 for x in (results.get(key) or {}).values())
    if args.quick and errors:
        sys.exit("%d requests failed" % errors)


if __name__ == "__main__":
    main()
