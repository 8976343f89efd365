#!/usr/bin/env python3
"""A small signed client for yunfn's log-topic actions (docs/triggers.md "cls"),
standard library only. Keys come from YUNFN_SECRET_ID / YUNFN_SECRET_KEY or from the
server's data directory (--data-dir, default yunfn-data), the endpoint from
YUNFN_ENDPOINT (default 127.0.0.1:9001), as for the yunfn CLI.

    clsctl.py topic NAME                       create a log topic, print its TopicId
    clsctl.py topics                           list the log topics
    clsctl.py ship FUNCTION TOPIC_ID           send FUNCTION's invocation logs to the topic
    clsctl.py trigger FUNCTION TOPIC_ID [MAX_WAIT]   bind FUNCTION with a cls trigger
    clsctl.py upload TOPIC_ID FILE|-           UploadLog: each line of FILE is one record
                                               (a JSON object with "content", or plain text)
"""

import argparse
import datetime
import hashlib
import hmac
import http.client
import json
import os
import sys
import time


def keys(data_dir):
    sid, skey = os.environ.get("YUNFN_SECRET_ID"), os.environ.get("YUNFN_SECRET_KEY")
    if sid and skey:
        return sid, skey
    with open(os.path.join(data_dir, "credentials")) as f:
        c = json.load(f)
    return c["SecretId"], c["SecretKey"]


def authorization(sid, skey, signed, body, ts):
    """TC3-HMAC-SHA256 over the (name, value) headers `signed`."""
    pairs = sorted((k.lower(), v.strip().lower()) for k, v in signed)
    canonical = "POST\n/\n\n%s\n%s\n%s" % ("".join("%s:%s\n" % p for p in pairs), ";".join(k for k, _ in pairs),
                                           hashlib.sha256(body).hexdigest())
    date = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%d")
    scope = "%s/scf/tc3_request" % date
    to_sign = "TC3-HMAC-SHA256\n%d\n%s\n%s" % (ts, scope, hashlib.sha256(canonical.encode()).hexdigest())
    k = hmac.new(("TC3" + skey).encode(), date.encode(), hashlib.sha256).digest()
    k = hmac.new(hmac.new(k, b"scf", hashlib.sha256).digest(), b"tc3_request", hashlib.sha256).digest()
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return "TC3-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        sid, scope, ";".join(k for k, _ in pairs), sig)


def call(args, action, body, content_type="application/json", extra=()):
    host, _, port = (os.environ.get("YUNFN_ENDPOINT") or "127.0.0.1:9001").rpartition(":")
    sid, skey = keys(args.data_dir)
    ts = int(time.time())
    hosthdr = "%s:%s" % (host, port)
    signed = [("content-type", content_type), ("host", hosthdr), ("x-tc-action", action)] + list(extra)
    headers = {"Content-Type": content_type, "Host": hosthdr, "X-TC-Action": action, "X-TC-Version": "2018-04-16",
               "X-TC-Timestamp": str(ts), "Authorization": authorization(sid, skey, signed, body, ts)}
    headers.update({k: v for k, v in extra})
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    conn.request("POST", "/", body=body, headers=headers)
    doc = json.loads(conn.getresponse().read())["Response"]
    if "Error" in doc:
        sys.exit("%s: %s: %s" % (action, doc["Error"]["Code"], doc["Error"]["Message"]))
    return doc


def api(args, action, params):
    return call(args, action, json.dumps(params).encode())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=os.environ.get("YUNFN_DATA_DIR", "yunfn-data"))
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("topic").add_argument("name")
    sub.add_parser("topics")
    p = sub.add_parser("ship")
    p.add_argument("function")
    p.add_argument("topic_id")
    p = sub.add_parser("trigger")
    p.add_argument("function")
    p.add_argument("topic_id")
    p.add_argument("max_wait", nargs="?", type=int, default=3)
    p = sub.add_parser("upload")
    p.add_argument("topic_id")
    p.add_argument("file")
    args = ap.parse_args()
    if args.cmd == "topic":
        print(api(args, "CreateLogTopic", {"TopicName": args.name})["TopicId"])
    elif args.cmd == "topics":
        for t in api(args, "ListLogTopics", {"Limit": 1000})["Topics"]:
            print("%s  %-30s  last seq %d" % (t["TopicId"], t["TopicName"], t["LastSeq"]))
    elif args.cmd == "ship":
        api(args, "UpdateFunctionConfiguration", {"FunctionName": args.function, "ClsTopicId": args.topic_id})
    elif args.cmd == "trigger":
        api(args, "CreateTrigger", {"FunctionName": args.function, "Type": "cls", "TriggerName": args.topic_id,
                                    "TriggerDesc": json.dumps({"topic_id": args.topic_id, "max_wait": args.max_wait})})
    elif args.cmd == "upload":
        f = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")
        out = []
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            try:
                is_record = isinstance(json.loads(line), dict) and "content" in json.loads(line)
            except ValueError:
                is_record = False
            out.append(line if is_record else json.dumps({"content": line}))
        doc = call(args, "UploadLog", ("\n".join(out) + "\n").encode(), "application/x-ndjson",
                   [("x-cls-topicid", args.topic_id)])
        print("%d records uploaded" % doc["RecordCount"])


if __name__ == "__main__":
    main()
