"""CLS ETL: parses access-log records of a log topic, keeps the failed and the slow
requests, and re-emits them as clean JSON lines.

Bound to the raw topic with a cls trigger. Each record's content is an access-log line
`<ip> <method> <path> <status> <duration>ms`, or the same fields as a JSON object
({"ip","method","path","status","ms"}). A request is kept when its status is 500 or more
or it took longer than SLOW_MS (1000, or the SLOW_MS variable). Kept requests are printed
as one JSON object per line: the function's ClsTopicId names the clean topic, so its log
lines (SCF_Type "Custom") land there, ready for the next consumer. The return value
counts what happened to the batch.
"""

import base64
import gzip
import json
import os
import re

LINE = re.compile(r"^(?P<ip>\S+) (?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3}) (?P<ms>\d+(?:\.\d+)?)ms$")


def records(event):
    """The records of a clslogs event: base64, then gzip, then JSON."""
    doc = json.loads(gzip.decompress(base64.b64decode(event["clslogs"]["data"])))
    return doc["topic_name"], doc["records"]


def parse(content):
    """The request of one record as a dict, or None when it is not an access-log line."""
    try:
        obj = json.loads(content)
    except ValueError:
        obj = None
    if isinstance(obj, dict):
        try:
            return {"ip": str(obj["ip"]), "method": str(obj["method"]), "path": str(obj["path"]),
                    "status": int(obj["status"]), "ms": float(obj["ms"])}
        except (KeyError, TypeError, ValueError):
            return None
    m = LINE.match(content.strip())
    if not m:
        return None
    return {"ip": m["ip"], "method": m["method"], "path": m["path"], "status": int(m["status"]),
            "ms": float(m["ms"])}


def main_handler(event, context):
    slow_ms = float(os.environ.get("SLOW_MS", "1000"))
    topic, batch = records(event)
    kept = bad = 0
    for r in batch:
        req = parse(r["content"])
        if req is None:
            bad += 1
            continue
        if req["status"] < 500 and req["ms"] <= slow_ms:
            continue
        # Timestamps are microseconds as a string (SCF's documented form); some
        # templates read a number, so accept both.
        req["time_us"] = int(r["timestamp"])
        req["why"] = "error" if req["status"] >= 500 else "slow"
        print(json.dumps(req, sort_keys=True))
        kept += 1
    return {"topic": topic, "records": len(batch), "kept": kept, "unparsable": bad}
