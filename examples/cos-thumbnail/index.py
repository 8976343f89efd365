"""Makes a thumbnail of every image written to the photos bucket.

Bound to cos:ObjectCreated:* of photos-1250000000. Reads the new object, shrinks it to at
most THUMB_SIZE pixels on its longer side (128 by default) with Pillow, and writes it
under the same key to thumbs-1250000000. Writing to another bucket than the watched one
keeps the function from triggering itself.
"""

import io
import os

import boto3
from botocore.config import Config
from PIL import Image

THUMBS_BUCKET = os.environ.get("THUMBS_BUCKET", "thumbs-1250000000")
THUMB_SIZE = int(os.environ.get("THUMB_SIZE", "128"))


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
    made = []
    for record in event["Records"]:
        bucket, key = where(record)
        original = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        image = Image.open(io.BytesIO(original))
        fmt = image.format or "PNG"
        image.thumbnail((THUMB_SIZE, THUMB_SIZE))
        out = io.BytesIO()
        image.save(out, format=fmt)
        s3.put_object(Bucket=THUMBS_BUCKET, Key=key, Body=out.getvalue(),
                      ContentType=Image.MIME.get(fmt, "application/octet-stream"))
        print("thumbnail of %s/%s: %dx%d %s" % (bucket, key, image.width, image.height, fmt))
        made.append({"key": key, "width": image.width, "height": image.height})
    return made
