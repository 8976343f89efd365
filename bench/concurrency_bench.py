#!/usr/bin/env python3
"""Concurrency benchmark of a local yunfn server (Python 3 standard library only).

    python3 bench/concurrency_bench.py --bin build/yunfn

Starts its own server on a free port and a temporary data directory, then measures:

1. Scale-out: a burst of N (default 100) concurrent requests to a Python function
   that sleeps 2 s, starting from zero instances: the time until every request's
   handler has started (each handler reports its start time), the cold-start
   InitDuration from the "Init Report" log lines, and the request latencies.
2. Admission overhead: warm no-op invocations, sequential (p50/p90 latency) and
   from 4 client threads (invocations per second), first with no quota
   configured, then with a reserved quota on the function (the admission path
   that checks it), interleaved to cancel drift.
3. Cold starts under a step load (1 concurrent request for a few rounds, then
   10): cold starts and the step's slowest request without provisioning, then
   with 10 provisioned instances on the version.

Everything runs on this machine, so the client (signing, threads) shares the CPUs
with the server and the function instances; numbers are for comparison between
yunfn builds on the same machine, not absolute capacity. --quick is a smoke run of a
few seconds (4-wide burst, short admission runs, a 1 -> 3 step) that checks the
script works; it exits 1 when a request of the burst failed.
"""

import argparse
import json
import os
import re
import statistics
import sys
import threading
import time

from benchlib import load_yunfnlib, percentile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

SLEEPER = r'''
import time


def main_handler(event, context):
    started = time.time()
    time.sleep(float((event or {}).get("sleep", 0)))
    return {"started": started}
'''

NOOP = r'''
def main_handler(event, context):
    return "ok"
'''

INIT_RE = re.compile(r"Init Report RequestId: \S+ InitDuration: ([0-9.]+)ms")


def fmt_ms(seconds):
    return "n/a" if seconds is None else "%.1f ms" % (seconds * 1000.0)


class Bench:
    def __init__(self, lib, server):
        self.lib = lib
        self.server = server
        self.client = server.client()
        self.failed = 0  # failed requests of the scale-out burst

    # -- helpers --------------------------------------------------------------------

    def function(self, prefix, code, memory=128, timeout=30):
        name = self.lib.unique_name(prefix)
        self.lib.create_function(self.client, name, files={"index.py": code},
                                 memory=memory, timeout=timeout)
        return name

    def burst(self, name, n, event, qualifier=None):
        """n concurrent invokes released at once: (outcomes, release time)."""
        params = self.lib.invoke_params(name, event=event, qualifier=qualifier)
        release = [None]
        barrier = threading.Barrier(n, action=lambda: release.__setitem__(0, time.time()))
        results = [None] * n

        def worker(i):
            barrier.wait()
            results[i] = self.lib.call_outcome(self.client, "Invoke", params)

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        return results, release[0]

    def cold_starts(self, name, qualifier):
        return self.lib.cold_starts(self.client, name, qualifier)

    # -- 1. scale-out ---------------------------------------------------------------

    def scale_out(self, n, sleep_s):
        name = self.function("bench-scale", SLEEPER)
        # A side thread measures how the API answers while the instances start.
        api_lat, done = [], threading.Event()

        def api_probe():
            while not done.wait(0.2):
                o = self.lib.call_outcome(self.client, "GetAccount", {})
                api_lat.append(o.finished - o.started)

        prober = threading.Thread(target=api_probe, daemon=True)
        prober.start()
        outcomes, t0 = self.burst(name, n, {"sleep": sleep_s})
        done.set()
        prober.join()
        failed = [o for o in outcomes if not (o.ok and o.result.get("InvokeResult") == 0)]
        self.failed += len(failed)
        ok = [o for o in outcomes if o not in failed]
        starts = [json.loads(o.result["RetMsg"])["started"] - t0 for o in ok]
        inits = []
        for o in ok:
            m = INIT_RE.search(o.result.get("Log") or "")
            if m:
                inits.append(float(m.group(1)) / 1000.0)
        latencies = [o.finished - o.started for o in ok]
        by_version, _ = self.lib.function_metrics(self.client, name)
        m = by_version.get("$LATEST", {})
        print("1. scale-out: burst of %d concurrent requests, Python function sleeping %g s, "
              "from 0 instances" % (n, sleep_s))
        print("   succeeded %d, failed %d%s" % (len(ok), len(failed),
                                                (" (first: %r)" % failed[0]) if failed else ""))
        print("   cold starts %s, max concurrent executions %s"
              % (m.get("ColdStarts"), m.get("MaxConcurrentExecutions")))
        if (m.get("MaxConcurrentExecutions") or 0) < n:
            print("   (fewer than %d instances: requests that reached the server after the "
                  "first calls ended reused their instances; a longer --sleep holds all %d)"
                  % (n, n))
        if starts:
            print("   handler started: first after %s, half after %s, all %d after %s"
                  % (fmt_ms(min(starts)), fmt_ms(percentile(starts, 50)), len(starts),
                     fmt_ms(max(starts))))
        if inits:
            print("   InitDuration (Init Report): p50 %s, p90 %s, max %s"
                  % (fmt_ms(percentile(inits, 50)), fmt_ms(percentile(inits, 90)),
                     fmt_ms(max(inits))))
        if latencies:
            print("   request latency (incl. the %g s sleep): p50 %s, max %s"
                  % (sleep_s, fmt_ms(percentile(latencies, 50)), fmt_ms(max(latencies))))
        if api_lat:
            print("   GetAccount latency during the burst: p50 %s, max %s (%d calls)"
                  % (fmt_ms(percentile(api_lat, 50)), fmt_ms(max(api_lat)), len(api_lat)))
        self.client.delete_function(name)

    # -- 2. admission overhead --------------------------------------------------------

    def sequential(self, name, count):
        params = self.lib.invoke_params(name, log_type="None")
        lat = []
        for _ in range(count):
            o = self.lib.call_outcome(self.client, "Invoke", params)
            if not o.ok:
                raise RuntimeError("invoke failed: %r" % o)
            lat.append(o.finished - o.started)
        return lat

    def throughput(self, name, threads, seconds):
        params = self.lib.invoke_params(name, log_type="None")
        stop = time.time() + seconds
        counts = [0] * threads
        errors = []

        def worker(i):
            while time.time() < stop:
                o = self.lib.call_outcome(self.client, "Invoke", params)
                if o.ok:
                    counts[i] += 1
                else:
                    errors.append(o)

        started = time.time()
        ts = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        elapsed = time.time() - started
        if errors:
            raise RuntimeError("%d invokes failed, first %r" % (len(errors), errors[0]))
        return sum(counts) / elapsed

    def admission(self, seq_count, threads, seconds, rounds):
        name = self.function("bench-noop", NOOP)
        # Warm up as many instances as the throughput phase uses.
        self.burst(name, threads, {})
        self.sequential(name, min(50, seq_count))
        results = {"no quota": {"lat": [], "rate": []}, "reserved quota": {"lat": [], "rate": []}}
        for _ in range(rounds):
            for label in ("no quota", "reserved quota"):
                if label == "reserved quota":
                    self.client.ok("PutReservedConcurrencyConfig",
                                   {"FunctionName": name, "ReservedConcurrencyMem": 12800})
                else:
                    self.client.call("DeleteReservedConcurrencyConfig", {"FunctionName": name})
                results[label]["lat"].extend(self.sequential(name, seq_count))
                results[label]["rate"].append(self.throughput(name, threads, seconds))
        print("2. admission overhead: warm no-op Python invokes (%d round%s, interleaved)"
              % (rounds, "" if rounds == 1 else "s"))
        for label, r in results.items():
            print("   %-15s sequential p50 %s, p90 %s (%d calls); %d client threads: %.0f invokes/s"
                  % (label, fmt_ms(percentile(r["lat"], 50)), fmt_ms(percentile(r["lat"], 90)),
                     len(r["lat"]), threads, statistics.mean(r["rate"])))
        base = percentile(results["no quota"]["lat"], 50)
        quota = percentile(results["reserved quota"]["lat"], 50)
        print("   p50 difference with a reserved quota: %+.2f ms" % ((quota - base) * 1000.0))
        self.client.delete_function(name)

    # -- 3. step load with and without provisioning ------------------------------------

    def step_load(self, name, qualifier, low_rounds, high, high_rounds, sleep_s):
        """1 concurrent request for low_rounds rounds, then `high` concurrent for
        high_rounds rounds; returns (cold starts, slowest request of the first high round)."""
        before = self.cold_starts(name, qualifier)
        for _ in range(low_rounds):
            outs, _ = self.burst(name, 1, {"sleep": sleep_s}, qualifier)
            assert all(o.ok for o in outs), outs
        step_max = None
        for r in range(high_rounds):
            outs, _ = self.burst(name, high, {"sleep": sleep_s}, qualifier)
            assert all(o.ok for o in outs), outs
            if r == 0:
                step_max = max(o.finished - o.started for o in outs)
        return self.cold_starts(name, qualifier) - before, step_max

    def provisioning(self, high, sleep_s, rounds=3):
        plain = self.function("bench-step", SLEEPER)
        self.lib.publish_version(self.client, plain)
        cold_plain, slow_plain = self.step_load(plain, "1", rounds, high, rounds, sleep_s)

        prov = self.function("bench-prov", SLEEPER)
        self.lib.publish_version(self.client, prov)
        t0 = time.time()
        self.client.ok("PutProvisionedConcurrencyConfig",
                       {"FunctionName": prov, "Qualifier": "1",
                        "VersionProvisionedConcurrencyNum": high})
        self.lib.wait_provisioned(self.client, prov, "1", high, timeout=120)
        ready = time.time() - t0
        cold_prov, slow_prov = self.step_load(prov, "1", rounds, high, rounds, sleep_s)
        print("3. step load 1 -> %d concurrent (handler sleeps %.1f s; %d round%s each)"
              % (high, sleep_s, rounds, "" if rounds == 1 else "s"))
        print("   without provisioning: %d cold starts, slowest request of the step %s"
              % (cold_plain, fmt_ms(slow_plain)))
        print("   with %d provisioned (ready after %s): %d cold starts, slowest request of "
              "the step %s" % (high, fmt_ms(ready), cold_prov, fmt_ms(slow_prov)))
        print("   cold starts avoided: %d" % (cold_plain - cold_prov))
        self.client.call("DeleteProvisionedConcurrencyConfig",
                         {"FunctionName": prov, "Qualifier": "1"})
        self.client.delete_function(plain)
        self.client.delete_function(prov)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "yunfn"),
                    help="the yunfn binary (default build/yunfn)")
    ap.add_argument("--instances", type=int, default=100,
                    help="concurrent requests of the scale-out burst (default 100)")
    ap.add_argument("--sleep", type=float, default=2.0,
                    help="seconds the scale-out function sleeps (default 2)")
    ap.add_argument("--isolation", default=None,
                    help="passed to the server as --isolation (default: server default)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run of a few seconds: a 4-wide burst sleeping 0.5 s, short "
                         "admission runs, a 1 -> 3 step; exits 1 when a burst request failed")
    args = ap.parse_args()
    if args.quick:
        args.instances, args.sleep = 4, 0.5

    yunfnlib = load_yunfnlib(args.bin, args.isolation)

    if not os.path.exists(yunfnlib.BIN):
        sys.exit("no yunfn binary at %s (use --bin)" % yunfnlib.BIN)
    server = yunfnlib.Server(extra_args=["--idle-timeout", "600"])
    started = time.time()
    server.start()
    try:
        bench = Bench(yunfnlib, server)
        print("yunfn concurrency benchmark (%s, %d CPUs)%s"
              % (args.bin, os.cpu_count() or 0, " (--quick smoke run)" if args.quick else ""))
        bench.scale_out(args.instances, args.sleep)
        if args.quick:
            bench.admission(seq_count=30, threads=2, seconds=1, rounds=1)
            bench.provisioning(high=3, sleep_s=0.3, rounds=1)
        else:
            bench.admission(seq_count=300, threads=4, seconds=4, rounds=2)
            bench.provisioning(high=10, sleep_s=1.0)
        print("total benchmark time %.0f s" % (time.time() - started))
        if args.quick and bench.failed:
            sys.exit("%d requests of the scale-out burst failed" % bench.failed)
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
