"""SCF concurrency management, scaled down: the account quota counted in MB of
configured memory, reserved quotas (guarantee and cap), provisioned instances of a
version (no cold starts, replaced when they die, not a cap raise), the account total
and the scale-up (burst) limit.

Every test fires real concurrent invocations of Python functions that sleep, so the
numbers are small (a few dozen instances) and the sleeps short; each class runs its
own server with the quota flags it needs.
"""

import json
import os
import signal
import time
import unittest

from yunfnlib import (kill_instance_process, ServerTestCase, call_outcome, cold_starts, create_function,
                      function_metrics, function_processes, instance_pids, invoke_params,
                      publish_version, run_concurrently, unique_name, wait_provisioned)

# Sleeps event["sleep"] seconds and says which version and instance served the call.
# (The pid does not identify an instance: in a pid namespace every runtime is pid 2.)
SLEEPER = r'''
import os
import time
import uuid

INSTANCE = uuid.uuid4().hex


def main_handler(event, context):
    started = time.time()
    time.sleep(float((event or {}).get("sleep", 0)))
    return {"version": os.environ.get("SCF_FUNCTIONVERSION"), "instance": INSTANCE,
            "started": started, "finished": time.time()}
'''

QUOTA_CODE = "LimitExceeded.Quota"
SCALE_CODE = "RequestLimitExceeded"


class ConcurrencyCase(ServerTestCase):
    """Helpers shared by the concurrency test classes."""

    def make_function(self, memory=128, timeout=30):
        name = unique_name("conc")
        create_function(self.client, name, files={"index.py": SLEEPER}, memory=memory,
                        timeout=timeout)
        self.addCleanup(self.client.delete_function, name)
        return name

    def reserve(self, name, mb):
        """PutReservedConcurrencyConfig, undone when the test ends."""
        self.client.ok("PutReservedConcurrencyConfig",
                       {"FunctionName": name, "ReservedConcurrencyMem": mb})
        self.addCleanup(self.client.call, "DeleteReservedConcurrencyConfig",
                        {"FunctionName": name})

    def fire(self, *groups, probe=None):
        """Fires every group [(name, count, sleep_s, qualifier)] at once; returns
        {name: [Outcome]} (plus "probe": its value when a probe callable is given,
        run on one more thread released by the same barrier)."""
        calls, owners = [], []
        for name, count, sleep_s, qualifier in groups:
            params = invoke_params(name, event={"sleep": sleep_s}, qualifier=qualifier)
            for _ in range(count):
                calls.append(lambda p=params: call_outcome(self.client, "Invoke", p))
                owners.append(name)
        if probe is not None:
            calls.append(probe)
            owners.append("probe")
        results = run_concurrently(calls, timeout=120)
        out = {}
        for owner, res in zip(owners, results):
            if owner == "probe":
                out["probe"] = res
            else:
                out.setdefault(owner, []).append(res)
        return out

    def split(self, outcomes, throttle_code=QUOTA_CODE, throttle_text="432"):
        """(successful Results, throttled Outcomes); anything else fails the test."""
        ok, throttled = [], []
        for o in outcomes:
            if o.ok and o.result.get("InvokeResult") == 0:
                ok.append(o.result)
            elif not o.ok and o.code == throttle_code:
                self.assertIn(throttle_text, o.message or "", o)
                throttled.append(o)
            else:
                self.fail("unexpected invocation outcome %r (all: %r)" % (o, outcomes))
        return ok, throttled

    def assertSplit(self, outcomes, n_ok, n_throttled, **kwargs):
        ok, throttled = self.split(outcomes, **kwargs)
        self.assertEqual((len(ok), len(throttled)), (n_ok, n_throttled),
                         "expected %d ok / %d throttled, got %r" % (n_ok, n_throttled, outcomes))
        return ok, throttled

    def assertOverlapped(self, results, n):
        """The n successful calls really ran at the same time (their sleeps overlap)."""
        spans = [json.loads(r["RetMsg"]) for r in results]
        latest_start = max(s["started"] for s in spans)
        earliest_end = min(s["finished"] for s in spans)
        self.assertEqual(len({s["instance"] for s in spans}), n, spans)
        self.assertLess(latest_start, earliest_end, "the %d calls did not overlap" % n)

    def account(self):
        return self.client.ok("GetAccount")


class QuotaTests(ConcurrencyCase):
    """Account quota 5120 MB = 40 instances of 128 MB, no unreserved floor."""

    server_kwargs = {"extra_args": ["--account-quota-mb", "5120", "--unreserved-floor-mb", "0"]}

    def test_get_account_reflects_quota(self):
        acct = self.account()
        usage = acct["AccountUsage"]
        self.assertEqual(usage["TotalConcurrencyMem"], 5120, usage)
        self.assertEqual(usage["UserConcurrencyMemLimit"], 5120, usage)
        limits = acct["AccountLimit"]["Namespace"]
        self.assertTrue(limits, acct)
        self.assertEqual(limits[0]["ConcurrentExecutions"], 40, limits)
        before = usage["TotalAllocatedConcurrencyMem"]

        name = self.make_function()
        self.reserve(name, 640)
        usage = self.account()["AccountUsage"]
        self.assertEqual(usage["TotalAllocatedConcurrencyMem"], before + 640, usage)
        got = self.client.ok("GetReservedConcurrencyConfig", {"FunctionName": name})
        self.assertEqual(got["ReservedMem"], 640, got)
        self.client.ok("DeleteReservedConcurrencyConfig", {"FunctionName": name})
        usage = self.account()["AccountUsage"]
        self.assertEqual(usage["TotalAllocatedConcurrencyMem"], before, usage)
        got = self.client.ok("GetReservedConcurrencyConfig", {"FunctionName": name})
        self.assertIsNone(got["ReservedMem"], got)

    def test_reserved_quota_is_a_guarantee_and_a_cap(self):
        """B reserves 14 x 128 MB. 40 concurrent 4 s calls of A: 26 run, 14 are throttled;
        at the same time 15 calls of B: 14 run, the 15th is throttled."""
        a = self.make_function()
        b = self.make_function()
        self.reserve(b, 14 * 128)

        def probe():
            time.sleep(1.5)  # all calls admitted, none finished yet
            return (function_metrics(self.client, a), function_metrics(self.client, b),
                    self.account()["AccountUsage"])

        out = self.fire((a, 40, 4, None), (b, 15, 4, None), probe=probe)
        a_ok, _ = self.assertSplit(out[a], 26, 14)
        b_ok, _ = self.assertSplit(out[b], 14, 1)
        self.assertOverlapped(a_ok, 26)
        self.assertOverlapped(b_ok, 14)

        (a_mid, a_mem), (b_mid, b_mem), usage = out["probe"]
        self.assertEqual(a_mem, 26 * 128, a_mid)
        self.assertEqual(b_mem, 14 * 128, b_mid)
        self.assertEqual(usage.get("ConcurrencyMemInUse"), 5120, usage)
        self.assertEqual(a_mid["$LATEST"]["ConcurrentExecutions"], 26, a_mid)

        a_end, a_mem = function_metrics(self.client, a)
        b_end, b_mem = function_metrics(self.client, b)
        self.assertEqual(a_end["$LATEST"]["MaxConcurrentExecutions"], 26, a_end)
        self.assertEqual(a_end["$LATEST"]["Throttles"], 14, a_end)
        self.assertEqual(b_end["$LATEST"]["MaxConcurrentExecutions"], 14, b_end)
        self.assertEqual(b_end["$LATEST"]["Throttles"], 1, b_end)
        self.assertEqual((a_mem, b_mem), (0, 0), "memory still counted after the calls end")

        # Without the reservation, A may use the whole account again.
        self.client.ok("DeleteReservedConcurrencyConfig", {"FunctionName": b})
        out = self.fire((a, 40, 1, None))
        self.assertSplit(out[a], 40, 0)

    def test_reserved_zero_disables_the_function(self):
        name = self.make_function()
        self.assertEqual(self.client.invoke(name)["InvokeResult"], 0)
        self.reserve(name, 0)
        got = self.client.ok("GetReservedConcurrencyConfig", {"FunctionName": name})
        self.assertEqual(got["ReservedMem"], 0, got)
        for action in ("Invoke", "InvokeFunction"):
            for _ in range(3):
                err = self.client.error(action, invoke_params(name, action=action))
                self.assertErrorCode(err, QUOTA_CODE)
                self.assertIn("432", err["Message"])
                self.assertIn(name, err["Message"])
        by_version, _ = function_metrics(self.client, name)
        self.assertEqual(by_version["$LATEST"]["Throttles"], 6, by_version)

        # Deleting the reservation (which is not the same as 0) restores it.
        self.client.ok("DeleteReservedConcurrencyConfig", {"FunctionName": name})
        self.assertEqual(self.client.invoke(name)["InvokeResult"], 0)

    def test_memory_counts_not_instances(self):
        """Reserved 1024 MB holds 8 instances of 128 MB but only 4 of 256 MB."""
        big = self.make_function(memory=256)
        small = self.make_function(memory=128)
        self.reserve(big, 1024)
        self.reserve(small, 1024)

        def probe():
            time.sleep(1.0)
            return function_metrics(self.client, big)[1]

        out = self.fire((big, 8, 2, None), (small, 8, 2, None), probe=probe)
        big_ok, _ = self.assertSplit(out[big], 4, 4)
        self.assertSplit(out[small], 8, 0)
        self.assertOverlapped(big_ok, 4)
        self.assertEqual(out["probe"], 1024)

    def test_reserved_above_free_quota_is_refused(self):
        b = self.make_function()
        e = self.make_function()
        f = self.make_function()
        g = self.make_function()
        self.reserve(b, 1792)
        err = self.client.error("PutReservedConcurrencyConfig",
                                {"FunctionName": e, "ReservedConcurrencyMem": 5120 - 1792 + 1})
        self.assertErrorCode(err, "FailedOperation.ReservedExceedTotal")
        self.reserve(e, 5120 - 1792)
        # Setting a function's own quota again does not count its old value.
        self.client.ok("PutReservedConcurrencyConfig",
                       {"FunctionName": e, "ReservedConcurrencyMem": 5120 - 1792})
        err = self.client.error("PutReservedConcurrencyConfig",
                                {"FunctionName": f, "ReservedConcurrencyMem": 128})
        self.assertErrorCode(err, "FailedOperation.ReservedExceedTotal")
        got = self.client.ok("GetReservedConcurrencyConfig", {"FunctionName": f})
        self.assertIsNone(got["ReservedMem"], got)
        self.assertEqual(self.account()["AccountUsage"]["TotalAllocatedConcurrencyMem"], 5120)

        # Everything is reserved: a function without a reservation cannot run at all.
        err = self.client.error("Invoke", invoke_params(g))
        self.assertErrorCode(err, QUOTA_CODE)
        self.assertIn("432", err["Message"])
        # ... while the reserved ones can.
        self.assertEqual(self.client.invoke(e)["InvokeResult"], 0)

        # Deleting a function gives its reservation back.
        self.client.ok("DeleteFunction", {"FunctionName": e})
        self.assertEqual(self.account()["AccountUsage"]["TotalAllocatedConcurrencyMem"], 1792)
        self.reserve(f, 128)

        # Input errors.
        err = self.client.error("PutReservedConcurrencyConfig",
                                {"FunctionName": f, "ReservedConcurrencyMem": -128})
        self.assertErrorCode(err, "InvalidParameterValue.ReservedConcurrencyMem",
                             "ReservedConcurrencyMem")
        err = self.client.error("PutReservedConcurrencyConfig", {"FunctionName": f})
        self.assertErrorCode(err, "MissingParameter", field="ReservedConcurrencyMem")
        err = self.client.error("PutReservedConcurrencyConfig",
                                {"FunctionName": unique_name("none"), "ReservedConcurrencyMem": 0})
        self.assertErrorCode(err, "ResourceNotFound.Function")

    def test_total_concurrency_config(self):
        a = self.make_function()
        b = self.make_function()
        self.reserve(b, 1792)
        self.addCleanup(self.client.call, "PutTotalConcurrencyConfig",
                        {"TotalConcurrencyMem": 5120})
        # The lower bound is the reserved quotas plus the unreserved floor (0 here).
        err = self.client.error("PutTotalConcurrencyConfig", {"TotalConcurrencyMem": 1791})
        self.assertErrorCode(err, "LimitExceeded.TotalConcurrencyMemory", "TotalConcurrencyMem")
        self.assertEqual(self.account()["AccountUsage"]["TotalConcurrencyMem"], 5120)
        err = self.client.error("PutTotalConcurrencyConfig", {})
        self.assertErrorCode(err, "MissingParameter", field="TotalConcurrencyMem")

        self.client.ok("PutTotalConcurrencyConfig", {"TotalConcurrencyMem": 1792 + 256})
        acct = self.account()
        self.assertEqual(acct["AccountUsage"]["TotalConcurrencyMem"], 2048, acct)
        self.assertEqual(acct["AccountLimit"]["Namespace"][0]["ConcurrentExecutions"], 16, acct)
        # Unreserved functions now share 256 MB: two concurrent instances.
        out = self.fire((a, 3, 2, None))
        self.assertSplit(out[a], 2, 1)


class ProvisionedTests(ConcurrencyCase):
    """Provisioned instances on published versions (idle on-demand ones are reaped
    after 2 s here, provisioned ones stay)."""

    server_kwargs = {"extra_args": ["--idle-timeout", "2"]}

    def cold_in_logs(self, results):
        return sum(1 for r in results if "Init Report" in (r.get("Log") or ""))

    def test_provisioned_instances_lifecycle(self):
        name = self.make_function()
        self.assertEqual(publish_version(self.client, name), "1")
        self.client.ok("PutProvisionedConcurrencyConfig",
                       {"FunctionName": name, "Qualifier": "1",
                        "VersionProvisionedConcurrencyNum": 5})
        entry = wait_provisioned(self.client, name, "1", 5, timeout=60)
        self.assertEqual(entry["AllocatedProvisionedConcurrencyNum"], 5, entry)
        self.assertEqual(len(instance_pids(self.server, name, "1")), 5)

        # 5 overlapping calls are served by the provisioned instances: no cold start.
        base = cold_starts(self.client, name, "1")
        out = self.fire((name, 5, 1.5, "1"))
        ok, _ = self.assertSplit(out[name], 5, 0)
        self.assertOverlapped(ok, 5)
        self.assertEqual(cold_starts(self.client, name, "1") - base, 0)
        self.assertEqual(self.cold_in_logs(ok), 0, [r["Log"] for r in ok])

        # 8 overlapping calls: 5 provisioned, 3 cold starts (provisioning is not a cap).
        base = cold_starts(self.client, name, "1")
        out = self.fire((name, 8, 1.5, "1"))
        ok, _ = self.assertSplit(out[name], 8, 0)
        # Eight instances served them (the 3 cold starts may end after the provisioned
        # calls on a slow machine, so their sleeps need not overlap).
        self.assertEqual(len({json.loads(r["RetMsg"])["instance"] for r in ok}), 8, ok)
        self.assertEqual(cold_starts(self.client, name, "1") - base, 3)
        self.assertEqual(self.cold_in_logs(ok), 3, [r["Log"] for r in ok])

        # The 3 on-demand instances are reaped when idle; the provisioned 5 stay.
        deadline = time.time() + 15
        while time.time() < deadline and len(instance_pids(self.server, name, "1")) != 5:
            time.sleep(0.2)
        pids = instance_pids(self.server, name, "1")
        self.assertEqual(len(pids), 5, "idle instances after the reaper ran: %r" % pids)
        entry = wait_provisioned(self.client, name, "1", 5, timeout=5)

        # Killed provisioned instances are replaced.
        for pid in pids:
            kill_instance_process(pid)
        deadline = time.time() + 60
        fresh = []
        while time.time() < deadline:
            fresh = instance_pids(self.server, name, "1")
            if len(fresh) == 5 and not set(fresh) & set(pids):
                break
            time.sleep(0.2)
        self.assertEqual(len(fresh), 5, fresh)
        self.assertFalse(set(fresh) & set(pids), (pids, fresh))
        wait_provisioned(self.client, name, "1", 5, timeout=30)
        base = cold_starts(self.client, name, "1")
        out = self.fire((name, 5, 1, "1"))
        ok, _ = self.assertSplit(out[name], 5, 0)
        self.assertEqual(cold_starts(self.client, name, "1") - base, 0)

        # Deleting the configuration stops the provisioned instances.
        self.client.ok("DeleteProvisionedConcurrencyConfig",
                       {"FunctionName": name, "Qualifier": "1"})
        got = self.client.ok("GetProvisionedConcurrencyConfig",
                             {"FunctionName": name, "Qualifier": "1"})
        self.assertEqual(got["Allocated"], [], got)
        deadline = time.time() + 15
        while time.time() < deadline and instance_pids(self.server, name, "1"):
            time.sleep(0.2)
        self.assertEqual(instance_pids(self.server, name, "1"), [])

    def test_provisioned_refusals_and_cap(self):
        name = self.make_function()
        publish_version(self.client, name)
        self.client.ok("CreateAlias", {"FunctionName": name, "Name": "live",
                                       "FunctionVersion": "1"})

        def put(qualifier, count):
            return {"FunctionName": name, "Qualifier": qualifier,
                    "VersionProvisionedConcurrencyNum": count}

        err = self.client.error("PutProvisionedConcurrencyConfig", put("$LATEST", 1))
        self.assertErrorCode(err, "InvalidParameterValue.Qualifier", "Qualifier")
        self.assertIn("$LATEST", err["Message"])
        err = self.client.error("PutProvisionedConcurrencyConfig", put("live", 1))
        self.assertErrorCode(err, "InvalidParameterValue.Qualifier", "Qualifier live")
        err = self.client.error("PutProvisionedConcurrencyConfig", put("9", 1))
        self.assertErrorCode(err, "ResourceNotFound.Version", "Version 9")
        err = self.client.error("PutProvisionedConcurrencyConfig", put("1", -1))
        self.assertErrorCode(err, "InvalidParameterValue.VersionProvisionedConcurrencyNum",
                             "VersionProvisionedConcurrencyNum")
        err = self.client.error("PutProvisionedConcurrencyConfig",
                                {"FunctionName": name, "Qualifier": "1"})
        self.assertErrorCode(err, "MissingParameter", field="VersionProvisionedConcurrencyNum")

        # Provisioned instances come out of the reserved quota and may not exceed it.
        self.reserve(name, 256)
        err = self.client.error("PutProvisionedConcurrencyConfig", put("1", 3))
        self.assertErrorCode(err, "FailedOperation.ProvisionedExceedReserved")
        self.client.ok("PutProvisionedConcurrencyConfig", put("1", 2))
        self.addCleanup(self.client.call, "DeleteProvisionedConcurrencyConfig",
                        {"FunctionName": name, "Qualifier": "1"})
        wait_provisioned(self.client, name, "1", 2, timeout=60)
        got = self.client.ok("GetProvisionedConcurrencyConfig", {"FunctionName": name})
        self.assertEqual(got["UnallocatedConcurrencyNum"], 0, got)
        self.assertEqual(self.account()["AccountUsage"]["Namespace"][0]
                         ["TotalAllocatedProvisionedMem"], 256)
        # The reservation cannot drop below what is provisioned.
        err = self.client.error("PutReservedConcurrencyConfig",
                                {"FunctionName": name, "ReservedConcurrencyMem": 128})
        self.assertErrorCode(err, "FailedOperation.ProvisionedExceedReserved")

        # Provisioning does not raise the cap: the reserved 256 MB still allow only two
        # concurrent calls, both on the provisioned instances (no cold start).
        base = cold_starts(self.client, name, "1")
        out = self.fire((name, 3, 1.5, "live"))
        self.assertSplit(out[name], 2, 1)
        self.assertEqual(cold_starts(self.client, name, "1") - base, 0)

        err = self.client.error("DeleteProvisionedConcurrencyConfig",
                                {"FunctionName": name, "Qualifier": "$LATEST"})
        self.assertErrorCode(err, "ResourceNotFound.Version", "$LATEST")

    def test_unallocated_counts_instances_of_the_function_memory(self):
        """A 256 MB function with 1024 MB reserved holds 4 instances: with 1
        provisioned, 3 more can be provisioned and 5 in all are refused."""
        name = self.make_function(memory=256)
        publish_version(self.client, name)
        self.reserve(name, 1024)
        self.client.ok("PutProvisionedConcurrencyConfig",
                       {"FunctionName": name, "Qualifier": "1",
                        "VersionProvisionedConcurrencyNum": 1})
        self.addCleanup(self.client.call, "DeleteProvisionedConcurrencyConfig",
                        {"FunctionName": name, "Qualifier": "1"})
        err = self.client.error("PutProvisionedConcurrencyConfig",
                                {"FunctionName": name, "Qualifier": "1",
                                 "VersionProvisionedConcurrencyNum": 5})
        self.assertErrorCode(err, "FailedOperation.ProvisionedExceedReserved")
        got = self.client.ok("GetProvisionedConcurrencyConfig", {"FunctionName": name})
        self.assertEqual(got["UnallocatedConcurrencyNum"], 3, got)


    def test_provisioned_and_on_demand_share_the_reserved_cap(self):
        """Reserved 384 MB = 3 instances, 2 of them provisioned: however the idle
        provisioned and on-demand instances are ordered, at most 3 calls run."""
        name = self.make_function()
        publish_version(self.client, name)
        self.reserve(name, 3 * 128)
        self.client.ok("PutProvisionedConcurrencyConfig",
                       {"FunctionName": name, "Qualifier": "1",
                        "VersionProvisionedConcurrencyNum": 2})
        self.addCleanup(self.client.call, "DeleteProvisionedConcurrencyConfig",
                        {"FunctionName": name, "Qualifier": "1"})
        wait_provisioned(self.client, name, "1", 2, timeout=60)
        # 2 provisioned + 1 on-demand (cold) instance; afterwards all three are idle.
        out = self.fire((name, 3, 1.5, "1"))
        self.assertSplit(out[name], 3, 0)
        for round_no in range(2):
            def probe():
                time.sleep(1.0)
                return function_metrics(self.client, name)
            out = self.fire((name, 4, 2, "1"), probe=probe)
            by_version, mem = out["probe"]
            self.assertLessEqual(by_version["1"]["ConcurrentExecutions"], 3,
                                 "round %d: %r (ConcurrencyMemInUse %r)"
                                 % (round_no, by_version, mem))
            self.assertSplit(out[name], 3, 1)
            self.assertEqual(mem, 384, by_version)

    def test_deleting_version_or_function_stops_provisioned_instances(self):
        name = self.make_function()
        publish_version(self.client, name)
        publish_version(self.client, name)
        before = self.account()["AccountUsage"]["Namespace"][0]["TotalAllocatedProvisionedMem"]
        for version, count in (("1", 2), ("2", 1)):
            self.client.ok("PutProvisionedConcurrencyConfig",
                           {"FunctionName": name, "Qualifier": version,
                            "VersionProvisionedConcurrencyNum": count})
        wait_provisioned(self.client, name, "1", 2, timeout=60)
        wait_provisioned(self.client, name, "2", 1, timeout=60)
        usage = self.account()["AccountUsage"]["Namespace"][0]
        self.assertEqual(usage["TotalAllocatedProvisionedMem"] - before, 3 * 128, usage)
        self.assertEqual(len(instance_pids(self.server, name, "2")), 1)

        self.client.ok("DeleteFunctionVersion", {"FunctionName": name, "Qualifier": "2"})
        got = self.client.ok("GetProvisionedConcurrencyConfig", {"FunctionName": name})
        self.assertEqual([a["Qualifier"] for a in got["Allocated"]], ["1"], got)
        usage = self.account()["AccountUsage"]["Namespace"][0]
        self.assertEqual(usage["TotalAllocatedProvisionedMem"] - before, 2 * 128, usage)
        deadline = time.time() + 15
        while time.time() < deadline and function_processes(name, "2"):
            time.sleep(0.2)
        self.assertEqual(function_processes(name, "2"), [])
        self.assertEqual(len(instance_pids(self.server, name, "1")), 2)

        self.client.ok("DeleteFunction", {"FunctionName": name})
        deadline = time.time() + 15
        while time.time() < deadline and function_processes(name):
            time.sleep(0.2)
        self.assertEqual(function_processes(name), [])
        usage = self.account()["AccountUsage"]["Namespace"][0]
        self.assertEqual(usage["TotalAllocatedProvisionedMem"], before, usage)


class ConcurrencyRestartTests(ConcurrencyCase):
    """Reserved, provisioned and total settings survive a server restart."""

    def make_function(self, memory=128, timeout=30):
        name = unique_name("conc")
        create_function(self.client, name, files={"index.py": SLEEPER}, memory=memory,
                        timeout=timeout)
        self.addCleanup(lambda: type(self).client.delete_function(name))
        return name

    def test_settings_survive_restart(self):
        name = self.make_function()
        publish_version(self.client, name)
        self.client.ok("PutReservedConcurrencyConfig",
                       {"FunctionName": name, "ReservedConcurrencyMem": 256})
        self.client.ok("PutProvisionedConcurrencyConfig",
                       {"FunctionName": name, "Qualifier": "1",
                        "VersionProvisionedConcurrencyNum": 2})
        self.client.ok("PutTotalConcurrencyConfig", {"TotalConcurrencyMem": 100000})
        wait_provisioned(self.client, name, "1", 2, timeout=60)

        self.assertEqual(self.server.stop(), 0)
        deadline = time.time() + 10
        while time.time() < deadline and function_processes(name):
            time.sleep(0.2)
        self.assertEqual(function_processes(name), [], "instances outlived the server")
        self.server.start()
        type(self).client = self.client = self.server.client()

        got = self.client.ok("GetReservedConcurrencyConfig", {"FunctionName": name})
        self.assertEqual(got["ReservedMem"], 256, got)
        self.assertEqual(self.account()["AccountUsage"]["TotalConcurrencyMem"], 100000)
        # The provisioned instances are started again without any traffic.
        wait_provisioned(self.client, name, "1", 2, timeout=60)
        self.assertEqual(len(instance_pids(self.server, name, "1")), 2)
        out = self.fire((name, 3, 1.5, "1"))
        self.assertSplit(out[name], 2, 1)
        self.assertEqual(cold_starts(self.client, name, "1"), 0)


class ScaleLimitTests(ConcurrencyCase):
    """Scale-up limit: 3 cold starts at once, then 1 per second; a request waits
    200 ms for an instance before it is throttled."""

    server_kwargs = {"extra_args": ["--scale-burst", "3", "--scale-per-minute", "60",
                                    "--scale-wait-ms", "200"]}

    def test_burst_limit_throttles_cold_starts(self):
        name = self.make_function()
        out = self.fire((name, 6, 2, None))
        ok, throttled = self.assertSplit(out[name], 3, 3, throttle_code=SCALE_CODE,
                                         throttle_text="429")
        self.assertOverlapped(ok, 3)
        for o in throttled:  # throttled after the scale wait, not after the sleep
            self.assertLess(o.finished - o.started, 1.5, o)
        by_version, mem = function_metrics(self.client, name)
        self.assertEqual(by_version["$LATEST"]["Throttles"], 3, by_version)
        self.assertEqual(by_version["$LATEST"]["ColdStarts"], 3, by_version)
        self.assertEqual(mem, 0)

        # Warm instances need no scale-up: 3 concurrent calls all run.
        out = self.fire((name, 3, 1, None))
        self.assertSplit(out[name], 3, 0)
        self.assertEqual(cold_starts(self.client, name, "$LATEST"), 3)

        # The bucket refills at 1 per second: two more cold starts are allowed now.
        time.sleep(2.2)
        out = self.fire((name, 5, 1, None))
        self.assertSplit(out[name], 5, 0, throttle_code=SCALE_CODE)
        self.assertEqual(cold_starts(self.client, name, "$LATEST"), 5)

    def test_provisioned_starts_do_not_draw_from_the_limit(self):
        name = self.make_function()
        publish_version(self.client, name)
        self.client.ok("PutProvisionedConcurrencyConfig",
                       {"FunctionName": name, "Qualifier": "1",
                        "VersionProvisionedConcurrencyNum": 5})
        self.addCleanup(self.client.call, "DeleteProvisionedConcurrencyConfig",
                        {"FunctionName": name, "Qualifier": "1"})
        wait_provisioned(self.client, name, "1", 5, timeout=60)
        out = self.fire((name, 5, 1, "1"))
        self.assertSplit(out[name], 5, 0, throttle_code=SCALE_CODE)
        self.assertEqual(cold_starts(self.client, name, "1"), 0)


if __name__ == "__main__":
    unittest.main()
