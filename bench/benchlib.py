"""Shared by the benchmarks: loading the integration-test library (server start, signed
API client) for a given binary, nearest-rank percentiles, running wrk (with a Lua script
that rotates over paths), running nginx as the reference server and reading /proc
(VmRSS, a process's children)."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

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


def rotating_paths_script(path, paths, method="GET", body_bytes=0):
    """Writes a wrk Lua script to `path` that sends `method` requests to `paths` round
    robin (each wrk thread walks the list from its own starting point), each with a body
    of `body_bytes` bytes when not 0; returns `path`."""
    items = ",\n  ".join('"%s"' % p.replace("\\", "\\\\").replace('"', '\\"') for p in paths)
    send = ("wrk.format(\"%s\", paths[i], nil, body)" % method if body_bytes
            else "wrk.format(\"%s\", paths[i])" % method)
    with open(path, "w") as f:
        f.write("local paths = {\n  %s\n}\n"
                "local n = #paths\n"
                "local i = 0\n"
                "local started = 0\n"
                "local body = string.rep(\"x\", %d)\n"
                "setup = function(thread)\n"
                "  thread:set(\"first\", started)\n"
                "  started = started + 1\n"
                "end\n"
                "init = function(args)\n"
                "  i = ((first or 0) * 7919) %% n\n"
                "end\n"
                "request = function()\n"
                "  i = i %% n + 1\n"
                "  return %s\n"
                "end\n" % (items, body_bytes, send))
    return path


def start_server(lib, *extra_args):
    """A started yunfnlib.Server with `extra_args` (cleaned up when the start fails)."""
    server = lib.Server(extra_args=list(extra_args))
    try:
        server.start()
    except BaseException:
        server.cleanup()
        raise
    return server


# ----------------------------------------------------------------------------------------
# nginx, the reference server (gateway_bench, cos_bench)
# ----------------------------------------------------------------------------------------

NGINX = "/usr/sbin/nginx"


def nginx_conf(server_block, body_temp="{prefix}/tmp/body"):
    """An nginx configuration template (formatted later with {prefix} and {port}): one
    foreground master in the prefix, no access log, keep-alive without limit, and the
    given server block (braces doubled, as in any str.format template)."""
    return ("worker_processes auto;\n"
            "daemon off;\n"
            "master_process on;\n"
            "pid {prefix}/nginx.pid;\n"
            "error_log {prefix}/error.log warn;\n"
            "events {{ worker_connections 1024; }}\n"
            "http {{\n"
            "    access_log off;\n"
            "    client_body_temp_path " + body_temp + ";\n"
            "    proxy_temp_path {prefix}/tmp/proxy;\n"
            "    fastcgi_temp_path {prefix}/tmp/fastcgi;\n"
            "    uwsgi_temp_path {prefix}/tmp/uwsgi;\n"
            "    scgi_temp_path {prefix}/tmp/scgi;\n"
            "    keepalive_requests 1000000;\n" + server_block + "}}\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx run in the foreground from a temporary prefix with the configuration
    `conf_template` (formatted with {prefix} and {port}); a context manager that stops
    it and removes the prefix. `url` is its base URL once started."""

    def __init__(self, conf_template, parent=None, dirs=("tmp",)):
        self.prefix = tempfile.mkdtemp(prefix="yunfn-bench-nginx-", dir=parent)
        os.chmod(self.prefix, 0o755)  # workers may run as another user
        for d in dirs:
            os.makedirs(os.path.join(self.prefix, d))
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        conf = os.path.join(self.prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(conf_template.format(prefix=self.prefix, port=self.port))
        self.proc = subprocess.Popen([NGINX, "-p", self.prefix, "-c", conf, "-e",
                                      os.path.join(self.prefix, "error.log")],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)

    def __enter__(self):
        try:
            deadline = time.time() + 10
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError("nginx exited with %s: %s" % (
                        self.proc.returncode, self.proc.stderr.read().decode("utf-8", "replace")))
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                        return self
                except OSError:
                    if time.time() > deadline:
                        raise RuntimeError("nginx did not listen on %s" % self.url)
                    time.sleep(0.05)
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful stop of master and workers
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc.stderr.close()
        shutil.rmtree(self.prefix, ignore_errors=True)

    @staticmethod
    def version():
        out = subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr.strip()
        return out.replace("nginx version: ", "")


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
