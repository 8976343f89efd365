#!/usr/bin/env python3
"""API latency of a local yunfn server under a data-plane burst.

    python3 bench/api_burst_bench.py --bin build/yunfn

Starts its own server (free API and gateway ports, temporary data directory, through
tests/integration/yunfnlib.py whose TC3 signing it reuses) with the scale-up limit and
the account quota raised above the burst (--scale-burst, --scale-per-minute,
--account-quota-mb), and deploys two Python functions behind apigw triggers: one that
sleeps --sleep seconds (default 2) and a no-op one. Then:

1. `wrk -t2 -c32` runs on the warm no-op function for the whole measurement;
2. after --steady-seconds of that load alone, --cold-starts (default 1000) gateway
   requests to the sleeping function, one thread each, are released at once by a
   barrier, starting from zero instances of it: a burst of cold starts;
3. all along, a client thread calls GetAccount and then ListFunctions every
   --interval-ms (default 20), one new connection per call, as a CLI or a console
   would.

Printed: p50 / p99 / max latency of each API action with the steady load alone and
during the burst (from its release until its last request answered, at least
--min-seconds; target p99 <= 50 ms), the burst's outcome (answers, cold starts and
maximum concurrent executions from GetFunctionMetrics, request latencies) and the wrk
numbers of the no-op function. One line `JSON {...}` holds every number.

The client threads, wrk, the server and the instances share the machine's CPUs; the
numbers compare builds on one machine. --quick is a smoke run of a few seconds (20 cold
starts of a function sleeping 1 s, a window of at least 3 s) that checks the script
works; it exits 1 when a request or an API call failed.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

from benchlib import child_pids, load_yunfnlib, parse_wrk, percentile, run_wrk, wrk_command

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

PY_RUNTIME = "Python3.9"
SLEEPER = '''
import time


def main_handler(event, context):
    time.sleep(%r)
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "slept"}
'''
NOOP = '''
def main_handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "ok"}
'''
ACTIONS = ("GetAccount", "ListFunctions")
P99_TARGET_MS = 50.0
WRK_THREADS, WRK_CONNECTIONS = 2, 32


def ms(seconds):
    return None if seconds is None else round(seconds * 1000.0, 2)


def fmt(v, spec="%.1f"):
    return "-" if v is None else spec % v


def gateway_get(port, path, timeout):
    """(status, body, seconds) of one GET to the gateway on a new connection."""
    started = time.time()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, body, time.time() - started
    finally:
        conn.close()


class ApiProbe(threading.Thread):
    """Calls each of ACTIONS every `interval` seconds (one new connection per call)
    and records (start time, action, seconds, error or None)."""

    def __init__(self, lib, server, interval):
        super().__init__(daemon=True)
        self.lib = lib
        self.client = server.client()
        self.interval = interval
        self.samples = []
        self.stop = threading.Event()

    def run(self):
        next_tick = time.time()
        while not self.stop.is_set():
            for action in ACTIONS:
                params = {"Limit": 20} if action == "ListFunctions" else {}
                o = self.lib.call_outcome(self.client, action, params, timeout=60)
                self.samples.append((o.started, action, o.finished - o.started,
                                     None if o.ok else "%s: %s" % (o.code, o.message)))
            next_tick += self.interval
            delay = next_tick - time.time()
            if delay > 0:
                self.stop.wait(delay)
            else:
                next_tick = time.time()  # late: no catch-up burst

    def summary(self, t0, t1):
        out = {}
        for action in ACTIONS:
            lat = [s[2] for s in self.samples if s[1] == action and t0 <= s[0] < t1]
            errors = [s[3] for s in self.samples if s[1] == action and t0 <= s[0] < t1 and s[3]]
            out[action] = {"calls": len(lat), "errors": len(errors),
                           "first_error": errors[0] if errors else None,
                           "p50_ms": ms(percentile(lat, 50)), "p99_ms": ms(percentile(lat, 99)),
                           "max_ms": ms(max(lat)) if lat else None}
        return out


def burst(port, path, n, timeout):
    """n gateway GETs, one thread each, released at once: (release time, [(status,
    body, seconds) or (None, error, seconds)], done time of the last)."""
    release = [None]
    barrier = threading.Barrier(n, action=lambda: release.__setitem__(0, time.time()))
    results = [None] * n
    ends = [None] * n

    def worker(i):
        barrier.wait()
        try:
            results[i] = gateway_get(port, path, timeout)
        except Exception as e:  # reported as a failed request
            results[i] = (None, repr(e), time.time() - release[0])
        ends[i] = time.time()

    threading.stack_size(256 * 1024)
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n)]
    threading.stack_size(0)
    for t in threads:
        t.start()
    return release, results, ends, threads


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "yunfn"),
                    help="the yunfn binary (default build/yunfn)")
    ap.add_argument("--cold-starts", type=int, default=1000,
                    help="concurrent requests of the burst, from zero instances (default 1000)")
    ap.add_argument("--sleep", type=float, default=2.0,
                    help="seconds the burst's function sleeps (default 2)")
    ap.add_argument("--interval-ms", type=float, default=20.0,
                    help="period of the GetAccount + ListFunctions probe (default 20 ms)")
    ap.add_argument("--steady-seconds", type=float, default=5.0,
                    help="seconds of the wrk load alone before the burst (default 5)")
    ap.add_argument("--min-seconds", type=float, default=5.0,
                    help="shortest window measured from the burst's release (default 5)")
    ap.add_argument("--isolation", default=None,
                    help="passed to the server as --isolation (default: the server's auto)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run of a few seconds: 20 cold starts of a function sleeping "
                         "1 s, a 3 s window; exits 1 when a request or API call failed")
    args = ap.parse_args()
    if args.quick:
        args.cold_starts, args.sleep = 20, 1.0
        args.steady_seconds, args.min_seconds = 1.0, 3.0
    n = max(1, args.cold_starts)

    if shutil.which("wrk") is None:
        sys.exit("wrk not found; install it with `apt-get install -y wrk`")
    lib = load_yunfnlib(args.bin, args.isolation)
    if not os.path.exists(lib.BIN):
        sys.exit("no yunfn binary at %s (use --bin)" % lib.BIN)

    # Room for the burst and the wrk load's instances: quota in 128 MB units, the
    # scale-up limit (default 1000 at once, then 500 a minute) above both.
    room = n + 4 * WRK_CONNECTIONS
    flags = ["--idle-timeout", "600",
             "--account-quota-mb", str(max(128000, room * 128)),
             "--scale-burst", str(max(1000, room)),
             "--scale-per-minute", str(max(500, room))]
    r = {"cold_starts_requested": n, "sleep_s": args.sleep, "interval_ms": args.interval_ms,
         "cpus": os.cpu_count(), "server_flags": flags}
    started = time.time()
    server = lib.Server(extra_args=flags)
    try:
        server.start()
    except BaseException:
        server.cleanup()
        raise
    wrk_proc = None
    probe = None
    try:
        line = next((l for l in server.stdout_lines if "API listening" in l), "")
        m = re.search(r"isolation (\w+)", line)
        r["isolation"] = m.group(1) if m else "unknown"
        client = server.client()
        port = server.gateway_port
        timeout = args.sleep + 900
        for name, code in (("burst-sleeper", SLEEPER % args.sleep), ("burst-noop", NOOP)):
            lib.create_function(client, name, files={"index.py": code}, runtime=PY_RUNTIME,
                                timeout=max(30, int(args.sleep) + 30), init_timeout=300,
                                extra={"PublicNetConfig": {"PublicNetStatus": "DISABLE"}})
            lib.create_apigw_trigger(client, name, "bench-apigw", path="/", method="ANY",
                                     serviceTimeout=900)
        sleeper_path, noop_path = "/default/burst-sleeper/", "/default/burst-noop/"

        # Warm no-op instances for the wrk load: a first request, then concurrent
        # warm-up runs until one needs no new instance (at most 4).
        status, body, _ = gateway_get(port, noop_path, 60)
        if status != 200:
            raise RuntimeError("no-op function answered %s: %r" % (status, body[:300]))
        noop_url = "http://127.0.0.1:%d%s" % (port, noop_path)
        before = lib.cold_starts(client, "burst-noop", "$LATEST")
        for _ in range(4):
            run_wrk(noop_url, WRK_THREADS, WRK_CONNECTIONS, 1 if args.quick else 3, timeout_s=60)
            deadline = time.time() + 60
            while client.ok("GetAccount")["AccountUsage"]["ConcurrencyMemInUse"] \
                    and time.time() < deadline:
                time.sleep(0.1)
            after = lib.cold_starts(client, "burst-noop", "$LATEST")
            if after == before:
                break
            before = after
        r["noop_instances"] = lib.cold_starts(client, "burst-noop", "$LATEST")

        # The measurement: wrk until stopped, the probe, then the burst.
        wrk_proc = subprocess.Popen(
            wrk_command(noop_url, WRK_THREADS, WRK_CONNECTIONS, 3600, timeout_s=10),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        probe = ApiProbe(lib, server, args.interval_ms / 1000.0)
        t_steady = time.time()
        probe.start()
        time.sleep(args.steady_seconds)
        cold_before = lib.cold_starts(client, "burst-sleeper", "$LATEST")
        release, results, ends, threads = burst(port, sleeper_path, n, timeout)
        for t in threads:
            t.join(timeout + 60)
        t_burst = release[0]
        t_done = max(e for e in ends if e is not None) if any(ends) else time.time()
        wait = t_burst + args.min_seconds - time.time()
        if wait > 0:
            time.sleep(wait)
        t_end = time.time()
        probe.stop.set()
        probe.join(120)
        wrk_proc.send_signal(signal.SIGINT)  # wrk prints its report when interrupted
        out, err = wrk_proc.communicate(timeout=60)
        wrk_proc = None
        r["wrk"] = parse_wrk(out, "wrk (stopped by SIGINT): " + err)
        r["wrk"]["seconds"] = round(t_end - t_steady, 1)

        r["api_steady"] = probe.summary(t_steady, t_burst)
        r["api_burst"] = probe.summary(t_burst, t_end)
        r["steady_seconds"] = round(t_burst - t_steady, 1)
        r["window_seconds"] = round(t_end - t_burst, 1)
        ok = [x for x in results if x and x[0] == 200 and x[1] == b"slept"]
        failed = [x for x in results if not (x and x[0] == 200 and x[1] == b"slept")]
        by_version, _ = lib.function_metrics(client, "burst-sleeper")
        metrics = by_version.get("$LATEST", {})
        r["burst"] = {
            "requests": n, "ok": len(ok), "failed": len(failed),
            "first_failure": None if not failed else repr(failed[0])[:300],
            "all_answered_s": round(t_done - t_burst, 2),
            "latency_p50_ms": ms(percentile([x[2] for x in ok], 50)),
            "latency_max_ms": ms(max(x[2] for x in ok)) if ok else None,
            "cold_starts": metrics.get("ColdStarts", 0) - cold_before,
            "max_concurrent_executions": metrics.get("MaxConcurrentExecutions"),
            "throttles": metrics.get("Throttles"),
        }
        r["instances_after"] = len(child_pids(server.proc.pid))
    except BaseException:
        sys.stderr.write(server.diagnostics() + "\n")
        raise
    finally:
        if probe is not None:
            probe.stop.set()
        if wrk_proc is not None:
            wrk_proc.kill()
            wrk_proc.wait()
        server.cleanup()
    r["total_seconds"] = round(time.time() - started, 1)

    b = r["burst"]
    print("yunfn API-under-burst benchmark: %s, isolation %s, %d CPUs%s"
          % (args.bin, r["isolation"], r["cpus"] or 0,
             " (--quick smoke run)" if args.quick else ""))
    print("burst: %d concurrent gateway requests to a Python function sleeping %g s, from 0 "
          "instances (server %s)" % (n, args.sleep, " ".join(flags)))
    print("  answered 200: %d, failed: %d%s" % (b["ok"], b["failed"],
                                              " (first: %s)" % b["first_failure"]
                                              if b["failed"] else ""))
    print("  cold starts %d, max concurrent executions %s, throttles %s"
          % (b["cold_starts"], b["max_concurrent_executions"], b["throttles"]))
    print("  all answered %.1f s after the release; request latency (incl. the %g s sleep) "
          "p50 %s ms, max %s ms" % (b["all_answered_s"], args.sleep, fmt(b["latency_p50_ms"]),
                                    fmt(b["latency_max_ms"])))
    w = r["wrk"]
    print("load: wrk %s on a warm no-op function (%d instances) over %.1f s: %s requests/s, "
          "p50 %s ms, p99 %s ms, errors %d"
          % ("-t%d -c%d" % (WRK_THREADS, WRK_CONNECTIONS), r["noop_instances"], w["seconds"],
             fmt(w["requests_per_s"]), fmt(w["p50_ms"], "%.2f"), fmt(w["p99_ms"], "%.2f"),
             w["errors"]))
    print("API latency, one call of each action every %g ms (new connection per call):"
          % args.interval_ms)
    for key, label in (("api_steady", "wrk load alone (%.1f s)" % r["steady_seconds"]),
                       ("api_burst", "during the burst (%.1f s)" % r["window_seconds"])):
        for action in ACTIONS:
            x = r[key][action]
            print("  %-28s %-14s p50 %7s ms, p99 %7s ms, max %7s ms (%d calls, %d errors)"
                  % (label, action, fmt(x["p50_ms"]), fmt(x["p99_ms"]), fmt(x["max_ms"]),
                     x["calls"], x["errors"]))
    worst = max((r["api_burst"][a]["p99_ms"] or 0) for a in ACTIONS)
    print("  p99 during the burst: %.1f ms (target <= %g ms: %s)"
          % (worst, P99_TARGET_MS, "met" if worst <= P99_TARGET_MS else "NOT met"))
    print("total benchmark time %.0f s" % r["total_seconds"])
    print("JSON " + json.dumps(r, sort_keys=True))
    api_errors = sum(r[k][a]["errors"] for k in ("api_steady", "api_burst") for a in ACTIONS)
    errors = b["failed"] + api_errors + w["errors"]
    if args.quick and errors:
        sys.exit("%d requests or API calls failed" % errors)


if __name__ == "__main__":
    main()
