"""The COS examples (examples/cos-thumbnail, cos-filehash, cos-wordcount) deployed and
fed through the real CLI, as their README sections say, with the results checked in the
buckets: a 128 px thumbnail, the SHA-256 in the object's metadata, and a word count
equal to one computed here.

The functions import boto3 and Pillow from the host's Debian packages (python3-boto3,
python3-pil), which namespace-isolated instances see read-only under /usr."""

import collections
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from cos_client import boto3_client
from yunfnlib import REPO, ServerTestCase, list_all_async_events, run_cli

EXAMPLES = os.path.join(REPO, "examples")
RESULT_TIMEOUT = 90


def host_python_has(*modules):
    """Whether the host's Debian python3 (the one instances run) imports `modules`."""
    python = "/usr/bin/python3"
    if not os.path.exists(python):
        return False
    code = "import " + ", ".join(modules)
    return subprocess.run([python, "-c", code], capture_output=True).returncode == 0


class CosExamplesTest(ServerTestCase):
    server_kwargs = {"extra_args": ["--async-retry-delay-ms", "200"]}

    @classmethod
    def setUpClass(cls):
        if not host_python_has("boto3"):
            raise unittest.SkipTest("the host's python3 lacks boto3 (scripts/install-deps.sh)")
        super().setUpClass()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cos-examples-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.s3 = boto3_client(self.server.cos_port)
        if hasattr(self.s3, "close"):
            self.addCleanup(self.s3.close)

    def cli_ok(self, *args):
        env = {"YUNFN_COS_ENDPOINT": "127.0.0.1:%d" % self.server.cos_port}
        proc = run_cli(self.server, *args, env_extra=env)
        self.assertEqual(proc.returncode, 0, "yunfn %s failed\nstdout:\n%s\nstderr:\n%s"
                         % (" ".join(args), proc.stdout, proc.stderr))
        return proc

    def deploy(self, example, name, handler="index.main_handler"):
        self.cli_ok("deploy", os.path.join(EXAMPLES, example), "--name", name,
                    "--runtime", "Python3.9", "--handler", handler, "--memory", "256",
                    "--timeout", "30")

    def upload(self, name, data, dest):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        self.cli_ok("cos", "cp", path, dest)

    def wait_for(self, what, probe, functions):
        """Polls probe() until it returns a true value; fails with the functions'
        async events when it never does."""
        deadline = time.time() + RESULT_TIMEOUT
        while time.time() < deadline:
            value = probe()
            if value:
                return value
            time.sleep(0.3)
        events = {fn: list_all_async_events(self.client, fn) for fn in functions}
        self.fail("%s never appeared; async events: %s" % (what, json.dumps(events, indent=1)))

    def head(self, bucket, key):
        try:
            return self.s3.head_object(Bucket=bucket, Key=key)
        except self.s3.exceptions.ClientError:
            return None

    def get_json(self, bucket, key):
        try:
            return json.loads(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except self.s3.exceptions.NoSuchKey:
            return None

    def test_thumbnail(self):
        try:
            from PIL import Image
        except ImportError:
            self.skipTest("PIL is not importable here (python3-pil)")
        if not host_python_has("PIL"):
            self.skipTest("the host's python3 lacks PIL (python3-pil)")
        self.cli_ok("cos", "mb", "photos-1250000000")
        self.cli_ok("cos", "mb", "thumbs-1250000000")
        self.deploy("cos-thumbnail", "thumbnail")
        self.cli_ok("trigger", "add", "thumbnail", "cos", "--bucket", "photos-1250000000")
        picture = io.BytesIO()
        Image.new("RGB", (640, 480), (200, 30, 90)).save(picture, format="PNG")
        self.upload("cat.png", picture.getvalue(), "cos://photos-1250000000/cats/cat.png")

        self.wait_for("the thumbnail", lambda: self.head("thumbs-1250000000", "cats/cat.png"),
                      ["thumbnail"])
        data = self.s3.get_object(Bucket="thumbs-1250000000", Key="cats/cat.png")["Body"].read()
        thumb = Image.open(io.BytesIO(data))
        thumb.verify()
        thumb = Image.open(io.BytesIO(data))
        self.assertEqual(thumb.format, "PNG")
        self.assertEqual(thumb.size, (128, 96))
        self.assertLessEqual(max(thumb.size), 128)

    def test_filehash(self):
        self.cli_ok("cos", "mb", "files-1250000000")
        self.deploy("cos-filehash", "filehash")
        self.cli_ok("trigger", "add", "filehash", "cos", "--bucket", "files-1250000000",
                    "--event", "cos:ObjectCreated:Put")
        data = os.urandom(200 * 1024)
        self.upload("blob.bin", data, "cos://files-1250000000/blob.bin")

        def hashed():
            head = self.head("files-1250000000", "blob.bin")
            return head if head and "sha256" in head.get("Metadata", {}) else None

        head = self.wait_for("the sha256 metadata", hashed, ["filehash"])
        self.assertEqual(head["Metadata"]["sha256"], hashlib.sha256(data).hexdigest())
        self.assertEqual(head["ContentLength"], len(data))
        # The copy the function made did not run it again: one event, for the Put.
        time.sleep(1)
        self.assertEqual(len(list_all_async_events(self.client, "filehash")), 1)

    def test_wordcount(self):
        for bucket in ("wc-input", "wc-middle", "wc-result"):
            self.cli_ok("cos", "mb", bucket + "-1250000000")
        self.deploy("cos-wordcount", "wc-mapper", "mapper.main_handler")
        self.deploy("cos-wordcount", "wc-reducer", "reducer.main_handler")
        self.cli_ok("trigger", "add", "wc-mapper", "cos", "--bucket", "wc-input-1250000000",
                    "--suffix", ".txt")
        self.cli_ok("trigger", "add", "wc-reducer", "cos", "--bucket", "wc-middle-1250000000",
                    "--suffix", ".json")
        parts = [
            "The quick brown fox jumps over the lazy dog.\nThe dog sleeps.",
            "A fox, a dog and a cat: the cat wins!",
            "dog DOG Dog fox_1 fox 2024 2024",
        ]
        expected = collections.Counter()
        for n, text in enumerate(parts, start=1):
            expected.update(re.findall(r"\w+", text.lower()))
            self.upload("part-%04d.txt" % n, text.encode(),
                        "cos://wc-input-1250000000/job1/part-%04d.txt" % n)

        def complete():
            result = self.get_json("wc-result-1250000000", "job1.json")
            return result if result and result["parts"] == len(parts) else None

        result = self.wait_for("the complete word count", complete, ["wc-mapper", "wc-reducer"])
        self.assertEqual(result["job"], "job1")
        self.assertEqual(result["counts"], dict(expected))
        self.assertEqual(result["counts"]["dog"], 6)


if __name__ == "__main__":
    unittest.main()
