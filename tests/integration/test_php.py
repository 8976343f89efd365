"""Invocations of real PHP event functions (runtimes/php/bootstrap.php run by the installed
php): results, event and context objects, logs, exceptions, fatal errors, init failures,
timeouts and an API gateway trigger."""

import json
import os
import shutil
import time
import unittest
import uuid

from yunfnlib import (CUSTOM_RUNTIME, REPO, GatewayAssertions, ServerTestCase,
                      create_apigw_trigger, create_function, gateway_path, gateway_request,
                      unique_name)

PHP_RUNTIME = "Php8.0"

PHP_PROBE = r'''<?php
$token = bin2hex(random_bytes(8));
$count = 0;
echo "php probe init output\n";

function main_handler($event, $context) {
    global $token, $count;
    $op = is_object($event) ? ($event->op ?? null) : null;
    switch ($op) {
        case 'return':
            return $event->value;
        case 'echo':
            return ['event' => $event];
        case 'php_values':
            return ['list' => [1, 2], 'map' => ['k' => 'v'], 'object' => new stdClass(),
                    'null' => null, 'float' => 2.0, 'text' => "a/b \u{2713}"];
        case 'types':
            return ['event' => gettype($event), 'nested' => get_class($event->nested),
                    'list' => gettype($event->list), 'context' => get_class($context)];
        case 'context':
            return $context;
        case 'count':
            $count++;
            return ['count' => $count, 'token' => $token];
        case 'raise':
            throw new RuntimeException('php failure ' . $event->marker);
        case 'undefined':
            return yunfn_no_such_function($event->marker);
        case 'fatal':
            echo "before the fatal error\n";
            trigger_error('php fatal ' . $event->marker, E_USER_ERROR);
            return 'not reached';
        case 'print':
            echo 'echo ' . $event->marker . "\n";
            print('print ' . $event->marker . "\n");
            error_log('error_log ' . $event->marker);
            fwrite(STDERR, 'stderr ' . $event->marker . "\n");
            return 'printed';
        case 'sleep':
            echo "about to sleep\n";
            sleep($event->seconds);
            return 'slept';
    }
    return ['ok' => true];
}
'''

PHP_GATEWAY = r'''<?php
function main_handler($event, $context) {
    return [
        'isBase64Encoded' => false,
        'statusCode' => 201,
        'headers' => ['Content-Type' => 'application/json', 'X-Php' => 'php-' . PHP_MAJOR_VERSION],
        'body' => json_encode(['method' => $event->httpMethod, 'path' => $event->path,
                               'name' => $event->queryString->name,
                               'body' => $event->body]),
    ];
}
'''

EVENT = {"op": "echo", "text": "héllo wörld ✓", "nested": {"list": [1, 2.5, None, True],
                                                            "empty": {}},
         "number": 12345678901, "empty_list": []}

CONTEXT_FIELDS = ["memory_limit_in_mb", "time_limit_in_ms", "request_id", "environment",
                  "environ", "function_version", "function_name", "namespace",
                  "tencentcloud_region", "tencentcloud_appid", "tencentcloud_uin"]


def setUpModule():
    if shutil.which("php") is None:
        raise unittest.SkipTest("php is not installed (scripts/install-deps.sh installs php-cli)")


class PhpInvokeTest(ServerTestCase):
    """One warm PHP function serving most probes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.name = unique_name("php-probe")
        create_function(cls.client, cls.name, {"index.php": PHP_PROBE}, runtime=PHP_RUNTIME,
                        timeout=5, env={"USER_VAR": "user value"})

    def invoke(self, event, **kw):
        return self.client.invoke(self.name, event, **kw)

    def test_hello_world(self):
        name = unique_name("php-hello")
        create_function(self.client, name, {"index.php": (
            "<?php\nfunction main_handler($event, $context) {\n"
            "    return 'hello world';\n}\n")}, runtime="Php7.2")
        res = self.client.invoke(name, {})
        self.assertEqual(res["InvokeResult"], 0, res)
        self.assertEqual(res["RetMsg"], '"hello world"')
        self.assertEqual(res["ErrMsg"], "")

    def test_return_values(self):
        cases = [({"a": 1, "b": [1, 2]}, '{"a":1,"b":[1,2]}'), ("hello", '"hello"'),
                 (None, "null"), ([1, "x"], '[1,"x"]'), (42, "42"), (3.5, "3.5"),
                 (True, "true"), ({}, "{}"), ([], "[]"),
                 ("ünïcode ✓ a/b", '"ünïcode ✓ a/b"')]
        for value, text in cases:
            with self.subTest(value=value):
                res = self.invoke({"op": "return", "value": value})
                self.assertEqual(res["InvokeResult"], 0, res)
                self.assertEqual(res["RetMsg"], text)

    def test_php_arrays_and_objects(self):
        res = self.invoke({"op": "php_values"})
        self.assertEqual(res["RetMsg"], '{"list":[1,2],"map":{"k":"v"},"object":{},'
                                        '"null":null,"float":2.0,"text":"a/b ✓"}')

    def test_event_and_context_are_objects(self):
        res = self.invoke({"op": "types", "nested": {"a": 1}, "list": [1]})
        self.assertEqual(json.loads(res["RetMsg"]), {
            "event": "object", "nested": "stdClass", "list": "array", "context": "stdClass"})

    def test_event_passed_through(self):
        res = self.invoke(EVENT)
        self.assertEqual(json.loads(res["RetMsg"]), {"event": EVENT})

    def test_context_fields(self):
        res = self.invoke({"op": "context"})
        ctx = json.loads(res["RetMsg"])
        self.assertEqual(list(ctx), CONTEXT_FIELDS)
        self.assertEqual(ctx["memory_limit_in_mb"], 128)
        self.assertEqual(ctx["time_limit_in_ms"], 5000)
        self.assertEqual(ctx["request_id"], res["FunctionRequestId"])
        self.assertEqual(json.loads(ctx["environment"]),
                         {"USER_VAR": "user value", "SCF_NAMESPACE": "default"})
        self.assertEqual(ctx["environ"],
                         "USER_VAR=user value;SCF_NAMESPACE=default;SCF_NAMESPACE=default")
        self.assertEqual(ctx["function_version"], "$LATEST")
        self.assertEqual(ctx["function_name"], self.name)
        self.assertEqual(ctx["namespace"], "default")
        self.assertEqual(ctx["tencentcloud_region"], "ap-guangzhou")

    def test_exception(self):
        marker = uuid.uuid4().hex
        before = json.loads(self.invoke({"op": "count"})["RetMsg"])
        res = self.invoke({"op": "raise", "marker": marker})
        self.assertEqual(res["InvokeResult"], 1, res)
        err = json.loads(res["RetMsg"])
        self.assertEqual(err["errorCode"], -1)
        self.assertEqual(err["errorType"], "RuntimeException")
        self.assertEqual(err["errorMessage"], "php failure " + marker)
        self.assertRegex(err["stackTrace"],
                         r"^RuntimeException: php failure %s in \S*index\.php:\d+" % marker)
        self.assertIn("main_handler()", err["stackTrace"])
        self.assertIn("RuntimeException: php failure " + marker, res["Log"])
        # The instance survives an exception.
        after = json.loads(self.invoke({"op": "count"})["RetMsg"])
        self.assertEqual(after, {"count": before["count"] + 1, "token": before["token"]})

    def test_undefined_function(self):
        marker = uuid.uuid4().hex
        res = self.invoke({"op": "undefined", "marker": marker})
        self.assertEqual(res["InvokeResult"], 1, res)
        err = json.loads(res["RetMsg"])
        self.assertEqual(err["errorType"], "Error")
        self.assertEqual(err["errorMessage"], "Call to undefined function yunfn_no_such_function()")
        self.assertIn("index.php", err["stackTrace"])

    def test_log_output(self):
        marker = uuid.uuid4().hex
        res = self.invoke({"op": "print", "marker": marker})
        self.assertEqual(res["RetMsg"], '"printed"')
        begin, end = self.assertLogHasRequestLines(res["Log"], res["FunctionRequestId"])
        body = res["Log"][begin:end]
        for line in ("echo ", "print ", "error_log ", "stderr "):
            self.assertIn(line + marker + "\n", body)

    def test_warm_reuse(self):
        first = json.loads(self.invoke({"op": "count"})["RetMsg"])
        second = json.loads(self.invoke({"op": "count"})["RetMsg"])
        self.assertEqual(second, {"count": first["count"] + 1, "token": first["token"]})


class PhpFailureTest(ServerTestCase):
    """Fatal errors, init failures and timeouts; each function has its own instances."""

    def test_fatal_error_replaces_instance(self):
        name = unique_name("php-fatal")
        create_function(self.client, name, {"index.php": PHP_PROBE}, runtime=PHP_RUNTIME)
        before = json.loads(self.client.invoke(name, {"op": "count"})["RetMsg"])
        marker = uuid.uuid4().hex
        res = self.client.invoke(name, {"op": "fatal", "marker": marker})
        self.assertEqual(res["InvokeResult"], 1, res)
        err = json.loads(res["RetMsg"])
        self.assertEqual(err["errorType"], "FatalError")
        self.assertEqual(err["errorMessage"], "php fatal " + marker)
        self.assertRegex(err["stackTrace"],
                         r"^PHP Fatal error:  php fatal %s in \S*index\.php on line \d+$" % marker)
        self.assertIn("before the fatal error", res["Log"])
        after = json.loads(self.client.invoke(name, {"op": "count"})["RetMsg"])
        self.assertEqual(after["count"], 1, "the instance that hit a fatal error was reused")
        self.assertNotEqual(after["token"], before["token"])

    def _check_init_failure(self, files, handler, err_msg):
        name = unique_name("php-init")
        create_function(self.client, name, files, runtime="Php7.4", handler=handler,
                        init_timeout=20)
        for _ in range(2):  # the failure repeats, it does not hang or stick
            t0 = time.time()
            res = self.client.invoke(name, {})
            self.assertLess(time.time() - t0, 15, "init failure waited for the init timeout")
            self.assertEqual(res["InvokeResult"], -1, res)
            self.assertEqual(res["ErrMsg"], "function initialization failed: " + err_msg)
        return res

    def test_missing_handler_function(self):
        res = self._check_init_failure(
            {"index.php": "<?php\necho \"init ran\\n\";\nfunction other($e, $c) { return 1; }\n"},
            "index.main_handler",
            "handler 'index.main_handler' not found: 'index.php' defines no function named "
            "'main_handler'")
        self.assertIn("init ran", res["Log"])

    def test_missing_handler_file(self):
        self._check_init_failure(
            {"index.php": "<?php\nfunction main_handler($e, $c) { return 1; }\n"},
            "missing_file.main_handler",
            "handler file 'missing_file.php' not found in the code package "
            "(handler 'missing_file.main_handler')")

    def test_syntax_error(self):
        self._check_init_failure(
            {"index.php": "<?php\nfunction main_handler($e, $c) {\n    return 1\n}\n"},
            "index.main_handler", 'syntax error, unexpected token "}", expecting ";"')

    def test_timeout_then_recovers(self):
        name = unique_name("php-timeout")
        create_function(self.client, name, {"index.php": PHP_PROBE}, runtime=PHP_RUNTIME,
                        timeout=1)
        t0 = time.time()
        res = self.client.invoke(name, {"op": "sleep", "seconds": 10})
        self.assertLess(time.time() - t0, 8, "timeout was not enforced promptly")
        self.assertEqual(res["InvokeResult"], -1, res)
        self.assertEqual(res["ErrMsg"], "Invoking task timed out after 1 seconds")
        self.assertIn("about to sleep", res["Log"])
        after = self.client.invoke(name, {"op": "count"})
        self.assertEqual(json.loads(after["RetMsg"])["count"], 1,
                         "the timed-out instance was reused")

    def test_php5_is_refused(self):
        err = self.client.error("CreateFunction", {
            "FunctionName": unique_name("php-five"), "Runtime": "Php5.6",
            "Handler": "index.main_handler",
            "Code": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}})
        self.assertErrorCode(err, "InvalidParameterValue.Runtime", "Runtime")


class PhpHttpApiTest(ServerTestCase):
    """The bootstrap over the HTTP runtime API (no framed channel), run as a custom runtime."""

    def test_bootstrap_over_http(self):
        with open(os.path.join(REPO, "runtimes", "php", "bootstrap.php")) as f:
            bootstrap = f.read()
        name = unique_name("php-http")
        create_function(self.client, name, {
            "scf_bootstrap": ("#!/bin/sh\nexec php bootstrap.php\n", 0o755),
            "bootstrap.php": bootstrap, "index.php": PHP_PROBE},
            runtime=CUSTOM_RUNTIME, handler="index.main_handler", timeout=4, memory=256)
        res = self.client.invoke(name, {"op": "echo", "list": [1, {"k": "v"}]})
        self.assertEqual(res["InvokeResult"], 0, res)
        self.assertEqual(res["RetMsg"], '{"event":{"op":"echo","list":[1,{"k":"v"}]}}')
        ctx = json.loads(self.client.invoke(name, {"op": "context"})["RetMsg"])
        self.assertEqual((ctx["memory_limit_in_mb"], ctx["time_limit_in_ms"]), (256, 4000))
        marker = uuid.uuid4().hex
        bad = self.client.invoke(name, {"op": "raise", "marker": marker})
        self.assertEqual(json.loads(bad["RetMsg"])["errorMessage"], "php failure " + marker)
        again = json.loads(self.client.invoke(name, {"op": "count"})["RetMsg"])
        self.assertEqual(again["count"], 1)


class PhpGatewayTest(GatewayAssertions, ServerTestCase):

    def test_apigw_trigger(self):
        name = unique_name("php-gw")
        create_function(self.client, name, {"index.php": PHP_GATEWAY}, runtime=PHP_RUNTIME)
        create_apigw_trigger(self.client, name, "api", "/api")
        status, headers, body = gateway_request(
            self.server, "POST", gateway_path(name, "/api/items?name=yun"), body="payload")
        self.assertEqual(status, 201, body)
        self.assertEqual(headers.get("x-php"), "php-8")
        self.assertEqual(json.loads(body), {"method": "POST", "path": "/api/items",
                                            "name": "yun", "body": "payload"})
        self.assertRequestIds(headers)


if __name__ == "__main__":
    unittest.main()
