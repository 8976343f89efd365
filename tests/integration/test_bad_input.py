"""Bad input: every rejected request returns the SCF error code, names the field in
the message, and leaves nothing behind (no half-created function, no stray files)."""

import base64
import io
import json
import os
import time
import unittest
import uuid
import zipfile

from yunfnlib import (PY_RUNTIME, ServerTestCase, Symlink, create_function,
                      tc3_authorization, unique_name, zip_b64)

GOOD_CODE = {"index.py": "def main_handler(event, context):\n    return 'ok'\n"}
GOOD_ZIP = zip_b64(GOOD_CODE)


class BadInputTest(ServerTestCase):

    def params(self, name=None, **overrides):
        """A valid CreateFunction request with some fields replaced (None removes one)."""
        p = {"FunctionName": name or unique_name("bad"), "Runtime": PY_RUNTIME,
             "Handler": "index.main_handler", "Code": {"ZipFile": GOOD_ZIP}}
        for k, v in overrides.items():
            if v is None:
                p.pop(k, None)
            else:
                p[k] = v
        return p

    def assertNotCreated(self, name):
        """Neither GetFunction nor ListFunctions knows `name`."""
        listed = [f["FunctionName"] for f in self.client.list_all_functions()]
        self.assertNotIn(name, listed, "a rejected function shows up in ListFunctions")
        if isinstance(name, str) and 2 <= len(name) <= 60 and name[:1].isalpha():
            err = self.client.error("GetFunction", {"FunctionName": name})
            self.assertErrorCode(err, "ResourceNotFound.Function", name)

    def reject_create(self, code, field, mentions=(), **overrides):
        """CreateFunction with overrides must fail with code, a message naming field and
        holding each of mentions too."""
        params = self.params(**overrides)
        err = self.client.error("CreateFunction", params)
        self.assertErrorCode(err, code, field)
        for text in mentions:
            self.assertIn(text, err["Message"])
        if "FunctionName" in params:
            self.assertNotCreated(params["FunctionName"])
        return err

    # -- names, runtime, handler, limits --------------------------------------------------

    def test_invalid_function_names(self):
        bad = ["a", "1abc", "abc-", "abc_", "ab c", "ab.c", "ab/c", "名字ab", "a" * 61, ""]
        for name in bad:
            with self.subTest(name=name):
                params = self.params()
                params["FunctionName"] = name
                err = self.client.error("CreateFunction", params)
                self.assertErrorCode(err, "InvalidParameterValue.FunctionName", "FunctionName")
                self.assertNotIn(name, [f["FunctionName"]
                                        for f in self.client.list_all_functions()])
        # Limits are inclusive: 2 and 60 characters are fine.
        for name in ("ab", "a" + uuid.uuid4().hex[:8] + "b" * 51):
            with self.subTest(name=name):
                create_function(self.client, name, GOOD_CODE)
                self.client.delete_function(name)

    def test_unknown_runtime(self):
        self.reject_create("InvalidParameterValue.Runtime", "Runtime", ["Cobol1.0"],
                           Runtime="Cobol1.0")
        self.reject_create("InvalidParameterValue.Runtime", "Runtime", ["python3.9x"],
                           Runtime="python3.9x")

    def test_missing_handler_for_python(self):
        self.reject_create("MissingParameter", "Handler", Handler=None)
        self.reject_create("InvalidParameterValue.Handler", "Handler", ["nodot"],
                           Handler="nodot")

    def test_memory_not_allowed(self):
        for mem in (100, 3200, 0, -128, 200):
            with self.subTest(memory=mem):
                self.reject_create("InvalidParameterValue.MemorySize", "MemorySize", [str(mem)],
                                   MemorySize=mem)

    def test_timeout_out_of_range(self):
        for t in (0, -1):
            with self.subTest(timeout=t):
                self.reject_create("InvalidParameterValue.Timeout", "Timeout", [str(t)],
                                   Timeout=t)
        # Above the limit SCF answers LimitExceeded.Timeout.
        self.reject_create("LimitExceeded.Timeout", "Timeout", ["901"], Timeout=901)

    def test_wrong_types(self):
        self.reject_create("InvalidParameterValue.MemorySize", "MemorySize", MemorySize="lots")
        self.reject_create("InvalidParameterValue.Timeout", "Timeout", Timeout={"s": 3})

    def test_invalid_environment(self):
        def env(*pairs):
            return {"Variables": [{"Key": k, "Value": v} for k, v in pairs]}
        for key in ("1BAD", "BAD-KEY", "has space", ""):
            with self.subTest(key=key):
                self.reject_create("InvalidParameterValue.Environment", "Environment",
                                   ["'%s'" % key], Environment=env((key, "v")))
        for key in ("SCF_FOO", "QCLOUD_X", "TENCENTCLOUD_SECRETID"):
            with self.subTest(key=key):
                self.reject_create("InvalidParameterValue.EnvironmentSystemProtect",
                                   "Environment", [key], Environment=env((key, "v")))
        big = env(("BIG_ONE", "x" * 3000), ("BIG_TWO", "y" * 1500))
        self.reject_create("InvalidParameterValue.EnvironmentExceededLimit", "Environment",
                           ["4 KB"], Environment=big)
        # Updating to a bad environment is rejected and keeps the old one.
        name = unique_name("bad-env-upd")
        create_function(self.client, name, GOOD_CODE, env={"KEEP": "me"})
        err = self.client.error("UpdateFunctionConfiguration", {
            "FunctionName": name, "Environment": env(("SCF_X", "1"))})
        self.assertErrorCode(err, "InvalidParameterValue.EnvironmentSystemProtect", "Environment")
        self.assertIn("SCF_X", err["Message"])
        fn = self.client.get_function(name)
        self.assertEqual(fn["Environment"]["Variables"], [{"Key": "KEEP", "Value": "me"}])

    # -- code packages ----------------------------------------------------------------------

    ZIP_CODE = "InvalidParameterValue.ZipFile"

    def test_zipfile_not_base64(self):
        self.reject_create(self.ZIP_CODE, "ZipFile", ["base64"],
                           Code={"ZipFile": "this is *not* base64!!"})

    def test_zipfile_not_a_zip(self):
        junk = base64.b64encode(b"just some bytes, not a zip archive" * 10).decode()
        self.reject_create(self.ZIP_CODE, "ZipFile", ["zip"], Code={"ZipFile": junk})
        self.reject_create("MissingParameter.Code", "Code.ZipFile", Code={"ZipFile": ""})

    def _escape_targets(self):
        token = uuid.uuid4().hex
        return token, ["/tmp/yunfn-evil-%s" % token,
                       os.path.join(self.server.workdir, "yunfn-evil-%s" % token)]

    def assertNothingEscaped(self, token):
        """No file named after token in the test dir (server data included) or in /tmp.

        A rejected package must not be unpacked at all, so any such file is a failure.
        """
        for dirpath, dirnames, filenames in os.walk(self.server.workdir):
            for n in filenames + dirnames:
                self.assertNotIn(token, n, "file written at %s" % os.path.join(dirpath, n))
        for n in os.listdir("/tmp"):
            self.assertNotIn(token, n, "file written at /tmp/%s" % n)

    def test_zip_with_parent_traversal(self):
        token, _ = self._escape_targets()
        code = zip_b64({"index.py": GOOD_CODE["index.py"],
                        "../yunfn-evil-%s" % token: "escaped",
                        "../../../../../../../../../../tmp/yunfn-evil-%s" % token: "escaped",
                        "sub/../../yunfn-evil-%s-2" % token: "escaped"})
        self.reject_create(self.ZIP_CODE, "ZipFile", [".."], Code={"ZipFile": code})
        self.assertNothingEscaped(token)

    def test_zip_with_absolute_path(self):
        token, targets = self._escape_targets()
        code = zip_b64({"index.py": GOOD_CODE["index.py"], targets[0]: "escaped"})
        self.reject_create(self.ZIP_CODE, "ZipFile", ["absolute", targets[0]],
                           Code={"ZipFile": code})
        self.assertFalse(os.path.exists(targets[0]))
        self.assertNothingEscaped(token)

    def test_zip_with_symlink_outside(self):
        code = zip_b64({"index.py": GOOD_CODE["index.py"], "passwd": Symlink("/etc/passwd")})
        self.reject_create(self.ZIP_CODE, "ZipFile", ["symlink", "/etc/passwd"],
                           Code={"ZipFile": code})
        # A symlinked directory followed by a file "inside" it must not write through.
        token = uuid.uuid4().hex
        outside = "/tmp/yunfn-symdir-%s" % token
        os.mkdir(outside)
        try:
            code = zip_b64({"index.py": GOOD_CODE["index.py"], "d": Symlink(outside),
                            "d/evil.txt": "written through a symlink"})
            self.reject_create(self.ZIP_CODE, "ZipFile", ['"d"'], Code={"ZipFile": code})
            self.assertEqual(os.listdir(outside), [], "a file was written through the symlink")
        finally:
            for n in os.listdir(outside):
                os.unlink(os.path.join(outside, n))
            os.rmdir(outside)

    def test_update_code_with_bad_zip_keeps_old_code(self):
        name = unique_name("bad-upd")
        create_function(self.client, name, GOOD_CODE)
        err = self.client.error("UpdateFunctionCode", {
            "FunctionName": name, "Code": {"ZipFile": zip_b64({"../x": "y"})}})
        self.assertErrorCode(err, self.ZIP_CODE, "ZipFile")
        self.assertIn("..", err["Message"])
        fn = self.client.get_function(name)
        self.assertEqual(fn["Status"], "Active")
        self.assertEqual(self.client.invoke(name)["RetMsg"], '"ok"')

    def test_code_over_size_limit(self):
        # 51 MB of incompressible data: above the 50 MB ZipFile limit, and so above the
        # 10 MB limit of a TC3-signed API request, which refuses it first.
        blob = os.urandom(51 * 1024 * 1024)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr("index.py", GOOD_CODE["index.py"])
            zf.writestr("blob.bin", blob)
        code = base64.b64encode(buf.getvalue()).decode()
        del blob, buf
        name = unique_name("bad-big")
        params = self.params(name=name, Code={"ZipFile": code})
        err = self.client.error("CreateFunction", params, timeout=300)
        self.assertErrorCode(err, "InvalidParameter.RequestTooLarge", "10 MB")
        self.assertNotCreated(name)

    # -- existing / missing functions -------------------------------------------------------

    def test_create_existing_function(self):
        name = unique_name("bad-dup")
        create_function(self.client, name, GOOD_CODE, description="original")
        err = self.client.error("CreateFunction", self.params(name=name, Description="second",
                                                              MemorySize=512))
        self.assertErrorCode(err, "ResourceInUse.Function", name)
        fn = self.client.get_function(name)
        self.assertEqual(fn["Description"], "original")
        self.assertEqual(fn["MemorySize"], 128)

    def test_actions_on_missing_function(self):
        name = "missing-" + uuid.uuid4().hex[:10]
        calls = [
            ("GetFunction", {"FunctionName": name}),
            ("UpdateFunctionCode", {"FunctionName": name, "Code": {"ZipFile": GOOD_ZIP}}),
            ("UpdateFunctionConfiguration", {"FunctionName": name, "Timeout": 5}),
            ("DeleteFunction", {"FunctionName": name}),
            ("Invoke", {"FunctionName": name, "ClientContext": "{}"}),
            ("InvokeFunction", {"FunctionName": name, "Event": "{}"}),
        ]
        for action, params in calls:
            with self.subTest(action=action):
                err = self.client.error(action, params)
                self.assertErrorCode(err, "ResourceNotFound.Function", name)
        self.assertNotCreated(name)

    # -- transport and envelope -------------------------------------------------------------

    def test_malformed_json_body(self):
        for body in (b"{not json", b"[1,2,3]", b"\"string\"", b"{\"Limit\": 1}}"):
            with self.subTest(body=body):
                status, doc = self.client.raw("ListFunctions", body)
                self.assertEqual(status, 200)
                err = doc["Response"]["Error"]
                self.assertErrorCode(err, "InvalidParameter.Payload", "JSON")
                self.assertTrue(doc["Response"].get("RequestId"))

    def test_unknown_action(self):
        err = self.client.error("MakeCoffee", {})
        self.assertErrorCode(err, "InvalidAction", "MakeCoffee")

    def test_missing_signature(self):
        status, doc = self.client.raw("ListFunctions", b"{}", sign=False)
        self.assertEqual(status, 200)
        self.assertErrorCode(doc["Response"]["Error"], "AuthFailure.InvalidAuthorization",
                             "Authorization")

    def test_bad_signature(self):
        status, doc = self.client.raw("ListFunctions", b"{}", secret_key="wrong-key")
        self.assertErrorCode(doc["Response"]["Error"], "AuthFailure.SignatureFailure",
                             "signature")
        # The body is covered: a valid signature of another body fails.
        auth = tc3_authorization(
            self.client.secret_id, self.client.secret_key, self.server.endpoint, b"{}",
            int(time.time()))
        status, doc = self.client.raw("ListFunctions", b'{"Limit":1}', sign=False,
                                      headers={"Authorization": auth})
        self.assertErrorCode(doc["Response"]["Error"], "AuthFailure.SignatureFailure",
                             "signature")
        status, doc = self.client.raw("ListFunctions", b"{}", secret_id="AKIDunknown000000")
        self.assertErrorCode(doc["Response"]["Error"], "AuthFailure.SecretIdNotFound",
                             "SecretId")
        status, doc = self.client.raw("ListFunctions", b"{}", sign=False,
                                      headers={"Authorization": "garbage"})
        self.assertErrorCode(doc["Response"]["Error"], "AuthFailure.InvalidAuthorization",
                             "Authorization")

    def test_expired_timestamp(self):
        status, doc = self.client.raw("ListFunctions", b"{}", timestamp=time.time() - 3600)
        self.assertErrorCode(doc["Response"]["Error"], "AuthFailure.SignatureExpire",
                             "X-TC-Timestamp")
        status, doc = self.client.raw("ListFunctions", b"{}", timestamp=time.time() + 3600)
        self.assertErrorCode(doc["Response"]["Error"], "AuthFailure.SignatureExpire",
                             "X-TC-Timestamp")

    def test_rejected_create_is_not_applied_when_unsigned(self):
        name = unique_name("bad-unsigned")
        body = json.dumps(self.params(name=name)).encode()
        status, doc = self.client.raw("CreateFunction", body, secret_key="wrong")
        self.assertIn("Error", doc["Response"])
        self.assertNotCreated(name)

    def test_event_too_large(self):
        name = unique_name("bad-event")
        create_function(self.client, name, GOOD_CODE)
        event = json.dumps({"data": "x" * (6 * 1024 * 1024 + 1024)})
        err = self.client.error("Invoke", {"FunctionName": name, "ClientContext": event})
        self.assertErrorCode(err, "InvalidParameter.RequestTooLarge", "ClientContext")
        self.assertIn("6 MB", err["Message"])
        err = self.client.error("InvokeFunction", {"FunctionName": name, "Event": event})
        self.assertErrorCode(err, "InvalidParameter.RequestTooLarge", "Event")
        self.assertIn("6 MB", err["Message"])
        # The function still works with a normal event.
        self.assertEqual(self.client.invoke(name, {})["RetMsg"], '"ok"')

    def test_event_not_json(self):
        name = unique_name("bad-event-json")
        create_function(self.client, name, GOOD_CODE)
        err = self.client.error("Invoke", {"FunctionName": name, "ClientContext": "{oops"})
        self.assertErrorCode(err, "InvalidParameterValue.Param", "ClientContext")

    def test_missing_required_fields(self):
        cases = [
            ("CreateFunction", self.params(FunctionName=None), "FunctionName"),
            ("CreateFunction", self.params(Code=None), "Code"),
            ("GetFunction", {}, "FunctionName"),
            ("DeleteFunction", {}, "FunctionName"),
            ("Invoke", {"ClientContext": "{}"}, "FunctionName"),
            ("UpdateFunctionConfiguration", {"Timeout": 3}, "FunctionName"),
            ("CreateNamespace", {}, "Namespace"),
        ]
        for action, params, field in cases:
            with self.subTest(action=action, field=field):
                err = self.client.error(action, params)
                self.assertErrorCode(err, "MissingParameter", field)
        self.assertNotCreated(cases[1][1]["FunctionName"])


if __name__ == "__main__":
    unittest.main()
