"""The map step: counts the words of one input part.

Bound to cos:ObjectCreated:* of wc-input-1250000000. For <job>/<part>.txt it writes
{"counts": {word: n}} to wc-middle-1250000000/<job>/<part>.json. Words are runs of
letters, digits and underscores, compared in lower case.
"""

import collections
import json
import re

import wc

WORD = re.compile(r"\w+")


def count_words(text):
    return collections.Counter(WORD.findall(text.lower()))


def main_handler(event, context):
    s3 = wc.bucket_client()
    written = []
    for record in event["Records"]:
        bucket, key = wc.object_keys(record)
        job_part = wc.split_job(key)
        if job_part is None:
            print("skipping %s: not <job>/<part>" % key)
            continue
        job, part = job_part
        text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8", "replace")
        counts = count_words(text)
        partial = "%s/%s.json" % (job, part)
        s3.put_object(Bucket=wc.MIDDLE_BUCKET, Key=partial, ContentType="application/json",
                      Body=json.dumps({"counts": counts}).encode())
        print("%s: %d words, %d distinct -> %s" % (key, sum(counts.values()), len(counts), partial))
        written.append(partial)
    return written
