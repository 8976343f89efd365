#!/usr/bin/env python3
"""cls trigger benchmark: log-topic ingest records/s and ingest-to-handler latency
(Python 3 standard library).

    python3 bench/cls_bench.py --bin build/yunfn [--records 200000]

Starts its own server (free ports, temporary data directory, through
tests/integration/yunfnlib.py), creates a log topic and binds a Python function to it
with a cls trigger (max_wait 3 s, the shortest SCF allows; max_size 10000). Each record's
content carries the time its UploadLog request was sent; the function decodes its
clslogs event (base64, gzip, JSON, as users' code does) and returns, per record, the
time from that send to its own start.

  (a) flood: --clients threads each POST UploadLog requests of --batch records (about
      100 bytes each) on a keep-alive connection until --records are acknowledged;
      records/s = records / time until the last acknowledgement (every acknowledged
      record is on disk). Batches then go out as they reach max_size or 128 KB of gzip.
      Latency p50 / p99 over every record, and the time until the function has seen
      them all.
  (b) trickle: one record every --trickle-gap-ms for --trickle-seconds; batches go out
      when the 3 s window ends, so the latency is mostly the window (p50 about half of
      it, p99 about all of it).

Server, clients and instances share this machine's CPUs: the numbers compare builds on
one machine. A table, then the numbers as one JSON line (prefixed "JSON "). --quick is a
smoke run of a few seconds; it exits 1 when a record was lost or delivered twice.
"""

import argparse
import base64
import gzip
import http.client
import json
import os
import sys
import threading
import time

from benchlib import load_yunfnlib, percentile

CONSUMER = r'''
import base64, gzip, json, time

def main_handler(event, context):
    now = time.time()
    doc = json.loads(gzip.decompress(base64.b64decode(event["clslogs"]["data"])))
    out = []
    for r in doc["records"]:
        c = json.loads(r["content"])
        out.append([c["id"], round((now - c["sent"]) * 1000, 2)])
    return out
'''


def upload_request(yunfnlib, conn, host, topic, body):
    ts = int(time.time())
    signed = [("content-type", "application/x-ndjson"), ("host", host), ("x-tc-action", "UploadLog"),
              ("x-cls-topicid", topic)]
    headers = {"Host": host, "Content-Type": "application/x-ndjson", "X-TC-Action": "UploadLog",
               "X-TC-Timestamp": str(ts), "X-CLS-TopicId": topic,
               "Authorization": yunfnlib.tc3_authorization_signing(
                   yunfnlib.TEST_SECRET_ID, yunfnlib.TEST_SECRET_KEY, signed, body, ts)}
    conn.request("POST", "/", body=body, headers=headers)
    resp = conn.getresponse()
    doc = json.loads(resp.read())["Response"]
    if "Error" in doc:
        raise RuntimeError("UploadLog failed: %r" % doc["Error"])
    return doc["RecordCount"]


def body_of(ids):
    sent = time.time()
    pad = "x" * 60
    return "".join(json.dumps({"content": json.dumps({"id": i, "sent": sent, "pad": pad})}) + "\n"
                   for i in ids).encode()


def flood(yunfnlib, server, topic, records, clients, batch):
    """Ingest `records` from `clients` threads; returns the seconds until the last ack."""
    host = "%s:%d" % (server.host, server.port)
    next_id = [0]
    lock = threading.Lock()
    errors = []

    def worker():
        conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
        try:
            while True:
                with lock:
                    start = next_id[0]
                    if start >= records:
                        return
                    next_id[0] = min(records, start + batch)
                    end = next_id[0]
                upload_request(yunfnlib, conn, host, topic, body_of(range(start, end)))
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)
        finally:
            conn.close()

    started = time.time()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return time.time() - started


def trickle(yunfnlib, server, topic, first_id, seconds, gap_ms):
    host = "%s:%d" % (server.host, server.port)
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
    n = 0
    try:
        end = time.time() + seconds
        while time.time() < end:
            upload_request(yunfnlib, conn, host, topic, body_of([first_id + n]))
            n += 1
            time.sleep(gap_ms / 1000.0)
    finally:
        conn.close()
    return n


def collect(yunfnlib, client, fn, expected_ids, budget):
    """Waits until the function has seen every id; returns (latencies ms, duplicates,
    missing, seconds waited)."""
    started = time.time()
    seen = {}
    done_events = set()
    deadline = time.time() + budget
    while time.time() < deadline:
        for e in yunfnlib.list_all_async_events(client, fn):
            rid = e["InvokeRequestId"]
            if rid in done_events:
                continue
            status = client.ok("GetAsyncEventStatus", {"InvokeRequestId": rid})["Result"]
            if status.get("Status") != "FINISHED":
                continue
            done_events.add(rid)
            for i, ms in json.loads(status["RetMsg"]):
                seen.setdefault(i, []).append(ms)
        if all(i in seen for i in expected_ids):
            break
        time.sleep(0.3)
    latencies = [v[0] for i, v in seen.items() if i in expected_ids]
    duplicates = sum(len(v) - 1 for v in seen.values())
    missing = sum(1 for i in expected_ids if i not in seen)
    return latencies, duplicates, missing, time.time() - started


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=None, help="the yunfn binary (default build/yunfn)")
    ap.add_argument("--isolation", default=None, help="passed to the server as --isolation")
    ap.add_argument("--records", type=int, default=200000, help="records of the flood")
    ap.add_argument("--clients", type=int, default=4, help="concurrent UploadLog clients of the flood")
    ap.add_argument("--batch", type=int, default=500, help="records per UploadLog request")
    ap.add_argument("--trickle-seconds", type=float, default=15)
    ap.add_argument("--trickle-gap-ms", type=float, default=50)
    ap.add_argument("--quick", action="store_true", help="a smoke run with small counts")
    args = ap.parse_args()
    binary = args.bin or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build", "yunfn")
    yunfnlib = load_yunfnlib(binary, args.isolation)
    if args.quick:
        args.records, args.trickle_seconds = 4000, 4
    server = yunfnlib.Server()
    rows = {}
    ok = True
    try:
        server.start()
        client = server.client()
        topic = client.ok("CreateLogTopic", {"TopicName": yunfnlib.unique_name("bench")})["TopicId"]
        fn = yunfnlib.unique_name("clsbench")
        yunfnlib.create_function(client, fn, {"index.py": CONSUMER}, timeout=30)
        client.ok("CreateTrigger", {"FunctionName": fn, "Type": "cls", "TriggerName": topic,
                                    "TriggerDesc": json.dumps({"topic_id": topic, "max_wait": 3})})
        empty = gzip.compress(json.dumps({"topic_id": topic, "topic_name": "", "records": []}).encode())
        client.invoke(fn, {"clslogs": {"data": base64.b64encode(empty).decode()}})  # a warm instance
        seconds = flood(yunfnlib, server, topic, args.records, args.clients, args.batch)
        lat, dup, missing, waited = collect(yunfnlib, client, fn, set(range(args.records)), 600)
        rows["flood"] = {"records": args.records, "clients": args.clients, "batch": args.batch,
                         "ingest_seconds": round(seconds, 3), "records_per_s": round(args.records / seconds),
                         "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99),
                         "delivered": len(lat), "duplicates": dup, "missing": missing,
                         "all_handled_after_s": round(seconds + waited, 2)}
        first = args.records + 1000
        sent = trickle(yunfnlib, server, topic, first, args.trickle_seconds, args.trickle_gap_ms)
        lat, dup, missing, _ = collect(yunfnlib, client, fn, set(range(first, first + sent)), 120)
        rows["trickle"] = {"records": sent, "gap_ms": args.trickle_gap_ms, "p50_ms": percentile(lat, 50),
                           "p99_ms": percentile(lat, 99), "delivered": len(lat), "duplicates": dup,
                           "missing": missing}
        for name, r in rows.items():
            print("%-8s %7d records  %s  latency p50 %8.1f ms  p99 %8.1f ms  duplicates %d  missing %d" % (
                name, r["records"],
                ("%8d records/s ingest" % r["records_per_s"]) if "records_per_s" in r else " " * 24,
                r["p50_ms"] or -1, r["p99_ms"] or -1, r["duplicates"], r["missing"]), flush=True)
            ok = ok and r["duplicates"] == 0 and r["missing"] == 0
    finally:
        server.cleanup()
    print("JSON " + json.dumps({"cls_bench": rows}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
