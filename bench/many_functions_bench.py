#!/usr/bin/env python3
"""Many-functions benchmark of a local yunfn server: gateway throughput spread over
many warm functions against one function, and the server's memory with many functions.

    python3 bench/many_functions_bench.py --bin build/yunfn

Each phase starts its own server (free API and gateway ports, temporary data
directory, through tests/integration/yunfnlib.py whose TC3 signing it reuses) and
deploys, through the signed API from a few client threads, distinct no-op Python event
functions, each behind an apigw trigger `ANY /` and answering the integration response
{"ok":true} (as fn/yunfn/py of the shared peer harness does). Functions are spread
over namespaces as the server's limits require (GetAccount AccountLimit; SCF's are 50
functions in each of 5 namespaces, so at most 250).

1. Throughput: --functions (default 100) functions plus one; every function gets a
   first request (its cold start); then, for the single function and for the
   --functions functions in turn, wrk warm-up runs (until one starts no new instance)
   and one measured `wrk -t2 -c32` run of --duration seconds; the --functions runs use
   a Lua script that rotates over their paths round robin. Printed: requests/s,
   latencies and cold starts of both runs and the ratio many / one (target >= 0.8).
2. Memory: --deploy (default 1000, capped by the server's limits) functions deployed
   on a fresh server, then --functions of them requested twice (one warm instance
   each). VmRSS of the server process is printed at the steps of both phases; target
   <= 30 MB with 1,000 functions deployed and 100 warm instances.

wrk, the server, the instances and this script share the machine's CPUs; the numbers
compare builds on one machine. --quick is a smoke run of 10-20 s (10 rotating
functions, 20 deployed and 10 warm, 1 s wrk runs) that checks the script works; it exits
1 when a request failed.
"""

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from benchlib import child_pids, load_yunfnlib, rotating_paths_script, run_wrk, start_server, vm_rss_kb

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

PY_RUNTIME = "Python3.9"
# As fn/yunfn/py/index.py of the shared peer harness (/work/shared/bench/peers).
PY_OK = '''
def main_handler(event, context):
    return {"isBase64Encoded": False, "statusCode": 200,
            "headers": {"Content-Type": "application/json"}, "body": '{"ok":true}'}
'''
OK_BODY = b'{"ok":true}'

WRK_THREADS, WRK_CONNECTIONS = 2, 32
RATIO_TARGET = 0.8
RSS_TARGET_MB = 30.0


def fetch(url, timeout=60):
    """(status, body) of one GET; HTTP errors are returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def parallel(items, fn, threads):
    """fn(item) for every item on `threads` threads; returns the exceptions raised."""
    todo = list(items)
    lock = threading.Lock()
    errors = []

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                item = todo.pop()
            try:
                fn(item)
            except Exception as e:  # collected and reported by the caller
                with lock:
                    errors.append((item, e))

    ts = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, threads))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return errors


class Bench:
    def __init__(self, lib, server, deploy_threads):
        self.lib = lib
        self.server = server
        self.client = server.client()
        self.deploy_threads = deploy_threads
        self.base = "http://127.0.0.1:%d" % server.gateway_port
        self.failed = 0
        self.zip_b64 = lib.zip_b64({"index.py": PY_OK})
        self.namespaces = {"default"}
        limit = self.client.ok("GetAccount")["AccountLimit"]
        # The limits the server enforces (SCF's: 50 functions in each of 5 namespaces).
        self.max_namespaces = limit["NamespacesCount"]
        self.per_namespace = limit["Namespace"][0]["FunctionsCount"]

    @property
    def capacity(self):
        return self.max_namespaces * self.per_namespace

    def layout(self, first, count):
        """Functions number first..first+count-1 as (namespace, name): the default
        namespace holds the first per_namespace functions, mf-ns1 the next, ..."""
        out = []
        for i in range(first, first + count):
            k = i // self.per_namespace
            out.append(("default" if k == 0 else "mf-ns%d" % k, "mf-%04d" % i))
        return out

    def url(self, fn):
        return self.base + self.path(fn)

    @staticmethod
    def path(fn):
        return "/%s/%s/" % fn

    def deploy(self, functions):
        """CreateFunction (waits until Active) and CreateTrigger for every (namespace,
        name), from deploy_threads client threads; returns the seconds it took."""
        t0 = time.time()
        for ns in sorted({ns for ns, _ in functions} - self.namespaces):
            self.client.ok("CreateNamespace", {"Namespace": ns})
            self.namespaces.add(ns)

        def one(fn):
            ns, name = fn
            client = self.server.client()
            self.lib.create_function(
                client, name, code_b64=self.zip_b64, runtime=PY_RUNTIME, timeout=30,
                namespace=ns, extra={"PublicNetConfig": {"PublicNetStatus": "DISABLE"}})
            self.lib.create_apigw_trigger(client, name, "bench-apigw", path="/", method="ANY",
                                          namespace=ns)

        errors = parallel(functions, one, self.deploy_threads)
        if errors:
            raise RuntimeError("%d deployments failed, first: %s: %r"
                               % (len(errors), errors[0][0], errors[0][1]))
        return time.time() - t0

    def deployed(self):
        usage = self.client.ok("GetAccount")["AccountUsage"]["Namespace"]
        return sum(ns["FunctionsCount"] for ns in usage)

    def request_all(self, functions, threads):
        """One GET to every function (a cold start where no instance is idle);
        each must answer 200 {"ok":true}. Returns the number that did not."""
        bad = []

        def one(fn):
            status, body = fetch(self.url(fn))
            if status != 200 or body.strip() != OK_BODY:
                bad.append((fn, status, body[:200]))

        errors = parallel(functions, one, threads)
        for fn, e in errors:
            bad.append((fn, "error", repr(e)))
        if bad:
            sys.stderr.write("%d functions did not answer 200 ok, first: %r\n"
                             % (len(bad), bad[0]))
        return len(bad)

    def cold_starts(self, functions):
        total = 0
        for ns, name in functions:
            by_version, _ = self.lib.function_metrics(self.client, name, namespace=ns)
            total += (by_version.get("$LATEST") or {}).get("ColdStarts", 0)
        return total

    def settle(self, timeout=60):
        """Waits until no invocation runs (GetAccount ConcurrencyMemInUse 0): requests a
        wrk run left waiting for a cold start when it stopped still hold their
        instances (and gateway budget) until they finish."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.client.ok("GetAccount")["AccountUsage"]["ConcurrencyMemInUse"] == 0:
                return
            time.sleep(0.1)
        sys.stderr.write("invocations still running after %d s\n" % timeout)

    def wrk(self, url, seconds, script=None, timeout_s=10):
        return run_wrk(url, WRK_THREADS, WRK_CONNECTIONS, seconds, script, timeout_s)


def instances_when_started(pid, timeout=60):
    """The server's instance count once it stopped changing for a second: a request
    may leave an instance starting (one given back served it first)."""
    count, since = len(child_pids(pid)), time.time()
    deadline = time.time() + timeout
    while time.time() < deadline and time.time() - since < 1.0:
        time.sleep(0.1)
        now = len(child_pids(pid))
        if now != count:
            count, since = now, time.time()
    return count


def fmt(v, spec="%.1f"):
    return "-" if v is None else spec % v


def mb(kb):
    return None if kb is None else round(kb / 1024.0, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "yunfn"),
                    help="the yunfn binary (default build/yunfn)")
    ap.add_argument("--functions", type=int, default=100,
                    help="functions the rotating wrk run spreads over, and warm instances "
                         "of the memory phase (default 100)")
    ap.add_argument("--deploy", type=int, default=1000,
                    help="functions deployed in the memory phase (default 1000; capped by "
                         "the server's limits)")
    ap.add_argument("--duration", type=float, default=10.0,
                    help="seconds of each measured wrk run (default 10)")
    ap.add_argument("--warm-seconds", type=float, default=5.0,
                    help="seconds of each concurrent wrk warm-up run (default 5)")
    ap.add_argument("--warm-rounds", type=int, default=6,
                    help="most warm-up runs per target; they stop after a run without a "
                         "cold start (default 6)")
    ap.add_argument("--deploy-threads", type=int, default=8,
                    help="client threads deploying functions (default 8)")
    ap.add_argument("--isolation", default=None,
                    help="passed to the server as --isolation (default: the server's auto)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run of 10-20 s: 10 rotating functions, 20 deployed and 10 "
                         "warm, 1 s wrk runs; exits 1 when a request failed")
    args = ap.parse_args()
    if args.quick:
        args.functions, args.deploy = 10, 20
        args.duration, args.warm_seconds, args.warm_rounds = 1.0, 1.0, 3
    if args.functions < 1:
        sys.exit("--functions must be at least 1")
    args.deploy = max(args.deploy, args.functions + 1)

    if shutil.which("wrk") is None:
        sys.exit("wrk not found; install it with `apt-get install -y wrk`")
    lib = load_yunfnlib(args.bin, args.isolation)
    if not os.path.exists(lib.BIN):
        sys.exit("no yunfn binary at %s (use --bin)" % lib.BIN)

    started = time.time()
    r = {"functions": args.functions, "deploy": args.deploy, "duration_s": args.duration,
         "cpus": os.cpu_count(), "wrk": "-t%d -c%d" % (WRK_THREADS, WRK_CONNECTIONS)}
    notes = []
    failed = throughput_phase(lib, args, r, notes)
    failed += memory_phase(lib, args, r, notes)
    r["total_seconds"] = round(time.time() - started, 1)
    r["notes"] = notes
    print_report(args, r)
    errors = failed + r["one"]["errors"] + r["many"]["errors"]
    if args.quick and errors:
        sys.exit("%d requests failed" % errors)


def throughput_phase(lib, args, r, notes):
    """Phase 1 on its own server: one function against args.functions round robin.
    Fills r; returns the number of failed first requests."""
    server = start_server(lib, "--idle-timeout", "600")
    tmp = tempfile.mkdtemp(prefix="yunfn-bench-many-")
    try:
        pid = server.proc.pid
        line = next((l for l in server.stdout_lines if "API listening" in l), "")
        m = re.search(r"isolation (\w+)", line)
        r["isolation"] = m.group(1) if m else "unknown"
        r["server_rss_kb_start"] = vm_rss_kb(pid)
        bench = Bench(lib, server, args.deploy_threads)
        r["server_limits"] = {"namespaces": bench.max_namespaces,
                              "functions_per_namespace": bench.per_namespace}
        if args.functions + 1 > bench.capacity:
            notes.append("--functions %d reduced to %d: the server allows %d namespaces of %d "
                         "functions" % (args.functions, bench.capacity - 1,
                                        bench.max_namespaces, bench.per_namespace))
            args.functions = r["functions"] = bench.capacity - 1
        if args.deploy > bench.capacity:
            notes.append("%d functions asked for, %d deployed: the server allows %d namespaces "
                         "of %d functions (GetAccount AccountLimit)"
                         % (args.deploy, bench.capacity, bench.max_namespaces,
                            bench.per_namespace))
            args.deploy = bench.capacity
        # Function 0 is the single one, 1..functions rotate.
        single = bench.layout(0, 1)[0]
        many = bench.layout(1, args.functions)
        r["deploy_first_s"] = round(bench.deploy([single] + many), 2)
        sys.stderr.write("deployed %d functions in %.1f s\n"
                         % (len(many) + 1, r["deploy_first_s"]))

        # The first request of each function is its cold start.
        t0 = time.time()
        bench.failed += bench.request_all([single] + many, threads=4)
        r["first_requests_s"] = round(time.time() - t0, 2)
        bench.settle()
        r["instances_first"] = len(child_pids(pid))
        r["server_rss_kb_first"] = vm_rss_kb(pid)
        script = rotating_paths_script(os.path.join(tmp, "rotate.lua"),
                                       [bench.path(fn) for fn in many])
        # Concurrent warm-up runs start the extra instances the c32 runs need, until one
        # starts none; a generous timeout so that cold starts are not counted as errors.
        for key, url, fns, lua in (("one", bench.url(single), [single], None),
                                   ("many", bench.base + "/", many, script)):
            before = (bench.cold_starts(fns), len(child_pids(pid)))
            rounds = 0
            while rounds < args.warm_rounds:
                rounds += 1
                bench.wrk(url, args.warm_seconds, script=lua, timeout_s=60)
                bench.settle()
                after = (bench.cold_starts(fns), instances_when_started(pid))
                if after == before:
                    break  # a round that started no instance: every function has its own
                before = after
            before = before[0]
            r[key + "_warm_rounds"] = rounds
            r[key] = bench.wrk(url, args.duration, script=lua)
            bench.settle()
            r[key]["cold_starts"] = bench.cold_starts(fns) - before
            r[key]["instances"] = len(child_pids(pid))
            sys.stderr.write("  %s: %s\n" % (key, r[key]))
        one_rps, many_rps = r["one"]["requests_per_s"], r["many"]["requests_per_s"]
        r["ratio"] = round(many_rps / one_rps, 3) if one_rps else None
        r["cold_starts"] = bench.cold_starts([single] + many)
        r["instances_warm"] = len(child_pids(pid))
        r["server_rss_kb_warm"] = vm_rss_kb(pid)
        return bench.failed
    except BaseException:
        sys.stderr.write(server.diagnostics() + "\n")
        raise
    finally:
        server.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


def memory_phase(lib, args, r, notes):
    """Phase 2 on a fresh server: args.deploy functions deployed, then one request to
    each of the first args.functions (one warm instance each). Fills r; returns the
    number of failed requests."""
    server = start_server(lib, "--idle-timeout", "600")
    try:
        pid = server.proc.pid
        bench = Bench(lib, server, args.deploy_threads)
        r["memory_server_rss_kb_start"] = vm_rss_kb(pid)
        functions = bench.layout(0, min(args.deploy, bench.capacity))
        r["deploy_all_s"] = round(bench.deploy(functions), 2)
        sys.stderr.write("deployed %d functions in %.1f s\n" % (len(functions),
                                                                r["deploy_all_s"]))
        r["functions_deployed"] = bench.deployed()
        r["namespaces"] = len(bench.namespaces)
        r["memory_instances_deployed"] = len(child_pids(pid))
        r["memory_server_rss_kb_deployed"] = vm_rss_kb(pid)
        warm = functions[:args.functions]
        t0 = time.time()
        bench.failed += bench.request_all(warm, threads=4)
        r["memory_first_requests_s"] = round(time.time() - t0, 2)
        bench.settle()
        # Once more: every request now finds its function's instance idle.
        bench.failed += bench.request_all(warm, threads=4)
        bench.settle()
        r["memory_warm_functions"] = len(warm)
        r["memory_cold_starts"] = bench.cold_starts(warm)
        r["memory_instances_warm"] = len(child_pids(pid))
        r["memory_server_rss_kb_warm"] = vm_rss_kb(pid)
        return bench.failed
    except BaseException:
        sys.stderr.write(server.diagnostics() + "\n")
        raise
    finally:
        server.cleanup()


def print_report(args, r):
    print("yunfn many-functions benchmark: %s, isolation %s, %d CPUs%s"
          % (args.bin, r.get("isolation"), r["cpus"] or 0,
             " (--quick smoke run)" if args.quick else ""))
    print("1. throughput: %d functions deployed (CreateFunction + CreateTrigger, %d client "
          "threads) in %.1f s; first request of each (its cold start, 4 client threads) in "
          "%.1f s" % (args.functions + 1, args.deploy_threads, r["deploy_first_s"],
                      r["first_requests_s"]))
    print("   wrk %s through the gateway, %g s per run; warm-up runs of %g s until one starts "
          "no instance (at most %d): %d for 1 function, %d for %d functions%s"
          % (r["wrk"], args.duration, args.warm_seconds, args.warm_rounds, r["one_warm_rounds"],
             r["many_warm_rounds"], args.functions,
             "" if max(r["one_warm_rounds"], r["many_warm_rounds"]) < args.warm_rounds
             else " (the last still started instances)"))
    for key, label in (("one", "1 function"),
                       ("many", "%d functions, round robin" % args.functions)):
        x = r[key]
        print("   %-28s %9s requests/s, p50 %s ms, p90 %s ms, p99 %s ms, errors %d, "
              "cold starts during the run %d (%d instances after it)"
              % (label, fmt(x["requests_per_s"]), fmt(x["p50_ms"], "%.2f"),
                 fmt(x["p90_ms"], "%.2f"), fmt(x["p99_ms"], "%.2f"), x["errors"],
                 x["cold_starts"], x["instances"]))
    print("   ratio %d functions / 1 function: %s (target >= %.1f)"
          % (args.functions, fmt(r["ratio"], "%.3f"), RATIO_TARGET))
    print("2. memory, on a fresh server: %d functions deployed in %d namespace%s in %.1f s%s"
          % (r["functions_deployed"], r["namespaces"], "" if r["namespaces"] == 1 else "s",
             r["deploy_all_s"], " (%.0f functions/s)" % (r["functions_deployed"] /
                                                          r["deploy_all_s"])
             if r["deploy_all_s"] else ""))
    print("   then one request to %d of them (cold starts, %.1f s) and one more each "
          "(%d cold starts in all)" % (r["memory_warm_functions"],
                                        r["memory_first_requests_s"], r["memory_cold_starts"]))
    print("server RSS (VmRSS of the server process):")
    rows = (("1. at start", r["server_rss_kb_start"]),
            ("1. %d functions, %d instances (after the first requests)"
             % (args.functions + 1, r["instances_first"]), r["server_rss_kb_first"]),
            ("1. %d functions, %d instances (after the wrk runs)"
             % (args.functions + 1, r["instances_warm"]), r["server_rss_kb_warm"]),
            ("2. at start", r["memory_server_rss_kb_start"]),
            ("2. %d functions, %d instances" % (r["functions_deployed"],
                                               r["memory_instances_deployed"]),
             r["memory_server_rss_kb_deployed"]),
            ("2. %d functions, %d warm instances" % (r["functions_deployed"],
                                                    r["memory_instances_warm"]),
             r["memory_server_rss_kb_warm"]))
    width = max(len(label) for label, _ in rows)
    for label, kb in rows:
        print("   %s  %6s MB" % (label.ljust(width), fmt(mb(kb))))
    print("   target: <= %g MB with 1,000 functions deployed and 100 warm instances: %s"
          % (RSS_TARGET_MB, "met" if mb(r["memory_server_rss_kb_warm"]) <= RSS_TARGET_MB
             else "NOT met") + ("" if r["functions_deployed"] >= 1000 else
                                " (at %d functions)" % r["functions_deployed"]))
    for note in r["notes"]:
        print("note: " + note)
    print("total benchmark time %.0f s" % r["total_seconds"])
    print("JSON " + json.dumps(r, sort_keys=True))

if __name__ == "__main__":
    main()
