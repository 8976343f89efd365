"""Code packages deployed from a bucket of the bucket service (scf-contract.md 3.1, 3.2:
Code.CosBucketName / CosObjectName, as the Serverless toolkit deploys): CreateFunction,
UpdateFunctionCode (the Code struct and the legacy top-level fields) and
PublishLayerVersion's Content, with the errors of a missing bucket, object or service."""

import json
import unittest

from cos_client import APPID, raw_request
from yunfnlib import (Server, ServerTestCase, make_zip, unique_name, wait_active,
                      zip_b64)

PY = "Python3.9"


def handler_zip(answer):
    return make_zip({"index.py": "def main_handler(event, context):\n    return %r\n" % answer})


class CodeFromCosTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "deploy-%s" % APPID
        r = raw_request(cls.server.cos_port, "PUT", "/%s/" % cls.bucket)
        assert r.status == 200, r.body

    def put_object(self, key, body):
        r = raw_request(self.server.cos_port, "PUT", "/%s/%s" % (self.bucket, key), body=body)
        self.assertEqual(r.status, 200, r.body)

    def create(self, name, code, **extra):
        params = {"FunctionName": name, "Runtime": PY, "Handler": "index.main_handler",
                  "Code": code}
        params.update(extra)
        return self.client.call("CreateFunction", params)

    def test_create_and_update_from_a_bucket(self):
        self.put_object("pkg/v1.zip", handler_zip("v1"))
        self.put_object("pkg/v2.zip", handler_zip("v2"))
        self.put_object("pkg/v3.zip", handler_zip("v3"))
        name = unique_name("cos")
        # SCF's CosBucketName leaves out the appid; the key may start with '/'.
        self.client.ok("CreateFunction", {
            "FunctionName": name, "Runtime": PY, "Handler": "index.main_handler",
            "Code": {"CosBucketName": "deploy", "CosObjectName": "/pkg/v1.zip",
                     "CosBucketRegion": "ap-guangzhou"}})
        wait_active(self.client, name)
        self.assertEqual(json.loads(self.client.invoke(name, {})["RetMsg"]), "v1")

        self.client.ok("UpdateFunctionCode", {
            "FunctionName": name,
            "Code": {"CosBucketName": self.bucket, "CosObjectName": "pkg/v2.zip"}})
        wait_active(self.client, name)
        self.assertEqual(json.loads(self.client.invoke(name, {})["RetMsg"]), "v2")

        # The legacy top-level fields of UpdateFunctionCode.
        self.client.ok("UpdateFunctionCode", {
            "FunctionName": name, "CosBucketName": "deploy", "CosObjectName": "/pkg/v3.zip"})
        detail = wait_active(self.client, name)
        self.assertEqual(json.loads(self.client.invoke(name, {})["RetMsg"]), "v3")
        self.assertEqual(detail["CodeSize"], len(handler_zip("v3")))

    def test_layer_content_from_a_bucket(self):
        self.put_object("layers/lib.zip", make_zip({"cos_lib.py": "WHERE = 'bucket'\n"}))
        layer = unique_name("lcos")
        version = self.client.ok("PublishLayerVersion", {
            "LayerName": layer, "CompatibleRuntimes": [PY],
            "Content": {"CosBucketName": "deploy", "CosObjectName": "/layers/lib.zip"}})["LayerVersion"]
        self.assertEqual(version, 1)
        name = unique_name("lcosfn")
        self.client.ok("CreateFunction", {
            "FunctionName": name, "Runtime": PY, "Handler": "index.main_handler",
            "Code": {"ZipFile": zip_b64({"index.py": "import cos_lib\n"
                                         "def main_handler(e, c):\n    return cos_lib.WHERE\n"})},
            "Layers": [{"LayerName": layer, "LayerVersion": 1}]})
        wait_active(self.client, name)
        self.assertEqual(json.loads(self.client.invoke(name, {})["RetMsg"]), "bucket")

    def test_bad_sources(self):
        self.put_object("not-a-zip.txt", b"hello")
        self.put_object("ok.zip", handler_zip("ok"))
        cases = [
            ({"CosBucketName": "nobucket", "CosObjectName": "/x.zip"},
             "ResourceNotFound.Cos", "nobucket"),
            ({"CosBucketName": "deploy", "CosObjectName": "/missing.zip"},
             "ResourceNotFound.CosObject", "missing.zip"),
            ({"CosBucketName": "deploy"}, "InvalidParameterValue.Code", "CosObjectName"),
            ({"CosBucketName": "deploy", "CosObjectName": "/ok.zip",
              "ZipFile": zip_b64({"index.py": ""})}, "InvalidParameterValue.Code", "not both"),
            ({"CosBucketName": "deploy", "CosObjectName": "/not-a-zip.txt"},
             "InvalidParameterValue.ZipFile", "zip"),
            ({"ImageConfig": {"ImageType": "personal"}}, "UnsupportedOperation", "ImageConfig"),
        ]
        for code, error, field in cases:
            with self.subTest(error=error, field=field):
                name = unique_name("badcos")
                r = self.create(name, code)
                self.assertIn("Error", r, r)
                self.assertErrorCode(r["Error"], error, field)
                self.assertIn("ResourceNotFound.Function",
                              json.dumps(self.client.call("GetFunction", {"FunctionName": name})))


class CodeFromCosWithoutBucketServiceTest(unittest.TestCase):

    def test_refused_when_the_bucket_service_is_off(self):
        server = Server(extra_args=["--cos-listen", "off"])
        try:
            server.start()
            r = server.client().call("CreateFunction", {
                "FunctionName": "offcos", "Runtime": PY, "Handler": "index.main_handler",
                "Code": {"CosBucketName": "deploy", "CosObjectName": "/x.zip"}})
            self.assertEqual(r["Error"]["Code"], "FailedOperation", r)
            self.assertIn("bucket service is off", r["Error"]["Message"])
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
