"""CLS -> COS: archives every batch of a log topic as one gzip'd JSON-lines object in a
bucket of the bucket service.

Bound to a topic with a cls trigger. The batch (base64, then gzip, then JSON) is written
to ARCHIVE_BUCKET (default cls-archive-1250000000) under
`<topic name>/<YYYY>/<MM>/<DD>/<first record's timestamp>-<request id>.jsonl.gz`, one
line per record ({"timestamp": <microseconds>, "content": "..."}), dated by its first
record. The request id makes the key unique per delivery, so a batch that SCF's async
retry runs again overwrites its own object instead of adding a second one.
"""

import base64
import datetime
import gzip
import json
import os

import boto3
from botocore.config import Config


def bucket_client():
    """boto3 pointed at the bucket service, with the function's own keys."""
    return boto3.client(
        "s3", endpoint_url=os.environ["YUNFN_COS_ENDPOINT"],
        region_name=os.environ.get("TENCENTCLOUD_REGION", "ap-guangzhou"),
        aws_access_key_id=os.environ["TENCENTCLOUD_SECRETID"],
        aws_secret_access_key=os.environ["TENCENTCLOUD_SECRETKEY"],
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def main_handler(event, context):
    doc = json.loads(gzip.decompress(base64.b64decode(event["clslogs"]["data"])))
    records = doc["records"]
    if not records:
        return {"records": 0}
    # Microseconds as a string, as SCF documents (int() also takes a number).
    first_us = int(records[0]["timestamp"])
    day = datetime.datetime.fromtimestamp(first_us / 1e6, datetime.timezone.utc)
    key = "%s/%s/%d-%s.jsonl.gz" % (doc["topic_name"] or doc["topic_id"], day.strftime("%Y/%m/%d"), first_us,
                                    context["request_id"])
    body = "".join(json.dumps({"timestamp": int(r["timestamp"]), "content": r["content"]}) + "\n"
                   for r in records)
    bucket = os.environ.get("ARCHIVE_BUCKET", "cls-archive-1250000000")
    bucket_client().put_object(Bucket=bucket, Key=key, Body=gzip.compress(body.encode("utf-8")),
                               ContentType="application/x-ndjson", ContentEncoding="gzip")
    print("archived %d records of %s to %s/%s" % (len(records), doc["topic_id"], bucket, key))
    return {"records": len(records), "bucket": bucket, "key": key}
