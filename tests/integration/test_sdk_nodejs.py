"""The official TencentCloud SCF SDK for Node.js (npm tencentcloud-sdk-nodejs-scf) against
a real server: create, poll until Active, invoke, read logs, delete."""

import json
import os
import shutil
import subprocess
import unittest
import uuid

from yunfnlib import (PY_RUNTIME, TEST_SECRET_ID, TEST_SECRET_KEY, ServerTestCase, unique_name,
                      zip_b64)

SDK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sdk-node")
SDK_PACKAGE = os.path.join(SDK_DIR, "node_modules", "tencentcloud-sdk-nodejs-scf")

CODE = r'''
import os

def main_handler(event, context):
    print("sdk marker " + event.get("from", "?"))
    return {"got": event, "env": os.environ.get("FROM_SDK"),
            "request_id": context["request_id"]}
'''


def ensure_sdk_installed():
    """Installs the SDK from package-lock.json (npm ci) if node_modules is missing."""
    if os.path.isdir(SDK_PACKAGE):
        return
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise unittest.SkipTest("node/npm not installed; cannot run the Node.js SDK test")
    cmd = [npm, "ci", "--no-audit", "--no-fund"] if os.path.exists(
        os.path.join(SDK_DIR, "package-lock.json")) else [npm, "install", "--no-audit",
                                                           "--no-fund"]
    proc = subprocess.run(cmd, cwd=SDK_DIR, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 or not os.path.isdir(SDK_PACKAGE):
        raise unittest.SkipTest("could not install the SDK (%s): %s"
                                % (" ".join(cmd), proc.stderr[-2000:]))


class NodeSdkTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        ensure_sdk_installed()
        super().setUpClass()

    def roundtrip(self, name):
        zip_path = os.path.join(self.server.workdir, "code-%s.b64" % uuid.uuid4().hex)
        with open(zip_path, "w") as f:
            f.write(zip_b64({"index.py": CODE}))
        env = dict(os.environ, YUNFN_ENDPOINT=self.server.endpoint,
                   YUNFN_SECRET_ID=TEST_SECRET_ID, YUNFN_SECRET_KEY=TEST_SECRET_KEY,
                   SCF_TEST_FUNCTION=name, SCF_TEST_ZIP=zip_path, SCF_TEST_RUNTIME=PY_RUNTIME)
        proc = subprocess.run(["node", os.path.join(SDK_DIR, "scf_roundtrip.js")], cwd=SDK_DIR,
                              env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, "roundtrip failed:\n%s\n%s"
                         % (proc.stdout, proc.stderr))
        return json.loads(proc.stdout.strip().splitlines()[-1])

    def test_sdk_roundtrip(self):
        name = unique_name("sdk-node")
        out = self.roundtrip(name)
        self.assertNotIn("error", out["create"], out["create"])
        self.assertTrue(out["create"]["ok"]["RequestId"])

        self.assertNotIn("error", out["get"], out["get"])
        fn = out["get"]["ok"]
        self.assertEqual(out["statuses"][-1], "Active", out["statuses"])
        self.assertTrue(set(out["statuses"]) <= {"Creating", "Active"}, out["statuses"])
        self.assertEqual(fn["FunctionName"], name)
        self.assertEqual(fn["Runtime"], PY_RUNTIME)
        self.assertEqual(fn["Description"], "created by the Node.js SDK")

        self.assertNotIn("error", out["invoke"], out["invoke"])
        res = out["invoke"]["ok"]["Result"]
        self.assertEqual(res["InvokeResult"], 0, res)
        ret = json.loads(res["RetMsg"])
        self.assertEqual(ret["got"], {"from": "sdk", "n": 1})
        self.assertEqual(ret["env"], "yes")
        self.assertEqual(ret["request_id"], res["FunctionRequestId"])
        self.assertIn("sdk marker sdk", res["Log"])

        self.assertNotIn("error", out["invokeFunction"], out["invokeFunction"])
        ret = json.loads(out["invokeFunction"]["ok"]["Result"]["RetMsg"])
        self.assertEqual(ret["got"], {"from": "sdk-invoke-function"})

        self.assertNotIn("error", out["logs"], out["logs"])
        logs = out["logs"]["ok"]
        self.assertEqual(logs["TotalCount"], 1, logs)
        self.assertEqual(logs["Data"][0]["RequestId"], res["FunctionRequestId"])
        self.assertIn("sdk marker sdk", logs["Data"][0]["Log"])

        self.assertNotIn("error", out["list"], out["list"])
        self.assertEqual([f["FunctionName"] for f in out["list"]["ok"]["Functions"]], [name])

        self.assertNotIn("error", out["delete"], out["delete"])
        # The SDK surfaces the SCF error code (needs HTTP 200 + Response.Error).
        self.assertEqual(out["getAfterDelete"].get("error", {}).get("code"),
                         "ResourceNotFound.Function", out["getAfterDelete"])
        self.assertTrue(out["getAfterDelete"]["error"]["requestId"])


if __name__ == "__main__":
    unittest.main()
