#!/usr/bin/env python3
"""Cold start and warm invoke per runtime, as ratios to Python in the same run (Python 3
standard library only; Go functions are built with Debian's go, offline).

    python3 bench/runtime_coldstart.py --bin build/yunfn [--cold 20] [--warm 200]
                                       [--runtimes python,go] [--isolation namespace]

One server (its default isolation unless --isolation) runs, for each runtime, a no-op
event function with 128 MB that returns "ok":

1. cold start: N functions with the same code, each invoked once (so each call starts
   an instance): the client's Invoke latency and the platform's InitDuration (the
   "Init Report" log line), p50 and p99;
2. warm invoke: sequential invokes of one warm function, p50 and p99 latency;
3. memory of one idle instance: the resident and proportional set sizes of its
   processes (PSS counts shared pages such as libc once per sharer). For Go, the
   platform's part (the yunfn-go-runtime adapter) and the function's executable are
   shown apart.

A runtime whose tools are missing (go, for the Go row) is reported as skipped. Rows are
comparable within one run only: client, server and instances share this machine's CPUs.
Add a runtime by adding a row to RUNTIMES. --quick is a smoke run of a few seconds
(2 cold starts and 20 warm invokes per runtime).
"""

import argparse
import os
import re
import shutil
import sys
import time

from benchlib import load_yunfnlib, percentile, vm_rss_kb

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

PY_NOOP = 'def main_handler(event, context):\n    return "ok"\n'

GO_NOOP = r'''
package main

import "github.com/tencentyun/scf-go-lib/cloudfunction"

func noop() (string, error) { return "ok", nil }

func main() { cloudfunction.Start(noop) }
'''

INIT_RE = re.compile(r"InitDuration:\s*([0-9.]+)\s*ms")


def python_row(lib):
    return {"files": {"index.py": PY_NOOP}, "runtime": lib.PY_RUNTIME,
            "handler": "index.main_handler", "platform_marker": None,
            "function_marker": "bootstrap"}


def go_row(lib):
    if shutil.which("go") is None:
        return None
    return {"files": {"main": (lib.go_build(GO_NOOP), 0o755)}, "runtime": lib.GO_RUNTIME,
            "handler": "main", "platform_marker": "yunfn-go-runtime", "function_marker": None}


RUNTIMES = {"python": python_row, "go": go_row}


def ms(seconds):
    return "n/a" if seconds is None else "%.1f ms" % (seconds * 1000.0)


def pss_kb(pid):
    """Proportional set size: shared pages (libc, ...) counted once per sharer."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def idle_memory_kb(lib, server, name, row):
    """{"platform": (RSS, PSS), "function": (RSS, PSS)} in KB of one idle instance."""
    def total(pids):
        return (sum(vm_rss_kb(p) or 0 for p in pids), sum(pss_kb(p) for p in pids))
    if row["platform_marker"] is None:
        return {"platform": None,
                "function": total(lib.instance_pids(server, name, marker=row["function_marker"]))}
    adapters = lib.instance_pids(server, name, marker=row["platform_marker"])
    children = lib._proc_children()
    return {"platform": total(adapters),
            "function": total([c for a in adapters for c in children.get(a, [])])}


def measure(lib, server, label, row, cold, warm):
    client = server.client()
    names = []
    for _ in range(cold):
        name = lib.unique_name("bench-%s" % label)
        lib.create_function(client, name, files=row["files"], runtime=row["runtime"],
                            handler=row["handler"], memory=128)
        names.append(name)
    latencies, inits = [], []
    for name in names:
        t0 = time.time()
        res = client.invoke(name)
        latencies.append(time.time() - t0)
        if res.get("InvokeResult") != 0 or res.get("RetMsg") != '"ok"':
            raise RuntimeError("%s cold invoke failed: %r" % (label, res))
        m = INIT_RE.search(res.get("Log") or "")
        if m:
            inits.append(float(m.group(1)) / 1000.0)
    warm_name = names[-1]
    for _ in range(min(20, warm)):
        client.invoke(warm_name, log_type="None")
    warm_lat = []
    for _ in range(warm):
        t0 = time.time()
        res = client.invoke(warm_name, log_type="None")
        warm_lat.append(time.time() - t0)
        if res.get("InvokeResult") != 0:
            raise RuntimeError("%s warm invoke failed: %r" % (label, res))
    memory = idle_memory_kb(lib, server, warm_name, row)
    for name in names:  # a namespace holds at most 50 functions
        client.delete_function(name)
    return {"cold": latencies, "init": inits, "warm": warm_lat, "memory": memory}


def ratio(value, base):
    return "" if value is None or not base else " (%.2fx)" % (value / base)


def report(label, r, base):
    def stat(key, p):
        return percentile(r[key], p) if r[key] else None

    def base_stat(key, p):
        return percentile(base[key], p) if base and base[key] else None

    print("%s" % label)
    for key, what in (("cold", "cold start, Invoke latency"), ("init", "cold start, InitDuration"),
                      ("warm", "warm invoke latency")):
        p50, p99 = stat(key, 50), stat(key, 99)
        print("  %-27s p50 %s%s, p99 %s%s (%d)"
              % (what + ":", ms(p50), ratio(p50, base_stat(key, 50)), ms(p99),
                 ratio(p99, base_stat(key, 99)), len(r[key])))
    def mb(pair):
        return "RSS %.1f MB, PSS %.1f MB" % (pair[0] / 1024.0, pair[1] / 1024.0)
    if r["memory"]["platform"]:
        print("  idle instance memory:       platform adapter %s; function %s"
              % (mb(r["memory"]["platform"]), mb(r["memory"]["function"])))
    else:
        print("  idle instance memory:       runtime %s" % mb(r["memory"]["function"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "yunfn"))
    ap.add_argument("--cold", type=int, default=20, help="cold starts per runtime")
    ap.add_argument("--warm", type=int, default=200, help="warm invokes per runtime")
    ap.add_argument("--runtimes", default="python,go", help="rows, python first: %s"
                    % ",".join(RUNTIMES))
    ap.add_argument("--isolation", default=None, help="none or namespace (default: the server's)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run of a few seconds: 2 cold starts, 20 warm invokes per runtime")
    args = ap.parse_args()
    if args.quick:
        args.cold, args.warm = 2, 20
    lib = load_yunfnlib(args.bin, None)
    if not os.path.exists(lib.BIN):
        sys.exit("no yunfn binary at %s (use --bin)" % lib.BIN)
    extra = ["--idle-timeout", "600"] + (["--isolation", args.isolation] if args.isolation else [])
    server = lib.Server(extra_args=extra)
    server.start()
    try:
        line = next((l for l in server.stdout_lines if "isolation" in l), "").strip()
        print("yunfn runtime benchmark (%s, %d CPUs), no-op functions, 128 MB%s\n  %s"
              % (args.bin, os.cpu_count() or 0, " (--quick smoke run)" if args.quick else "", line))
        base = None
        for label in args.runtimes.split(","):
            row = RUNTIMES[label](lib)
            if row is None:
                print("%s\n  skipped: its tools are not installed" % label)
                continue
            r = measure(lib, server, label, row, args.cold, args.warm)
            report(label, r, base if label != "python" else None)
            if label == "python":
                base = r
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
