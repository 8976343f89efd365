"""The cos trigger (docs/cos.md "COS triggers"): writes to the bucket service run the
bound function asynchronously with SCF's COS event, through the durable async queue."""

import json
import os
import sqlite3
import time
import unittest
from xml.sax.saxutils import escape

from cos_client import APPID, REGION, raw_request
from yunfnlib import (NODE_RUNTIME, Server, ServerTestCase, create_function, list_all_async_events,
                      run_cli, unique_name, wait_async_status)

# Returns the event it got, so GetAsyncEventStatus shows it; fails when told to.
ECHO_PY = """
def main_handler(event, context):
    key = event["Records"][0]["cos"]["cosObject"]["key"]
    if key.endswith(".fail"):
        raise RuntimeError("cannot handle " + key)
    return event
"""


def bucket_of(prefix):
    return "%s-%s" % (unique_name(prefix).lower().replace("_", "-")[:40], APPID)


def domain(bucket):
    return "%s.cos.%s.myqcloud.com" % (bucket, REGION)


def cos_desc(event, prefix="", suffix=""):
    return json.dumps({"event": event, "filter": {"Prefix": prefix, "Suffix": suffix}},
                      separators=(",", ":"))


class CosTriggerCase(ServerTestCase):

    def put(self, bucket, key, body=b"x", headers=None):
        r = raw_request(self.server.cos_port, "PUT", "/%s/%s" % (bucket, key), body, headers)
        self.assertEqual(r.status, 200, r.body)
        return r

    def make_bucket(self, prefix="trg"):
        bucket = bucket_of(prefix)
        r = raw_request(self.server.cos_port, "PUT", "/%s" % bucket)
        self.assertEqual(r.status, 200, r.body)
        return bucket

    def bind(self, fn, bucket, event="cos:ObjectCreated:*", prefix="", suffix="", enable="OPEN"):
        return self.client.ok("CreateTrigger", {
            "FunctionName": fn, "TriggerName": domain(bucket), "Type": "cos",
            "TriggerDesc": cos_desc(event, prefix, suffix), "Enable": enable})

    def cos_events(self, fn, count, timeout=30):
        """Waits for `count` COS async events of fn to end; returns their statuses,
        oldest first."""
        deadline = time.time() + timeout
        while True:
            events = list_all_async_events(self.client, fn)
            if len(events) >= count or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(len(events), count, events)
        for e in events:
            self.assertEqual(e["InvokeType"], "COS", e)
        statuses = [wait_async_status(self.client, e["InvokeRequestId"]) for e in events]
        return sorted(statuses, key=lambda s: s.get("StartTime", ""))


class CosTriggerTest(CosTriggerCase):
    server_kwargs = {"extra_args": ["--async-retry-delay-ms", "200"]}

    def test_a_put_runs_the_function_with_the_scf_cos_event(self):
        bucket = self.make_bucket()
        fn = unique_name("cos-echo")
        create_function(self.client, fn, {"index.py": ECHO_PY})
        created = self.bind(fn, bucket, prefix="in/", suffix=".txt")
        info = created["TriggerInfo"]
        self.assertEqual(info["Type"], "cos")
        self.assertEqual(info["TriggerName"], domain(bucket))
        self.assertEqual(json.loads(info["TriggerDesc"]),
                         {"event": "cos:ObjectCreated:*", "filter": {"Prefix": "in/", "Suffix": ".txt"}})

        put = self.put(bucket, "in/a b.txt", b"hello cos",
                       {"Content-Type": "text/plain", "x-cos-meta-mykey": "myvalue"})
        self.put(bucket, "out/b.txt")   # outside the prefix
        self.put(bucket, "in/c.png")    # outside the suffix
        [status] = self.cos_events(fn, 1)
        self.assertEqual(status["Status"], "FINISHED", status)
        record = json.loads(status["RetMsg"])["Records"][0]
        name = bucket[:-len("-" + APPID)]
        obj = record["cos"]["cosObject"]
        self.assertEqual(obj["key"], "/%s/%s/in/a b.txt" % (APPID, name))
        self.assertEqual(obj["url"], "http://%s/in/a%%20b.txt" % domain(bucket))
        self.assertEqual(obj["size"], 9)
        self.assertEqual(obj["vid"], "")
        self.assertEqual(obj["meta"]["x-cos-meta-mykey"], "myvalue")
        self.assertEqual(obj["meta"]["Content-Type"], "text/plain")
        self.assertEqual(obj["meta"]["x-cos-request-id"], put.headers["x-cos-request-id"])
        self.assertEqual(record["cos"]["cosBucket"],
                         {"region": "gz", "s3Region": REGION, "name": name, "appid": APPID})
        self.assertEqual(record["cos"]["cosSchemaVersion"], "1.0")
        event = record["event"]
        self.assertEqual(event["eventName"], "cos:ObjectCreated:Put")
        self.assertEqual(event["eventSource"], "qcs::cos")
        self.assertEqual(event["eventVersion"], "1.0")
        self.assertLessEqual(abs(event["eventTime"] - time.time()), 60)
        self.assertEqual(event["eventQueue"], "qcs:0:scf:gz:appid/%s:default.%s.$LATEST" % (APPID, fn))
        self.assertEqual(event["requestParameters"]["requestSourceIP"], "127.0.0.1")
        self.assertTrue(event["requestParameters"]["requestHeaders"]["Authorization"]
                        .startswith("q-sign-algorithm=sha1&"))

    def test_copy_and_delete_fire_their_own_events(self):
        bucket = self.make_bucket()
        created_fn, removed_fn = unique_name("cos-made"), unique_name("cos-gone")
        create_function(self.client, created_fn, {"index.py": ECHO_PY})
        create_function(self.client, removed_fn, {"index.py": ECHO_PY})
        self.bind(created_fn, bucket, event="cos:ObjectCreated:Copy")
        self.bind(removed_fn, bucket, event="cos:ObjectRemove:Delete")
        self.put(bucket, "src.txt", b"copy me")   # a Put: neither rule
        r = raw_request(self.server.cos_port, "PUT", "/%s/dst.txt" % bucket,
                        headers={"x-cos-copy-source": "%s/src.txt" % domain(bucket)})
        self.assertEqual(r.status, 200, r.body)
        r = raw_request(self.server.cos_port, "DELETE", "/%s/src.txt" % bucket)
        self.assertEqual(r.status, 204, r.body)
        [copied] = self.cos_events(created_fn, 1)
        copy_record = json.loads(copied["RetMsg"])["Records"][0]
        self.assertEqual(copy_record["event"]["eventName"], "cos:ObjectCreated:Copy")
        self.assertTrue(copy_record["cos"]["cosObject"]["key"].endswith("/dst.txt"))
        self.assertEqual(copy_record["cos"]["cosObject"]["size"], 7)
        [deleted] = self.cos_events(removed_fn, 1)
        delete_record = json.loads(deleted["RetMsg"])["Records"][0]
        self.assertEqual(delete_record["event"]["eventName"], "cos:ObjectRemove:Delete")
        self.assertTrue(delete_record["cos"]["cosObject"]["key"].endswith("/src.txt"))

    def test_complete_multipart_upload_fires_once(self):
        bucket = self.make_bucket()
        fn = unique_name("cos-multi")
        create_function(self.client, fn, {"index.py": ECHO_PY})
        self.bind(fn, bucket, event="cos:ObjectCreated:CompleteMultipartUpload")
        port = self.server.cos_port
        r = raw_request(port, "POST", "/%s/big.bin" % bucket, query="uploads")
        self.assertEqual(r.status, 200, r.body)
        upload_id = r.body.split(b"<UploadId>")[1].split(b"</UploadId>")[0].decode()
        etags = []
        for n, part in enumerate([b"a" * (1024 * 1024), b"b" * 10], start=1):
            r = raw_request(port, "PUT", "/%s/big.bin" % bucket, part,
                            query="partNumber=%d&uploadId=%s" % (n, upload_id))
            self.assertEqual(r.status, 200, r.body)
            etags.append(r.headers["etag"])
        xml = "<CompleteMultipartUpload>%s</CompleteMultipartUpload>" % "".join(
            "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>" % (n, escape(e))
            for n, e in enumerate(etags, start=1))
        r = raw_request(port, "POST", "/%s/big.bin" % bucket, xml.encode(), query="uploadId=" + upload_id)
        self.assertEqual(r.status, 200, r.body)
        [status] = self.cos_events(fn, 1)
        record = json.loads(status["RetMsg"])["Records"][0]
        self.assertEqual(record["event"]["eventName"], "cos:ObjectCreated:CompleteMultipartUpload")
        self.assertEqual(record["cos"]["cosObject"]["size"], 1024 * 1024 + 10)

    def test_a_disabled_trigger_does_not_fire_and_an_enabled_one_does_again(self):
        bucket = self.make_bucket()
        fn = unique_name("cos-toggle")
        create_function(self.client, fn, {"index.py": ECHO_PY})
        self.bind(fn, bucket, enable="CLOSE")
        self.put(bucket, "while-closed.txt")
        time.sleep(1.5)
        self.assertEqual(list_all_async_events(self.client, fn), [])
        self.client.ok("UpdateTriggerStatus", {
            "FunctionName": fn, "TriggerName": domain(bucket), "Type": "cos", "Enable": "OPEN",
            "TriggerDesc": cos_desc("cos:ObjectCreated:*")})
        self.put(bucket, "while-open.txt")
        [status] = self.cos_events(fn, 1)
        self.assertTrue(json.loads(status["RetMsg"])["Records"][0]["cos"]["cosObject"]["key"]
                        .endswith("/while-open.txt"))
        self.client.ok("DeleteTrigger", {"FunctionName": fn, "TriggerName": domain(bucket), "Type": "cos",
                                         "TriggerDesc": cos_desc("cos:ObjectCreated:*")})
        self.put(bucket, "after-delete.txt")
        time.sleep(1.5)
        self.assertEqual(len(list_all_async_events(self.client, fn)), 1)

    def test_a_failing_function_is_retried_then_dead_lettered(self):
        bucket = self.make_bucket()
        sink = unique_name("cos-dlq")
        create_function(self.client, sink, {"index.py": "def main_handler(event, context):\n    return event\n"})
        fn = unique_name("cos-fail")
        create_function(self.client, fn, {"index.py": ECHO_PY},
                        extra={"DeadLetterConfig": {"Type": "SCF", "Name": sink}})
        self.client.ok("UpdateFunctionEventInvokeConfig", {
            "FunctionName": fn, "AsyncTriggerConfig": {"RetryConfig": [{"RetryNum": 1}]}})
        self.bind(fn, bucket)
        self.put(bucket, "bad.fail")
        [status] = self.cos_events(fn, 1)
        self.assertEqual(status["Status"], "FAILED", status)
        self.assertEqual(status["Attempts"], 2, status)
        self.assertIn("cannot handle", status["RetMsg"])
        # The dead-letter function gets SCF's message carrying the COS event.
        deadline = time.time() + 30
        while time.time() < deadline and not list_all_async_events(self.client, sink):
            time.sleep(0.1)
        [letter] = list_all_async_events(self.client, sink)
        self.assertEqual(letter["InvokeType"], "DLQ", letter)
        message = json.loads(wait_async_status(self.client, letter["InvokeRequestId"])["RetMsg"])
        self.assertEqual(message["RequestId"], status["InvokeRequestId"])
        self.assertEqual((message["Body"]["RequestSource"], message["Body"]["RetryNum"]), ("COS", 1))
        record = json.loads(message["Body"]["ClientContext"])["Records"][0]
        self.assertEqual(record["cos"]["cosObject"]["key"],
                         "/%s/%s/bad.fail" % (APPID, bucket[:-len("-" + APPID)]))


    def test_the_cli_adds_a_cos_trigger(self):
        bucket = self.make_bucket("cli")
        fn = unique_name("cos-cli")
        create_function(self.client, fn, {"index.py": ECHO_PY})
        r = run_cli(self.server, "trigger", "add", fn, "cos", "--bucket", bucket, "--prefix", "up/",
                    "--suffix", ".csv")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "%s trigger %s added: %s"
                         % (fn, domain(bucket), cos_desc("cos:ObjectCreated:*", "up/", ".csv")))
        self.put(bucket, "up/data.csv")
        [status] = self.cos_events(fn, 1)
        self.assertEqual(status["Status"], "FINISHED", status)
        r = run_cli(self.server, "trigger", "add", fn, "cos")
        self.assertEqual(r.returncode, 1)
        self.assertIn("a cos trigger needs --bucket", r.stderr)


class CosTriggerRulesTest(CosTriggerCase):
    """CreateTrigger's checks for cos triggers, each with its one SCF error."""

    def setUp(self):
        super().setUp()
        self.fn = unique_name("cos-rules")
        create_function(self.client, self.fn, {"index.py": ECHO_PY})
        self.bucket = self.make_bucket("rules")

    def create_error(self, name, desc, fn=None):
        return self.client.error("CreateTrigger", {
            "FunctionName": fn or self.fn, "TriggerName": name, "Type": "cos", "TriggerDesc": desc})

    def test_the_name_must_be_the_bucket_domain(self):
        err = self.create_error(self.bucket, cos_desc("cos:ObjectCreated:*"))
        self.assertErrorCode(err, "InvalidParameterValue.TriggerName", self.bucket)

    def test_a_missing_bucket_is_refused(self):
        missing = bucket_of("missing")
        err = self.create_error(domain(missing), cos_desc("cos:ObjectCreated:*"))
        self.assertErrorCode(err, "ResourceNotFound.Cos", missing)

    def test_a_bad_desc_is_refused(self):
        err = self.create_error(domain(self.bucket), '{"event":"cos:ObjectCreated:*","filter":{"Suffix":"jpg"}}')
        self.assertErrorCode(err, "InvalidParameterValue.TriggerDesc", "Suffix")
        err = self.create_error(domain(self.bucket), '{"event":"cos:ObjectRestore:Post"}')
        self.assertErrorCode(err, "InvalidParameterValue.TriggerDesc", "cos:ObjectRestore:Post")

    def test_overlapping_rules_on_one_bucket_are_refused(self):
        other = unique_name("cos-other")
        create_function(self.client, other, {"index.py": ECHO_PY})
        self.bind(self.fn, self.bucket, prefix="in/", suffix=".jpg")
        # Another function, a prefix inside this one's and the same suffix: one key fires both.
        err = self.create_error(domain(self.bucket), cos_desc("cos:ObjectCreated:Put", "in/raw/", ".jpg"), fn=other)
        self.assertErrorCode(err, "ResourceInUse.Cos", self.fn)
        # Disjoint prefixes, or another event family, are fine.
        self.bind(other, self.bucket, prefix="out/")
        third = unique_name("cos-third")
        create_function(self.client, third, {"index.py": ECHO_PY})
        self.bind(third, self.bucket, event="cos:ObjectRemove:*")


NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cos-node")

# Reads the object that triggered it and writes a copy, with the official COS SDK
# configured from the environment the platform gives every instance.
NODE_COPY_FN = """
const COS = require('cos-nodejs-sdk-v5');
const cos = new COS({
  SecretId: process.env.TENCENTCLOUD_SECRETID,
  SecretKey: process.env.TENCENTCLOUD_SECRETKEY,
  Protocol: 'http:',
  Domain: '{Bucket}.cos.{Region}.myqcloud.com',
  Ip: process.env.YUNFN_COS_HOST,
});
const call = (method, params) => new Promise((resolve, reject) =>
  cos[method](params, (err, data) => (err ? reject(err) : resolve(data))));
exports.main_handler = async (event) => {
  const { name, appid } = event.Records[0].cos.cosBucket;
  const key = event.Records[0].cos.cosObject.key.split('/').slice(3).join('/');
  const Bucket = name + '-' + appid;
  const Region = process.env.TENCENTCLOUD_REGION;
  const got = await call('getObject', { Bucket, Region, Key: key });
  await call('putObject', { Bucket, Region, Key: 'out/' + key.split('/').pop(),
                            Body: got.Body.toString().toUpperCase() });
  return { copied: key };
};
"""


def node_package(code):
    """index.js and the installed SDK (tests/integration/cos-node/node_modules)."""
    files = {"index.js": code}
    root = os.path.join(NODE_DIR, "node_modules")
    for dirpath, _, names in os.walk(root):
        for n in names:
            path = os.path.join(dirpath, n)
            with open(path, "rb") as f:
                files[os.path.relpath(path, NODE_DIR)] = f.read()
    return files


class FunctionReachesItsBucketTest(CosTriggerCase):
    """A function in its sandbox reads and writes objects with the official COS SDK, at
    the address and with the keys of its environment (the two-bucket-prefix pattern:
    it writes under out/, its trigger watches in/)."""

    def setUp(self):
        super().setUp()
        if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "cos-nodejs-sdk-v5")):
            self.skipTest("cos-nodejs-sdk-v5 is not installed (scripts/test.sh runs npm ci in %s)" % NODE_DIR)

    def test_the_function_copies_the_object_through_the_sdk(self):
        bucket = self.make_bucket("fnio")
        fn = unique_name("cos-node")
        create_function(self.client, fn, node_package(NODE_COPY_FN), runtime=NODE_RUNTIME,
                        handler="index.main_handler", timeout=30)
        self.bind(fn, bucket, prefix="in/")
        self.put(bucket, "in/note.txt", b"made in the bucket")
        [status] = self.cos_events(fn, 1, timeout=60)
        self.assertEqual(status["Status"], "FINISHED", status)
        self.assertEqual(json.loads(status["RetMsg"]), {"copied": "in/note.txt"})
        r = raw_request(self.server.cos_port, "GET", "/%s/out/note.txt" % bucket)
        self.assertEqual((r.status, r.body), (200, b"MADE IN THE BUCKET"))
        # Written under out/, outside the trigger's prefix: it ran once.
        time.sleep(1)
        self.assertEqual(len(list_all_async_events(self.client, fn)), 1)


class CosTriggerCrashTest(unittest.TestCase):
    """An acknowledged PUT fires once even when the server dies before handing its
    event to the queue."""

    def test_an_event_held_at_kill_9_runs_once_after_restart(self):
        server = Server()
        server.start()
        self.addCleanup(server.cleanup)
        client = server.client()
        fn = unique_name("cos-crash")
        create_function(client, fn, {"index.py": ECHO_PY})
        bucket = bucket_of("crash")
        self.assertEqual(raw_request(server.cos_port, "PUT", "/%s" % bucket).status, 200)
        client.ok("CreateTrigger", {"FunctionName": fn, "TriggerName": domain(bucket), "Type": "cos",
                                    "TriggerDesc": cos_desc("cos:ObjectCreated:*")})
        # The store refuses writes (a lock held elsewhere): the event stays in the outbox.
        db = sqlite3.connect(os.path.join(server.data_dir, "yunfn.db"), isolation_level=None, timeout=10)
        db.execute("BEGIN EXCLUSIVE")
        r = raw_request(server.cos_port, "PUT", "/%s/held.txt" % bucket, b"held")
        self.assertEqual(r.status, 200, r.body)
        time.sleep(1.0)
        server.kill()
        db.execute("ROLLBACK")
        db.close()
        server.start()
        client = server.client()
        deadline = time.time() + 30
        while time.time() < deadline and not list_all_async_events(client, fn):
            time.sleep(0.1)
        time.sleep(1.5)  # a second delivery, if there were one, would be queued by now
        events = list_all_async_events(client, fn)
        self.assertEqual(len(events), 1, events)
        status = wait_async_status(client, events[0]["InvokeRequestId"])
        self.assertEqual(status["Status"], "FINISHED", status)
        self.assertTrue(json.loads(status["RetMsg"])["Records"][0]["cos"]["cosObject"]["key"]
                        .endswith("/held.txt"))


if __name__ == "__main__":
    unittest.main()
