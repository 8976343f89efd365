"""Function and namespace management through the SCF API: create, read, list, update,
delete, status transitions, namespaces and GetAccount."""

import json
import re
import time
import unittest

from yunfnlib import (PY_RUNTIME, ServerTestCase, create_function, unique_name, wait_active,
                      zip_b64)

TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def versioned_code(version):
    """A Python function that reports its code version and one env variable."""
    return {"index.py": (
        "import os\n"
        "def main_handler(event, context):\n"
        "    return {'version': %r, 'greeting': os.environ.get('GREETING'),\n"
        "            'memory': context['memory_limit_in_mb'],\n"
        "            'time_ms': context['time_limit_in_ms']}\n"
        "def other_handler(event, context):\n"
        "    return 'other-%s'\n" % (version, version))}


class FunctionLifecycleTest(ServerTestCase):

    def test_create_get_reports_configuration_and_becomes_active(self):
        name = unique_name("api-create")
        self.client.ok("CreateFunction", {
            "FunctionName": name, "Runtime": PY_RUNTIME, "Handler": "index.main_handler",
            "Code": {"ZipFile": zip_b64(versioned_code("v1"))}, "MemorySize": 256,
            "Timeout": 7, "Description": "made by the api test",
            "Environment": {"Variables": [{"Key": "GREETING", "Value": "hello"}]}})
        first = self.client.get_function(name)
        self.assertIn(first["Status"], ("Creating", "Active"))
        fn = wait_active(self.client, name)
        self.assertEqual(fn["FunctionName"], name)
        self.assertEqual(fn["Runtime"], PY_RUNTIME)
        self.assertEqual(fn["Handler"], "index.main_handler")
        self.assertEqual(fn["MemorySize"], 256)
        self.assertEqual(fn["Timeout"], 7)
        self.assertEqual(fn["Description"], "made by the api test")
        self.assertEqual(fn["Namespace"], "default")
        self.assertEqual(fn["FunctionVersion"], "$LATEST")
        self.assertEqual(fn.get("Type", "Event"), "Event")
        self.assertEqual(fn["Environment"]["Variables"], [{"Key": "GREETING", "Value": "hello"}])
        self.assertRegex(fn["AddTime"], TIME_RE)
        self.assertRegex(fn["ModTime"], TIME_RE)
        self.assertTrue(fn.get("RequestId"))
        self.assertTrue(fn.get("FunctionId"), "GetFunction has no FunctionId")
        # The function really runs with that configuration.
        ret = json.loads(self.client.invoke(name)["RetMsg"])
        self.assertEqual(ret, {"version": "v1", "greeting": "hello", "memory": 256,
                               "time_ms": 7000})

    def test_create_defaults(self):
        name = unique_name("api-defaults")
        fn = create_function(self.client, name, versioned_code("d"))
        self.assertEqual(fn["MemorySize"], 128)
        self.assertEqual(fn["Timeout"], 3)
        self.assertEqual(fn["Namespace"], "default")
        self.assertEqual(fn["InitTimeout"], 65)

    def test_list_paging_and_search_key(self):
        prefix = "api-list-%s" % unique_name("p").split("-")[1]
        names = sorted("%s-%d" % (prefix, i) for i in range(3))
        for n in names:
            create_function(self.client, n, versioned_code("l"), wait=False)
        for n in names:
            wait_active(self.client, n)
        resp = self.client.ok("ListFunctions", {"SearchKey": prefix, "Limit": 20})
        self.assertEqual(resp["TotalCount"], 3)
        self.assertEqual(sorted(f["FunctionName"] for f in resp["Functions"]), names)
        for f in resp["Functions"]:
            self.assertEqual(f["Runtime"], PY_RUNTIME)
            self.assertEqual(f["Namespace"], "default")
            self.assertEqual(f["Status"], "Active")
            self.assertRegex(f["AddTime"], TIME_RE)
        page1 = self.client.ok("ListFunctions", {"SearchKey": prefix, "Offset": 0, "Limit": 2,
                                                 "Orderby": "FunctionName", "Order": "ASC"})
        page2 = self.client.ok("ListFunctions", {"SearchKey": prefix, "Offset": 2, "Limit": 2,
                                                 "Orderby": "FunctionName", "Order": "ASC"})
        self.assertEqual(page1["TotalCount"], 3)
        self.assertEqual(page2["TotalCount"], 3)
        self.assertEqual([f["FunctionName"] for f in page1["Functions"]], names[:2])
        self.assertEqual([f["FunctionName"] for f in page2["Functions"]], names[2:])
        desc = self.client.ok("ListFunctions", {"SearchKey": prefix, "Orderby": "FunctionName",
                                                "Order": "DESC"})
        self.assertEqual([f["FunctionName"] for f in desc["Functions"]], names[::-1])
        # Fuzzy match: a middle fragment of the name also finds them.
        fragment = prefix[4:]
        fuzzy = self.client.ok("ListFunctions", {"SearchKey": fragment, "Limit": 100})
        self.assertEqual(fuzzy["TotalCount"], 3)
        none = self.client.ok("ListFunctions", {"SearchKey": prefix + "-nothing"})
        self.assertEqual(none["TotalCount"], 0)
        self.assertEqual(none["Functions"], [])

    def test_update_code_and_handler(self):
        name = unique_name("api-code")
        before = create_function(self.client, name, versioned_code("v1"))
        self.assertEqual(json.loads(self.client.invoke(name)["RetMsg"])["version"], "v1")
        time.sleep(1.1)  # ModTime has one-second resolution
        self.client.ok("UpdateFunctionCode", {
            "FunctionName": name, "Code": {"ZipFile": zip_b64(versioned_code("v2"))}})
        after = wait_active(self.client, name)
        self.assertEqual(json.loads(self.client.invoke(name)["RetMsg"])["version"], "v2")
        self.assertNotEqual(after["ModTime"], before["ModTime"])
        self.assertEqual(after["AddTime"], before["AddTime"])
        # Legacy top-level ZipFile plus a new Handler.
        self.client.ok("UpdateFunctionCode", {
            "FunctionName": name, "Handler": "index.other_handler",
            "ZipFile": zip_b64(versioned_code("v3"))})
        fn = wait_active(self.client, name)
        self.assertEqual(fn["Handler"], "index.other_handler")
        self.assertEqual(self.client.invoke(name)["RetMsg"], '"other-v3"')

    def test_update_configuration(self):
        name = unique_name("api-config")
        create_function(self.client, name, versioned_code("c"), env={"GREETING": "one"})
        self.assertEqual(json.loads(self.client.invoke(name)["RetMsg"])["greeting"], "one")
        self.client.ok("UpdateFunctionConfiguration", {
            "FunctionName": name, "Description": "updated", "MemorySize": 512, "Timeout": 9,
            "Environment": {"Variables": [{"Key": "GREETING", "Value": "two"},
                                          {"Key": "EXTRA", "Value": "x"}]}})
        fn = wait_active(self.client, name)
        self.assertEqual(fn["Description"], "updated")
        self.assertEqual(fn["MemorySize"], 512)
        self.assertEqual(fn["Timeout"], 9)
        self.assertEqual({v["Key"]: v["Value"] for v in fn["Environment"]["Variables"]},
                         {"GREETING": "two", "EXTRA": "x"})
        self.assertEqual(fn["Handler"], "index.main_handler")
        # New instances use the new configuration.
        ret = json.loads(self.client.invoke(name)["RetMsg"])
        self.assertEqual(ret, {"version": "c", "greeting": "two", "memory": 512,
                               "time_ms": 9000})
        # A partial update keeps the other fields.
        self.client.ok("UpdateFunctionConfiguration", {"FunctionName": name, "Timeout": 4})
        fn = wait_active(self.client, name)
        self.assertEqual(fn["Timeout"], 4)
        self.assertEqual(fn["MemorySize"], 512)
        self.assertEqual(fn["Description"], "updated")

    def test_delete(self):
        name = unique_name("api-delete")
        create_function(self.client, name, versioned_code("x"))
        self.client.invoke(name)
        self.client.ok("DeleteFunction", {"FunctionName": name})
        err = self.client.error("GetFunction", {"FunctionName": name})
        self.assertEqual(err["Code"], "ResourceNotFound.Function")
        err = self.client.error("Invoke", {"FunctionName": name, "ClientContext": "{}"})
        self.assertTrue(err["Code"].startswith("ResourceNotFound.Function"), err)
        names = [f["FunctionName"] for f in self.client.list_all_functions(search_key=name)]
        self.assertNotIn(name, names)
        err = self.client.error("DeleteFunction", {"FunctionName": name})
        self.assertEqual(err["Code"], "ResourceNotFound.Function")
        # The name can be used again.
        create_function(self.client, name, versioned_code("again"))
        self.assertEqual(json.loads(self.client.invoke(name)["RetMsg"])["version"], "again")


class NamespaceTest(ServerTestCase):

    def test_namespace_lifecycle_and_functions_in_it(self):
        ns = "ns-%s" % unique_name("n").split("-")[1]
        self.client.ok("CreateNamespace", {"Namespace": ns, "Description": "test ns"})
        listed = self.client.ok("ListNamespaces", {"Limit": 100})
        by_name = {n["Name"]: n for n in listed["Namespaces"]}
        self.assertIn("default", by_name)
        self.assertIn(ns, by_name)
        self.assertEqual(by_name[ns]["Description"], "test ns")
        self.assertGreaterEqual(listed["TotalCount"], 2)
        self.assertRegex(by_name[ns]["AddTime"], TIME_RE)

        err = self.client.error("CreateNamespace", {"Namespace": ns})
        self.assertErrorCode(err, "ResourceInUse.Namespace", ns)

        name = unique_name("ns-fn")
        fn = create_function(self.client, name, {"index.py": (
            "def main_handler(event, context):\n"
            "    return context['namespace']\n")}, namespace=ns)
        self.assertEqual(fn["Namespace"], ns)
        # Not visible in the default namespace.
        err = self.client.error("GetFunction", {"FunctionName": name})
        self.assertEqual(err["Code"], "ResourceNotFound.Function")
        in_ns = self.client.ok("ListFunctions", {"Namespace": ns})
        self.assertEqual([f["FunctionName"] for f in in_ns["Functions"]], [name])
        self.assertEqual(in_ns["TotalCount"], 1)
        default_names = [f["FunctionName"] for f in self.client.list_all_functions()]
        self.assertNotIn(name, default_names)
        self.assertEqual(self.client.invoke(name, namespace=ns)["RetMsg"], json.dumps(ns))

        # Same name may exist in another namespace independently.
        create_function(self.client, name, {"index.py": (
            "def main_handler(event, context):\n    return 'in-default'\n")})
        self.assertEqual(self.client.invoke(name)["RetMsg"], '"in-default"')
        self.assertEqual(self.client.invoke(name, namespace=ns)["RetMsg"], json.dumps(ns))

        self.client.ok("DeleteFunction", {"FunctionName": name, "Namespace": ns})
        self.assertEqual(self.client.invoke(name)["RetMsg"], '"in-default"')
        self.client.ok("DeleteNamespace", {"Namespace": ns})
        names = [n["Name"] for n in self.client.ok("ListNamespaces", {"Limit": 100})["Namespaces"]]
        self.assertNotIn(ns, names)
        self.assertIn("default", names)

    def test_default_namespace_cannot_be_deleted(self):
        err = self.client.error("DeleteNamespace", {"Namespace": "default"})
        self.assertErrorCode(err, "FailedOperation.DeleteNamespace", field="default")
        names = [n["Name"] for n in self.client.ok("ListNamespaces")["Namespaces"]]
        self.assertIn("default", names)

    def test_function_in_missing_namespace(self):
        name = unique_name("ns-missing")
        err = self.client.error("CreateFunction", {
            "FunctionName": name, "Runtime": PY_RUNTIME, "Handler": "index.main_handler",
            "Namespace": "no-such-ns", "Code": {"ZipFile": zip_b64(versioned_code("m"))}})
        self.assertErrorCode(err, "ResourceNotFound.Namespace", field="no-such-ns")
        err = self.client.error("DeleteNamespace", {"Namespace": "no-such-ns"})
        self.assertErrorCode(err, "ResourceNotFound.Namespace", field="no-such-ns")

    def test_invalid_namespace_name(self):
        err = self.client.error("CreateNamespace", {"Namespace": "bad name!"})
        self.assertErrorCode(err, "InvalidParameterValue.Namespace", field="Namespace")
        err = self.client.error("CreateNamespace", {"Namespace": "n" * 31})
        self.assertErrorCode(err, "InvalidParameterValue.Namespace", field="Namespace")


class AccountTest(ServerTestCase):

    def test_get_account_shape(self):
        name = unique_name("acct")
        create_function(self.client, name, versioned_code("a"))
        resp = self.client.ok("GetAccount", {})
        usage, limit = resp["AccountUsage"], resp["AccountLimit"]
        self.assertGreaterEqual(usage["NamespacesCount"], 1)
        default = [n for n in usage["Namespace"] if n["Namespace"] == "default"]
        self.assertEqual(len(default), 1, usage)
        self.assertIn(name, default[0]["Functions"])
        self.assertEqual(default[0]["FunctionsCount"], len(default[0]["Functions"]))
        self.assertIsInstance(usage["TotalConcurrencyMem"], int)
        self.assertIsInstance(usage["TotalAllocatedConcurrencyMem"], int)
        self.assertIsInstance(limit["NamespacesCount"], int)
        ns_limit = limit["Namespace"][0]
        for key in ("FunctionsCount", "ConcurrentExecutions", "TimeoutLimit",
                    "InitTimeoutLimit", "TestModelLimit", "RetryNumLimit", "MinMsgTTL",
                    "MaxMsgTTL"):
            self.assertIsInstance(ns_limit[key], int, key)
        self.assertEqual(ns_limit["TimeoutLimit"], 900)
        self.assertEqual(ns_limit["InitTimeoutLimit"], 300)
        self.assertIn("Timer", ns_limit["Trigger"])
        self.assertIn("Total", ns_limit["Trigger"])


if __name__ == "__main__":
    unittest.main()
