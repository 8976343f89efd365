"""Hardening regressions (issue 11): each test repeats an attack on the server and pins
how the fixed server answers it.

- deleting a function while sync invocations of it run (once a use-after-free);
- descriptor limits: the soft RLIMIT_NOFILE raised to the hard one, idle connections
  beyond the limit neither starve nor spin the server;
- function output that is not UTF-8;
- unauthenticated and oversized API requests (memory), TC3 signatures over x-tc-action
  and other signed headers;
- tenant containment: idle instances frozen, the per-function log quota, no instance
  outliving a killed server;
- HTTP edges: Transfer-Encoding framing, 1xx answers of web functions, oversized
  results, NUL bytes in zip entry names;
- GetServerInfo.

Timeouts (an idle API connection closed after 60 s, a half-sent header closed by the
gateway after 120 s) are not tested here: a test would have to wait that long.
"""

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import unittest

from yunfnlib import (server_env, BIN, PY_RUNTIME, REGION, TEST_SECRET_ID, TEST_SECRET_KEY,
                      GatewayAssertions, ResponseHeaders, Server, ServerOutputOnFailure,
                      ServerTestCase, call_outcome, create_apigw_trigger, create_function,
                      function_processes, gateway_path, gateway_request, http_get,
                      instance_pids, invoke_params, is_root, kill_instance_process, make_zip,
                      proc_cpu_seconds, proc_rss_kb, tc3_authorization_signing, unique_name,
                      wait_gone, yunfn_cgroup_dirs, zip_b64)

# Without namespace isolation there is no /var/lang: fall back to the host's python3.
PY_BOOTSTRAP = ("#!/bin/bash\ncd \"$(dirname \"$0\")\"\nPY=/var/lang/python3/bin/python3\n"
                "[ -x \"$PY\" ] || PY=python3\nexec \"$PY\" -u app.py\n")

SLEEPER = r'''
import time

def main_handler(event, context):
    time.sleep(1)
    return "slept"
'''

BAD_UTF8 = r'''
import sys

def main_handler(event, context):
    sys.stdout.buffer.write(b"bad \xff\xfe bytes\n")
    sys.stdout.flush()
    return "ok"
'''

SPINNER = r'''
import threading

def spin():
    while True:
        pass

def main_handler(event, context):
    if event.get("spin"):
        threading.Thread(target=spin, daemon=True).start()
    return "ok"
'''

BIG_RESULT = r'''
def main_handler(event, context):
    if event.get("mb"):
        return "x" * (event["mb"] << 20)
    return "small"
'''

CHATTY = r'''
import sys

LINE = "y" * 1023 + "\n"

def main_handler(event, context):
    sys.stdout.write(LINE * 600)
    sys.stdout.flush()
    return "printed"
'''

HELLO = r'''
def main_handler(event, context):
    return "hello"
'''

# A web function server on raw sockets. Every answer to a request for /switch is
# `101 Switching Protocols`; any other request gets `100 Continue` first and then the
# final `200 OK` whose body is "final" for / and "final <path>" otherwise.
RAW_WEB_APP = r'''
import socket
import threading
import time


def read_request(f):
    line = f.readline()
    if not line:
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers = {}
    while True:
        h = f.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size = int(f.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while f.readline() not in (b"\r\n", b"\n", b""):
                    pass
                break
            f.read(size)
            f.readline()
    else:
        n = int(headers.get("content-length") or 0)
        if n:
            f.read(n)
    return target


def serve(conn):
    f = conn.makefile("rb")
    try:
        while True:
            target = read_request(f)
            if target is None:
                return
            if target.startswith("/switch"):
                conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             b"Connection: Upgrade\r\n\r\n")
                time.sleep(1)
                return
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            time.sleep(0.05)
            body = b"final" if target == "/" else ("final " + target).encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(body) + body)
    except OSError:
        pass
    finally:
        conn.close()


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", 9000))
srv.listen(64)
print("raw web app listening", flush=True)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
'''

RESPONSE_TOO_LARGE = "larger than 6 MB"


def raw_web_package():
    return {"scf_bootstrap": (PY_BOOTSTRAP, 0o755), "app.py": RAW_WEB_APP}


def create_web_function(client, name, files, **kw):
    return create_function(client, name, files, runtime=PY_RUNTIME, handler=None,
                           extra={"Type": "HTTP"}, **kw)


def read_http_response(f):
    """One HTTP/1.1 response from a buffered binary socket file, exactly as sent (1xx
    answers are returned too, not skipped): (status, ResponseHeaders, body bytes)."""
    line = f.readline()
    if not line:
        raise AssertionError("connection closed before a response")
    parts = line.decode("latin-1").split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise AssertionError("not an HTTP status line: %r" % line)
    status = int(parts[1])
    pairs = []
    while True:
        h = f.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        pairs.append((k.strip(), v.strip()))
    headers = ResponseHeaders(pairs)
    if 100 <= status < 200 or status in (204, 304):
        return status, headers, b""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            size = int(f.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while f.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return status, headers, bytes(body)
            body += f.read(size)
            f.readline()
    if "content-length" in headers:
        return status, headers, f.read(int(headers["content-length"]))
    return status, headers, f.read()


def wait_healthz(server, within):
    """Seconds until the server's /healthz answered 200 (raises after `within` s)."""
    started = time.time()
    last = None
    while time.time() - started < within:
        try:
            status, _ = http_get(server.host, server.port, "/healthz",
                                 timeout=max(0.1, within - (time.time() - started)))
            if status == 200:
                return time.time() - started
            last = "HTTP %d" % status
        except OSError as e:
            last = repr(e)
        time.sleep(0.05)
    raise AssertionError("/healthz did not answer 200 within %ss (last: %s)" % (within, last))


def open_files_limits(pid):
    """(soft, hard) of "Max open files" in /proc/<pid>/limits."""
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                soft, hard = line.split()[3:5]
                return int(soft), int(hard)
    raise AssertionError("no 'Max open files' line for pid %d" % pid)


def cgroup_freezer_available():
    return os.path.isdir("/sys/fs/cgroup/freezer") or os.path.exists(
        "/sys/fs/cgroup/cgroup.controllers")


def all_function_processes(*names):
    return sorted(p for n in names for p in function_processes(n, marker=""))


# ----------------------------------------------------------------------------------------
# 1. DeleteFunction while sync invocations run
# ----------------------------------------------------------------------------------------

class DeleteUnderLoadTest(ServerTestCase):

    def test_delete_while_invocations_in_flight(self):
        name = unique_name("del-load")
        self.addCleanup(lambda: self.client.delete_function(name))
        # YUNFN_DELETE_ROUNDS=50 with a sanitizer build (SANITIZE=1) is the memory check.
        for round_no in range(int(os.environ.get("YUNFN_DELETE_ROUNDS", "10"))):
            create_function(self.client, name, {"index.py": SLEEPER}, timeout=10)
            outcomes = [None] * 3

            def invoke(i):
                outcomes[i] = call_outcome(self.client, "Invoke", invoke_params(name),
                                           timeout=30)

            threads = [threading.Thread(target=invoke, args=(i,), daemon=True)
                       for i in range(3)]
            for t in threads:
                t.start()
            time.sleep(0.4)
            deleted = call_outcome(self.client, "DeleteFunction", {"FunctionName": name})
            for t in threads:
                t.join(40)
            with self.subTest(round=round_no):
                self.assertTrue(self.server.alive(),
                                "the server died in round %d (exit %s); invokes %r"
                                % (round_no, self.server.proc.poll(), outcomes))
                wait_healthz(self.server, 5)
                self.assertTrue(deleted.ok, deleted)
                self.assertFalse(any(t.is_alive() for t in threads), outcomes)
            if not self.server.alive():
                break


# ----------------------------------------------------------------------------------------
# 2. Descriptors
# ----------------------------------------------------------------------------------------

class DescriptorLimitTest(ServerOutputOnFailure, unittest.TestCase):
    """Servers started under a low RLIMIT_NOFILE (through prlimit)."""

    server = None

    def setUp(self):
        if shutil.which("prlimit") is None:
            self.skipTest("prlimit (util-linux) is not installed")

    def start_server(self, soft, hard):
        server = Server(command_prefix=["prlimit", "--nofile=%d:%d" % (soft, hard), "--"])
        self.server = server
        self.addCleanup(server.cleanup)
        server.start()
        return server

    def test_soft_limit_raised_to_hard(self):
        server = self.start_server(512, 4096)
        self.assertEqual(open_files_limits(server.proc.pid), (4096, 4096))

    def test_idle_connections_beyond_the_limit(self):
        # soft = hard = 256: raising the soft limit cannot help.
        server = self.start_server(256, 256)
        pid = server.proc.pid
        self.assertEqual(open_files_limits(pid), (256, 256))
        logs = (server.stdout_path, server.stderr_path)
        log_before = sum(os.path.getsize(p) for p in logs)
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        for _ in range(400):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", server.gateway_port))
            socks.append(s)
        time.sleep(0.5)  # the server accepts what it can
        cpu_before, t0 = proc_cpu_seconds(pid), time.time()
        time.sleep(3)
        cpu_used, held = proc_cpu_seconds(pid) - cpu_before, time.time() - t0
        with self.subTest("the API answers while the gateway holds the idle connections"):
            wait_healthz(server, 2)
        for s in socks:
            s.close()
        socks.clear()
        self.assertTrue(server.alive(), "the server exited")
        wait_healthz(server, 2)
        self.assertLess(cpu_used, 1.5, "the server used %.2f s of CPU in %.1f s while "
                                       "idle connections were held (spinning?)"
                        % (cpu_used, held))
        grown = sum(os.path.getsize(p) for p in logs) - log_before
        self.assertLess(grown, 1 << 20, "the server log grew by %d bytes" % grown)


# ----------------------------------------------------------------------------------------
# Most attacks: one server
# ----------------------------------------------------------------------------------------

class HardeningTest(ServerTestCase, GatewayAssertions):

    # -- 3. output that is not UTF-8 -----------------------------------------------------

    def test_invalid_utf8_output(self):
        name = unique_name("bad-utf8")
        create_function(self.client, name, {"index.py": BAD_UTF8})
        self.addCleanup(lambda: self.client.delete_function(name))
        res = self.client.invoke(name, log_type="Tail")
        self.assertEqual(res["InvokeResult"], 0, res)
        self.assertEqual(res["RetMsg"], '"ok"')
        self.assertIn("bad \ufffd\ufffd bytes", res["Log"])
        rid = res["FunctionRequestId"]
        deadline = time.time() + 5
        while True:
            logs = self.client.ok("GetFunctionLogs",
                                  {"FunctionName": name, "FunctionRequestId": rid})
            if logs["TotalCount"] >= 1 or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(logs["TotalCount"], 1, logs)
        self.assertIn("bad \ufffd\ufffd bytes", logs["Data"][0]["Log"])

    # -- 4. unauthenticated and oversized API requests -----------------------------------

    def test_unsigned_large_posts(self):
        # 50 MB: above the 10 MB body limit; 9 MB: below it. Either way the missing
        # Authorization header is the answer, sent before the body is read.
        for size in (50 << 20, 9 << 20):
            with self.subTest(mb=size >> 20):
                self.check_unsigned_post(size)

    def check_unsigned_post(self, size):
        pid = self.server.proc.pid
        rss_before = proc_rss_kb(pid)
        head = ("POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                "X-TC-Action: ListFunctions\r\nX-TC-Version: 2018-04-16\r\n"
                "X-TC-Region: %s\r\nX-TC-Timestamp: %d\r\nContent-Length: %d\r\n\r\n"
                % (self.server.endpoint, REGION, int(time.time()), size)).encode()
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            s.sendall(head)
            # The answer comes before any of the body is sent.
            f = s.makefile("rb")
            status, headers, body = read_http_response(f)
            self.assertEqual(status, 200, body[:500])
            doc = json.loads(body)
            self.assertEqual(doc["Response"]["Error"]["Code"],
                             "AuthFailure.InvalidAuthorization", doc)
            self.assertTrue(doc["Response"].get("RequestId"), doc)
            self.assertEqual(headers.get("connection", "").lower(), "close", headers)
            # The server drains what the client still sends (without keeping it).
            chunk = b"\x00" * (1 << 20)
            sent = 0
            try:
                while sent < size:
                    s.sendall(chunk)
                    sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.assertEqual(f.read(), b"", "more data after the answer")
        rss_grown_mb = (proc_rss_kb(pid) - rss_before) / 1024
        self.assertLess(rss_grown_mb, 20, "the server's RSS grew by %.1f MB" % rss_grown_mb)
        self.assertTrue(self.server.alive())

    def test_signed_body_over_10mb(self):
        name = unique_name("big-body")
        params = big_create_params(name)
        body = json.dumps(params).encode()
        self.assertGreater(len(body), 10 << 20)
        status, doc = self.client.raw("CreateFunction", body, timeout=60)
        self.assertEqual(status, 200, str(doc)[:500])
        self.assertEqual(doc["Response"]["Error"]["Code"], "InvalidParameter.RequestTooLarge",
                         doc)
        err = self.client.error("GetFunction", {"FunctionName": name})
        self.assertEqual(err["Code"], "ResourceNotFound.Function", err)

    # -- 5a. idle instances are frozen ---------------------------------------------------

    def test_idle_instance_frozen(self):
        if not is_root():
            self.skipTest("freezing needs root (cgroups)")
        info = self.client.ok("GetServerInfo")
        if info.get("Isolation") != "namespace" or not cgroup_freezer_available():
            self.skipTest("no namespace isolation with cgroups here: %r" % info)
        name = unique_name("spinner")
        create_function(self.client, name, {"index.py": SPINNER})
        self.addCleanup(lambda: self.client.delete_function(name))
        self.addCleanup(lambda: [kill_instance_process(p) for p in function_processes(name)])
        res = self.client.invoke(name, {"spin": True})
        self.assertEqual(res["InvokeResult"], 0, res)
        time.sleep(3)
        pids = instance_pids(self.server, name)
        self.assertEqual(len(pids), 1, pids)
        spun = sum(proc_cpu_seconds(p) for p in pids)
        # The thread spun until the instance was frozen (after 1 s idle).
        self.assertGreater(spun, 0.2, "the spinning thread got %.2f s of CPU" % spun)
        time.sleep(2)
        used = sum(proc_cpu_seconds(p) for p in pids) - spun
        self.assertLess(used, 0.2, "the idle instance used %.2f s of CPU in 2 s" % used)
        res = self.client.invoke(name, {})
        self.assertEqual(res["InvokeResult"], 0, res)
        self.assertEqual(res["RetMsg"], '"ok"')
        self.assertEqual(instance_pids(self.server, name), pids, "not the same instance")

    # -- 6a. Transfer-Encoding framing through the gateway -------------------------------

    def web_function(self):
        """A raw-socket web function (RAW_WEB_APP) with an apigw trigger; its name."""
        cls = type(self)
        if getattr(cls, "_web_fn", None) is None:
            name = unique_name("web-raw")
            create_web_function(self.client, name, raw_web_package())
            create_apigw_trigger(self.client, name, "root", "/")
            cls._web_fn = name
        return cls._web_fn

    def test_transfer_encoding_framing(self):
        fn = self.web_function()
        path = gateway_path(fn, "/")
        port = self.server.gateway_port
        # What a server reading the framing differently would take for a second request.
        smuggled = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % gateway_path(fn, "/smuggled"))

        def request(framing_headers, body):
            """(first answer, what follows it on the connection until it closes)."""
            data = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n%s" % (
                path, "".join("%s: %s\r\n" % kv for kv in framing_headers), body)).encode()
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(data)
                f = s.makefile("rb")
                first = read_http_response(f)
                s.settimeout(2)
                rest = bytearray()
                try:
                    while True:
                        got = f.read1(65536)
                        if not got:
                            break
                        rest += got
                except socket.timeout:
                    rest += b"<connection still open after 2 s>"
                return first, bytes(rest)

        # The plain chunked request reaches the function.
        (status, _, body), _ = request([("Transfer-Encoding", "chunked")],
                                       "5\r\nhello\r\n0\r\n\r\n")
        self.assertEqual((status, body), (200, b"final"), body[:500])
        for framing in ([("Transfer-Encoding", "xchunked")],
                        [("Transfer-Encoding", "chunked, identity")],
                        [("Content-Length", "5"), ("Transfer-Encoding", "chunked")]):
            with self.subTest(framing=framing):
                answer, rest = request(framing, smuggled)
                self.assertEqual(answer[0], 400, answer)
                # The body's framing is unknown: the connection ends with the answer.
                self.assertEqual(rest, b"", "the refused request's body was read as a "
                                            "request: %r" % rest[:300])
                self.assertEqual(answer[1].get("connection", "").lower(), "close", answer[1])
                self.assertGatewayError(answer, 400)

    # -- 6b. 1xx answers of a web function -----------------------------------------------

    def test_interim_answers_not_relayed(self):
        fn = self.web_function()
        base = gateway_path(fn, "")
        req = lambda p: ("GET %s%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % (base, p)).encode()
        with socket.create_connection(("127.0.0.1", self.server.gateway_port),
                                      timeout=30) as s:
            # Two pipelined requests, then a third on the kept-alive connection.
            s.sendall(req("/") + req("/second"))
            f = s.makefile("rb")
            first = read_http_response(f)
            second = read_http_response(f)
            s.sendall(req("/third"))
            third = read_http_response(f)
        for (status, headers, body), want in ((first, b"final"), (second, b"final /second"),
                                              (third, b"final /third")):
            self.assertEqual((status, body), (200, want), headers)
            self.assertRequestIds(headers)

    def test_switching_protocols_answer(self):
        fn = self.web_function()
        doc = self.assertScfError(gateway_request(self.server, "GET", gateway_path(fn, "/switch")),
                                  439)
        self.assertIn("101", doc["errorMessage"])
        # The function still answers.
        status, _, body = gateway_request(self.server, "GET", gateway_path(fn, "/"))
        self.assertEqual((status, body), (200, b"final"))

    # -- 6c. results larger than 6 MB ----------------------------------------------------

    def test_oversized_results(self):
        name = unique_name("big-result")
        create_function(self.client, name, {"index.py": BIG_RESULT}, memory=1024, timeout=30)
        self.addCleanup(lambda: self.client.delete_function(name))
        for mb in (7, 100):
            with self.subTest(mb=mb):
                res = self.client.invoke(name, {"mb": mb})
                self.assertEqual(res["InvokeResult"], -1, res)
                self.assertIn(RESPONSE_TOO_LARGE, res["ErrMsg"])
                self.assertIn("407", res["ErrMsg"])
                self.assertNotIn("User process exited", res["ErrMsg"])
                self.assertIsNone(re.search(r"x{1000}", json.dumps(res)), "the result leaked")
                small = self.client.invoke(name, {})
                self.assertEqual(small["InvokeResult"], 0, small)
                self.assertEqual(small["RetMsg"], '"small"')

    # -- 6d. NUL byte in a zip entry name ------------------------------------------------

    def test_zip_entry_name_with_nul(self):
        data = make_zip({"index.py": HELLO, "aXb.py": "x = 1\n"})
        self.assertEqual(data.count(b"aXb.py"), 2)  # local header and central directory
        data = data.replace(b"aXb.py", b"a\x00b.py")
        name = unique_name("nul-zip")
        err = self.client.error("CreateFunction", {
            "FunctionName": name, "Runtime": PY_RUNTIME, "Handler": "index.main_handler",
            "Code": {"ZipFile": base64.b64encode(data).decode()}})
        self.assertEqual(err["Code"], "InvalidParameterValue.ZipFile", err)
        self.assertIn("NUL", err["Message"])
        err = self.client.error("GetFunction", {"FunctionName": name})
        self.assertEqual(err["Code"], "ResourceNotFound.Function", err)

    # -- 7. signatures -------------------------------------------------------------------

    def signed_call(self, action, signed_extra=(), sent_headers=None, params=None):
        """Calls `action` signed over content-type, host and `signed_extra` (name,
        value) pairs; `sent_headers` then change what is sent. Returns the Response."""
        body = json.dumps(params or {}).encode()
        ts = int(time.time())
        signed = [("content-type", "application/json"), ("host", self.server.endpoint)]
        signed += list(signed_extra)
        auth = tc3_authorization_signing(TEST_SECRET_ID, TEST_SECRET_KEY, signed, body, ts)
        headers = {"Authorization": auth}
        headers.update(sent_headers or {})
        status, doc = self.client.raw(action, body, timestamp=ts, headers=headers)
        self.assertEqual(status, 200, doc)
        return doc["Response"]

    def test_signed_action_cannot_be_changed(self):
        name = unique_name("signed")
        create_function(self.client, name, {"index.py": HELLO})
        self.addCleanup(lambda: self.client.delete_function(name))
        params = {"FunctionName": name}
        # Signed for GetFunction: accepted as GetFunction...
        ok = self.signed_call("GetFunction", [("x-tc-action", "GetFunction")], params=params)
        self.assertNotIn("Error", ok)
        self.assertEqual(ok["FunctionName"], name)
        # ...and refused when sent as DeleteFunction.
        resp = self.signed_call("DeleteFunction", [("x-tc-action", "GetFunction")],
                                params=params)
        self.assertEqual(resp.get("Error", {}).get("Code"), "AuthFailure.SignatureFailure",
                         resp)
        self.assertEqual(self.client.get_function(name)["FunctionName"], name)

    def test_sdk_signed_headers_accepted(self):
        # The official SDKs sign content-type;host only.
        resp = self.signed_call("ListFunctions")
        self.assertNotIn("Error", resp)
        self.assertIn("TotalCount", resp)
        resp = self.signed_call("ListFunctions", [("x-tc-action", "ListFunctions")])
        self.assertNotIn("Error", resp)

    def test_signed_extra_header_changed(self):
        resp = self.signed_call("ListFunctions", [("x-tc-region", REGION)])
        self.assertNotIn("Error", resp)
        resp = self.signed_call("ListFunctions", [("x-tc-region", REGION)],
                                {"X-TC-Region": "ap-shanghai"})
        self.assertEqual(resp.get("Error", {}).get("Code"), "AuthFailure.SignatureFailure",
                         resp)

    # -- 8. GetServerInfo ----------------------------------------------------------------

    def test_get_server_info(self):
        info = self.client.ok("GetServerInfo")
        out = subprocess.run([BIN, "--version"], capture_output=True, text=True, timeout=30)
        m = re.search(r"yunfn (\S+) \(commit (\S+)\)", out.stdout)
        self.assertIsNotNone(m, out.stdout + out.stderr)
        self.assertEqual((info["Version"], info["Commit"]), m.groups())
        forced = os.environ.get("YUNFN_ITEST_ISOLATION")
        if forced in ("none", "namespace"):
            want = forced
        elif is_root():
            want = "namespace"
        else:
            self.skipTest("isolation not known unless root: %r" % info)
        self.assertEqual(info["Isolation"], want, info)
        self.assertEqual(info["Isolated"], want != "none", info)
        self.assertEqual(info["IsolationNote"], "", info)


def big_create_params(name):
    """CreateFunction parameters whose JSON is about 10.7 MB (an 8 MB package)."""
    files = {"index.py": HELLO, "blob.bin": os.urandom(8 << 20)}
    return {"FunctionName": name, "Runtime": PY_RUNTIME, "Handler": "index.main_handler",
            "Code": {"ZipFile": zip_b64(files)}}


# ----------------------------------------------------------------------------------------
# 4b/5b. Configured limits: --log-quota-mb and --api-body-limit-mb
# ----------------------------------------------------------------------------------------

class ConfiguredLimitsTest(ServerTestCase):

    server_kwargs = {"extra_args": ["--log-quota-mb", "1", "--api-body-limit-mb", "20"]}

    def test_log_quota(self):
        name = unique_name("chatty")
        create_function(self.client, name, {"index.py": CHATTY})
        self.addCleanup(lambda: self.client.delete_function(name))
        marker = "[yunfn] log quota exceeded"
        rids = []
        for _ in range(3):
            res = self.client.invoke(name, log_type="Tail")
            self.assertEqual(res["InvokeResult"], 0, res)
            rids.append(res["FunctionRequestId"])
        self.assertIn(marker, res["Log"])
        self.assertRegex(res["Log"], r"(?m)^Report RequestId: %s" % re.escape(rids[2]))
        logs = {}
        deadline = time.time() + 5
        while len(logs) < 3 and time.time() < deadline:
            for rid in rids:
                got = self.client.ok("GetFunctionLogs",
                                     {"FunctionName": name, "FunctionRequestId": rid})
                if got["TotalCount"]:
                    logs[rid] = got["Data"][0]["Log"]
            time.sleep(0.2)
        self.assertEqual(len(logs), 3, list(logs))
        self.assertNotIn(marker, logs[rids[0]])
        self.assertIn("y" * 1023, logs[rids[0]])
        self.assertIn(marker, logs[rids[2]])
        self.assertRegex(logs[rids[2]], r"(?m)^Report RequestId: %s" % re.escape(rids[2]))

    def test_api_body_limit_raised(self):
        name = unique_name("big-body")
        self.addCleanup(lambda: self.client.delete_function(name))
        params = big_create_params(name)
        self.assertGreater(len(json.dumps(params)), 10 << 20)
        self.client.ok("CreateFunction", params, timeout=120)
        self.assertEqual(self.client.get_function(name)["FunctionName"], name)


# ----------------------------------------------------------------------------------------
# 5c. kill -9 of the server leaves no instance running
# ----------------------------------------------------------------------------------------

class KilledServerTest(ServerOutputOnFailure, unittest.TestCase):
    """kill -9 of the server: an event and a web function's instances."""

    server = None

    def setUp(self):
        self.server = Server()
        self.addCleanup(self.server.cleanup)
        self.server.start()
        self.client = self.server.client()
        self.event_fn = unique_name("kill-ev")
        self.web_fn = unique_name("kill-web")
        self.names = (self.event_fn, self.web_fn)
        self.cgroups = set()  # instance cgroup directories seen
        self.addCleanup(self.remove_instances)
        create_function(self.client, self.event_fn, {"index.py": HELLO})
        create_web_function(self.client, self.web_fn, raw_web_package())
        create_apigw_trigger(self.client, self.web_fn, "root", "/")

    def warm(self):
        res = self.client.invoke(self.event_fn)
        self.assertEqual(res["InvokeResult"], 0, res)
        status, _, body = gateway_request(self.server, "GET", gateway_path(self.web_fn, "/"))
        self.assertEqual((status, body), (200, b"final"))
        self.assertEqual(len(function_processes(self.event_fn, marker="")), 1)
        self.assertEqual(len(function_processes(self.web_fn, marker="")), 1)
        self.cgroups.update(instance_cgroups(all_function_processes(*self.names)))

    def remove_instances(self):
        """Kills what a failed test left running and removes its instance cgroups."""
        for pid in all_function_processes(*self.names):
            kill_instance_process(pid)
        deadline = time.time() + 5
        while all_function_processes(*self.names) and time.time() < deadline:
            time.sleep(0.1)
        for d in self.cgroups:
            remove_empty_dir(d)

    def test_running_instances_die_with_the_server(self):
        # Instances used less than 1 s ago (not frozen) die with the server.
        self.warm()
        self.warm()
        self.server.kill()
        time.sleep(2)
        left = all_function_processes(*self.names)
        self.assertEqual(left, [], "instances outlived the server: %s" % describe(left))

    def test_restart_removes_frozen_leftovers(self):
        if not is_root():
            self.skipTest("frozen instances need root (cgroups)")
        info = self.client.ok("GetServerInfo")
        if info.get("Isolation") != "namespace" or not cgroup_freezer_available():
            self.skipTest("no namespace isolation with cgroups here: %r" % info)
        self.warm()
        time.sleep(3)  # both instances frozen (after 1 s idle)
        self.server.kill()
        time.sleep(2)
        # A frozen process cannot act on its parent-death signal until thawed.
        cgroups = instance_cgroups(all_function_processes(*self.names))
        instances = {os.path.basename(d) for d in cgroups}
        started = time.time()
        self.server.start()
        while all_function_processes(*self.names) and time.time() - started < 5:
            time.sleep(0.1)
        remaining = all_function_processes(*self.names)
        self.assertEqual(remaining, [], "instances of the killed run remain after the "
                                        "restart: %s" % describe(remaining))
        with self.subTest("the killed run's cgroups are removed"):
            self.assertEqual(wait_gone(sorted(cgroups), timeout=max(0.1, 5 - (time.time() - started))),
                             [], "cgroups of the killed run remain after the restart")
        if instances:
            with self.subTest("the restart says how many instances it removed"):
                with open(self.server.stderr_path, "rb") as f:
                    err_lines = f.read().decode("utf-8", "replace").splitlines()
                removed = [l for l in self.server.stdout_lines + err_lines
                           if "an earlier run of this server left behind" in l]
                self.assertEqual(len(removed), 1, removed)
                self.assertIn("removed %d instance(s) an earlier run of this server left "
                              "behind" % len(instances), removed[0])


def describe(pids):
    """pid, command line and parent of each process, for failure messages."""
    out = []
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                ppid = [l.split()[1] for l in f if l.startswith("PPid:")][0]
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")[:120]
        except (OSError, IndexError):
            continue
        out.append("%d (ppid %s) %s" % (pid, ppid, cmd))
    return "; ".join(out) or "-"


def instance_cgroups(pids):
    """The instance cgroup directories (every controller) of the processes `pids`."""
    dirs = set()
    for pid in pids:
        try:
            with open("/proc/%d/cgroup" % pid) as f:
                dirs.update(yunfn_cgroup_dirs(f.read()))
        except OSError:
            pass
    return dirs


def remove_empty_dir(path):
    try:
        os.rmdir(path)
    except OSError:
        pass


# ----------------------------------------------------------------------------------------
# 7b. The API over TLS (--tls-cert / --tls-key), and the CLI speaking https://
# ----------------------------------------------------------------------------------------

@unittest.skipUnless(shutil.which("openssl"), "openssl is needed to make a test certificate")
class TlsApiTest(ServerOutputOnFailure, unittest.TestCase):
    def setUp(self):
        import tempfile
        self.certs = tempfile.mkdtemp(prefix="yunfn-tls-")
        self.addCleanup(shutil.rmtree, self.certs, True)
        self.cert = os.path.join(self.certs, "cert.pem")
        self.key = os.path.join(self.certs, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-keyout", self.key, "-out", self.cert, "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
        self.server = Server(extra_args=["--tls-cert", self.cert, "--tls-key", self.key])
        self.addCleanup(self.server.stop)
        self.server.start()  # polls /healthz over TLS

    def cli(self, *args, ca=True):
        env = server_env(True)
        if ca:
            env["YUNFN_CA_FILE"] = self.cert
        else:
            env.pop("YUNFN_CA_FILE", None)
        return subprocess.run([BIN, "--endpoint", "https://127.0.0.1:%d" % self.server.port] +
                              list(args), capture_output=True, text=True, env=env, timeout=60)

    def test_cli_over_https_verifies_the_certificate(self):
        line = next(l for l in self.server.stdout_lines if "API listening on" in l)
        self.assertIn("API listening on https://127.0.0.1:", line)
        ok = self.cli("ls")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertIn("NAME", ok.stdout)
        untrusted = self.cli("ls", ca=False)
        self.assertEqual(untrusted.returncode, 1)
        self.assertIn("certificate verify failed", untrusted.stderr)

    def test_plain_http_to_the_tls_port_gets_no_api_answer(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            data = s.recv(4096)
        self.assertNotIn(b"HTTP/1.1 200", data)


if __name__ == "__main__":
    unittest.main()
