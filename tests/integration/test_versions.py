"""Versions and aliases: PublishVersion snapshots, version numbering and deletion,
invoking by qualifier, the implicit $DEFAULT alias, weighted and rule-based alias
routing, and the errors of bad alias input.

The functions under test return the version they run as (SCF_FUNCTIONVERSION and
context["function_version"]), since the Invoke result itself does not name it.
"""

import collections
import json
import math
import unittest

from yunfnlib import (ServerTestCase, call_outcome, create_function,
                      function_metrics, invoke_params, publish_version, unique_name,
                      wait_active, zip_b64)

# A handler that reports which code, configuration and version served the request.
VERSION_PROBE = r'''
import os
import time

TAG = %r


def main_handler(event, context):
    if isinstance(event, dict) and event.get("sleep"):
        time.sleep(float(event["sleep"]))
    return {"tag": TAG,
            "version": os.environ.get("SCF_FUNCTIONVERSION"),
            "ctx_version": context.get("function_version"),
            "color": os.environ.get("COLOR"),
            "memory": context.get("memory_limit_in_mb"),
            "timeout": context.get("time_limit_in_ms")}
'''


def probe_code(tag):
    return {"index.py": VERSION_PROBE % tag}


def parse_ret(result):
    return json.loads(result["RetMsg"])


class VersionCase(ServerTestCase):
    """Shared helpers: functions with published versions, invoking by qualifier."""

    def make_function(self, tag="v1", env=None, memory=128, timeout=3):
        name = unique_name("ver")
        create_function(self.client, name, files=probe_code(tag), memory=memory,
                        timeout=timeout, env=env)
        # type(self).client: a test may restart the server (new port, new client).
        self.addCleanup(lambda: type(self).client.delete_function(name))
        return name

    def update_code(self, name, tag):
        self.client.ok("UpdateFunctionCode", {"FunctionName": name,
                                              "Handler": "index.main_handler",
                                              "ZipFile": zip_b64(probe_code(tag))})
        wait_active(self.client, name)

    def update_config(self, name, **params):
        params["FunctionName"] = name
        self.client.ok("UpdateFunctionConfiguration", params)
        wait_active(self.client, name)

    def run_as(self, name, qualifier=None, action="Invoke", routing_key=None, event=None):
        """Invokes and returns the probe's answer (asserting the call succeeded)."""
        resp = self.client.ok(action, invoke_params(name, event=event, qualifier=qualifier,
                                                    routing_key=routing_key, action=action))
        result = resp["Result"]
        self.assertEqual(result["InvokeResult"], 0, result)
        return parse_ret(result)

    def version_of(self, name, **kwargs):
        answer = self.run_as(name, **kwargs)
        self.assertEqual(answer["version"], answer["ctx_version"], answer)
        return answer["version"]

    def list_versions(self, name, **params):
        params["FunctionName"] = name
        return self.client.ok("ListVersionByFunction", params)


class VersionTests(VersionCase):

    def test_publish_snapshots_code_and_configuration(self):
        name = self.make_function(tag="code-one", env={"COLOR": "red"}, memory=128, timeout=3)
        resp = self.client.ok("PublishVersion", {"FunctionName": name,
                                                 "Description": "first release"})
        self.assertEqual(resp["FunctionVersion"], "1")
        self.assertEqual(resp["MemorySize"], 128)
        self.assertEqual(resp["Handler"], "index.main_handler")
        self.assertEqual(resp["Runtime"], "Python3.9")
        self.assertEqual(resp["Timeout"], 3)
        self.assertEqual(resp["Description"], "first release")

        # $LATEST moves on: new code and new configuration.
        self.update_code(name, "code-two")
        self.update_config(name, MemorySize=256, Timeout=5,
                           Environment={"Variables": [{"Key": "COLOR", "Value": "blue"}]})

        latest = self.run_as(name)
        self.assertEqual((latest["tag"], latest["color"], latest["memory"], latest["version"]),
                         ("code-two", "blue", 256, "$LATEST"), latest)
        v1 = self.run_as(name, qualifier="1")
        self.assertEqual((v1["tag"], v1["color"], v1["memory"], v1["version"]),
                         ("code-one", "red", 128, "1"), v1)
        self.assertEqual(v1["timeout"], 3000, v1)

        self.assertEqual(publish_version(self.client, name), "2")
        v2 = self.run_as(name, qualifier="2")
        self.assertEqual((v2["tag"], v2["color"], v2["memory"], v2["version"]),
                         ("code-two", "blue", 256, "2"), v2)
        # Version 1 is untouched by the second publish.
        self.assertEqual(self.run_as(name, qualifier="1")["tag"], "code-one")

        # GetFunction with a Qualifier shows the snapshot's configuration.
        got = self.client.ok("GetFunction", {"FunctionName": name, "Qualifier": "1"})
        self.assertEqual(got["MemorySize"], 128, got)
        self.assertEqual(got["Timeout"], 3, got)
        got = self.client.ok("GetFunction", {"FunctionName": name})
        self.assertEqual(got["MemorySize"], 256, got)

    def test_version_numbers_are_never_reused(self):
        name = self.make_function()
        self.assertEqual([publish_version(self.client, name) for _ in range(3)], ["1", "2", "3"])

        # DeleteFunction with a Qualifier deletes that version only.
        self.client.ok("DeleteFunction", {"FunctionName": name, "Qualifier": "3"})
        listed = self.list_versions(name)
        self.assertNotIn("3", listed["FunctionVersion"])
        self.assertEqual(publish_version(self.client, name), "4")

        self.client.ok("DeleteFunctionVersion", {"FunctionName": name, "Qualifier": "2"})
        self.assertEqual(publish_version(self.client, name), "5")
        listed = self.list_versions(name)
        numbered = [v for v in listed["FunctionVersion"] if v != "$LATEST"]
        self.assertEqual(numbered, ["1", "4", "5"], listed)

        # The deleted versions are gone for invocation; the others and $LATEST still run.
        for gone in ("2", "3"):
            err = self.client.error("Invoke", invoke_params(name, qualifier=gone))
            self.assertErrorCode(err, "ResourceNotFound.Qualifier")
        self.assertEqual(self.version_of(name, qualifier="4"), "4")
        self.assertEqual(self.version_of(name), "$LATEST")
        # Deleting a deleted version is an error too.
        err = self.client.error("DeleteFunction", {"FunctionName": name, "Qualifier": "3"})
        self.assertErrorCode(err, "ResourceNotFound.Version", "Version 3")

    def test_list_version_by_function(self):
        name = self.make_function()
        for i in range(3):
            publish_version(self.client, name, description="release %d" % (i + 1))
        listed = self.list_versions(name)
        self.assertEqual(listed["FunctionVersion"], ["$LATEST", "1", "2", "3"], listed)
        self.assertEqual(listed["TotalCount"], 4, listed)
        by_version = {v["Version"]: v for v in listed["Versions"]}
        self.assertEqual(by_version["2"]["Description"], "release 2")
        for v in listed["Versions"]:
            self.assertRegex(v["AddTime"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", v)
            self.assertEqual(v["Status"], "Active", v)

        page = self.list_versions(name, Offset=1, Limit=2)
        self.assertEqual(page["FunctionVersion"], ["1", "2"], page)
        self.assertEqual(page["TotalCount"], 4, page)
        desc = self.list_versions(name, Order="DESC")
        self.assertEqual(desc["FunctionVersion"][0], "3", desc)

        err = self.client.error("ListVersionByFunction", {"FunctionName": unique_name("none")})
        self.assertErrorCode(err, "ResourceNotFound.Function")

    def test_publish_errors(self):
        err = self.client.error("PublishVersion", {"FunctionName": unique_name("none")})
        self.assertErrorCode(err, "ResourceNotFound.Function")
        err = self.client.error("PublishVersion", {})
        self.assertErrorCode(err, "MissingParameter", field="FunctionName")

    def test_delete_version_bound_to_alias_is_refused(self):
        name = self.make_function()
        publish_version(self.client, name)
        publish_version(self.client, name)
        self.client.ok("CreateAlias", {"FunctionName": name, "Name": "prod",
                                       "FunctionVersion": "1"})
        err = self.client.error("DeleteFunction", {"FunctionName": name, "Qualifier": "1"})
        self.assertErrorCode(err, "UnsupportedOperation.AliasBind")
        err = self.client.error("DeleteFunctionVersion", {"FunctionName": name, "Qualifier": "1"})
        self.assertErrorCode(err, "UnsupportedOperation.AliasBind")

        # An additional (weighted) version is bound as well.
        self.client.ok("UpdateAlias", {
            "FunctionName": name, "Name": "prod", "FunctionVersion": "1",
            "RoutingConfig": {"AdditionalVersionWeights": [{"Version": "2", "Weight": 0.3}]}})
        err = self.client.error("DeleteFunction", {"FunctionName": name, "Qualifier": "2"})
        self.assertErrorCode(err, "UnsupportedOperation.AliasBind")

        # Both versions survived the refused deletes.
        self.assertEqual(self.version_of(name, qualifier="1"), "1")
        self.assertEqual(self.version_of(name, qualifier="2"), "2")

        # Repointing the alias frees version 1 (and version 2 once the routing is gone).
        self.client.ok("UpdateAlias", {"FunctionName": name, "Name": "prod",
                                       "FunctionVersion": "2",
                                       "RoutingConfig": {"AdditionalVersionWeights": []}})
        self.client.ok("DeleteFunction", {"FunctionName": name, "Qualifier": "1"})
        err = self.client.error("Invoke", invoke_params(name, qualifier="1"))
        self.assertErrorCode(err, "ResourceNotFound.Qualifier")
        self.assertEqual(self.version_of(name, qualifier="prod"), "2")

        # $DEFAULT repointed at a version binds it too.
        self.client.ok("UpdateAlias", {"FunctionName": name, "Name": "$DEFAULT",
                                       "FunctionVersion": "2"})
        self.client.ok("DeleteAlias", {"FunctionName": name, "Name": "prod"})
        err = self.client.error("DeleteFunction", {"FunctionName": name, "Qualifier": "2"})
        self.assertErrorCode(err, "UnsupportedOperation.AliasBind")

        # Deleting the whole function (no Qualifier) removes versions and aliases.
        self.client.ok("DeleteFunction", {"FunctionName": name})
        err = self.client.error("GetFunction", {"FunctionName": name})
        self.assertErrorCode(err, "ResourceNotFound.Function")

    def test_invoke_by_version_and_alias(self):
        name = self.make_function(tag="one")
        publish_version(self.client, name)
        self.update_code(name, "two")
        publish_version(self.client, name)
        self.client.ok("CreateAlias", {"FunctionName": name, "Name": "stable",
                                       "FunctionVersion": "1"})
        self.client.ok("CreateAlias", {"FunctionName": name, "Name": "canary",
                                       "FunctionVersion": "2"})
        for action in ("Invoke", "InvokeFunction"):
            self.assertEqual(self.run_as(name, "1", action)["tag"], "one")
            self.assertEqual(self.run_as(name, "2", action)["tag"], "two")
            self.assertEqual(self.run_as(name, "$LATEST", action)["tag"], "two")
            stable = self.run_as(name, "stable", action)
            self.assertEqual((stable["tag"], stable["version"]), ("one", "1"), stable)
            canary = self.run_as(name, "canary", action)
            self.assertEqual((canary["tag"], canary["version"]), ("two", "2"), canary)

    def test_recreated_function_starts_clean(self):
        name = self.make_function(tag="first-life")
        publish_version(self.client, name)
        publish_version(self.client, name)
        self.client.ok("CreateAlias", {"FunctionName": name, "Name": "prod",
                                       "FunctionVersion": "2"})
        self.client.ok("UpdateAlias", {"FunctionName": name, "Name": "$DEFAULT",
                                       "FunctionVersion": "1"})
        self.client.ok("DeleteFunction", {"FunctionName": name})
        create_function(self.client, name, files=probe_code("second-life"))

        listed = self.list_versions(name)
        self.assertEqual(listed["FunctionVersion"], ["$LATEST"], listed)
        aliases = self.client.ok("ListAliases", {"FunctionName": name})
        self.assertEqual([(a["Name"], a["FunctionVersion"]) for a in aliases["Aliases"]],
                         [("$DEFAULT", "$LATEST")], aliases)
        err = self.client.error("Invoke", invoke_params(name, qualifier="prod"))
        self.assertErrorCode(err, "ResourceNotFound.Qualifier")
        err = self.client.error("Invoke", invoke_params(name, qualifier="1"))
        self.assertErrorCode(err, "ResourceNotFound.Qualifier")
        self.assertEqual(self.run_as(name, action="InvokeFunction")["tag"], "second-life")
        self.assertEqual(publish_version(self.client, name), "1")
        self.assertEqual(self.run_as(name, qualifier="1")["tag"], "second-life")

    def test_published_version_stays_warm_across_updates(self):
        name = self.make_function(tag="warm-one")
        publish_version(self.client, name)
        self.run_as(name, qualifier="1")
        self.run_as(name)
        before, _ = function_metrics(self.client, name)
        self.update_code(name, "warm-two")
        self.update_config(name, Description="changed")
        self.assertEqual(self.run_as(name, qualifier="1")["tag"], "warm-one")
        self.assertEqual(self.run_as(name)["tag"], "warm-two")
        after, _ = function_metrics(self.client, name)
        # Version 1 is immutable: its warm instance keeps serving; $LATEST restarts.
        self.assertEqual(after["1"]["ColdStarts"], before["1"]["ColdStarts"], (before, after))
        self.assertEqual(after["$LATEST"]["ColdStarts"], before["$LATEST"]["ColdStarts"] + 1,
                         (before, after))

    def test_missing_qualifier(self):
        name = self.make_function()
        publish_version(self.client, name)
        for action in ("Invoke", "InvokeFunction"):
            for qualifier in ("2", "99", "nosuchalias", "$NOPE"):
                err = self.client.error(action, invoke_params(name, qualifier=qualifier,
                                                              action=action))
                self.assertErrorCode(err, "ResourceNotFound.Qualifier")
        # A missing function is still reported as such, whatever the qualifier.
        missing = unique_name("none")
        err = self.client.error("Invoke", invoke_params(missing, qualifier="1"))
        self.assertErrorCode(err, "ResourceNotFound.Function", missing)


class AliasTests(VersionCase):
    """Alias CRUD, $DEFAULT and routing over one function with versions 1 and 2."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fn = unique_name("alias")
        create_function(cls.client, cls.fn, files=probe_code("old"))
        assert publish_version(cls.client, cls.fn) == "1"
        cls.client.ok("UpdateFunctionCode", {"FunctionName": cls.fn,
                                             "Handler": "index.main_handler",
                                             "ZipFile": zip_b64(probe_code("new"))})
        wait_active(cls.client, cls.fn)
        assert publish_version(cls.client, cls.fn) == "2"

    def alias(self, name, main, weights=None, matches=None, fn=None, description=None):
        params = {"FunctionName": fn or self.fn, "Name": name, "FunctionVersion": main}
        routing = {}
        if weights is not None:
            routing["AdditionalVersionWeights"] = [{"Version": v, "Weight": w}
                                                   for v, w in weights]
        if matches is not None:
            routing["AddtionVersionMatchs"] = matches
        if weights is not None or matches is not None:
            params["RoutingConfig"] = routing
        if description is not None:
            params["Description"] = description
        return params

    def create_alias(self, name, main, **kwargs):
        self.client.ok("CreateAlias", self.alias(name, main, **kwargs))
        self.addCleanup(self.client.call, "DeleteAlias",
                        {"FunctionName": kwargs.get("fn") or self.fn, "Name": name})

    def counts(self, qualifier, n, **kwargs):
        """Invokes the alias n times; returns Counter(version -> count)."""
        return collections.Counter(self.version_of(self.fn, qualifier=qualifier, **kwargs)
                                   for _ in range(n))

    def test_alias_crud(self):
        self.create_alias("prod", "1", description="production")
        got = self.client.ok("GetAlias", {"FunctionName": self.fn, "Name": "prod"})
        self.assertEqual(got["Name"], "prod")
        self.assertEqual(got["FunctionVersion"], "1")
        self.assertEqual(got["Description"], "production")
        self.assertRegex(got["AddTime"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", got)
        self.assertEqual(got["RoutingConfig"].get("AdditionalVersionWeights") or [], [], got)

        listed = self.client.ok("ListAliases", {"FunctionName": self.fn})
        names = [a["Name"] for a in listed["Aliases"]]
        self.assertIn("prod", names)
        self.assertIn("$DEFAULT", names)
        self.assertEqual(listed["TotalCount"], len(listed["Aliases"]))
        only_one = self.client.ok("ListAliases", {"FunctionName": self.fn, "FunctionVersion": "1"})
        self.assertEqual([a["Name"] for a in only_one["Aliases"]], ["prod"], only_one)

        err = self.client.error("CreateAlias", self.alias("prod", "2"))
        self.assertErrorCode(err, "ResourceInUse.Alias")
        self.assertEqual(self.version_of(self.fn, qualifier="prod"), "1")

        self.client.ok("UpdateAlias", self.alias("prod", "2", description="moved"))
        got = self.client.ok("GetAlias", {"FunctionName": self.fn, "Name": "prod"})
        self.assertEqual((got["FunctionVersion"], got["Description"]), ("2", "moved"), got)
        self.assertEqual(self.version_of(self.fn, qualifier="prod"), "2")

        self.client.ok("DeleteAlias", {"FunctionName": self.fn, "Name": "prod"})
        err = self.client.error("GetAlias", {"FunctionName": self.fn, "Name": "prod"})
        self.assertErrorCode(err, "ResourceNotFound.Alias")
        err = self.client.error("DeleteAlias", {"FunctionName": self.fn, "Name": "prod"})
        self.assertErrorCode(err, "ResourceNotFound.Alias")
        err = self.client.error("UpdateAlias", self.alias("prod", "1"))
        self.assertErrorCode(err, "ResourceNotFound.Alias")
        err = self.client.error("Invoke", invoke_params(self.fn, qualifier="prod"))
        self.assertErrorCode(err, "ResourceNotFound.Qualifier")

    def test_default_alias(self):
        fn = self.make_function(tag="default-old")
        publish_version(self.client, fn)
        self.update_code(fn, "default-new")

        got = self.client.ok("GetAlias", {"FunctionName": fn, "Name": "$DEFAULT"})
        self.assertEqual(got["FunctionVersion"], "$LATEST", got)
        listed = self.client.ok("ListAliases", {"FunctionName": fn})
        self.assertEqual([a["Name"] for a in listed["Aliases"]], ["$DEFAULT"], listed)
        self.assertEqual(listed["TotalCount"], 1, listed)

        # InvokeFunction follows $DEFAULT, which starts at $LATEST.
        self.assertEqual(self.run_as(fn, action="InvokeFunction")["tag"], "default-new")

        self.client.ok("UpdateAlias", {"FunctionName": fn, "Name": "$DEFAULT",
                                       "FunctionVersion": "1"})
        answer = self.run_as(fn, action="InvokeFunction")
        self.assertEqual((answer["tag"], answer["version"]), ("default-old", "1"), answer)
        self.assertEqual(self.version_of(fn, qualifier="$DEFAULT"), "1")
        # Invoke without a Qualifier still means $LATEST.
        self.assertEqual(self.version_of(fn), "$LATEST")
        listed = self.client.ok("ListAliases", {"FunctionName": fn})
        self.assertEqual([(a["Name"], a["FunctionVersion"]) for a in listed["Aliases"]],
                         [("$DEFAULT", "1")], listed)

        for _ in range(2):  # before and after a second attempt: still refused, still there
            err = self.client.error("DeleteAlias", {"FunctionName": fn, "Name": "$DEFAULT"})
            self.assertErrorCode(err, "InvalidParameterValue.Alias")
        got = self.client.ok("GetAlias", {"FunctionName": fn, "Name": "$DEFAULT"})
        self.assertEqual(got["FunctionVersion"], "1", got)

        # $DEFAULT takes weighted routing like any alias.
        self.client.ok("UpdateAlias", {
            "FunctionName": fn, "Name": "$DEFAULT", "FunctionVersion": "1",
            "RoutingConfig": {"AdditionalVersionWeights": [{"Version": "$LATEST", "Weight": 1}]}})
        self.assertEqual(self.version_of(fn, action="InvokeFunction"), "$LATEST")

    def test_weighted_routing_90_10(self):
        self.create_alias("split", "1", weights=[("2", 0.1)])
        got = self.client.ok("GetAlias", {"FunctionName": self.fn, "Name": "split"})
        self.assertEqual(got["RoutingConfig"]["AdditionalVersionWeights"],
                         [{"Version": "2", "Weight": 0.1}], got)
        before, _ = function_metrics(self.client, self.fn)
        n = 1000
        counts = self.counts("split", n)
        self.assertEqual(set(counts) - {"1", "2"}, set(), counts)
        self.assertEqual(counts["1"] + counts["2"], n)
        # Binomial(1000, 0.1): mean 100, sigma ~9.5; accept 5 sigma.
        sigma = math.sqrt(n * 0.1 * 0.9)
        self.assertLessEqual(abs(counts["2"] - 100), 5 * sigma,
                             "90/10 split gave %r" % dict(counts))
        # The per-version metrics saw the same split.
        after, _ = function_metrics(self.client, self.fn)
        for v in ("1", "2"):
            delta = after[v]["Invocations"] - (before.get(v) or {}).get("Invocations", 0)
            self.assertEqual(delta, counts[v], (v, before.get(v), after[v], counts))

    def test_moving_all_traffic_to_version_2(self):
        self.create_alias("move", "1", weights=[("2", 0.5)])
        self.assertEqual(set(self.counts("move", 40)), {"1", "2"})

        # main 1, additional 2 with weight 1.0: everything goes to 2.
        self.client.ok("UpdateAlias", self.alias("move", "1", weights=[("2", 1.0)]))
        self.assertEqual(self.counts("move", 50), {"2": 50})

        # main 2, no additional version: still only 2.
        self.client.ok("UpdateAlias", self.alias("move", "2", weights=[]))
        self.assertEqual(self.counts("move", 50), {"2": 50})

        # weight 0.0: only the main version.
        self.client.ok("UpdateAlias", self.alias("move", "1", weights=[("2", 0.0)]))
        self.assertEqual(self.counts("move", 50), {"1": 50})

    def test_gradual_shift_like_the_load_test(self):
        """The SCF load test shifts concurrency from the old to the new version in
        steps (old 2k -> 1k -> 0 while new 0 -> 1k -> 2k): weights 0, 0.5, 1."""
        self.create_alias("shift", "1", weights=[("2", 0.0)])
        n = 200
        observed = []
        for weight in (0.0, 0.5, 1.0):
            self.client.ok("UpdateAlias", self.alias("shift", "1", weights=[("2", weight)]))
            counts = self.counts("shift", n)
            observed.append((weight, counts["1"], counts["2"]))
        print("\ngradual shift (weight, old, new) over %d invokes each: %r" % (n, observed))
        self.assertEqual(observed[0][1:], (n, 0), observed)
        self.assertEqual(observed[2][1:], (0, n), observed)
        # Binomial(200, 0.5): sigma ~7.1; accept 5 sigma around 100 each.
        _, old, new = observed[1]
        self.assertEqual(old + new, n)
        self.assertLessEqual(abs(new - n / 2), 5 * math.sqrt(n * 0.25), observed)

    def test_rule_routing_exact(self):
        rule = {"Version": "2", "Key": "invoke.headers.user", "Method": "exact",
                "Expression": "beta"}
        self.create_alias("rules-exact", "1", matches=[rule])
        got = self.client.ok("GetAlias", {"FunctionName": self.fn, "Name": "rules-exact"})
        self.assertEqual(got["RoutingConfig"]["AddtionVersionMatchs"], [rule], got)
        cases = [({"user": "beta"}, "2"), ({"user": "alpha"}, "1"), ({"user": "Beta"}, "1"),
                 ({"other": "beta"}, "1"), (None, "1"), ({}, "1")]
        for key, want in cases:
            for action in ("Invoke", "InvokeFunction"):
                got_version = self.version_of(self.fn, qualifier="rules-exact",
                                              routing_key=key, action=action)
                self.assertEqual(got_version, want, "RoutingKey %r via %s" % (key, action))
        # RoutingKey may also be given as a JSON string.
        self.assertEqual(self.version_of(self.fn, qualifier="rules-exact",
                                         routing_key='{"user":"beta"}'), "2")

    def test_rule_routing_range(self):
        closed = {"Version": "2", "Key": "invoke.headers.uid", "Method": "range",
                  "Expression": "[100,200]"}
        self.create_alias("rules-closed", "1", matches=[closed])
        for uid, want in (("99", "1"), ("100", "2"), ("150", "2"), ("200", "2"), ("201", "1"),
                          ("abc", "1"), ("-5", "1")):
            self.assertEqual(self.version_of(self.fn, qualifier="rules-closed",
                                             routing_key={"uid": uid}), want, "uid %s" % uid)
        opened = dict(closed, Expression="(100,200)")
        self.create_alias("rules-open", "1", matches=[opened])
        for uid, want in (("100", "1"), ("101", "2"), ("199", "2"), ("200", "1")):
            self.assertEqual(self.version_of(self.fn, qualifier="rules-open",
                                             routing_key={"uid": uid}), want, "uid %s" % uid)

    def test_bad_alias_input(self):
        fn = self.fn
        avw = "InvalidParameterValue.AdditionalVersionWeights"
        rc = "InvalidParameterValue.RoutingConfig"
        missing_fn = unique_name("none")
        bad = [
            # (params, error code, what the message names)
            (self.alias("w1", "1", weights=[("2", 1.5)]), avw, "AdditionalVersionWeights"),
            (self.alias("w2", "1", weights=[("2", -0.1)]), avw, "AdditionalVersionWeights"),
            (self.alias("w3", "1", weights=[("2", 0.2), ("$LATEST", 0.2)]), avw,
             "AdditionalVersionWeights"),
            (self.alias("w4", "1", weights=[("2", 0.2)], matches=[
                {"Version": "2", "Key": "invoke.headers.u", "Method": "exact",
                 "Expression": "x"}]), rc, "RoutingConfig"),
            (self.alias("w5", "1", weights=[("1", 0.2)]), avw, "AdditionalVersionWeights"),
            (self.alias("w6", "1", matches=[
                {"Version": "1", "Key": "invoke.headers.u", "Method": "exact",
                 "Expression": "x"}]), rc, "RoutingConfig"),
            (self.alias("w7", "1", matches=[
                {"Version": "2", "Key": "invoke.headers.u", "Method": "exact",
                 "Expression": "x"},
                {"Version": "$LATEST", "Key": "invoke.headers.u", "Method": "exact",
                 "Expression": "y"}]), rc, "RoutingConfig"),
            (self.alias("w8", "1", matches=[
                {"Version": "2", "Key": "invoke.headers.u", "Method": "regex",
                 "Expression": "x.*"}]), rc, "RoutingConfig"),
            (self.alias("w9", "1", matches=[
                {"Version": "2", "Key": "invoke.headers.u", "Method": "range",
                 "Expression": "[200,100]"}]), rc, "RoutingConfig"),
            (self.alias("w10", "1", matches=[
                {"Version": "2", "Key": "invoke.headers.u", "Method": "range",
                 "Expression": "1-5"}]), rc, "RoutingConfig"),
            (self.alias("w11", "9"), "ResourceNotFound.FunctionVersion", "FunctionVersion 9"),
            (self.alias("w12", "1", weights=[("9", 0.5)]), "ResourceNotFound.FunctionVersion",
             "version 9"),
            (self.alias("w13", "1", fn=missing_fn), "ResourceNotFound.Function", missing_fn),
        ]
        for name in ("1abc", "a b", "x" * 65, "-dash", "bad.name", "$DEFAULT2"):
            bad.append((self.alias(name, "1"), "InvalidParameterValue.Name", "Name '%s'" % name))
        bad.append(({"FunctionName": fn, "FunctionVersion": "1"}, "MissingParameter", "Name"))
        bad.append(({"FunctionName": fn, "Name": "nover"}, "MissingParameter", "FunctionVersion"))
        for params, code, field in bad:
            with self.subTest(alias=params.get("Name"), code=code):
                err = self.client.error("CreateAlias", params)
                self.assertErrorCode(err, code, field)
                if "Name" in params:
                    outcome = call_outcome(self.client, "GetAlias",
                                           {"FunctionName": fn, "Name": params["Name"]})
                    self.assertFalse(outcome.ok, "refused alias %s exists: %r"
                                     % (params["Name"], outcome))

        # A refused update leaves the alias as it was.
        self.create_alias("keep", "1", weights=[("2", 0.25)])
        err = self.client.error("UpdateAlias", self.alias("keep", "1", weights=[("2", 1.5)]))
        self.assertErrorCode(err, "InvalidParameterValue.AdditionalVersionWeights",
                             "AdditionalVersionWeights")
        err = self.client.error("UpdateAlias", self.alias("keep", "9"))
        self.assertErrorCode(err, "ResourceNotFound.FunctionVersion")
        got = self.client.ok("GetAlias", {"FunctionName": fn, "Name": "keep"})
        self.assertEqual(got["FunctionVersion"], "1")
        self.assertEqual(got["RoutingConfig"]["AdditionalVersionWeights"],
                         [{"Version": "2", "Weight": 0.25}], got)

        # Bad RoutingKey shapes on Invoke.
        err = self.client.error("Invoke", invoke_params(fn, qualifier="keep", routing_key=[1]))
        self.assertErrorCode(err, "InvalidParameterValue.RoutingKey", "RoutingKey")
        err = self.client.error("Invoke", invoke_params(fn, qualifier="keep",
                                                        routing_key="not json"))
        self.assertErrorCode(err, "InvalidParameterValue.RoutingKey", "RoutingKey")


class VersionRestartTests(VersionCase):
    """Versions, aliases and the version numbering survive a server restart."""

    def test_versions_and_aliases_survive_restart(self):
        name = self.make_function(tag="before")
        publish_version(self.client, name)
        publish_version(self.client, name)
        self.client.ok("DeleteFunction", {"FunctionName": name, "Qualifier": "2"})
        self.client.ok("CreateAlias", {
            "FunctionName": name, "Name": "live", "FunctionVersion": "1",
            "RoutingConfig": {"AdditionalVersionWeights": [{"Version": "$LATEST",
                                                            "Weight": 0.0}]}})
        self.client.ok("UpdateAlias", {"FunctionName": name, "Name": "$DEFAULT",
                                       "FunctionVersion": "1"})
        self.server.stop()
        self.server.start()
        type(self).client = self.server.client()
        self.client = type(self).client

        listed = self.client.ok("ListVersionByFunction", {"FunctionName": name})
        self.assertEqual(listed["FunctionVersion"], ["$LATEST", "1"], listed)
        got = self.client.ok("GetAlias", {"FunctionName": name, "Name": "live"})
        self.assertEqual(got["FunctionVersion"], "1")
        self.assertEqual(got["RoutingConfig"]["AdditionalVersionWeights"],
                         [{"Version": "$LATEST", "Weight": 0.0}], got)
        self.assertEqual(self.version_of(name, qualifier="live"), "1")
        self.assertEqual(self.version_of(name, action="InvokeFunction"), "1")
        self.assertEqual(publish_version(self.client, name), "3")


if __name__ == "__main__":
    unittest.main()
