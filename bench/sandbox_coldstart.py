#!/usr/bin/env python3
"""Cost of instance isolation: `none` against `namespace` (Python 3 standard library only).

    python3 bench/sandbox_coldstart.py --bin build/yunfn [--cold 20] [--warm 200]

For each isolation level it starts its own server (free port, temporary data
directory, YUNFN_SANDBOX_TRACE=1 so namespace instances log their set-up steps) and
measures, for a Python no-op function with 128 MB:

1. cold start: N functions with the same code, each invoked once (so each call starts
   an instance): the client's Invoke latency and the platform's InitDuration (from the
   "Init Report" log line, or the first Report's duration), p50 and p99;
2. warm invoke: sequential invokes of one warm function, p50 and p90 latency;
3. instance memory: the resident set of the runtime process, of every process of the
   instance (namespace adds the supervisor, pid 1 and slirp4netns) and the instance's
   memory cgroup usage;
4. (namespace) the set-up time breakdown that sandbox-init logs, averaged over the
   cold starts: spawn (platform -> sandbox-init running), cgroups, pid namespace,
   other namespaces + runtime API hand-over, mounts, network (slirp4netns ready),
   user namespace + id maps, privileges (uid, capabilities, seccomp).

Public network is on (the SCF default), so namespace cold starts include slirp4netns;
--no-public-net measures without it. Client, server and instances share this machine's
CPUs: compare the two levels with each other, not with other machines. --quick is a
smoke run of a few seconds (2 cold starts and 20 warm invokes per level).
"""

import argparse
import os
import re
import statistics
import sys
import time

from benchlib import load_yunfnlib, percentile, vm_rss_kb

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

NOOP = r'''
def main_handler(event, context):
    return "ok"
'''

INIT_RE = re.compile(r"InitDuration:\s*([0-9.]+)\s*ms")
TRACE_RE = re.compile(r"yunfn sandbox set-up ([0-9.]+) ms:((?: [a-z]+ [0-9.]+)+)")


def ms(seconds):
    return "n/a" if seconds is None else "%.1f ms" % (seconds * 1000.0)


def instance_tree(lib, server_pid, runtime_pids):
    """Every process of the instance whose runtime is in runtime_pids: the server's
    child that leads it (the runtime itself under none; the supervisor under namespace,
    with pid 1, the runtime and slirp4netns below it)."""
    children = lib._proc_children()
    for top in children.get(server_pid, []):
        tree, todo = [top], list(children.get(top, []))
        while todo:
            p = todo.pop()
            tree.append(p)
            todo.extend(children.get(p, []))
        if any(r in tree for r in runtime_pids):
            return tree
    return []


def memory_cgroup_usage(pid):
    """Bytes charged to the memory cgroup of pid (v1 or v2), or None."""
    try:
        with open("/proc/%d/cgroup" % pid) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            candidates = ["/sys/fs/cgroup/memory%s/memory.usage_in_bytes" % path]
        elif controllers == "":
            candidates = ["/sys/fs/cgroup%s/memory.current" % path]
        else:
            continue
        for c in candidates:
            try:
                with open(c) as f:
                    return int(f.read())
            except OSError:
                pass
    return None


def measure(lib, level, cold, warm, public_net):
    extra = {} if public_net else {"PublicNetConfig": {"PublicNetStatus": "DISABLE"}}
    server = lib.Server(extra_args=["--isolation", level, "--idle-timeout", "600"],
                        env_extra={"YUNFN_SANDBOX_TRACE": "1"})
    server.start()
    try:
        client = server.client()
        names = []
        for _ in range(cold):
            name = lib.unique_name("bench-cold")
            lib.create_function(client, name, files={"index.py": NOOP}, memory=128,
                                extra=extra)
            names.append(name)
        latencies, inits, traces = [], [], []
        for name in names:
            t0 = time.time()
            res = client.invoke(name)
            latencies.append(time.time() - t0)
            if res.get("InvokeResult") != 0:
                raise RuntimeError("cold invoke failed: %r" % res)
            log = res.get("Log") or ""
            m = INIT_RE.search(log)
            if m:
                inits.append(float(m.group(1)) / 1000.0)
            t = TRACE_RE.search(log)
            if t:
                steps = t.group(2).split()
                traces.append((float(t.group(1)),
                               [(steps[i], float(steps[i + 1])) for i in range(0, len(steps), 2)]))
        # Warm: one function, its instance already started above.
        warm_name = names[-1]
        for _ in range(min(20, warm)):
            client.invoke(warm_name, log_type="None")
        warm_lat = []
        for _ in range(warm):
            t0 = time.time()
            client.invoke(warm_name, log_type="None")
            warm_lat.append(time.time() - t0)
        # Memory of one instance: the last function's processes.
        runtime = lib.instance_pids(server, warm_name)
        runtime_rss = sum(vm_rss_kb(p) or 0 for p in runtime)
        tree = instance_tree(lib, server.proc.pid, runtime)
        tree_rss = sum(vm_rss_kb(p) or 0 for p in tree)
        cgroup = memory_cgroup_usage(runtime[0]) if runtime else None
        return {
            "level": level,
            "isolation_line": next((l for l in server.stdout_lines if "isolation" in l), ""),
            "cold": latencies, "init": inits, "traces": traces, "warm": warm_lat,
            "runtime_rss_kb": runtime_rss, "tree_rss_kb": tree_rss,
            "tree_procs": len(tree), "cgroup_bytes": cgroup,
        }
    finally:
        server.cleanup()


def report(r, public_net):
    print("isolation %s  (%s)" % (r["level"], r["isolation_line"].strip()))
    print("  cold start, Invoke latency: p50 %s, p99 %s (%d cold starts)"
          % (ms(percentile(r["cold"], 50)), ms(percentile(r["cold"], 99)), len(r["cold"])))
    if r["init"]:
        print("  cold start, InitDuration:   p50 %s, p99 %s"
              % (ms(percentile(r["init"], 50)), ms(percentile(r["init"], 99))))
    print("  warm invoke latency:        p50 %s, p90 %s (%d calls)"
          % (ms(percentile(r["warm"], 50)), ms(percentile(r["warm"], 90)), len(r["warm"])))
    cg = r["cgroup_bytes"]
    print("  instance memory: runtime RSS %.1f MB; all %d processes %.1f MB; memory cgroup %s"
          % (r["runtime_rss_kb"] / 1024.0, r["tree_procs"], r["tree_rss_kb"] / 1024.0,
             "n/a" if cg is None else "%.1f MB" % (cg / 1048576.0)))
    if r["traces"]:
        totals = [t for t, _ in r["traces"]]
        names = [n for n, _ in r["traces"][0][1]]
        means = {n: statistics.mean(dict(s).get(n, 0.0) for _, s in r["traces"]) for n in names}
        print("  namespace set-up (sandbox-init, mean of %d%s): total %.2f ms (p50 %.2f, max %.2f)"
              % (len(totals), ", public network on" if public_net else "",
                 statistics.mean(totals), percentile(totals, 50), max(totals)))
        print("    " + ", ".join("%s %.2f" % (n, means[n]) for n in names) + " (ms)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "yunfn"))
    ap.add_argument("--cold", type=int, default=20, help="cold starts per level")
    ap.add_argument("--warm", type=int, default=200, help="warm invokes per level")
    ap.add_argument("--no-public-net", action="store_true",
                    help="functions without outbound network (no slirp4netns)")
    ap.add_argument("--levels", default="none,namespace")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run of a few seconds: 2 cold starts, 20 warm invokes per level")
    args = ap.parse_args()
    if args.quick:
        args.cold, args.warm = 2, 20

    yunfnlib = load_yunfnlib(args.bin, None)

    if not os.path.exists(yunfnlib.BIN):
        sys.exit("no yunfn binary at %s (use --bin)" % yunfnlib.BIN)
    print("yunfn isolation benchmark (%s, %d CPUs), Python no-op, 128 MB, public network %s%s"
          % (args.bin, os.cpu_count() or 0, "off" if args.no_public_net else "on",
             " (--quick smoke run)" if args.quick else ""))
    for level in args.levels.split(","):
        report(measure(yunfnlib, level, args.cold, args.warm, not args.no_public_net),
               not args.no_public_net)


if __name__ == "__main__":
    main()
