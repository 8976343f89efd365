"""Records the SHA-256 of every object uploaded to a bucket in the object's metadata.

Bound to cos:ObjectCreated:Put only. The function hashes the new object and copies the
object onto itself with replaced metadata (x-cos-metadata-directive: Replaced, sent by
boto3 as its S3 spelling x-amz-metadata-directive: REPLACE) adding x-cos-meta-sha256.
That copy is itself an object write, cos:ObjectCreated:Copy: a trigger on
cos:ObjectCreated:* would run the function again for its own copy, forever.
"""

import hashlib
import os

import boto3
from botocore.config import Config

CHUNK = 1024 * 1024


def bucket_client():
    """boto3 pointed at the bucket service, with the function's own keys."""
    return boto3.client(
        "s3", endpoint_url=os.environ["YUNFN_COS_ENDPOINT"],
        region_name=os.environ.get("TENCENTCLOUD_REGION", "ap-guangzhou"),
        aws_access_key_id=os.environ["TENCENTCLOUD_SECRETID"],
        aws_secret_access_key=os.environ["TENCENTCLOUD_SECRETKEY"],
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def where(record):
    """(bucket, key) of a COS event record; cosObject.key is /<appid>/<name>/<key>."""
    cos = record["cos"]
    bucket = "%s-%s" % (cos["cosBucket"]["name"], cos["cosBucket"]["appid"])
    return bucket, cos["cosObject"]["key"].split("/", 3)[3]


def main_handler(event, context):
    s3 = bucket_client()
    hashed = []
    for record in event["Records"]:
        bucket, key = where(record)
        obj = s3.get_object(Bucket=bucket, Key=key)
        digest = hashlib.sha256()
        for chunk in iter(lambda: obj["Body"].read(CHUNK), b""):
            digest.update(chunk)
        metadata = dict(obj.get("Metadata") or {}, sha256=digest.hexdigest())
        s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": key},
                       MetadataDirective="REPLACE", Metadata=metadata,
                       ContentType=obj.get("ContentType", "application/octet-stream"))
        print("%s/%s sha256=%s" % (bucket, key, metadata["sha256"]))
        hashed.append({"key": key, "sha256": metadata["sha256"]})
    return hashed
