#!/usr/bin/env python3
"""ckafka trigger benchmark: Kafka messages per second end to end (Python 3 standard library
plus the build's kafka_mock_cluster tool).

    python3 bench/kafka_bench.py --bin build/yunfn

Starts librdkafka's mock cluster (build/kafka_mock_cluster, a real Kafka protocol
server) and a yunfn server naming it, then for maxMsgNum 1 and 100 and for topics of 1
and 8 partitions: binds a no-op Python function to an empty topic (offset latest), waits
until the trigger's consumer holds every partition, produces N messages of 16 bytes
spread evenly over the partitions, and times from the start of producing until
GetTriggerStatus shows every partition's committed position at its end (lag 0, all N
processed). Beside each row: librdkafka's raw consume rate of the same N messages from
the same cluster (the tool's consumer, no group, no invocations) and the ratio of the
two, measured in the same run.

Everything runs on this machine (mock brokers, server, instances, producer), so the
numbers are for comparison between yunfn builds on the same machine. --quick is a smoke
run of a few seconds with small counts; it exits 1 when a run did not process exactly N.
"""

import argparse
import json
import os
import sys
import time

from benchlib import load_yunfnlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

NOOP = r'''
def main_handler(event, context):
    return "ok"
'''


def run_case(yunfnlib, kafkalib, kafka, client, max_msg_num, partitions, count, budget):
    """One row: returns a dict with the end-to-end and raw rates."""
    topic = "bench-%d-%d-%d" % (max_msg_num, partitions, int(time.time() * 1000) % 1000000)
    kafka.create_topic(topic, partitions)
    fn = yunfnlib.unique_name("kbench")
    yunfnlib.create_function(client, fn, {"index.py": NOOP})
    client.ok("CreateTrigger", {"FunctionName": fn, "Type": "ckafka",
                                "TriggerName": "%s-%s" % (kafkalib.CLUSTER_ID, topic),
                                "TriggerDesc": kafkalib.trigger_desc(max_msg_num=max_msg_num, timeout=1)})
    kafkalib.wait_consuming(client, fn, topic, partitions, timeout=60)
    client.invoke(fn, {})  # a warm instance, as a steady stream would have
    per = count // partitions
    start = time.time()
    kafka.produce(topic, generate=[(p, per, 16, "m") for p in range(partitions)])
    produced_at = time.time()

    def done():
        s = kafkalib.trigger_status(client, fn, topic)
        parts = s.get("Partitions") or []
        return (len(parts) == partitions and all(p["Offset"] == per for p in parts)) and s
    status = kafkalib.wait_for(done, budget, interval=0.02, what="%d messages through %s" % (count, fn))
    seconds = time.time() - start
    raw = kafka.raw_consume(topic, per * partitions)
    client.ok("DeleteTrigger", {"FunctionName": fn, "Type": "ckafka",
                                "TriggerName": "%s-%s" % (kafkalib.CLUSTER_ID, topic)})
    e2e_rate = per * partitions / seconds
    raw_rate = raw["messages"] / raw["seconds"]
    return {"maxMsgNum": max_msg_num, "partitions": partitions, "messages": per * partitions,
            "seconds": round(seconds, 3), "produce_seconds": round(produced_at - start, 3),
            "msgs_per_s": round(e2e_rate), "raw_msgs_per_s": round(raw_rate),
            "ratio": round(e2e_rate / raw_rate, 4), "lag_after": status["Lag"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "yunfn"), help="the yunfn binary")
    ap.add_argument("--isolation", default=None, help="passed to the server as --isolation")
    ap.add_argument("--messages-single", type=int, default=5000,
                    help="messages of the maxMsgNum 1 rows (one invocation each)")
    ap.add_argument("--messages-batched", type=int, default=100000, help="messages of the maxMsgNum 100 rows")
    ap.add_argument("--quick", action="store_true", help="a smoke run with small counts")
    args = ap.parse_args()
    yunfnlib = load_yunfnlib(args.bin, args.isolation)
    import kafkalib  # noqa: E402  (tests/integration is on the path now)
    if args.quick:
        args.messages_single, args.messages_batched = 400, 4000
    budget = 30 if args.quick else 600
    kafka = kafkalib.MockCluster()
    server = yunfnlib.Server(extra_args=kafka.server_args())
    rows = []
    try:
        server.start()
        client = server.client()
        for max_msg_num, count in [(1, args.messages_single), (100, args.messages_batched)]:
            for partitions in (1, 8):
                row = run_case(yunfnlib, kafkalib, kafka, client, max_msg_num, partitions, count, budget)
                rows.append(row)
                print("maxMsgNum %4d  partitions %d  %7d msgs  %8.2f s  %9d msg/s end to end  "
                      "raw librdkafka %9d msg/s  ratio %.4f" % (
                          row["maxMsgNum"], row["partitions"], row["messages"], row["seconds"],
                          row["msgs_per_s"], row["raw_msgs_per_s"], row["ratio"]), flush=True)
    finally:
        server.cleanup()
        kafka.close()
    print(json.dumps({"kafka_bench": rows}))
    return 0 if all(r["lag_after"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
