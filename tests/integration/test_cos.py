"""The bucket service (docs/cos.md) against real clients: boto3 (path style, SigV4) for
every operation, the official COS Node.js SDK (virtual-host style, COS signature v5) for
its everyday calls and a 50 MB multipart upload, and raw requests signed here for each
kind of bad input, with the exact COS error code each one gets. Also a listing of 10,000
keys, a full disk, and kill -9 during and after uploads."""

import base64
import concurrent.futures
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from cos_client import (APPID, KeepAliveClient, boto3_client, cos_v5_authorization,
                        raw_request, send, sigv4_headers)
from yunfnlib import TEST_SECRET_ID, TEST_SECRET_KEY, Server, ServerTestCase, unique_name

try:
    import botocore.exceptions
    HAVE_BOTO3 = True
except ImportError:
    HAVE_BOTO3 = False

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cos-node")
NODE_SDK = os.path.join(NODE_DIR, "node_modules", "cos-nodejs-sdk-v5")
MB = 1024 * 1024


def bucket_name(prefix="b"):
    return "%s-%s" % (unique_name(prefix).lower().replace("_", "-")[:40], APPID)


def error_code(exc):
    return exc.response["Error"]["Code"]


def cos_dir(server):
    return os.path.join(server.data_dir, "cos")


class CosCase(ServerTestCase):
    """A server per class; self.s3 is a boto3 client and self.bucket a fresh bucket."""

    def setUp(self):
        super().setUp()
        if not HAVE_BOTO3:
            self.skipTest("boto3 is not installed (scripts/install-deps.sh: python3-boto3)")
        self.port = self.server.cos_port
        self.s3 = boto3_client(self.port)
        self.bucket = bucket_name()
        self.s3.create_bucket(Bucket=self.bucket)

    def assertCosError(self, fn, code, status=None, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kwargs)
        self.assertEqual(error_code(cm.exception), code, cm.exception.response)
        if status is not None:
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], status)
        return cm.exception


class BotoBucketTest(CosCase):

    def test_buckets(self):
        s3 = self.s3
        names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        self.assertIn(self.bucket, names)
        head = s3.head_bucket(Bucket=self.bucket)
        self.assertTrue(head["ResponseMetadata"]["HTTPHeaders"]["x-cos-request-id"])
        self.assertCosError(s3.create_bucket, "BucketAlreadyOwnedByYou", 409, Bucket=self.bucket)
        s3.put_object(Bucket=self.bucket, Key="k", Body=b"x")
        self.assertCosError(s3.delete_bucket, "BucketNotEmpty", 409, Bucket=self.bucket)
        s3.delete_object(Bucket=self.bucket, Key="k")
        s3.delete_bucket(Bucket=self.bucket)
        self.assertCosError(s3.head_bucket, "404", Bucket=self.bucket)
        self.assertCosError(s3.get_object, "NoSuchBucket", 404, Bucket=self.bucket, Key="k")
        self.assertCosError(s3.list_objects, "NoSuchBucket", 404, Bucket=self.bucket)
        other = self._new_bucket()
        self.assertEqual(s3.get_bucket_location(Bucket=other)["LocationConstraint"],
                         "ap-guangzhou")

    def _new_bucket(self):
        b = bucket_name()
        self.s3.create_bucket(Bucket=b)
        return b

    def test_objects_metadata_and_conditions(self):
        s3, b = self.s3, self.bucket
        body = os.urandom(100_000)
        put = s3.put_object(Bucket=b, Key="dir/obj.bin", Body=body, ContentType="image/png",
                            ContentDisposition='attachment; filename="x.png"',
                            CacheControl="max-age=60", ContentEncoding="identity",
                            Metadata={"color": "blue", "Size-Hint": "big"})
        etag = '"%s"' % hashlib.md5(body).hexdigest()
        self.assertEqual(put["ETag"], etag)
        got = s3.get_object(Bucket=b, Key="dir/obj.bin")
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual(got["ContentType"], "image/png")
        self.assertEqual(got["ContentDisposition"], 'attachment; filename="x.png"')
        self.assertEqual(got["CacheControl"], "max-age=60")
        self.assertEqual(got["ContentEncoding"], "identity")
        self.assertEqual(got["Metadata"], {"color": "blue", "size-hint": "big"})
        self.assertEqual(got["ETag"], etag)
        headers = got["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual(headers["x-cos-meta-color"], "blue")
        self.assertTrue(headers["x-cos-request-id"])
        head = s3.head_object(Bucket=b, Key="dir/obj.bin")
        self.assertEqual(head["ContentLength"], len(body))
        # Ranges.
        part = s3.get_object(Bucket=b, Key="dir/obj.bin", Range="bytes=10-19")
        self.assertEqual(part["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual(part["ContentRange"], "bytes 10-19/%d" % len(body))
        self.assertEqual(part["Body"].read(), body[10:20])
        tail = s3.get_object(Bucket=b, Key="dir/obj.bin", Range="bytes=-5")
        self.assertEqual(tail["Body"].read(), body[-5:])
        self.assertCosError(s3.get_object, "InvalidRange", 416, Bucket=b, Key="dir/obj.bin",
                            Range="bytes=%d-" % len(body))
        # Conditions.
        self.assertEqual(s3.get_object(Bucket=b, Key="dir/obj.bin", IfMatch=etag)["ETag"], etag)
        self.assertCosError(s3.get_object, "PreconditionFailed", 412, Bucket=b,
                            Key="dir/obj.bin", IfMatch='"0000"')
        self.assertCosError(s3.get_object, "304", 304, Bucket=b, Key="dir/obj.bin",
                            IfNoneMatch=etag)
        modified = head["LastModified"]
        self.assertCosError(s3.get_object, "304", 304, Bucket=b, Key="dir/obj.bin",
                            IfModifiedSince=modified)
        self.assertCosError(s3.get_object, "PreconditionFailed", 412, Bucket=b,
                            Key="dir/obj.bin",
                            IfUnmodifiedSince=modified.replace(year=modified.year - 1))
        # Content-MD5 is checked.
        self.assertCosError(s3.put_object, "BadDigest", 400, Bucket=b, Key="md5", Body=b"abc",
                            ContentMD5="ICy5YqxZB1uWSwcVLSNLcA==")
        self.assertCosError(s3.head_object, "404", Bucket=b, Key="md5")
        # Delete.
        s3.delete_object(Bucket=b, Key="dir/obj.bin")
        self.assertCosError(s3.get_object, "NoSuchKey", 404, Bucket=b, Key="dir/obj.bin")
        s3.delete_object(Bucket=b, Key="dir/obj.bin")  # deleting again is not an error
        # An empty object and keys that need encoding.
        for key in ["empty", "with space+plus%percent", "中文/ключ.txt", "a=b&c"]:
            s3.put_object(Bucket=b, Key=key, Body=b"" if key == "empty" else key.encode())
            self.assertEqual(s3.get_object(Bucket=b, Key=key)["Body"].read(),
                             b"" if key == "empty" else key.encode())
        keys = [o["Key"] for o in s3.list_objects(Bucket=b)["Contents"]]
        self.assertEqual(keys, sorted(["empty", "with space+plus%percent", "中文/ключ.txt", "a=b&c"],
                                      key=lambda k: k.encode()))

    def test_listing_v1_v2(self):
        s3, b = self.s3, self.bucket
        keys = ["a/1", "a/2", "b/x/1", "b/y", "c", "d/1", "e"]
        for k in keys:
            s3.put_object(Bucket=b, Key=k, Body=b"1")
        v1 = s3.list_objects(Bucket=b, Delimiter="/")
        self.assertEqual([o["Key"] for o in v1["Contents"]], ["c", "e"])
        self.assertEqual([p["Prefix"] for p in v1["CommonPrefixes"]], ["a/", "b/", "d/"])
        under = s3.list_objects(Bucket=b, Prefix="b/", Delimiter="/")
        self.assertEqual([o["Key"] for o in under["Contents"]], ["b/y"])
        self.assertEqual([p["Prefix"] for p in under["CommonPrefixes"]], ["b/x/"])
        # v1 paging by marker.
        seen, marker = [], ""
        while True:
            page = s3.list_objects(Bucket=b, MaxKeys=2, Marker=marker)
            seen += [o["Key"] for o in page.get("Contents", [])]
            if not page["IsTruncated"]:
                break
            marker = page["NextMarker"]
        self.assertEqual(seen, keys)
        # v2 paging with delimiter.
        entries, token = [], None
        while True:
            kwargs = {"Bucket": b, "MaxKeys": 2, "Delimiter": "/"}
            if token:
                kwargs["ContinuationToken"] = token
            page = s3.list_objects_v2(**kwargs)
            self.assertEqual(page["KeyCount"],
                             len(page.get("Contents", [])) + len(page.get("CommonPrefixes", [])))
            entries += [o["Key"] for o in page.get("Contents", [])]
            entries += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            if not page["IsTruncated"]:
                break
            token = page["NextContinuationToken"]
        self.assertEqual(sorted(entries), ["a/", "b/", "c", "d/", "e"])
        after = s3.list_objects_v2(Bucket=b, StartAfter="b/y")
        self.assertEqual([o["Key"] for o in after["Contents"]], ["c", "d/1", "e"])

    def test_multi_delete_and_copy(self):
        s3, b = self.s3, self.bucket
        for k in ["x1", "x2", "x3"]:
            s3.put_object(Bucket=b, Key=k, Body=k.encode(), Metadata={"m": k})
        done = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "x1"}, {"Key": "nope"}]})
        self.assertEqual(sorted(d["Key"] for d in done["Deleted"]), ["nope", "x1"])
        quiet = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "x2"}], "Quiet": True})
        self.assertNotIn("Deleted", quiet)
        self.assertEqual([o["Key"] for o in s3.list_objects(Bucket=b)["Contents"]], ["x3"])
        # Copy keeps the metadata; Replaced (REPLACE) takes the request's.
        other = self._other_bucket()
        copied = s3.copy_object(Bucket=other, Key="c1", CopySource={"Bucket": b, "Key": "x3"})
        self.assertEqual(copied["CopyObjectResult"]["ETag"],
                         '"%s"' % hashlib.md5(b"x3").hexdigest())
        got = s3.get_object(Bucket=other, Key="c1")
        self.assertEqual((got["Body"].read(), got["Metadata"]), (b"x3", {"m": "x3"}))
        s3.copy_object(Bucket=b, Key="x3", CopySource={"Bucket": b, "Key": "x3"},
                       MetadataDirective="REPLACE", Metadata={"m": "new"},
                       ContentType="text/plain")
        got = s3.get_object(Bucket=b, Key="x3")
        self.assertEqual((got["Metadata"], got["ContentType"]), ({"m": "new"}, "text/plain"))
        self.assertCosError(s3.copy_object, "NoSuchKey", 404, Bucket=b, Key="y",
                            CopySource={"Bucket": b, "Key": "missing"})
        # The source's later deletion does not touch the copy.
        s3.delete_object(Bucket=b, Key="x3")
        self.assertEqual(s3.get_object(Bucket=other, Key="c1")["Body"].read(), b"x3")

    def _other_bucket(self):
        b = bucket_name("other")
        self.s3.create_bucket(Bucket=b)
        return b

    def test_multipart(self):
        s3, b = self.s3, self.bucket
        up = s3.create_multipart_upload(Bucket=b, Key="mp.bin", ContentType="video/mp4",
                                        Metadata={"kind": "mp"})
        uid = up["UploadId"]
        listed = s3.list_multipart_uploads(Bucket=b, Prefix="mp")
        self.assertEqual([u["UploadId"] for u in listed["Uploads"]], [uid])
        parts_data = [os.urandom(MB + 7), os.urandom(MB), os.urandom(1234)]
        etags = []
        # Parts uploaded out of order, one of them twice.
        for n in (3, 1, 2, 1):
            r = s3.upload_part(Bucket=b, Key="mp.bin", UploadId=uid, PartNumber=n,
                               Body=parts_data[n - 1])
            self.assertEqual(r["ETag"], '"%s"' % hashlib.md5(parts_data[n - 1]).hexdigest())
        for n in (1, 2, 3):
            etags.append('"%s"' % hashlib.md5(parts_data[n - 1]).hexdigest())
        parts = s3.list_parts(Bucket=b, Key="mp.bin", UploadId=uid)["Parts"]
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in parts],
                         [(1, MB + 7), (2, MB), (3, 1234)])
        self.assertCosError(s3.upload_part, "InvalidArgument", 400, Bucket=b, Key="mp.bin",
                            UploadId=uid, PartNumber=10001, Body=b"x")
        done = s3.complete_multipart_upload(
            Bucket=b, Key="mp.bin", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etags[n - 1]}
                                       for n in (1, 2, 3)]})
        digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts_data)).hexdigest()
        self.assertEqual(done["ETag"], '"%s-3"' % digest)
        got = s3.get_object(Bucket=b, Key="mp.bin")
        self.assertEqual(got["Body"].read(), b"".join(parts_data))
        self.assertEqual((got["ContentType"], got["Metadata"]), ("video/mp4", {"kind": "mp"}))
        self.assertCosError(s3.list_parts, "NoSuchUpload", 404, Bucket=b, Key="mp.bin",
                            UploadId=uid)
        # Abort.
        uid2 = s3.create_multipart_upload(Bucket=b, Key="ab")["UploadId"]
        s3.upload_part(Bucket=b, Key="ab", UploadId=uid2, PartNumber=1, Body=b"abc")
        s3.abort_multipart_upload(Bucket=b, Key="ab", UploadId=uid2)
        self.assertCosError(s3.upload_part, "NoSuchUpload", 404, Bucket=b, Key="ab",
                            UploadId=uid2, PartNumber=1, Body=b"abc")
        self.assertNotIn("Uploads", s3.list_multipart_uploads(Bucket=b))
        # Small parts before the last one.
        uid3 = s3.create_multipart_upload(Bucket=b, Key="small")["UploadId"]
        tags = [s3.upload_part(Bucket=b, Key="small", UploadId=uid3, PartNumber=n,
                               Body=b"tiny")["ETag"] for n in (1, 2)]
        self.assertCosError(s3.complete_multipart_upload, "EntityTooSmall", 400, Bucket=b,
                            Key="small", UploadId=uid3,
                            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": tags[n - 1]}
                                                       for n in (1, 2)]})

    def test_upload_file_transfer_manager(self):
        from boto3.s3.transfer import TransferConfig
        path = os.path.join(self.server.workdir, "tm.bin")
        data = os.urandom(12 * MB + 5)
        with open(path, "wb") as f:
            f.write(data)
        cfg = TransferConfig(multipart_threshold=5 * MB, multipart_chunksize=5 * MB,
                             max_concurrency=3)
        self.s3.upload_file(path, self.bucket, "tm.bin", Config=cfg)
        back = os.path.join(self.server.workdir, "tm.back")
        self.s3.download_file(self.bucket, "tm.bin", back, Config=cfg)
        with open(back, "rb") as f:
            self.assertEqual(hashlib.md5(f.read()).hexdigest(), hashlib.md5(data).hexdigest())

    def test_presigned_urls(self):
        s3, b = self.s3, self.bucket
        s3.put_object(Bucket=b, Key="p.txt", Body=b"presigned body")
        url = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "p.txt"},
                                        ExpiresIn=300)
        with urllib.request.urlopen(url, timeout=10) as resp:
            self.assertEqual(resp.read(), b"presigned body")
        put_url = s3.generate_presigned_url("put_object", Params={"Bucket": b, "Key": "up.txt"},
                                            ExpiresIn=300)
        req = urllib.request.Request(put_url, data=b"via url", method="PUT")
        with urllib.request.urlopen(req, timeout=10) as resp:
            self.assertEqual(resp.status, 200)
        self.assertEqual(s3.get_object(Bucket=b, Key="up.txt")["Body"].read(), b"via url")
        expired = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "p.txt"},
                                            ExpiresIn=1)
        time.sleep(2.2)
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(expired, timeout=10)
        self.assertEqual(cm.exception.code, 403)
        self.assertIn(b"<Code>AccessDenied</Code>", cm.exception.read())

    def test_chunked_transfer_encoding_upload(self):
        # cos-nodejs-sdk-v5 2.x streams uploads this way, without a Content-Length.
        path = "/%s/chunked.bin" % self.bucket
        host = "127.0.0.1:%d" % self.port
        pieces = [os.urandom(70_000), os.urandom(1), os.urandom(300_000)]
        framed = [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces] + [b"0\r\n\r\n"]
        headers = {"Host": host, "Transfer-Encoding": "chunked",
                   "Authorization": cos_v5_authorization("PUT", path, {"host": host})}
        r = send(self.port, "PUT", path, headers, framed)
        self.assertEqual(r.status, 200, r.body)
        data = b"".join(pieces)
        self.assertEqual(r.headers["etag"], '"%s"' % hashlib.md5(data).hexdigest())
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="chunked.bin")["Body"].read(),
                         data)

    def test_aws_chunked_streaming_payload(self):
        # STREAMING-AWS4-HMAC-SHA256-PAYLOAD: the seed signature is checked, the framing
        # decoded; the stored object is the decoded bytes.
        path = "/%s/streamed.bin" % self.bucket
        host = "127.0.0.1:%d" % self.port
        pieces = [os.urandom(65536), os.urandom(1000)]
        body = b"".join(b"%x;chunk-signature=%s\r\n%s\r\n" % (len(p), b"0" * 64, p)
                        for p in pieces) + b"0;chunk-signature=%s\r\n\r\n" % (b"0" * 64)
        extra = {"content-encoding": "aws-chunked",
                 "x-amz-decoded-content-length": str(sum(map(len, pieces))),
                 "content-length": str(len(body))}
        headers = sigv4_headers("PUT", path, host, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", extra)
        r = send(self.port, "PUT", path, headers, [body])
        self.assertEqual(r.status, 200, r.body)
        got = self.s3.get_object(Bucket=self.bucket, Key="streamed.bin")
        self.assertEqual(got["Body"].read(), b"".join(pieces))
        self.assertNotIn("ContentEncoding", got)
        # A signed payload hash that is not the body's is refused.
        headers = sigv4_headers("PUT", path, host, hashlib.sha256(b"other").hexdigest(),
                                {"content-length": "4"})
        r = send(self.port, "PUT", path, headers, [b"body"])
        self.assertEqual((r.status, r.code()), (400, "XAmzContentSHA256Mismatch"))

    def test_wrong_key_is_refused(self):
        bad = boto3_client(self.port, secret_key="not-the-secret")
        self.assertCosError(bad.list_objects, "SignatureDoesNotMatch", 403, Bucket=self.bucket)


class BigListingTest(CosCase):
    """Listing speed, not durability, is under test: the data directory is on /dev/shm
    (when there is one) so that the 10,000 uploads do not wait on disk syncs."""

    @classmethod
    def setUpClass(cls):
        if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
            shm = tempfile.mkdtemp(prefix="yunfn-cos-list-", dir="/dev/shm")
            cls.addClassCleanup(shutil.rmtree, shm, True)
            cls.server_kwargs = {"data_dir": os.path.join(shm, "data")}
        super().setUpClass()

    def test_ten_thousand_keys_with_delimiters(self):
        b = self.bucket
        keys = ["d%02d/f%05d" % (i % 50, i) for i in range(9900)] + \
               ["top%03d" % i for i in range(100)]
        started = time.monotonic()
        # Four kept-alive raw connections: cheap for the CPU, so other tests running
        # at the same time are not starved.
        clients = [KeepAliveClient(self.port) for _ in range(4)]
        self.addCleanup(lambda: [c.close() for c in clients])

        def put_share(n):
            for i in range(n, len(keys), len(clients)):
                self.assertEqual(clients[n].put("/%s/%s" % (b, keys[i])), 200)

        with concurrent.futures.ThreadPoolExecutor(len(clients)) as pool:
            list(pool.map(put_share, range(len(clients))))
        put_s = time.monotonic() - started
        started = time.monotonic()
        paginator = self.s3.get_paginator("list_objects_v2")
        listed = [o["Key"] for page in paginator.paginate(Bucket=b) for o in page.get("Contents", [])]
        self.assertEqual(listed, sorted(keys))
        top = self.s3.list_objects(Bucket=b, Delimiter="/")
        self.assertEqual(len(top["CommonPrefixes"]), 50)
        self.assertEqual(len(top["Contents"]), 100)
        under = self.s3.list_objects(Bucket=b, Prefix="d07/", Delimiter="/", MaxKeys=1000)
        self.assertEqual(len(under["Contents"]), 198)
        one_level = time.monotonic()
        for _ in range(20):
            self.s3.list_objects(Bucket=b, Delimiter="/")
        per_delimiter_list = (time.monotonic() - one_level) / 20
        list_s = time.monotonic() - started
        print("10,000 keys: put %.1f s, listings %.2f s, delimiter listing %.1f ms"
              % (put_s, list_s, per_delimiter_list * 1000))
        # A delimiter listing seeks past each common prefix instead of reading its keys.
        self.assertLess(per_delimiter_list, 0.5)


class BadInputTest(CosCase):
    """One request per kind of bad input; each pins the exact COS error code."""

    def req(self, method, path, **kwargs):
        return raw_request(self.port, method, path, **kwargs)

    def test_bad_bucket_names(self):
        for name in ["UPPER-%s" % APPID, "no-appid", "bad_char-%s" % APPID,
                     "-lead-%s" % APPID, "x" * 51 + "-" + APPID, "name-12ab"]:
            r = self.req("PUT", "/%s" % name)
            self.assertEqual((r.status, r.code()), (400, "InvalidBucketName"), name)
            self.assertTrue(r.headers.get("x-cos-request-id"))

    def test_bad_keys(self):
        b = self.bucket
        cases = [("/%s/a/../b" % b, "InvalidArgument"), ("/%s/a/./b" % b, "InvalidArgument"),
                 ("/%s/a//b" % b, "InvalidArgument"), ("/%s/a%%00b" % b, "InvalidArgument"),
                 ("/%s/%s" % (b, "k" * 2048), "KeyTooLong")]
        for raw, code in cases:
            path = urllib.parse.unquote(raw)
            r = self.req("PUT", path, body=b"x", raw_path=raw)
            self.assertEqual((r.status, r.code()), (400, code), raw)
        self.assertNotIn("Contents", self.s3.list_objects(Bucket=b))
        # Through a multi-delete the same keys are refused one by one.
        body = ("<Delete><Object><Key>a/../b</Key></Object><Object><Key>ok</Key></Object>"
                "</Delete>").encode()
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        r = self.req("POST", "/%s" % b, body=body, query="delete=", headers={"Content-MD5": md5})
        self.assertEqual(r.status, 200, r.body)
        self.assertIn(b"<Error><Key>a/../b</Key><Code>InvalidArgument</Code>", r.body)
        self.assertIn(b"<Deleted><Key>ok</Key></Deleted>", r.body)

    def test_signatures(self):
        b = self.bucket
        self.s3.put_object(Bucket=b, Key="s", Body=b"secret")
        self.assertEqual(self.req("GET", "/%s/s" % b).status, 200)
        r = self.req("GET", "/%s/s" % b, sign=False)
        self.assertEqual((r.status, r.code()), (403, "AccessDenied"))
        r = self.req("GET", "/%s/s" % b, secret_key="wrong")
        self.assertEqual((r.status, r.code()), (403, "SignatureDoesNotMatch"))
        r = self.req("GET", "/%s/s" % b, start=time.time() - 3600, expires=60)
        self.assertEqual((r.status, r.code()), (403, "AccessDenied"))
        self.assertIn("expired", r.message())
        r = self.req("GET", "/%s/s" % b, start=time.time() + 7200, expires=60)
        self.assertEqual((r.status, r.code()), (403, "RequestTimeTooSkewed"))
        r = self.req("DELETE", "/%s/s" % b, sign_method="GET")
        self.assertEqual((r.status, r.code()), (403, "SignatureDoesNotMatch"))
        r = self.req("GET", "/%s/s" % b, sign_path="/%s/other" % b)
        self.assertEqual((r.status, r.code()), (403, "SignatureDoesNotMatch"))
        r = self.req("GET", "/%s/s" % b, secret_id="AKIDunknown")
        self.assertEqual((r.status, r.code()), (403, "InvalidAccessKeyId"))
        self.assertEqual(self.s3.get_object(Bucket=b, Key="s")["Body"].read(), b"secret")

    def test_range_past_end(self):
        self.s3.put_object(Bucket=self.bucket, Key="r", Body=b"0123456789")
        r = self.req("GET", "/%s/r" % self.bucket, headers={"Range": "bytes=10-20"})
        self.assertEqual((r.status, r.code()), (416, "InvalidRange"))
        self.assertEqual(r.headers.get("content-range"), "bytes */10")

    def test_complete_with_missing_and_unordered_parts(self):
        s3, b = self.s3, self.bucket
        uid = s3.create_multipart_upload(Bucket=b, Key="m")["UploadId"]
        t1 = s3.upload_part(Bucket=b, Key="m", UploadId=uid, PartNumber=1,
                            Body=os.urandom(MB))["ETag"]
        t2 = s3.upload_part(Bucket=b, Key="m", UploadId=uid, PartNumber=2, Body=b"end")["ETag"]

        def complete(parts):
            xml = "<CompleteMultipartUpload>%s</CompleteMultipartUpload>" % "".join(
                "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>" % p for p in parts)
            return self.req("POST", "/%s/m" % b, body=xml.encode(), query="uploadId=" + uid)

        r = complete([(1, t1), (3, t2)])
        self.assertEqual((r.status, r.code()), (400, "InvalidPart"))
        r = complete([(1, t2), (2, t2)])
        self.assertEqual((r.status, r.code()), (400, "InvalidPart"))
        r = complete([(2, t2), (1, t1)])
        self.assertEqual((r.status, r.code()), (400, "InvalidPartOrder"))
        r = self.req("POST", "/%s/m" % b, body=b"<CompleteMultipartUpload><Part>",
                     query="uploadId=" + uid)
        self.assertEqual((r.status, r.code()), (400, "MalformedXML"))
        r = complete([(1, t1), (2, t2)])
        self.assertEqual(r.status, 200, r.body)
        r = self.req("POST", "/%s/m" % b, body=b"<x/>", query="uploadId=nope")
        self.assertEqual((r.status, r.code()), (404, "NoSuchUpload"))

    def test_body_shorter_than_content_length_is_incomplete_body(self):
        # The client sends half the body, says it is done (half-close) and waits for the answer.
        b = self.bucket
        path = "/%s/half" % b
        host = "127.0.0.1:%d" % self.port
        auth = cos_v5_authorization("PUT", path, {"host": host})
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(("PUT %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Length: 100000\r\n"
                       "\r\n" % (path, host, auth)).encode() + b"x" * 50000)
            s.shutdown(socket.SHUT_WR)
            answer = b""
            while True:
                piece = s.recv(65536)
                if not piece:
                    break
                answer += piece
        self.assertTrue(answer.startswith(b"HTTP/1.1 400 "), answer)
        self.assertIn(b"<Code>IncompleteBody</Code>", answer)
        self.assertEqual(os.listdir(os.path.join(cos_dir(self.server), "tmp")), [])
        self.assertCosError(self.s3.head_object, "404", Bucket=b, Key="half")

    def test_a_client_that_disconnects_mid_upload_leaves_nothing(self):
        b = self.bucket
        path = "/%s/short" % b
        host = "127.0.0.1:%d" % self.port
        auth = cos_v5_authorization("PUT", path, {"host": host})
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        s.sendall(("PUT %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Length: 100000\r\n"
                   "\r\n" % (path, host, auth)).encode() + b"x" * 50000)
        time.sleep(0.3)
        s.close()
        tmp = os.path.join(cos_dir(self.server), "tmp")
        deadline = time.time() + 10
        while os.listdir(tmp) and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(os.listdir(tmp), [])
        self.assertCosError(self.s3.head_object, "404", Bucket=b, Key="short")
        self.assertNotIn("Contents", self.s3.list_objects(Bucket=b))

    def test_unsupported_and_malformed(self):
        r = self.req("POST", "/%s" % self.bucket, body=b"<Delete><Object>", query="delete")
        self.assertEqual((r.status, r.code()), (400, "MalformedXML"))
        r = self.req("GET", "/%s/none" % self.bucket)
        self.assertEqual((r.status, r.code()), (404, "NoSuchKey"))
        self.assertIn(b"<RequestId>", r.body)
        self.assertIn(b"<Resource>", r.body)


@unittest.skipUnless(shutil.which("node"), "node is not installed")
class NodeSdkTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(NODE_SDK):
            npm = shutil.which("npm")
            if npm is None:
                raise unittest.SkipTest("npm is not installed")
            proc = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR,
                                  capture_output=True, text=True, timeout=600)
            if proc.returncode != 0 or not os.path.isdir(NODE_SDK):
                raise unittest.SkipTest("could not install cos-nodejs-sdk-v5: %s"
                                        % proc.stderr[-2000:])
        super().setUpClass()

    def test_sdk_roundtrip(self):
        bucket = bucket_name("node")
        r = raw_request(self.server.cos_port, "PUT", "/" + bucket)
        self.assertEqual(r.status, 200, r.body)
        env = dict(os.environ, COS_PORT=str(self.server.cos_port), COS_SECRET_ID=TEST_SECRET_ID,
                   COS_SECRET_KEY=TEST_SECRET_KEY, COS_BUCKET=bucket,
                   COS_WORKDIR=self.server.workdir)
        proc = subprocess.run(["node", os.path.join(NODE_DIR, "cos_roundtrip.js")], cwd=NODE_DIR,
                              env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, "roundtrip failed:\n%s\n%s"
                         % (proc.stdout, proc.stderr))
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        self.assertEqual(out["get_body"], "hello from node")
        self.assertEqual(out["get_meta"], "node-sdk")
        self.assertTrue(out["get_request_id"])
        self.assertEqual(out["head_etag"], '"%s"' % hashlib.md5(b"hello from node").hexdigest())
        self.assertEqual(out["head_length"], str(len("hello from node")))
        self.assertEqual(out["range_body"], "hello")
        self.assertEqual(out["list_keys"], ["node/list/b"])
        self.assertEqual(out["list_prefixes"], ["node/list/a/", "node/list/c/"])
        self.assertEqual(out["big_md5_got"], out["big_md5_sent"])
        self.assertEqual(out["big_size_got"], 50 * MB)
        self.assertRegex(out["upload_etag"], r'^"[0-9a-f]{32}-50"$')
        self.assertRegex(out["sliced_etag"], r'^"[0-9a-f]{32}-10"$')
        self.assertEqual((out["presigned_status"], out["presigned_body"]), (200, "hello from node"))
        self.assertEqual(out["copy_body"], "hello from node")
        self.assertEqual(out["multi_deleted"], ["node/copy.txt", "node/list/b", "node/missing"])
        self.assertEqual(out["head_after_delete"], 404)


def is_root():
    return os.geteuid() == 0


class DiskFullTest(ServerTestCase):
    """The data directory is on a small tmpfs that the test fills and empties."""

    mnt = None

    @classmethod
    def setUpClass(cls):
        from test_store_faults import fill_disk, mount_tmpfs, unmount
        cls.fill_disk = staticmethod(fill_disk)
        cls.mnt = mount_tmpfs("48m")
        cls.addClassCleanup(unmount, cls.mnt)
        cls.server_kwargs = {"data_dir": os.path.join(cls.mnt, "data")}
        super().setUpClass()

    def test_disk_full_then_recovers(self):
        port = self.server.cos_port
        bucket = bucket_name("full")
        self.assertEqual(raw_request(port, "PUT", "/" + bucket).status, 200)
        self.assertEqual(raw_request(port, "PUT", "/%s/before" % bucket, body=b"ok").status, 200)
        filler = os.path.join(self.mnt, "filler")
        try:
            self.fill_disk(filler)
            data = os.urandom(2 * MB)
            r = raw_request(port, "PUT", "/%s/big" % bucket, body=data)
            self.assertEqual((r.status, r.code()), (500, "InternalError"), r.body)
            self.assertIn("disk is full", r.message())
            r = raw_request(port, "HEAD", "/%s/big" % bucket)
            self.assertEqual(r.status, 404)
            self.assertEqual(os.listdir(os.path.join(cos_dir(self.server), "tmp")), [])
            # Reads keep working while the disk is full.
            r = raw_request(port, "GET", "/%s/before" % bucket)
            self.assertEqual((r.status, r.body), (200, b"ok"))
        finally:
            os.unlink(filler)
        r = raw_request(port, "PUT", "/%s/big" % bucket, body=data)
        self.assertEqual(r.status, 200, r.body)
        r = raw_request(port, "GET", "/%s/big" % bucket)
        self.assertEqual(r.body, data)


class FlagTest(unittest.TestCase):

    def test_cos_listen_off(self):
        server = Server(extra_args=["--cos-listen", "off"])
        self.addCleanup(server.cleanup)
        server.start()
        self.assertIsNone(server.cos_port)
        self.assertFalse(any("cos listening" in line for line in server.stdout_lines))
        self.assertFalse(os.path.exists(cos_dir(server)))


class CrashTest(unittest.TestCase):
    """kill -9 while an upload streams and right after one was acknowledged."""

    def test_kill_during_and_after_put(self):
        server = Server()
        self.addCleanup(server.cleanup)
        server.start()
        port = server.cos_port
        bucket = bucket_name("crash")
        self.assertEqual(raw_request(port, "PUT", "/" + bucket).status, 200)
        acked = os.urandom(3 * MB)
        self.assertEqual(raw_request(port, "PUT", "/%s/acked" % bucket, body=acked).status, 200)
        # An upload that is half sent when the server dies.
        path = "/%s/interrupted" % bucket
        host = "127.0.0.1:%d" % port
        auth = cos_v5_authorization("PUT", path, {"host": host})
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(("PUT %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Length: %d\r\n"
                   "\r\n" % (path, host, auth, 8 * MB)).encode() + os.urandom(4 * MB))
        tmp = os.path.join(cos_dir(server), "tmp")
        deadline = time.time() + 10
        while not os.listdir(tmp) and time.time() < deadline:
            time.sleep(0.02)
        self.assertTrue(os.listdir(tmp), "the upload never reached a temp file")
        server.kill()
        s.close()
        server.start()
        port = server.cos_port
        r = raw_request(port, "GET", "/%s/acked" % bucket)
        self.assertEqual((r.status, hashlib.md5(r.body).hexdigest()),
                         (200, hashlib.md5(acked).hexdigest()))
        self.assertEqual(raw_request(port, "HEAD", path).status, 404)
        self.assertEqual(os.listdir(tmp), [])
        data_files = os.listdir(os.path.join(cos_dir(server), "data"))
        self.assertEqual(len(data_files), 1)
        db = sqlite3.connect(os.path.join(cos_dir(server), "cos.db"))
        try:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            events = db.execute("SELECT event_name, key FROM outbox ORDER BY seq").fetchall()
        finally:
            db.close()
        # The acknowledged write's event was handed to the cos triggers (none matched,
        # so it is gone: tests/integration/test_cos_trigger.py follows one through a
        # kill -9); the interrupted upload made none.
        self.assertNotIn("interrupted", [key for _, key in events])


if __name__ == "__main__":
    unittest.main()
