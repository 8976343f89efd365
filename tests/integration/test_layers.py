"""Layers (scf-contract.md sections 3.1, 3.16, 5.4): PublishLayerVersion and the other
layer actions, functions binding layers through Layers, instances finding them at /opt
(Python and Node.js dependencies, a later layer's file winning), published versions
keeping their layers, deleted layer versions still serving, and the bad inputs."""

import base64
import hashlib
import json
import re
import unittest

from yunfnlib import (ServerTestCase, create_function, make_zip, publish_version,
                      unique_name, wait_active, zip_b64)

PY = "Python3.9"
NODE = "Nodejs18.15"

# Reports which layer files it sees: the module `shared` (in both test layers), a module
# only the first layer has, and /opt/data.txt read by path.
PY_PROBE = r'''
import json, os
def main_handler(event, context):
    out = {}
    try:
        import shared
        out["shared"] = shared.VALUE
    except ImportError as e:
        out["shared"] = "missing: %s" % e
    try:
        import only_first
        out["only_first"] = only_first.VALUE
    except ImportError:
        out["only_first"] = "missing"
    try:
        with open("/opt/data.txt") as f:
            out["data"] = f.read()
    except OSError as e:
        out["data"] = "unreadable: %s" % e.strerror
    out["pythonpath"] = os.environ.get("PYTHONPATH")
    return out
'''


def layer_files(tag, first=False):
    files = {"shared.py": "VALUE = %r\n" % tag, "data.txt": "data of %s" % tag}
    if first:
        files["only_first.py"] = "VALUE = %r\n" % tag
    return files


class LayerTest(ServerTestCase):

    def publish(self, name, files, runtimes=(PY,), **extra):
        params = {"LayerName": name, "CompatibleRuntimes": list(runtimes),
                  "Content": {"ZipFile": zip_b64(files)}}
        params.update(extra)
        return self.client.ok("PublishLayerVersion", params)["LayerVersion"]

    def invoke_json(self, name, qualifier=None):
        result = self.client.invoke(name, {}, qualifier=qualifier)
        self.assertEqual(result.get("InvokeResult"), 0, result)
        return json.loads(result["RetMsg"])

    def layer_error(self, action, params):
        return self.client.error(action, params)

    # -- the layer actions ------------------------------------------------------------

    def test_publish_get_list_delete(self):
        name = unique_name("lay")
        files = {"lib.py": "X = 1\n"}
        zip_bytes = make_zip(files)
        v1 = self.client.ok("PublishLayerVersion", {
            "LayerName": name, "CompatibleRuntimes": [PY, "Python3.10"],
            "Content": {"ZipFile": base64.b64encode(zip_bytes).decode()},
            "Description": "first", "LicenseInfo": "MIT"})["LayerVersion"]
        self.assertEqual(v1, 1)
        self.assertEqual(self.publish(name, {"lib.py": "X = 2\n"}, Description="second"), 2)

        got = self.client.ok("GetLayerVersion", {"LayerName": name, "LayerVersion": 1})
        self.assertEqual(got["LayerName"], name)
        self.assertEqual(got["LayerVersion"], 1)
        self.assertEqual(got["CompatibleRuntimes"], [PY, "Python3.10"])
        self.assertEqual(got["CodeSha256"], hashlib.sha256(zip_bytes).hexdigest())
        self.assertEqual(got["Description"], "first")
        self.assertEqual(got["LicenseInfo"], "MIT")
        self.assertEqual(got["Status"], "Active")
        self.assertRegex(got["AddTime"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")

        versions = self.client.ok("ListLayerVersions", {"LayerName": name})["LayerVersions"]
        self.assertEqual([v["LayerVersion"] for v in versions], [2, 1])
        only_310 = self.client.ok("ListLayerVersions", {"LayerName": name,
                                                        "CompatibleRuntime": ["Python3.10"]})
        self.assertEqual([v["LayerVersion"] for v in only_310["LayerVersions"]], [1])

        listed = self.client.ok("ListLayers", {"SearchKey": name})
        self.assertEqual(listed["TotalCount"], 1)
        self.assertEqual(listed["Layers"][0]["LayerVersion"], 2)
        self.assertEqual(listed["Layers"][0]["Description"], "second")
        none = self.client.ok("ListLayers", {"SearchKey": name, "CompatibleRuntime": NODE})
        self.assertEqual(none["TotalCount"], 0)

        self.client.ok("DeleteLayerVersion", {"LayerName": name, "LayerVersion": 2})
        err = self.layer_error("GetLayerVersion", {"LayerName": name, "LayerVersion": 2})
        self.assertErrorCode(err, "ResourceNotFound.LayerVersion", "LayerVersion")
        listed = self.client.ok("ListLayers", {"SearchKey": name})
        self.assertEqual(listed["Layers"][0]["LayerVersion"], 1)
        # Numbers are never reused.
        self.assertEqual(self.publish(name, files), 3)
        self.client.ok("DeleteLayerVersion", {"LayerName": name, "LayerVersion": 1})
        self.client.ok("DeleteLayerVersion", {"LayerName": name, "LayerVersion": 3})
        err = self.layer_error("ListLayerVersions", {"LayerName": name})
        self.assertErrorCode(err, "ResourceNotFound.Layer", name)
        self.assertEqual(self.client.ok("ListLayers", {"SearchKey": name})["TotalCount"], 0)

    # -- functions using layers -------------------------------------------------------

    def test_python_dependency_and_precedence(self):
        a, b = unique_name("la"), unique_name("lb")
        self.publish(a, layer_files("a", first=True))
        self.publish(b, layer_files("b"))
        fn = unique_name("py")
        detail = create_function(self.client, fn, {"index.py": PY_PROBE}, runtime=PY, extra={
            "Layers": [{"LayerName": a, "LayerVersion": 1}, {"LayerName": b, "LayerVersion": 1}]})
        self.assertEqual([(l["LayerName"], l["LayerVersion"], l["Status"]) for l in detail["Layers"]],
                         [(a, 1, "Active"), (b, 1, "Active")])
        out = self.invoke_json(fn)
        self.assertEqual(out["shared"], "b", out)       # the later layer wins
        self.assertEqual(out["only_first"], "a", out)   # and the earlier one's other files stay
        if self.server_isolation() == "namespace":
            self.assertEqual(out["data"], "data of b", out)
            self.assertEqual(out["pythonpath"], "/var/user:/opt", out)

        # The other order: the first layer wins now.
        self.client.ok("UpdateFunctionConfiguration", {"FunctionName": fn, "Layers": [
            {"LayerName": b, "LayerVersion": 1}, {"LayerName": a, "LayerVersion": 1}]})
        self.assertEqual(self.invoke_json(fn)["shared"], "a")

        # SCF's unbinding: an empty LayerName with LayerVersion 0.
        self.client.ok("UpdateFunctionConfiguration", {
            "FunctionName": fn, "Layers": [{"LayerName": "", "LayerVersion": 0}]})
        self.assertEqual(self.client.get_function(fn)["Layers"], [])
        self.assertTrue(self.invoke_json(fn)["shared"].startswith("missing"))

    def test_nodejs_dependency(self):
        layer = unique_name("ln")
        self.publish(layer, {"node_modules/greeter/index.js":
                             "module.exports = (n) => 'hello ' + n + ' from a layer';\n"},
                     runtimes=(NODE,))
        fn = unique_name("node")
        code = ("const greet = require('greeter');\n"
                "exports.main_handler = async (event) => greet(event.name);\n")
        create_function(self.client, fn, {"index.js": code}, runtime=NODE,
                        extra={"Layers": [{"LayerName": layer, "LayerVersion": 1}]})
        result = self.client.invoke(fn, {"name": "yunfn"})
        self.assertEqual(json.loads(result["RetMsg"]), "hello yunfn from a layer", result)

    def test_version_keeps_its_layers(self):
        layer = unique_name("lv")
        self.publish(layer, layer_files("v1", first=True))
        self.publish(layer, layer_files("v2", first=True))
        fn = unique_name("pyv")
        create_function(self.client, fn, {"index.py": PY_PROBE}, runtime=PY,
                        extra={"Layers": [{"LayerName": layer, "LayerVersion": 1}]})
        version = publish_version(self.client, fn)
        self.client.ok("UpdateFunctionConfiguration", {
            "FunctionName": fn, "Layers": [{"LayerName": layer, "LayerVersion": 2}]})
        self.assertEqual(self.invoke_json(fn)["shared"], "v2")
        self.assertEqual(self.invoke_json(fn, qualifier=version)["shared"], "v1")
        snapshot = self.client.ok("GetFunction", {"FunctionName": fn, "Qualifier": version})
        self.assertEqual([(l["LayerName"], l["LayerVersion"]) for l in snapshot["Layers"]],
                         [(layer, 1)])

    def test_deleted_layer_version_keeps_serving(self):
        layer = unique_name("ld")
        self.publish(layer, layer_files("kept", first=True))
        fn = unique_name("pyd")
        create_function(self.client, fn, {"index.py": PY_PROBE}, runtime=PY,
                        extra={"Layers": [{"LayerName": layer, "LayerVersion": 1}]})
        self.client.ok("DeleteLayerVersion", {"LayerName": layer, "LayerVersion": 1})
        # A configuration change retires the warm instance: the next one starts anew.
        self.client.ok("UpdateFunctionConfiguration", {"FunctionName": fn, "Description": "cold"})
        self.assertEqual(self.invoke_json(fn)["shared"], "kept")
        detail = self.client.get_function(fn)
        self.assertEqual([(l["LayerName"], l["Status"]) for l in detail["Layers"]],
                         [(layer, "Deleted")])
        # But it can no longer be bound.
        err = self.client.error("UpdateFunctionConfiguration", {
            "FunctionName": fn, "Layers": [{"LayerName": layer, "LayerVersion": 1}]})
        self.assertErrorCode(err, "ResourceNotFound.Layer", layer)

    def server_isolation(self):
        with open(self.server.stdout_path) as f:
            m = re.search(r"isolation (\w+)", f.read())
        return m.group(1) if m else "unknown"

    # -- bad input --------------------------------------------------------------------

    def test_bad_publish_input(self):
        good = {"ZipFile": zip_b64({"a.py": "A = 1\n"})}
        cases = [
            ({"LayerName": "9starts-with-digit", "CompatibleRuntimes": [PY], "Content": good},
             "InvalidParameterValue.LayerName", "LayerName"),
            ({"LayerName": "ends-", "CompatibleRuntimes": [PY], "Content": good},
             "InvalidParameterValue.LayerName", "LayerName"),
            ({"LayerName": "x" * 65, "CompatibleRuntimes": [PY], "Content": good},
             "InvalidParameterValue.LayerName", "LayerName"),
            ({"LayerName": "okname", "CompatibleRuntimes": [], "Content": good},
             "InvalidParameterValue.CompatibleRuntimes", "CompatibleRuntimes"),
            ({"LayerName": "okname", "CompatibleRuntimes": ["Cobol1"], "Content": good},
             "InvalidParameterValue.CompatibleRuntimes", "Cobol1"),
            ({"LayerName": "okname", "CompatibleRuntimes": [PY]},
             "MissingParameter", "Content"),
            ({"LayerName": "okname", "Content": good},
             "MissingParameter", "CompatibleRuntimes"),
            ({"LayerName": "okname", "CompatibleRuntimes": [PY], "Content": {}},
             "InvalidParameterValue.Content", "Content.ZipFile"),
            ({"LayerName": "okname", "CompatibleRuntimes": [PY],
              "Content": {"CosBucketName": "nolayerbucket", "CosObjectName": "/l.zip"}},
             "ResourceNotFound.Cos", "nolayerbucket"),
            ({"LayerName": "okname", "CompatibleRuntimes": [PY], "Content": {"ZipFile": "%%%"}},
             "InvalidParameterValue.ZipFile", "ZipFile"),
            ({"LayerName": "okname", "CompatibleRuntimes": [PY],
              "Content": {"ZipFile": base64.b64encode(b"not a zip").decode()}},
             "InvalidParameterValue.ZipFile", "ZipFile"),
            ({"LayerName": "okname", "CompatibleRuntimes": [PY],
              "Content": {"ZipFile": zip_b64({"../escape.py": "x = 1\n"})}},
             "InvalidParameterValue.ZipFile", "escape.py"),
            ({"LayerName": "okname", "CompatibleRuntimes": [PY], "Content": good,
              "Description": "d" * 1001},
             "InvalidParameterValue.Description", "Description"),
        ]
        for params, code, field in cases:
            with self.subTest(code=code, field=field):
                self.assertErrorCode(self.client.error("PublishLayerVersion", params), code, field)
        self.assertEqual(self.client.ok("ListLayers", {"SearchKey": "okname"})["TotalCount"], 0)
        err = self.client.error("GetLayerVersion", {"LayerName": "no-such-layer", "LayerVersion": 1})
        self.assertErrorCode(err, "ResourceNotFound.Layer", "no-such-layer")
        err = self.client.error("DeleteLayerVersion", {"LayerName": "no-such-layer", "LayerVersion": 1})
        self.assertErrorCode(err, "ResourceNotFound.Layer", "no-such-layer")

    def test_bad_bindings(self):
        py_layer = unique_name("lbad")
        self.publish(py_layer, {"a.py": "A = 1\n"})
        extra_layers = [unique_name("l6") for _ in range(5)]
        for name in extra_layers:
            self.publish(name, {"b.py": "B = 1\n"})
        code = {"index.py": "def main_handler(e, c):\n    return 1\n"}

        def create_error(layers, runtime=PY):
            return self.client.error("CreateFunction", {
                "FunctionName": unique_name("bad"), "Runtime": runtime,
                "Handler": "index.main_handler", "Code": {"ZipFile": zip_b64(code)},
                "Layers": layers})

        self.assertErrorCode(create_error([{"LayerName": "nope-layer", "LayerVersion": 1}]),
                             "ResourceNotFound.Layer", "nope-layer")
        self.assertErrorCode(create_error([{"LayerName": py_layer, "LayerVersion": 9}]),
                             "ResourceNotFound.LayerVersion", "LayerVersion")
        self.assertErrorCode(create_error([{"LayerName": py_layer, "LayerVersion": 1}], NODE),
                             "InvalidParameterValue.Layers", NODE)
        six = [{"LayerName": n, "LayerVersion": 1} for n in [py_layer] + extra_layers]
        self.assertErrorCode(create_error(six), "InvalidParameterValue.Layers", "at most 5")
        self.assertErrorCode(create_error([{"LayerName": py_layer}]),
                             "InvalidParameterValue.Layers", "LayerVersion")
        self.assertErrorCode(create_error({"LayerName": py_layer, "LayerVersion": 1}),
                             "InvalidParameterValue.Layers", "Layers")
        self.assertErrorCode(create_error([{"LayerName": py_layer, "LayerVersion": 1},
                                           {"LayerName": py_layer, "LayerVersion": 1}]),
                             "InvalidParameterValue.Layers", "twice")
        # Nothing was created by the refused calls.
        self.assertEqual([f for f in self.client.list_all_functions() if f.startswith("bad-")], [])

    def test_code_plus_layers_over_500_mb(self):
        # Zeros compress well: the zips are small, the unpacked sizes are not.
        handler = "def main_handler(e, c):\n    return 1\n"
        big_layer = unique_name("lbig")
        self.publish(big_layer, {"zeros.bin": bytes(300 * 1024 * 1024)})
        bound = [{"LayerName": big_layer, "LayerVersion": 1}]
        big_code = zip_b64({"index.py": handler, "more.bin": bytes(250 * 1024 * 1024)})
        err = self.client.error("CreateFunction", {
            "FunctionName": unique_name("big"), "Runtime": PY, "Handler": "index.main_handler",
            "Code": {"ZipFile": big_code}, "Layers": bound})
        self.assertErrorCode(err, "LimitExceeded", "500 MB")
        # A function with the layer and small code cannot take the big code...
        fn = unique_name("small")
        create_function(self.client, fn, {"index.py": handler}, runtime=PY, extra={"Layers": bound})
        err = self.client.error("UpdateFunctionCode", {"FunctionName": fn,
                                                       "Code": {"ZipFile": big_code}})
        self.assertErrorCode(err, "LimitExceeded", "ZipFile")
        # ... and a function with the big code cannot take the layer.
        self.client.ok("UpdateFunctionConfiguration", {
            "FunctionName": fn, "Layers": [{"LayerName": "", "LayerVersion": 0}]})
        self.client.ok("UpdateFunctionCode", {"FunctionName": fn, "Code": {"ZipFile": big_code}})
        wait_active(self.client, fn)
        err = self.client.error("UpdateFunctionConfiguration", {"FunctionName": fn, "Layers": bound})
        self.assertErrorCode(err, "LimitExceeded", "Layers")
        self.assertEqual(self.client.get_function(fn)["Layers"], [])


class LayerIsolationNoneTest(ServerTestCase):
    """Without namespaces there is no /opt: the search paths name the merged layers."""

    server_kwargs = {"extra_args": ["--isolation", "none"]}

    def test_python_dependency_without_namespaces(self):
        a, b = unique_name("na"), unique_name("nb")
        for name, tag in ((a, "a"), (b, "b")):
            self.client.ok("PublishLayerVersion", {
                "LayerName": name, "CompatibleRuntimes": [PY],
                "Content": {"ZipFile": zip_b64(layer_files(tag, first=True))}})
        fn = unique_name("pyn")
        create_function(self.client, fn, {"index.py": PY_PROBE}, runtime=PY, extra={
            "Layers": [{"LayerName": a, "LayerVersion": 1}, {"LayerName": b, "LayerVersion": 1}]})
        out = json.loads(self.client.invoke(fn, {})["RetMsg"])
        self.assertEqual(out["shared"], "b", out)
        self.assertEqual(out["only_first"], "b", out)


if __name__ == "__main__":
    unittest.main()
