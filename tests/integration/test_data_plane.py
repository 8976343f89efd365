"""The data plane after store changes: an update is seen by the next invocation, records
and logs of every invocation land, a stalled record writer costs records (never memory
or service), and a kill -9 under load keeps every acknowledged change.

- Updates: UpdateFunctionCode (once the function is Active again) and
  UpdateFunctionConfiguration are seen by the very next Invoke, for several rounds; an
  UpdateAlias that moves all traffic to another version applies to the next invokes
  (API and gateway); DeleteFunction makes the next Invoke ResourceNotFound.Function and
  the gateway answer 404 at once, and a function created again under the same name
  runs its new code.
- Updates under load: threads invoke a function continuously while the main thread
  alternates code and configuration updates; each answer is checked against the updates
  that had returned before the request started (client-side times): never an older or
  a mixed (code, configuration) pair.
- Records under load: N requests from 16 threads (gateway and Invoke) give exactly N
  records with START/END/Report lines, visible to the first GetFunctionLogs after the
  last answer.
- Stalled writer: the test holds SQLite's write lock (BEGIN EXCLUSIVE on yunfn.db) while
  a function logs ~1 MB per call more times than the 32 MB record backlog holds; the
  invokes answer promptly, the server's RSS stays bounded, records are dropped (and
  the server says so), the rest land once the lock is released.
- kill -9 under load: functions, aliases and environment updates acknowledged before
  the kill are all there after a restart, and the database passes integrity_check.
"""

import json
import os
import sqlite3
import threading
import time
import unittest

from yunfnlib import (GatewayAssertions, KeepAliveClient, ServerTestCase,
                      create_apigw_trigger, create_function, function_processes, gateway_path, gateway_request, invoke_params,
                      kill_instance_process, proc_rss_kb, publish_version, unique_name,
                      wait_active, zip_b64)

# A function that names its code and its environment marker; answers in the apigw
# integrated-response format so that the gateway and Invoke return the same body.
MARKER_CODE = r'''
import json
import os

CODE_MARK = %r


def main_handler(event, context):
    print("serving " + CODE_MARK)
    body = {"code": CODE_MARK, "env": os.environ.get("MARK", ""),
            "version": context.get("function_version")}
    return {"isBase64Encoded": False, "statusCode": 200,
            "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
'''

# Writes ~1 MB of output per call (under the 1 MiB per-invocation log cap).
NOISY_CODE = r'''
import sys

LINE = "n" * 999 + "\n"


def main_handler(event, context):
    for _ in range(1000):
        sys.stdout.write(LINE)
    sys.stdout.flush()
    return "noisy"
'''

# Prints 64 KB tagged with the event's tag, the last line just before it returns.
TAGGED_OUTPUT_CODE = r'''
import sys


def main_handler(event, context):
    tag = event["tag"]
    for _ in range(64):
        sys.stdout.write(tag + ":" + "t" * 1000 + "\n")
    print(tag + ":end", flush=True)
    return tag
'''

STATUS_ERROR = "FailedOperation.FunctionStatusError"
UPDATING_TEXT = "is Updating, not Active; it cannot be invoked now"
# Functions the kill -9 test keeps (it deletes the oldest beyond them).
KEEP_FUNCTIONS = 30
# Client-side timeout of the calls made under load / while the store is locked.
LOAD_CALL_TIMEOUT = 30


def marker_files(code_mark):
    return {"index.py": MARKER_CODE % code_mark}


def env_params(value):
    return {"Variables": [{"Key": "MARK", "Value": value}]}


def body_of_result(result):
    """The (code, env) body a marker function returned through Invoke."""
    ret = json.loads(result["RetMsg"])
    return json.loads(ret["body"])


def wait_active_fast(client, name, timeout=30):
    """wait_active with a tight poll (the moment matters to the load test)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        fn = client.get_function(name)
        if fn.get("Status") == "Active":
            return fn
        if fn.get("Status") not in ("Creating", "Updating"):
            raise AssertionError("function %s ended %s: %s" % (
                name, fn.get("Status"), fn.get("StatusDesc")))
        time.sleep(0.01)
    raise AssertionError("function %s not Active after %ss" % (name, timeout))


def kill_function_processes(*names):
    for name in names:
        for pid in function_processes(name):
            kill_instance_process(pid)


def function_logs(client, name, limit=1000):
    return client.ok("GetFunctionLogs", {"FunctionName": name, "Offset": 0, "Limit": limit,
                                         "Order": "asc", "OrderBy": "start_time"})


# ----------------------------------------------------------------------------------------
# Updates, aliases, deletes, records under load (one server)
# ----------------------------------------------------------------------------------------

class DataPlaneTest(GatewayAssertions, ServerTestCase):

    def invoke_body(self, name, qualifier=None):
        result = self.client.invoke(name, qualifier=qualifier, log_type="None")
        self.assertEqual(result["InvokeResult"], 0, result)
        return body_of_result(result)

    def gateway_body(self, name, path="/"):
        status, headers, body = gateway_request(self.server, "GET", gateway_path(name, path))
        self.assertEqual(status, 200, body[:2000])
        self.assertRequestIds(headers)
        return json.loads(body)

    # -- 1 ------------------------------------------------------------------------------

    def test_update_then_invoke_sees_the_new_code_and_configuration(self):
        name = unique_name("dp-upd")
        create_function(self.client, name, marker_files("code-0"), env={"MARK": "cfg-0"})
        self.addCleanup(self.client.delete_function, name)
        self.assertEqual(self.invoke_body(name), {"code": "code-0", "env": "cfg-0",
                                                  "version": "$LATEST"})
        for i in range(1, 5):
            with self.subTest(round=i):
                self.client.ok("UpdateFunctionCode", {
                    "FunctionName": name, "Code": {"ZipFile": zip_b64(marker_files(
                        "code-%d" % i))}})
                # Until the new package is unpacked the function is Updating: an invoke
                # then is refused, never served by the old code.
                resp = self.client.call("Invoke", invoke_params(name, log_type="None"))
                if "Error" in resp:
                    self.assertErrorCode(resp["Error"], STATUS_ERROR)
                else:
                    self.assertEqual(body_of_result(resp["Result"])["code"], "code-%d" % i)
                wait_active(self.client, name)
                self.assertEqual(self.invoke_body(name), {
                    "code": "code-%d" % i, "env": "cfg-%d" % (i - 1), "version": "$LATEST"})

                self.client.ok("UpdateFunctionConfiguration", {
                    "FunctionName": name, "Environment": env_params("cfg-%d" % i)})
                # A configuration update leaves the function Active: the very next
                # invoke runs with it.
                self.assertEqual(self.invoke_body(name), {
                    "code": "code-%d" % i, "env": "cfg-%d" % i, "version": "$LATEST"})
                self.assertEqual(self.invoke_body(name)["env"], "cfg-%d" % i)

    # -- 2 ------------------------------------------------------------------------------

    def test_alias_weight_change_applies_to_the_next_invokes(self):
        name = unique_name("dp-alias")
        create_function(self.client, name, marker_files("ver-1"))
        self.addCleanup(self.client.delete_function, name)
        self.assertEqual(publish_version(self.client, name), "1")
        self.client.ok("UpdateFunctionCode", {
            "FunctionName": name, "Code": {"ZipFile": zip_b64(marker_files("ver-2"))}})
        wait_active(self.client, name)
        self.assertEqual(publish_version(self.client, name), "2")
        self.client.ok("CreateAlias", {
            "FunctionName": name, "Name": "live", "FunctionVersion": "1",
            "RoutingConfig": {"AdditionalVersionWeights": [{"Version": "2", "Weight": 0}]}})
        create_apigw_trigger(self.client, name, "live-api", path="/", qualifier="live")

        # (main version, additional version and weight or None, version served)
        rounds = [("1", None, "1"),
                  ("1", ("2", 1), "2"),
                  ("2", ("1", 0), "2"),
                  ("2", ("1", 1), "1"),
                  ("1", ("2", 0), "1"),
                  ("1", ("2", 1.0), "2")]
        for i, (main, extra, served) in enumerate(rounds):
            with self.subTest(round=i, main=main, extra=extra):
                routing = {"AdditionalVersionWeights": (
                    [{"Version": extra[0], "Weight": extra[1]}] if extra else [])}
                self.client.ok("UpdateAlias", {"FunctionName": name, "Name": "live",
                                               "FunctionVersion": main,
                                               "RoutingConfig": routing})
                want = {"code": "ver-" + served, "env": "", "version": served}
                seen = [self.invoke_body(name, qualifier="live") for _ in range(20)]
                self.assertEqual(seen, [want] * 20)
                via_gateway = [self.gateway_body(name) for _ in range(5)]
                self.assertEqual(via_gateway, [want] * 5)

    # -- 3 ------------------------------------------------------------------------------

    def test_delete_then_invoke_is_not_found_at_once(self):
        name = unique_name("dp-del")
        self.addCleanup(self.client.delete_function, name)
        for i in range(3):
            with self.subTest(round=i):
                create_function(self.client, name, marker_files("life-%d" % i))
                create_apigw_trigger(self.client, name, "api", path="/")
                # Warm: the function, its version and its route are cached and in use.
                want = {"code": "life-%d" % i, "env": "", "version": "$LATEST"}
                self.assertEqual(self.invoke_body(name), want)
                self.assertEqual(self.invoke_body(name), want)
                self.assertEqual(self.gateway_body(name), want)

                self.client.ok("DeleteFunction", {"FunctionName": name})
                err = self.client.error("Invoke", invoke_params(name))
                self.assertErrorCode(err, "ResourceNotFound.Function", name)
                self.assertGatewayError(
                    gateway_request(self.server, "GET", gateway_path(name, "/")), 404)
                err = self.client.error("GetFunction", {"FunctionName": name})
                self.assertErrorCode(err, "ResourceNotFound.Function", name)
                err = self.client.error("Invoke", invoke_params(name, qualifier="$LATEST"))
                self.assertErrorCode(err, "ResourceNotFound.Function", name)

    # -- 4 ------------------------------------------------------------------------------

    def test_updates_under_load_never_serve_an_older_or_mixed_state(self):
        name = unique_name("dp-load")
        create_function(self.client, name, marker_files("code-0"), env={"MARK": "cfg-0"})
        self.addCleanup(self.client.delete_function, name)
        create_apigw_trigger(self.client, name, "api", path="/")
        self.invoke_body(name)

        stop = threading.Event()
        records = []  # (kind, started, finished, ("ok", (code, env)) | ("err", text))
        lock = threading.Lock()

        def api_loop():
            kc = KeepAliveClient(self.server.host, self.server.port, timeout=LOAD_CALL_TIMEOUT)
            try:
                while not stop.is_set():
                    started = time.monotonic()
                    try:
                        resp = kc.call("Invoke", invoke_params(name, log_type="None"))
                        if "Error" in resp:
                            outcome = ("err", resp["Error"].get("Code"))
                        elif resp["Result"].get("InvokeResult") != 0:
                            outcome = ("bad", repr(resp["Result"])[:500])
                        else:
                            body = body_of_result(resp["Result"])
                            outcome = ("ok", (body["code"], body["env"]))
                    except Exception as e:  # judged below
                        outcome = ("bad", repr(e))
                    with lock:
                        records.append(("api", started, time.monotonic(), outcome))
            finally:
                kc.close()

        def gateway_loop():
            while not stop.is_set():
                started = time.monotonic()
                try:
                    status, headers, body = gateway_request(
                        self.server, "GET", gateway_path(name, "/load"),
                        timeout=LOAD_CALL_TIMEOUT)
                    if status == 200 and headers.get("x-scf-status") is None:
                        doc = json.loads(body)
                        outcome = ("ok", (doc["code"], doc["env"]))
                    elif status == 502 and UPDATING_TEXT in json.loads(body).get("error", ""):
                        # The gateway's form of FailedOperation.FunctionStatusError.
                        outcome = ("err", STATUS_ERROR)
                    else:
                        outcome = ("gw", "%d %s" % (status, body[:300]))
                except Exception as e:  # judged below
                    outcome = ("bad", repr(e))
                with lock:
                    records.append(("gateway", started, time.monotonic(), outcome))

        def settle(since, answers=12, timeout=8.0):
            """Waits until the load got `answers` successful answers to requests that
            started after `since` (new instances started after an update are slow)."""
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                with lock:
                    n = sum(1 for r in records if r[1] > since and r[3][0] == "ok")
                if n >= answers:
                    return
                time.sleep(0.05)

        threads = [threading.Thread(target=api_loop, daemon=True) for _ in range(3)]
        threads.append(threading.Thread(target=gateway_loop, daemon=True))
        states = [("code-0", "cfg-0")]
        updates = []  # (kind, call started, call returned, Active seen)
        rounds = 5
        for t in threads:
            t.start()
        try:
            settle(time.monotonic())
            for i in range(1, rounds + 1):
                cs = time.monotonic()
                self.client.ok("UpdateFunctionCode", {
                    "FunctionName": name,
                    "Code": {"ZipFile": zip_b64(marker_files("code-%d" % i))}})
                cr = time.monotonic()
                wait_active_fast(self.client, name)
                updates.append(("code", cs, cr, time.monotonic()))
                states.append(("code-%d" % i, states[-1][1]))
                settle(cr)
                cs = time.monotonic()
                self.client.ok("UpdateFunctionConfiguration", {
                    "FunctionName": name, "Environment": env_params("cfg-%d" % i)})
                cr = time.monotonic()
                updates.append(("config", cs, cr, cr))
                states.append((states[-1][0], "cfg-%d" % i))
                settle(cr)
        finally:
            stop.set()
            for t in threads:
                t.join(LOAD_CALL_TIMEOUT + 5)

        problems = []
        strict_seen = [0] * len(states)
        for kind, started, finished, (what, value) in records:
            lo = sum(1 for u in updates if u[2] <= started)   # returned before it started
            hi = sum(1 for u in updates if u[1] < finished)   # began before it ended
            if what == "ok":
                allowed = states[lo:hi + 1]
                if value not in allowed:
                    problems.append("%s request [%.3f, %.3f] got %r; allowed %r" % (
                        kind, started, finished, value, allowed))
                elif lo == hi:
                    strict_seen[lo] += 1
            elif what == "err" and value == STATUS_ERROR:
                # Only while a code update was between its call and Active.
                if not any(u[0] == "code" and u[1] < finished and u[3] > started
                           for u in updates):
                    problems.append("%s request [%.3f, %.3f] got %s outside any update" % (
                        kind, started, finished, value))
            else:
                problems.append("%s request [%.3f, %.3f] failed: %s %s" % (
                    kind, started, finished, what, value))
        self.assertEqual(problems[:20], [], "%d of %d requests wrong; updates %r" % (
            len(problems), len(records), updates))
        # The load really ran against every state, from start to end.
        self.assertTrue(all(n > 0 for n in strict_seen),
                        "some states were never observed alone: %r" % strict_seen)
        self.assertGreater(sum(1 for r in records if r[0] == "gateway" and r[3][0] == "ok"),
                           10)
        self.assertEqual(self.invoke_body(name)["code"], "code-%d" % rounds)
        self.assertEqual(self.invoke_body(name)["env"], "cfg-%d" % rounds)

    # -- 5 ------------------------------------------------------------------------------

    def test_every_record_and_log_lands_under_load(self):
        name = unique_name("dp-rec")
        create_function(self.client, name, marker_files("rec"))
        self.addCleanup(self.client.delete_function, name)
        create_apigw_trigger(self.client, name, "api", path="/")
        total, workers = 300, 16
        rids = [[] for _ in range(workers)]
        failures = []

        def worker(w):
            kc = KeepAliveClient(self.server.host, self.server.port, timeout=LOAD_CALL_TIMEOUT)
            try:
                for _ in range(w, total, workers):
                    try:
                        if w % 2:
                            status, headers, body = gateway_request(
                                self.server, "GET", gateway_path(name, "/r"),
                                timeout=LOAD_CALL_TIMEOUT)
                            if status != 200 or json.loads(body).get("code") != "rec":
                                failures.append("gateway %d %r" % (status, body[:300]))
                            rids[w].append(headers.get("x-scf-reqid"))
                        else:
                            resp = kc.call("Invoke", invoke_params(name, log_type="None"))
                            if "Error" in resp or resp["Result"].get("InvokeResult") != 0:
                                failures.append("invoke %r" % resp)
                                continue
                            rids[w].append(resp["Result"]["FunctionRequestId"])
                    except Exception as e:  # reported below
                        failures.append(repr(e))
            finally:
                kc.close()

        threads = [threading.Thread(target=worker, args=(w,), daemon=True)
                   for w in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        last_answer = time.monotonic()
        self.assertEqual(failures[:10], [])
        all_rids = [r for per in rids for r in per]
        self.assertEqual(len(all_rids), total)
        self.assertEqual(len(set(all_rids)), total, "request ids repeat")

        resp = function_logs(self.client, name)
        took = time.monotonic() - last_answer
        self.assertEqual(resp["TotalCount"], total, "records of %d requests after %.2fs"
                         % (total, took))
        self.assertEqual({d["RequestId"] for d in resp["Data"]}, set(all_rids))
        self.assertLess(took, 2.0, "GetFunctionLogs took %.2fs" % took)
        for rec in resp["Data"]:
            self.assertEqual(rec["RetCode"], 0, rec)
            # Exactly its own line: output never spills into the next invocation.
            self.assertEqual(rec["Log"].count("serving rec"), 1, rec)
            self.assertLogHasRequestLines(rec["Log"], rec["RequestId"])


    def test_output_lands_in_the_invocation_that_printed_it(self):
        name = unique_name("dp-out")
        create_function(self.client, name, {"index.py": TAGGED_OUTPUT_CODE})
        self.addCleanup(self.client.delete_function, name)
        tags = ["tag%03d" % i for i in range(120)]

        def worker(w):
            kc = KeepAliveClient(self.server.host, self.server.port, timeout=LOAD_CALL_TIMEOUT)
            try:
                for tag in tags[w::4]:
                    kc.call("Invoke", invoke_params(name, event={"tag": tag}, log_type="None"))
            finally:
                kc.close()

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        records = function_logs(self.client, name)["Data"]
        self.assertEqual(len(records), len(tags))
        for rec in records:
            tag = json.loads(rec["RetMsg"])
            printed = [line.split(":")[0] for line in rec["Log"].splitlines()
                       if line.startswith("tag")]
            self.assertEqual(printed, [tag] * 65, rec["RequestId"])


# ----------------------------------------------------------------------------------------
# A stalled record writer
# ----------------------------------------------------------------------------------------

class StalledRecordWriterTest(ServerTestCase):
    """Its own server: the writer stalls and records are dropped on purpose."""

    CALLS = 60
    PROMPT_S = 5.0
    RSS_LIMIT_MB = 80
    DROPPED_TEXT = "invocation records are"
    DROPPED_TEXT2 = "MB behind the disk; new records are dropped until it catches up"

    def test_stalled_writer_keeps_memory_bounded_and_serving(self):
        name = unique_name("dp-noisy")
        create_function(self.client, name, {"index.py": NOISY_CODE}, timeout=30)
        # Warm: an instance and 1 MB logs through every buffer once.
        for _ in range(3):
            result = self.client.invoke(name, log_type="None")
            self.assertEqual(result["RetMsg"], '"noisy"', result)
        self.assertEqual(function_logs(self.client, name, limit=10)["TotalCount"], 3)
        time.sleep(0.3)
        pid = self.server.proc.pid
        rss_before = proc_rss_kb(pid)

        db = sqlite3.connect(os.path.join(self.server.data_dir, "yunfn.db"),
                             isolation_level=None, timeout=10)
        self.addCleanup(db.close)
        db.execute("BEGIN EXCLUSIVE")
        rids, slow, rss_peak = [], [], rss_before
        try:
            for i in range(self.CALLS):
                t0 = time.monotonic()
                resp = self.client.call("Invoke", invoke_params(name, log_type="None"),
                                        timeout=LOAD_CALL_TIMEOUT)
                took = time.monotonic() - t0
                self.assertNotIn("Error", resp, "call %d" % i)
                self.assertEqual(resp["Result"]["RetMsg"], '"noisy"', resp)
                rids.append(resp["Result"]["FunctionRequestId"])
                if took > self.PROMPT_S:
                    slow.append((i, took))
                rss_peak = max(rss_peak, proc_rss_kb(pid))
            self.assertEqual(slow, [], "invokes slower than %ss" % self.PROMPT_S)
            grown_mb = (rss_peak - rss_before) / 1024.0
            self.assertLess(grown_mb, self.RSS_LIMIT_MB,
                            "RSS %d kB -> %d kB while the writer was stalled"
                            % (rss_before, rss_peak))
            # Reads carry on while the writer is stuck (GetFunctionLogs waits <= 1 s).
            t0 = time.monotonic()
            stuck = function_logs(self.client, name, limit=10)
            self.assertEqual(stuck["TotalCount"], 3)
            self.assertLess(time.monotonic() - t0, 3.0)
        finally:
            db.execute("ROLLBACK")

        # The writer catches up on ~33 MB once the lock is gone: a reader waits at
        # most 1 s for it, so on a busy machine the records land over a few reads.
        deadline = time.monotonic() + 60
        again = function_logs(self.client, name, limit=100)
        while time.monotonic() < deadline:
            time.sleep(0.5)
            first, again = again, function_logs(self.client, name, limit=100)
            if again["TotalCount"] == first["TotalCount"] > 3:
                break
        self.assertEqual(again["TotalCount"], first["TotalCount"])
        landed = [d for d in again["Data"] if d["RequestId"] in set(rids)]
        self.assertEqual(len(landed), again["TotalCount"] - 3)
        # The 32 MB backlog holds 33 records of ~1,000,300 bytes: the rest were dropped.
        self.assertAlmostEqual(len(landed), 33, delta=3,
                               msg="records kept of %d: %d" % (self.CALLS, len(landed)))
        # The kept records are the first ones, whole.
        self.assertEqual([d["RequestId"] for d in landed], rids[:len(landed)])
        for rec in landed:
            self.assertLogHasRequestLines(rec["Log"], rec["RequestId"])
            # ~1 MB each (not exactly: a few lines of one invocation's output can land
            # in the next one's log, see the report; not this test's subject).
            self.assertGreater(len(rec["Log"]), 900000)
        output = "\n".join(self.server.stdout_lines) + "\n" + self.server.stderr_text()
        said = [line for line in output.splitlines()
                if self.DROPPED_TEXT in line and self.DROPPED_TEXT2 in line]
        self.assertEqual(len(said), 1, "the server did not say (once) that records were "
                         "dropped:\n%s" % "\n".join(output.splitlines()[-30:]))
        # And the platform serves normally again.
        result = self.client.invoke(name, log_type="None")
        rec = self.client.ok("GetFunctionLogs", {"FunctionName": name,
                                                 "FunctionRequestId":
                                                 result["FunctionRequestId"]})
        self.assertEqual(rec["TotalCount"], 1)


# ----------------------------------------------------------------------------------------
# kill -9 under load
# ----------------------------------------------------------------------------------------

class KillUnderLoadTest(ServerTestCase):
    """Its own server: killed and restarted on the same data directory."""

    def test_acknowledged_changes_survive_kill_9_under_load(self):
        c = self.client
        load_fn = unique_name("dp-kl")
        bases = [unique_name("dp-kb") for _ in range(3)]
        create_function(c, load_fn, marker_files("load"))
        for b in bases:
            create_function(c, b, marker_files("base"), env={"MARK": "gen-0"})
        self.addCleanup(kill_function_processes, load_fn, *bases)

        stop = threading.Event()
        load_ok = [0]
        created = []      # functions whose CreateFunction was acknowledged
        aliased = []      # functions whose CreateAlias was acknowledged
        deleted = []      # functions whose DeleteFunction was acknowledged
        env_acked = {b: "gen-0" for b in bases}
        in_flight = [None]  # (kind, target, value) of the call that was running at the kill
        api_errors = []

        def load():
            kc = KeepAliveClient(self.server.host, self.server.port, timeout=5)
            try:
                while not stop.is_set():
                    try:
                        resp = kc.call("Invoke", invoke_params(load_fn, log_type="None"))
                        if "Error" not in resp:
                            load_ok[0] += 1
                    except Exception:  # the kill
                        if stop.is_set() or not self.server.alive():
                            return
            finally:
                kc.close()

        def mutate():
            kc = KeepAliveClient(self.server.host, self.server.port, timeout=5)
            i = 0
            try:
                while not stop.is_set():
                    i += 1
                    fn = "dp-kc-%s-%d" % (load_fn[6:14], i)
                    steps = [
                        ("create", fn, None, "CreateFunction", {
                            "FunctionName": fn, "Runtime": "Python3.9",
                            "Handler": "index.main_handler",
                            "Code": {"ZipFile": zip_b64(marker_files("made-%d" % i))}}),
                        ("alias", fn, None, "CreateAlias", {
                            "FunctionName": fn, "Name": "live",
                            "FunctionVersion": "$LATEST"}),
                        ("env", bases[i % len(bases)], "gen-%d" % i,
                         "UpdateFunctionConfiguration", {
                             "FunctionName": bases[i % len(bases)],
                             "Environment": env_params("gen-%d" % i)}),
                    ]
                    live = [f for f in created if f not in deleted]
                    if len(live) >= KEEP_FUNCTIONS:  # a namespace holds at most 50
                        steps.append(("delete", live[0], None, "DeleteFunction",
                                      {"FunctionName": live[0]}))
                    for kind, target, value, action, params in steps:
                        in_flight[0] = (kind, target, value)
                        try:
                            resp = kc.call(action, params)
                        except Exception:  # the kill: this call is unknown
                            return
                        if "Error" in resp:
                            api_errors.append((action, resp["Error"]))
                            return
                        in_flight[0] = None
                        if kind == "create":
                            created.append(target)
                        elif kind == "alias":
                            aliased.append(target)
                        elif kind == "delete":
                            deleted.append(target)
                        else:
                            env_acked[target] = value
            finally:
                kc.close()

        threads = [threading.Thread(target=load, daemon=True) for _ in range(3)]
        mutator = threading.Thread(target=mutate, daemon=True)
        for t in threads:
            t.start()
        mutator.start()
        time.sleep(3.0)
        self.server.kill()
        stop.set()
        mutator.join(15)
        for t in threads:
            t.join(15)
        self.addCleanup(lambda: kill_function_processes(*created))
        self.assertEqual(api_errors, [])
        self.assertGreater(load_ok[0], 20, "the load did not run")
        self.assertGreater(len(created), KEEP_FUNCTIONS + 5,
                           "too few changes acknowledged before the kill")

        self.server.start()
        c = self.server.client()
        db = sqlite3.connect(os.path.join(self.server.data_dir, "yunfn.db"))
        try:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
        finally:
            db.close()

        maybe = in_flight[0]
        maybe_deleted = maybe[1] if maybe and maybe[0] == "delete" else None
        kept = [fn for fn in created if fn not in deleted and fn != maybe_deleted]
        self.assertGreater(len(deleted), 5)
        self.assertGreaterEqual(len(kept), KEEP_FUNCTIONS - 2)
        for fn in kept:
            wait_active(c, fn)
        for fn in deleted:
            err = c.error("GetFunction", {"FunctionName": fn})
            self.assertErrorCode(err, "ResourceNotFound.Function", fn)
            err = c.error("Invoke", invoke_params(fn))
            self.assertErrorCode(err, "ResourceNotFound.Function", fn)
        for fn in aliased:
            if fn in kept:
                alias = c.ok("GetAlias", {"FunctionName": fn, "Name": "live"})
                self.assertEqual(alias["FunctionVersion"], "$LATEST", alias)
        for b, value in env_acked.items():
            got = {v["Key"]: v["Value"]
                   for v in c.get_function(b)["Environment"]["Variables"]}
            allowed = {value}
            if maybe and maybe[0] == "env" and maybe[1] == b:
                allowed.add(maybe[2])
            self.assertIn(got.get("MARK"), allowed, "environment of %s (in flight: %r)"
                          % (b, maybe))
            self.assertEqual(body_of_result(c.invoke(b, log_type="None"))["env"],
                             got.get("MARK"))
        names = {f["FunctionName"] for f in c.list_all_functions()}
        self.assertLessEqual(set(kept) | set(bases) | {load_fn}, names)
        self.assertEqual(names & set(deleted), set())
        for fn in kept[-2:]:
            body = body_of_result(c.invoke(fn, qualifier="live" if fn in aliased else None,
                                           log_type="None"))
            self.assertEqual(body["code"], "made-%d" % (created.index(fn) + 1))


if __name__ == "__main__":
    unittest.main()
