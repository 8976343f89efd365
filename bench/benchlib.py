"""Shared by the benchmarks: loading the integration-test library (server start, signed
API client) for a given binary, nearest-rank percentiles, running wrk (with a Lua script
that rotates over paths) and reading /proc (VmRSS, a process's children)."""

import os
import re
import signal
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_yunfnlib(binary, isolation=None):
    """tests/integration/yunfnlib.py set up for `binary`; `isolation` (or None for the
    server's own choice) is passed to every server it starts."""
    os.environ["YUNFN_BIN"] = os.path.abspath(binary)
    os.environ["YUNFN_REPO"] = REPO
    if isolation:
        os.environ["YUNFN_ITEST_ISOLATION"] = isolation
    else:
        os.environ.pop("YUNFN_ITEST_ISOLATION", None)
    sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
    import yunfnlib  # noqa: E402  (reads YUNFN_BIN at import)
    # A SIGTERM (e.g. from `timeout` in bench/smoke.sh) unwinds like an exception, so
    # the `finally` blocks stop the servers the benchmark started.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    return yunfnlib


def percentile(values, p):
    """The p-th percentile (0-100) by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100.0 * len(ordered) + 0.5)) - 1))
    return ordered[k]


# ----------------------------------------------------------------------------------------
# wrk and /proc helpers (many_functions_bench, api_burst_bench)
# ----------------------------------------------------------------------------------------

WRK_RPS_RE = re.compile(r"^Requests/sec:\s*([0-9.]+)", re.M)
WRK_PCT_RE = re.compile(r"^\s*(50|90|99)(?:\.0+)?%\s+([0-9.]+)(us|ms|s|m|h)\s*$", re.M)
WRK_TOTAL_RE = re.compile(r"^\s*(\d+) requests in ([0-9.]+)(us|ms|s|m|h)", re.M)
WRK_NON2XX_RE = re.compile(r"Non-2xx or 3xx responses:\s*(\d+)")
WRK_SOCKET_RE = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def wrk_command(url, threads, connections, seconds, script=None, timeout_s=10):
    """argv of one `wrk --latency` run (keep-alive connections); `script` is a Lua file."""
    cmd = ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % max(1, round(seconds)),
           "--latency", "--timeout", "%ds" % timeout_s]
    if script:
        cmd += ["-s", script]
    return cmd + [url]


def parse_wrk(out, what="wrk"):
    """wrk's text report -> {requests_per_s, p50_ms, p90_ms, p99_ms, requests, non_2xx,
    socket_errors, errors}; raises RuntimeError when it holds no Requests/sec line."""
    rps = WRK_RPS_RE.search(out)
    if not rps:
        raise RuntimeError("%s printed no result: %s" % (what, out))
    pct = {p: float(v) * _UNIT_MS[u] for p, v, u in WRK_PCT_RE.findall(out)}
    total = WRK_TOTAL_RE.search(out)
    non2xx = int(WRK_NON2XX_RE.search(out).group(1)) if WRK_NON2XX_RE.search(out) else 0
    sock = WRK_SOCKET_RE.search(out)
    socket_errors = sum(int(x) for x in sock.groups()) if sock else 0
    return {
        "requests_per_s": round(float(rps.group(1)), 1),
        "p50_ms": round(pct["50"], 3) if "50" in pct else None,
        "p90_ms": round(pct["90"], 3) if "90" in pct else None,
        "p99_ms": round(pct["99"], 3) if "99" in pct else None,
        "requests": int(total.group(1)) if total else None,
        "non_2xx": non2xx,
        "socket_errors": socket_errors,
        "socket_errors_by_kind": dict(zip(("connect", "read", "write", "timeout"),
                                          (int(x) for x in sock.groups()))) if sock else {},
        "errors": non2xx + socket_errors,
    }


def run_wrk(url, threads, connections, seconds, script=None, timeout_s=10):
    """One wrk run to its end; returns parse_wrk() of its report."""
    cmd = wrk_command(url, threads, connections, seconds, script, timeout_s)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if proc.returncode != 0:
        raise RuntimeError("wrk failed (%s): %s%s" % (proc.returncode, proc.stdout, proc.stderr))
    return parse_wrk(proc.stdout, " ".join(cmd))


def rotating_paths_script(path, paths):
    """Writes a wrk Lua script to `path` that sends GET requests to `paths` round robin
    (each wrk thread walks the list from its own starting point); returns `path`."""
    items = ",\n  ".join('"%s"' % p.replace("\\", "\\\\").replace('"', '\\"') for p in paths)
    with open(path, "w") as f:
        f.write("local paths = {\n  %s\n}\n"
                "local n = #paths\n"
                "local i = 0\n"
                "local started = 0\n"
                "setup = function(thread)\n"
                "  thread:set(\"first\", started)\n"
                "  started = started + 1\n"
                "end\n"
                "init = function(args)\n"
                "  i = ((first or 0) * 7919) %% n\n"
                "end\n"
                "request = function()\n"
                "  i = i %% n + 1\n"
                "  return wrk.format(\"GET\", paths[i])\n"
                "end\n" % items)
    return path


def vm_rss_kb(pid):
    """VmRSS of a process in kB (None when it is gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def child_pids(pid):
    """Pids of the direct children of `pid` (for the server: one per instance tree),
    from a scan of /proc/*/stat."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                stat = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields follow the last ')'.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            out.append(int(entry))
    return sorted(out)
