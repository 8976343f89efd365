"""What the mapper and the reducer of the word count share: the buckets, the bucket
client and the job protocol.

Job protocol (one job = one key prefix):
  input   wc-input-1250000000/<job>/<part>.txt     text, written by the user
  partial wc-middle-1250000000/<job>/<part>.json   {"counts": {word: n}} of one part (mapper)
  result  wc-result-1250000000/<job>.json          {"job", "parts", "counts"} (reducer)
"""

import os

import boto3
from botocore.config import Config

INPUT_BUCKET = os.environ.get("WC_INPUT_BUCKET", "wc-input-1250000000")
MIDDLE_BUCKET = os.environ.get("WC_MIDDLE_BUCKET", "wc-middle-1250000000")
RESULT_BUCKET = os.environ.get("WC_RESULT_BUCKET", "wc-result-1250000000")


def bucket_client():
    """boto3 pointed at the bucket service, with the function's own keys."""
    return boto3.client(
        "s3", endpoint_url=os.environ["YUNFN_COS_ENDPOINT"],
        region_name=os.environ.get("TENCENTCLOUD_REGION", "ap-guangzhou"),
        aws_access_key_id=os.environ["TENCENTCLOUD_SECRETID"],
        aws_secret_access_key=os.environ["TENCENTCLOUD_SECRETKEY"],
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def object_keys(record):
    """(bucket, key) of a COS event record; cosObject.key is /<appid>/<name>/<key>."""
    cos = record["cos"]
    bucket = "%s-%s" % (cos["cosBucket"]["name"], cos["cosBucket"]["appid"])
    return bucket, cos["cosObject"]["key"].split("/", 3)[3]


def split_job(key):
    """"job1/part-0003.txt" -> ("job1", "part-0003"); None for keys outside a job."""
    job, sep, part = key.partition("/")
    if not sep or not job or not part or "/" in part:
        return None
    return job, part.rsplit(".", 1)[0]
