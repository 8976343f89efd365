"""Async invocation (scf-contract.md sections 3.13, 3.14, 10.2-10.4): Invoke with
InvocationType Event, the durable queue and its dispatcher, retries and the dead-letter
function, TerminateAsyncEvent, AsyncRunEnable functions, and the async API's errors.

Most functions here report what they did by appending lines to a file in a temp
directory named by the environment variable OUT_DIR. Under namespace isolation an
instance has its own root and /tmp and cannot see that directory, so those servers run
with `--isolation none` (see yunfnlib.host_files_isolation_args).
"""

import base64
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import unittest

from yunfnlib import (ServerOutputOnFailure, KeepAliveClient, Server, ServerTestCase, async_event_count,
                      async_invoke, async_invoke_params, create_function,
                      function_processes, host_files_isolation_args, list_all_async_events,
                      read_lines, unique_name, wait_async_count, wait_async_status)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
EVENT_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$")

# Appends its request id to $OUT_DIR/ids.txt (one short O_APPEND write: atomic).
APPEND_ID = r'''
import os

PATH = os.path.join(os.environ["OUT_DIR"], "ids.txt")


def main_handler(event, context):
    fd = os.open(PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (context["request_id"] + "\n").encode())
    finally:
        os.close(fd)
    return "ok"
'''

# Writes a start line, sleeps, writes an end line (wall-clock times and its pid).
SLEEP_AND_RECORD = r'''
import os
import time

PATH = os.path.join(os.environ["OUT_DIR"], "runs.txt")


def note(kind, rid):
    line = "%s %s %.6f %d\n" % (kind, rid, time.time(), os.getpid())
    fd = os.open(PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def main_handler(event, context):
    rid = context["request_id"]
    note("S", rid)
    time.sleep(float(os.environ.get("SLEEP_S", "0.05")))
    note("E", rid)
    return "ok"
'''

# Fails until it has been called `succeed_on` times for the event's key.
FLAKY = r'''
import json
import os


def main_handler(event, context):
    path = os.path.join(os.environ["OUT_DIR"], "attempts-" + event["key"])
    n = 1
    if os.path.exists(path):
        with open(path) as f:
            n = int(f.read()) + 1
    with open(path, "w") as f:
        f.write(str(n))
    if n < int(event.get("succeed_on", 3)):
        raise RuntimeError("attempt %d of %s fails" % (n, event["key"]))
    return {"attempt": n}
'''

# Records each dead-letter message it receives as one JSON line.
DLQ_SINK = r'''
import json
import os


def main_handler(event, context):
    with open(os.path.join(os.environ["OUT_DIR"], "dlq.jsonl"), "a") as f:
        f.write(json.dumps(event) + "\n")
    return "stored"
'''

# Writes its pid to $OUT_DIR/<request id>.pid, sleeps event["sleep"] s, writes .done.
LONG_RUNNER = r'''
import os
import time


def main_handler(event, context):
    base = os.path.join(os.environ["OUT_DIR"], context["request_id"])
    with open(base + ".pid", "w") as f:
        f.write(str(os.getpid()))
    time.sleep(float(event.get("sleep", 60)))
    with open(base + ".done", "w") as f:
        f.write("done")
    return "finished"
'''

NOOP = r'''
def main_handler(event, context):
    return "ok"
'''


class OutDirMixin:
    """A per-test temp directory the functions write into (OUT_DIR)."""

    def make_out_dir(self):
        path = tempfile.mkdtemp(prefix="yunfn-async-out-")
        os.chmod(path, 0o777)
        self.addCleanup(shutil.rmtree, path, True)
        return path


def enqueue_many(server, name, count, threads, event_of=lambda i: {"i": i}):
    """Queues `count` async events from `threads` threads, each with one persistent
    connection; returns (request ids in submission order, errors, seconds taken)."""
    ids = [None] * count
    errors = []
    lock = threading.Lock()

    def worker(start):
        client = KeepAliveClient(server.host, server.port)
        try:
            for i in range(start, count, threads):
                resp = client.call("Invoke", async_invoke_params(name, event_of(i)))
                if "Error" in resp:
                    with lock:
                        errors.append(resp["Error"])
                else:
                    ids[i] = resp["Result"]["FunctionRequestId"]
        except Exception as e:  # reported by the caller
            with lock:
                errors.append(repr(e))
        finally:
            client.close()

    t0 = time.time()
    workers = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(600)
    return ids, errors, time.time() - t0


def kill_pids(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def pid_alive(pid):
    """True while /proc/<pid> exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat_line = f.read()
    except OSError:
        return False
    return stat_line[stat_line.rfind(")") + 2:].split()[0] != "Z"


# ----------------------------------------------------------------------------------------
# Volume: 10,000 events run exactly once
# ----------------------------------------------------------------------------------------

class AsyncVolumeTest(OutDirMixin, ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server_kwargs = {"extra_args": ["--async-concurrency", "16"] +
                             host_files_isolation_args()}
        super().setUpClass()

    def test_ten_thousand_events_complete_exactly_once(self):
        total = 10000
        out = self.make_out_dir()
        name = unique_name("async-volume")
        create_function(self.client, name, files={"index.py": APPEND_ID}, env={"OUT_DIR": out})

        ids, errors, took = enqueue_many(self.server, name, total, threads=16)
        self.assertEqual(errors, [], "enqueue errors (first 5): %r" % errors[:5])
        self.assertTrue(all(ids), "some Invoke calls returned no FunctionRequestId")
        self.assertEqual(len(set(ids)), total, "request ids are not unique")
        sys.stderr.write("\n[async volume] enqueued %d events in %.1f s (%.0f/s)\n"
                         % (total, took, total / took))

        t0 = time.time()
        wait_async_count(self.client, name, total, ("FINISHED",), timeout=300, interval=1)
        sys.stderr.write("[async volume] all FINISHED %.1f s after the last enqueue\n"
                         % (time.time() - t0))
        self.assertEqual(async_event_count(self.client, name, ["FAILED", "ABORTED"]), 0)
        self.assertEqual(async_event_count(self.client, name, ["RUNNING"]), 0)
        self.assertEqual(async_event_count(self.client, name), total)

        lines = read_lines(os.path.join(out, "ids.txt"))
        self.assertEqual(len(lines), total,
                         "the function ran %d times for %d events" % (len(lines), total))
        dupes = len(lines) - len(set(lines))
        self.assertEqual(dupes, 0, "%d events ran more than once" % dupes)
        self.assertEqual(set(lines), set(ids))


# ----------------------------------------------------------------------------------------
# Crash: kill -9 while draining
# ----------------------------------------------------------------------------------------

class AsyncCrashTest(ServerOutputOnFailure, OutDirMixin, unittest.TestCase):
    CONCURRENCY = 16

    def setUp(self):
        self.server = Server(extra_args=["--async-concurrency", str(self.CONCURRENCY)] +
                             host_files_isolation_args())
        self.server.start()
        self.addCleanup(self.server.cleanup)

    def test_kill_9_while_draining_loses_nothing(self):
        total = 2000
        out = self.make_out_dir()
        name = unique_name("async-crash")
        client = self.server.client()
        create_function(client, name, files={"index.py": SLEEP_AND_RECORD},
                        env={"OUT_DIR": out, "SLEEP_S": "0.05"})
        self.addCleanup(lambda: kill_pids(function_processes(name)))

        ids, errors, _ = enqueue_many(self.server, name, total, threads=8)
        self.assertEqual(errors, [], "enqueue errors (first 5): %r" % errors[:5])
        accepted = set(ids)
        self.assertEqual(len(accepted), total)

        # Kill in the middle of the drain: between 15% and 85% finished.
        deadline = time.time() + 120
        finished = 0
        while time.time() < deadline:
            finished = async_event_count(client, name, ["FINISHED"])
            if finished >= total * 0.15:
                break
            time.sleep(0.05)
        self.assertLess(finished, total * 0.85,
                        "the queue drained too fast to crash it in the middle")
        killed_at = time.time()
        self.server.kill()
        finished_before = finished
        self.server.start()
        client = self.server.client()

        wait_async_count(client, name, total, ("FINISHED",), timeout=180, interval=0.5)
        self.assertEqual(async_event_count(client, name), total)
        self.assertEqual(async_event_count(client, name, ["FAILED", "ABORTED", "RUNNING"]), 0)
        time.sleep(0.5)  # an instance orphaned by the kill may still write its end line

        runs = self.parse_runs(os.path.join(out, "runs.txt"), killed_at)
        self.assertEqual(set(runs), accepted, "runs for ids that were never accepted, or "
                         "accepted events that never ran")
        incomplete = [rid for rid, rs in runs.items() if not any(r[2] for r in rs)]
        self.assertEqual(incomplete, [], "events without a complete run: %r" % incomplete[:5])
        duplicated = {rid: rs for rid, rs in runs.items() if len(rs) > 1}
        sys.stderr.write("\n[async crash] killed at %d/%d FINISHED; %d events ran twice "
                         "(limit: concurrency %d)\n"
                         % (finished_before, total, len(duplicated), self.CONCURRENCY))
        self.assertLessEqual(len(duplicated), self.CONCURRENCY,
                             "more events re-ran than could have been running at the kill")
        for rid, rs in duplicated.items():
            self.assertEqual(len(rs), 2, "%s ran %d times: %r" % (rid, len(rs), rs))
            # The first run was the interrupted one: it started before the kill.
            self.assertLess(rs[0][0], killed_at + 0.01, (rid, rs))
        for rid, rs in runs.items():
            for (s1, e1, _), (s2, _e2, _c2) in zip(rs, rs[1:]):
                self.assertGreaterEqual(s2, e1, "%s ran twice at the same time: %r" % (rid, rs))

    @staticmethod
    def parse_runs(path, killed_at):
        """{request id: [(start, end, completed), ...] sorted by start}. A run is keyed
        by (request id, pid); one without an end line ended at the kill at the latest."""
        starts, ends = {}, {}
        for line in read_lines(path):
            kind, rid, ts, pid = line.split()
            (starts if kind == "S" else ends)[(rid, pid)] = float(ts)
        runs = {}
        for (rid, pid), start in starts.items():
            end = ends.get((rid, pid))
            runs.setdefault(rid, []).append(
                (start, end if end is not None else max(start, killed_at), end is not None))
        for rs in runs.values():
            rs.sort()
        return runs


# ----------------------------------------------------------------------------------------
# Retries and the dead-letter function
# ----------------------------------------------------------------------------------------

class AsyncRetryTest(OutDirMixin, ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server_kwargs = {"extra_args": ["--async-retry-delay-ms", "200"] +
                             host_files_isolation_args()}
        super().setUpClass()

    def test_default_retry_config(self):
        name = unique_name("async-cfg")
        create_function(self.client, name, files={"index.py": NOOP})
        cfg = self.client.ok("GetFunctionEventInvokeConfig", {"FunctionName": name})
        self.assertEqual(cfg["AsyncTriggerConfig"]["RetryConfig"][0]["RetryNum"], 2)
        self.assertEqual(cfg["AsyncTriggerConfig"]["MsgTTL"], 21600)
        self.client.ok("UpdateFunctionEventInvokeConfig", {
            "FunctionName": name,
            "AsyncTriggerConfig": {"RetryConfig": [{"RetryNum": 0}], "MsgTTL": 60}})
        cfg = self.client.ok("GetFunctionEventInvokeConfig", {"FunctionName": name})
        self.assertEqual(cfg["AsyncTriggerConfig"]["RetryConfig"][0]["RetryNum"], 0)
        self.assertEqual(cfg["AsyncTriggerConfig"]["MsgTTL"], 60)

    def test_fails_twice_then_succeeds(self):
        out = self.make_out_dir()
        name = unique_name("async-flaky")
        create_function(self.client, name, files={"index.py": FLAKY}, env={"OUT_DIR": out})
        t0 = time.time()
        rid = async_invoke(self.client, name, {"key": "k1", "succeed_on": 3})
        status = wait_async_status(self.client, rid, timeout=60)
        took = time.time() - t0
        self.assertEqual(status["Status"], "FINISHED", status)
        self.assertEqual(status["Attempts"], 3, status)
        self.assertEqual(status["StatusCode"], 200, status)
        self.assertEqual(status["InvokeRequestId"], rid)
        self.assertEqual(status["FunctionName"], name)
        self.assertEqual(json.loads(status["RetMsg"]), {"attempt": 3})
        with open(os.path.join(out, "attempts-k1")) as f:
            self.assertEqual(f.read(), "3")
        # Delays of 200 ms x attempt (200 + 400) and no more than a few seconds in all.
        self.assertGreaterEqual(took, 0.6)
        self.assertLess(took, 30)

        logs = self.client.ok("GetFunctionLogs", {"FunctionName": name,
                                                  "FunctionRequestId": rid, "Limit": 100})
        retry_nums = sorted(d.get("RetryNum") for d in logs["Data"])
        self.assertEqual(retry_nums, [0, 1, 2],
                         "GetFunctionLogs should hold one record per attempt: %r"
                         % [(d.get("RetryNum"), d.get("RetCode")) for d in logs["Data"]])

    def test_always_failing_goes_to_dead_letter_function(self):
        out = self.make_out_dir()
        sink = unique_name("async-dlq")
        create_function(self.client, sink, files={"index.py": DLQ_SINK}, env={"OUT_DIR": out})
        name = unique_name("async-fail")
        create_function(self.client, name, files={"index.py": FLAKY}, env={"OUT_DIR": out},
                        extra={"DeadLetterConfig": {"Type": "SCF", "Name": sink}})
        fn = self.client.get_function(name)
        self.assertEqual(fn["DeadLetterConfig"]["Name"], sink)
        self.assertEqual(fn["DeadLetterConfig"]["Type"], "SCF")
        self.client.ok("UpdateFunctionEventInvokeConfig", {
            "FunctionName": name, "AsyncTriggerConfig": {"RetryConfig": [{"RetryNum": 1}]}})

        event = {"key": "never", "succeed_on": 99}
        rid = async_invoke(self.client, name, event)
        status = wait_async_status(self.client, rid, timeout=60)
        self.assertEqual(status["Status"], "FAILED", status)
        self.assertEqual(status["Attempts"], 2, status)
        self.assertNotEqual(status["StatusCode"], 200)
        with open(os.path.join(out, "attempts-never")) as f:
            self.assertEqual(f.read(), "2")

        deadline = time.time() + 30
        while time.time() < deadline and not read_lines(os.path.join(out, "dlq.jsonl")):
            time.sleep(0.1)
        lines = read_lines(os.path.join(out, "dlq.jsonl"))
        self.assertEqual(len(lines), 1, lines)
        msg = json.loads(lines[0])
        self.assertEqual(msg["RequestId"], rid)
        self.assertIn("ErrorCode", msg)
        self.assertNotIn(msg["ErrorCode"], (0, 200, "0", "200"), msg)
        self.assertIn("never", msg.get("ErrorMessage", ""), msg)
        body = msg["Body"]
        self.assertEqual(json.loads(body["ClientContext"]), event)
        self.assertEqual(body["FunctionName"], name)
        self.assertEqual(body["RequestId"], rid)
        self.assertEqual(body["RetryNum"], 1)
        self.assertEqual(body.get("Namespace"), "default")

        dlq_events = list_all_async_events(self.client, sink)
        self.assertEqual(len(dlq_events), 1, dlq_events)
        self.assertEqual(dlq_events[0]["InvokeType"], "DLQ")
        # The failed event was not handed over twice.
        time.sleep(1)
        self.assertEqual(len(read_lines(os.path.join(out, "dlq.jsonl"))), 1)

    def test_retry_num_zero_fails_after_one_attempt(self):
        out = self.make_out_dir()
        name = unique_name("async-noretry")
        create_function(self.client, name, files={"index.py": FLAKY}, env={"OUT_DIR": out})
        self.client.ok("UpdateFunctionEventInvokeConfig", {
            "FunctionName": name, "AsyncTriggerConfig": {"RetryConfig": [{"RetryNum": 0}]}})
        rid = async_invoke(self.client, name, {"key": "once", "succeed_on": 2})
        status = wait_async_status(self.client, rid, timeout=30)
        self.assertEqual(status["Status"], "FAILED", status)
        self.assertEqual(status["Attempts"], 1, status)
        time.sleep(0.6)  # longer than a retry delay: no second attempt comes
        with open(os.path.join(out, "attempts-once")) as f:
            self.assertEqual(f.read(), "1")

    def test_timeout_is_retried(self):
        out = self.make_out_dir()
        name = unique_name("async-timeout")
        create_function(self.client, name, files={"index.py": LONG_RUNNER},
                        env={"OUT_DIR": out}, timeout=1)
        self.client.ok("UpdateFunctionEventInvokeConfig", {
            "FunctionName": name, "AsyncTriggerConfig": {"RetryConfig": [{"RetryNum": 1}]}})
        rid = async_invoke(self.client, name, {"sleep": 5})
        status = wait_async_status(self.client, rid, timeout=60)
        self.assertEqual(status["Status"], "FAILED", status)
        self.assertEqual(status["Attempts"], 2, status)
        self.assertNotEqual(status["StatusCode"], 200)
        self.assertIn("time", status["RetMsg"].lower(), status)
        self.assertFalse(os.path.exists(os.path.join(out, rid + ".done")))

    def test_throttled_event_waits_without_using_an_attempt(self):
        out = self.make_out_dir()
        name = unique_name("async-throttle")
        create_function(self.client, name, files={"index.py": LONG_RUNNER},
                        env={"OUT_DIR": out}, timeout=30, memory=128)
        # Room for exactly one 128 MB instance; a sync call holds it for 3 s.
        self.client.ok("PutReservedConcurrencyConfig",
                       {"FunctionName": name, "ReservedConcurrencyMem": 128})
        self.addCleanup(self.client.call, "DeleteReservedConcurrencyConfig",
                        {"FunctionName": name})
        self.client.ok("UpdateFunctionEventInvokeConfig", {
            "FunctionName": name, "AsyncTriggerConfig": {"RetryConfig": [{"RetryNum": 0}]}})
        holder = threading.Thread(target=self.client.invoke, args=(name, {"sleep": 3}),
                                  daemon=True)
        holder.start()
        deadline = time.time() + 30
        while time.time() < deadline and not any(
                f.endswith(".pid") for f in os.listdir(out)):
            time.sleep(0.05)
        rid = async_invoke(self.client, name, {"sleep": 0})
        time.sleep(1.0)  # several throttled tries (200 ms apart) happen meanwhile
        self.assertEqual(self.client.ok("GetAsyncEventStatus", {"InvokeRequestId": rid})
                         ["Result"]["Status"], "RUNNING")
        status = wait_async_status(self.client, rid, timeout=30)
        holder.join(30)
        # Throttling used no attempt: RetryNum 0 and still FINISHED, after one attempt.
        self.assertEqual(status["Status"], "FINISHED", status)
        self.assertEqual(status["Attempts"], 1, status)
        self.assertTrue(os.path.exists(os.path.join(out, rid + ".done")))

    def test_dead_letter_config_validation(self):
        name = unique_name("async-dlqv")
        create_function(self.client, name, files={"index.py": NOOP})
        err = self.client.error("UpdateFunctionConfiguration", {
            "FunctionName": name,
            "DeadLetterConfig": {"Type": "SCF", "Name": unique_name("missing")}})
        self.assertErrorCode(err, "InvalidParameterValue.DeadLetterConfig")
        err = self.client.error("UpdateFunctionConfiguration", {
            "FunctionName": name, "DeadLetterConfig": {"Type": "CMQ-QUEUE", "Name": name}})
        self.assertErrorCode(err, "InvalidParameterValue.DeadLetterConfig")
        sink = unique_name("async-dlqv-sink")
        create_function(self.client, sink, files={"index.py": NOOP})
        self.client.ok("UpdateFunctionConfiguration", {
            "FunctionName": name, "DeadLetterConfig": {"Type": "SCF", "Name": sink}})
        self.assertEqual(self.client.get_function(name)["DeadLetterConfig"]["Name"], sink)


# ----------------------------------------------------------------------------------------
# TerminateAsyncEvent
# ----------------------------------------------------------------------------------------

class AsyncTerminateTest(OutDirMixin, ServerTestCase):
    """One dispatch slot, so a second event waits behind a running one."""

    @classmethod
    def setUpClass(cls):
        cls.server_kwargs = {"extra_args": ["--async-concurrency", "1"] +
                             host_files_isolation_args()}
        super().setUpClass()

    def long_runner(self):
        out = self.make_out_dir()
        name = unique_name("async-long")
        create_function(self.client, name, files={"index.py": LONG_RUNNER},
                        env={"OUT_DIR": out}, timeout=900)
        self.addCleanup(lambda: kill_pids(function_processes(name)))
        return name, out

    def wait_pid(self, out, rid, timeout=30):
        path = os.path.join(out, rid + ".pid")
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with open(path) as f:
                    text = f.read()
                if text:
                    return int(text)
            except OSError:
                pass
            time.sleep(0.05)
        self.fail("event %s never started (no %s)" % (rid, path))

    def terminate(self, name, rid):
        return self.client.ok("TerminateAsyncEvent", {"FunctionName": name,
                                                      "InvokeRequestId": rid})

    def test_terminate_running_event(self):
        name, out = self.long_runner()
        rid = async_invoke(self.client, name, {"sleep": 60})
        pid = self.wait_pid(out, rid)
        self.assertTrue(pid_alive(pid))
        self.assertEqual(self.client.ok("GetAsyncEventStatus", {"InvokeRequestId": rid})
                         ["Result"]["Status"], "RUNNING")
        t0 = time.time()
        self.terminate(name, rid)
        status = wait_async_status(self.client, rid, ("ABORTED",), timeout=1, interval=0.05)
        self.assertEqual(status["Status"], "ABORTED")
        while pid_alive(pid) and time.time() < t0 + 1.0:
            time.sleep(0.02)
        self.assertFalse(pid_alive(pid), "instance process %d still runs 1 s after "
                         "TerminateAsyncEvent" % pid)
        # It stays ABORTED (the killed run is not retried) and never finished its work.
        time.sleep(1)
        self.assertEqual(self.client.ok("GetAsyncEventStatus", {"InvokeRequestId": rid})
                         ["Result"]["Status"], "ABORTED")
        self.assertFalse(os.path.exists(os.path.join(out, rid + ".done")))
        self.assertEqual(async_event_count(self.client, name, ["ABORTED"]), 1)
        # The slot is free again: a new event runs.
        rid2 = async_invoke(self.client, name, {"sleep": 0})
        self.assertEqual(wait_async_status(self.client, rid2, timeout=30)["Status"], "FINISHED")

        err = self.client.error("TerminateAsyncEvent", {"FunctionName": name,
                                                        "InvokeRequestId": rid})
        self.assertErrorCode(err, "FailedOperation.AsyncEventStatus")

    def test_terminate_queued_event(self):
        name, out = self.long_runner()
        blocker = async_invoke(self.client, name, {"sleep": 60})
        self.wait_pid(out, blocker)
        queued = async_invoke(self.client, name, {"sleep": 0})
        time.sleep(0.3)
        self.assertEqual(self.client.ok("GetAsyncEventStatus", {"InvokeRequestId": queued})
                         ["Result"]["Status"], "RUNNING")  # SCF reports queued as RUNNING
        self.terminate(name, queued)
        self.assertEqual(self.client.ok("GetAsyncEventStatus", {"InvokeRequestId": queued})
                         ["Result"]["Status"], "ABORTED")
        # Free the slot; the cancelled event must never start.
        self.terminate(name, blocker)
        wait_async_status(self.client, blocker, ("ABORTED",), timeout=2)
        follower = async_invoke(self.client, name, {"sleep": 0})
        self.assertEqual(wait_async_status(self.client, follower, timeout=30)["Status"],
                         "FINISHED")
        self.assertFalse(os.path.exists(os.path.join(out, queued + ".pid")),
                         "a terminated queued event ran")
        self.assertEqual(self.client.ok("GetAsyncEventStatus", {"InvokeRequestId": queued})
                         ["Result"]["Status"], "ABORTED")
        logs = self.client.ok("GetFunctionLogs", {"FunctionName": name,
                                                  "FunctionRequestId": queued})
        self.assertEqual(logs["TotalCount"], 0, logs)

    def test_terminate_errors(self):
        name = unique_name("async-term")
        create_function(self.client, name, files={"index.py": NOOP})
        rid = async_invoke(self.client, name)
        self.assertEqual(wait_async_status(self.client, rid, timeout=30)["Status"], "FINISHED")
        err = self.client.error("TerminateAsyncEvent", {"FunctionName": name,
                                                        "InvokeRequestId": rid})
        self.assertErrorCode(err, "FailedOperation.AsyncEventStatus")
        err = self.client.error("TerminateAsyncEvent", {
            "FunctionName": name, "InvokeRequestId": "00000000-0000-0000-0000-000000000000"})
        self.assertErrorCode(err, "ResourceNotFound.AsyncEvent")
        other = unique_name("async-term-other")
        create_function(self.client, other, files={"index.py": NOOP})
        err = self.client.error("TerminateAsyncEvent", {"FunctionName": other,
                                                        "InvokeRequestId": rid})
        self.assertErrorCode(err, "ResourceNotFound.AsyncEvent")
        err = self.client.error("TerminateAsyncEvent", {"FunctionName": name})
        self.assertErrorCode(err, "MissingParameter", "InvokeRequestId")
        err = self.client.error("GetAsyncEventStatus", {
            "InvokeRequestId": "00000000-0000-0000-0000-000000000000"})
        self.assertErrorCode(err, "ResourceNotFound.AsyncEvent")


# ----------------------------------------------------------------------------------------
# AsyncRunEnable functions, basic async invoke, ListAsyncEvents, bad input
# ----------------------------------------------------------------------------------------

class AsyncApiTest(OutDirMixin, ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server_kwargs = {"extra_args": host_files_isolation_args()}
        super().setUpClass()

    def test_async_invoke_returns_at_once(self):
        out = self.make_out_dir()
        name = unique_name("async-basic")
        create_function(self.client, name, files={"index.py": LONG_RUNNER},
                        env={"OUT_DIR": out}, timeout=30)
        t0 = time.time()
        result = self.client.ok("Invoke", async_invoke_params(name, {"sleep": 2}))["Result"]
        self.assertLess(time.time() - t0, 1.5, "an async Invoke waited for the function")
        self.assertEqual(result["RetMsg"], "Async run task submitted")
        rid = result["FunctionRequestId"]
        self.assertRegex(rid, UUID_RE)
        self.assertFalse(os.path.exists(os.path.join(out, rid + ".done")))
        status = wait_async_status(self.client, rid, timeout=60)
        self.assertEqual(status["Status"], "FINISHED", status)
        self.assertEqual(status["Attempts"], 1)
        self.assertTrue(os.path.exists(os.path.join(out, rid + ".done")))
        logs = self.client.ok("GetFunctionLogs", {"FunctionName": name,
                                                  "FunctionRequestId": rid})
        self.assertEqual(logs["TotalCount"], 1, logs)
        self.assertEqual(logs["Data"][0]["RetCode"], 0)

    def test_async_run_enable_function(self):
        out = self.make_out_dir()
        name = unique_name("async-run")
        # Async-execution functions may run up to 86400 s.
        create_function(self.client, name, files={"index.py": LONG_RUNNER},
                        env={"OUT_DIR": out}, timeout=3600,
                        extra={"AsyncRunEnable": "TRUE"})
        self.assertEqual(self.client.get_function(name)["AsyncRunEnable"], "TRUE")
        t0 = time.time()
        result = self.client.invoke(name, {"sleep": 2})  # a sync (RequestResponse) call
        self.assertLess(time.time() - t0, 1.5, "a sync call of an AsyncRunEnable function "
                        "waited for the function")
        rid = result["FunctionRequestId"]
        self.assertRegex(rid, UUID_RE)
        self.assertEqual(result["RetMsg"], "Async run task submitted")
        self.assertFalse(os.path.exists(os.path.join(out, rid + ".done")))
        status = wait_async_status(self.client, rid, timeout=60)
        self.assertEqual(status["Status"], "FINISHED", status)
        self.assertTrue(os.path.exists(os.path.join(out, rid + ".done")))
        # InvokeFunction (sync only) is detached as well.
        t0 = time.time()
        resp = self.client.ok("InvokeFunction", {"FunctionName": name,
                                                 "Event": json.dumps({"sleep": 1})})
        self.assertLess(time.time() - t0, 1.5)
        rid2 = resp["Result"]["FunctionRequestId"]
        self.assertEqual(wait_async_status(self.client, rid2, timeout=60)["Status"], "FINISHED")

        # A normal function cannot have such a timeout.
        err = self.client.error("CreateFunction", {
            "FunctionName": unique_name("sync-long"), "Runtime": "Python3.9",
            "Handler": "index.main_handler", "Timeout": 3600,
            "Code": {"ZipFile": base64.b64encode(b"not used").decode()}})
        self.assertTrue(err["Code"].endswith("Timeout"), err)

    def test_list_async_events(self):
        name = unique_name("async-list")
        create_function(self.client, name, files={"index.py": NOOP})
        ids = []
        for i in range(5):
            ids.append(async_invoke(self.client, name, {"i": i}))
            time.sleep(0.01)  # distinct accept times, so the order is defined
        for rid in ids:
            wait_async_status(self.client, rid, timeout=30)
        resp = self.client.ok("ListAsyncEvents", {"FunctionName": name})
        self.assertEqual(resp["TotalCount"], 5)
        events = resp["EventList"]
        self.assertEqual([e["InvokeRequestId"] for e in events], ids[::-1])  # default DESC
        for e in events:
            self.assertEqual(e["InvokeType"], "API")
            self.assertEqual(e["Status"], "FINISHED")
            self.assertEqual(e["Qualifier"], "$LATEST")
            self.assertRegex(e["StartTime"], EVENT_TIME_RE)
            self.assertRegex(e["EndTime"], EVENT_TIME_RE)
            self.assertGreaterEqual(e["EndTime"], e["StartTime"])
        asc = self.client.ok("ListAsyncEvents", {"FunctionName": name, "Order": "ASC"})
        self.assertEqual([e["InvokeRequestId"] for e in asc["EventList"]], ids)
        page = self.client.ok("ListAsyncEvents", {"FunctionName": name, "Order": "ASC",
                                                  "Offset": 1, "Limit": 2})
        self.assertEqual(page["TotalCount"], 5)
        self.assertEqual([e["InvokeRequestId"] for e in page["EventList"]], ids[1:3])
        one = self.client.ok("ListAsyncEvents", {"FunctionName": name,
                                                 "InvokeRequestId": ids[2]})
        self.assertEqual([e["InvokeRequestId"] for e in one["EventList"]], [ids[2]])
        self.assertEqual(async_event_count(self.client, name, invoke_types=["TIMER"]), 0)
        self.assertEqual(async_event_count(self.client, name, invoke_types=["API"]), 5)
        self.assertEqual(async_event_count(self.client, name, ["FAILED"]), 0)
        self.assertEqual(async_event_count(self.client, name, ["FAILED", "FINISHED"]), 5)
        future = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 3600))
        past = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 3600))
        self.assertEqual(self.client.ok("ListAsyncEvents", {
            "FunctionName": name, "StartTimeInterval": {"Start": future}})["TotalCount"], 0)
        self.assertEqual(self.client.ok("ListAsyncEvents", {
            "FunctionName": name,
            "StartTimeInterval": {"Start": past, "End": future}})["TotalCount"], 5)
        self.assertEqual(self.client.ok("ListAsyncEvents", {
            "FunctionName": name, "EndTimeInterval": {"End": past}})["TotalCount"], 0)

    def test_bad_input(self):
        name = unique_name("async-bad")
        create_function(self.client, name, files={"index.py": NOOP})
        # 128 KB async limit (a sync call takes the same event).
        big = {"data": "x" * (129 * 1024)}
        err = self.client.error("Invoke", async_invoke_params(name, big))
        self.assertErrorCode(err, "InvalidParameter.RequestTooLarge")
        self.assertEqual(async_event_count(self.client, name), 0)
        self.assertEqual(self.client.invoke(name, big)["InvokeResult"], 0)
        just_fits = {"data": "x" * (127 * 1024)}
        async_invoke(self.client, name, just_fits)

        for retry in (3, -1):
            err = self.client.error("UpdateFunctionEventInvokeConfig", {
                "FunctionName": name,
                "AsyncTriggerConfig": {"RetryConfig": [{"RetryNum": retry}]}})
            self.assertErrorCode(err, "LimitExceeded.RetryNum")
        for ttl in (30, 21601):
            err = self.client.error("UpdateFunctionEventInvokeConfig", {
                "FunctionName": name, "AsyncTriggerConfig": {"MsgTTL": ttl}})
            self.assertErrorCode(err, "LimitExceeded.MsgTTL")
        err = self.client.error("UpdateFunctionEventInvokeConfig", {
            "FunctionName": name, "AsyncTriggerConfig": {"RetryConfig": "2"}})
        self.assertErrorCode(err, "InvalidParameterValue.AsyncTriggerConfig")
        err = self.client.error("UpdateFunctionEventInvokeConfig", {"FunctionName": name})
        self.assertErrorCode(err, "MissingParameter", "AsyncTriggerConfig")
        err = self.client.error("UpdateFunctionEventInvokeConfig", {
            "FunctionName": unique_name("missing"),
            "AsyncTriggerConfig": {"RetryConfig": [{"RetryNum": 1}]}})
        self.assertErrorCode(err, "ResourceNotFound.Function")
        # Nothing was changed by the refused updates.
        cfg = self.client.ok("GetFunctionEventInvokeConfig", {"FunctionName": name})
        self.assertEqual(cfg["AsyncTriggerConfig"]["RetryConfig"][0]["RetryNum"], 2)
        self.assertEqual(cfg["AsyncTriggerConfig"]["MsgTTL"], 21600)

        err = self.client.error("ListAsyncEvents", {"FunctionName": name, "Status": ["DONE"]})
        self.assertErrorCode(err, "InvalidParameterValue.Status")
        err = self.client.error("ListAsyncEvents", {"FunctionName": name, "Status": "FINISHED"})
        self.assertErrorCode(err, "InvalidParameterValue.Status")
        err = self.client.error("ListAsyncEvents", {"FunctionName": name, "Limit": 101})
        self.assertErrorCode(err, "InvalidParameterValue.Limit")
        err = self.client.error("ListAsyncEvents", {"FunctionName": name, "Order": "UP"})
        self.assertErrorCode(err, "InvalidParameterValue.Order")
        err = self.client.error("ListAsyncEvents", {
            "FunctionName": name, "StartTimeInterval": {"Start": "yesterday"}})
        self.assertErrorCode(err, "InvalidParameterValue.StartTimeInterval")
        err = self.client.error("ListAsyncEvents", {"FunctionName": unique_name("missing")})
        self.assertErrorCode(err, "ResourceNotFound.Function")
        err = self.client.error("ListAsyncEvents", {})
        self.assertErrorCode(err, "MissingParameter", "FunctionName")

        err = self.client.error("Invoke", async_invoke_params(unique_name("missing")))
        self.assertErrorCode(err, "ResourceNotFound.Function")
        err = self.client.error("Invoke", {"FunctionName": name, "InvocationType": "Later",
                                           "ClientContext": "{}"})
        self.assertErrorCode(err, "InvalidParameterValue.InvocationType")
        err = self.client.error("Invoke", {"FunctionName": name, "InvocationType": "Event",
                                           "ClientContext": "{not json"})
        self.assertErrorCode(err, "InvalidParameterValue.Param", "ClientContext")
        err = self.client.error("Invoke", async_invoke_params(name, qualifier="7"))
        self.assertErrorCode(err, "ResourceNotFound.Qualifier", "Qualifier 7")
        # Only the one good event was queued.
        self.assertEqual(async_event_count(self.client, name), 1)


if __name__ == "__main__":
    unittest.main()
