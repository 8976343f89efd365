"""The CLS examples (examples/cls-etl, examples/cls-to-cos) deployed and fed as their
README sections say, through the CLI and examples/cls-etl/clsctl.py: access-log records
uploaded to a raw topic are parsed and filtered by the ETL function, whose printed lines
reach the clean topic through its ClsTopicId; the archive function, bound to the clean
topic, writes them to a bucket as gzip'd JSON lines, checked here."""

import gzip
import json
import os
import subprocess
import sys
import time
import unittest

from cos_client import boto3_client
from test_cos_examples import host_python_has
from yunfnlib import REPO, ServerTestCase, list_all_async_events, run_cli, server_env

EXAMPLES = os.path.join(REPO, "examples")
CLSCTL = os.path.join(EXAMPLES, "cls-etl", "clsctl.py")
ACCESS_LOG = """203.0.113.9 GET /api/orders 200 12ms
203.0.113.9 POST /api/orders 502 40ms
198.51.100.7 GET /api/report 200 2300ms
not an access-log line
{"ip":"198.51.100.7","method":"DELETE","path":"/api/orders/7","status":500,"ms":5}
"""


class ClsExamplesTest(ServerTestCase):
    server_kwargs = {"extra_args": ["--async-retry-delay-ms", "200"]}

    @classmethod
    def setUpClass(cls):
        if not host_python_has("boto3"):
            raise unittest.SkipTest("the host's python3 lacks boto3 (scripts/install-deps.sh)")
        super().setUpClass()

    def clsctl(self, *args, input=None):
        env = server_env(extra={"YUNFN_ENDPOINT": self.server.endpoint})
        proc = subprocess.run([sys.executable, CLSCTL] + list(args), input=input, capture_output=True, text=True,
                              env=env, timeout=60)
        self.assertEqual(proc.returncode, 0, "clsctl %s: %s%s" % (args, proc.stdout, proc.stderr))
        return proc.stdout.strip()

    def deploy(self, example, name):
        proc = run_cli(self.server, "deploy", os.path.join(EXAMPLES, example), "--name", name, "--runtime",
                       "Python3.9", "--handler", "index.main_handler", "--memory", "256", "--timeout", "30")
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def outcomes(self, *functions):
        """Status and RetMsg of every async event of the functions (for failure messages)."""
        out = {}
        for fn in functions:
            for e in list_all_async_events(self.client, fn):
                r = self.client.ok("GetAsyncEventStatus", {"InvokeRequestId": e["InvokeRequestId"]})["Result"]
                out.setdefault(fn, []).append((r["Status"], r.get("RetMsg", "")[:600]))
        return out

    def test_etl_then_archive(self):
        s3 = boto3_client(self.server.cos_port)
        s3.create_bucket(Bucket="cls-archive-1250000000")
        raw = self.clsctl("topic", "access-raw")
        clean = self.clsctl("topic", "access-clean")
        self.deploy("cls-etl", "access-etl")
        self.deploy("cls-to-cos", "cls-archive")
        self.clsctl("ship", "access-etl", clean)
        self.clsctl("trigger", "access-etl", raw, "3")
        self.clsctl("trigger", "cls-archive", clean, "3")
        self.assertIn("5 records uploaded", self.clsctl("upload", raw, "-", input=ACCESS_LOG))
        kept = []
        deadline = time.time() + 90
        while time.time() < deadline and len(kept) < 3:
            kept = []
            listed = s3.list_objects_v2(Bucket="cls-archive-1250000000", Prefix="access-clean/")
            for obj in listed.get("Contents", []):
                body = gzip.decompress(s3.get_object(Bucket="cls-archive-1250000000", Key=obj["Key"])["Body"].read())
                for line in body.decode().splitlines():
                    fields = json.loads(json.loads(line)["content"])
                    if fields["SCF_Type"] == "Custom" and fields["SCF_FunctionName"] == "access-etl":
                        kept.append(json.loads(fields["SCF_Message"]))
            time.sleep(0.5)
        self.assertEqual(sorted((k["method"], k["path"], k["why"]) for k in kept),
                         [("DELETE", "/api/orders/7", "error"), ("GET", "/api/report", "slow"),
                          ("POST", "/api/orders", "error")],
                         self.outcomes("access-etl", "cls-archive"))
        [etl] = list_all_async_events(self.client, "access-etl")
        self.assertEqual(etl["InvokeType"], "CLS")


if __name__ == "__main__":
    unittest.main()
