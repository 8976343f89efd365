#!/usr/bin/env python3
"""Async invocation benchmark of a local yunfn server (Python 3 standard library only).

    python3 bench/async_bench.py --bin build/yunfn

Starts its own servers on free ports and temporary data directories, then measures:

1. Durable enqueue rate: async Invokes (InvocationType Event) answered per second, each
   answer given only after the event is stored, from one client and from 16 client
   threads (one persistent connection each). The dispatcher is kept busy with a
   sleeping event (--async-concurrency 1), so the rate is that of accepting, not of
   running.
2. End-to-end drain: N no-op async events at --async-concurrency 16 and 64, from the
   first enqueue to the EndTime of the last FINISHED event (ListAsyncEvents ordered by
   EndTime). The events are enqueued by 16 threads while the dispatcher already runs
   them; both the enqueue and the drain rate are reported. N is 100,000 unless a
   calibration run shows that it would not finish within --drain-budget seconds; then
   the largest N that fits is used and the report says so.
3. Accept-to-start delay when idle: 200 sequential async events 50 ms apart against a
   warm function that prints time.time() when it starts; the delay is that time minus
   the client's send time (read back from GetFunctionLogs). p50/p90/p99/max.

Everything runs on this machine, so the clients share the CPUs with the server and the
function instances; numbers are for comparison between yunfn builds on the same machine.
--quick is a smoke run of a few seconds (small counts, one drain at concurrency 4) that
checks the script works; it exits 1 when an event failed or was not accepted.
"""

import argparse
import calendar
import os
import re
import statistics
import sys
import threading
import time

from benchlib import load_yunfnlib, percentile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

NOOP = r'''
def main_handler(event, context):
    return "ok"
'''

SLEEPER = r'''
import time


def main_handler(event, context):
    time.sleep(float(event.get("sleep", 0)))
    return "ok"
'''

STAMP = r'''
import time


def main_handler(event, context):
    print("STARTED_AT %.6f" % time.time())
    return "ok"
'''

STARTED_RE = re.compile(r"STARTED_AT ([0-9.]+)")


def parse_event_time(text):
    """"YYYY-MM-DD HH:MM:SS.ffffff" (UTC) -> Unix seconds (float)."""
    whole, _, frac = text.partition(".")
    secs = calendar.timegm(time.strptime(whole, "%Y-%m-%d %H:%M:%S"))
    return secs + (float("0." + frac) if frac else 0.0)


class Bench:
    def __init__(self, lib, isolation_args):
        self.lib = lib
        self.isolation_args = isolation_args
        self.results = {}
        self.failures = 0  # enqueue errors and events that did not finish

    def start_server(self, *extra):
        server = self.lib.Server(extra_args=list(self.isolation_args) + list(extra) +
                                 ["--idle-timeout", "600"])
        server.start()
        line = next((l for l in server.stdout_lines if "API listening" in l), "")
        m = re.search(r"isolation (\w+)", line)
        self.results["isolation"] = m.group(1) if m else "unknown"
        return server

    def function(self, client, prefix, code, timeout=30):
        name = self.lib.unique_name(prefix)
        self.lib.create_function(client, name, files={"index.py": code}, timeout=timeout)
        return name

    def enqueue(self, server, name, count, threads, event=None):
        """Queues `count` events from `threads` threads; returns (first send time,
        last answer time, error count)."""
        errors = [0]
        lock = threading.Lock()
        params = self.lib.async_invoke_params(name, event or {})
        per = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]
        barrier = threading.Barrier(threads + 1)

        def worker(n):
            client = self.lib.KeepAliveClient(server.host, server.port)
            barrier.wait()
            bad = 0
            try:
                for i in range(n):
                    if "Error" in client.call("Invoke", params):
                        bad += 1
            except Exception as e:  # the server went away: count the rest as failed
                bad += n - i
                print("  enqueue thread stopped: %r" % e)
            finally:
                client.close()
            with lock:
                errors[0] += bad

        workers = [threading.Thread(target=worker, args=(n,), daemon=True) for n in per]
        for t in workers:
            t.start()
        barrier.wait()
        t0 = time.time()
        for t in workers:
            t.join()
        return t0, time.time(), errors[0]

    # -- 1. enqueue rate ------------------------------------------------------------

    def enqueue_rate(self, single_count, multi_count, warmup=200):
        server = self.start_server("--async-concurrency", "1")
        try:
            client = server.client()
            busy = self.function(client, "bench-busy", SLEEPER, timeout=900)
            self.lib.async_invoke(client, busy, {"sleep": 900})  # holds the only slot
            target = self.function(client, "bench-enq", NOOP)
            self.enqueue(server, target, warmup, 1)  # warm-up
            for label, count, threads in (("1 client", single_count, 1),
                                          ("16 clients", multi_count, 16)):
                t0, t1, errors = self.enqueue(server, target, count, threads)
                rate = count / (t1 - t0)
                self.results["enqueue %s" % label] = rate
                self.failures += errors
                print("  enqueue, %-10s: %6d events in %5.1f s = %7.0f events/s (%d errors)"
                      % (label, count, t1 - t0, rate, errors))
        finally:
            server.cleanup()

    # -- 2. drain -------------------------------------------------------------------

    def drain_once(self, server, count, timeout):
        client = server.client()
        name = self.function(client, "bench-drain", NOOP)
        # One warm-up event so the first instance's cold start is not in the numbers.
        rid = self.lib.async_invoke(client, name)
        self.lib.wait_async_status(client, rid, timeout=60)
        t0, t_enq, errors = self.enqueue(server, name, count, 16)
        deadline = time.time() + timeout
        finished = 0
        while time.time() < deadline:
            finished = self.lib.async_event_count(client, name, ["FINISHED"])
            if finished >= count + 1:
                break
            time.sleep(0.5)
        last = client.ok("ListAsyncEvents", {"FunctionName": name, "Status": ["FINISHED"],
                                             "Orderby": "EndTime", "Order": "DESC",
                                             "Limit": 1})["EventList"]
        t_end = parse_event_time(last[0]["EndTime"]) if last else time.time()
        failed = self.lib.async_event_count(client, name, ["FAILED", "ABORTED"])
        return {"count": count, "enqueue_s": t_enq - t0, "drain_s": t_end - t0,
                "finished": finished - 1, "failed": failed, "errors": errors,
                "complete": finished >= count + 1}

    def drain(self, concurrencies, target, budget_s, calibrate_count):
        for conc in concurrencies:
            server = self.start_server("--async-concurrency", str(conc))
            try:
                self.drain_with_server(server, conc, target, budget_s, calibrate_count)
            except Exception:
                if not server.alive():
                    print("  the server died (exit code %s):\n%s"
                          % (server.proc.returncode, server.diagnostics(40)))
                raise
            finally:
                server.cleanup()

    def drain_with_server(self, server, conc, target, budget_s, calibrate_count):
        """A calibration run, then the measured run (reduced to fit the budget)."""
        cal = self.drain_once(server, calibrate_count, timeout=budget_s)
        cal_rate = cal["finished"] / max(cal["drain_s"], 1e-3)
        count = target
        note = ""
        if target / cal_rate > budget_s:
            count = max(calibrate_count, int(cal_rate * budget_s) // 1000 * 1000)
            note = (" (reduced from %d: calibration drained %.0f/s, %d would take "
                    "about %.0f s)" % (target, cal_rate, target, target / cal_rate))
        r = self.drain_once(server, count, timeout=max(3 * budget_s, 120))
        self.failures += r["failed"] + r["errors"] + (0 if r["complete"] else 1)
        enq_rate = r["count"] / r["enqueue_s"]
        drain_rate = r["finished"] / r["drain_s"]
        self.results["drain c=%d" % conc] = dict(r, enqueue_rate=enq_rate,
                                                 drain_rate=drain_rate, note=note)
        print("  drain, concurrency %2d: %6d events%s" % (conc, count, note))
        print("      enqueued in %5.1f s (%6.0f events/s while draining), "
              "all finished %5.1f s after the first enqueue = %6.0f events/s"
              % (r["enqueue_s"], enq_rate, r["drain_s"], drain_rate))
        print("      finished %d, failed/aborted %d, enqueue errors %d%s"
              % (r["finished"], r["failed"], r["errors"],
                 "" if r["complete"] else "  (NOT COMPLETE: timed out)"))

    # -- 3. accept-to-start delay ---------------------------------------------------

    def start_delay(self, count, gap_s):
        server = self.start_server()
        try:
            client = server.client()
            name = self.function(client, "bench-delay", STAMP)
            self.lib.wait_async_status(client, self.lib.async_invoke(client, name), timeout=60)
            conn = self.lib.KeepAliveClient(server.host, server.port)
            sent = {}
            for _ in range(count):
                t = time.time()
                rid = conn.ok("Invoke", self.lib.async_invoke_params(name))["Result"][
                    "FunctionRequestId"]
                sent[rid] = t
                time.sleep(gap_s)
            conn.close()
            delays = []
            for rid, t in sent.items():
                self.lib.wait_async_status(client, rid, timeout=60)
                logs = client.ok("GetFunctionLogs", {"FunctionName": name,
                                                     "FunctionRequestId": rid})
                m = STARTED_RE.search((logs["Data"] or [{}])[0].get("Log", ""))
                if m:
                    delays.append(float(m.group(1)) - t)
            stats = {"n": len(delays), "p50": percentile(delays, 50),
                     "p90": percentile(delays, 90), "p99": percentile(delays, 99),
                     "max": max(delays) if delays else None,
                     "mean": statistics.mean(delays) if delays else None}
            self.results["start delay"] = stats
            self.failures += count - len(delays)
            print("  accept-to-start delay, idle (%d events, %d ms apart): p50 %.1f ms, "
                  "p90 %.1f ms, p99 %.1f ms, max %.1f ms"
                  % (stats["n"], gap_s * 1000, stats["p50"] * 1000, stats["p90"] * 1000,
                     stats["p99"] * 1000, stats["max"] * 1000))
        finally:
            server.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "yunfn"),
                    help="the yunfn binary (default build/yunfn)")
    ap.add_argument("--isolation", default=None,
                    help="passed to the server as --isolation (default: server default)")
    ap.add_argument("--events", type=int, default=100000,
                    help="events of each drain run (default 100000)")
    ap.add_argument("--drain-budget", type=float, default=75,
                    help="seconds one drain run may take before N is reduced (default 75)")
    ap.add_argument("--enqueue-single", type=int, default=3000,
                    help="events enqueued by the single client (default 3000)")
    ap.add_argument("--enqueue-multi", type=int, default=20000,
                    help="events enqueued by the 16 clients (default 20000)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run of a few seconds: small counts, one drain at "
                         "concurrency 4, 20 delay samples; exits 1 when an event failed")
    args = ap.parse_args()
    concurrencies, calibrate, warmup, delay_events = (16, 64), 2000, 200, 200
    if args.quick:
        args.events, args.enqueue_single, args.enqueue_multi = 300, 100, 300
        concurrencies, calibrate, warmup, delay_events = (4,), 100, 20, 20

    yunfnlib = load_yunfnlib(args.bin, None)

    if not os.path.exists(yunfnlib.BIN):
        sys.exit("no yunfn binary at %s (use --bin)" % yunfnlib.BIN)
    isolation_args = ["--isolation", args.isolation] if args.isolation else []
    bench = Bench(yunfnlib, isolation_args)
    started = time.time()
    print("yunfn async benchmark (%s, %d CPUs)%s" % (args.bin, os.cpu_count() or 0,
                                                    " (--quick smoke run)" if args.quick else ""))
    bench.enqueue_rate(args.enqueue_single, args.enqueue_multi, warmup)
    bench.drain(concurrencies, args.events, args.drain_budget, calibrate_count=calibrate)
    bench.start_delay(delay_events, 0.05)
    print("  isolation %s; total benchmark time %.0f s"
          % (bench.results.get("isolation"), time.time() - started))
    if args.quick and bench.failures:
        sys.exit("%d events failed, were not accepted or not measured" % bench.failures)


if __name__ == "__main__":
    main()
