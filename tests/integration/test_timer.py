"""Timer triggers (scf-contract.md sections 3.10, 9.4, 9.8): cron validation, the stored
TriggerDesc, fires once per scheduled second with the SCF timer event, OPEN/CLOSE,
deletion, no double fires across a crash, the trigger API's errors, and the CLI commands
for triggers and async events (`trigger add/ls/rm`, `events`, `events stop`,
`invoke --async`).

The timer functions append every event they receive to a file in a temp directory named
by the environment variable OUT_DIR. Under namespace isolation an instance cannot see
that host directory, so these servers run with `--isolation none`
(yunfnlib.host_files_isolation_args).
"""

import calendar
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import unittest

from yunfnlib import (kill_instance_process, ServerOutputOnFailure, Server, ServerTestCase, async_event_count, async_invoke,
                      create_function, function_processes, host_files_isolation_args,
                      read_lines, run_cli, timer_trigger_params, unique_name,
                      wait_async_status)

TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
EVERY_SECOND = "*/1 * * * * * *"

# Appends {"event", "rid", "at"} for each run to $OUT_DIR/fires.jsonl.
RECORDER = r'''
import json
import os
import time

PATH = os.path.join(os.environ["OUT_DIR"], "fires.jsonl")


def main_handler(event, context):
    line = json.dumps({"event": event, "rid": context["request_id"], "at": time.time()})
    fd = os.open(PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)
    time.sleep(float(event.get("sleep", 0)) if isinstance(event, dict) else 0)
    return "ok"
'''

NOOP = r'''
def main_handler(event, context):
    return "ok"
'''


def epoch_of(scf_iso):
    """"2024-01-02T03:04:05Z" -> Unix seconds."""
    return calendar.timegm(time.strptime(scf_iso, "%Y-%m-%dT%H:%M:%SZ"))


def read_fires(out):
    """The recorded runs: [{"event", "rid", "at"}, ...] in file order."""
    return [json.loads(line) for line in read_lines(os.path.join(out, "fires.jsonl"))]


def timer_fires(out, trigger):
    """The recorded runs of one trigger's timer events, ordered by event Time."""
    fires = [f for f in read_fires(out) if isinstance(f["event"], dict)
             and f["event"].get("Type") == "Timer" and f["event"].get("TriggerName") == trigger]
    return sorted(fires, key=lambda f: (f["event"]["Time"], f["at"]))


class TimerBase(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server_kwargs = {"extra_args": host_files_isolation_args()}
        super().setUpClass()

    def make_out_dir(self):
        path = tempfile.mkdtemp(prefix="yunfn-timer-out-")
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def recorder(self, prefix="timer", timeout=120):
        out = self.make_out_dir()
        name = unique_name(prefix)
        create_function(self.client, name, files={"index.py": RECORDER}, env={"OUT_DIR": out},
                        timeout=timeout)
        self.addCleanup(lambda: [kill_instance_process(p) for p in function_processes(name)])
        return name, out

    def create_timer(self, fn, trigger, cron, message=None, enable=None, client=None):
        return (client or self.client).ok(
            "CreateTrigger", timer_trigger_params(fn, trigger, cron, message, enable))["TriggerInfo"]

    def set_status(self, fn, trigger, enable):
        self.client.ok("UpdateTriggerStatus", {"FunctionName": fn, "TriggerName": trigger,
                                               "Type": "timer", "Enable": enable})

    def list_triggers(self, fn):
        return self.client.ok("ListTriggers", {"FunctionName": fn})["Triggers"]


class TimerApiTest(TimerBase):

    def test_cron_validation(self):
        name = unique_name("timer-cron")
        create_function(self.client, name, files={"index.py": NOOP})
        bad = [
            ("* * * *", "7 fields"),
            ("* * * * * *", "7 fields"),
            ("* * * * * * * *", "7 fields"),
            ("", "7 fields"),
            ("60 * * * * * *", "second"),
            ("0 60 * * * * *", "minute"),
            ("0 0 25 * * * *", "hour"),
            ("0 0 0 32 * * *", "day"),
            ("0 0 0 0 * * *", "day"),
            ("0 0 0 * 13 * *", "month"),
            ("0 0 0 * FOO * *", "month"),
            ("0 0 0 * * 8 *", "week"),
            ("0 0 0 * * * 2100", "year"),
            ("0 0 0 * * * 1969", "year"),
            ("*/0 * * * * * *", "second"),
            ("abc * * * * * *", "second"),
            ("0 5-1 * * * * *", "minute"),
            ("0 0 ? * * * *", "hour"),
            ("61 * * * *", "minute"),  # 5-field: the first field is the minute
        ]
        for i, (cron, field) in enumerate(bad):
            with self.subTest(cron=cron):
                err = self.client.error("CreateTrigger",
                                        timer_trigger_params(name, "bad%d" % i, cron))
                self.assertErrorCode(err, "InvalidParameterValue.TriggerDesc", field)
        self.assertEqual(self.list_triggers(name), [])

        good = [
            ("0 */2 * * * * *", "0 */2 * * * * *"),
            ("*/5 * * * *", "0 */5 * * * * *"),              # legacy 5 fields
            ("0  15   10 * *  MON-FRI *", "0 15 10 * * MON-FRI *"),
            ('{"cron":"0 0 12 1,15 JAN-DEC ? 2030"}', "0 0 12 1,15 JAN-DEC ? 2030"),
            ("1/10 0-30/5 9-17 * * 0,7 *", "1/10 0-30/5 9-17 * * 0,7 *"),
        ]
        for i, (cron, normalised) in enumerate(good):
            with self.subTest(cron=cron):
                info = self.create_timer(name, "good%d" % i, cron, enable="CLOSE")
                self.assertEqual(json.loads(info["TriggerDesc"]), {"cron": normalised})

    def test_stored_desc_and_list(self):
        name = unique_name("timer-list")
        create_function(self.client, name, files={"index.py": NOOP})
        info = self.create_timer(name, "every2min", "0 */2 * * * * *", message="hi",
                                 enable="CLOSE")
        self.assertEqual(info["TriggerDesc"], '{"cron":"0 */2 * * * * *"}')
        self.assertEqual(info["TriggerName"], "every2min")
        self.assertEqual(info["Type"], "timer")
        self.assertEqual(info["Enable"], 0)
        self.assertEqual(info["CustomArgument"], "hi")
        self.assertEqual(info["Qualifier"], "$LATEST")
        self.create_timer(name, "daily", "0 0 3 * * * *")
        resp = self.client.ok("ListTriggers", {"FunctionName": name})
        self.assertEqual(resp["TotalCount"], 2)
        by_name = {t["TriggerName"]: t for t in resp["Triggers"]}
        self.assertEqual(set(by_name), {"every2min", "daily"})
        t = by_name["every2min"]
        self.assertEqual(json.loads(t["TriggerDesc"]), {"cron": "0 */2 * * * * *"})
        self.assertEqual((t["Type"], t["Enable"], t["CustomArgument"], t["Qualifier"]),
                         ("timer", 0, "hi", "$LATEST"))
        self.assertEqual(by_name["daily"]["Enable"], 1)
        for k in ("AddTime", "ModTime", "AvailableStatus", "ResourceId", "BindStatus"):
            self.assertIn(k, t)
        filtered = self.client.ok("ListTriggers", {
            "FunctionName": name, "Filters": [{"Name": "TriggerName", "Values": ["daily"]}]})
        self.assertEqual([x["TriggerName"] for x in filtered["Triggers"]], ["daily"])
        page = self.client.ok("ListTriggers", {"FunctionName": name, "Limit": 1})
        self.assertEqual((len(page["Triggers"]), page["TotalCount"]), (1, 2))

        # UpdateTrigger: new cron (normalised), message kept unless given.
        self.client.ok("UpdateTrigger", {"FunctionName": name, "TriggerName": "every2min",
                                         "Type": "timer", "TriggerDesc": "*/10 * * * *"})
        t = {x["TriggerName"]: x for x in self.list_triggers(name)}["every2min"]
        self.assertEqual(json.loads(t["TriggerDesc"]), {"cron": "0 */10 * * * * *"})
        self.assertEqual(t["CustomArgument"], "hi")
        self.assertEqual(t["Enable"], 0)
        err = self.client.error("UpdateTrigger", {"FunctionName": name, "TriggerName": "every2min",
                                                  "Type": "timer", "TriggerDesc": "0 0 99 * * * *"})
        self.assertErrorCode(err, "InvalidParameterValue.TriggerDesc", "hour")
        t = {x["TriggerName"]: x for x in self.list_triggers(name)}["every2min"]
        self.assertEqual(json.loads(t["TriggerDesc"]), {"cron": "0 */10 * * * * *"})

    def test_trigger_errors(self):
        name = unique_name("timer-err")
        create_function(self.client, name, files={"index.py": NOOP})
        self.create_timer(name, "t1", "0 0 0 * * * *")
        err = self.client.error("CreateTrigger", timer_trigger_params(name, "t1", "0 0 1 * * * *"))
        self.assertErrorCode(err, "ResourceInUse.Trigger")
        err = self.client.error("CreateTrigger", {"FunctionName": name, "TriggerName": "x",
                                                  "Type": "sundial", "TriggerDesc": "{}"})
        self.assertErrorCode(err, "InvalidParameterValue.Type")
        err = self.client.error("CreateTrigger", timer_trigger_params(name, "1bad name", "0 0 0 * * * *"))
        self.assertErrorCode(err, "InvalidParameterValue.TriggerName")
        err = self.client.error("CreateTrigger",
                                timer_trigger_params(unique_name("missing"), "t", "0 0 0 * * * *"))
        self.assertErrorCode(err, "ResourceNotFound.Function")
        err = self.client.error("CreateTrigger", timer_trigger_params(name, "t2", "0 0 0 * * * *",
                                                                      enable="MAYBE"))
        self.assertErrorCode(err, "InvalidParameterValue.Enable")
        err = self.client.error("CreateTrigger", timer_trigger_params(name, "t3", "0 0 0 * * * *",
                                                                      message="m" * 5000))
        self.assertErrorCode(err, "InvalidParameterValue.CustomArgument")
        err = self.client.error("CreateTrigger", {"FunctionName": name, "Type": "timer",
                                                  "TriggerDesc": "0 0 0 * * * *"})
        self.assertErrorCode(err, "MissingParameter", "TriggerName")
        err = self.client.error("CreateTrigger", timer_trigger_params(name, "t4", "0 0 0 * * * *")
                                | {"Qualifier": "42"})
        self.assertErrorCode(err, "ResourceNotFound.Qualifier")
        # At most 10 timer triggers per function.
        for i in range(2, 11):
            self.create_timer(name, "t%d" % (i + 10), "0 0 0 * * * *", enable="CLOSE")
        err = self.client.error("CreateTrigger", timer_trigger_params(name, "t99", "0 0 0 * * * *"))
        self.assertErrorCode(err, "LimitExceeded.Trigger")

        err = self.client.error("UpdateTriggerStatus", {"FunctionName": name, "TriggerName": "t1",
                                                        "Type": "timer", "Enable": "OPEN"})
        self.assertErrorCode(err, "FailedOperation.UpdateTriggerStatus")
        err = self.client.error("UpdateTriggerStatus", {"FunctionName": name, "TriggerName": "nope",
                                                        "Type": "timer", "Enable": "CLOSE"})
        self.assertErrorCode(err, "ResourceNotFound.Trigger")
        err = self.client.error("DeleteTrigger", {"FunctionName": name, "TriggerName": "nope",
                                                  "Type": "timer"})
        self.assertErrorCode(err, "ResourceNotFound.Trigger")
        self.client.ok("DeleteTrigger", {"FunctionName": name, "TriggerName": "t1", "Type": "timer"})
        self.assertNotIn("t1", [t["TriggerName"] for t in self.list_triggers(name)])
        err = self.client.error("DeleteTrigger", {"FunctionName": name, "TriggerName": "t1",
                                                  "Type": "timer"})
        self.assertErrorCode(err, "ResourceNotFound.Trigger")


class TimerFiringTest(TimerBase):

    def test_fires_every_second_until_closed_or_deleted(self):
        fn, out = self.recorder()
        t_created = time.time()
        self.create_timer(fn, "tick", EVERY_SECOND, message="hello timer")
        time.sleep(4.5)
        self.set_status(fn, "tick", "CLOSE")
        t_closed = time.time()
        time.sleep(1.0)  # let fires queued before the CLOSE run

        # Fires near each other may run on two instances at once and finish out of
        # order (async events are not serialised), so check them in Time order.
        fires = sorted(timer_fires(out, "tick"), key=lambda f: f["event"]["Time"])
        times = [epoch_of(f["event"]["Time"]) for f in fires]
        self.assertTrue(all(t_created - 1 <= t <= t_closed for t in times),
                        "fires outside the open window %.1f-%.1f: %r" % (t_created, t_closed, times))
        self.assertGreaterEqual(len(fires), 4, fires)
        self.assertLessEqual(len(fires), 6, fires)
        self.assertEqual(times, list(range(times[0], times[0] + len(times))),
                         "fire Times not 1 s apart: %r" % [f["event"]["Time"] for f in fires])
        self.assertEqual(len({f["rid"] for f in fires}), len(fires))
        for f in fires:
            ev = f["event"]
            self.assertEqual(set(ev), {"Type", "TriggerName", "Time", "Message"}, ev)
            self.assertEqual(ev["Type"], "Timer")
            self.assertEqual(ev["TriggerName"], "tick")
            self.assertEqual(ev["Message"], "hello timer")
            self.assertRegex(ev["Time"], TIME_RE)
            # It ran shortly after its scheduled time, not before it.
            self.assertGreaterEqual(f["at"], epoch_of(ev["Time"]) - 0.05, f)
            self.assertLess(f["at"], epoch_of(ev["Time"]) + 3, f)
        # The events are async events of type TIMER.
        self.assertEqual(async_event_count(self.client, fn, invoke_types=["TIMER"]), len(fires))
        self.assertEqual(async_event_count(self.client, fn, ["FINISHED"], ["TIMER"]), len(fires))

        # CLOSE: nothing more.
        time.sleep(1.5)
        late = [f["event"]["Time"] for f in timer_fires(out, "tick")
                if epoch_of(f["event"]["Time"]) > t_closed]
        self.assertEqual(late, [], "fired while CLOSE")
        self.assertEqual(self.list_triggers(fn)[0]["Enable"], 0)

        # OPEN again with a new message: fires resume.
        self.client.ok("UpdateTrigger", {"FunctionName": fn, "TriggerName": "tick",
                                         "Type": "timer", "CustomArgument": "second round"})
        self.set_status(fn, "tick", "OPEN")
        t_opened = time.time()
        time.sleep(2.5)
        self.client.ok("DeleteTrigger", {"FunctionName": fn, "TriggerName": "tick",
                                         "Type": "timer"})
        t_deleted = time.time()
        time.sleep(2.5)
        after = timer_fires(out, "tick")[len(fires):]
        self.assertGreaterEqual(len(after), 1, "no fire after re-opening")
        self.assertLessEqual(len(after), 4, after)
        for f in after:
            self.assertEqual(f["event"]["Message"], "second round")
            self.assertGreaterEqual(epoch_of(f["event"]["Time"]), int(t_opened) - 1)
            # Deleted: nothing after that.
            self.assertLessEqual(epoch_of(f["event"]["Time"]), t_deleted,
                                 "fired after DeleteTrigger")
        self.assertEqual(self.list_triggers(fn), [])

    def test_created_closed_never_fires(self):
        fn, out = self.recorder()
        self.create_timer(fn, "off", EVERY_SECOND, enable="CLOSE")
        time.sleep(2.5)
        self.assertEqual(timer_fires(out, "off"), [])
        self.assertEqual(async_event_count(self.client, fn), 0)


class TimerRestartTest(ServerOutputOnFailure, unittest.TestCase):
    """A fresh server per test: it is killed with SIGKILL and restarted."""

    def setUp(self):
        self.server = Server(extra_args=host_files_isolation_args())
        self.server.start()
        self.addCleanup(self.server.cleanup)
        self.out = tempfile.mkdtemp(prefix="yunfn-timer-out-")
        self.addCleanup(shutil.rmtree, self.out, True)

    def test_no_double_fire_after_kill_9(self):
        client = self.server.client()
        fn = unique_name("timer-crash")
        create_function(client, fn, files={"index.py": RECORDER}, env={"OUT_DIR": self.out})
        self.addCleanup(lambda: [kill_instance_process(p) for p in function_processes(fn)])
        client.ok("CreateTrigger", timer_trigger_params(fn, "tick", EVERY_SECOND))
        time.sleep(2.5)

        # 1: restart at once (likely within the second of the last fire).
        kill1 = time.time()
        self.server.kill()
        self.server.start()
        up1 = time.time()
        time.sleep(2.5)
        # 2: stay down for 3 s; the seconds in between are skipped, not made up.
        kill2 = time.time()
        self.server.kill()
        time.sleep(3)
        spawn2 = time.time()
        self.server.start()
        up2 = time.time()
        client = self.server.client()
        time.sleep(2.5)
        client.ok("DeleteTrigger", {"FunctionName": fn, "TriggerName": "tick", "Type": "timer"})
        deleted = time.time()
        time.sleep(1.0)

        fires = timer_fires(self.out, "tick")
        by_time = {}
        for f in fires:
            by_time.setdefault(f["event"]["Time"], []).append(f)
        repeated = {t: fs for t, fs in by_time.items() if len(fs) > 1}
        sys.stderr.write("\n[timer restart] %d fires, %d distinct times, restart 1 took "
                         "%.2f s; repeated runs: %r\n"
                         % (len(fires), len(by_time), up1 - kill1,
                            {t: [f["rid"] for f in fs] for t, fs in repeated.items()}))
        # A fire is durable before it runs, so the only repeat is the event a kill -9
        # caught while it ran: the queue runs it again after the restart (at least
        # once, as SCF's async events), with the same request id.
        def caught_by_a_kill(fs):
            first = fs[0]["at"]
            return (len(fs) == 2 and fs[0]["rid"] == fs[1]["rid"]
                    and any(kill - 2.0 < first <= kill for kill in (kill1, kill2)))
        self.assertEqual({t: fs for t, fs in repeated.items() if not caught_by_a_kill(fs)}, {},
                         "a scheduled time ran more than once")
        # Each scheduled time has its own request id (derived from trigger and time).
        self.assertEqual(len({f["rid"] for f in fires}), len(by_time))
        times = sorted(epoch_of(t) for t in by_time)
        # Seconds while the server was down are skipped, not made up later. The
        # restarted server cannot fire earlier than the second its process started in.
        gap = [t for t in times if kill2 < t < int(spawn2)]
        self.assertEqual(gap, [], "times missed while the server was down were fired later "
                         "(down %.1f-%.1f): %r" % (kill2, spawn2, times))
        # While the server is up no second is missing.
        for lo, hi in ((times[0], int(kill1)), (int(up1) + 1, int(kill2))):
            self.assertEqual([t for t in range(lo, hi) if t not in times], [],
                             "seconds without a fire between %d and %d: %r" % (lo, hi, times))
        self.assertEqual([t for t in range(int(up2) + 1, int(deleted)) if t not in times], [],
                         "seconds without a fire after the second restart: %r" % times)
        self.assertEqual(async_event_count(client, fn, invoke_types=["TIMER"]), len(by_time))


class CliTest(TimerBase):
    """`yunfn trigger add/ls/rm`, `yunfn events`, `yunfn events stop`, `invoke --async`."""

    def test_trigger_commands(self):
        fn, out = self.recorder("cli-timer")
        r = run_cli(self.server, "trigger", "add", fn, "timer", "--cron", EVERY_SECOND,
                    "--name", "clitick", "--message", "from cli")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("clitick", r.stdout)
        self.assertIn("*/1 * * * * * *", r.stdout)
        r = run_cli(self.server, "trigger", "ls", fn)
        self.assertEqual(r.returncode, 0, r.stderr)
        row = [line for line in r.stdout.splitlines() if line.startswith("clitick")]
        self.assertEqual(len(row), 1, r.stdout)
        self.assertIn("timer", row[0])
        self.assertIn("OPEN", row[0])
        deadline = time.time() + 5
        while time.time() < deadline and not timer_fires(out, "clitick"):
            time.sleep(0.1)
        fires = timer_fires(out, "clitick")
        self.assertTrue(fires, "the CLI's timer never fired")
        self.assertEqual(fires[0]["event"]["Message"], "from cli")

        r = run_cli(self.server, "trigger", "add", fn, "timer", "--cron", "0 0 25 * * * *",
                    "--name", "badcron")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("InvalidParameterValue.TriggerDesc", r.stderr)
        r = run_cli(self.server, "trigger", "add", fn, "timer", "--cron", EVERY_SECOND,
                    "--name", "clitick")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ResourceInUse.Trigger", r.stderr)

        r = run_cli(self.server, "trigger", "rm", fn, "clitick")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run_cli(self.server, "trigger", "ls", fn)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("clitick", r.stdout)
        r = run_cli(self.server, "trigger", "rm", fn, "clitick")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ResourceNotFound.Trigger", r.stderr)
        count = len(timer_fires(out, "clitick"))
        time.sleep(1.5)
        self.assertEqual(len(timer_fires(out, "clitick")), count, "fired after trigger rm")

    def test_invoke_async_and_events(self):
        fn, out = self.recorder("cli-async")
        r = run_cli(self.server, "invoke", fn, "--async", "--event", '{"via": "cli"}')
        self.assertEqual(r.returncode, 0, r.stderr)
        rid = r.stdout.strip()
        self.assertRegex(rid, "^" + UUID_RE.pattern + "$")
        status = wait_async_status(self.client, rid, timeout=30)
        self.assertEqual(status["Status"], "FINISHED", status)
        runs = [f for f in read_fires(out) if f["rid"] == rid]
        self.assertEqual(len(runs), 1)
        self.assertEqual(runs[0]["event"], {"via": "cli"})

        r = run_cli(self.server, "events", fn)
        self.assertEqual(r.returncode, 0, r.stderr)
        row = [line for line in r.stdout.splitlines() if rid in line]
        self.assertEqual(len(row), 1, r.stdout)
        self.assertIn("FINISHED", row[0])
        self.assertIn("API", row[0])
        self.assertIn("1 events", r.stdout)
        r = run_cli(self.server, "events", fn, "--status", "FAILED")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(rid, r.stdout)
        self.assertIn("0 events", r.stdout)
        r = run_cli(self.server, "events", fn, "--status", "BOGUS")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("InvalidParameterValue.Status", r.stderr)

        # events stop: a running 60 s event is terminated.
        long_rid = async_invoke(self.client, fn, {"sleep": 60})
        deadline = time.time() + 30
        while time.time() < deadline and not any(f["rid"] == long_rid for f in read_fires(out)):
            time.sleep(0.05)
        self.assertTrue(any(f["rid"] == long_rid for f in read_fires(out)), "never started")
        t0 = time.time()
        r = run_cli(self.server, "events", "stop", long_rid)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("terminated", r.stdout)
        status = wait_async_status(self.client, long_rid, ("ABORTED",), timeout=2)
        self.assertLess(time.time() - t0, 3)
        r = run_cli(self.server, "events", fn, "--status", "ABORTED")
        self.assertIn(long_rid, r.stdout)
        r = run_cli(self.server, "events", "stop", long_rid)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("FailedOperation.AsyncEventStatus", r.stderr)
        r = run_cli(self.server, "events", "stop", "00000000-0000-0000-0000-000000000000")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ResourceNotFound.AsyncEvent", r.stderr)

        r = run_cli(self.server, "invoke", unique_name("missing"), "--async")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ResourceNotFound.Function", r.stderr)


if __name__ == "__main__":
    unittest.main()
