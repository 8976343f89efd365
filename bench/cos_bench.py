#!/usr/bin/env python3
"""Bucket service benchmark of a local yunfn server, with nginx as the reference.

    python3 bench/cos_bench.py --bin build/yunfn [--duration 10] [--large-mb 1024]

Starts its own server (free ports, temporary data directory, through
tests/integration/yunfnlib.py) and nginx (Debian's nginx-light, WebDAV PUT into a
temporary root, static GET from it) on a free loopback port, then measures both with
the same clients and the same bytes:

  (a) small objects: --object-kb (4) KB PUT, then GET, with wrk at concurrency 16,
      rotating over --keys keys (COS pre-signed URLs, signature v5, for the bucket
      service; nginx ignores the query string), every key written once before; requests/s,
      p50 / p99, errors;
  (b) one large object: a --large-mb (1024) MB file PUT, then GET, with curl, one
      transfer each; MB/s;
  (c) for the bucket service alone, the trigger path: a Python function bound to the
      bucket with a cos trigger returns time.time() at its start; --trigger-samples
      PUTs, --trigger-gap-ms apart, each timed from the PUT's acknowledgement (the
      client has read the 200) to the handler's start; p50 / p99 / max ms. This is the
      warm path: outbox commit, cos trigger, async queue, dispatcher, warm instance.

Then the ratios yunfn / nginx. The bucket service fsyncs every object before it answers
(an acknowledged PUT survives a crash); nginx does not, which weighs most on small PUTs.
Clients, server and nginx share this machine's CPUs and disk: the numbers compare
builds, and the bucket service with nginx, on one machine. A table, the ratios, then the
numbers as one JSON line (prefixed "JSON "). --quick is a smoke run of a few seconds
(1 s per wrk point, 200 keys, an 8 MB object, 5 trigger samples); it exits 1 when a
request failed.
"""

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import (NGINX, REPO, Nginx, load_yunfnlib, nginx_conf, percentile, rotating_paths_script,
                      run_wrk, start_server, vm_rss_kb)

CONCURRENCY = 16
APPID = "1250000000"

NGINX_CONF = nginx_conf('''
    sendfile on;
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/www;
        client_max_body_size 0;
        location / {{
            dav_methods PUT;
            create_full_put_path on;
        }}
    }}
''', body_temp="{prefix}/www/.tmp")

# Returns when its handler started, on the same wall clock as the client's.
STARTED_PY = '''
import time

def main_handler(event, context):
    started = time.time()
    return {"key": event["Records"][0]["cos"]["cosObject"]["key"], "started": started}
'''


# ----------------------------------------------------------------------------------------
# Clients: wrk for small objects, curl for the large one
# ----------------------------------------------------------------------------------------

def prefill(base_url, targets, body):
    """PUTs `body` at every target, from CONCURRENCY threads with a kept-alive
    connection each; raises when one is refused."""
    host, port = base_url[len("http://"):].split(":")
    failures = []

    def worker(part):
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        try:
            for target in part:
                conn.request("PUT", target, body=body)
                resp = conn.getresponse()
                resp.read()
                if resp.status // 100 != 2:
                    failures.append("%s: %d" % (target, resp.status))
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(targets[i::CONCURRENCY],)) for i in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError("%d prefill PUTs failed, first %s" % (len(failures), failures[0]))


def small_objects(base_url, put_targets, get_targets, object_kb, seconds, workdir, what):
    """PUT then GET of the small objects at CONCURRENCY; {"put": wrk, "get": wrk}."""
    out = {}
    threads = max(1, min(CONCURRENCY, os.cpu_count() or 1))
    put = rotating_paths_script(os.path.join(workdir, "%s-put.lua" % what), put_targets, "PUT", object_kb * 1024)
    get = rotating_paths_script(os.path.join(workdir, "%s-get.lua" % what), get_targets)
    # Every key exists before the runs: the measured PUTs overwrite, every GET finds its object.
    prefill(base_url, put_targets, b"x" * (object_kb * 1024))
    out["put"] = run_wrk(base_url + "/", threads, CONCURRENCY, seconds, script=put)
    sys.stderr.write("  %s PUT %d KB c=%d: %s\n" % (what, object_kb, CONCURRENCY, out["put"]))
    # PUTs wrk left in flight finish before the GETs start.
    time.sleep(2)
    out["get"] = run_wrk(base_url + "/", threads, CONCURRENCY, seconds, script=get)
    sys.stderr.write("  %s GET %d KB c=%d: %s\n" % (what, object_kb, CONCURRENCY, out["get"]))
    return out


def curl_transfer(method, url, path, size):
    """One curl PUT (from `path`) or GET (to /dev/null) of `size` bytes; MB/s."""
    cmd = ["curl", "-sS", "--fail", "-o", "/dev/null", "-w", "%{http_code} %{size_upload} %{size_download}",
           "-H", "Expect:"]
    cmd += ["-T", path, url] if method == "PUT" else [url]
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    took = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError("curl %s %s failed (%s): %s" % (method, url, proc.returncode, proc.stderr))
    code, up, down = proc.stdout.split()
    moved = int(float(up if method == "PUT" else down))
    if moved != size:
        raise RuntimeError("curl %s moved %d bytes of %d" % (method, moved, size))
    return {"status": int(code), "seconds": round(took, 3), "mb_per_s": round(size / 1048576 / took, 1)}


def large_object(put_url, get_url, path, size, what):
    out = {"put": curl_transfer("PUT", put_url, path, size)}
    out["get"] = curl_transfer("GET", get_url, path, size)
    sys.stderr.write("  %s large object %d MB: %s\n" % (what, size >> 20, out))
    return out


def make_large_file(path, size):
    """`size` bytes of random-looking data (a random 1 MB block repeated)."""
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            f.write(block[:min(left, len(block))])
            left -= len(block)


# ----------------------------------------------------------------------------------------
# The bucket service
# ----------------------------------------------------------------------------------------

def presigned(cos_client, port, method, path, expires=3600):
    """A COS signature v5 pre-signed target (path?q-sign-...) signing only the Host."""
    auth = cos_client.cos_v5_authorization(method, path, {"host": "127.0.0.1:%d" % port}, expires=expires)
    return path + "?" + auth


def trigger_latency(lib, cos_client, server, bucket, samples, gap_s):
    """PUT-acknowledged to handler-started latencies (ms) of a warm cos trigger."""
    client = server.client()
    fn = lib.unique_name("cosbench")
    lib.create_function(client, fn, files={"index.py": STARTED_PY}, timeout=30)
    client.ok("CreateTrigger", {
        "FunctionName": fn, "TriggerName": "%s.cos.ap-guangzhou.myqcloud.com" % bucket, "Type": "cos",
        "TriggerDesc": json.dumps({"event": "cos:ObjectCreated:*", "filter": {"Prefix": "lat/"}})})
    put = cos_client.KeepAliveClient(server.cos_port)
    try:
        # A first event starts the instance: cold starts are not what is measured.
        if put.put("/%s/lat/warm" % bucket, b"w") != 200:
            raise RuntimeError("warm-up PUT failed")
        lib.wait_async_count(client, fn, 1, timeout=120, interval=0.1)
        acked = {}
        for i in range(samples):
            key = "lat/%05d" % i
            if put.put("/%s/%s" % (bucket, key), b"x" * 1024) != 200:
                raise RuntimeError("PUT %s failed" % key)
            acked["/%s/%s/%s" % (APPID, bucket[:-len(APPID) - 1], key)] = time.time()
            time.sleep(gap_s)
    finally:
        put.close()
    lib.wait_async_count(client, fn, samples + 1, statuses=("FINISHED", "FAILED"), timeout=120, interval=0.2)
    latencies, failed = [], 0
    for e in lib.list_all_async_events(client, fn):
        status = lib.wait_async_status(client, e["InvokeRequestId"])
        if status["Status"] != "FINISHED":
            failed += 1
            continue
        ret = json.loads(status["RetMsg"])
        if ret["key"] in acked:
            latencies.append((ret["started"] - acked[ret["key"]]) * 1000.0)
    return {"samples": len(latencies), "failed": failed,
            "p50_ms": round(percentile(latencies, 50), 2) if latencies else None,
            "p99_ms": round(percentile(latencies, 99), 2) if latencies else None,
            "max_ms": round(max(latencies), 2) if latencies else None}


def measure_yunfn(lib, cos_client, args, workdir, large_path, results):
    server = start_server(lib, "--idle-timeout", "600")
    try:
        port = server.cos_port
        bucket = "bench-" + APPID
        r = cos_client.raw_request(port, "PUT", "/" + bucket)
        if r.status != 200:
            raise RuntimeError("cannot create the bucket: %s %s" % (r.status, r.body))
        paths = ["/%s/small/%05d" % (bucket, i) for i in range(args.keys)]
        puts = [presigned(cos_client, port, "PUT", p) for p in paths]
        gets = [presigned(cos_client, port, "GET", p) for p in paths]
        base = "http://127.0.0.1:%d" % port
        results["yunfn"] = {"small": small_objects(base, puts, gets, args.object_kb, args.duration, workdir,
                                                   "yunfn")}
        large = "/%s/large.bin" % bucket
        results["yunfn"]["large"] = large_object(base + presigned(cos_client, port, "PUT", large),
                                                 base + presigned(cos_client, port, "GET", large),
                                                 large_path, args.large_mb << 20, "yunfn")
        results["yunfn"]["trigger"] = trigger_latency(lib, cos_client, server, bucket, args.trigger_samples,
                                                      args.trigger_gap_ms / 1000.0)
        sys.stderr.write("  yunfn trigger latency: %s\n" % results["yunfn"]["trigger"])
        results["server_rss_kb"] = vm_rss_kb(server.proc.pid)
    except BaseException:
        sys.stderr.write(server.diagnostics() + "\n")
        raise
    finally:
        server.cleanup()


# ----------------------------------------------------------------------------------------
# nginx
# ----------------------------------------------------------------------------------------

def measure_nginx(args, workdir, large_path, results):
    if not os.path.exists(NGINX):
        print("nginx reference skipped: %s not found; install it with `apt-get install -y nginx-light`"
              % NGINX)
        return
    with Nginx(NGINX_CONF, parent=workdir, dirs=("tmp", "www/.tmp")) as nginx:
        # Workers may run as another user (nobody) when nginx starts as root: they write here.
        for d in ("www", "www/.tmp"):
            os.chmod(os.path.join(nginx.prefix, d), 0o777)
        results["nginx_version"] = Nginx.version()
        paths = ["/bench-%s/small/%05d" % (APPID, i) for i in range(args.keys)]
        results["nginx"] = {"small": small_objects(nginx.url, paths, paths, args.object_kb, args.duration,
                                                   workdir, "nginx")}
        url = nginx.url + "/bench-%s/large.bin" % APPID
        results["nginx"]["large"] = large_object(url, url, large_path, args.large_mb << 20, "nginx")


# ----------------------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------------------

def fmt(v, spec="%.1f"):
    return "-" if v is None else spec % v


def print_table(rows):
    width = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    line = "+" + "+".join("-" * (w + 2) for w in width) + "+"
    print(line)
    for i, row in enumerate(rows):
        print("| " + " | ".join([row[0].ljust(width[0])] + [row[j].rjust(width[j]) for j in range(1, len(row))])
              + " |")
        if i == 0:
            print(line)
    print(line)


def print_report(r, args):
    rows = [("measure", "bucket service", "nginx", "yunfn / nginx")]
    r["ratios"] = {}
    for op in ("put", "get"):
        mine = r.get("yunfn", {}).get("small", {}).get(op)
        ref = (r.get("nginx") or {}).get("small", {}).get(op)
        label = "%d KB %s c%d" % (args.object_kb, op.upper(), CONCURRENCY)
        for field, name, spec in (("requests_per_s", "req/s", "%.0f"), ("p50_ms", "p50 ms", "%.2f"),
                                  ("p99_ms", "p99 ms", "%.2f"), ("errors", "errors", "%d")):
            a = mine.get(field) if mine else None
            b = ref.get(field) if ref else None
            q = round(a / b, 3) if field != "errors" and a is not None and b else None
            if q is not None:
                r["ratios"]["small_%s_%s" % (op, field)] = q
            rows.append(("%s %s" % (label, name), fmt(a, spec), fmt(b, spec), fmt(q, "%.3f")))
    for op in ("put", "get"):
        mine = r.get("yunfn", {}).get("large", {}).get(op)
        ref = (r.get("nginx") or {}).get("large", {}).get(op)
        a = mine["mb_per_s"] if mine else None
        b = ref["mb_per_s"] if ref else None
        q = round(a / b, 3) if a is not None and b else None
        if q is not None:
            r["ratios"]["large_%s_mb_per_s" % op] = q
        rows.append(("%d MB %s MB/s" % (args.large_mb, op.upper()), fmt(a), fmt(b), fmt(q, "%.3f")))
    t = r.get("yunfn", {}).get("trigger", {})
    for field in ("p50_ms", "p99_ms", "max_ms"):
        rows.append(("PUT ack -> handler start %s (%d samples)" % (field[:-3], t.get("samples", 0)),
                     fmt(t.get(field), "%.2f"), "-", "-"))
    print_table(rows)


def errors_of(r):
    n = 0
    for side in ("yunfn", "nginx"):
        for op in ("put", "get"):
            n += ((r.get(side) or {}).get("small", {}).get(op) or {}).get("errors", 0)
    return n + r.get("yunfn", {}).get("trigger", {}).get("failed", 0)


def main():
    global CONCURRENCY
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "yunfn"), help="the yunfn binary")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of each wrk run (default 10)")
    ap.add_argument("--keys", type=int, default=2000, help="small objects rotated over (default 2000)")
    ap.add_argument("--object-kb", type=int, default=4, help="small object size in KB (default 4)")
    ap.add_argument("--large-mb", type=int, default=1024, help="large object size in MB (default 1024)")
    ap.add_argument("--trigger-samples", type=int, default=200, help="timed trigger PUTs (default 200)")
    ap.add_argument("--trigger-gap-ms", type=float, default=100.0, help="between timed PUTs (default 100)")
    ap.add_argument("--workdir", default=None, help="where the large file and nginx's root go (default: a "
                                                    "temporary directory)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run of a few seconds: 1 s per wrk point, 200 keys, an 8 MB object, "
                         "5 trigger samples; exits 1 when a request failed")
    args = ap.parse_args()
    if args.quick:
        args.duration, args.keys, args.large_mb, args.trigger_samples = 1.0, 200, 8, 5
    for tool in ("wrk", "curl"):
        if shutil.which(tool) is None:
            sys.exit("%s not found; install it with `apt-get install -y %s`" % (tool, tool))
    lib = load_yunfnlib(args.bin)
    import cos_client  # noqa: E402  (tests/integration, on the path once yunfnlib is loaded)
    if not os.path.exists(lib.BIN):
        sys.exit("no yunfn binary at %s (use --bin)" % lib.BIN)

    workdir = tempfile.mkdtemp(prefix="yunfn-cos-bench-", dir=args.workdir)
    os.chmod(workdir, 0o755)  # nginx workers (nobody) reach their root inside it
    started = time.time()
    results = {"duration_s": args.duration, "cpus": os.cpu_count(), "concurrency": CONCURRENCY,
               "keys": args.keys, "object_kb": args.object_kb, "large_mb": args.large_mb}
    try:
        large_path = os.path.join(workdir, "large.bin")
        make_large_file(large_path, args.large_mb << 20)
        measure_yunfn(lib, cos_client, args, workdir, large_path, results)
        measure_nginx(args, workdir, large_path, results)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results["total_seconds"] = round(time.time() - started, 1)
    print("yunfn bucket service benchmark: %s, %d CPUs, wrk %g s per point, %d keys%s%s"
          % (args.bin, results["cpus"] or 0, args.duration, args.keys,
             ", %s" % results["nginx_version"] if "nginx_version" in results else "",
             " (--quick smoke run)" if args.quick else ""))
    print_report(results, args)
    print("total benchmark time %.0f s" % results["total_seconds"])
    print("JSON " + json.dumps(results, sort_keys=True))
    if args.quick and errors_of(results):
        sys.exit("%d requests or events failed" % errors_of(results))


if __name__ == "__main__":
    main()
