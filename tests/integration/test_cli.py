"""The `yunfn` command line (deploy, invoke, logs, ls, rm) against a real server.

Credentials come from the environment (YUNFN_SECRET_ID/KEY), the endpoint from
--endpoint."""

import json
import os
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

from yunfnlib import (PY_RUNTIME, ServerTestCase, cli_command, create_function, run_cli,
                      server_env, unique_name)

ECHO_CODE = r'''
import os
import sys

def main_handler(event, context):
    if isinstance(event, dict) and event.get("print"):
        print("printed " + event["print"])
    if isinstance(event, dict) and event.get("fail"):
        raise RuntimeError("cli failure " + event["fail"])
    return {"event": event, "version": VERSION, "k": os.environ.get("K"),
            "data": open("sub/data.txt").read()}
'''


def code_dir(parent, version, data="data"):
    """Writes a function directory (index.py + sub/data.txt) and returns its path."""
    d = tempfile.mkdtemp(prefix="fn-", dir=parent)
    with open(os.path.join(d, "index.py"), "w") as f:
        f.write("VERSION = %r\n" % version + ECHO_CODE)
    os.makedirs(os.path.join(d, "sub"))
    with open(os.path.join(d, "sub", "data.txt"), "w") as f:
        f.write(data)
    return d


class CliTestCase(ServerTestCase):
    """A server per class plus helpers to run the CLI against it."""

    def cli(self, *args, **kw):
        return run_cli(self.server, *args, **kw)

    def assertCliOk(self, proc):
        self.assertEqual(proc.returncode, 0, "yunfn %s failed (%d)\nstdout:\n%s\nstderr:\n%s"
                         % (" ".join(proc.args[1:]), proc.returncode, proc.stdout, proc.stderr))


class CliTest(CliTestCase):

    def deploy(self, name, directory, *extra):
        proc = self.cli("deploy", directory, "--name", name, "--runtime", PY_RUNTIME,
                        "--handler", "index.main_handler", *extra)
        self.assertCliOk(proc)
        return proc

    def test_deploy_creates_then_updates(self):
        name = unique_name("cli-deploy")
        v1 = code_dir(self.server.workdir, "v1", data="first")
        proc = self.deploy(name, v1, "--memory", "256", "--timeout", "5", "--env", "K=one",
                           "--env", "J=two=2")
        self.assertIn("Active", proc.stdout + proc.stderr)
        fn = self.client.get_function(name)
        self.assertEqual(fn["Status"], "Active")
        self.assertEqual(fn["Runtime"], PY_RUNTIME)
        self.assertEqual(fn["Handler"], "index.main_handler")
        self.assertEqual(fn["MemorySize"], 256)
        self.assertEqual(fn["Timeout"], 5)
        self.assertEqual({v["Key"]: v["Value"] for v in fn["Environment"]["Variables"]},
                         {"K": "one", "J": "two=2"})
        ret = json.loads(self.client.invoke(name, {})["RetMsg"])
        self.assertEqual((ret["version"], ret["k"], ret["data"]), ("v1", "one", "first"))

        v2 = code_dir(self.server.workdir, "v2", data="second")
        self.deploy(name, v2, "--env", "K=three")
        ret = json.loads(self.client.invoke(name, {})["RetMsg"])
        self.assertEqual((ret["version"], ret["k"], ret["data"]), ("v2", "three", "second"))
        listed = self.client.ok("ListFunctions", {"SearchKey": name})
        self.assertEqual(listed["TotalCount"], 1)

    def test_deploy_into_namespace(self):
        ns = "cli-ns-" + uuid.uuid4().hex[:6]
        self.client.ok("CreateNamespace", {"Namespace": ns})
        name = unique_name("cli-ns-fn")
        self.deploy(name, code_dir(self.server.workdir, "ns"), "--namespace", ns)
        self.assertEqual(self.client.get_function(name, namespace=ns)["Namespace"], ns)
        self.assertEqual(self.client.error("GetFunction", {"FunctionName": name})["Code"],
                         "ResourceNotFound.Function")

    def test_deploy_bad_runtime_fails(self):
        name = unique_name("cli-bad")
        proc = self.cli("deploy", code_dir(self.server.workdir, "b"), "--name", name,
                        "--runtime", "Cobol1.0", "--handler", "index.main_handler")
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("InvalidParameterValue.Runtime", proc.stderr + proc.stdout)
        self.assertEqual(self.client.error("GetFunction", {"FunctionName": name})["Code"],
                         "ResourceNotFound.Function")


class CliInvokeTest(CliTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.name = unique_name("cli-echo")
        files = {"index.py": "VERSION = 'echo'\n" + ECHO_CODE, "sub/data.txt": "data"}
        create_function(cls.client, cls.name, files)

    def test_invoke_event_file(self):
        event = {"from": "file", "n": [1, 2, 3], "s": "ünïcode"}
        path = os.path.join(self.server.workdir, "event-%s.json" % uuid.uuid4().hex)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(event, f, ensure_ascii=False)
        proc = self.cli("invoke", self.name, "--event", path)
        self.assertCliOk(proc)
        self.assertEqual(json.loads(proc.stdout)["event"], event)

    def test_invoke_event_stdin(self):
        event = {"from": "stdin"}
        proc = self.cli("invoke", self.name, "--event", "-", input=json.dumps(event))
        self.assertCliOk(proc)
        self.assertEqual(json.loads(proc.stdout)["event"], event)

    def test_invoke_event_inline_json(self):
        proc = self.cli("invoke", self.name, "--event", '{"from":"inline"}')
        self.assertCliOk(proc)
        self.assertEqual(json.loads(proc.stdout)["event"], {"from": "inline"})

    def test_invoke_without_event(self):
        proc = self.cli("invoke", self.name)
        self.assertCliOk(proc)
        self.assertEqual(json.loads(proc.stdout)["event"], {})

    def test_invoke_with_log(self):
        marker = uuid.uuid4().hex
        proc = self.cli("invoke", self.name, "--event", json.dumps({"print": marker}), "--log")
        self.assertCliOk(proc)
        self.assertEqual(json.loads(proc.stdout)["event"], {"print": marker})
        self.assertIn("printed " + marker, proc.stderr)
        self.assertRegex(proc.stderr, r"START RequestId:\s*\S+")
        self.assertRegex(proc.stderr, r"Report RequestId:\s*\S+")
        self.assertNotIn("printed " + marker, proc.stdout, "the log went to stdout")
        quiet = self.cli("invoke", self.name, "--event", json.dumps({"print": marker}))
        self.assertNotIn("printed " + marker, quiet.stderr + quiet.stdout)

    def test_invoke_function_error_exit_code(self):
        marker = uuid.uuid4().hex
        proc = self.cli("invoke", self.name, "--event", json.dumps({"fail": marker}))
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertIn("cli failure " + marker, proc.stdout + proc.stderr)

    def test_invoke_missing_function(self):
        proc = self.cli("invoke", "no-such-function-cli")
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("ResourceNotFound.Function", proc.stderr + proc.stdout)

    def test_bad_credentials_reported(self):
        proc = self.cli("invoke", self.name, env_extra={"YUNFN_SECRET_KEY": "wrong-key"})
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("AuthFailure", proc.stderr + proc.stdout)

    def test_logs(self):
        m1, m2 = uuid.uuid4().hex, uuid.uuid4().hex
        r1 = self.client.invoke(self.name, {"print": m1})["FunctionRequestId"]
        self.client.invoke(self.name, {"print": m2})
        deadline = time.time() + 5
        while True:
            proc = self.cli("logs", self.name)
            self.assertCliOk(proc)
            if (m1 in proc.stdout and m2 in proc.stdout) or time.time() > deadline:
                break
            time.sleep(0.3)
        self.assertIn("printed " + m1, proc.stdout)
        self.assertIn("printed " + m2, proc.stdout)
        one = self.cli("logs", self.name, "--request-id", r1)
        self.assertCliOk(one)
        self.assertIn("printed " + m1, one.stdout)
        self.assertNotIn(m2, one.stdout)
        self.assertIn(r1, one.stdout)

    def test_logs_follow(self):
        cmd = cli_command(self.server, "logs", self.name, "-f")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=server_env(), cwd=self.server.workdir)
        lines, found = [], threading.Event()
        marker = uuid.uuid4().hex

        def reader():
            for line in proc.stdout:
                lines.append(line)
                if marker in line:
                    found.set()
        t = threading.Thread(target=reader, daemon=True)
        t.start()
        try:
            time.sleep(1)
            if proc.poll() is not None:
                self.fail("logs -f exited with %s: %s" % (proc.returncode, proc.stderr.read()))
            self.client.invoke(self.name, {"print": marker})
            self.assertTrue(found.wait(15), "logs -f did not show the new invocation; got:\n%s"
                            % "".join(lines))
        finally:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            proc.stdout.close()
            proc.stderr.close()

    def test_ls_and_rm(self):
        name = unique_name("cli-rm")
        create_function(self.client, name, {"index.py": "def main_handler(e, c):\n    return 1\n"})
        ls = self.cli("ls")
        self.assertCliOk(ls)
        self.assertIn(name, ls.stdout)
        self.assertIn(self.name, ls.stdout)
        rm = self.cli("rm", name)
        self.assertCliOk(rm)
        self.assertEqual(self.client.error("GetFunction", {"FunctionName": name})["Code"],
                         "ResourceNotFound.Function")
        ls = self.cli("ls")
        self.assertNotIn(name, ls.stdout)
        self.assertIn(self.name, ls.stdout)
        again = self.cli("rm", name)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("ResourceNotFound.Function", again.stderr + again.stdout)


if __name__ == "__main__":
    unittest.main()
