"""Invocations of real Java event functions (the runtime of runtimes/java run by the installed
JDK), compiled here with javac: results, POJO and SCF event binding, the Context, logs,
exceptions, init failures, timeouts, memory exhaustion, a 5 MB event, jar and lib/ packages,
an API gateway trigger and a SpringBoot-style web function (`java -jar` on port 9000)."""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import uuid

from yunfnlib import (REPO, GatewayAssertions, ServerTestCase, create_apigw_trigger,
                      create_function, gateway_path, gateway_request, is_root, make_zip,
                      result_text, run_cli, unique_name, zip_b64)
from test_invoke import memory_cgroup_available

JAVA_RUNTIME = "Java11"
SCF_CLASSES = os.path.join(REPO, "runtimes", "java", "src")
JACKSON = ":".join("/usr/share/java/jackson-%s.jar" % n
                   for n in ("databind", "core", "annotations"))

PROBE = r'''
package example;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.qcloud.scf.runtime.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

public class Probe {
    private static final String TOKEN = UUID.randomUUID().toString();
    private int count;

    static {
        System.out.println("java probe init output");
    }

    public static class Request {
        public String op;
        @JsonProperty("Value")
        public Object value;
        public String marker;
        public int seconds;
        public int mb;
    }

    public static class Pojo {
        private final String name;
        private final int size;

        Pojo(String name, int size) {
            this.name = name;
            this.size = size;
        }

        public String getName() {
            return name;
        }

        public int getSize() {
            return size;
        }
    }

    public Object handle(Request req, Context context) throws Exception {
        switch (req.op) {
            case "return":
                return req.value;
            case "pojo":
                return new Pojo(req.marker, req.marker.length());
            case "count": {
                count++;
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("count", count);
                out.put("token", TOKEN);
                return out;
            }
            case "context": {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("requestId", context.getRequestId());
                out.put("timeLimitInMs", context.getTimeLimitInMs());
                out.put("memoryLimitInMb", context.getMemoryLimitInMb());
                out.put("functionName", context.getFunctionName());
                out.put("functionVersion", context.getFunctionVersion());
                out.put("namespace", context.getNamespace());
                out.put("environment", context.getEnvironment());
                out.put("environ", context.getEnviron());
                out.put("tencentcloudRegion", context.getTencentcloudRegion());
                out.put("tencentcloudAppid", context.getTencentcloudAppid());
                out.put("tencentcloudUin", context.getTencentcloudUin());
                return out;
            }
            case "env": {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("var", System.getenv(req.marker));
                out.put("secretProperty", System.getProperty("TENCENTCLOUD_SECRETID") != null);
                out.put("classpath", System.getenv("CLASSPATH"));
                out.put("maxHeapMb", Runtime.getRuntime().maxMemory() >> 20);
                out.put("javaVersion", System.getProperty("java.specification.version"));
                return out;
            }
            case "length":
                return ((String) req.value).length();
            case "raise":
                throw new IllegalStateException("java failure " + req.marker);
            case "print":
                System.out.println("stdout " + req.marker);
                System.err.println("stderr " + req.marker);
                System.out.print("unterminated " + req.marker);
                return "printed";
            case "sleep":
                System.out.println("about to sleep");
                Thread.sleep(req.seconds * 1000L);
                return "slept";
            case "oom": {
                List<byte[]> keep = new ArrayList<>();
                for (int i = 0; i < req.mb; i++) {
                    keep.add(new byte[1 << 20]);
                }
                return keep.size();
            }
            default:
                return null;
        }
    }
}
'''

# The SCF event classes bound from events of each trigger type.
EVENTS = r'''
package example;

import com.qcloud.scf.runtime.Context;
import com.qcloud.services.scf.runtime.events.APIGatewayProxyRequestEvent;
import com.qcloud.services.scf.runtime.events.APIGatewayProxyResponseEvent;
import com.qcloud.services.scf.runtime.events.CKafkaEvent;
import com.qcloud.services.scf.runtime.events.CMQTopicEvent;
import com.qcloud.services.scf.runtime.events.CosEvent;
import com.qcloud.services.scf.runtime.events.TimerEvent;
import java.util.LinkedHashMap;
import java.util.Map;

public class Events {
    public String timer(TimerEvent event) {
        return event.getType() + "|" + event.getTriggerName() + "|" + event.getTime() + "|"
            + event.getMessage();
    }

    public String cos(CosEvent event) {
        CosEvent.Record r = event.getRecords().get(0);
        return r.getEvent().getEventName() + "|" + r.getCos().getCosBucket().getName() + "|"
            + r.getCos().getCosObject().getKey() + "|" + r.getCos().getCosObject().getSize();
    }

    public String ckafka(CKafkaEvent event) {
        StringBuilder out = new StringBuilder();
        for (CKafkaEvent.Record r : event.getRecords()) {
            out.append(r.getMsg().getTopic()).append('/').append(r.getMsg().getOffset())
                .append('=').append(r.getMsg().getMsgBody()).append(';');
        }
        return out.toString();
    }

    public String cmq(CMQTopicEvent event) {
        CMQTopicEvent.MsgInfo m = event.getRecords().get(0).getMsg();
        return m.getTopicName() + "|" + m.getMsgBody() + "|" + m.getMsgTag();
    }

    public APIGatewayProxyResponseEvent apigw(APIGatewayProxyRequestEvent req, Context context) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("X-Java", "java-" + System.getProperty("java.specification.version"));
        APIGatewayProxyResponseEvent res = new APIGatewayProxyResponseEvent();
        res.setStatusCode(201);
        res.setHeaders(headers);
        res.setIsBase64Encoded(false);
        res.setBody("{\"method\":\"" + req.getHttpMethod() + "\",\"path\":\"" + req.getPath()
            + "\",\"name\":\"" + req.getQueryString().get("name") + "\",\"tags\":\""
            + req.getQueryString().get("tag") + "\",\"body\":\"" + req.getBody()
            + "\",\"stage\":\"" + req.getRequestContext().getStage() + "\"}");
        return res;
    }

    public static String greet(String name) {
        return "Hello " + name;
    }
}
'''

# A handler that needs a class of lib/dep.jar.
USES_LIB = r'''
package example;

import example.dep.Greeter;

public class UsesLib {
    public String handle(String name) {
        return Greeter.greet(name);
    }
}
'''

GREETER = r'''
package example.dep;

public class Greeter {
    public static String greet(String name) {
        return "greeted " + name + " from lib/dep.jar";
    }
}
'''

BAD_INIT = r'''
package example;

public class BadInit {
    static {
        System.out.println("bad init ran");
        if (true) {
            throw new IllegalStateException("static initializer failed");
        }
    }

    public String handle(String event) {
        return event;
    }
}
'''

CONTEXT_ONLY = r'''
package example;

import com.qcloud.scf.runtime.Context;

public class ContextOnly {
    public static int handle(Context context) {
        return context.getMemoryLimitInMb();
    }

    public void nothing() {
    }
}
'''


def compile_java(sources):
    """Compiles {relative path: source} with javac against the SCF classes of
    runtimes/java/src (which stay out of the output, as SCF's own jar does) and Jackson;
    returns {class file path: bytes}."""
    work = tempfile.mkdtemp(prefix="yunfn-javac-")
    try:
        src, out = os.path.join(work, "src"), os.path.join(work, "out")
        paths = []
        for rel, text in sources.items():
            p = os.path.join(src, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(text)
            paths.append(p)
        subprocess.run(["javac", "-implicit:none", "-sourcepath", SCF_CLASSES, "-cp", JACKSON,
                        "-d", out] + paths, check=True, capture_output=True)
        classes = {}
        for root, _, files in os.walk(out):
            for name in files:
                full = os.path.join(root, name)
                with open(full, "rb") as f:
                    classes[os.path.relpath(full, out)] = f.read()
        return classes
    finally:
        shutil.rmtree(work, ignore_errors=True)


SOURCES = {"Probe": PROBE, "Events": EVENTS, "UsesLib": USES_LIB, "BadInit": BAD_INIT,
           "ContextOnly": CONTEXT_ONLY, "dep/Greeter": GREETER}
_compiled = {}


def classes_of(*names):
    """The class files of the named SOURCES, compiled once per test run."""
    key = tuple(sorted(names))
    if key not in _compiled:
        _compiled[key] = compile_java({"example/%s.java" % n: SOURCES[n] for n in names})
    return _compiled[key]


def setUpModule():
    for tool in ("java", "javac"):
        if shutil.which(tool) is None:
            raise unittest.SkipTest("%s is not installed (scripts/install-deps.sh installs "
                                    "openjdk-17-jdk-headless)" % tool)
    if not os.path.exists(JACKSON.split(":")[0]):
        raise unittest.SkipTest("Jackson is not installed (libjackson2-databind-java)")


class JavaInvokeTest(ServerTestCase):
    """One warm Java function (a jar: classes at the root) serving most probes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.name = unique_name("java-probe")
        create_function(cls.client, cls.name, classes_of("Probe"), runtime=JAVA_RUNTIME,
                        handler="example.Probe::handle", timeout=10, memory=256,
                        env={"USER_VAR": "user value"})

    def invoke(self, event, **kw):
        return self.client.invoke(self.name, event, **kw)

    def test_hello_string_handler(self):
        name = unique_name("java-hello")
        create_function(self.client, name, classes_of("Events"), runtime="Java8",
                        handler="example.Events::greet")
        res = self.client.invoke(name, "yunfn")
        self.assertEqual(res["InvokeResult"], 0, res)
        self.assertEqual(res["RetMsg"], '"Hello yunfn"')
        # Any other event reaches a String parameter as its JSON text, as sent.
        res = self.client.invoke(name, {"a": [1, 2]})
        self.assertEqual(json.loads(res["RetMsg"]), "Hello " + json.dumps({"a": [1, 2]}))

    def test_return_values(self):
        cases = [({"a": 1, "b": [1, 2]}, '{"a":1,"b":[1,2]}'), ("hello", '"hello"'),
                 (None, "null"), ([1, "x"], '[1,"x"]'), (42, "42"), (3.5, "3.5"),
                 (True, "true"), ({}, "{}"), ("ünïcode ✓ a/b", '"ünïcode ✓ a/b"')]
        for value, text in cases:
            with self.subTest(value=value):
                res = self.invoke({"op": "return", "Value": value})
                self.assertEqual(res["InvokeResult"], 0, res)
                self.assertEqual(res["RetMsg"], text)

    def test_pojo_in_and_out(self):
        # "Value" binds through @JsonProperty; keys the class lacks are ignored.
        res = self.invoke({"op": "pojo", "marker": "abc", "unknown": {"x": 1}})
        self.assertEqual(res["InvokeResult"], 0, res)
        self.assertEqual(json.loads(res["RetMsg"]), {"name": "abc", "size": 3})

    def test_every_context_field(self):
        res = self.invoke({"op": "context"})
        ctx = json.loads(res["RetMsg"])
        self.assertEqual(ctx, {
            "requestId": res["FunctionRequestId"], "timeLimitInMs": 10000,
            "memoryLimitInMb": 256, "functionName": self.name, "functionVersion": "$LATEST",
            "namespace": "default",
            "environment": '{"USER_VAR":"user value","SCF_NAMESPACE":"default"}',
            "environ": "USER_VAR=user value;SCF_NAMESPACE=default;SCF_NAMESPACE=default",
            "tencentcloudRegion": "ap-guangzhou", "tencentcloudAppid": ctx["tencentcloudAppid"],
            "tencentcloudUin": ctx["tencentcloudUin"]})
        self.assertRegex(ctx["tencentcloudAppid"], r"^\d+$")
        self.assertRegex(ctx["tencentcloudUin"], r"^\d+$")

    def test_environment(self):
        res = json.loads(self.invoke({"op": "env", "marker": "USER_VAR"})["RetMsg"])
        self.assertEqual(res["var"], "user value")
        self.assertTrue(res["secretProperty"], "the function's keys are no system property")
        self.assertIn(":/opt", res["classpath"])
        self.assertEqual(res["javaVersion"], "17")
        # 256 MB leaves 64 MB of the JVM's own memory outside a heap of 192 MB (of which
        # the JVM reports a little less: one survivor space is not counted).
        self.assertTrue(170 <= res["maxHeapMb"] <= 192, res)

    def test_exception(self):
        marker = uuid.uuid4().hex
        before = json.loads(self.invoke({"op": "count"})["RetMsg"])
        res = self.invoke({"op": "raise", "marker": marker})
        self.assertEqual(res["InvokeResult"], 1, res)
        err = json.loads(res["RetMsg"])
        self.assertEqual(err["errorCode"], -1)
        self.assertEqual(err["errorType"], "java.lang.IllegalStateException")
        self.assertEqual(err["errorMessage"], "java failure " + marker)
        self.assertRegex(err["stackTrace"],
                         r"^java.lang.IllegalStateException: java failure %s\n"
                         r"\tat example.Probe.handle\(Probe.java:\d+\)" % marker)
        self.assertIn("java.lang.IllegalStateException: java failure " + marker, res["Log"])
        # The instance survives an exception.
        after = json.loads(self.invoke({"op": "count"})["RetMsg"])
        self.assertEqual(after, {"count": before["count"] + 1, "token": before["token"]})

    def test_log_output(self):
        marker = uuid.uuid4().hex
        res = self.invoke({"op": "print", "marker": marker})
        self.assertEqual(res["RetMsg"], '"printed"')
        begin, end = self.assertLogHasRequestLines(res["Log"], res["FunctionRequestId"])
        body = res["Log"][begin:end]
        for line in ("stdout ", "stderr "):
            self.assertIn(line + marker + "\n", body)
        self.assertIn("unterminated " + marker, body)

    def test_warm_reuse(self):
        first = json.loads(self.invoke({"op": "count"})["RetMsg"])
        second = json.loads(self.invoke({"op": "count"})["RetMsg"])
        self.assertEqual(second, {"count": first["count"] + 1, "token": first["token"]})

    def test_five_megabyte_event(self):
        big = "x" * (5 << 20)
        res = self.invoke({"op": "length", "Value": big})
        self.assertEqual(res["InvokeResult"], 0, result_text(res)[:500])
        self.assertEqual(res["RetMsg"], str(5 << 20))


class JavaEventClassTest(ServerTestCase):
    """The SCF event classes of com.qcloud.services.scf.runtime.events."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.names = {}
        for method in ("timer", "cos", "ckafka", "cmq"):
            cls.names[method] = unique_name("java-" + method)
            create_function(cls.client, cls.names[method], classes_of("Events"),
                            runtime=JAVA_RUNTIME, handler="example.Events::" + method)

    def check(self, method, event, expected):
        res = self.client.invoke(self.names[method], event)
        self.assertEqual(res["InvokeResult"], 0, result_text(res))
        self.assertEqual(json.loads(res["RetMsg"]), expected)

    def test_timer_event(self):
        self.check("timer", {"Type": "Timer", "TriggerName": "EveryDay",
                             "Time": "2019-02-21T11:49:00Z", "Message": "user msg"},
                   "Timer|EveryDay|2019-02-21T11:49:00Z|user msg")

    def test_cos_event(self):
        self.check("cos", {"Records": [{"cos": {
            "cosSchemaVersion": "1.0",
            "cosObject": {"url": "http://b-1.cos/x", "meta": {"Content-Type": ""},
                          "vid": "", "key": "/1253970026/testpic/testfile", "size": 1029},
            "cosBucket": {"region": "cd", "name": "testpic", "appid": "1253970026"},
            "cosNotificationId": "unkown"},
            "event": {"eventName": "cos:ObjectCreated:Put", "eventVersion": "1.0",
                      "eventTime": 1545205770, "eventSource": "qcs::cos",
                      "requestParameters": {"requestSourceIP": "192.168.15.101",
                                            "requestHeaders": {"Authorization": "x"}},
                      "eventQueue": "q", "reservedInfo": "", "reqid": 179398952}}]},
            "cos:ObjectCreated:Put|testpic|/1253970026/testpic/testfile|1029")

    def test_ckafka_event(self):
        self.check("ckafka", {"Records": [
            {"Ckafka": {"topic": "t", "partition": 1, "offset": 36, "msgKey": "None",
                        "msgBody": "first"}},
            {"Ckafka": {"topic": "t", "partition": 1, "offset": 37, "msgKey": "None",
                        "msgBody": "second"}}]}, "t/36=first;t/37=second;")

    def test_cmq_event(self):
        self.check("cmq", {"Records": [{"CMQ": {
            "type": "topic", "topicOwner": 120, "topicName": "testtopic",
            "subscriptionName": "sub", "publishTime": "1970-01-01T00:00:00.000Z",
            "msgId": "123345346", "requestId": "123345346", "msgBody": "Hello from CMQ!",
            "msgTag": "tag1,tag2"}}]}, "testtopic|Hello from CMQ!|tag1,tag2")


class JavaPackageTest(ServerTestCase):
    """Code packages: a zip with jars under lib/, static and context-only handlers."""

    def test_zip_with_lib_jar(self):
        files = dict(classes_of("UsesLib", "dep/Greeter"))
        dep = {k: files.pop(k) for k in list(files) if k.startswith("example/dep/")}
        files["lib/dep.jar"] = make_zip(dep)
        name = unique_name("java-lib")
        create_function(self.client, name, files, runtime=JAVA_RUNTIME,
                        handler="example.UsesLib::handle")
        res = self.client.invoke(name, "yun")
        self.assertEqual(res["InvokeResult"], 0, result_text(res))
        self.assertEqual(res["RetMsg"], '"greeted yun from lib/dep.jar"')

    def test_context_only_and_void(self):
        name = unique_name("java-ctx")
        create_function(self.client, name, classes_of("ContextOnly"), runtime=JAVA_RUNTIME,
                        handler="example.ContextOnly::handle", memory=512)
        self.assertEqual(self.client.invoke(name, {"ignored": 1})["RetMsg"], "512")
        void = unique_name("java-void")
        create_function(self.client, void, classes_of("ContextOnly"), runtime=JAVA_RUNTIME,
                        handler="example.ContextOnly::nothing")
        res = self.client.invoke(void, {})
        self.assertEqual((res["InvokeResult"], res["RetMsg"]), (0, "null"))


class JavaFailureTest(ServerTestCase):
    """Bad handlers and packages, init failures, timeouts, memory exhaustion."""

    def _check_init_failure(self, files, handler, err_msg):
        name = unique_name("java-init")
        create_function(self.client, name, files, runtime=JAVA_RUNTIME, handler=handler,
                        init_timeout=30)
        for _ in range(2):  # the failure repeats, it does not hang or stick
            t0 = time.time()
            res = self.client.invoke(name, {})
            self.assertLess(time.time() - t0, 25, "init failure waited for the init timeout")
            self.assertEqual(res["InvokeResult"], -1, res)
            self.assertEqual(res["ErrMsg"], "function initialization failed: " + err_msg)
        return res

    def test_missing_class(self):
        self._check_init_failure(
            classes_of("Probe"), "example.Missing::handle",
            "class 'example.Missing' not found in the code package "
            "(handler 'example.Missing::handle')")

    def test_missing_method(self):
        self._check_init_failure(
            classes_of("Probe"), "example.Probe::nothere",
            "class 'example.Probe' has no public method 'nothere' taking (event), "
            "(event, Context), (Context) or () (handler 'example.Probe::nothere')")

    def test_static_initializer_fails(self):
        res = self._check_init_failure(classes_of("BadInit"), "example.BadInit::handle",
                                       "static initializer failed")
        self.assertIn("bad init ran", res["Log"])
        self.assertIn("java.lang.IllegalStateException: static initializer failed", res["Log"])

    def test_lib_jar_that_is_not_a_jar(self):
        files = dict(classes_of("Probe"))
        files["lib/broken.jar"] = b"this is not a zip archive"
        self._check_init_failure(files, "example.Probe::handle",
                                 "'lib/broken.jar' in the code package is not a jar: "
                                 "zip END header not found")

    def test_handler_without_method_is_refused(self):
        for handler in ("example.Probe", "example.Probe::", "::handle", "example..Probe::h",
                        "example.Probe::ha-ndle", "example.Probe.handle"):
            with self.subTest(handler=handler):
                err = self.client.error("CreateFunction", {
                    "FunctionName": unique_name("java-bad"), "Runtime": JAVA_RUNTIME,
                    "Handler": handler, "Code": {"ZipFile": zip_b64(classes_of("Probe"))}})
                self.assertErrorCode(err, "InvalidParameterValue.Handler", "Handler")
                self.assertIn("package.Class::method", err["Message"])

    def test_package_that_is_not_a_jar(self):
        err = self.client.error("CreateFunction", {
            "FunctionName": unique_name("java-notjar"), "Runtime": JAVA_RUNTIME,
            "Handler": "example.Probe::handle",
            "Code": {"ZipFile": base64.b64encode(b"PK\x03\x04 not really a jar").decode()}})
        self.assertErrorCode(err, "InvalidParameterValue.ZipFile", "ZipFile")

    def test_unknown_java_version_is_refused(self):
        for runtime in ("Java17", "Java"):
            with self.subTest(runtime=runtime):
                err = self.client.error("CreateFunction", {
                    "FunctionName": unique_name("java-ver"), "Runtime": runtime,
                    "Handler": "example.Probe::handle",
                    "Code": {"ZipFile": zip_b64(classes_of("Probe"))}})
                self.assertErrorCode(err, "InvalidParameterValue.Runtime", "Runtime")

    def test_timeout_then_recovers(self):
        name = unique_name("java-timeout")
        create_function(self.client, name, classes_of("Probe"), runtime=JAVA_RUNTIME,
                        handler="example.Probe::handle", timeout=1)
        self.client.invoke(name, {"op": "count"})  # warm: the timeout is the handler's
        t0 = time.time()
        res = self.client.invoke(name, {"op": "sleep", "seconds": 10})
        self.assertLess(time.time() - t0, 8, "timeout was not enforced promptly")
        self.assertEqual(res["InvokeResult"], -1, res)
        self.assertEqual(res["ErrMsg"], "Invoking task timed out after 1 seconds")
        self.assertIn("about to sleep", res["Log"])
        after = self.client.invoke(name, {"op": "count"})
        self.assertEqual(json.loads(after["RetMsg"])["count"], 1,
                         "the timed-out instance was reused")

    def test_out_of_memory(self):
        name = unique_name("java-oom")
        create_function(self.client, name, classes_of("Probe"), runtime=JAVA_RUNTIME,
                        handler="example.Probe::handle", memory=128, timeout=20)
        before = json.loads(self.client.invoke(name, {"op": "count"})["RetMsg"])
        small = self.client.invoke(name, {"op": "oom", "mb": 16})
        self.assertEqual(small["RetMsg"], "16", "16 MB must fit in 128 MB")
        res = self.client.invoke(name, {"op": "oom", "mb": 300})
        self.assertEqual(res["InvokeResult"], -1, res)
        self.assertEqual(res["ErrMsg"], "Memory limit exceeded: the function's JVM ran out of "
                                        "its 128 MB (java.lang.OutOfMemoryError)")
        self.assertIn("java.lang.OutOfMemoryError: Java heap space", res["Log"])
        after = self.client.invoke(name, {"op": "count"})
        self.assertEqual(after["InvokeResult"], 0, after)
        after = json.loads(after["RetMsg"])
        self.assertEqual(after["count"], 1, "the instance whose heap ran out was reused")
        self.assertNotEqual(after["token"], before["token"])

    def test_memory_limit_of_the_process(self):
        # Memory outside the heap (native allocations) is bounded by the cgroup: the
        # kernel's kill is SCF's memory exhaustion too.
        if not is_root() or not memory_cgroup_available():
            self.skipTest("memory limits need root and a memory cgroup controller")
        name = unique_name("java-native")
        create_function(self.client, name, compile_java({"example/Native.java": NATIVE}),
                        runtime=JAVA_RUNTIME, handler="example.Native::handle", memory=128,
                        timeout=20)
        res = self.client.invoke(name, 400)
        self.assertEqual(res["InvokeResult"], -1, res)
        self.assertEqual(res["ErrMsg"], "Memory limit exceeded: the function used more than "
                                        "128 MB and was killed")


# Touches `mb` MB of native memory outside the heap (sun.misc.Unsafe, as libraries do).
NATIVE = r'''
package example;

import java.lang.reflect.Field;
import sun.misc.Unsafe;

public class Native {
    public int handle(int mb) throws Exception {
        Field f = Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        Unsafe unsafe = (Unsafe) f.get(null);
        for (int i = 0; i < mb; i++) {
            long block = unsafe.allocateMemory(1 << 20);
            for (long j = 0; j < (1 << 20); j += 4096) {
                unsafe.putByte(block + j, (byte) 1);
            }
        }
        return mb;
    }
}
'''


class JavaGatewayTest(GatewayAssertions, ServerTestCase):

    def test_apigw_trigger(self):
        name = unique_name("java-gw")
        create_function(self.client, name, classes_of("Events"), runtime=JAVA_RUNTIME,
                        handler="example.Events::apigw")
        create_apigw_trigger(self.client, name, "api", "/api")
        status, headers, body = gateway_request(
            self.server, "POST", gateway_path(name, "/api/items?name=yun&tag=a&tag=b"),
            body="payload")
        self.assertEqual(status, 201, body)
        self.assertEqual(headers.get("x-java"), "java-17")
        self.assertEqual(json.loads(body), {"method": "POST", "path": "/api/items",
                                            "name": "yun", "tags": "a,b", "body": "payload",
                                            "stage": "release"})
        self.assertRequestIds(headers)


class JavaWebFunctionTest(GatewayAssertions, ServerTestCase):
    """examples/java-web: `scf_bootstrap` runs `java -jar app.jar` serving port 9000."""

    def test_java_web_function(self):
        example = os.path.join(REPO, "examples", "java-web")
        with open(os.path.join(example, "src", "example", "WebApp.java")) as f:
            classes = compile_java({"example/WebApp.java": f.read()})
        manifest = "Manifest-Version: 1.0\r\nMain-Class: example.WebApp\r\n\r\n"
        app = make_zip({"META-INF/MANIFEST.MF": manifest, **classes})
        with open(os.path.join(example, "scf_bootstrap")) as f:
            bootstrap = f.read()
        name = unique_name("java-web")
        create_function(self.client, name, {"scf_bootstrap": (bootstrap, 0o755), "app.jar": app},
                        runtime=JAVA_RUNTIME, handler=None, extra={"Type": "HTTP"},
                        init_timeout=60)
        create_apigw_trigger(self.client, name, "root", "/")
        status, headers, body = gateway_request(
            self.server, "POST", gateway_path(name, "/hello?x=1"), body="from the test")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), {"method": "POST", "path": "/hello", "query": "x=1",
                                            "body": "from the test", "java": "17"})
        self.assertRequestIds(headers)


class JavaExampleTest(ServerTestCase):
    """examples/java-hello built into a jar and deployed as it is with `yunfn deploy`."""

    def test_deploy_jar_with_the_cli(self):
        with open(os.path.join(REPO, "examples", "java-hello", "src", "example",
                               "Hello.java")) as f:
            classes = compile_java({"example/Hello.java": f.read()})
        jar = os.path.join(self.server.workdir, "java-hello.jar")
        with open(jar, "wb") as f:
            f.write(make_zip({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\n\r\n",
                              **classes}))
        name = unique_name("java-example")
        out = run_cli(self.server, "deploy", jar, "--name", name, "--runtime", "Java11",
                      "--handler", "example.Hello::mainHandler", "--memory", "256")
        self.assertEqual(out.returncode, 0, out.stderr)
        res = self.client.invoke(name, {"name": "yunfn", "other": True})
        self.assertEqual(res["InvokeResult"], 0, result_text(res))
        self.assertEqual(json.loads(res["RetMsg"]), {
            "greeting": "Hello, yunfn!", "function": name,
            "requestId": res["FunctionRequestId"]})
        self.assertIn("%s invoked: request_id=%s name=yunfn" % (name, res["FunctionRequestId"]),
                      res["Log"])
        missing = run_cli(self.server, "deploy", jar + ".missing", "--name", name,
                          "--runtime", "Java11", "--handler", "example.Hello::mainHandler")
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("neither a directory nor a readable zip or jar file", missing.stderr)


class JavaIsolationTest(ServerTestCase):
    """As root the default server isolates instances in namespaces: the Java runtime runs
    there (read-only /usr with the JDK and Jackson, /var/runtime, /var/lang/java11)."""

    def test_runs_under_namespace_isolation(self):
        if os.environ.get("YUNFN_ITEST_ISOLATION"):
            self.skipTest("isolation forced to %s" % os.environ["YUNFN_ITEST_ISOLATION"])
        if not is_root():
            self.skipTest("namespace isolation of this test server needs root")
        self.assertTrue(any("isolation namespace" in l for l in self.server.stdout_lines),
                        self.server.stdout_lines)
        name = unique_name("java-iso")
        create_function(self.client, name, classes_of("Probe"), runtime=JAVA_RUNTIME,
                        handler="example.Probe::handle")
        res = json.loads(self.client.invoke(name, {"op": "env", "marker": "USER_CODE_ROOT"})
                         ["RetMsg"])
        self.assertIn(res["var"], ("/var/user", "/var/user/"))
        self.assertTrue(res["classpath"].startswith("/var/runtime/java/runtime.jar:"), res)


if __name__ == "__main__":
    unittest.main()
