"""Isolation of function instances (docs/isolation.md). Each boundary of the namespace
sandbox is asserted from inside a Python and a Node.js function: the platform's data
directory, other functions' code and other instances' /tmp are out of reach, /var/user is
read-only, /tmp is limited, memory and pids limits hold, blocked system calls fail with
EPERM, the runtime's uid is not root on the host, and outbound network follows the
function's PublicNetConfig. Tests that are not about isolation (memory, pids, the runtime
API) also run under --isolation=none (YUNFN_ITEST_ISOLATION=none)."""

import json
import os
import re
import socket
import threading
import time
import unittest
import uuid

from yunfnlib import (NODE_RUNTIME, PY_RUNTIME, Server, ServerTestCase, create_function,
                      instance_pids, is_root, result_text, run_concurrently, unique_name)

# Where an isolated instance reaches the host's loopback (slirp4netns).
HOST_LOOPBACK_IN_SANDBOX = "10.0.2.2"
SANDBOX_UID = 1000
HOST_UID = 100000

PY_PROBE = r'''
import ctypes
import errno
import json
import os
import socket
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
# x86_64 numbers; each call is harmless if it were allowed (bad magic, null
# arguments, queries), so the result tells the filter apart from missing privileges.
SYSCALLS = {
    "mount": (165, [0, 0, 0, 0, 0]),
    "umount2": (166, [0, 0]),
    "pivot_root": (155, [0, 0]),
    "init_module": (175, [0, 0, 0]),
    "reboot": (169, [0, 0, 0, 0]),
    "swapon": (167, [0, 0]),
    "ptrace": (101, [0, 0, 0, 0]),              # PTRACE_TRACEME: allowed to anyone
    "keyctl": (250, [0, 2**64 - 2, 0]),         # KEYCTL_GET_KEYRING_ID: allowed to anyone
    "add_key": (248, [0, 0, 0, 0, 0]),
    "bpf": (321, [0, 0, 0]),
    "perf_event_open": (298, [0, 0, 0, 0, 0]),
    "unshare": (272, [0x10000000]),             # CLONE_NEWUSER: allowed to anyone
    "io_uring_setup": (425, [0, 0]),
    "userfaultfd": (323, [0]),
}


def attempt(fn):
    try:
        return {"ok": True, "value": fn()}
    except OSError as e:
        return {"ok": False, "errno": e.errno, "error": str(e)}


def read_path(path):
    if os.path.isdir(path):
        return sorted(os.listdir(path))
    with open(path, "rb") as f:
        return f.read(200).decode("utf-8", "replace")


def write_path(path, data):
    with open(path, "w") as f:
        f.write(data)
    return len(data)


def fill_tmp(limit_mb):
    path = "/tmp/fill-%s" % os.getpid()
    chunk = b"\0" * (1 << 20)
    written = 0
    try:
        with open(path, "wb") as f:
            while written < limit_mb:
                f.write(chunk)
                f.flush()
                written += 1
        return {"written_mb": written, "errno": 0}
    except OSError as e:
        return {"written_mb": written, "errno": e.errno}
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


def spawn_until_refused(limit):
    pids, err = [], 0
    try:
        while len(pids) < limit:
            pids.append(os.posix_spawn("/bin/sleep", ["sleep", "60"], {}))
    except OSError as e:
        err = e.errno
    for pid in pids:
        os.kill(pid, 9)
    for pid in pids:
        os.waitpid(pid, 0)
    return {"count": len(pids), "errno": err}


def connect(host, port):
    with socket.create_connection((host, port), timeout=5) as s:
        return s.recv(100).decode()


def main_handler(event, context):
    op = event["op"]
    if op == "ok":
        return {"ok": True}
    if op == "read":
        return attempt(lambda: read_path(event["path"]))
    if op == "write":
        return attempt(lambda: write_path(event["path"], event.get("data", "x")))
    if op == "tmp_mark":
        path = "/tmp/mark-" + event["token"]
        write_path(path, event["token"])
        time.sleep(event.get("hold", 0))
        return {"written": path}
    if op == "tmp_list":
        return sorted(os.listdir("/tmp"))
    if op == "tmp_fill":
        return fill_tmp(event["mb"])
    if op == "alloc":
        data = b"\x01" * (event["mb"] << 20)
        return len(data)
    if op == "spawn_many":
        return spawn_until_refused(event["limit"])
    if op == "syscalls":
        out = {}
        for name, (nr, args) in SYSCALLS.items():
            ctypes.set_errno(0)
            rc = libc.syscall(nr, *[ctypes.c_ulong(a) for a in args])
            out[name] = 0 if rc >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")
        return out
    if op == "ids":
        with open("/proc/self/uid_map") as f:
            uid_map = f.read()
        return {"uid": os.getuid(), "gid": os.getgid(), "pid": os.getpid(), "uid_map": uid_map}
    if op == "connect":
        return attempt(lambda: connect(event["host"], event["port"]))
    if op == "env":
        return {k: os.environ.get(k) for k in ("SCF_RUNTIME_API", "SCF_RUNTIME_API_PORT",
                                               "USER_CODE_ROOT", "HOME")}
    raise ValueError("unknown op " + op)
'''

NODE_PROBE = r'''
const fs = require('fs');
const net = require('net');
const cp = require('child_process');

function attempt(fn) {
  try { return { ok: true, value: fn() }; }
  catch (e) { return { ok: false, errno: e.errno, code: e.code, error: String(e) }; }
}

function readPath(p) {
  if (fs.statSync(p).isDirectory()) return fs.readdirSync(p).sort();
  return fs.readFileSync(p, 'utf8').slice(0, 200);
}

function fillTmp(limitMb) {
  const p = '/tmp/fill-' + process.pid;
  const chunk = Buffer.alloc(1 << 20);
  let written = 0;
  let fd;
  try {
    fd = fs.openSync(p, 'w');
    while (written < limitMb) { fs.writeSync(fd, chunk); written += 1; }
    return { written_mb: written, code: null };
  } catch (e) {
    return { written_mb: written, code: e.code };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
    try { fs.unlinkSync(p); } catch (e) { /* gone */ }
  }
}

function spawnUntilRefused(limit) {
  const children = [];
  let code = null;
  while (children.length < limit) {
    const c = cp.spawn('/bin/sleep', ['60'], { stdio: 'ignore' });
    c.on('error', () => {});
    if (c.pid === undefined) { code = 'EAGAIN'; break; }
    children.push(c);
  }
  for (const c of children) c.kill('SIGKILL');
  return { count: children.length, code };
}

function connect(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 5000 });
    s.on('data', (d) => { resolve({ ok: true, value: d.toString() }); s.destroy(); });
    s.on('error', (e) => resolve({ ok: false, code: e.code, error: String(e) }));
    s.on('timeout', () => { resolve({ ok: false, code: 'ETIMEDOUT' }); s.destroy(); });
  });
}

exports.main_handler = async (event, context) => {
  const op = event.op;
  if (op === 'ok') return { ok: true };
  if (op === 'read') return attempt(() => readPath(event.path));
  if (op === 'write') return attempt(() => { fs.writeFileSync(event.path, event.data || 'x'); return 1; });
  if (op === 'tmp_list') return fs.readdirSync('/tmp').sort();
  if (op === 'tmp_mark') {
    fs.writeFileSync('/tmp/mark-' + event.token, event.token);
    return { written: true };
  }
  if (op === 'tmp_fill') return fillTmp(event.mb);
  if (op === 'alloc') { const b = Buffer.alloc(event.mb << 20, 1); return b.length; }
  if (op === 'spawn_many') return spawnUntilRefused(event.limit);
  if (op === 'blocked') {
    // Node cannot make raw system calls: a child runs unshare(1) and, through
    // the SCF interpreter path, the Python probe of the same calls.
    const r = cp.spawnSync('/usr/bin/unshare', ['-U', '/bin/true'], { encoding: 'utf8' });
    return { unshare_status: r.status, unshare_stderr: r.stderr };
  }
  if (op === 'ids') {
    return { uid: process.getuid(), gid: process.getgid(), pid: process.pid,
             uid_map: fs.readFileSync('/proc/self/uid_map', 'utf8') };
  }
  if (op === 'connect') return connect(event.host, event.port);
  if (op === 'env') {
    const out = {};
    for (const k of ['SCF_RUNTIME_API', 'SCF_RUNTIME_API_PORT', 'USER_CODE_ROOT', 'HOME']) {
      out[k] = process.env[k] === undefined ? null : process.env[k];
    }
    return out;
  }
  if (op === 'python') {
    const r = cp.spawnSync('/var/lang/python3/bin/python3', ['-c', event.code], { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, error: String(r.error || '') };
  }
  throw new Error('unknown op ' + op);
};
'''

# Run by the Node.js function through /var/lang/python3/bin/python3.
PY_SYSCALL_SNIPPET = r'''
import ctypes, errno, json
libc = ctypes.CDLL(None, use_errno=True)
out = {}
for name, nr, args in [("mount", 165, [0, 0, 0, 0, 0]), ("keyctl", 250, [0, 2**64 - 2, 0]),
                       ("ptrace", 101, [0, 0, 0, 0]), ("bpf", 321, [0, 0, 0])]:
    ctypes.set_errno(0)
    rc = libc.syscall(nr, *[ctypes.c_ulong(a) for a in args])
    out[name] = 0 if rc >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")
print(json.dumps(out))
'''

RUNTIMES = [("python", PY_RUNTIME, {"index.py": PY_PROBE}),
            ("node", NODE_RUNTIME, {"index.js": NODE_PROBE})]


def ret(result):
    """The JSON return value of a successful invocation."""
    if result.get("InvokeResult") != 0:
        raise AssertionError("invocation failed: %s" % result_text(result))
    return json.loads(result["RetMsg"])


class BannerServer:
    """A TCP server on the host's loopback that greets each client with a token."""

    def __init__(self):
        self.token = "banner-" + uuid.uuid4().hex[:8]
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        deadline = time.time() + 300  # bounded: the test class ends long before
        while not self._stop and time.time() < deadline:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            with conn:
                conn.sendall(self.token.encode())

    def close(self):
        self._stop = True
        self._thread.join(2)
        self.sock.close()


class SandboxTest(ServerTestCase):
    """One server with the default isolation (auto: namespace as root on Linux)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        line = next((l for l in cls.server.stdout_lines if "API listening" in l), "")
        m = re.search(r"isolation (\w+)", line)
        cls.isolation = m.group(1) if m else "unknown"
        cls.functions = {}
        for kind, runtime, files in RUNTIMES:
            name = unique_name("iso-" + kind)
            create_function(cls.client, name, dict(files, **{"marker-%s.txt" % name: name}),
                            runtime=runtime, memory=128, timeout=30)
            cls.functions[kind] = name

    def require_namespace(self):
        if self.isolation != "namespace":
            self.skipTest("isolation is %s: this boundary needs namespace isolation"
                          % self.isolation)

    def require_limits(self):
        if not is_root():
            self.skipTest("resource limits need cgroups (root)")

    def each_runtime(self):
        return RUNTIMES

    def invoke(self, kind, event, name=None):
        return self.client.invoke(name or self.functions[kind], event)

    # -- level selection ----------------------------------------------------------------

    def test_auto_picks_namespace_as_root(self):
        if os.environ.get("YUNFN_ITEST_ISOLATION"):
            self.skipTest("isolation forced to %s" % os.environ["YUNFN_ITEST_ISOLATION"])
        if not is_root():
            self.skipTest("namespace isolation needs root")
        self.assertEqual(self.isolation, "namespace", self.server.stdout_lines)

    def test_runtime_api_is_inside_the_instance(self):
        for kind, _, _ in self.each_runtime():
            env = ret(self.invoke(kind, {"op": "env"}))
            self.assertEqual(env["SCF_RUNTIME_API"], "127.0.0.1")
            if self.isolation == "namespace":
                self.assertEqual(env["SCF_RUNTIME_API_PORT"], "9001")
                self.assertEqual(env["USER_CODE_ROOT"], "/var/user")

    # -- file system --------------------------------------------------------------------

    def test_platform_data_directory_is_not_readable(self):
        self.require_namespace()
        data = self.server.data_dir
        for target in (data, os.path.join(data, "yunfn.db"), os.path.join(data, "code")):
            self.assertTrue(os.path.exists(target), target)
            for kind, _, _ in self.each_runtime():
                res = ret(self.invoke(kind, {"op": "read", "path": target}))
                self.assertFalse(res["ok"], "%s read %s: %r" % (kind, target, res))

    def _host_code_dir(self, name):
        """The host directory holding a function's unpacked code (found by its marker)."""
        for root, _, files in os.walk(os.path.join(self.server.data_dir, "code")):
            if "marker-%s.txt" % name in files:
                return root
        raise AssertionError("no unpacked code for %s" % name)

    def test_other_functions_code_is_not_readable(self):
        self.require_namespace()
        py, node = self.functions["python"], self.functions["node"]
        for kind, other in (("python", node), ("node", py)):
            other_dir = self._host_code_dir(other)
            for path in (other_dir, os.path.join(other_dir, "marker-%s.txt" % other)):
                res = ret(self.invoke(kind, {"op": "read", "path": path}))
                self.assertFalse(res["ok"], "%s read %s: %r" % (kind, path, res))
            # Its own code is at /var/user, and only its own.
            own = ret(self.invoke(kind, {"op": "read", "path": "/var/user"}))
            self.assertTrue(own["ok"], own)
            self.assertIn("marker-%s.txt" % self.functions[kind], own["value"])
            self.assertNotIn("marker-%s.txt" % other, own["value"])

    def test_code_is_read_only(self):
        self.require_namespace()
        for kind, _, _ in self.each_runtime():
            for path in ("/var/user/new.txt", "/var/user/marker-%s.txt" % self.functions[kind],
                         "/usr/evil", "/etc/passwd", "/new-at-root"):
                res = ret(self.invoke(kind, {"op": "write", "path": path}))
                self.assertFalse(res["ok"], "%s wrote %s" % (kind, path))
                self.assertIn(res.get("errno") if kind == "python" else res.get("code"),
                              (30, -30, "EROFS", 13, -13, "EACCES"), res)

    def test_tmp_is_private_to_each_instance(self):
        self.require_namespace()
        token = uuid.uuid4().hex
        py = self.functions["python"]
        # The same function: a second instance starts while the first holds /tmp/mark-*.
        results = run_concurrently([
            lambda: self.invoke("python", {"op": "tmp_mark", "token": token, "hold": 3}),
            lambda: (time.sleep(1), self.invoke("python", {"op": "tmp_list"}))[1],
        ])
        self.assertEqual(ret(results[0])["written"], "/tmp/mark-" + token)
        self.assertNotIn("mark-" + token, ret(results[1]))
        # Another function (Node.js) does not see it either; Node.js writes its own.
        self.assertNotIn("mark-" + token, ret(self.invoke("node", {"op": "tmp_list"})))
        ret(self.invoke("node", {"op": "tmp_mark", "token": token + "n"}))
        self.assertNotIn("mark-" + token + "n", ret(self.invoke("python", {"op": "tmp_list"})))
        self.assertIsNotNone(py)

    def test_tmp_is_limited_and_fails_cleanly(self):
        self.require_namespace()
        for kind, runtime, files in self.each_runtime():
            # /tmp is memory: give the function more memory than /tmp holds (512 MB).
            name = unique_name("iso-tmp-" + kind)
            create_function(self.client, name, files, runtime=runtime, memory=1024, timeout=60)
            res = ret(self.client.invoke(name, {"op": "tmp_fill", "mb": 700}))
            self.assertGreaterEqual(res["written_mb"], 400, res)
            self.assertLess(res["written_mb"], 520, res)
            self.assertIn(res.get("errno") if kind == "python" else res.get("code"),
                          (28, "ENOSPC"), res)
            # The instance carries on.
            self.assertEqual(ret(self.client.invoke(name, {"op": "ok"})), {"ok": True})

    # -- limits -------------------------------------------------------------------------

    def test_memory_limit_ends_in_out_of_memory(self):
        self.require_limits()
        for kind, runtime, files in self.each_runtime():
            name = unique_name("iso-oom-" + kind)
            create_function(self.client, name, files, runtime=runtime, memory=128, timeout=30)
            res = self.client.invoke(name, {"op": "alloc", "mb": 400})
            self.assertNotEqual(res["InvokeResult"], 0, res)
            self.assertRegex(result_text(res), re.compile(r"memory", re.I), res)
            # The platform keeps serving: the function and others still run.
            self.assertEqual(ret(self.client.invoke(name, {"op": "ok"})), {"ok": True})
            self.assertEqual(ret(self.invoke(kind, {"op": "ok"})), {"ok": True})

    def test_fork_bomb_is_contained_by_the_pids_limit(self):
        self.require_limits()
        for kind, runtime, files in self.each_runtime():
            name = unique_name("iso-pids-" + kind)
            create_function(self.client, name, files, runtime=runtime, memory=512, timeout=60)
            res = ret(self.client.invoke(name, {"op": "spawn_many", "limit": 5000}))
            self.assertGreater(res["count"], 100, res)
            self.assertLess(res["count"], 1024, res)
            self.assertIn(res.get("errno") if kind == "python" else res.get("code"),
                          (11, "EAGAIN"), res)
            self.assertEqual(ret(self.client.invoke(name, {"op": "ok"})), {"ok": True})

    # -- privileges ---------------------------------------------------------------------

    def test_blocked_syscalls_fail_with_eperm(self):
        self.require_namespace()
        res = ret(self.invoke("python", {"op": "syscalls"}))
        self.assertEqual({k: v for k, v in res.items() if v != "EPERM"}, {}, res)
        node = ret(self.invoke("node", {"op": "blocked"}))
        self.assertNotEqual(node["unshare_status"], 0, node)
        self.assertIn("Operation not permitted", node["unshare_stderr"], node)
        via = ret(self.invoke("node", {"op": "python", "code": PY_SYSCALL_SNIPPET}))
        self.assertEqual(via["status"], 0, via)
        self.assertEqual(json.loads(via["stdout"]),
                         {"mount": "EPERM", "keyctl": "EPERM", "ptrace": "EPERM", "bpf": "EPERM"})

    def test_uid_is_not_root_outside_the_namespace(self):
        self.require_namespace()
        for kind, _, _ in self.each_runtime():
            ids = ret(self.invoke(kind, {"op": "ids"}))
            self.assertEqual(ids["uid"], SANDBOX_UID, ids)
            self.assertEqual(ids["gid"], SANDBOX_UID, ids)
            self.assertEqual(ids["uid_map"].split(), [str(SANDBOX_UID), str(HOST_UID), "1"])
            if not is_root():
                continue
            pids = instance_pids(self.server, self.functions[kind])
            self.assertTrue(pids, "no runtime process found for %s" % kind)
            for pid in pids:
                with open("/proc/%d/status" % pid) as f:
                    status = dict(line.split(":", 1) for line in f if ":" in line)
                uids = status["Uid"].split()
                self.assertNotIn("0", uids, status["Uid"])
                self.assertEqual(set(uids), {str(HOST_UID)}, status["Uid"])

    # -- network ------------------------------------------------------------------------

    def test_outbound_network_follows_public_net_config(self):
        self.require_namespace()
        banner = BannerServer()
        self.addCleanup(banner.close)
        for kind, runtime, files in self.each_runtime():
            for status in ("ENABLE", "DISABLE"):
                name = unique_name("iso-net-%s-%s" % (kind, status.lower()))
                create_function(self.client, name, files, runtime=runtime, timeout=30,
                                extra={"PublicNetConfig": {"PublicNetStatus": status}})
                res = ret(self.client.invoke(name, {"op": "connect", "port": banner.port,
                                                    "host": HOST_LOOPBACK_IN_SANDBOX}))
                if status == "ENABLE":
                    self.assertEqual(res, {"ok": True, "value": banner.token})
                else:
                    self.assertFalse(res["ok"], "%s connected with network disabled" % kind)
        self.assertEqual(banner.accepted, 2)

    def test_host_loopback_is_not_the_instance_loopback(self):
        self.require_namespace()
        banner = BannerServer()
        self.addCleanup(banner.close)
        for kind, _, _ in self.each_runtime():
            res = ret(self.invoke(kind, {"op": "connect", "host": "127.0.0.1",
                                         "port": banner.port}))
            self.assertFalse(res["ok"], res)


class IsolationFlagTest(unittest.TestCase):
    """--isolation values: explicit none and namespace."""

    def start(self, level):
        env_level = os.environ.get("YUNFN_ITEST_ISOLATION")
        if env_level:
            self.skipTest("isolation forced to %s" % env_level)
        server = Server(extra_args=["--isolation", level])
        self.addCleanup(server.cleanup)
        server.start()
        return server

    def test_none_is_plain_processes(self):
        server = self.start("none")
        self.assertTrue(any("isolation none" in l for l in server.stdout_lines),
                        server.stdout_lines)
        name = unique_name("flag-none")
        create_function(server.client(), name, {"index.py": PY_PROBE})
        env = ret(server.client().invoke(name, {"op": "env"}))
        self.assertNotEqual(env["SCF_RUNTIME_API_PORT"], "9001")
        self.assertNotEqual(env["USER_CODE_ROOT"], "/var/user")

    def test_namespace_when_asked(self):
        if not is_root():
            self.skipTest("namespace isolation needs root")
        server = self.start("namespace")
        self.assertTrue(any("isolation namespace" in l for l in server.stdout_lines),
                        server.stdout_lines)
        name = unique_name("flag-ns")
        create_function(server.client(), name, {"index.py": PY_PROBE})
        self.assertEqual(ret(server.client().invoke(name, {"op": "ids"}))["uid"], SANDBOX_UID)


if __name__ == "__main__":
    unittest.main()
