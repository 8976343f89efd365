"""Web functions (docs/gateway.md, "Web functions"): a package whose executable
`scf_bootstrap` starts an HTTP server on port 9000, reached through an apigw trigger.
Python (http.server) and Node.js (http) apps: what reaches the app (method, path below
the function's base, query, headers with the X-Scf-* set, body), large bodies both
ways, one instance per concurrent request, init and run-time failures, and what the
API refuses for web functions."""

import json
import os
import socket
import time
import unittest
import uuid

from yunfnlib import (NODE_RUNTIME, PY_RUNTIME, GatewayAssertions, ServerTestCase, create_apigw_trigger,
                      create_function, gateway_path, gateway_request, run_concurrently,
                      unique_name, wait_active, zip_b64)

PY_BOOTSTRAP = "#!/bin/bash\ncd \"$(dirname \"$0\")\"\nexec /var/lang/python3/bin/python3 -u app.py\n"
# Without namespace isolation there is no /var/lang: fall back to the host's python3.
PY_BOOTSTRAP_ANY = ("#!/bin/bash\ncd \"$(dirname \"$0\")\"\nPY=/var/lang/python3/bin/python3\n"
                    "[ -x \"$PY\" ] || PY=python3\nexec \"$PY\" -u app.py\n")
NODE_BOOTSTRAP = "#!/bin/bash\ncd \"$(dirname \"$0\")\"\nexec /var/lang/node18/bin/node app.js\n"
NODE_BOOTSTRAP_ANY = ("#!/bin/bash\ncd \"$(dirname \"$0\")\"\nNODE=/var/lang/node18/bin/node\n"
                      "[ -x \"$NODE\" ] || NODE=node\nexec \"$NODE\" app.js\n")

# Routes by path: /big echoes the body raw, /sleep?s=N waits, /crash dies mid-request,
# everything else answers with a JSON description of the request.
PY_APP = r'''
import hashlib
import http.server
import json
import os
import time
import urllib.parse
import uuid

TOKEN = uuid.uuid4().hex
print("python web app starting", flush=True)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, body, content_type="application/json", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        started = time.time()
        body = self.read_body()
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path.startswith("/big"):
            self.send(200, body, "application/octet-stream")
            return
        if url.path.startswith("/crash"):
            print("crashing now", flush=True)
            os._exit(3)
        if url.path.startswith("/sleep"):
            time.sleep(float(query.get("s", ["1"])[0]))
        doc = {"method": self.command, "path": self.path,
               "headers": [[k, v] for k, v in self.headers.items()],
               "body": body.decode("utf-8", "replace") if len(body) < 4096 else None,
               "body_len": len(body), "body_sha256": hashlib.sha256(body).hexdigest(),
               "token": TOKEN, "pid": os.getpid(), "started": started, "ended": time.time()}
        self.send(200, json.dumps(doc).encode(), extra=[
            ("X-App", "python"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = handle_any

    def log_message(self, fmt, *args):
        print("app: " + fmt % args, flush=True)


http.server.HTTPServer(("0.0.0.0", 9000), Handler).serve_forever()
'''

NODE_APP = r'''
const http = require('http');
const crypto = require('crypto');
const token = crypto.randomBytes(16).toString('hex');
console.log('node web app starting');

// Idle connections close after 1.5 s (Node's default: 5 s).
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, 'http://app');
    if (url.pathname.startsWith('/big')) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream',
                           'Content-Length': body.length });
      res.end(body);
      return;
    }
    if (url.pathname.startsWith('/crash')) process.exit(3);
    const answer = () => {
      const headers = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
      }
      const doc = Buffer.from(JSON.stringify({
        method: req.method, path: req.url, headers,
        body: body.length < 4096 ? body.toString('utf8') : null, body_len: body.length,
        body_sha256: crypto.createHash('sha256').update(body).digest('hex'),
        token, pid: process.pid }));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': doc.length,
                           'X-App': 'node' });
      res.end(doc);
    };
    if (url.pathname.startsWith('/sleep')) {
      setTimeout(answer, Number(url.searchParams.get('s') || 1) * 1000);
    } else {
      answer();
    }
  });
});
server.keepAliveTimeout = 1500;
server.listen(9000, '0.0.0.0');
'''

SCF_HEADERS = ("x-scf-request-id", "x-scf-memory", "x-scf-timeout", "x-scf-version",
               "x-scf-name", "x-scf-namespace", "x-scf-region", "x-scf-appid", "x-scf-uin")


def web_package(app_name, app_code, bootstrap):
    return {"scf_bootstrap": (bootstrap, 0o755), app_name: app_code}


def create_web_function(client, name, files, runtime=PY_RUNTIME, wait=True, extra_config=None,
                        **kw):
    extra = {"Type": "HTTP"}
    extra.update(extra_config or {})
    return create_function(client, name, files, runtime=runtime, handler=None,
                           extra=extra, wait=wait, **kw)


def header_values(doc, name):
    """Every value the app saw for header `name` (case-insensitive)."""
    return [v for k, v in doc["headers"] if k.lower() == name.lower()]


class WebFunctionCase(ServerTestCase, GatewayAssertions):

    def request(self, function, path, method="GET", **kw):
        return gateway_request(self.server, method, gateway_path(function, path), **kw)

    def app(self, function, path, method="GET", **kw):
        """A request the app answers with its JSON description; returns (doc, headers)."""
        status, headers, body = self.request(function, path, method, **kw)
        self.assertEqual(status, 200, body[:2000])
        return json.loads(body), headers

    def check_forwarded_request(self, function, memory, timeout):
        """Method, path below the base, raw query, headers (X-Scf-* set, client X-Scf-*
        dropped) and body reach the app; the response keeps the app's headers."""
        body = "web body \u2713 " + uuid.uuid4().hex
        doc, headers = self.app(function, "/echo/sub/x?q=1&q=2&sp=%20a%2Fb&flag", "PUT",
                                body=body, headers=[
                                    ("Content-Type", "text/plain; charset=utf-8"),
                                    ("X-Custom", "custom value"),
                                    ("X-Scf-Name", "spoofed-name"),
                                    ("X-Scf-Request-Id", "spoofed-id")])
        self.assertEqual(doc["method"], "PUT")
        self.assertEqual(doc["path"], "/echo/sub/x?q=1&q=2&sp=%20a%2Fb&flag")
        self.assertEqual(doc["body"], body)
        self.assertEqual(doc["body_len"], len(body.encode("utf-8")))
        self.assertEqual(header_values(doc, "x-custom"), ["custom value"], doc["headers"])
        self.assertEqual(header_values(doc, "content-type"), ["text/plain; charset=utf-8"])
        for name in SCF_HEADERS:
            values = header_values(doc, name)
            self.assertEqual(len(values), 1, "%s: %r" % (name, doc["headers"]))
            self.assertTrue(values[0], "%s is empty" % name)
        rid = self.assertRequestIds(headers)
        self.assertEqual(header_values(doc, "x-scf-request-id"), [rid])
        self.assertEqual(header_values(doc, "x-scf-name"), [function])
        self.assertEqual(header_values(doc, "x-scf-namespace"), ["default"])
        self.assertEqual(header_values(doc, "x-scf-version"), ["$LATEST"])
        self.assertEqual(header_values(doc, "x-scf-memory"), [str(memory)])
        self.assertIn(header_values(doc, "x-scf-timeout")[0], (str(timeout), str(timeout * 1000)))
        self.assertEqual(headers.get("content-type"), "application/json")
        return doc, headers

    def check_big_body(self, function):
        data = os.urandom(5 * 1024 * 1024)
        status, headers, body = self.request(function, "/big", "POST", body=data,
                                             headers={"Content-Type":
                                                      "application/octet-stream"})
        self.assertEqual(status, 200, body[:500])
        self.assertEqual(len(body), len(data))
        self.assertTrue(body == data, "the 5 MB body came back changed")
        self.assertEqual(headers.get("content-type"), "application/octet-stream")
        self.assertRequestIds(headers)


class PythonWebFunctionTest(WebFunctionCase):

    @classmethod
    def setUpClass(cls):
        if os.environ.get("YUNFN_ITEST_ISOLATION") == "none":
            # Several web-function instances at once need one network namespace each.
            raise unittest.SkipTest("isolation forced to none: one web-function instance "
                                    "per node (see WebFunctionSharedPortTest)")
        super().setUpClass()
        c = cls.client
        cls.fn = unique_name("web-py")
        cls.crashy = unique_name("web-crash")
        files = web_package("app.py", PY_APP, PY_BOOTSTRAP)
        create_web_function(c, cls.fn, files, timeout=3, memory=256, wait=False)
        create_web_function(c, cls.crashy, files, wait=False)
        for name in (cls.fn, cls.crashy):
            wait_active(c, name)
            create_apigw_trigger(c, name, "root", "/")

    def test_function_type(self):
        self.assertEqual(self.client.get_function(self.fn).get("Type"), "HTTP")

    def test_request_reaches_app(self):
        doc, headers = self.check_forwarded_request(self.fn, 256, 3)
        self.assertEqual(headers.get("x-app"), "python")
        self.assertEqual(headers.get_all("set-cookie"), ["a=1", "b=2"])
        # Other methods and the base path itself.
        for method in ("GET", "POST", "DELETE", "PATCH"):
            with self.subTest(method=method):
                got, _ = self.app(self.fn, "/m?x=" + method, method,
                                  body=None if method == "GET" else "b")
                self.assertEqual((got["method"], got["path"]), (method, "/m?x=" + method))
        got, _ = self.app(self.fn, "/")
        self.assertEqual(got["path"], "/")

    def test_request_id_in_logs(self):
        doc, headers = self.app(self.fn, "/logged")
        rid = self.assertRequestIds(headers)
        deadline = time.time() + 10
        while True:
            data = self.client.ok("GetFunctionLogs", {"FunctionName": self.fn,
                                                      "FunctionRequestId": rid})["Data"]
            if data or time.time() > deadline:
                break
            time.sleep(0.3)
        self.assertTrue(data, "no log record for web request %s" % rid)
        self.assertEqual(data[0]["RequestId"], rid)

    def test_big_body_both_ways(self):
        self.check_big_body(self.fn)

    def test_an_instance_serves_one_request_at_a_time(self):
        # Four at once: each instance serves one request at a time (MaxConcurrency 1).
        # An instance given back may serve a request that waited for one still
        # starting (docs/architecture.md, pool hand-over), but never two at once.
        results = run_concurrently([lambda: self.request(self.fn, "/sleep?s=1")
                                    for _ in range(4)], timeout=90)
        docs = []
        for r in results:
            self.assertNotIsInstance(r, BaseException, results)
            status, _, body = r
            self.assertEqual(status, 200, body[:500])
            docs.append(json.loads(body))
        by_instance = {}
        for d in docs:
            by_instance.setdefault(d["token"], []).append((d["started"], d["ended"]))
        for token, spans in by_instance.items():
            spans.sort()
            for (_, end), (start, _) in zip(spans, spans[1:]):
                self.assertLessEqual(end, start, "instance %s served two requests at once: %r" % (token, spans))
        self.assertGreaterEqual(len(by_instance), 2, "4 concurrent requests ran one after another")

    def test_request_over_timeout(self):
        self.assertScfError(self.request(self.fn, "/sleep?s=6"), 433)
        doc, _ = self.app(self.fn, "/after-timeout")
        self.assertEqual(doc["path"], "/after-timeout")

    def test_crash_mid_request(self):
        before, _ = self.app(self.crashy, "/before")
        self.assertScfError(self.request(self.crashy, "/crash"), 439)
        after, _ = self.app(self.crashy, "/after")
        self.assertEqual(after["path"], "/after")
        self.assertNotEqual(after["token"], before["token"], "the crashed instance served again")

    def test_client_disconnect_leaves_instance_serving(self):
        port = self.server.gateway_port
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 200000\r\n\r\n"
                      % gateway_path(self.fn, "/big")).encode() + b"x" * 5000)
        sock.close()
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                      % gateway_path(self.fn, "/sleep?s=1")).encode())
        time.sleep(0.3)
        sock.close()
        doc, _ = self.app(self.fn, "/still-there")
        self.assertEqual(doc["path"], "/still-there")

    def test_instance_concurrency_shares_one_instance(self):
        c = self.client
        name = unique_name("web-multi")
        # The Node.js app serves overlapping requests (the Python one is single-threaded).
        create_web_function(c, name, web_package("app.js", NODE_APP, NODE_BOOTSTRAP),
                            runtime=NODE_RUNTIME, timeout=10, extra_config={"InstanceConcurrencyConfig": {
                                "DynamicEnabled": "FALSE", "MaxConcurrency": 4}})
        got = c.get_function(name)["InstanceConcurrencyConfig"]
        self.assertEqual(got["MaxConcurrency"], 4, got)
        create_apigw_trigger(c, name, "root", "/")
        warm, _ = self.app(name, "/warm")
        results = run_concurrently([lambda: self.request(name, "/sleep?s=1")
                                    for _ in range(4)], timeout=90)
        tokens = set()
        for r in results:
            self.assertNotIsInstance(r, BaseException, results)
            status, _, body = r
            self.assertEqual(status, 200, body[:500])
            self.assertIn(b"token", body, body[:500])
            tokens.add(json.loads(body)["token"])
        self.assertEqual(tokens, {warm["token"]},
                         "4 requests within MaxConcurrency 4 should share the warm instance")
        # A fifth concurrent request beyond the limit needs a second instance.
        results = run_concurrently([lambda: self.request(name, "/sleep?s=1")
                                    for _ in range(5)], timeout=90)
        tokens = {json.loads(r[2])["token"] for r in results if not isinstance(r, BaseException)}
        self.assertEqual(len(tokens), 2, results)

    def test_instance_concurrency_validation(self):
        c = self.client
        for bad in (0, 101, "4"):
            err = c.error("UpdateFunctionConfiguration", {
                "FunctionName": self.fn,
                "InstanceConcurrencyConfig": {"DynamicEnabled": "FALSE", "MaxConcurrency": bad}})
            self.assertIn("MaxConcurrency", err["Message"], err)
        err = c.error("UpdateFunctionConfiguration", {
            "FunctionName": self.fn, "InstanceConcurrencyConfig": {"DynamicEnabled": "TRUE"}})
        self.assertIn("DynamicEnabled", err["Message"], err)
        event_fn = unique_name("event")
        create_function(c, event_fn, {"index.py": "def main_handler(e, c):\n    return 1\n"})
        err = c.error("UpdateFunctionConfiguration", {
            "FunctionName": event_fn,
            "InstanceConcurrencyConfig": {"DynamicEnabled": "FALSE", "MaxConcurrency": 2}})
        self.assertIn("InstanceConcurrencyConfig", err["Message"], err)

    def test_invoke_api_refused(self):
        err = self.client.error("Invoke", {"FunctionName": self.fn,
                                           "InvocationType": "RequestResponse",
                                           "ClientContext": "{}"})
        # A call the function's type does not take is InvalidParameterValue.FunctionType in
        # SCF (its InvalidParameterValue.FunctionName means "no such function").
        self.assertErrorCode(err, "InvalidParameterValue.FunctionType", "Type HTTP")
        message = (err.get("Message") or "").lower()
        self.assertTrue("gateway" in message or "apigw" in message, err)
        err = self.client.error("Invoke", {"FunctionName": self.fn, "InvocationType": "Event",
                                           "ClientContext": "{}"})
        self.assertErrorCode(err, "InvalidParameterValue.FunctionType", "Type HTTP")


class NodeWebFunctionTest(WebFunctionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fn = unique_name("web-node")
        bootstrap = NODE_BOOTSTRAP
        if os.environ.get("YUNFN_ITEST_ISOLATION") == "none":
            bootstrap = NODE_BOOTSTRAP_ANY  # no /var/lang without namespace isolation
        create_web_function(cls.client, cls.fn, web_package("app.js", NODE_APP, bootstrap),
                            runtime=NODE_RUNTIME, timeout=5)
        create_apigw_trigger(cls.client, cls.fn, "root", "/")
        create_apigw_trigger(cls.client, cls.fn, "api", "/api", method="POST")

    def test_request_reaches_app(self):
        doc, headers = self.check_forwarded_request(self.fn, 128, 5)
        self.assertEqual(headers.get("x-app"), "node")
        # The app sees the path below the function's base, not below the trigger path.
        doc, _ = self.app(self.fn, "/api/items?id=3", "POST", body="{}")
        self.assertEqual(doc["path"], "/api/items?id=3")

    def test_big_body_both_ways(self):
        self.check_big_body(self.fn)

    def test_crash_mid_request(self):
        self.assertScfError(self.request(self.fn, "/crash"), 439)
        doc, _ = self.app(self.fn, "/after-crash")
        self.assertEqual(doc["path"], "/after-crash")

    def test_idle_instance_serves_after_its_kept_connection_expired(self):
        before, _ = self.app(self.fn, "/first")
        # Idle for 3.5 s: frozen after 1 s, while the app's 1.5 s keep-alive
        # timeout ran out; it closes that connection as it thaws.
        time.sleep(3.5)
        status, _, body = self.request(self.fn, "/after-idle", timeout=4)
        self.assertEqual(status, 200, body[:500])
        after = json.loads(body)
        self.assertEqual(after["path"], "/after-idle")
        self.assertEqual(after["token"], before["token"], "the idle instance was replaced")


class WebFunctionFailureTest(WebFunctionCase):
    """Bootstraps that fail, and what CreateFunction refuses."""

    def make(self, bootstrap, **kw):
        name = unique_name("web-bad")
        create_web_function(self.client, name, {"scf_bootstrap": (bootstrap, 0o755),
                                                "app.py": PY_APP}, **kw)
        create_apigw_trigger(self.client, name, "root", "/")
        return name

    def test_bootstrap_never_listens(self):
        name = self.make("#!/bin/bash\necho not listening\nexec sleep 60\n", init_timeout=3)
        self.assertScfError(self.request(name, "/"), 446)

    def test_bootstrap_exits_at_once(self):
        name = self.make("#!/bin/bash\necho giving up\nexit 1\n", init_timeout=5)
        self.assertScfError(self.request(name, "/"), 405)

    def test_async_run_refused(self):
        err = self.client.error("CreateFunction", {
            "FunctionName": unique_name("web-async"), "Runtime": PY_RUNTIME, "Type": "HTTP",
            "AsyncRunEnable": "TRUE",
            "Code": {"ZipFile": zip_b64(web_package("app.py", PY_APP, PY_BOOTSTRAP))}})
        self.assertErrorCode(err, "InvalidParameterValue.AsyncRunEnable", "AsyncRunEnable")

    def test_missing_or_not_executable_bootstrap_is_refused(self):
        packages = {"missing": {"app.py": PY_APP},
                    "not executable": {"app.py": PY_APP, "scf_bootstrap": (PY_BOOTSTRAP, 0o644)}}
        for what, files in packages.items():
            with self.subTest(what):
                name = unique_name("web-noboot")
                err = self.client.error("CreateFunction", {
                    "FunctionName": name, "Runtime": PY_RUNTIME, "Type": "HTTP",
                    "Code": {"ZipFile": zip_b64(files)}})
                self.assertEqual(err["Code"], "InvalidParameterValue.Code", err)
                self.assertIn("scf_bootstrap", err["Message"], err)
                # Nothing half-created.
                self.assertEqual(self.client.error("GetFunction", {"FunctionName": name})["Code"],
                                 "ResourceNotFound.Function")


class WebFunctionSharedPortTest(WebFunctionCase):
    """Under isolation `none` web functions share the host's port 9000: while one
    instance runs, another web function's instance fails with 446 and says why."""

    @classmethod
    def setUpClass(cls):
        forced = os.environ.get("YUNFN_ITEST_ISOLATION")
        if forced and forced != "none":
            raise unittest.SkipTest("isolation forced to %s" % forced)
        cls.server_kwargs = {"extra_args": [] if forced else ["--isolation", "none"]}
        super().setUpClass()

    def test_second_web_function_fails_with_446(self):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("0.0.0.0", 9000))
            except OSError:
                self.skipTest("port 9000 is in use on this machine")
        first, second = unique_name("web-shared-a"), unique_name("web-shared-b")
        files = web_package("app.py", PY_APP, PY_BOOTSTRAP_ANY)
        for name in (first, second):
            create_web_function(self.client, name, files, init_timeout=5)
            create_apigw_trigger(self.client, name, "root", "/")
        doc, _ = self.app(first, "/first")
        self.assertEqual(doc["path"], "/first")
        failed = self.assertScfError(self.request(second, "/second"), 446)
        message = failed["errorMessage"].lower()
        self.assertTrue("9000" in message or "isolation" in message, failed)
        # The first function's instance is unaffected.
        again, _ = self.app(first, "/again")
        self.assertEqual(again["token"], doc["token"])


if __name__ == "__main__":
    unittest.main()
