"""The Kafka side of the ckafka tests and benchmark (Python standard library only).

`MockCluster` runs `kafka_mock_cluster serve` (tests/tools/kafka_mock_cluster.cpp, built
next to the yunfn binary): librdkafka's mock cluster, a real Kafka protocol server. Its
partitions keep at most 5 MB each (older message sets are dropped past that), so tests
keep each partition's data below it. `produce` and `raw_consume` drive the same tool's
producer and raw consumer.
"""

import json
import os
import subprocess
import time

from yunfnlib import BIN

TOOL = os.environ.get("YUNFN_KAFKA_MOCK") or os.path.join(os.path.dirname(BIN), "kafka_mock_cluster")
CLUSTER_ID = "ckafka-test"


class MockCluster:
    """One mock Kafka cluster, served until close()."""

    def __init__(self, brokers=1):
        if not os.path.exists(TOOL):
            raise AssertionError("%s does not exist: build the kafka_mock_cluster target" % TOOL)
        self.proc = subprocess.Popen([TOOL, "serve", "--brokers", str(brokers)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "bootstrap":
            raise AssertionError("kafka_mock_cluster did not start: %r" % line)
        self.bootstrap = line[1]

    def command(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if answer != "ok":
            raise AssertionError("kafka_mock_cluster %r: %r" % (text, answer))

    def create_topic(self, name, partitions):
        self.command("topic %s %d" % (name, partitions))

    def down(self):
        self.command("down")

    def up(self):
        self.command("up")

    def produce(self, topic, messages=(), generate=()):
        """Produces `messages`, tuples (partition, key bytes or None, value bytes[, timestamp
        ms]), and `generate`, tuples (partition, count, size, prefix): count messages
        "<prefix>-<i>" padded with '.' to size bytes, keys "k<i>"."""
        lines = []
        for m in messages:
            partition, key, value = m[0], m[1], m[2]
            ts = m[3] if len(m) > 3 else 0
            lines.append("%d %s %s %d" % (partition, hexed(key), hexed(value), ts))
        for partition, count, size, prefix in generate:
            lines.append("gen %d %d %d %s" % (partition, count, size, prefix))
        out = subprocess.run([TOOL, "produce", self.bootstrap, topic], input="\n".join(lines) + "\n",
                             capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise AssertionError("produce failed: %s" % out.stderr[-2000:])
        return int(out.stdout.split()[-1])

    def raw_consume(self, topic, count):
        """librdkafka's own consume rate: {"messages", "seconds"}."""
        out = subprocess.run([TOOL, "consume", self.bootstrap, topic, str(count)],
                             capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise AssertionError("consume failed: %s" % out.stderr[-2000:])
        return json.loads(out.stdout.strip().splitlines()[-1])

    def server_args(self, cluster_id=CLUSTER_ID, extra=()):
        """yunfn server flags naming this cluster (short sessions: a killed server's
        member leaves the group within seconds)."""
        return ["--kafka-cluster", "%s=%s" % (cluster_id, self.bootstrap),
                "--kafka-property", "%s:session.timeout.ms=6000" % cluster_id] + list(extra)

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


def hexed(data):
    if data is None:
        return "-"
    if isinstance(data, str):
        data = data.encode("utf-8")
    return data.hex() if data else "="


def trigger_desc(max_msg_num=100, offset="latest", retry=10000, timeout=60, group=None):
    desc = {"maxMsgNum": max_msg_num, "offset": offset, "retry": retry, "timeOut": timeout}
    if group is not None:
        desc["consumerGroupName"] = group
    return json.dumps(desc)


def trigger_status(client, function, topic, cluster_id=CLUSTER_ID):
    return client.ok("GetTriggerStatus", {"FunctionName": function, "Type": "ckafka",
                                          "TriggerName": "%s-%s" % (cluster_id, topic)})["Status"]


def wait_for(predicate, timeout, interval=0.1, what="condition"):
    """Polls predicate() until it returns a true value; returns it."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)


def wait_consuming(client, function, topic, partitions, cluster_id=CLUSTER_ID, timeout=30):
    """Waits until the trigger's consumer holds `partitions` partitions, each with a known
    position (it has read them to their end once)."""
    def ready():
        s = trigger_status(client, function, topic, cluster_id)
        parts = s.get("Partitions") or []
        return len(parts) == partitions and all(p["Offset"] >= 0 for p in parts) and s
    return wait_for(ready, timeout, what="the trigger to consume %s" % topic)
