#!/usr/bin/env python3
"""Core benchmark of a local yunfn server (Python 3 standard library only).

    python3 bench/core_bench.py --bin build/yunfn

Starts its own servers on free ports and temporary data directories (through
tests/integration/yunfnlib.py, whose TC3 signing it reuses), deploys a no-op Python
function (Python3.9) and a no-op Node.js function (Nodejs16.13, async handler) and
measures, through the signed Invoke API (sync, RequestResponse):

1. Cold start, first invoke after CreateFunction: client-side latency of the first
   invoke of a new function, and the InitDuration of its Init Report log line.
2. Warm sync invokes at concurrency 1 and 16: a fixed number of requests per case
   (threads with one persistent HTTP connection each), after a warm-up that starts the
   16 instances; invokes/s, p50 and p99 latency, errors.
3. Memory: VmRSS of the server process, and of one idle instance of each runtime
   (the instance processes are found as descendants of the server).
4. Cold start after reaping: a second server runs with --idle-timeout 1; after an
   invoke the benchmark waits 3 s (the reaper runs every second), checks that the
   instance processes are gone, and times the next invoke.

It prints a table, then the same numbers as one JSON line (prefixed "JSON "). The
clients run on the same machine as the server and the instances, so the numbers are
for comparing yunfn builds on one machine, not absolute capacity. --quick is a smoke
run of a few seconds (small counts, concurrency 1 and 4) that checks the script works.
"""

import argparse
import json
import os
import re
import statistics
import sys
import threading
import time

from benchlib import load_yunfnlib, percentile, vm_rss_kb

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

PY_RUNTIME = "Python3.9"
NODE_RUNTIME = "Nodejs16.13"

PY_NOOP = '''
def main_handler(event, context):
    return "ok"
'''

NODE_NOOP = '''
exports.main_handler = async (event, context) => {
  return "ok";
};
'''

RUNTIMES = (
    ("python", PY_RUNTIME, {"index.py": PY_NOOP}, "bootstrap.py"),
    ("nodejs", NODE_RUNTIME, {"index.js": NODE_NOOP}, "bootstrap.js"),
)

INIT_RE = re.compile(r"InitDuration:\s*([0-9.]+)\s*ms")


def ms(seconds):
    return None if seconds is None else round(seconds * 1000.0, 2)


# ----------------------------------------------------------------------------------------
# Processes
# ----------------------------------------------------------------------------------------

def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def children_map():
    """{ppid: [pid, ...]} for every process."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields follow the last ')'.
        fields = stat[stat.rfind(")") + 2:].split()
        out.setdefault(int(fields[1]), []).append(int(entry))
    return out


def descendants(root, kids):
    out, todo = [], list(kids.get(root, []))
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def instance_trees(server_pid):
    """One entry per instance: {runtime marker found, pids, rss_kb of the whole tree,
    rss_kb of the runtime process}. Each child of the server is one instance tree."""
    kids = children_map()
    trees = []
    for child in kids.get(server_pid, []):
        pids = [child] + descendants(child, kids)
        runtime_pid, marker = None, None
        for pid in pids:
            cmd = cmdline(pid)
            for _, _, _, boot in RUNTIMES:
                if boot in cmd:
                    runtime_pid, marker = pid, boot
        total = sum(vm_rss_kb(p) or 0 for p in pids)
        trees.append({"marker": marker, "pids": pids, "rss_kb": total,
                      "runtime_rss_kb": vm_rss_kb(runtime_pid) if runtime_pid else None})
    return trees


# ----------------------------------------------------------------------------------------
# Benchmark
# ----------------------------------------------------------------------------------------

class Bench:
    def __init__(self, lib, requests, max_case_s, concurrency=(1, 16)):
        self.lib = lib
        self.requests = requests
        self.max_case_s = max_case_s
        self.concurrency = tuple(concurrency)
        self.results = {"python": {}, "nodejs": {}}
        self.isolation = "unknown"

    def start_server(self, *extra):
        server = self.lib.Server(extra_args=list(extra))
        try:
            server.start()
        except BaseException:
            server.cleanup()  # removes the temporary directory too
            raise
        line = next((l for l in server.stdout_lines if "API listening" in l), "")
        m = re.search(r"isolation (\w+)", line)
        self.isolation = m.group(1) if m else "unknown"
        return server

    def deploy(self, client, key, runtime, files):
        name = self.lib.unique_name("bench-%s" % key)
        self.lib.create_function(client, name, files=files, runtime=runtime, timeout=30)
        return name

    def timed_invoke(self, client, name, log_type="None"):
        """(seconds, Result) of one sync invoke through a KeepAliveClient."""
        params = {"FunctionName": name, "InvocationType": "RequestResponse",
                  "ClientContext": "{}", "LogType": log_type}
        t0 = time.perf_counter()
        resp = client.ok("Invoke", params)
        took = time.perf_counter() - t0
        result = resp["Result"]
        if result.get("InvokeResult", 0) != 0:
            raise AssertionError("invoke of %s failed: %r" % (name, result))
        return took, result

    def cold_first_invoke(self, server, client, key, runtime, files, samples):
        """Creates `samples` functions and times the first invoke of each (through the
        keep-alive `client`); returns the name of the first (kept for the warm runs)."""
        latencies, inits, names = [], [], []
        for _ in range(samples):
            name = self.deploy(server.client(), key, runtime, files)
            took, result = self.timed_invoke(client, name, log_type="Tail")
            m = INIT_RE.search(result.get("Log") or "")
            if not m:
                raise AssertionError("first invoke of %s has no Init Report: %r" % (name, result))
            latencies.append(took)
            inits.append(float(m.group(1)) / 1000.0)
            names.append(name)
        self.results[key]["cold_first_ms"] = ms(statistics.median(latencies))
        self.results[key]["cold_first_init_ms"] = ms(statistics.median(inits))
        self.results[key]["cold_first_samples_ms"] = [ms(x) for x in latencies]
        for extra in names[1:]:
            client.ok("DeleteFunction", {"FunctionName": extra})
        return names[0]

    def run_case(self, server, name, threads, count):
        """`count` sync invokes from `threads` threads; returns (latencies, seconds, errors)."""
        per = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]
        lock = threading.Lock()
        latencies, errors = [], [0]
        barrier = threading.Barrier(threads + 1)
        stop_at = [None]
        params = {"FunctionName": name, "InvocationType": "RequestResponse",
                  "ClientContext": "{}", "LogType": "None"}

        def worker(n):
            client = self.lib.KeepAliveClient(server.host, server.port)
            mine, bad = [], 0
            barrier.wait()
            try:
                for _ in range(n):
                    if time.perf_counter() > stop_at[0]:
                        break
                    t0 = time.perf_counter()
                    resp = client.call("Invoke", params)
                    took = time.perf_counter() - t0
                    if "Error" in resp or resp["Result"].get("InvokeResult", 0) != 0:
                        bad += 1
                    else:
                        mine.append(took)
            finally:
                client.close()
            with lock:
                latencies.extend(mine)
                errors[0] += bad

        workers = [threading.Thread(target=worker, args=(n,), daemon=True) for n in per]
        for t in workers:
            t.start()
        stop_at[0] = time.perf_counter() + self.max_case_s
        barrier.wait()
        t0 = time.perf_counter()
        for t in workers:
            t.join()
        return latencies, time.perf_counter() - t0, errors[0]

    def warm(self, server, key, name):
        # Warm-up: enough concurrent rounds that the instances of the widest case exist
        # and are warm.
        widest = max(self.concurrency)
        self.run_case(server, name, widest, widest * 4)
        for threads in self.concurrency:
            lat, took, errors = self.run_case(server, name, threads, self.requests)
            done = len(lat) + errors
            self.results[key]["c%d" % threads] = {
                "requests": done, "ok": len(lat), "errors": errors,
                "seconds": round(took, 2),
                "invokes_per_s": round(len(lat) / took, 1) if took > 0 else None,
                "p50_ms": ms(percentile(lat, 50)), "p99_ms": ms(percentile(lat, 99)),
                "truncated": done < self.requests,
            }

    def memory(self, server):
        pid = server.proc.pid
        self.results["server_rss_kb"] = vm_rss_kb(pid)
        trees = instance_trees(pid)
        self.results["instances_alive"] = len(trees)
        for key, _, _, boot in RUNTIMES:
            mine = [t for t in trees if t["marker"] == boot]
            if mine:
                # Instances are alike; report the median one and the instance count.
                mine.sort(key=lambda t: t["rss_kb"])
                pick = mine[len(mine) // 2]
                self.results[key]["idle_instance_rss_kb"] = pick["rss_kb"]
                self.results[key]["idle_runtime_process_rss_kb"] = pick["runtime_rss_kb"]
                self.results[key]["idle_instance_processes"] = len(pick["pids"])
                self.results[key]["instances"] = len(mine)

    def after_reap(self, rounds):
        server = self.start_server("--idle-timeout", "1")
        try:
            client = self.lib.KeepAliveClient(server.host, server.port)
            names = {key: self.deploy(server.client(), key, runtime, files)
                     for key, runtime, files, _ in RUNTIMES}
            samples = {key: [] for key in names}
            inits = {key: [] for key in names}
            for key, name in names.items():
                self.timed_invoke(client, name)  # first start, not counted
            for _ in range(rounds):
                time.sleep(3.0)
                alive = instance_trees(server.proc.pid)
                if alive:
                    raise AssertionError("instances still alive 3 s after their last use with "
                                         "--idle-timeout 1: %r" % alive)
                for key, name in names.items():
                    took, result = self.timed_invoke(client, name, log_type="Tail")
                    m = INIT_RE.search(result.get("Log") or "")
                    if not m:
                        raise AssertionError("invoke after reaping was not a cold start: %r"
                                             % result)
                    samples[key].append(took)
                    inits[key].append(float(m.group(1)) / 1000.0)
            client.close()
            for key in names:
                self.results[key]["cold_after_reap_ms"] = ms(statistics.median(samples[key]))
                self.results[key]["cold_after_reap_init_ms"] = ms(statistics.median(inits[key]))
                self.results[key]["cold_after_reap_samples_ms"] = [ms(x) for x in samples[key]]
        finally:
            server.cleanup()

    def main_server(self, cold_samples):
        server = self.start_server("--idle-timeout", "600")
        try:
            client = self.lib.KeepAliveClient(server.host, server.port)
            names = {}
            for key, runtime, files, _ in RUNTIMES:
                names[key] = self.cold_first_invoke(server, client, key, runtime, files,
                                                    cold_samples)
            client.close()
            for key, name in names.items():
                self.warm(server, key, name)
            time.sleep(0.5)  # let the last responses settle; every instance is idle now
            self.memory(server)
        finally:
            server.cleanup()


def fmt(v, suffix=""):
    return "-" if v is None else "%s%s" % (v, suffix)


def print_table(r, concurrency):
    py, node = r["python"], r["nodejs"]
    rows = [("", "Python3.9", "Nodejs16.13")]

    def add(label, fn):
        rows.append((label, fn(py), fn(node)))

    add("cold start, first invoke after create (ms)",
        lambda x: "%s (init %s)" % (fmt(x.get("cold_first_ms")), fmt(x.get("cold_first_init_ms"))))
    add("cold start after idle reaping (ms)",
        lambda x: "%s (init %s)" % (fmt(x.get("cold_after_reap_ms")),
                                    fmt(x.get("cold_after_reap_init_ms"))))
    for c in concurrency:
        key = "c%d" % c
        add("warm invokes/s, concurrency %d" % c,
            lambda x: fmt(x.get(key, {}).get("invokes_per_s")))
        add("  p50 / p99 latency (ms), concurrency %d" % c,
            lambda x: "%s / %s" % (fmt(x.get(key, {}).get("p50_ms")),
                                   fmt(x.get(key, {}).get("p99_ms"))))
        add("  requests ok / errors, concurrency %d" % c,
            lambda x: "%s / %s%s" % (fmt(x.get(key, {}).get("ok")),
                                     fmt(x.get(key, {}).get("errors")),
                                     " (time cap hit)" if x.get(key, {}).get("truncated") else ""))
    add("idle instance RSS, whole tree (MB)",
        lambda x: fmt(None if x.get("idle_instance_rss_kb") is None
                      else round(x["idle_instance_rss_kb"] / 1024.0, 1)))
    add("  of which the runtime process (MB)",
        lambda x: fmt(None if x.get("idle_runtime_process_rss_kb") is None
                      else round(x["idle_runtime_process_rss_kb"] / 1024.0, 1)))
    add("  instances running after the c=%d case" % max(concurrency),
        lambda x: fmt(x.get("instances")))
    width = [max(len(row[i]) for row in rows) for i in range(3)]
    line = "+-%s-+-%s-+-%s-+" % tuple("-" * w for w in width)
    print(line)
    for i, row in enumerate(rows):
        print("| %s | %s | %s |" % tuple(row[j].ljust(width[j]) for j in range(3)))
        if i == 0:
            print(line)
    print(line)
    rss = r.get("server_rss_kb")
    print("server RSS with %s instances alive: %s MB" % (
        fmt(r.get("instances_alive")), fmt(None if rss is None else round(rss / 1024.0, 1))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "yunfn"),
                    help="the yunfn binary (default build/yunfn)")
    ap.add_argument("--requests", type=int, default=2000,
                    help="sync invokes per warm case (default 2000)")
    ap.add_argument("--max-case-seconds", type=float, default=25.0,
                    help="time cap of one warm case (default 25)")
    ap.add_argument("--cold-samples", type=int, default=3,
                    help="functions created per runtime for the first-invoke cold start")
    ap.add_argument("--isolation", default=None,
                    help="passed to the servers as --isolation (default: the server's auto)")
    ap.add_argument("--reap-rounds", type=int, default=3,
                    help="cold starts after reaping measured per runtime (3 s wait each)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run of a few seconds: 40 requests per warm case at "
                         "concurrency 1 and 4, one cold sample, one reap round; exits 1 "
                         "when an invoke failed")
    args = ap.parse_args()
    concurrency = (1, 16)
    if args.quick:
        args.requests, args.max_case_seconds = 40, 5.0
        args.cold_samples, args.reap_rounds = 1, 1
        concurrency = (1, 4)

    yunfnlib = load_yunfnlib(args.bin, args.isolation)

    if not os.path.exists(yunfnlib.BIN):
        sys.exit("no yunfn binary at %s (use --bin)" % yunfnlib.BIN)
    started = time.time()
    bench = Bench(yunfnlib, args.requests, args.max_case_seconds, concurrency)
    bench.main_server(args.cold_samples)
    bench.after_reap(args.reap_rounds)
    r = bench.results
    r["isolation"] = bench.isolation
    r["cpus"] = os.cpu_count()
    r["requests_per_case"] = args.requests
    r["total_seconds"] = round(time.time() - started, 1)
    print("yunfn core benchmark: %s, isolation %s, %d CPUs, %d requests per warm case%s"
          % (args.bin, r["isolation"], r["cpus"] or 0, args.requests,
             " (--quick smoke run)" if args.quick else ""))
    print_table(r, concurrency)
    print("total benchmark time %.0f s" % r["total_seconds"])
    print("JSON " + json.dumps(r, sort_keys=True))
    errors = sum((r[key].get("c%d" % c) or {}).get("errors", 0)
                 for key in ("python", "nodejs") for c in concurrency)
    if args.quick and errors:
        sys.exit("%d warm invokes failed" % errors)


if __name__ == "__main__":
    main()
