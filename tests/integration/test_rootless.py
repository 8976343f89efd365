"""Namespace isolation without root (docs/isolation.md, "Without root"): a server run as
an unprivileged user (nobody, through setpriv) still picks `namespace` isolation through
unprivileged user namespaces. From inside its functions: the runtime is qcloud (1000)
inside and the server's own user (not root) outside, the platform's data directory is out
of reach, /var/user is read-only, /tmp is private, blocked system calls fail with EPERM;
web functions listen on their own port 9000. Skipped where the test runner is not root
(it needs setpriv to become nobody) or where nobody cannot run the built binary."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from yunfnlib import (BIN, PY_RUNTIME, Server, create_apigw_trigger, create_function,
                      gateway_request, instance_pids, is_root, unique_name)

NOBODY = 65534
SETPRIV = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups"]

PY_PROBE = r'''
import ctypes
import json
import os

libc = ctypes.CDLL(None, use_errno=True)


def attempt(fn):
    try:
        return {"ok": True, "value": fn()}
    except OSError as e:
        return {"ok": False, "errno": e.errno}


def write(path):
    with open(path, "w") as f:
        f.write("x")
    return True


def main_handler(event, context):
    out = {"uid": os.getuid(), "gid": os.getgid(), "pid": os.getpid(),
           "read_data": attempt(lambda: os.listdir(event["data_dir"])),
           "write_code": attempt(lambda: write("/var/user/x")),
           "tmp": attempt(lambda: write("/tmp/mine")),
           "root": sorted(os.listdir("/"))}
    # mount(2) with null arguments: EPERM from the seccomp filter.
    rc = libc.syscall(165, 0, 0, 0, 0, 0)
    out["mount"] = {"rc": rc, "errno": ctypes.get_errno()}
    return out
'''

WEB_APP = r'''
import http.server
import json
import os


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"path": self.path, "uid": os.getuid()}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.HTTPServer(("0.0.0.0", 9000), Handler).serve_forever()
'''


def nobody_can_run(path):
    """Whether nobody can execute `path` (every directory above it searchable)."""
    probe = subprocess.run(SETPRIV + ["test", "-x", path], capture_output=True)
    return probe.returncode == 0


def host_uid(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[2])  # effective uid
    return None


class RootlessNamespaceTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not is_root() or shutil.which("setpriv") is None:
            raise unittest.SkipTest("needs root and setpriv to run the server as nobody")
        if os.environ.get("YUNFN_ITEST_ISOLATION") == "none":
            raise unittest.SkipTest("isolation forced to none")
        if not os.path.exists(BIN) or not nobody_can_run(BIN):
            raise unittest.SkipTest("nobody cannot run %s (a directory above it is private)" % BIN)
        cls.home = tempfile.mkdtemp(prefix="yunfn-rootless-")
        os.chmod(cls.home, 0o755)
        cls.data_dir = os.path.join(cls.home, "data")
        os.mkdir(cls.data_dir)
        os.chown(cls.data_dir, NOBODY, NOBODY)
        cls.server = Server(data_dir=cls.data_dir, command_prefix=SETPRIV)
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise
        cls.client = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()
        shutil.rmtree(cls.home, ignore_errors=True)

    def test_server_runs_unprivileged_with_namespace_isolation(self):
        self.assertEqual(host_uid(self.server.proc.pid), NOBODY)
        line = next(l for l in self.server.stdout_lines if "API listening" in l)
        self.assertIn("isolation namespace", line)

    def test_event_function_is_boxed(self):
        name = unique_name("rootless")
        create_function(self.client, name, {"index.py": PY_PROBE}, runtime=PY_RUNTIME)
        result = self.client.invoke(name, {"data_dir": self.data_dir})
        self.assertEqual(result["InvokeResult"], 0, result)
        out = json.loads(result["RetMsg"])
        self.assertEqual((out["uid"], out["gid"]), (1000, 1000))
        self.assertFalse(out["read_data"]["ok"], out)
        self.assertFalse(out["write_code"]["ok"], out)
        self.assertTrue(out["tmp"]["ok"], out)
        self.assertNotIn("data", out["root"])
        self.assertEqual(out["mount"], {"rc": -1, "errno": 1}, out)  # EPERM
        # Outside, the runtime is the server's own unprivileged user, never root.
        pids = instance_pids(self.server, name)
        self.assertTrue(pids, "no instance process found")
        for pid in pids:
            self.assertEqual(host_uid(pid), NOBODY)

    def test_web_function_listens_in_its_own_network_namespace(self):
        name = unique_name("rootless-web")
        files = {"app.py": WEB_APP,
                 "scf_bootstrap": ("#!/bin/bash\nexec /var/lang/python3/bin/python3 -u "
                                   "/var/user/app.py\n", 0o755)}
        create_function(self.client, name, files, handler=None, extra={"Type": "HTTP"})
        create_apigw_trigger(self.client, name, "root", "/")
        status, headers, body = gateway_request(self.server, "GET", "/default/%s/hi" % name)
        self.assertEqual(status, 200, body[:500])
        self.assertEqual(json.loads(body), {"path": "/hi", "uid": 1000})
        self.assertTrue(headers.get("x-scf-reqid"))


if __name__ == "__main__":
    unittest.main()
