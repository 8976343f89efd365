#!/usr/bin/env python3
"""Cold start and warm invoke of each built-in runtime, as ratios to Python in the same run
(Python 3 standard library only; the Java function is compiled here with javac).

    python3 bench/runtimes_bench.py --bin build/yunfn [--cold 20] [--warm 200]
        [--runtimes python,nodejs,php,java] [--memory 128] [--isolation LEVEL]

One server (the default isolation unless --isolation says otherwise) runs a no-op function
per runtime, each with the same memory (128 MB by default):

1. cold start: N functions with the same code, each invoked once (so each call starts an
   instance): the client's Invoke latency and the platform's InitDuration, p50 and p99;
2. warm invoke: sequential invokes of one warm function, p50 and p99 latency;
3. the runtime process's resident memory after the warm invokes.

The no-ops take the event as their language's natural type (a dict, an object, a
`Map<String, Object>` bound by Jackson for Java) and return "ok". The runtimes are measured
one after the other in rotation rounds (a slice of the cold starts of each per round), so a
change in the machine's load spreads over all of them. A runtime whose interpreter is not
installed is skipped. --quick is a smoke run (2 cold starts and 20 warm invokes each).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from benchlib import load_yunfnlib, percentile, vm_rss_kb

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
INIT_RE = re.compile(r"InitDuration:\s*([0-9.]+)\s*ms")

JAVA_NOOP = r'''
package bench;

import com.qcloud.scf.runtime.Context;
import java.util.Map;

public class Noop {
    public String handle(Map<String, Object> event, Context context) {
        return "ok";
    }
}
'''


def java_noop_files():
    """The Java no-op's class files, compiled against runtimes/java/src and Jackson."""
    work = tempfile.mkdtemp(prefix="yunfn-bench-javac-")
    try:
        src = os.path.join(work, "bench", "Noop.java")
        os.makedirs(os.path.dirname(src))
        with open(src, "w") as f:
            f.write(JAVA_NOOP)
        jackson = ":".join("/usr/share/java/jackson-%s.jar" % n
                           for n in ("databind", "core", "annotations"))
        subprocess.run(["javac", "-implicit:none", "-sourcepath",
                        os.path.join(REPO, "runtimes", "java", "src"), "-cp", jackson,
                        "-d", os.path.join(work, "out"), src], check=True)
        out = {}
        for root, _, files in os.walk(os.path.join(work, "out")):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    out[os.path.relpath(os.path.join(root, name),
                                        os.path.join(work, "out"))] = f.read()
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


# name -> (program that must be installed, SCF runtime name, handler, files factory)
RUNTIMES = {
    "python": ("python3", "Python3.9", "index.main_handler",
               lambda: {"index.py": "def main_handler(event, context):\n    return 'ok'\n"}),
    "nodejs": ("node", "Nodejs18.15", "index.main_handler",
               lambda: {"index.js": "exports.main_handler = async (event, context) => 'ok';\n"}),
    "php": ("php", "Php8.0", "index.main_handler",
            lambda: {"index.php": "<?php\nfunction main_handler($event, $context) {\n"
                                  "    return 'ok';\n}\n"}),
    "java": ("javac", "Java11", "bench.Noop::handle", java_noop_files),
}


def ms(seconds):
    return "n/a" if seconds is None else "%.1f ms" % (seconds * 1000.0)


def ratio(value, base):
    return "n/a" if value is None or not base else "%.2fx" % (value / base)


def create_functions(lib, client, name, cold, memory):
    """The runtime's `cold` functions, none started yet."""
    _, runtime, handler, files_of = RUNTIMES[name]
    files = files_of()
    functions = []
    for _ in range(cold):
        fn = lib.unique_name("bench-%s" % name)
        lib.create_function(client, fn, files=files, runtime=runtime, handler=handler,
                            memory=memory, init_timeout=60)
        functions.append(fn)
    return {"name": name, "runtime": runtime, "cold": [], "init": [], "warm": [], "rss_kb": 0,
            "pending": functions}


def cold_round(client, r, count):
    """Invokes `count` of the runtime's functions not yet started."""
    for _ in range(min(count, len(r["pending"]))):
        fn = r["pending"].pop(0)
        t0 = time.time()
        res = client.invoke(fn)
        r["cold"].append(time.time() - t0)
        if res.get("InvokeResult") != 0:
            raise RuntimeError("%s cold invoke failed: %r" % (r["name"], res))
        m = INIT_RE.search(res.get("Log") or "")
        if m:
            r["init"].append(float(m.group(1)) / 1000.0)
        r["last"] = fn


def warm_run(lib, client, server, r, warm):
    """Sequential invokes of the last function started (20 more first, not counted)."""
    fn = r["last"]
    for _ in range(min(20, warm)):
        client.invoke(fn, log_type="None")
    for _ in range(warm):
        t0 = time.time()
        res = client.invoke(fn, log_type="None")
        r["warm"].append(time.time() - t0)
        if res.get("InvokeResult") != 0:
            raise RuntimeError("%s warm invoke failed: %r" % (r["name"], res))
    marker = "yunfn.runtime.Bootstrap" if r["name"] == "java" else "bootstrap"
    r["rss_kb"] = sum(vm_rss_kb(p) or 0 for p in lib.instance_pids(server, fn, marker=marker))


def report(results):
    base = next((r for r in results if r["name"] == "python"), None)

    def p(r, key, q):
        return percentile(r[key], q)

    print("%-8s %-12s %22s %22s %22s %22s %9s" % (
        "runtime", "name", "cold p50 (x python)", "cold p99 (x python)",
        "warm p50 (x python)", "warm p99 (x python)", "RSS"))
    for r in results:
        cells = []
        for key, q in (("cold", 50), ("cold", 99), ("warm", 50), ("warm", 99)):
            v = p(r, key, q)
            cells.append("%s (%s)" % (ms(v), ratio(v, base and p(base, key, q))))
        print("%-8s %-12s %22s %22s %22s %22s %6.1f MB" % (
            r["name"], r["runtime"], cells[0], cells[1], cells[2], cells[3],
            r["rss_kb"] / 1024.0))
    for r in results:
        if r["init"]:
            print("  %-8s InitDuration p50 %s, p99 %s (%d cold starts)" % (
                r["name"], ms(percentile(r["init"], 50)), ms(percentile(r["init"], 99)),
                len(r["init"])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "yunfn"))
    ap.add_argument("--cold", type=int, default=20, help="cold starts per runtime")
    ap.add_argument("--warm", type=int, default=200, help="warm invokes per runtime")
    ap.add_argument("--memory", type=int, default=128, help="MemorySize of every function")
    ap.add_argument("--runtimes", default=",".join(RUNTIMES))
    ap.add_argument("--isolation", default=None, help="none or namespace (default: auto)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 2 cold starts and 20 warm invokes per runtime")
    args = ap.parse_args()
    if args.quick:
        args.cold, args.warm = 2, 20
    names = [n for n in args.runtimes.split(",") if n]
    for n in names:
        if n not in RUNTIMES:
            sys.exit("unknown runtime %s (known: %s)" % (n, ", ".join(RUNTIMES)))
    skipped = [n for n in names if shutil.which(RUNTIMES[n][0]) is None]
    names = [n for n in names if n not in skipped]

    lib = load_yunfnlib(args.bin, args.isolation)
    if not os.path.exists(lib.BIN):
        sys.exit("no yunfn binary at %s (use --bin)" % lib.BIN)
    server = lib.Server(extra_args=["--idle-timeout", "600"])
    server.start()
    try:
        client = server.client()
        print("yunfn runtimes benchmark (%s, %d CPUs, %s), no-op functions, %d MB%s"
              % (args.bin, os.cpu_count() or 0,
                 next((l.strip() for l in server.stdout_lines if "isolation" in l), ""),
                 args.memory, " (--quick smoke run)" if args.quick else ""))
        if skipped:
            print("skipped (not installed): %s" % ", ".join(skipped))
        results = [create_functions(lib, client, n, args.cold, args.memory) for n in names]
        # Cold starts in rotation: a few of each runtime per round.
        while any(r["pending"] for r in results):
            for r in results:
                cold_round(client, r, 2)
        for r in results:
            warm_run(lib, client, server, r, args.warm)
        report(results)
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
