"""The cls trigger and yunfn's log topics (docs/triggers.md "cls"): function logs and
UploadLog records reach a topic; a cls trigger hands them to its function in batches
(`{"clslogs":{"data":"<base64 of gzip>"}}`) through the async queue, within the batch
window, in pieces of at most 128 KB of gzip, and goes on where it stopped after a
restart."""

import base64
import calendar
import http.client
import json
import os
import time
import unittest

from yunfnlib import (ServerOutputOnFailure, ServerTestCase, Server, TEST_SECRET_ID, TEST_SECRET_KEY,
                      create_function, list_all_async_events, tc3_authorization_signing, unique_name,
                      wait_async_status)

# Decodes the event as SCF documents it and returns what it found.
DECODE_PY = r'''
import base64, gzip, json

def main_handler(event, context):
    gz = base64.b64decode(event["clslogs"]["data"])
    doc = json.loads(gzip.decompress(gz))
    for r in doc["records"]:
        assert isinstance(r["timestamp"], str) and r["timestamp"].isdigit(), r
    return {"topic_id": doc["topic_id"], "topic_name": doc["topic_name"], "compressed": len(gz),
            "keys": sorted(doc), "records": doc["records"]}
'''

# Logs a marker line; its logs go to the topic its ClsTopicId names.
PRODUCER_PY = r'''
def main_handler(event, context):
    print("hello cls " + event["marker"])
    return "ok"
'''


def upload_log(server, topic_id, body, sign_topic=True, timeout=30):
    """UploadLog: POSTs JSON lines to the topic, TC3-signed with X-CLS-TopicId among
    the signed headers; returns the Response dict."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    ts = int(time.time())
    host = "%s:%d" % (server.host, server.port)
    signed = [("content-type", "application/x-ndjson"), ("host", host), ("x-tc-action", "UploadLog")]
    if sign_topic:
        signed.append(("x-cls-topicid", topic_id))
    headers = {"Host": host, "Content-Type": "application/x-ndjson", "X-TC-Action": "UploadLog",
               "X-TC-Timestamp": str(ts), "X-CLS-TopicId": topic_id,
               "Authorization": tc3_authorization_signing(TEST_SECRET_ID, TEST_SECRET_KEY, signed, body, ts)}
    conn = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        resp = conn.getresponse()
        doc = json.loads(resp.read().decode("utf-8"))
    finally:
        conn.close()
    return doc["Response"]


def lines(contents):
    return "\n".join(json.dumps({"content": c}) for c in contents) + "\n"


def create_topic(client, name=None):
    return client.ok("CreateLogTopic", {"TopicName": name or unique_name("topic")})["TopicId"]


def bind(client, fn, topic_id, **desc):
    params = {"FunctionName": fn, "Type": "cls", "TriggerName": topic_id,
              "TriggerDesc": json.dumps(dict({"topic_id": topic_id}, **desc))}
    return client.ok("CreateTrigger", params)["TriggerInfo"]


def deliveries(client, fn, at_least, timeout=60):
    """Waits until `at_least` CLS events of fn have finished; returns their decoded
    results (oldest first) with the time each one started (unix seconds)."""
    deadline = time.time() + timeout
    while True:
        events = list_all_async_events(client, fn)
        if len(events) >= at_least or time.time() > deadline:
            break
        time.sleep(0.2)
    assert len(events) >= at_least, "%d of %d events: %r" % (len(events), at_least, events)
    out = []
    for e in events:
        assert e["InvokeType"] == "CLS", e
        status = wait_async_status(client, e["InvokeRequestId"])
        assert status["Status"] == "FINISHED", status
        result = json.loads(status["RetMsg"])
        result["started"] = e["StartTime"]
        out.append(result)
    return sorted(out, key=lambda r: r["records"][0]["timestamp"] if r["records"] else "")


def contents(results):
    return [r["content"] for res in results for r in res["records"]]


class ClsTriggerTest(ServerTestCase):

    def consumer(self, prefix="cls-etl"):
        fn = unique_name(prefix)
        create_function(self.client, fn, {"index.py": DECODE_PY})
        return fn

    def test_function_logs_reach_a_topic_and_a_trigger_function_decodes_them(self):
        topic = create_topic(self.client, "app-logs-" + unique_name("t"))
        producer = unique_name("cls-prod")
        create_function(self.client, producer, {"index.py": PRODUCER_PY},
                        extra={"ClsTopicId": topic, "ClsLogsetId": "default"})
        got = self.client.get_function(producer)
        self.assertEqual((got["ClsTopicId"], got["ClsLogsetId"]), (topic, "default"))
        fn = self.consumer()
        info = bind(self.client, fn, topic, max_wait=3)
        self.assertEqual(json.loads(info["TriggerDesc"]), {"topic_id": topic, "max_wait": 3, "max_size": 10000})
        marker = unique_name("m")
        result = self.client.ok("Invoke", {"FunctionName": producer, "ClientContext": json.dumps({"marker": marker})})
        request_id = result["Result"]["FunctionRequestId"]
        [batch] = deliveries(self.client, fn, 1)
        self.assertEqual(batch["topic_id"], topic)
        self.assertTrue(batch["topic_name"].startswith("app-logs-"))
        self.assertEqual(batch["keys"], ["records", "topic_id", "topic_name"])
        fields = [json.loads(r["content"]) for r in batch["records"]]
        mine = [f for f in fields if f["SCF_RequestId"] == request_id]
        messages = [f["SCF_Message"] for f in mine]
        self.assertIn("hello cls " + marker, messages)
        self.assertTrue(messages[0].startswith("START RequestId: " + request_id), messages)
        self.assertTrue(messages[-1].startswith("Report RequestId: " + request_id), messages)
        user = [f for f in mine if f["SCF_Message"] == "hello cls " + marker][0]
        self.assertEqual((user["SCF_Type"], user["SCF_FunctionName"], user["SCF_Namespace"], user["SCF_StatusCode"]),
                         ("Custom", producer, "default", 200))
        self.assertEqual(mine[0]["SCF_Type"], "Platform")

    def test_ingested_records_go_out_when_the_window_ends(self):
        topic = create_topic(self.client)
        fn = self.consumer()
        bind(self.client, fn, topic, max_wait=3)
        sent = ["line-%d" % i for i in range(5)]
        posted = time.time()
        answer = upload_log(self.server, topic, lines(sent))
        self.assertEqual(answer["RecordCount"], 5, answer)
        self.assertEqual(answer["TopicId"], topic)
        [batch] = deliveries(self.client, fn, 1)
        self.assertEqual(contents([batch]), sent)
        started = self.scf_seconds(batch["started"])
        # The window of 3 s is waited out.
        self.assertGreaterEqual(started - posted, 2.9)
        self.assertLess(started - posted, 10)
        time.sleep(1)
        self.assertEqual(len(list_all_async_events(self.client, fn)), 1)

    def test_max_size_cuts_a_batch_before_the_window_ends(self):
        topic = create_topic(self.client)
        fn = self.consumer()
        bind(self.client, fn, topic, max_wait=300, max_size=2)
        sent = ["r%d" % i for i in range(4)]
        upload_log(self.server, topic, lines(sent))
        batches = deliveries(self.client, fn, 2, timeout=30)
        # Two batches of two, each in order (the two may run in either order).
        self.assertEqual(sorted(contents([b]) for b in batches), [["r0", "r1"], ["r2", "r3"]])

    def test_batches_are_cut_into_pieces_of_at_most_128_kb_and_not_held_for_the_window(self):
        topic = create_topic(self.client)
        fn = self.consumer()
        bind(self.client, fn, topic, max_wait=300)
        # About 1.5 MB that gzip cannot shrink: at least twelve pieces.
        sent = ["%04d:%s" % (i, base64.b64encode(os.urandom(75000)).decode()) for i in range(16)]
        upload_log(self.server, topic, lines(sent[:8]))
        upload_log(self.server, topic, lines(sent[8:]))
        deadline = time.time() + 60
        got = []
        while time.time() < deadline:
            got = deliveries(self.client, fn, 1)
            if sum(len(b["records"]) for b in got) >= len(sent):
                break
            time.sleep(0.5)
        self.assertGreaterEqual(len(got), 12)
        for b in got:
            self.assertLessEqual(b["compressed"], 128 * 1024)
        self.assertEqual(sorted(contents(got)), sorted(sent))  # each exactly once

    def test_disable_enable_and_delete(self):
        topic = create_topic(self.client)
        fn = self.consumer()
        bind(self.client, fn, topic, max_wait=3)
        key = {"FunctionName": fn, "Type": "cls", "TriggerName": topic}
        self.client.ok("UpdateTriggerStatus", dict(key, Enable="CLOSE"))
        upload_log(self.server, topic, lines(["while-closed"]))
        time.sleep(4.5)
        self.assertEqual(list_all_async_events(self.client, fn), [])
        status = self.client.ok("GetTriggerStatus", key)["Status"]
        self.assertEqual((status["Delivering"], status["Lag"]), (False, 1))
        self.client.ok("UpdateTriggerStatus", dict(key, Enable="OPEN"))
        [batch] = deliveries(self.client, fn, 1)
        self.assertEqual(contents([batch]), ["while-closed"])  # it goes on where it stopped
        status = self.client.ok("GetTriggerStatus", key)["Status"]
        self.assertEqual((status["Delivering"], status["Lag"], status["TopicId"]), (True, 0, topic))
        # A topic in use is kept.
        err = self.client.error("DeleteLogTopic", {"TopicId": topic})
        self.assertErrorCode(err, "ResourceInUse", "cls trigger")
        self.client.ok("DeleteTrigger", key)
        upload_log(self.server, topic, lines(["after-delete"]))
        time.sleep(4.5)
        self.assertEqual(len(list_all_async_events(self.client, fn)), 1)
        self.client.ok("DeleteLogTopic", {"TopicId": topic})
        listed = self.client.ok("ListLogTopics", {"TopicId": topic})
        self.assertEqual(listed["TotalCount"], 0)

    def test_a_trigger_created_closed_by_effective_false(self):
        topic = create_topic(self.client)
        fn = self.consumer()
        info = bind(self.client, fn, topic, maxWait=3, enable=False)
        self.assertEqual(info["Enable"], 0)
        self.assertEqual(json.loads(info["TriggerDesc"])["max_wait"], 3)

    # -- bad input ---------------------------------------------------------------------

    def test_an_ingest_body_that_is_not_json_lines_is_refused_whole(self):
        topic = create_topic(self.client)
        answer = upload_log(self.server, topic, '{"content":"ok"}\nthis is not json\n')
        self.assertErrorCode(answer["Error"], "InvalidParameter.Payload", "line 2")
        answer = upload_log(self.server, topic, '["a"]\n')
        self.assertErrorCode(answer["Error"], "InvalidParameter.Payload", "line 1: is not a JSON object")
        [listed] = self.client.ok("ListLogTopics", {"TopicId": topic})["Topics"]
        self.assertEqual(listed["LastSeq"], 0)  # nothing of either body was kept

    def test_ingest_into_an_unknown_topic_or_unsigned_topic_is_refused(self):
        answer = upload_log(self.server, "no-such-topic", lines(["x"]))
        self.assertErrorCode(answer["Error"], "FailedOperation.TopicNotExist", "X-CLS-TopicId no-such-topic")
        topic = create_topic(self.client)
        answer = upload_log(self.server, topic, lines(["x"]), sign_topic=False)
        self.assertErrorCode(answer["Error"], "AuthFailure.InvalidAuthorization", "X-CLS-TopicId")

    def test_trigger_desc_values_out_of_range_are_refused(self):
        topic = create_topic(self.client)
        fn = self.consumer()
        for desc, field in [({"max_wait": 2}, "max_wait"), ({"max_wait": 301}, "max_wait"),
                            ({"maxWait": "ten"}, "max_wait"), ({"max_size": 0}, "max_size"),
                            ({"max_size": 10001}, "max_size"), ({"effective": "perhaps"}, "effective"),
                            ({"function_name": "someone-else"}, "function_name")]:
            params = {"FunctionName": fn, "Type": "cls", "TriggerName": topic,
                      "TriggerDesc": json.dumps(dict({"topic_id": topic}, **desc))}
            err = self.client.error("CreateTrigger", params)
            self.assertErrorCode(err, "InvalidParameterValue.TriggerDesc", field)
        self.assertEqual(self.client.ok("ListTriggers", {"FunctionName": fn})["TotalCount"], 0)

    def test_an_unknown_topic_is_refused_where_it_is_named(self):
        fn = self.consumer()
        err = self.client.error("CreateTrigger", {"FunctionName": fn, "Type": "cls", "TriggerName": "t1",
                                                  "TriggerDesc": json.dumps({"topic_id": "no-such-topic"})})
        self.assertErrorCode(err, "FailedOperation.TopicNotExist", "topic_id no-such-topic")
        name = unique_name("cls-bad")
        err = self.client.error("CreateFunction", {"FunctionName": name, "Runtime": "Python3.9",
                                                   "Handler": "index.main_handler", "ClsTopicId": "no-such-topic",
                                                   "Code": {"ZipFile": ""}})
        self.assertErrorCode(err, "FailedOperation.TopicNotExist", "ClsTopicId no-such-topic")
        err = self.client.error("UpdateFunctionConfiguration", {"FunctionName": fn, "ClsTopicId": "no-such-topic"})
        self.assertErrorCode(err, "FailedOperation.TopicNotExist", "ClsTopicId")
        topic = create_topic(self.client)
        err = self.client.error("UpdateFunctionConfiguration",
                                {"FunctionName": fn, "ClsTopicId": topic, "ClsLogsetId": "other-logset"})
        self.assertErrorCode(err, "InvalidParameterValue.Cls", "ClsLogsetId other-logset")
        self.assertEqual(self.client.get_function(fn)["ClsTopicId"], "")
        self.client.ok("UpdateFunctionConfiguration", {"FunctionName": fn, "ClsTopicId": topic})
        self.assertEqual(self.client.get_function(fn)["ClsTopicId"], topic)
        self.client.ok("UpdateFunctionConfiguration", {"FunctionName": fn, "ClsTopicId": ""})
        self.assertEqual(self.client.get_function(fn)["ClsTopicId"], "")

    def test_log_topic_parameters_are_checked(self):
        err = self.client.error("CreateLogTopic", {"TopicName": "p", "Period": 0})
        self.assertErrorCode(err, "InvalidParameterValue.Period", "Period")
        err = self.client.error("CreateLogTopic", {"TopicName": "p", "LogsetId": "a/b"})
        self.assertErrorCode(err, "InvalidParameterValue.LogsetId", "LogsetId")
        name = unique_name("dup")
        self.client.ok("CreateLogTopic", {"TopicName": name})
        err = self.client.error("CreateLogTopic", {"TopicName": name})
        self.assertErrorCode(err, "ResourceInUse", name)
        err = self.client.error("DeleteLogTopic", {"TopicId": "no-such-topic"})
        self.assertErrorCode(err, "FailedOperation.TopicNotExist", "no-such-topic")

    @staticmethod
    def scf_seconds(text):
        whole, _, fraction = text.partition(".")
        return calendar.timegm(time.strptime(whole, "%Y-%m-%d %H:%M:%S")) + float("0." + (fraction or "0"))


class ClsRestartTest(ServerOutputOnFailure, unittest.TestCase):
    """A kill -9 of the server loses no record and delivers none twice: the trigger
    resumes from its durable cursor."""

    def setUp(self):
        self.server = Server(extra_args=["--async-retry-delay-ms", "200"])
        self.server.start()
        self.addCleanup(self.server.cleanup)

    def test_restart_resumes_without_loss_or_duplicates(self):
        client = self.server.client()
        topic = create_topic(client)
        fn = unique_name("cls-restart")
        create_function(client, fn, {"index.py": DECODE_PY})
        bind(client, fn, topic, max_wait=3)
        first = ["a%d" % i for i in range(50)]
        upload_log(self.server, topic, lines(first))
        deliveries(client, fn, 1)
        # Acknowledged, still inside its batch window when the server dies.
        second = ["b%d" % i for i in range(50)]
        upload_log(self.server, topic, lines(second))
        self.server.kill()
        self.server.start()
        client = self.server.client()
        third = ["c%d" % i for i in range(50)]
        upload_log(self.server, topic, lines(third))
        deadline = time.time() + 60
        while time.time() < deadline:
            got = contents(deliveries(client, fn, 1))
            if len(got) >= 150:
                break
            time.sleep(0.5)
        time.sleep(4)  # anything delivered twice would show up by now
        got = contents(deliveries(client, fn, 1))
        self.assertEqual(sorted(got), sorted(first + second + third))


if __name__ == "__main__":
    unittest.main()
