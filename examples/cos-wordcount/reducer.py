"""The reduce step: merges every partial count of a job into the job's result.

Bound to cos:ObjectCreated:* of wc-middle-1250000000 (suffix .json). Each run recomputes
wc-result-1250000000/<job>.json from all the partials listed under <job>/, never from
the previous result, so the result does not depend on the order the partials arrive in.

Reducers of one job run concurrently and the last writer wins. A reducer therefore lists
the partials again after writing: when the list (keys and ETags) changed while it was
merging, its result may be stale and it merges again. The last write is then always made
from the complete list, so once every partial exists the result is the full count.
"""

import collections
import json

import wc

MAX_ROUNDS = 10


def partials(s3, job):
    """{key: etag} of the job's partial counts."""
    found = {}
    for page in s3.get_paginator("list_objects").paginate(Bucket=wc.MIDDLE_BUCKET,
                                                          Prefix=job + "/"):
        for obj in page.get("Contents", []):
            if obj["Key"].endswith(".json"):
                found[obj["Key"]] = obj["ETag"]
    return found


def merge(s3, keys):
    total = collections.Counter()
    for key in sorted(keys):
        body = s3.get_object(Bucket=wc.MIDDLE_BUCKET, Key=key)["Body"].read()
        total.update(json.loads(body)["counts"])
    return total


def reduce_job(s3, job):
    listed = partials(s3, job)
    for _ in range(MAX_ROUNDS):
        counts = merge(s3, listed)
        result = {"job": job, "parts": len(listed), "counts": counts}
        s3.put_object(Bucket=wc.RESULT_BUCKET, Key=job + ".json", ContentType="application/json",
                      Body=json.dumps(result, sort_keys=True).encode())
        now = partials(s3, job)
        if now == listed:
            return result
        listed = now
    raise RuntimeError("the partials of %s kept changing; the retry will merge again" % job)


def main_handler(event, context):
    s3 = wc.bucket_client()
    jobs = set()
    for record in event["Records"]:
        job_part = wc.split_job(wc.object_keys(record)[1])
        if job_part is not None:
            jobs.add(job_part[0])
    done = []
    for job in sorted(jobs):
        result = reduce_job(s3, job)
        print("%s: %d parts, %d distinct words" % (job, result["parts"], len(result["counts"])))
        done.append({"job": job, "parts": result["parts"]})
    return done
