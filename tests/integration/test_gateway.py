"""The HTTP gateway with event functions (docs/gateway.md): apigw triggers, the event a
function receives, integration and passthrough responses, base64 bodies, CORS, routing
(prefix/exact, most specific trigger, qualifiers), request ids and logs, the trigger API
and its errors, the gateway's error answers (404/405/413/400/502/504 and the SCF error
bodies), malformed and abandoned requests, async-execution functions and restarts."""

import base64
import hashlib
import http.client
import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid

from yunfnlib import (ServerOutputOnFailure, BIN, NODE_RUNTIME, GatewayAssertions, Server, ServerTestCase, apigw_trigger_desc,
                      create_apigw_trigger, create_function, gateway_path, gateway_request,
                      publish_version, server_env, unique_name, wait_active, zip_b64)

# Dispatches on the query parameter `op`; the default echoes the event back.
PY_GW = r'''
import base64
import hashlib
import json
import os
import time


def raw_body(event):
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8")


def main_handler(event, context):
    qs = event.get("queryStringParameters") or {}
    op = qs.get("op", "echo")
    if op == "ret":
        return json.loads(raw_body(event).decode("utf-8"))
    if op == "raise":
        raise ValueError("gateway failure " + qs.get("marker", ""))
    if op == "sleep":
        print("sleeping " + qs.get("marker", ""))
        time.sleep(float(qs.get("s", "1")))
        return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "slept"}
    if op == "reflect":
        value = event["headers"].get("x-evil", qs.get("v", ""))
        return {"statusCode": 200, "headers": {"X-Reflect": value}, "body": "reflected"}
    if op == "print":
        print("gateway log " + qs.get("marker", ""))
    data = raw_body(event)
    doc = {"event": event, "request_id": context.get("request_id"), "pid": os.getpid(),
           "body_sha256": hashlib.sha256(data).hexdigest(), "body_len": len(data)}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(doc), "isBase64Encoded": False}
'''

# Takes 2 s to initialise, then prints the request's marker.
SLOW_INIT_PY = r'''
import time

time.sleep(2)


def main_handler(event, context):
    print("ran " + (event.get("queryStringParameters") or {}).get("marker", ""))
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "ok"}
'''

NODE_GW = r'''
const crypto = require('crypto');

function rawBody(event) {
  const b = event.body || '';
  return event.isBase64Encoded ? Buffer.from(b, 'base64') : Buffer.from(b, 'utf8');
}

exports.main_handler = async (event, context) => {
  const qs = event.queryStringParameters || {};
  const op = qs.op || 'echo';
  if (op === 'ret') return JSON.parse(rawBody(event).toString('utf8'));
  if (op === 'raise') throw new Error('node gateway failure ' + (qs.marker || ''));
  const data = rawBody(event);
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ event, request_id: context.request_id, pid: process.pid,
                           body_sha256: crypto.createHash('sha256').update(data).digest('hex'),
                           body_len: data.length }),
    isBase64Encoded: false,
  };
};
'''

# Answers with the version tag baked into its code.
VERSION_CODE = r'''
def main_handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"},
            "body": "%s " + context.get("function_version", "")}
'''

# An async-execution function: logs the path it was called for.
ASYNC_CODE = r'''
import time

def main_handler(event, context):
    print("async gateway run " + event.get("path", ""))
    time.sleep(2)
    return "done"
'''

INVALID_FORMAT = {"errno": 403,
                  "error": "Invalid scf response format. please check your scf response format."}
BINARY = bytes(range(256)) * 3 + b"\xff\xfe\x80\x00 not utf-8 \xc3\x28"


def truthy(value):
    """A TriggerDesc boolean ("TRUE"/"FALSE" or a JSON boolean) as a bool."""
    if isinstance(value, bool):
        return value
    return str(value).upper() == "TRUE"


def raw_exchange(port, data, timeout=30):
    """Sends raw bytes to the gateway and returns everything it answers until it closes
    the connection (or `timeout` passes)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    chunks = []
    try:
        sock.sendall(data)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        sock.close()
    return b"".join(chunks)


def parse_raw_responses(data):
    """Splits a byte stream into HTTP responses: [(status, [(name, value)], body)]."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError("incomplete response head: %r" % data[:500])
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
        length = next((int(v) for k, v in headers if k == "content-length"), None)
        if length is None:
            if any(k == "transfer-encoding" for k, _ in headers):
                body, rest = _dechunk(rest)
            else:
                body, rest = rest, b""
        else:
            body, rest = rest[:length], rest[length:]
        out.append((status, headers, body))
        data = rest
    return out


def _dechunk(data):
    body = b""
    while True:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            _, _, data = data.partition(b"\r\n")
            return body, data
        body += data[:size]
        data = data[size + 2:]


class GatewayCase(ServerTestCase, GatewayAssertions):
    """Assertions shared by the gateway tests."""

    def get(self, function, path, method="GET", **kw):
        return gateway_request(self.server, method, gateway_path(function, path), **kw)

    def echo(self, function, path, method="GET", **kw):
        """A request answered by the echo op; returns (echo document, headers)."""
        status, headers, body = self.get(function, path, method, **kw)
        self.assertEqual(status, 200, body[:2000])
        return json.loads(body), headers

    def function_logs(self, function, request_id, timeout=15, want=None):
        """GetFunctionLogs records of one request; waits until one exists (and, if
        `want` is given, until want(record) holds)."""
        deadline = time.time() + timeout
        while True:
            data = self.client.ok("GetFunctionLogs", {"FunctionName": function,
                                                      "FunctionRequestId": request_id})["Data"]
            if data and (want is None or any(want(r) for r in data)):
                return data
            if time.time() > deadline:
                return data
            time.sleep(0.3)


class PythonEventGatewayTest(GatewayCase):
    """One Python event function with one trigger per feature, plus a routing function
    and a function with a 1 s timeout."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        cls.fn = unique_name("gw-py")
        cls.router = unique_name("gw-route")
        cls.slow = unique_name("gw-timeout")
        create_function(c, cls.fn, {"index.py": PY_GW}, timeout=10, wait=False)
        create_function(c, cls.router, {"index.py": PY_GW}, wait=False)
        create_function(c, cls.slow, {"index.py": PY_GW}, timeout=1, wait=False)
        for name in (cls.fn, cls.router, cls.slow):
            wait_active(c, name)
        create_apigw_trigger(c, cls.fn, "echo", "/echo")
        create_apigw_trigger(c, cls.fn, "params", "/items/{id}/sub/{name}", method="GET")
        create_apigw_trigger(c, cls.fn, "raw", "/raw", isIntegratedResponse="FALSE")
        create_apigw_trigger(c, cls.fn, "b64", "/b64", IsBase64Encoded="TRUE")
        create_apigw_trigger(c, cls.fn, "rule", "/rule", IsBase64Trigger="TRUE",
                             Base64EncodedTriggerRules=[
                                 {"name": "Content-Type", "value": ["image/png", "audio/*"]},
                                 {"name": "Accept", "value": ["image/png"]}])
        create_apigw_trigger(c, cls.fn, "cors", "/cors", enableCORS="TRUE")
        create_apigw_trigger(c, cls.fn, "postonly", "/postonly", method="POST")
        create_apigw_trigger(c, cls.fn, "short", "/short", serviceTimeout=1)
        # Routing: which trigger served shows in requestContext.path; the exact "=/x"
        # trigger base64-encodes every body, which tells it apart from the "/x" one.
        create_apigw_trigger(c, cls.router, "root", "/")
        create_apigw_trigger(c, cls.router, "a", "/a")
        create_apigw_trigger(c, cls.router, "ab", "/a/b")
        create_apigw_trigger(c, cls.router, "aparam", "/a/{x}")
        create_apigw_trigger(c, cls.router, "xexact", "=/x", IsBase64Encoded="TRUE")
        create_apigw_trigger(c, cls.router, "xprefix", "/x")
        create_apigw_trigger(c, cls.router, "only", "=/only")
        create_apigw_trigger(c, cls.slow, "all", "/")

    # -- the event ----------------------------------------------------------------------

    def test_event_fields(self):
        query = "a=1&a=2&flag&b=x%26y&c=%E2%9C%93%20ok%3D"
        doc, headers = self.echo(self.fn, "/echo/sub/x?" + query, headers=[
            ("X-Custom-Header", "Mixed Case"), ("X-Rep", "one"), ("X-Rep", "two"),
            ("User-Agent", "yunfn-itest")])
        event = doc["event"]
        rid = self.assertRequestIds(headers)
        ctx = event["requestContext"]
        self.assertEqual(ctx["path"], "/echo", ctx)
        self.assertEqual(ctx["httpMethod"], "GET", ctx)
        self.assertEqual(ctx["requestId"], rid, ctx)
        self.assertEqual(doc["request_id"], rid, "context.request_id differs from the header")
        self.assertEqual(ctx["sourceIp"], "127.0.0.1", ctx)
        self.assertEqual(ctx["stage"], "release", ctx)
        self.assertRegex(ctx["serviceId"], r"^service-\S+$", ctx)
        self.assertEqual(ctx.get("identity"), {}, ctx)
        hdrs = event["headers"]
        for name in hdrs:
            self.assertEqual(name, name.lower(), "header name not lower-cased: %r" % hdrs)
        self.assertEqual(hdrs.get("x-custom-header"), "Mixed Case", hdrs)
        self.assertEqual(hdrs.get("user-agent"), "yunfn-itest", hdrs)
        self.assertEqual(hdrs.get("host"), "127.0.0.1:%d" % self.server.gateway_port, hdrs)
        self.assertEqual([v.strip() for v in hdrs.get("x-rep", "").split(",")], ["one", "two"],
                         hdrs)
        self.assertEqual(event["path"], "/echo/sub/x")
        self.assertEqual(event["httpMethod"], "GET")
        self.assertEqual(event["body"], "")
        self.assertIs(event["isBase64Encoded"], False)
        self.assertEqual(event["pathParameters"], {})
        self.assertEqual(event["headerParameters"], {})
        self.assertEqual(event["stageVariables"], {"stage": "release"})
        self.assertEqual(event["queryString"],
                         {"a": ["1", "2"], "flag": True, "b": "x&y", "c": "\u2713 ok="})
        qsp = event["queryStringParameters"]
        self.assertEqual(qsp.get("a"), "2", qsp)
        self.assertEqual(qsp.get("b"), "x&y", qsp)
        self.assertEqual(qsp.get("c"), "\u2713 ok=", qsp)
        self.assertTrue(all(isinstance(v, str) for v in qsp.values()), qsp)
        self.assertLessEqual(set(qsp), {"a", "b", "c", "flag"}, qsp)

    def test_body_and_methods(self):
        text = "h\u00e9llo w\u00f6rld \u2713\n{\"json\": true}"
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            with self.subTest(method=method):
                doc, _ = self.echo(self.fn, "/echo", method, body=text,
                                   headers={"Content-Type": "text/plain; charset=utf-8"})
                event = doc["event"]
                self.assertEqual(event["httpMethod"], method)
                self.assertEqual(event["requestContext"]["httpMethod"], method)
                self.assertEqual(event["body"], text)
                self.assertIs(event["isBase64Encoded"], False)
                self.assertEqual(event["headers"].get("content-type"),
                                 "text/plain; charset=utf-8")
        # The base path itself with the trigger path: "/echo" exactly.
        doc, _ = self.echo(self.fn, "/echo")
        self.assertEqual(doc["event"]["path"], "/echo")

    def test_path_parameters(self):
        doc, _ = self.echo(self.fn, "/items/42/sub/abc-def.x_y~z")
        event = doc["event"]
        self.assertEqual(event["pathParameters"], {"id": "42", "name": "abc-def.x_y~z"})
        self.assertEqual(event["requestContext"]["path"], "/items/{id}/sub/{name}")
        self.assertEqual(event["path"], "/items/42/sub/abc-def.x_y~z")
        # The trigger allows GET only and no other trigger matches: 405.
        self.assertGatewayError(self.get(self.fn, "/items/42/sub/abc", "POST", body="x"), 405)
        # "/items/42" has too few segments for the template.
        self.assertGatewayError(self.get(self.fn, "/items/42"), 404)

    # -- responses ----------------------------------------------------------------------

    def test_integration_response(self):
        ret = {"statusCode": 201,
               "headers": {"Content-Type": "text/plain; charset=utf-8", "X-One": "1",
                           "Set-Cookie": ["a=1; Path=/", "b=2; Path=/"]},
               "body": "cr\u00e9\u00e9",
               "isBase64Encoded": False}
        status, headers, body = self.get(self.fn, "/echo?op=ret", "POST", body=json.dumps(ret))
        self.assertEqual(status, 201, body)
        self.assertEqual(body, "cr\u00e9\u00e9".encode("utf-8"))
        self.assertEqual(headers.get("content-type"), "text/plain; charset=utf-8")
        self.assertEqual(headers.get("x-one"), "1")
        self.assertEqual(headers.get_all("set-cookie"), ["a=1; Path=/", "b=2; Path=/"],
                         "a list header value must give one header line per value")
        self.assertRequestIds(headers)

    def test_integration_response_binary_body(self):
        ret = {"statusCode": 200, "headers": {"Content-Type": "application/octet-stream"},
               "body": base64.b64encode(BINARY).decode(), "isBase64Encoded": True}
        status, headers, body = self.get(self.fn, "/echo?op=ret", "POST", body=json.dumps(ret))
        self.assertEqual(status, 200, body[:500])
        self.assertEqual(body, BINARY)
        self.assertEqual(headers.get("content-type"), "application/octet-stream")
        # Other status codes pass through as well, empty body included.
        status, _, body = self.get(self.fn, "/echo?op=ret", "POST",
                                   body=json.dumps({"statusCode": 404, "body": ""}))
        self.assertEqual((status, body), (404, b""))

    def test_invalid_integration_responses(self):
        cases = {
            "a string": "just a string",
            "a list": [1, 2],
            "no statusCode": {"headers": {}, "body": "x"},
            "statusCode not an integer": {"statusCode": {"code": 200}, "body": "x"},
            "header value with CRLF": {"statusCode": 200, "body": "x",
                                       "headers": {"X-Bad": "a\r\nSet-Cookie: injected=1"}},
            "header value an object": {"statusCode": 200, "body": "x",
                                       "headers": {"X-Obj": {"a": 1}}},
        }
        for why, ret in cases.items():
            with self.subTest(why):
                status, headers, body = self.get(self.fn, "/echo?op=ret", "POST",
                                                 body=json.dumps(ret))
                self.assertEqual(status, 502, body[:500])
                self.assertEqual(json.loads(body), INVALID_FORMAT)
                self.assertEqual(headers.get_all("set-cookie"), [])
                self.assertRequestIds(headers)

    def test_passthrough_response(self):
        for ret in ({"statusCode": 201, "body": "x", "headers": {"X-Not": "applied"}},
                    "hello", [1, {"k": None}], 42):
            with self.subTest(ret=ret):
                status, headers, body = self.get(self.fn, "/raw?op=ret", "POST",
                                                 body=json.dumps(ret))
                self.assertEqual(status, 200, body[:500])
                self.assertEqual(json.loads(body), ret)
                self.assertNotIn("x-not", headers)
                self.assertRequestIds(headers)

    # -- base64 -------------------------------------------------------------------------

    def test_base64_every_body(self):
        doc, _ = self.echo(self.fn, "/b64", "POST", body=BINARY,
                           headers={"Content-Type": "application/octet-stream"})
        self.assertIs(doc["event"]["isBase64Encoded"], True)
        self.assertEqual(base64.b64decode(doc["event"]["body"]), BINARY)
        self.assertEqual(doc["body_sha256"], hashlib.sha256(BINARY).hexdigest())
        self.assertEqual(doc["body_len"], len(BINARY))
        # Even a text body is encoded on this trigger.
        doc, _ = self.echo(self.fn, "/b64", "POST", body="plain text",
                           headers={"Content-Type": "text/plain"})
        self.assertIs(doc["event"]["isBase64Encoded"], True)
        self.assertEqual(base64.b64decode(doc["event"]["body"]), b"plain text")

    def test_base64_by_rule(self):
        png = b"\x89PNG\r\n\x1a\n" + BINARY
        cases = [({"Content-Type": "image/png"}, png, True),
                 ({"Content-Type": "audio/mpeg"}, BINARY, True),
                 ({"Content-Type": "text/plain", "Accept": "image/png"}, b"accept me", True),
                 ({"Content-Type": "text/plain"}, b"just text", False),
                 ({"Content-Type": "application/json"}, b'{"a": 1}', False)]
        for headers, data, encoded in cases:
            with self.subTest(headers=headers):
                doc, _ = self.echo(self.fn, "/rule", "POST", body=data, headers=headers)
                event = doc["event"]
                self.assertIs(event["isBase64Encoded"], encoded, event)
                got = base64.b64decode(event["body"]) if encoded else event["body"].encode()
                self.assertEqual(got, data)
                self.assertEqual(doc["body_sha256"], hashlib.sha256(data).hexdigest())

    # -- CORS ---------------------------------------------------------------------------

    def test_cors(self):
        origin = "http://example.test"
        status, headers, body = self.get(self.fn, "/cors/res", "OPTIONS", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        self.assertEqual(status, 204, body)
        self.assertIn(headers.get("access-control-allow-origin"), ("*", origin), headers)
        self.assertEqual(body, b"")
        doc, headers = self.echo(self.fn, "/cors/res", headers={"Origin": origin})
        self.assertEqual(doc["event"]["httpMethod"], "GET")
        self.assertIn(headers.get("access-control-allow-origin"), ("*", origin), headers)
        # Without enableCORS, OPTIONS reaches the function and nothing is added.
        doc, headers = self.echo(self.fn, "/echo", "OPTIONS", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST"})
        self.assertEqual(doc["event"]["httpMethod"], "OPTIONS")
        self.assertNotIn("access-control-allow-origin", headers)

    # -- routing ------------------------------------------------------------------------

    def test_method_not_allowed(self):
        self.assertGatewayError(self.get(self.fn, "/postonly"), 405)
        self.assertGatewayError(self.get(self.fn, "/postonly/sub", "PUT", body="x"), 405)
        doc, _ = self.echo(self.fn, "/postonly", "POST", body="ok")
        self.assertEqual(doc["event"]["requestContext"]["path"], "/postonly")

    def test_unknown_paths_404(self):
        fn = self.fn
        paths = [gateway_path(fn, "/nothing"), gateway_path(fn, "/echoes"),
                 gateway_path(fn, ""), gateway_path(fn, "/"),
                 gateway_path("no-such-function", "/echo"),
                 gateway_path(fn, "/echo", namespace="no-such-namespace"),
                 "/", "/default"]
        for path in paths:
            with self.subTest(path=path):
                self.assertGatewayError(gateway_request(self.server, "GET", path), 404)

    def test_most_specific_trigger_wins(self):
        cases = [("/a/b/c", "/a/b"), ("/a/b", "/a/b"), ("/a/z", "/a/{x}"),
                 ("/a/z/deeper", "/a/{x}"), ("/a", "/a"), ("/ab", "/"), ("/", "/"),
                 ("/x/y", "/x"), ("/xy", "/"), ("/only/sub", "/"), ("/zzz", "/")]
        for path, trigger in cases:
            with self.subTest(path=path):
                doc, _ = self.echo(self.router, path)
                event = doc["event"]
                self.assertEqual(event["requestContext"]["path"], trigger, event)
                self.assertIs(event["isBase64Encoded"], False, event)
                self.assertEqual(event["path"], path)
        doc, _ = self.echo(self.router, "/a/zz")
        self.assertEqual(doc["event"]["pathParameters"], {"x": "zz"})
        # "=/x" is exact and beats the prefix "/x" (its body is base64-encoded).
        doc, _ = self.echo(self.router, "/x")
        self.assertIs(doc["event"]["isBase64Encoded"], True, doc["event"])
        self.assertIn(doc["event"]["requestContext"]["path"], ("/x", "=/x"))
        doc, _ = self.echo(self.router, "/only")
        self.assertIn(doc["event"]["requestContext"]["path"], ("/only", "=/only"))

    # -- request ids and logs -----------------------------------------------------------

    def test_request_id_headers_and_logs(self):
        marker = uuid.uuid4().hex
        doc, headers = self.echo(self.fn, "/echo?op=print&marker=" + marker)
        rid = self.assertRequestIds(headers)
        self.assertEqual(doc["event"]["requestContext"]["requestId"], rid)
        records = self.function_logs(self.fn, rid)
        self.assertEqual(len(records), 1, records)
        self.assertEqual(records[0]["RequestId"], rid)
        self.assertEqual(records[0]["RetCode"], 0, records[0])
        self.assertIn("gateway log " + marker, records[0]["Log"])
        _, other = self.echo(self.fn, "/echo")
        self.assertNotEqual(self.assertRequestIds(other), rid)

    def test_access_url_and_stored_desc(self):
        triggers = {t["TriggerName"]: t for t in self.client.ok(
            "ListTriggers", {"FunctionName": self.fn, "Limit": 100})["Triggers"]}
        echo = triggers["echo"]
        self.assertEqual(echo["Type"], "apigw")
        url = echo.get("AccessUrl")
        self.assertEqual(url, "http://127.0.0.1:%d/default/%s/echo"
                         % (self.server.gateway_port, self.fn), echo)
        parts = urllib.parse.urlsplit(url)
        status, _, body = gateway_request(parts.port, "GET", parts.path + "/via-url")
        self.assertEqual(status, 200, body[:500])
        self.assertEqual(json.loads(body)["event"]["path"], "/echo/via-url")
        # The stored TriggerDesc is the normalised form with every field filled in.
        api = json.loads(echo["TriggerDesc"])["api"]
        self.assertEqual(api["requestConfig"], {"method": "ANY", "path": "/echo"}, api)
        self.assertTrue(truthy(api["isIntegratedResponse"]), api)
        self.assertFalse(truthy(api["IsBase64Encoded"]), api)
        self.assertFalse(truthy(api["IsBase64Trigger"]), api)
        self.assertFalse(truthy(api["enableCORS"]), api)
        self.assertFalse(truthy(api["authRequired"]), api)
        self.assertEqual(api["serviceTimeout"], 15, api)
        self.assertIn("Base64EncodedTriggerRules", api)
        short = json.loads(triggers["short"]["TriggerDesc"])["api"]
        self.assertEqual(short["serviceTimeout"], 1, short)
        raw = json.loads(triggers["raw"]["TriggerDesc"])["api"]
        self.assertFalse(truthy(raw["isIntegratedResponse"]), raw)

    # -- function failures --------------------------------------------------------------

    def test_function_exception(self):
        marker = uuid.uuid4().hex
        response = self.get(self.fn, "/echo?op=raise&marker=" + marker)
        self.assertScfError(response, 430)
        rid = response[1]["x-scf-reqid"]
        records = self.function_logs(self.fn, rid)
        self.assertTrue(records, "no log record for %s" % rid)
        self.assertIn(marker, records[0]["Log"] + records[0].get("RetMsg", ""))
        # The instance keeps serving.
        self.echo(self.fn, "/echo")

    def test_function_timeout(self):
        self.assertScfError(self.get(self.slow, "/?op=sleep&s=3"), 433)
        doc, _ = self.echo(self.slow, "/after")
        self.assertEqual(doc["event"]["path"], "/after")

    def test_service_timeout(self):
        marker = uuid.uuid4().hex
        response = self.get(self.fn, "/short?op=sleep&s=3&marker=" + marker)
        doc = self.assertGatewayError(response, 504)
        rid = response[1]["x-scf-reqid"]
        self.assertEqual(doc.get("requestId"), rid, doc)
        # The invocation is cancelled: 499 RequestCanceled in its log record.
        records = self.function_logs(
            self.fn, rid, want=lambda r: r.get("RetCode") == 499 or "RequestCanceled" in str(r))
        self.assertTrue(any(r.get("RetCode") == 499 or "RequestCanceled" in str(r)
                            for r in records), records)
        # The function still works afterwards, on that trigger and on others.
        doc, _ = self.echo(self.fn, "/short/again")
        self.assertEqual(doc["event"]["path"], "/short/again")
        self.echo(self.fn, "/echo")

    def test_bodiless_requests_hold_no_body_budget(self):
        # 100 GETs in flight at once (each its own instance) reserve nothing of the
        # gateway's 512 MB budget for request bodies, so none is refused as busy.
        # Their route waits 60 s: a hundred cold starts on a busy machine take a while.
        create_apigw_trigger(self.client, self.fn, "patient", "/patient", serviceTimeout=60)
        self.addCleanup(self.client.call, "DeleteTrigger",
                        {"FunctionName": self.fn, "TriggerName": "patient", "Type": "apigw"})
        statuses = [None] * 100

        def one(i):
            statuses[i] = self.get(self.fn, "/patient?op=sleep&s=2", timeout=90)[0]

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(statuses))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(statuses, [200] * len(statuses))

    def test_client_gone_before_an_instance_is_free_leaves_the_queue(self):
        name = unique_name("gw-slowinit")
        create_function(self.client, name, {"index.py": SLOW_INIT_PY}, timeout=10)
        self.addCleanup(self.client.delete_function, name)
        create_apigw_trigger(self.client, name, "all", "/")
        # This request starts the first instance (2 s of init); its client hangs up
        # while it waits.
        sock = socket.create_connection(("127.0.0.1", self.server.gateway_port), timeout=10)
        sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                      % gateway_path(name, "/?marker=gone")).encode())
        time.sleep(0.5)
        sock.close()
        status, _, body = self.get(name, "/?marker=after", timeout=30)
        self.assertEqual(status, 200, body[:500])
        deadline = time.time() + 15
        while True:
            records = self.client.ok("GetFunctionLogs", {"FunctionName": name})["Data"]
            if len(records) >= 2 or time.time() > deadline:
                break
            time.sleep(0.3)
        self.assertEqual(sorted(r["RetCode"] for r in records), [0, 499], records)
        logs = "\n".join(r["Log"] for r in records)
        self.assertIn("ran after", logs)
        self.assertNotIn("ran gone", logs, "the abandoned request ran")

    # -- bad requests -------------------------------------------------------------------

    def test_body_too_large(self):
        size = 6 * 1024 * 1024 + 1024
        port = self.server.gateway_port
        sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: text/plain\r\n"
                "Content-Length: %d\r\nConnection: close\r\n\r\n"
                % (gateway_path(self.fn, "/echo"), port, size)).encode()

        def send_body():
            # The gateway may answer before reading the whole body; sending then fails.
            try:
                sock.sendall(head)
                chunk = b"a" * 65536
                sent = 0
                while sent < size:
                    sock.sendall(chunk[:size - sent])
                    sent += len(chunk)
            except OSError:
                pass

        sender = threading.Thread(target=send_body, daemon=True)
        sender.start()
        resp = http.client.HTTPResponse(sock)
        try:
            resp.begin()
            body = resp.read()
            response = (resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
        finally:
            sender.join(30)
            sock.close()
        status, headers, body = response
        self.assertEqual(status, 413, body[:500])
        doc = json.loads(body)
        self.assertEqual(doc.get("errno"), 413, doc)
        self.assertTrue(headers.get("x-scf-reqid"), headers)
        # The gateway keeps serving.
        self.echo(self.fn, "/echo")

    def test_bad_paths_400(self):
        for path in ("/echo/../echo", "/echo/./x", "/../default/%s/echo" % self.fn,
                     "/echo/%zz", "/echo/%"):
            full = path if path.startswith("/..") else gateway_path(self.fn, path)
            with self.subTest(path=full):
                self.assertGatewayError(gateway_request(self.server, "GET", full), 400)
        # Encoded dots never reach another path.
        status, _, body = self.get(self.fn, "/echo/%2e%2e/raw")
        self.assertIn(status, (400, 404), body[:500])

    def test_crlf_in_reflected_header(self):
        # A percent-encoded CRLF decodes into the query value; put into a response
        # header by the function, it must be refused (502), not sent.
        status, headers, body = self.get(
            self.fn, "/echo?op=reflect&v=a%0D%0ASet-Cookie:%20injected=1")
        self.assertEqual(status, 502, body[:500])
        self.assertEqual(json.loads(body), INVALID_FORMAT)
        self.assertEqual(headers.get_all("set-cookie"), [])

    def test_raw_header_injection(self):
        port = self.server.gateway_port
        path = gateway_path(self.fn, "/echo?op=reflect").encode()
        variants = {"bare CR": b"X-Evil: a\rSet-Cookie: injected=1\r\n",
                    "bare LF": b"X-Evil: a\nSet-Cookie: injected=1\r\n",
                    "obs-fold": b"X-Evil: a\r\n Set-Cookie: injected=1\r\n",
                    "NUL": b"X-Evil: a\x00Set-Cookie: injected=1\r\n"}
        for why, line in variants.items():
            with self.subTest(why):
                data = raw_exchange(port, b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    + line + b"Connection: close\r\n\r\n", timeout=30)
                self.assertTrue(data, "no answer at all")
                responses = parse_raw_responses(data)
                self.assertEqual(len(responses), 1, "response splitting: %r" % data[:2000])
                status, headers, body = responses[0]
                self.assertIn(status, (200, 400, 502), data[:2000])
                names = [k for k, _ in headers]
                self.assertNotIn("set-cookie", names, data[:2000])
                for k, v in headers:
                    self.assertNotIn("\r", v)
                    self.assertNotIn("\n", v)
                    self.assertNotIn("\x00", v)
        # The gateway keeps serving.
        self.echo(self.fn, "/echo")

    def test_client_disconnects(self):
        port = self.server.gateway_port
        # Headers and part of the body, then gone.
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n"
                      % gateway_path(self.fn, "/echo")).encode() + b"x" * 1000)
        sock.close()
        # A whole request whose function is still running when the client leaves.
        marker = uuid.uuid4().hex
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                      % gateway_path(self.fn, "/echo?op=sleep&s=2&marker=" + marker)).encode())
        time.sleep(0.5)
        sock.close()
        # Only the head of a request.
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET /default/x HTTP/1.1\r\nHost: 12")
        sock.close()
        doc, _ = self.echo(self.fn, "/echo/after")
        self.assertEqual(doc["event"]["path"], "/echo/after")
        res = self.client.invoke(self.fn, {"queryStringParameters": {"op": "echo"}})
        self.assertEqual(res["InvokeResult"], 0, res)
        self.assertTrue(self.server.alive())


class NodeEventGatewayTest(GatewayCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fn = unique_name("gw-node")
        create_function(cls.client, cls.fn, {"index.js": NODE_GW}, runtime=NODE_RUNTIME,
                        timeout=10)
        create_apigw_trigger(cls.client, cls.fn, "echo", "/echo")
        create_apigw_trigger(cls.client, cls.fn, "item", "/item/{id}", method="POST")
        create_apigw_trigger(cls.client, cls.fn, "b64", "/b64", IsBase64Encoded="TRUE")
        create_apigw_trigger(cls.client, cls.fn, "raw", "/raw", isIntegratedResponse="FALSE")

    def test_event_fields(self):
        doc, headers = self.echo(self.fn, "/item/7?k=v&k=w&bare&enc=%C3%A9%2F", "POST",
                                 body="node body \u2713",
                                 headers=[("X-Node-Test", "Yes"), ("Content-Type", "text/plain")])
        event = doc["event"]
        rid = self.assertRequestIds(headers)
        ctx = event["requestContext"]
        self.assertEqual((ctx["path"], ctx["httpMethod"], ctx["requestId"], ctx["sourceIp"],
                          ctx["stage"]), ("/item/{id}", "POST", rid, "127.0.0.1", "release"))
        self.assertRegex(ctx["serviceId"], r"^service-\S+$")
        self.assertEqual(doc["request_id"], rid)
        self.assertEqual(event["path"], "/item/7")
        self.assertEqual(event["httpMethod"], "POST")
        self.assertEqual(event["pathParameters"], {"id": "7"})
        self.assertEqual(event["body"], "node body \u2713")
        self.assertIs(event["isBase64Encoded"], False)
        self.assertEqual(event["headers"].get("x-node-test"), "Yes")
        self.assertTrue(all(k == k.lower() for k in event["headers"]), event["headers"])
        self.assertEqual(event["queryString"], {"k": ["v", "w"], "bare": True, "enc": "\u00e9/"})
        self.assertEqual(event["queryStringParameters"].get("k"), "w")
        self.assertEqual(event["queryStringParameters"].get("enc"), "\u00e9/")
        self.assertEqual(event["headerParameters"], {})
        # GET on the POST-only template: 405.
        self.assertGatewayError(self.get(self.fn, "/item/7"), 405)

    def test_integration_response(self):
        ret = {"statusCode": 202, "headers": {"X-Node": "n", "X-List": ["p", "q"],
                                              "Content-Type": "text/html"},
               "body": "<b>node</b>", "isBase64Encoded": False}
        status, headers, body = self.get(self.fn, "/echo?op=ret", "POST", body=json.dumps(ret))
        self.assertEqual((status, body), (202, b"<b>node</b>"))
        self.assertEqual(headers.get("x-node"), "n")
        self.assertEqual(headers.get("content-type"), "text/html")
        values = [v.strip() for line in headers.get_all("x-list") for v in line.split(",")]
        self.assertEqual(values, ["p", "q"], headers)
        ret = {"statusCode": 200, "headers": {"Content-Type": "image/gif"},
               "body": base64.b64encode(BINARY).decode(), "isBase64Encoded": True}
        status, headers, body = self.get(self.fn, "/echo?op=ret", "POST", body=json.dumps(ret))
        self.assertEqual((status, body), (200, BINARY))
        status, _, body = self.get(self.fn, "/echo?op=ret", "POST", body=json.dumps("str"))
        self.assertEqual(status, 502, body)
        self.assertEqual(json.loads(body), INVALID_FORMAT)

    def test_binary_request_body(self):
        doc, _ = self.echo(self.fn, "/b64", "PUT", body=BINARY,
                           headers={"Content-Type": "application/octet-stream"})
        self.assertIs(doc["event"]["isBase64Encoded"], True)
        self.assertEqual(base64.b64decode(doc["event"]["body"]), BINARY)
        self.assertEqual(doc["body_sha256"], hashlib.sha256(BINARY).hexdigest())
        self.assertEqual(doc["body_len"], len(BINARY))

    def test_passthrough(self):
        status, _, body = self.get(self.fn, "/raw?op=ret", "POST",
                                   body=json.dumps({"statusCode": 500, "n": [1]}))
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), {"statusCode": 500, "n": [1]})

    def test_exception(self):
        marker = uuid.uuid4().hex
        response = self.get(self.fn, "/echo?op=raise&marker=" + marker)
        self.assertScfError(response, 430)
        records = self.function_logs(self.fn, response[1]["x-scf-reqid"])
        self.assertTrue(records)
        self.assertIn(marker, records[0]["Log"] + records[0].get("RetMsg", ""))
        self.echo(self.fn, "/echo")


class TriggerApiTest(GatewayCase):
    """The trigger API for apigw triggers: create/update/enable/delete, bad TriggerDesc,
    qualifiers, async-execution functions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fn = unique_name("gw-api")
        create_function(cls.client, cls.fn, {"index.py": PY_GW}, timeout=5)

    def access_urls(self, function):
        triggers = self.client.ok("ListTriggers", {"FunctionName": function})["Triggers"]
        return {t["TriggerName"]: t.get("AccessUrl") for t in triggers if t["Type"] == "apigw"}

    def test_update_enable_delete(self):
        name = unique_name("gw-crud")
        create_function(self.client, name, {"index.py": PY_GW})
        info = create_apigw_trigger(self.client, name, "t1", "/one")
        self.assertEqual(info["Type"], "apigw")
        self.assertEqual(info["TriggerName"], "t1")
        self.assertEqual(self.echo(name, "/one")[0]["event"]["path"], "/one")
        key = {"FunctionName": name, "TriggerName": "t1", "Type": "apigw"}

        self.client.ok("UpdateTrigger", dict(key, TriggerDesc=apigw_trigger_desc("/two")))
        self.assertGatewayError(self.get(name, "/one"), 404)
        self.assertEqual(self.echo(name, "/two")[0]["event"]["requestContext"]["path"], "/two")
        port = self.server.gateway_port
        self.assertEqual(self.access_urls(name)["t1"],
                         "http://127.0.0.1:%d/default/%s/two" % (port, name))

        self.client.ok("UpdateTriggerStatus", dict(key, Enable="CLOSE"))
        self.assertGatewayError(self.get(name, "/two"), 404)
        self.client.ok("UpdateTriggerStatus", dict(key, Enable="OPEN"))
        self.echo(name, "/two")

        # A trigger created closed serves nothing either.
        create_apigw_trigger(self.client, name, "closed", "/closed", enable="CLOSE")
        self.assertGatewayError(self.get(name, "/closed"), 404)

        self.client.ok("DeleteTrigger", key)
        self.assertGatewayError(self.get(name, "/two"), 404)
        self.assertNotIn("t1", self.access_urls(name))

        # Deleting the function takes its routes away.
        create_apigw_trigger(self.client, name, "t3", "/three")
        self.echo(name, "/three")
        self.client.delete_function(name)
        deadline = time.time() + 10
        while True:
            response = self.get(name, "/three")
            if response[0] == 404 or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertGatewayError(response, 404)

    def test_invalid_trigger_desc(self):
        def params(desc, trigger):
            return {"FunctionName": self.fn, "TriggerName": trigger, "Type": "apigw",
                    "TriggerDesc": desc}

        def api(**fields):
            base = {"authRequired": "FALSE",
                    "requestConfig": {"method": "GET", "path": "/ok"}}
            base.update(fields)
            return json.dumps({"api": base})

        cases = [
            ("bad method", api(requestConfig={"method": "FETCH", "path": "/ok"}), "method"),
            ("relative path", api(requestConfig={"method": "GET", "path": "blog"}), "path"),
            ("bad path segment", api(requestConfig={"method": "GET", "path": "/a b/c"}), "path"),
            ("bad JSON", '{"api": {', "TriggerDesc"),
            ("not an object", '[1, 2]', "TriggerDesc"),
            ("authRequired", api(authRequired="TRUE"), "authRequired"),
            ("serviceTimeout 0", api(serviceTimeout=0), "serviceTimeout"),
            ("serviceTimeout too big", api(serviceTimeout=1801), "serviceTimeout"),
            ("isIntegratedResponse", api(isIntegratedResponse="MAYBE"), "isIntegratedResponse"),
        ]
        for i, (why, desc, field) in enumerate(cases):
            with self.subTest(why):
                err = self.client.error("CreateTrigger", params(desc, "bad%d" % i))
                self.assertErrorCode(err, "InvalidParameterValue.TriggerDesc", field)
        self.assertEqual([t for t in self.access_urls(self.fn) if t.startswith("bad")], [])
        # UpdateTrigger checks the same way and keeps the old description.
        create_apigw_trigger(self.client, self.fn, "good", "/good")
        err = self.client.error("UpdateTrigger", {
            "FunctionName": self.fn, "TriggerName": "good", "Type": "apigw",
            "TriggerDesc": api(requestConfig={"method": "GET", "path": "nope"})})
        self.assertErrorCode(err, "InvalidParameterValue.TriggerDesc", "path")
        self.echo(self.fn, "/good")

    def test_qualifier_routing(self):
        name = unique_name("gw-ver")
        create_function(self.client, name, {"index.py": VERSION_CODE % "code-one"})
        self.assertEqual(publish_version(self.client, name), "1")
        self.client.ok("UpdateFunctionCode", {"FunctionName": name,
                                              "Handler": "index.main_handler",
                                              "ZipFile": zip_b64({"index.py":
                                                                  VERSION_CODE % "code-two"})})
        wait_active(self.client, name)
        self.assertEqual(publish_version(self.client, name), "2")
        self.client.ok("CreateAlias", {"FunctionName": name, "Name": "prod",
                                       "FunctionVersion": "1"})
        create_apigw_trigger(self.client, name, "pinned", "/pinned", qualifier="1")
        create_apigw_trigger(self.client, name, "latest", "/latest")
        create_apigw_trigger(self.client, name, "alias", "/alias", qualifier="prod")
        create_apigw_trigger(self.client, name, "deflt", "/default-traffic",
                             qualifier="$DEFAULT")

        def answer(path):
            status, _, body = self.get(name, path)
            self.assertEqual(status, 200, body[:500])
            return body.decode()

        self.assertEqual(answer("/pinned"), "code-one 1")
        self.assertEqual(answer("/latest"), "code-two $LATEST")
        self.assertEqual(answer("/alias"), "code-one 1")
        self.assertIn(answer("/default-traffic"), ("code-two $LATEST", "code-two 2"))
        # The alias is followed at request time.
        self.client.ok("UpdateAlias", {"FunctionName": name, "Name": "prod",
                                       "FunctionVersion": "2"})
        self.assertEqual(answer("/alias"), "code-two 2")
        self.assertEqual(answer("/pinned"), "code-one 1")
        err = self.client.error("CreateTrigger", {
            "FunctionName": name, "TriggerName": "ghost", "Type": "apigw",
            "Qualifier": "9", "TriggerDesc": json.dumps({"api": {}})})
        self.assertErrorCode(err, "ResourceNotFound.Qualifier")

    def test_async_run_function(self):
        name = unique_name("gw-async")
        create_function(self.client, name, {"index.py": ASYNC_CODE}, timeout=60,
                        extra={"AsyncRunEnable": "TRUE"})
        create_apigw_trigger(self.client, name, "all", "/")
        marker = uuid.uuid4().hex
        status, headers, body = self.get(name, "/job/" + marker, "POST", body="payload")
        self.assertEqual(status, 200, body)
        doc = json.loads(body)
        rid = self.assertRequestIds(headers)
        self.assertEqual(doc.get("message"), "Async run task submitted", doc)
        self.assertEqual(doc.get("requestId"), rid, doc)
        records = self.function_logs(name, rid, timeout=30,
                                     want=lambda r: "async gateway run" in (r.get("Log") or ""))
        self.assertTrue(records, "the async run %s never showed up in the logs" % rid)
        self.assertTrue(any("async gateway run /job/" + marker in (r.get("Log") or "")
                            for r in records), records)


class GatewayListenTest(unittest.TestCase):
    def test_taken_gateway_address_is_named(self):
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        data_dir = tempfile.mkdtemp(prefix="yunfn-gwport-")
        try:
            proc = subprocess.run(
                [BIN, "server", "--listen", "127.0.0.1:0", "--gateway-listen",
                 "127.0.0.1:%d" % port, "--cos-listen", "127.0.0.1:0", "--data-dir", data_dir],
                capture_output=True, text=True, timeout=60, env=server_env())
        finally:
            taken.close()
            shutil.rmtree(data_dir, ignore_errors=True)
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("--gateway-listen", proc.stderr)
        self.assertIn("127.0.0.1:%d" % port, proc.stderr)


class GatewayRestartTest(ServerOutputOnFailure, unittest.TestCase):
    """Triggers are kept in the store and served again after a restart."""

    def test_triggers_survive_restart(self):
        self.server = server = Server()
        self.addCleanup(server.cleanup)
        server.start()
        client = server.client()
        name = unique_name("gw-keep")
        create_function(client, name, {"index.py": PY_GW})
        create_apigw_trigger(client, name, "kept", "/kept/{id}", method="POST",
                             isIntegratedResponse="FALSE")
        create_apigw_trigger(client, name, "closed", "/closed", enable="CLOSE")

        def check():
            status, _, body = gateway_request(server, "POST", gateway_path(name, "/kept/9?op=ret"),
                                              body=json.dumps({"v": 1}))
            self.assertEqual((status, json.loads(body)), (200, {"v": 1}), body)
            status, _, body = gateway_request(server, "GET", gateway_path(name, "/kept/9"))
            self.assertEqual(status, 405, body)
            status, _, body = gateway_request(server, "GET", gateway_path(name, "/closed"))
            self.assertEqual(status, 404, body)

        check()
        server.stop()
        server.start()
        check()
        urls = {t["TriggerName"]: t.get("AccessUrl") for t in server.client().ok(
            "ListTriggers", {"FunctionName": name})["Triggers"]}
        self.assertEqual(urls["kept"], "http://127.0.0.1:%d/default/%s/kept/{id}"
                         % (server.gateway_port, name))


if __name__ == "__main__":
    unittest.main()
