"""Invocations of real Python, Node.js and custom-runtime functions: results, event,
context, environment, logs, errors, timeouts, crashes, memory limit and init failures."""

import json
import os
import re
import shutil
import threading
import time
import unittest
import uuid

from yunfnlib import (CUSTOM_RUNTIME, NODE_RUNTIME, PY_RUNTIME, ServerTestCase,
                      create_function, is_root, result_text, unique_name, wait_active,
                      wait_gone, yunfn_cgroup_dirs, zip_b64)

PY_PROBE = r'''
import json
import os
import sys
import time
import uuid

COUNTER = 0
TOKEN = uuid.uuid4().hex
print("python probe init output")


def main_handler(event, context):
    global COUNTER
    op = event.get("op") if isinstance(event, dict) else None
    if op == "return":
        return event["value"]
    if op == "echo":
        return {"event": event}
    if op == "context":
        return {k: context.get(k) for k in (
            "function_name", "request_id", "memory_limit_in_mb", "time_limit_in_ms",
            "namespace", "function_version", "environment", "environ")}
    if op == "env":
        return dict(os.environ)
    if op == "fs":
        path = "/tmp/yunfn-probe-%s" % uuid.uuid4().hex
        with open(path, "w") as f:
            f.write("tmp works")
        with open(path) as f:
            tmp = f.read()
        os.unlink(path)
        return {"cwd": os.getcwd(), "has_index": os.path.exists("index.py"),
                "code_root": os.environ.get("USER_CODE_ROOT"), "tmp": tmp,
                "realcwd": os.path.realpath(os.getcwd()),
                "realroot": os.path.realpath(os.environ.get("USER_CODE_ROOT") or "/nonexistent")}
    if op == "count":
        COUNTER += 1
        return {"count": COUNTER, "token": TOKEN}
    if op == "cgroup":
        with open("/proc/self/cgroup") as f:
            return f.read()
    if op == "raise":
        raise ValueError("probe failure " + event["marker"])
    if op == "print":
        print("stdout " + event["marker"])
        sys.stderr.write("stderr " + event["marker"] + "\n")
        return "printed"
    if op == "crash":
        print("about to crash")
        sys.stdout.flush()
        os._exit(3)
    if op == "sleep":
        print("about to sleep")
        sys.stdout.flush()
        time.sleep(event["seconds"])
        return "slept"
    if op == "sleep_token":
        time.sleep(event["seconds"])
        return {"token": TOKEN}
    if op == "oom":
        print("about to allocate")
        sys.stdout.flush()
        data = b"\x01" * (event["mb"] << 20)
        return len(data)
    return {"ok": True}
'''

NODE_PROBE = r'''
const fs = require('fs');
const path = require('path');
let counter = 0;
const token = Math.random().toString(36).slice(2) + Date.now();
console.log('node probe init output');

function contextView(context) {
  const out = {};
  for (const k of ['function_name', 'request_id', 'memory_limit_in_mb', 'time_limit_in_ms',
                   'namespace', 'function_version']) out[k] = context[k];
  return out;
}

exports.async_handler = async (event, context) => {
  const op = event && event.op;
  if (op === 'return') return event.value;
  if (op === 'echo') return { event };
  if (op === 'context') return contextView(context);
  if (op === 'env') return Object.assign({}, process.env);
  if (op === 'fs') {
    const p = '/tmp/yunfn-node-probe-' + token + '-' + counter;
    fs.writeFileSync(p, 'tmp works');
    const tmp = fs.readFileSync(p, 'utf8');
    fs.unlinkSync(p);
    return { cwd: process.cwd(), has_index: fs.existsSync('index.js'), tmp,
             realcwd: fs.realpathSync(process.cwd()),
             realroot: fs.realpathSync(process.env.USER_CODE_ROOT || '/') };
  }
  if (op === 'count') { counter += 1; return { count: counter, token }; }
  if (op === 'raise') throw new TypeError('node failure ' + event.marker);
  if (op === 'print') {
    console.log('stdout ' + event.marker);
    console.error('stderr ' + event.marker);
    return 'printed';
  }
  if (op === 'crash') { console.log('about to crash'); process.exit(3); }
  if (op === 'sleep') {
    console.log('about to sleep');
    await new Promise((r) => setTimeout(r, event.seconds * 1000));
    return 'slept';
  }
  if (op === 'wait') {
    await new Promise((r) => setTimeout(r, 100));
    return { waited: true };
  }
  return { ok: true };
};

exports.callback_handler = (event, context, callback) => {
  if (event && event.op === 'raise') {
    callback(new Error('callback failure ' + event.marker));
    return;
  }
  setTimeout(() => callback(null, { style: 'callback', echo: event,
                                    request_id: context.request_id }), 50);
};

exports.plain_handler = (event, context) => ({ style: 'plain', echo: event });
'''

EVENT = {"op": "echo", "text": "héllo wörld ✓", "nested": {"list": [1, 2.5, None, True],
                                                            "empty": {}},
         "number": 12345678901}


def memory_cgroup_available():
    """True when this machine lets a root process create memory cgroups."""
    if os.path.isdir("/sys/fs/cgroup/memory") and os.access("/sys/fs/cgroup/memory", os.W_OK):
        return True
    try:
        with open("/sys/fs/cgroup/cgroup.controllers") as f:
            return "memory" in f.read().split() and os.access("/sys/fs/cgroup", os.W_OK)
    except OSError:
        return False


TIMEOUT_RE = re.compile(r"time\s*d?\s*out|timeout|time ?limit", re.I)


class PythonInvokeTest(ServerTestCase):
    """One warm Python function serving most probes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.name = unique_name("py-probe")
        create_function(cls.client, cls.name, {"index.py": PY_PROBE}, runtime=PY_RUNTIME,
                        timeout=5, env={"USER_VAR": "user value", "OTHER_VAR": "a=b;c"})

    def invoke(self, event, **kw):
        return self.client.invoke(self.name, event, **kw)

    def test_return_values(self):
        cases = [({"a": 1, "b": [1, 2]}, None), ("hello", '"hello"'), (42, "42"),
                 (None, "null"), (3.5, "3.5"), (True, "true"), ([1, "x"], None),
                 ("ünïcode ✓", None)]
        for value, expected_text in cases:
            with self.subTest(value=value):
                res = self.invoke({"op": "return", "value": value})
                self.assertEqual(res["InvokeResult"], 0, res)
                self.assertEqual(json.loads(res["RetMsg"]), value)
                if expected_text is not None:
                    self.assertEqual(res["RetMsg"], expected_text)

    def test_result_fields(self):
        res = self.invoke({"op": "return", "value": "x"}, log_type="None")
        self.assertEqual(res["InvokeResult"], 0)
        self.assertRegex(res["FunctionRequestId"], r"^[0-9a-fA-F-]{16,}$")
        self.assertIsInstance(res["MemUsage"], int)
        self.assertGreater(res["MemUsage"], 0)
        self.assertIsInstance(res["Duration"], (int, float))
        self.assertGreaterEqual(res["Duration"], 0)
        self.assertIsInstance(res["BillDuration"], int)
        self.assertGreaterEqual(res["BillDuration"], 0)
        self.assertEqual(res["ErrMsg"], "")
        other = self.invoke({"op": "return", "value": "y"}, log_type="None")
        self.assertNotEqual(res["FunctionRequestId"], other["FunctionRequestId"])

    def test_event_passed_through(self):
        res = self.invoke(EVENT)
        self.assertEqual(json.loads(res["RetMsg"]), {"event": EVENT})

    def test_context_fields(self):
        res = self.invoke({"op": "context"})
        ctx = json.loads(res["RetMsg"])
        self.assertEqual(ctx["function_name"], self.name)
        self.assertEqual(ctx["request_id"], res["FunctionRequestId"])
        self.assertEqual(ctx["memory_limit_in_mb"], 128)
        self.assertEqual(ctx["time_limit_in_ms"], 5000)
        self.assertEqual(ctx["namespace"], "default")
        self.assertEqual(ctx["function_version"], "$LATEST")
        self.assertEqual(json.loads(ctx["environment"]).get("USER_VAR"), "user value")
        self.assertIn("SCF_NAMESPACE=default", ctx["environ"])

    def test_environment_variables(self):
        env = json.loads(self.invoke({"op": "env"})["RetMsg"])
        self.assertEqual(env.get("USER_VAR"), "user value")
        self.assertEqual(env.get("OTHER_VAR"), "a=b;c")
        self.assertEqual(env.get("SCF_FUNCTIONNAME"), self.name)
        self.assertEqual(env.get("SCF_FUNCTIONVERSION"), "$LATEST")
        self.assertEqual(env.get("SCF_NAMESPACE"), "default")
        self.assertEqual(env.get("SCF_RUNTIME"), PY_RUNTIME)
        self.assertEqual(env.get("TENCENTCLOUD_RUNENV"), "SCF")
        self.assertEqual(env.get("_HANDLER"), "index.main_handler")
        self.assertTrue(env.get("SCF_RUNTIME_API"))
        self.assertTrue(env.get("SCF_RUNTIME_API_PORT", "").isdigit())
        self.assertTrue(env.get("USER_CODE_ROOT"))
        self.assertTrue(env.get("TENCENTCLOUD_REGION"))
        # The server's own secrets must not leak into functions.
        self.assertNotIn("YUNFN_SECRET_KEY", env)
        self.assertNotIn("YUNFN_SECRET_ID", env)

    def test_cwd_is_code_dir_and_tmp_writable(self):
        fs = json.loads(self.invoke({"op": "fs"})["RetMsg"])
        self.assertTrue(fs["has_index"], fs)
        self.assertEqual(fs["realcwd"], fs["realroot"], fs)
        self.assertEqual(fs["tmp"], "tmp works")

    def test_exception(self):
        marker = uuid.uuid4().hex
        res = self.invoke({"op": "raise", "marker": marker})
        self.assertEqual(res["InvokeResult"], 1, res)
        err = json.loads(res["RetMsg"])
        self.assertEqual(err["errorType"], "ValueError")
        self.assertEqual(err["errorMessage"], "probe failure " + marker)
        self.assertIn("main_handler", err["stackTrace"])
        self.assertIn("index.py", err["stackTrace"])
        self.assertIn("errorCode", err)
        self.assertIn("ValueError", res["Log"])
        # The instance survives a user exception.
        ok = self.invoke({"op": "return", "value": 1})
        self.assertEqual(ok["InvokeResult"], 0)

    def test_warm_reuse(self):
        first = json.loads(self.invoke({"op": "count"})["RetMsg"])
        second = json.loads(self.invoke({"op": "count"})["RetMsg"])
        self.assertEqual(second["token"], first["token"], "a new instance served the 2nd call")
        self.assertEqual(second["count"], first["count"] + 1)

    def test_log_tail(self):
        marker = uuid.uuid4().hex
        res = self.invoke({"op": "print", "marker": marker}, log_type="Tail")
        log = res["Log"]
        begin, end = self.assertLogHasRequestLines(log, res["FunctionRequestId"])
        body = log[begin:end]
        self.assertIn("stdout " + marker, body)
        self.assertIn("stderr " + marker, body)
        quiet = self.invoke({"op": "print", "marker": marker + "q"}, log_type="None")
        self.assertNotIn(marker + "q", quiet.get("Log") or "")

    def test_cold_start_log_layout(self):
        """SCF layout: START, init output, Init Report, handler output, END, Report."""
        name = unique_name("py-cold")
        create_function(self.client, name, {"index.py": (
            "print('init marker')\n"
            "def main_handler(event, context):\n"
            "    print('handler marker')\n"
            "    return 1\n")})
        res = self.client.invoke(name, {})
        rid, log = res["FunctionRequestId"], res["Log"]
        begin, end = self.assertLogHasRequestLines(log, rid)
        init_report = re.search(r"(?m)^Init Report RequestId:\s*%s.*InitDuration:?\s*[0-9.]+\s*ms"
                                % re.escape(rid), log)
        self.assertIsNotNone(init_report, log)
        positions = [begin, log.index("init marker"), init_report.start(),
                     log.index("handler marker"), end]
        self.assertEqual(positions, sorted(positions), "log lines out of order:\n" + log)
        warm = self.client.invoke(name, {})["Log"]
        self.assertNotIn("Init Report", warm)
        self.assertNotIn("init marker", warm)
        self.assertIn("handler marker", warm)

    def test_concurrent_invocations_run_in_parallel(self):
        """An instance serves one event at a time, so concurrent calls get more instances."""
        name = unique_name("py-conc")
        create_function(self.client, name, {"index.py": PY_PROBE}, timeout=10)
        results, errors = [], []

        def call():
            try:
                ret = self.client.invoke(name, {"op": "sleep_token", "seconds": 1.5})["RetMsg"]
                results.append(json.loads(ret))
            except Exception as err:  # reported below
                errors.append(err)

        t0 = time.time()
        threads = [threading.Thread(target=call) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        elapsed = time.time() - t0
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 3)
        self.assertLess(elapsed, 4.4, "three 1.5 s invocations were serialised")
        self.assertEqual(len({r["token"] for r in results}), 3)

    def test_invoke_function_action(self):
        resp = self.client.ok("InvokeFunction", {
            "FunctionName": self.name, "Event": json.dumps({"op": "return", "value": "via IF"}),
            "LogType": "Tail"})
        res = resp["Result"]
        self.assertEqual(res["InvokeResult"], 0, res)
        self.assertEqual(res["RetMsg"], '"via IF"')
        self.assertLogHasRequestLines(res["Log"], res["FunctionRequestId"])

    def test_non_object_event(self):
        res = self.invoke([1, 2, 3])
        self.assertEqual(res["InvokeResult"], 0, res)
        self.assertEqual(json.loads(res["RetMsg"]), {"ok": True})


class NodeInvokeTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        code = {"index.js": NODE_PROBE}
        cls.name = unique_name("node-async")
        cls.cb_name = unique_name("node-cb")
        cls.plain_name = unique_name("node-plain")
        create_function(cls.client, cls.name, code, runtime=NODE_RUNTIME,
                        handler="index.async_handler", timeout=4, memory=256,
                        env={"USER_VAR": "node value"}, wait=False)
        create_function(cls.client, cls.cb_name, code, runtime=NODE_RUNTIME,
                        handler="index.callback_handler", wait=False)
        create_function(cls.client, cls.plain_name, code, runtime=NODE_RUNTIME,
                        handler="index.plain_handler", wait=False)
        for n in (cls.name, cls.cb_name, cls.plain_name):
            wait_active(cls.client, n)

    def invoke(self, event, name=None, **kw):
        return self.client.invoke(name or self.name, event, **kw)

    def test_return_values(self):
        for value, text in [({"k": [1, 2]}, None), ("hello", '"hello"'), (7, "7"),
                            (None, "null"), (False, "false")]:
            with self.subTest(value=value):
                res = self.invoke({"op": "return", "value": value})
                self.assertEqual(res["InvokeResult"], 0, res)
                self.assertEqual(json.loads(res["RetMsg"]), value)
                if text is not None:
                    self.assertEqual(res["RetMsg"], text)

    def test_event_passed_through(self):
        self.assertEqual(json.loads(self.invoke(EVENT)["RetMsg"]), {"event": EVENT})

    def test_context_fields(self):
        res = self.invoke({"op": "context"})
        ctx = json.loads(res["RetMsg"])
        self.assertEqual(ctx["function_name"], self.name)
        self.assertEqual(ctx["request_id"], res["FunctionRequestId"])
        self.assertEqual(ctx["memory_limit_in_mb"], 256)
        self.assertEqual(ctx["time_limit_in_ms"], 4000)
        self.assertEqual(ctx["namespace"], "default")

    def test_environment_and_fs(self):
        env = json.loads(self.invoke({"op": "env"})["RetMsg"])
        self.assertEqual(env.get("USER_VAR"), "node value")
        self.assertEqual(env.get("SCF_FUNCTIONNAME"), self.name)
        self.assertEqual(env.get("SCF_RUNTIME"), NODE_RUNTIME)
        self.assertEqual(env.get("SCF_NAMESPACE"), "default")
        fs = json.loads(self.invoke({"op": "fs"})["RetMsg"])
        self.assertTrue(fs["has_index"], fs)
        self.assertEqual(fs["realcwd"], fs["realroot"], fs)
        self.assertEqual(fs["tmp"], "tmp works")

    def test_async_awaits_promise(self):
        res = self.invoke({"op": "wait"})
        self.assertEqual(json.loads(res["RetMsg"]), {"waited": True})

    def test_callback_style(self):
        res = self.invoke({"x": 1}, name=self.cb_name)
        self.assertEqual(res["InvokeResult"], 0, res)
        ret = json.loads(res["RetMsg"])
        self.assertEqual(ret["style"], "callback")
        self.assertEqual(ret["echo"], {"x": 1})
        self.assertEqual(ret["request_id"], res["FunctionRequestId"])
        marker = uuid.uuid4().hex
        bad = self.invoke({"op": "raise", "marker": marker}, name=self.cb_name)
        self.assertEqual(bad["InvokeResult"], 1, bad)
        self.assertIn("callback failure " + marker, bad["RetMsg"])

    def test_plain_return_style(self):
        res = self.invoke({"y": 2}, name=self.plain_name)
        self.assertEqual(json.loads(res["RetMsg"]), {"style": "plain", "echo": {"y": 2}})

    def test_exception(self):
        marker = uuid.uuid4().hex
        res = self.invoke({"op": "raise", "marker": marker})
        self.assertEqual(res["InvokeResult"], 1, res)
        err = json.loads(res["RetMsg"])
        self.assertEqual(err["errorType"], "TypeError")
        self.assertEqual(err["errorMessage"], "node failure " + marker)
        self.assertIn("index.js", err["stackTrace"])
        self.assertEqual(self.invoke({"op": "return", "value": 1})["InvokeResult"], 0)

    def test_warm_reuse(self):
        first = json.loads(self.invoke({"op": "count"})["RetMsg"])
        second = json.loads(self.invoke({"op": "count"})["RetMsg"])
        self.assertEqual(second["token"], first["token"])
        self.assertEqual(second["count"], first["count"] + 1)

    def test_log_tail(self):
        marker = uuid.uuid4().hex
        res = self.invoke({"op": "print", "marker": marker})
        begin, end = self.assertLogHasRequestLines(res["Log"], res["FunctionRequestId"])
        self.assertIn("stdout " + marker, res["Log"][begin:end])
        self.assertIn("stderr " + marker, res["Log"][begin:end])


class FailureTest(ServerTestCase):
    """Timeouts, crashes, memory limit; each function has its own instance to break."""

    def test_python_timeout_then_recovers(self):
        name = unique_name("py-timeout")
        create_function(self.client, name, {"index.py": PY_PROBE}, timeout=1)
        self.client.invoke(name, {"op": "count"})  # warm the instance up
        t0 = time.time()
        res = self.client.invoke(name, {"op": "sleep", "seconds": 10})
        elapsed = time.time() - t0
        self.assertNotEqual(res["InvokeResult"], 0, res)
        self.assertRegex(result_text(res), TIMEOUT_RE)
        self.assertLess(elapsed, 8, "timeout was not enforced promptly")
        self.assertIn("about to sleep", res["Log"])
        after = self.client.invoke(name, {"op": "count"})
        self.assertEqual(after["InvokeResult"], 0, after)
        self.assertEqual(json.loads(after["RetMsg"])["count"], 1,
                         "the timed-out instance was reused")

    def test_node_timeout_then_recovers(self):
        name = unique_name("node-timeout")
        create_function(self.client, name, {"index.js": NODE_PROBE}, runtime=NODE_RUNTIME,
                        handler="index.async_handler", timeout=1)
        t0 = time.time()
        res = self.client.invoke(name, {"op": "sleep", "seconds": 10})
        self.assertLess(time.time() - t0, 8)
        self.assertNotEqual(res["InvokeResult"], 0, res)
        self.assertRegex(result_text(res), TIMEOUT_RE)
        after = self.client.invoke(name, {"op": "return", "value": "back"})
        self.assertEqual(after["RetMsg"], '"back"')

    def _check_crash(self, name):
        before = json.loads(self.client.invoke(name, {"op": "count"})["RetMsg"])
        cgroups = []
        if name.startswith("py-"):
            cgroups = yunfn_cgroup_dirs(json.loads(
                self.client.invoke(name, {"op": "cgroup"})["RetMsg"]))
        res = self.client.invoke(name, {"op": "crash"})
        self.assertNotEqual(res["InvokeResult"], 0, res)
        self.assertRegex(result_text(res), re.compile(r"exit", re.I))
        self.assertIn("about to crash", res["Log"])
        after = self.client.invoke(name, {"op": "count"})
        self.assertEqual(after["InvokeResult"], 0, after)
        after = json.loads(after["RetMsg"])
        self.assertNotEqual(after["token"], before["token"], "the crashed instance was reused")
        self.assertEqual(after["count"], 1)
        # The dead instance's cgroups are removed.
        self.assertEqual(wait_gone(cgroups), [], "cgroups of the crashed instance remain")

    def test_python_crash_replaces_instance(self):
        name = unique_name("py-crash")
        create_function(self.client, name, {"index.py": PY_PROBE})
        self._check_crash(name)

    def test_node_crash_replaces_instance(self):
        name = unique_name("node-crash")
        create_function(self.client, name, {"index.js": NODE_PROBE}, runtime=NODE_RUNTIME,
                        handler="index.async_handler")
        self._check_crash(name)

    def test_out_of_memory(self):
        if not is_root():
            self.skipTest("memory limits need root (cgroups); running as uid %d" % os.geteuid())
        if not memory_cgroup_available():
            self.skipTest("no writable memory cgroup controller on this machine")
        name = unique_name("py-oom")
        create_function(self.client, name, {"index.py": PY_PROBE}, memory=128, timeout=20)
        cgroups = yunfn_cgroup_dirs(
            json.loads(self.client.invoke(name, {"op": "cgroup"})["RetMsg"]))
        self.assertTrue(any("memory" in d for d in cgroups),
                        "the instance is not in a yunfn memory cgroup: %s" % cgroups)
        small = self.client.invoke(name, {"op": "oom", "mb": 16})
        self.assertEqual(small["RetMsg"], str(16 << 20), "16 MB must fit in 128 MB")
        res = self.client.invoke(name, {"op": "oom", "mb": 300})
        self.assertNotEqual(res["InvokeResult"], 0, res)
        self.assertNotEqual(res["RetMsg"], str(300 << 20), "300 MB fit in a 128 MB function")
        self.assertRegex(result_text(res), re.compile(r"memory", re.I))
        after = self.client.invoke(name, {"op": "count"})
        self.assertEqual(after["InvokeResult"], 0, after)
        self.assertEqual(wait_gone(cgroups), [], "cgroups of the killed instance remain")

    # -- init failures ------------------------------------------------------------------

    def _check_init_failure(self, files, expected, runtime=PY_RUNTIME,
                            handler="index.main_handler", log_expected=None):
        name = unique_name("init-fail")
        create_function(self.client, name, files, runtime=runtime, handler=handler,
                        init_timeout=20)
        for attempt in range(2):  # the failure repeats, it does not hang or stick
            t0 = time.time()
            res = self.client.invoke(name, {"op": "count"})
            elapsed = time.time() - t0
            self.assertNotEqual(res["InvokeResult"], 0, res)
            text = result_text(res)
            self.assertIn(expected, text, res)
            self.assertLess(elapsed, 15, "init failure waited for the init timeout")
            if log_expected:
                self.assertIn(log_expected, res["Log"], "init output missing from the log")
        return res

    def test_python_handler_function_not_found(self):
        self._check_init_failure({"index.py": "def other(event, context):\n    return 1\n"},
                                 "main_handler")

    def test_python_handler_file_not_found(self):
        self._check_init_failure({"index.py": "def main_handler(e, c):\n    return 1\n"},
                                 "missing_file", handler="missing_file.main_handler")

    def test_python_syntax_error(self):
        res = self._check_init_failure(
            {"index.py": "print('before syntax error')\ndef main_handler(event, context)\n"
                         "    return 1\n"}, "SyntaxError")
        self.assertIn("index.py", result_text(res))

    def test_python_module_missing(self):
        self._check_init_failure(
            {"index.py": "print('loading init marker')\nimport yunfn_no_such_module\n"
                         "def main_handler(event, context):\n    return 1\n"},
            "yunfn_no_such_module", log_expected="loading init marker")

    def test_node_handler_not_found(self):
        self._check_init_failure({"index.js": "exports.other = async () => 1;\n"},
                                 "main_handler", runtime=NODE_RUNTIME)

    def test_node_syntax_error(self):
        self._check_init_failure({"index.js": "exports.main_handler = async () => {\n"},
                                 "SyntaxError", runtime=NODE_RUNTIME)


BASH_BOOTSTRAP = r'''#!/bin/bash
set -euo pipefail
api="http://${SCF_RUNTIME_API}:${SCF_RUNTIME_API_PORT}"
echo "bash bootstrap init output"
curl -sS -X POST "$api/runtime/init/ready" -d ' ' > /dev/null
while true; do
  headers="$(mktemp)"
  event="$(curl -sS -D "$headers" "$api/runtime/invocation/next")"
  rid="$(grep -i '^request_id:' "$headers" | cut -d: -f2 | tr -d ' \r')"
  rm -f "$headers"
  echo "bash got event $event"
  has_bootstrap=false
  if [ -x scf_bootstrap ]; then has_bootstrap=true; fi
  body="{\"echo\":$event,\"rid\":\"$rid\",\"handler\":\"$_HANDLER\""
  body="$body,\"pwd_has_bootstrap\":$has_bootstrap}"
  curl -sS -X POST "$api/runtime/invocation/response" -d "$body" > /dev/null
done
'''

PY_BOOTSTRAP = r'''#!/usr/bin/env python3
import json
import os
import urllib.request

API = "http://%s:%s" % (os.environ["SCF_RUNTIME_API"], os.environ["SCF_RUNTIME_API_PORT"])


def post(path, body):
    req = urllib.request.Request(API + path, data=body.encode("utf-8"), method="POST")
    urllib.request.urlopen(req).read()


print("python bootstrap init output", flush=True)
post("/runtime/init/ready", " ")
count = 0
while True:
    with urllib.request.urlopen(API + "/runtime/invocation/next") as r:
        rid = r.headers.get("request_id")
        mem = r.headers.get("memory_limit_in_mb")
        time_ms = r.headers.get("time_limit_in_ms")
        event = json.loads(r.read() or b"null")
    count += 1
    print("python bootstrap event %s" % rid, flush=True)
    if isinstance(event, dict) and event.get("fail"):
        post("/runtime/invocation/error", "custom failure " + event["fail"])
        continue
    post("/runtime/invocation/response", json.dumps({
        "event": event, "rid": rid, "mem": mem, "time_ms": time_ms, "count": count,
        "handler": os.environ.get("_HANDLER"), "has_bootstrap": os.path.exists("bootstrap")}))
'''


class CustomRuntimeTest(ServerTestCase):

    def test_bash_scf_bootstrap_with_curl(self):
        if shutil.which("curl") is None:
            self.skipTest("curl is not installed")
        name = unique_name("custom-bash")
        create_function(self.client, name, {"scf_bootstrap": (BASH_BOOTSTRAP, 0o755),
                                            "data.txt": "x"},
                        runtime=CUSTOM_RUNTIME, handler="index.main")
        event = {"hello": "bash", "n": [1, 2]}
        res = self.client.invoke(name, event)
        self.assertEqual(res["InvokeResult"], 0, res)
        ret = json.loads(res["RetMsg"])
        self.assertEqual(ret["echo"], event)
        self.assertEqual(ret["rid"], res["FunctionRequestId"])
        self.assertEqual(ret["handler"], "index.main")
        self.assertTrue(ret["pwd_has_bootstrap"])
        self.assertIn("bash bootstrap init output", res["Log"])
        self.assertIn("bash got event", res["Log"])
        second = self.client.invoke(name, {"second": True})
        self.assertEqual(json.loads(second["RetMsg"])["echo"], {"second": True})
        self.assertNotIn("bash bootstrap init output", second["Log"],
                         "init output belongs to the first invocation only")

    def test_python_bootstrap(self):
        name = unique_name("custom-py")
        create_function(self.client, name, {"bootstrap": (PY_BOOTSTRAP, 0o755)},
                        runtime=CUSTOM_RUNTIME, handler="app.handle", timeout=6, memory=256)
        res = self.client.invoke(name, {"k": "v"})
        self.assertEqual(res["InvokeResult"], 0, res)
        ret = json.loads(res["RetMsg"])
        self.assertEqual(ret["event"], {"k": "v"})
        self.assertEqual(ret["rid"], res["FunctionRequestId"])
        self.assertEqual(ret["mem"], "256")
        self.assertEqual(ret["time_ms"], "6000")
        self.assertEqual(ret["handler"], "app.handle")
        self.assertTrue(ret["has_bootstrap"])
        self.assertIn("python bootstrap init output", res["Log"])
        self.assertLogHasRequestLines(res["Log"], res["FunctionRequestId"])
        # Error posts fail the invocation; the instance keeps serving.
        marker = uuid.uuid4().hex
        bad = self.client.invoke(name, {"fail": marker})
        self.assertNotEqual(bad["InvokeResult"], 0, bad)
        self.assertIn("custom failure " + marker, result_text(bad))
        again = json.loads(self.client.invoke(name, {})["RetMsg"])
        self.assertEqual(again["count"], ret["count"] + 2, "instance was not reused")

    def test_missing_bootstrap_is_reported(self):
        name = unique_name("custom-none")
        resp = self.client.call("CreateFunction", {
            "FunctionName": name, "Runtime": CUSTOM_RUNTIME, "Handler": "index.main",
            "InitTimeout": 10,
            "Code": {"ZipFile": zip_b64({"readme.txt": "no bootstrap"})}})
        if "Error" in resp:
            self.assertIn("bootstrap", resp["Error"]["Message"])
            return
        fn = wait_active(self.client, name, allow_failed=True)
        if fn["Status"] != "Active":
            self.assertEqual(fn["Status"], "CreateFailed")
            return
        t0 = time.time()
        res = self.client.invoke(name, {})
        self.assertNotEqual(res["InvokeResult"], 0, res)
        self.assertIn("bootstrap", result_text(res))
        self.assertLess(time.time() - t0, 9)


if __name__ == "__main__":
    unittest.main()
