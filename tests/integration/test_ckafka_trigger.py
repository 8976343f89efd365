"""The ckafka trigger (docs/triggers.md "ckafka"), against librdkafka's mock cluster: a
real Kafka protocol server run by tests/tools/kafka_mock_cluster.cpp.

The functions append what each invocation got to $OUT_DIR/<function>.jsonl, one line per
invocation (so the servers run with --isolation none: see
yunfnlib.host_files_isolation_args)."""

import hashlib
import json
import os
import shutil
import tempfile
import time
import unittest

from kafkalib import (CLUSTER_ID, MockCluster, trigger_desc, trigger_status, wait_consuming,
                      wait_for)
from yunfnlib import (Server, ServerOutputOnFailure, create_function, host_files_isolation_args,
                      unique_name)

# One line per invocation: [partition, offset, msgKey, msgBody] per record (long bodies as
# their length and sha256). Bodies starting "fail" raise; "slow" sleeps 3 s, "nap" 0.1 s.
RECORD_PY = r'''
import hashlib, json, os, time

def main_handler(event, context):
    recs = [r["Ckafka"] for r in event["Records"]]
    msgs = []
    for r in recs:
        body = r["msgBody"]
        if len(body) > 200:
            body = [len(body), hashlib.sha256(body.encode("utf-8")).hexdigest()]
        msgs.append([r["partition"], r["offset"], r["msgKey"], body])
    line = json.dumps({"topic": recs[0]["topic"], "msgs": msgs,
                       "keys": sorted(event["Records"][0]["Ckafka"].keys())}) + "\n"
    fd = os.open(os.path.join(os.environ["OUT_DIR"], os.environ["TAG"] + ".jsonl"),
                 os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, line.encode("utf-8"))
    os.close(fd)
    first = recs[0]["msgBody"]
    if first.startswith("fail"):
        raise RuntimeError("cannot handle " + first)
    if first.startswith("slow"):
        time.sleep(3)
    if first.startswith("nap"):
        time.sleep(0.1)
    return "ok"
'''

# The dead-letter function: appends the message it gets.
DLQ_PY = r'''
import json, os

def main_handler(event, context):
    with open(os.path.join(os.environ["OUT_DIR"], "dlq.jsonl"), "a") as f:
        f.write(json.dumps(event) + "\n")
    return "ok"
'''


class CkafkaCase(ServerOutputOnFailure, unittest.TestCase):
    """A mock cluster and a server naming it, per class."""

    extra_server_args = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kafka = MockCluster()
        cls.out_dir = tempfile.mkdtemp(prefix="yunfn-ckafka-out-")
        os.chmod(cls.out_dir, 0o777)
        cls.server = Server(extra_args=cls.kafka.server_args(extra=host_files_isolation_args() +
                                                             list(cls.extra_server_args)))
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            cls.kafka.close()
            raise
        cls.client = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.kafka.close()
        shutil.rmtree(cls.out_dir, True)
        super().tearDownClass()

    def make_topic(self, partitions):
        topic = unique_name("t").replace("_", "-")
        self.kafka.create_topic(topic, partitions)
        return topic

    def make_function(self, extra=None, timeout=None):
        fn = unique_name("kf")
        create_function(self.client, fn, {"index.py": RECORD_PY}, timeout=timeout,
                        env={"OUT_DIR": self.out_dir, "TAG": fn}, extra=extra)
        return fn

    def bind(self, fn, topic, **desc):
        return self.client.ok("CreateTrigger", {
            "FunctionName": fn, "Type": "ckafka", "TriggerName": "%s-%s" % (CLUSTER_ID, topic),
            "TriggerDesc": trigger_desc(**desc)})

    def batches(self, fn):
        path = os.path.join(self.out_dir, fn + ".jsonl")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f if line.endswith("\n")]

    def delivered(self, fn):
        """[(partition, offset, key, body)] in invocation order."""
        return [tuple(m) for b in self.batches(fn) for m in b["msgs"]]

    def wait_delivered(self, fn, count, timeout=30):
        return wait_for(lambda: len(self.delivered(fn)) >= count and self.delivered(fn), timeout,
                        what="%d messages delivered to %s" % (count, fn))

    def assertNothingMore(self, fn, count, wait=2.0):
        time.sleep(wait)
        self.assertEqual(len(self.delivered(fn)), count, self.batches(fn))


class CkafkaTriggerTest(CkafkaCase):

    def test_bad_input_is_refused_naming_the_field(self):
        fn = self.make_function()
        topic = self.make_topic(1)
        name = "%s-%s" % (CLUSTER_ID, topic)

        def create(trigger_name, desc):
            return self.client.error("CreateTrigger", {"FunctionName": fn, "Type": "ckafka",
                                                       "TriggerName": trigger_name, "TriggerDesc": desc})

        err = create("ckafka-elsewhere-" + topic, trigger_desc())
        self.assertEqual(err["Code"], "ResourceNotFound.Ckafka", err)
        self.assertIn("TriggerName", err["Message"])
        self.assertIn(CLUSTER_ID, err["Message"])  # the configured clusters are listed
        err = create("%s-no-such-topic" % CLUSTER_ID, trigger_desc())
        self.assertEqual(err["Code"], "ResourceNotFound.Ckafka", err)
        self.assertIn("no-such-topic", err["Message"])
        err = create("%s-bad/topic" % CLUSTER_ID, trigger_desc())
        self.assertEqual(err["Code"], "InvalidParameterValue.TriggerName", err)
        for desc, field in [({"maxMsgNum": 0}, "maxMsgNum"), ({"maxMsgNum": 10001}, "maxMsgNum"),
                            ({"maxMsgNum": "many"}, "maxMsgNum"), ({"retry": -1}, "retry"),
                            ({"retry": 10001}, "retry"), ({"timeOut": 0}, "timeOut"),
                            ({"timeOut": 61}, "timeOut"), ({"offset": "yesterday"}, "offset"),
                            ({"offset": "-5"}, "offset"), ({"topic": "x"}, "topic"),
                            ({"consumerGroupName": 7}, "consumerGroupName")]:
            err = create(name, json.dumps(desc))
            self.assertEqual(err["Code"], "InvalidParameterValue.TriggerDesc", (desc, err))
            self.assertIn(field, err["Message"], (desc, err))
        err = create(name, "not json")
        self.assertEqual(err["Code"], "InvalidParameterValue.TriggerDesc", err)
        listed = self.client.ok("ListTriggers", {"FunctionName": fn})
        self.assertEqual(listed["TotalCount"], 0, listed)

    def test_batches_in_order_per_partition_with_the_scf_event(self):
        topic = self.make_topic(2)
        self.kafka.produce(topic, generate=[(0, 250, 0, "p0"), (1, 130, 0, "p1")])
        fn = self.make_function()
        info = self.bind(fn, topic, max_msg_num=100, offset="earliest")["TriggerInfo"]
        self.assertEqual(info["Type"], "ckafka")
        stored = json.loads(info["TriggerDesc"])
        self.assertEqual(stored["maxMsgNum"], 100)
        self.assertEqual(stored["offset"], "earliest")
        self.assertTrue(stored["consumerGroupName"].startswith("yunfn-default-%s-" % fn), stored)
        self.wait_delivered(fn, 380)
        self.assertNothingMore(fn, 380, wait=1)
        sizes = {0: [], 1: []}
        for b in self.batches(fn):
            self.assertEqual(b["topic"], topic)
            self.assertEqual(b["keys"], ["msgBody", "msgKey", "offset", "partition", "topic"])
            parts = {m[0] for m in b["msgs"]}
            self.assertEqual(len(parts), 1, "a batch holds one partition")
            sizes[parts.pop()].append(len(b["msgs"]))
        self.assertEqual(sizes, {0: [100, 100, 50], 1: [100, 30]})
        for p, prefix, count in [(0, "p0", 250), (1, "p1", 130)]:
            got = [m for m in self.delivered(fn) if m[0] == p]
            self.assertEqual(got, [(p, i, "k%d" % i, "%s-%d" % (prefix, i)) for i in range(count)])
        status = trigger_status(self.client, fn, topic)
        self.assertEqual(status["Lag"], 0, status)
        self.assertEqual(sorted((p["Partition"], p["Offset"], p["HighWatermark"]) for p in status["Partitions"]),
                         [(0, 250, 250), (1, 130, 130)])

    def test_latest_starts_at_the_end_and_timestamp_skips_older_messages(self):
        topic = self.make_topic(1)
        self.kafka.produce(topic, [(0, None, "old-%d" % i, 1000 + i) for i in range(3)])
        latest = self.make_function()
        self.bind(latest, topic, offset="latest")
        stamped = self.make_function()
        self.bind(stamped, topic, offset="1002")
        earliest = self.make_function()
        self.bind(earliest, topic, offset="earliest")
        wait_consuming(self.client, latest, topic, 1)
        self.kafka.produce(topic, [(0, None, "new-%d" % i, 5000 + i) for i in range(2)])
        self.wait_delivered(latest, 2)
        self.wait_delivered(stamped, 3)
        self.wait_delivered(earliest, 5)
        self.assertNothingMore(latest, 2, wait=1)
        self.assertEqual([m[3] for m in self.delivered(latest)], ["new-0", "new-1"])
        self.assertEqual([m[3] for m in self.delivered(stamped)], ["old-2", "new-0", "new-1"])
        self.assertEqual([m[3] for m in self.delivered(earliest)],
                         ["old-0", "old-1", "old-2", "new-0", "new-1"])
        self.assertEqual([m[2] for m in self.delivered(earliest)], ["None"] * 5)  # null keys

    def test_a_poison_message_is_retried_then_skipped_to_the_dead_letter_function(self):
        topic = self.make_topic(1)
        dlq = unique_name("kdlq")
        create_function(self.client, dlq, {"index.py": DLQ_PY}, env={"OUT_DIR": self.out_dir})
        fn = self.make_function(extra={"DeadLetterConfig": {"Type": "SCF", "Name": dlq}})
        self.kafka.produce(topic, [(0, b"a", b"ok-1"), (0, b"b", b"fail-2"), (0, b"c", b"ok-3")])
        self.bind(fn, topic, max_msg_num=1, offset="earliest", retry=2)
        self.wait_delivered(fn, 5)
        self.assertNothingMore(fn, 5)
        self.assertEqual([m[3] for m in self.delivered(fn)], ["ok-1", "fail-2", "fail-2", "fail-2", "ok-3"])
        path = os.path.join(self.out_dir, "dlq.jsonl")
        wait_for(lambda: os.path.exists(path), 30, what="the dead letter")
        with open(path) as f:
            letters = [json.loads(line) for line in f]
        self.assertEqual(len(letters), 1, letters)
        body = letters[0]["Body"]
        self.assertEqual((body["FunctionName"], body["RequestSource"], body["RetryNum"]), (fn, "CKAFKA", 2))
        event = json.loads(body["ClientContext"])
        self.assertEqual(event["Records"][0]["Ckafka"]["msgBody"], "fail-2")
        self.assertEqual(event["Records"][0]["Ckafka"]["offset"], 1)
        self.assertEqual(trigger_status(self.client, fn, topic)["Lag"], 0)

    def test_binary_bodies_and_a_7_mb_message(self):
        topic = self.make_topic(2)
        big = os.urandom(7 * 1024 * 1024 // 2).hex()[:7000000]  # 7 MB of text
        self.kafka.produce(topic, [(0, b"\xff\xfek", b"\xff\xfe\x00A\xe4\xb8\xad"), (0, None, b""),
                                   (1, b"big", big.encode())])
        fn = self.make_function()
        self.bind(fn, topic, offset="earliest", max_msg_num=10)
        got = sorted(self.wait_delivered(fn, 3))
        # Bad UTF-8 bytes become U+FFFD; valid ones (NUL, U+4E2D) stay.
        self.assertEqual(got[0], (0, 0, "\ufffd\ufffdk", "\ufffd\ufffd\x00A\u4e2d"))
        self.assertEqual(got[1], (0, 1, "None", ""))
        self.assertEqual(got[2], (1, 0, "big", [7000000, hashlib.sha256(big.encode()).hexdigest()]))
        self.assertEqual([len(b["msgs"]) for b in self.batches(fn) if b["msgs"][0][0] == 1], [1])

    def test_disable_stops_consumption_and_enable_resumes_where_it_stopped(self):
        topic = self.make_topic(1)
        fn = self.make_function()
        self.bind(fn, topic, offset="earliest")
        name = "%s-%s" % (CLUSTER_ID, topic)
        self.kafka.produce(topic, generate=[(0, 10, 0, "a")])
        self.wait_delivered(fn, 10)
        self.client.ok("UpdateTriggerStatus", {"FunctionName": fn, "Type": "ckafka", "TriggerName": name,
                                               "Enable": "CLOSE"})
        self.assertEqual(trigger_status(self.client, fn, topic), {"Consuming": False})
        self.kafka.produce(topic, generate=[(0, 10, 0, "b")])
        self.assertNothingMore(fn, 10, wait=3)
        self.client.ok("UpdateTriggerStatus", {"FunctionName": fn, "Type": "ckafka", "TriggerName": name,
                                               "Enable": "OPEN"})
        self.wait_delivered(fn, 20)
        self.assertNothingMore(fn, 20, wait=1)
        self.assertEqual([m[1] for m in self.delivered(fn)], list(range(20)))
        self.client.ok("DeleteTrigger", {"FunctionName": fn, "Type": "ckafka", "TriggerName": name})
        self.kafka.produce(topic, generate=[(0, 5, 0, "c")])
        self.assertNothingMore(fn, 20, wait=2)

    def test_a_second_consumer_in_the_group_takes_partitions_without_loss(self):
        # At-least-once: the batches whose commits the coordinator refused while the
        # group rebalanced are delivered again; every message is delivered.
        topic = self.make_topic(4)
        self.kafka.produce(topic, generate=[(p, 150, 0, "nap%d" % p) for p in range(4)])
        group = unique_name("shared")
        first, second = self.make_function(), self.make_function()
        self.bind(first, topic, offset="earliest", max_msg_num=2, group=group)
        self.wait_delivered(first, 20)
        self.bind(second, topic, offset="earliest", max_msg_num=2, group=group)
        everything = {(p, o) for p in range(4) for o in range(150)}
        wait_for(lambda: {m[:2] for m in self.delivered(first) + self.delivered(second)} == everything, 90,
                 what="all 600 messages between both functions")
        self.assertGreater(len(self.delivered(second)), 0, "the second member got partitions")
        held = {m[0] for m in self.delivered(second)}
        for p in held:  # the second member starts where the first one's commits ended
            offsets = [m[1] for m in self.delivered(second) if m[0] == p]
            self.assertEqual(offsets, list(range(offsets[0], 150)))

    def test_100000_messages_end_to_end_exactly(self):
        topic = self.make_topic(4)
        fn = self.make_function()
        self.bind(fn, topic, offset="earliest", max_msg_num=1000)
        self.kafka.produce(topic, generate=[(p, 25000, 0, "x%d" % p) for p in range(4)])
        self.wait_delivered(fn, 100000, timeout=120)
        self.assertNothingMore(fn, 100000, wait=1)
        got = self.delivered(fn)
        self.assertEqual(sorted((m[0], m[1]) for m in got), [(p, o) for p in range(4) for o in range(25000)])
        for p in range(4):
            self.assertEqual([m[1] for m in got if m[0] == p], list(range(25000)))
        wait_for(lambda: trigger_status(self.client, fn, topic)["Lag"] == 0, 10, what="lag 0")


class CkafkaCrashTest(CkafkaCase):
    """kill -9 of the server during a batch: the batch is delivered again, nothing is lost."""

    def test_kill_during_a_batch_redelivers_it(self):
        topic = self.make_topic(1)
        fn = self.make_function(timeout=30)
        self.bind(fn, topic, offset="earliest", max_msg_num=1)
        self.kafka.produce(topic, [(0, None, b"first"), (0, None, b"slow-second"), (0, None, b"third")])
        wait_for(lambda: [m[3] for m in self.delivered(fn)] == ["first", "slow-second"], 30,
                 what="the slow batch to start")
        time.sleep(1)  # the first batch's commit is sent
        self.server.kill()
        self.server.start()
        self.wait_delivered(fn, 4, timeout=60)
        self.assertNothingMore(fn, 4, wait=1)
        self.assertEqual([m[3] for m in self.delivered(fn)], ["first", "slow-second", "slow-second", "third"])


class CkafkaBrokersDownTest(CkafkaCase):
    """Brokers away: CreateTrigger says so; a server started while they are down consumes
    once they are back."""

    def test_consumption_resumes_when_brokers_come_back(self):
        topic = self.make_topic(2)
        fn = self.make_function()
        self.bind(fn, topic, offset="earliest")
        self.kafka.produce(topic, [(0, None, b"before")])
        self.wait_delivered(fn, 1)
        self.server.stop()
        self.kafka.produce(topic, [(0, None, b"while-stopped"), (1, None, b"other")])
        self.kafka.down()
        self.server.start()
        type(self).client = self.server.client()  # the restarted server's new port
        other = self.make_function()
        err = self.client.error("CreateTrigger", {
            "FunctionName": other, "Type": "ckafka", "TriggerName": "%s-%s" % (CLUSTER_ID, topic),
            "TriggerDesc": trigger_desc()})
        self.assertEqual(err["Code"], "FailedOperation", err)
        self.assertIn("did not answer", err["Message"])
        self.assertNothingMore(fn, 1, wait=2)
        self.kafka.up()
        self.wait_delivered(fn, 3, timeout=60)
        self.assertNothingMore(fn, 3, wait=1)
        self.assertEqual(sorted(m[3] for m in self.delivered(fn)), ["before", "other", "while-stopped"])


if __name__ == "__main__":
    unittest.main()
