"""cos triggers on buckets of an external store (docs/cos.md "Buckets of MinIO or Ceph"):
the store's bucket notifications, POSTed to the trigger's webhook on the API listener,
run the function asynchronously with SCF's COS event. The payloads follow the record
shapes that MinIO's bucket-notification guide and Ceph RGW's "event record" section
document."""

import copy
import http.client
import json
import time
import unittest

from test_cos_trigger import ECHO_PY, cos_desc, domain
from cos_client import APPID, REGION
from yunfnlib import (ServerTestCase, create_function, list_all_async_events, run_cli, unique_name,
                      wait_async_status)


def minio_notification(event_name, bucket, encoded_key, size=200436, sequencer="15C32494527B46C5"):
    """A MinIO webhook body: top-level EventName and Key, one record whose key is
    query-escaped as MinIO sends it."""
    record = {
        "eventVersion": "2.0", "eventSource": "minio:s3", "awsRegion": "",
        "eventTime": "2019-09-10T17:41:54.062Z", "eventName": event_name,
        "userIdentity": {"principalId": "minioadmin"},
        "requestParameters": {"principalId": "minioadmin", "region": "", "sourceIPAddress": "192.168.1.80"},
        "responseElements": {"x-amz-request-id": "15C3249451E12784",
                             "x-minio-deployment-id": "0170a4cc-dca6-4e72-86f1-c0cc760dff7f",
                             "x-minio-origin-endpoint": "http://192.168.1.80:9000"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "Config",
               "bucket": {"name": bucket, "ownerIdentity": {"principalId": "minioadmin"},
                          "arn": "arn:aws:s3:::" + bucket},
               "object": {"key": encoded_key, "size": size, "eTag": "5fc7298143efe1276d39a3466d4e255f",
                          "contentType": "image/jpeg",
                          "userMetadata": {"X-Amz-Meta-Camera": "X100", "content-type": "image/jpeg"},
                          "versionId": "1", "sequencer": sequencer}},
        "source": {"host": "192.168.1.80", "port": "", "userAgent": "MinIO (linux; amd64) minio-go/v7 mc"}}
    if event_name.startswith("s3:ObjectRemoved"):
        del record["s3"]["object"]["size"], record["s3"]["object"]["contentType"]
        del record["s3"]["object"]["userMetadata"], record["s3"]["object"]["eTag"]
    return {"EventName": event_name, "Key": bucket + "/" + encoded_key, "Records": [record]}


def ceph_notification(bucket, key):
    """A Ceph RGW HTTP push body: the size as a string, the key as it is."""
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "ceph:s3", "awsRegion": "us-east-1",
        "eventTime": "2019-11-22T13:47:35.124724Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "tester"}, "requestParameters": {"sourceIPAddress": ""},
        "responseElements": {"x-amz-request-id": "503a4c37-85eb-47cd-8681-2817e80b4281.5330.903595",
                             "x-amz-id-2": "14d2-zone1-zonegroup1"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "mynotif1",
               "bucket": {"name": bucket, "ownerIdentity": {"principalId": "tester"},
                          "arn": "arn:aws:s3:us-east-1::" + bucket,
                          "id": "503a4c37-85eb-47cd-8681-2817e80b4281.5332.38"},
               "object": {"key": key, "size": "1024", "eTag": "37b51d194a7513e45b56f6524f2d51f2",
                          "versionId": "", "sequencer": "F7E6D75DC742D108",
                          "metadata": [{"key": "x-amz-meta-origin", "val": "scanner"}], "tags": []}},
        "eventId": "1575221657.102001.80dad3aad8584778352c68ea8f86a5e2",
        "opaqueData": "me@example.com"}]}


class WebhookCase(ServerTestCase):

    def bind_external(self, fn, store_bucket, event="cos:ObjectCreated:*", prefix="", suffix="", enable="OPEN"):
        """Binds fn to an external bucket; returns (TriggerInfo, the COS bucket name)."""
        name = "%s-%s" % (unique_name("ext").lower().replace("_", "-")[:40], APPID)
        desc = json.loads(cos_desc(event, prefix, suffix))
        desc["yunfnExternal"] = {"bucket": store_bucket}
        info = self.client.ok("CreateTrigger", {
            "FunctionName": fn, "TriggerName": domain(name), "Type": "cos",
            "TriggerDesc": json.dumps(desc, separators=(",", ":")), "Enable": enable})["TriggerInfo"]
        return info, name

    def post(self, path, body, token=None, query_token=None, method="POST"):
        """POSTs to the API listener; returns (status, parsed JSON answer)."""
        if query_token is not None:
            path += "?token=" + query_token
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            conn.request(method, path, body=data if method == "POST" else None, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None)
        finally:
            conn.close()

    def notify(self, info, body, **kwargs):
        path = info["WebhookUrl"][len("http://127.0.0.1:%d" % self.server.port):]
        return self.post(path, body, **kwargs)

    def ran(self, fn, count=1):
        """The statuses of fn's `count` async events, once they ended."""
        events = []
        for _ in range(300):
            events = list_all_async_events(self.client, fn)
            if len(events) >= count:
                break
            time.sleep(0.1)
        self.assertEqual(len(events), count, events)
        for e in events:
            self.assertEqual(e["InvokeType"], "COS", e)
        return [wait_async_status(self.client, e["InvokeRequestId"]) for e in events]


class WebhookEventsTest(WebhookCase):

    def test_a_minio_put_notification_runs_the_function_with_the_scf_cos_event(self):
        fn = unique_name("wh-minio")
        create_function(self.client, fn, {"index.py": ECHO_PY})
        info, name = self.bind_external(fn, "images", prefix="holiday/", suffix=".jpg")
        status, answer = self.notify(info, minio_notification("s3:ObjectCreated:Put", "images",
                                                              "holiday%2Fred+flower.jpg"),
                                     token=info["WebhookToken"])
        self.assertEqual(status, 200, answer)
        self.assertEqual((answer["Accepted"], answer["Ignored"]), (1, []))
        [done] = self.ran(fn)
        self.assertEqual(done["InvokeRequestId"], answer["RequestIds"][0])
        self.assertEqual(done["Status"], "FINISHED", done)
        record = json.loads(done["RetMsg"])["Records"][0]
        short = name[:-len("-" + APPID)]
        self.assertEqual(record["cos"]["cosObject"], {
            "url": "http://%s/holiday/red%%20flower.jpg" % domain(name),
            "meta": {"x-cos-request-id": "15C3249451E12784", "Content-Type": "image/jpeg",
                     "x-cos-meta-camera": "X100"},
            "vid": "", "key": "/%s/%s/holiday/red flower.jpg" % (APPID, short), "size": 200436})
        self.assertEqual(record["cos"]["cosBucket"],
                         {"region": "gz", "s3Region": REGION, "name": short, "appid": APPID})
        event = record["event"]
        self.assertEqual(event["eventName"], "cos:ObjectCreated:Put")
        self.assertEqual(event["eventTime"], 1568137314)
        self.assertEqual(event["eventSource"], "qcs::cos")
        self.assertEqual(event["eventQueue"], "qcs:0:scf:gz:appid/%s:default.%s.$LATEST" % (APPID, fn))
        self.assertEqual(event["requestParameters"], {"requestSourceIP": "192.168.1.80", "requestHeaders": {}})

    def test_a_ceph_notification_with_the_token_in_the_url_runs_the_function(self):
        fn = unique_name("wh-ceph")
        create_function(self.client, fn, {"index.py": ECHO_PY})
        info, name = self.bind_external(fn, "mybucket1")
        status, answer = self.notify(info, ceph_notification("mybucket1", "scans/page 1+2.jpg"),
                                     query_token=info["WebhookToken"])
        self.assertEqual((status, answer["Accepted"]), (200, 1), answer)
        [done] = self.ran(fn)
        record = json.loads(done["RetMsg"])["Records"][0]
        obj = record["cos"]["cosObject"]
        self.assertEqual(obj["key"], "/%s/%s/scans/page 1+2.jpg" % (APPID, name[:-len("-" + APPID)]))
        self.assertEqual(obj["size"], 1024)
        self.assertEqual(obj["meta"]["x-cos-meta-origin"], "scanner")
        self.assertEqual(record["event"]["eventName"], "cos:ObjectCreated:Put")
        self.assertEqual(record["event"]["eventTime"], 1574430455)

    def test_a_notification_sent_twice_runs_the_function_once(self):
        fn = unique_name("wh-twice")
        create_function(self.client, fn, {"index.py": ECHO_PY})
        info, _ = self.bind_external(fn, "images")
        body = minio_notification("s3:ObjectCreated:Put", "images", "a.jpg")
        first = self.notify(info, body, token=info["WebhookToken"])
        again = self.notify(info, body, token=info["WebhookToken"])
        self.assertEqual(first[0], 200, first)
        self.assertEqual(again, first)
        # Another write of the same key is another event.
        other = self.notify(info, minio_notification("s3:ObjectCreated:Put", "images", "a.jpg",
                                                     sequencer="15C32494527B46C6"),
                            token=info["WebhookToken"])
        self.assertNotEqual(other[1]["RequestIds"], first[1]["RequestIds"])
        self.assertEqual(len(self.ran(fn, 2)), 2)

    def test_a_removed_object_notification_fires_a_remove_trigger(self):
        fn = unique_name("wh-gone")
        create_function(self.client, fn, {"index.py": ECHO_PY})
        info, name = self.bind_external(fn, "images", event="cos:ObjectRemove:*")
        status, answer = self.notify(info, minio_notification("s3:ObjectRemoved:Delete", "images", "old%2Fa.jpg"),
                                     token=info["WebhookToken"])
        self.assertEqual((status, answer["Accepted"]), (200, 1), answer)
        [done] = self.ran(fn)
        record = json.loads(done["RetMsg"])["Records"][0]
        self.assertEqual(record["event"]["eventName"], "cos:ObjectRemove:Delete")
        self.assertEqual(record["cos"]["cosObject"]["key"], "/%s/%s/old/a.jpg" % (APPID, name[:-len("-" + APPID)]))
        self.assertEqual(record["cos"]["cosObject"]["size"], 0)

    def test_records_the_rule_does_not_take_are_ignored_with_their_reason(self):
        fn = unique_name("wh-skip")
        create_function(self.client, fn, {"index.py": ECHO_PY})
        info, _ = self.bind_external(fn, "images", event="cos:ObjectCreated:*", prefix="in/")
        body = minio_notification("s3:ObjectRemoved:Delete", "images", "in%2Fa.jpg")
        body["Records"] += [
            minio_notification("s3:ObjectCreated:Put", "images", "out%2Fb.jpg")["Records"][0],
            minio_notification("s3:ObjectAccessed:Get", "images", "in%2Fc.jpg")["Records"][0],
            minio_notification("s3:ObjectCreated:Put", "videos", "in%2Fd.mp4")["Records"][0]]
        status, answer = self.notify(info, body, token=info["WebhookToken"])
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer, {"Accepted": 0, "RequestIds": [], "Ignored": [
            {"Key": "in/a.jpg", "EventName": "s3:ObjectRemoved:Delete",
             "Reason": "the trigger's event and filter do not match"},
            {"Key": "out/b.jpg", "EventName": "s3:ObjectCreated:Put",
             "Reason": "the trigger's event and filter do not match"},
            {"Key": "in/c.jpg", "EventName": "s3:ObjectAccessed:Get",
             "Reason": "COS has no event for s3:ObjectAccessed:Get"},
            {"Key": "in/d.mp4", "EventName": "s3:ObjectCreated:Put",
             "Reason": "bucket videos is not the trigger's (images)"}]})
        self.assertEqual(list_all_async_events(self.client, fn), [])

    def test_a_disabled_trigger_accepts_and_ignores_notifications(self):
        fn = unique_name("wh-off")
        create_function(self.client, fn, {"index.py": ECHO_PY})
        info, _ = self.bind_external(fn, "images", enable="CLOSE")
        status, answer = self.notify(info, minio_notification("s3:ObjectCreated:Put", "images", "a.jpg"),
                                     token=info["WebhookToken"])
        self.assertEqual((status, answer["Accepted"], answer["Ignored"][0]["Reason"]),
                         (200, 0, "the trigger is disabled"))


class WebhookRefusalsTest(WebhookCase):
    """Each bad request gets one HTTP status and one error code, and runs nothing."""

    def setUp(self):
        super().setUp()
        self.fn = unique_name("wh-bad")
        create_function(self.client, self.fn, {"index.py": ECHO_PY})
        self.info, _ = self.bind_external(self.fn, "images")
        self.body = minio_notification("s3:ObjectCreated:Put", "images", "a.jpg")

    def assertRefused(self, answer, status, code, message=None):
        self.assertEqual((answer[0], answer[1]["Error"]["Code"]), (status, code), answer)
        if message is not None:
            self.assertEqual(answer[1]["Error"]["Message"], message)
        self.assertEqual(list_all_async_events(self.client, self.fn), [])

    def test_a_missing_token_is_401(self):
        self.assertRefused(self.notify(self.info, self.body), 401, "AuthFailure.InvalidAuthorization")

    def test_a_wrong_token_is_403(self):
        wrong = "0" * len(self.info["WebhookToken"])
        self.assertRefused(self.notify(self.info, self.body, token=wrong), 403, "AuthFailure.TokenFailure")
        # Another trigger's token does not open this one.
        other, _ = self.bind_external(self.fn, "videos")
        self.assertRefused(self.notify(self.info, self.body, query_token=other["WebhookToken"]), 403,
                           "AuthFailure.TokenFailure")

    def test_a_deleted_trigger_is_404(self):
        self.client.ok("DeleteTrigger", {"FunctionName": self.fn, "TriggerName": self.info["TriggerName"],
                                         "Type": "cos", "TriggerDesc": self.info["TriggerDesc"]})
        self.assertRefused(self.notify(self.info, self.body, token=self.info["WebhookToken"]), 404,
                           "ResourceNotFound.Trigger",
                           "cos trigger %s of function default/%s does not exist"
                           % (self.info["TriggerName"], self.fn))

    def test_a_path_that_names_no_trigger_is_404(self):
        self.assertRefused(self.post("/cos-webhook/default/%s" % self.fn, self.body), 404,
                           "ResourceNotFound.Trigger",
                           "a cos webhook path is /cos-webhook/<Namespace>/<FunctionName>/<TriggerName>")

    def test_malformed_json_is_400(self):
        self.assertRefused(self.notify(self.info, b'{"Records": [', token=self.info["WebhookToken"]), 400,
                           "InvalidParameter.Payload", "body: is not JSON")

    def test_a_record_without_a_key_is_400_and_nothing_of_the_body_runs(self):
        body = copy.deepcopy(self.body)
        second = copy.deepcopy(body["Records"][0])
        del second["s3"]["object"]["key"]
        body["Records"].append(second)
        self.assertRefused(self.notify(self.info, body, token=self.info["WebhookToken"]), 400,
                           "InvalidParameter.Payload", "Records[1].s3.object.key: is missing")

    def test_a_get_is_405(self):
        self.assertRefused(self.notify(self.info, b"", token=self.info["WebhookToken"], method="GET"), 405,
                           "UnsupportedProtocol", "the cos webhook takes POST requests")


class ExternalTriggersWithoutTheBucketServiceTest(WebhookCase):
    """With --cos-listen off, triggers on external buckets still work; others are refused."""
    server_kwargs = {"extra_args": ["--cos-listen", "off"]}

    def test_an_external_trigger_is_listed_with_its_webhook(self):
        fn = unique_name("wh-list")
        create_function(self.client, fn, {"index.py": ECHO_PY})
        info, name = self.bind_external(fn, "images")
        self.assertEqual(json.loads(info["TriggerDesc"]), {
            "event": "cos:ObjectCreated:*", "filter": {"Prefix": "", "Suffix": ""},
            "yunfnExternal": {"bucket": "images"}})
        self.assertEqual(info["WebhookUrl"], "http://127.0.0.1:%d/cos-webhook/default/%s/%s"
                         % (self.server.port, fn, domain(name)))
        self.assertRegex(info["WebhookToken"], "^[0-9a-f]{40}$")
        [listed] = self.client.ok("ListTriggers", {"FunctionName": fn})["Triggers"]
        self.assertEqual((listed["WebhookUrl"], listed["WebhookToken"]), (info["WebhookUrl"], info["WebhookToken"]))
        status, answer = self.notify(info, minio_notification("s3:ObjectCreated:Put", "images", "a.jpg"),
                                     token=info["WebhookToken"])
        self.assertEqual((status, answer["Accepted"]), (200, 1), answer)
        self.assertEqual(self.ran(fn)[0]["Status"], "FINISHED")

    def test_the_cli_binds_an_external_bucket_and_prints_its_webhook(self):
        fn = unique_name("wh-cli")
        create_function(self.client, fn, {"index.py": ECHO_PY})
        bucket = "scans-" + APPID
        r = run_cli(self.server, "trigger", "add", fn, "cos", "--bucket", bucket, "--external-bucket", "scans")
        self.assertEqual(r.returncode, 0, r.stderr)
        [listed] = self.client.ok("ListTriggers", {"FunctionName": fn})["Triggers"]
        self.assertEqual(r.stdout, "%s trigger %s added: %s\nwebhook: %s\ntoken: %s\n" % (
            fn, domain(bucket), listed["TriggerDesc"], listed["WebhookUrl"], listed["WebhookToken"]))

    def test_a_bucket_service_trigger_is_refused(self):
        fn = unique_name("wh-off")
        create_function(self.client, fn, {"index.py": ECHO_PY})
        err = self.client.error("CreateTrigger", {
            "FunctionName": fn, "TriggerName": domain("photos-" + APPID), "Type": "cos",
            "TriggerDesc": cos_desc("cos:ObjectCreated:*")})
        self.assertErrorCode(err, "ResourceNotFound.Cos", "yunfnExternal")


if __name__ == "__main__":
    unittest.main()
