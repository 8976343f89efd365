"""Invocations of real Go1 functions: executables built at test time with Debian's go
against sdk/go/scf-go-lib (module github.com/tencentyun/scf-go-lib), run through the Go
runtime adapter (net/rpc with gob on $_LAMBDA_SERVER_PORT). Results, typed events (API
gateway, timer), every context field, the deadline, environment variables, errors,
panics, timeouts, a 5 MB payload, warm reuse, out of memory and init failures; the
main classes run under the server's default isolation (namespace where it works), one
class under --isolation none."""

import concurrent.futures
import json
import os
import shutil
import tempfile
import time
import unittest
import uuid

from test_invoke import memory_cgroup_available
from yunfnlib import (GO_RUNTIME, GatewayAssertions, ServerTestCase, create_apigw_trigger,
                      create_function, gateway_path, gateway_request, go_build,
                      host_files_isolation_args, is_root, read_lines, timer_trigger_params,
                      unique_name, zip_b64)

GO_PROBE = r'''
package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction"
	"github.com/tencentyun/scf-go-lib/events"
	"github.com/tencentyun/scf-go-lib/functioncontext"
)

var token = fmt.Sprintf("%016x", rand.New(rand.NewSource(time.Now().UnixNano())).Uint64())
var count = 0
var hoard [][]byte

type Event struct {
	Op      string      `json:"op"`
	Marker  string      `json:"marker"`
	Value   interface{} `json:"value"`
	Seconds int         `json:"seconds"`
	MB      int         `json:"mb"`
	Code    int         `json:"code"`
}

func probe(ctx context.Context, e Event) (interface{}, error) {
	switch e.Op {
	case "hello":
		return "hello world", nil
	case "return":
		return e.Value, nil
	case "context":
		fc, ok := functioncontext.FromContext(ctx)
		if !ok {
			return nil, errors.New("no function context")
		}
		deadline, _ := ctx.Deadline()
		return map[string]interface{}{"fc": fc, "deadline_in_ms": time.Until(deadline).Milliseconds(),
			"globals": []interface{}{functioncontext.FunctionName, functioncontext.FunctionVersion,
				functioncontext.MemoryLimitInMB}}, nil
	case "env":
		return map[string]string{"USER_VAR": os.Getenv("USER_VAR"), "port": os.Getenv("_LAMBDA_SERVER_PORT"),
			"ld": os.Getenv("LD_LIBRARY_PATH"), "fd": os.Getenv("YUNFN_RUNTIME_FD"),
			"code": os.Getenv("USER_CODE_ROOT"), "handler": os.Getenv("_HANDLER")}, nil
	case "count":
		count++
		return map[string]interface{}{"count": count, "token": token}, nil
	case "error":
		return nil, errors.New("go failure " + e.Marker)
	case "custom_error":
		return nil, &ProbeError{e.Marker}
	case "panic":
		fmt.Println("before the panic")
		panic("go panic " + e.Marker)
	case "print":
		fmt.Println("stdout " + e.Marker)
		fmt.Fprintln(os.Stderr, "stderr "+e.Marker)
		return "printed", nil
	case "sleep":
		fmt.Println("about to sleep")
		time.Sleep(time.Duration(e.Seconds) * time.Second)
		return "slept", nil
	case "size":
		s, _ := e.Value.(string)
		return map[string]interface{}{"len": len(s), "head": s[:8], "tail": s[len(s)-8:]}, nil
	case "oom":
		b := make([]byte, e.MB<<20)
		for i := range b {
			b[i] = byte(i)
		}
		hoard = append(hoard, b)
		return len(b), nil
	case "exit":
		os.Exit(e.Code)
	case "timer":
		var t events.TimerEvent
		return t, nil
	}
	return strings.ToUpper(e.Op), nil
}

type ProbeError struct{ Marker string }

func (p *ProbeError) Error() string { return "probe error " + p.Marker }

func main() {
	fmt.Println("go probe init output")
	cloudfunction.Start(probe)
}
'''

GO_GATEWAY = r'''
package main

import (
	"context"
	"encoding/json"

	"github.com/tencentyun/scf-go-lib/cloudfunction"
	"github.com/tencentyun/scf-go-lib/events"
)

func handle(ctx context.Context, req events.APIGatewayRequest) (events.APIGatewayResponse, error) {
	body, _ := json.Marshal(map[string]interface{}{"method": req.Method, "path": req.Path,
		"name": req.QueryString["name"], "body": req.Body, "stage": req.Context.Stage})
	return events.APIGatewayResponse{StatusCode: 201, Body: string(body),
		Headers: map[string]string{"Content-Type": "application/json", "X-Go": "go1"}}, nil
}

func main() { cloudfunction.Start(handle) }
'''

# A timer trigger's event, typed; each run appends it to $OUT_DIR/fires.jsonl.
GO_TIMER = r'''
package main

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/tencentyun/scf-go-lib/cloudfunction"
	"github.com/tencentyun/scf-go-lib/events"
)

func record(ev events.TimerEvent) error {
	f, err := os.OpenFile(filepath.Join(os.Getenv("OUT_DIR"), "fires.jsonl"),
		os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	line, _ := json.Marshal(ev)
	_, err = f.Write(append(line, '\n'))
	return err
}

func main() { cloudfunction.Start(record) }
'''

# The handler shape without arguments or results.
GO_NO_ARGS = r'''
package main

import (
	"fmt"

	"github.com/tencentyun/scf-go-lib/cloudfunction"
)

func main() { cloudfunction.Start(func() { fmt.Println("no args ran") }) }
'''

# A program that never serves: it ends before listening on $_LAMBDA_SERVER_PORT.
GO_NOT_SCF = r'''
package main

import "fmt"

func main() { fmt.Println("plain program, no cloudfunction.Start") }
'''

GO_INIT_PANIC = r'''
package main

import "github.com/tencentyun/scf-go-lib/cloudfunction"

func init() { panic("init failed on purpose") }

func main() { cloudfunction.Start(func() {}) }
'''

_built = {}


def built(source, goarch=None):
    """The executable of one program, built once per test run."""
    key = (source, goarch)
    if key not in _built:
        _built[key] = go_build(source, goarch=goarch)
    return _built[key]


def go_files(source=GO_PROBE, name="main", mode=0o755):
    return {name: (built(source), mode)}


def setUpModule():
    if shutil.which("go") is None:
        raise unittest.SkipTest("go is not installed (scripts/install-deps.sh installs golang-go)")


class GoInvokeTest(ServerTestCase):
    """One warm Go function serving most probes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.name = unique_name("go-probe")
        create_function(cls.client, cls.name, go_files(), runtime=GO_RUNTIME, handler="main",
                        timeout=5, env={"USER_VAR": "user value"})

    def invoke(self, event, **kw):
        return self.client.invoke(self.name, event, **kw)

    def test_hello_world(self):
        res = self.invoke({"op": "hello"})
        self.assertEqual(res["InvokeResult"], 0, res)
        self.assertEqual(res["RetMsg"], '"hello world"')
        self.assertEqual(res["ErrMsg"], "")

    def test_return_values(self):
        cases = [({"a": 1, "b": [1, 2]}, '{"a":1,"b":[1,2]}'), ("hello", '"hello"'),
                 (None, "null"), ([1, "x"], '[1,"x"]'), (42, "42"), (3.5, "3.5"),
                 (True, "true"), ("ünïcode ✓", '"ünïcode ✓"')]
        for value, text in cases:
            with self.subTest(value=value):
                res = self.invoke({"op": "return", "value": value})
                self.assertEqual(res["InvokeResult"], 0, res)
                self.assertEqual(res["RetMsg"], text)

    def test_event_that_does_not_fit_the_type(self):
        res = self.invoke({"op": 5})
        self.assertEqual(res["InvokeResult"], 1, res)
        err = json.loads(res["RetMsg"])
        self.assertEqual(err["errorType"], "UnmarshalTypeError")
        self.assertIn("cannot unmarshal number into Go struct field Event.op of type string",
                      err["errorMessage"])

    def test_context_fields(self):
        res = self.invoke({"op": "context"})
        self.assertEqual(res["InvokeResult"], 0, res)
        out = json.loads(res["RetMsg"])
        fc = out["fc"]
        self.assertEqual(sorted(fc), sorted([
            "RequestID", "InvokedFunctionUnique", "ClientContext", "Namespace", "FunctionName",
            "FunctionVersion", "MemoryLimitInMb", "TimeLimitInMs", "Environment",
            "TencentcloudRegion", "TencentcloudAppID", "TencentcloudUin", "FunctionTrace"]))
        self.assertEqual(fc["RequestID"], res["FunctionRequestId"])
        self.assertEqual(fc["Namespace"], "default")
        self.assertEqual(fc["FunctionName"], self.name)
        self.assertEqual(fc["FunctionVersion"], "$LATEST")
        self.assertEqual(fc["MemoryLimitInMb"], 128)
        self.assertEqual(fc["TimeLimitInMs"], 5000)
        self.assertEqual(fc["Environment"], {"USER_VAR": "user value", "SCF_NAMESPACE": "default"})
        self.assertEqual(fc["TencentcloudRegion"], "ap-guangzhou")
        self.assertRegex(fc["TencentcloudAppID"], r"^\d+$")
        self.assertRegex(fc["TencentcloudUin"], r"^\d+$")
        self.assertEqual(fc["InvokedFunctionUnique"],
                         "qcs::scf:ap-guangzhou:uin/%s:namespace/default/function/%s"
                         % (fc["TencentcloudUin"], self.name))
        self.assertEqual(fc["FunctionTrace"], "")
        # The context's deadline is the function's timeout from the event's hand-over.
        self.assertGreater(out["deadline_in_ms"], 4000)
        self.assertLessEqual(out["deadline_in_ms"], 5000)
        self.assertEqual(out["globals"], [self.name, "$LATEST", 128])

    def test_environment_variables(self):
        env = json.loads(self.invoke({"op": "env"})["RetMsg"])
        self.assertEqual(env["USER_VAR"], "user value")
        self.assertRegex(env["port"], r"^\d+$")
        self.assertEqual(env["fd"], "", "the platform's channel leaked into the function")
        self.assertEqual(env["handler"], "main")
        code = env["code"].rstrip("/")
        self.assertEqual(env["ld"], code + ":" + code + "/lib:/opt:/opt/lib")

    def test_error(self):
        marker = uuid.uuid4().hex
        before = json.loads(self.invoke({"op": "count"})["RetMsg"])
        res = self.invoke({"op": "error", "marker": marker})
        self.assertEqual(res["InvokeResult"], 1, res)
        err = json.loads(res["RetMsg"])
        self.assertEqual(err, {"errorCode": -1, "errorMessage": "go failure " + marker,
                               "errorType": "errorString", "stackTrace": []})
        self.assertIn("errorString: go failure " + marker, res["Log"])
        custom = json.loads(self.invoke({"op": "custom_error", "marker": marker})["RetMsg"])
        self.assertEqual((custom["errorType"], custom["errorMessage"]),
                         ("ProbeError", "probe error " + marker))
        # The instance survives a returned error.
        after = json.loads(self.invoke({"op": "count"})["RetMsg"])
        self.assertEqual(after, {"count": before["count"] + 1, "token": before["token"]})

    def test_log_output(self):
        marker = uuid.uuid4().hex
        res = self.invoke({"op": "print", "marker": marker})
        self.assertEqual(res["RetMsg"], '"printed"')
        begin, end = self.assertLogHasRequestLines(res["Log"], res["FunctionRequestId"])
        body = res["Log"][begin:end]
        self.assertIn("stdout " + marker + "\n", body)
        self.assertIn("stderr " + marker + "\n", body)

    def test_payload_of_5_mb(self):
        text = "a" * 8 + uuid.uuid4().hex * (5 * 1024 * 1024 // 32) + "z" * 8
        res = self.invoke({"op": "size", "value": text})
        self.assertEqual(res["InvokeResult"], 0, res)
        self.assertEqual(json.loads(res["RetMsg"]),
                         {"len": len(text), "head": "a" * 8, "tail": "z" * 8})
        echoed = self.invoke({"op": "return", "value": text})
        self.assertEqual(echoed["InvokeResult"], 0, {k: v for k, v in echoed.items() if k != "RetMsg"})
        self.assertEqual(json.loads(echoed["RetMsg"]), text)

    def test_warm_reuse(self):
        first = json.loads(self.invoke({"op": "count"})["RetMsg"])
        second = json.loads(self.invoke({"op": "count"})["RetMsg"])
        self.assertEqual(second, {"count": first["count"] + 1, "token": first["token"]})


class GoFailureTest(ServerTestCase):
    """Panics, exits, timeouts, memory and init failures; each function has its own instances."""

    def test_panic_replaces_instance(self):
        name = unique_name("go-panic")
        create_function(self.client, name, go_files(), runtime=GO_RUNTIME, handler="main")
        before = json.loads(self.client.invoke(name, {"op": "count"})["RetMsg"])
        marker = uuid.uuid4().hex
        res = self.client.invoke(name, {"op": "panic", "marker": marker})
        self.assertEqual(res["InvokeResult"], 1, res)
        err = json.loads(res["RetMsg"])
        self.assertEqual(err["errorType"], "string")
        self.assertEqual(err["errorMessage"], "go panic " + marker)
        self.assertEqual(err["stackTrace"][0]["label"], "main.probe")
        self.assertRegex(err["stackTrace"][0]["path"], r"main\.go$")
        self.assertGreater(err["stackTrace"][0]["line"], 0)
        self.assertIn("before the panic", res["Log"])
        self.assertIn("panic: go panic " + marker + "\nmain.probe\n", res["Log"])
        after = json.loads(self.client.invoke(name, {"op": "count"})["RetMsg"])
        self.assertEqual(after["count"], 1, "the instance that panicked was reused")
        self.assertNotEqual(after["token"], before["token"])

    def test_exit_is_a_process_exit(self):
        name = unique_name("go-exit")
        create_function(self.client, name, go_files(), runtime=GO_RUNTIME, handler="main")
        res = self.client.invoke(name, {"op": "exit", "code": 3})
        self.assertEqual(res["InvokeResult"], -1, res)
        self.assertEqual(res["ErrMsg"], "User process exited when running (exit code 3)")
        self.assertEqual(self.client.invoke(name, {"op": "hello"})["RetMsg"], '"hello world"')

    def test_timeout_then_recovers(self):
        name = unique_name("go-timeout")
        create_function(self.client, name, go_files(), runtime=GO_RUNTIME, handler="main",
                        timeout=1)
        t0 = time.time()
        res = self.client.invoke(name, {"op": "sleep", "seconds": 10})
        self.assertLess(time.time() - t0, 8, "timeout was not enforced promptly")
        self.assertEqual(res["InvokeResult"], -1, res)
        self.assertEqual(res["ErrMsg"], "Invoking task timed out after 1 seconds")
        self.assertIn("about to sleep", res["Log"])
        after = self.client.invoke(name, {"op": "count"})
        self.assertEqual(json.loads(after["RetMsg"])["count"], 1, "the timed-out instance was reused")

    def test_out_of_memory(self):
        if not is_root():
            self.skipTest("memory limits need root (cgroups); running as uid %d" % os.geteuid())
        if not memory_cgroup_available():
            self.skipTest("no writable memory cgroup controller on this machine")
        name = unique_name("go-oom")
        create_function(self.client, name, go_files(), runtime=GO_RUNTIME, handler="main",
                        memory=128, timeout=20)
        small = self.client.invoke(name, {"op": "oom", "mb": 16})
        self.assertEqual(small["RetMsg"], str(16 << 20), "16 MB must fit in 128 MB")
        res = self.client.invoke(name, {"op": "oom", "mb": 300})
        self.assertEqual(res["InvokeResult"], -1, res)
        self.assertRegex(res["ErrMsg"], r"^Memory limit exceeded")
        self.assertEqual(self.client.invoke(name, {"op": "hello"})["InvokeResult"], 0)

    def test_no_args_handler(self):
        name = unique_name("go-noargs")
        create_function(self.client, name, go_files(GO_NO_ARGS), runtime=GO_RUNTIME, handler="main")
        res = self.client.invoke(name, {"ignored": True})
        self.assertEqual((res["InvokeResult"], res["RetMsg"]), (0, "null"), res)
        self.assertIn("no args ran", res["Log"])

    def _check_init_failure(self, files, err_msg, handler="main"):
        name = unique_name("go-init")
        create_function(self.client, name, files, runtime=GO_RUNTIME, handler=handler,
                        init_timeout=20)
        for _ in range(2):  # the failure repeats, it does not hang or stick
            t0 = time.time()
            res = self.client.invoke(name, {})
            self.assertLess(time.time() - t0, 15, "init failure waited for the init timeout")
            self.assertEqual(res["InvokeResult"], -1, res)
            self.assertEqual(res["ErrMsg"], "function initialization failed: " + err_msg)
        return res

    def test_wrong_architecture(self):
        res = self._check_init_failure(
            {"main": (built('package main\n\nfunc main() {}\n', goarch="arm64"), 0o755)},
            "Handler 'main': the executable is built for arm64 but this node runs amd64; "
            "build it with GOOS=linux GOARCH=amd64")
        self.assertIn("ExecFormatError", res["Log"])

    def test_not_executable(self):
        self._check_init_failure(
            go_files(mode=0o644),
            "Handler 'main': the file main in the code package is not executable; "
            "zip it with mode 755")

    def test_not_a_program(self):
        self._check_init_failure(
            {"main": ("just text, not a program\n", 0o755)},
            "Handler 'main': cannot start the executable: Exec format error")

    def test_program_without_cloudfunction_start(self):
        res = self._check_init_failure(
            go_files(GO_NOT_SCF),
            "Handler 'main' exited before serving on $_LAMBDA_SERVER_PORT: a Go1 function's "
            "main must call cloudfunction.Start(handler)")
        self.assertIn("plain program, no cloudfunction.Start", res["Log"])

    def test_panic_during_init(self):
        name = unique_name("go-initpanic")
        create_function(self.client, name, go_files(GO_INIT_PANIC), runtime=GO_RUNTIME,
                        handler="main", init_timeout=20)
        res = self.client.invoke(name, {})
        self.assertEqual(res["InvokeResult"], -1, res)
        self.assertIn("init failed on purpose", res["Log"])
        self.assertRegex(res["ErrMsg"], r"^function initialization failed: Handler 'main' exited")


class GoBadInputTest(ServerTestCase):
    """Handlers CreateFunction refuses."""

    def create_error(self, handler, files):
        params = {"FunctionName": unique_name("go-bad"), "Runtime": GO_RUNTIME,
                  "Code": {"ZipFile": zip_b64(files)}}
        if handler is not None:
            params["Handler"] = handler
        return self.client.error("CreateFunction", params)

    def test_handler_naming_no_executable(self):
        err = self.create_error("server", {"main": ("#!/bin/sh\n", 0o755)})
        self.assertErrorCode(err, "InvalidParameterValue.Handler", "Handler")
        self.assertIn("the code package has no file server at its root", err["Message"])
        # A directory of that name is no executable either.
        err = self.create_error("main", {"main/x": "x"})
        self.assertErrorCode(err, "InvalidParameterValue.Handler", "Handler")

    def test_handler_missing_or_malformed(self):
        self.assertErrorCode(self.create_error(None, {"main": ("x", 0o755)}),
                             "MissingParameter", "Handler")
        for handler in ("bin/main", "..", "ma in"):
            with self.subTest(handler=handler):
                self.assertErrorCode(self.create_error(handler, {"main": ("x", 0o755)}),
                                     "InvalidParameterValue.Handler", "Handler")

    def test_update_code_without_the_executable(self):
        name = unique_name("go-upd")
        create_function(self.client, name, go_files(GO_NO_ARGS), runtime=GO_RUNTIME, handler="main")
        err = self.client.error("UpdateFunctionCode", {
            "FunctionName": name, "ZipFile": zip_b64({"other": ("x", 0o755)})})
        self.assertErrorCode(err, "InvalidParameterValue.Handler", "Handler")

    def test_unknown_go_version(self):
        err = self.client.error("CreateFunction", {
            "FunctionName": unique_name("go-ver"), "Runtime": "Go2", "Handler": "main",
            "Code": {"ZipFile": zip_b64({"main": ("x", 0o755)})}})
        self.assertErrorCode(err, "InvalidParameterValue.Runtime", "Runtime")


class GoGatewayTest(GatewayAssertions, ServerTestCase):

    def test_apigw_trigger(self):
        name = unique_name("go-gw")
        create_function(self.client, name, go_files(GO_GATEWAY), runtime=GO_RUNTIME, handler="main")
        create_apigw_trigger(self.client, name, "api", "/api")
        status, headers, body = gateway_request(
            self.server, "POST", gateway_path(name, "/api/items?name=yun"), body="payload")
        self.assertEqual(status, 201, body)
        self.assertEqual(headers.get("x-go"), "go1")
        self.assertEqual(json.loads(body), {"method": "POST", "path": "/api/items",
                                            "name": "yun", "body": "payload", "stage": "release"})
        self.assertRequestIds(headers)


class GoUnisolatedTest(ServerTestCase):
    """Plain processes (--isolation none): the adapter picks a free host port per
    instance, and a timer trigger's typed event reaches a file of the test."""

    @classmethod
    def setUpClass(cls):
        cls.server_kwargs = {"extra_args": host_files_isolation_args()}
        super().setUpClass()

    def test_two_instances_serve_at_once(self):
        name = unique_name("go-none")
        create_function(self.client, name, go_files(), runtime=GO_RUNTIME, handler="main",
                        timeout=10)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            slow = pool.submit(self.client.invoke, name, {"op": "sleep", "seconds": 2})
            time.sleep(0.5)
            fast = self.client.invoke(name, {"op": "env"})
            slow_res = slow.result()
        self.assertEqual(slow_res["RetMsg"], '"slept"', slow_res)
        self.assertEqual(fast["InvokeResult"], 0, fast)

    def test_timer_event(self):
        out = tempfile.mkdtemp(prefix="yunfn-go-timer-")
        self.addCleanup(shutil.rmtree, out, True)
        name = unique_name("go-timer")
        create_function(self.client, name, go_files(GO_TIMER), runtime=GO_RUNTIME,
                        handler="main", env={"OUT_DIR": out})
        self.client.ok("CreateTrigger", timer_trigger_params(name, "tick", "* * * * * * *",
                                                             message="go timer"))
        path = os.path.join(out, "fires.jsonl")
        deadline = time.time() + 30
        while time.time() < deadline and not read_lines(path):
            time.sleep(0.2)
        fires = [json.loads(line) for line in read_lines(path)]
        self.assertTrue(fires, "the timer never ran the function")
        self.assertEqual(fires[0]["Type"], "Timer")
        self.assertEqual(fires[0]["TriggerName"], "tick")
        self.assertEqual(fires[0]["Message"], "go timer")
        self.assertRegex(fires[0]["Time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


if __name__ == "__main__":
    unittest.main()
