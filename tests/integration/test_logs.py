"""GetFunctionLogs: filters, paging, time ranges and per-request attribution."""

import json
import re
import time
import unittest
import uuid

from yunfnlib import ServerTestCase, create_function, scf_time, unique_name

CODE = r'''
import time

def main_handler(event, context):
    print("begin " + event["marker"])
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("fail"):
        raise RuntimeError("failing " + event["marker"])
    print("end " + event["marker"])
    return {"marker": event["marker"]}
'''

TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


class FunctionLogsTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.name = unique_name("logs")
        cls.t_begin = time.time()
        create_function(cls.client, cls.name, {"index.py": CODE}, timeout=1)
        cls.markers = {k: "%s-%s" % (k, uuid.uuid4().hex) for k in ("a", "b", "fail", "slow")}
        cls.rids = {}
        for key in ("a", "b", "fail", "slow"):
            event = {"marker": cls.markers[key]}
            if key == "fail":
                event["fail"] = True
            if key == "slow":
                event["sleep"] = 3
            res = cls.client.invoke(cls.name, event, log_type="None")
            cls.rids[key] = res["FunctionRequestId"]
        cls.ok_rids = {cls.rids["a"], cls.rids["b"]}
        cls.bad_rids = {cls.rids["fail"], cls.rids["slow"]}
        cls.all_rids = cls.ok_rids | cls.bad_rids

    def logs(self, want_total=None, **params):
        """GetFunctionLogs for the class function; waits (≤ 5 s) for want_total records."""
        params = dict(params, FunctionName=self.name)
        deadline = time.time() + 5
        while True:
            resp = self.client.ok("GetFunctionLogs", params)
            if want_total is None or resp["TotalCount"] >= want_total or time.time() > deadline:
                return resp
            time.sleep(0.2)

    def test_filter_by_request_id_and_record_shape(self):
        resp = self.logs(want_total=1, FunctionRequestId=self.rids["a"])
        self.assertEqual(resp["TotalCount"], 1, resp)
        rec = resp["Data"][0]
        self.assertEqual(rec["RequestId"], self.rids["a"])
        self.assertEqual(rec["FunctionName"], self.name)
        self.assertEqual(rec["RetCode"], 0)
        self.assertEqual(rec["InvokeFinished"], 1)
        self.assertRegex(rec["StartTime"], TIME_RE)
        self.assertIsInstance(rec["Duration"], (int, float))
        self.assertIsInstance(rec["MemUsage"], int)
        self.assertIsInstance(rec["BillDuration"], int)
        self.assertEqual(json.loads(rec["RetMsg"]), {"marker": self.markers["a"]})
        self.assertIn("RetryNum", rec)

    def test_log_attributed_to_the_right_request(self):
        a = self.logs(want_total=1, FunctionRequestId=self.rids["a"])["Data"][0]["Log"]
        b = self.logs(want_total=1, FunctionRequestId=self.rids["b"])["Data"][0]["Log"]
        self.assertIn("begin " + self.markers["a"], a)
        self.assertIn("end " + self.markers["a"], a)
        self.assertNotIn(self.markers["b"], a)
        self.assertIn("begin " + self.markers["b"], b)
        self.assertNotIn(self.markers["a"], b)
        self.assertLogHasRequestLines(a, self.rids["a"])
        self.assertLogHasRequestLines(b, self.rids["b"])
        self.assertNotIn(self.rids["b"], a)

    def test_failed_request_log(self):
        rec = self.logs(want_total=1, FunctionRequestId=self.rids["fail"])["Data"][0]
        self.assertNotEqual(rec["RetCode"], 0)
        self.assertIn("begin " + self.markers["fail"], rec["Log"])
        self.assertNotIn("end " + self.markers["fail"], rec["Log"])
        self.assertIn("RuntimeError", rec["Log"])
        self.assertIn("failing " + self.markers["fail"], rec["RetMsg"])

    def test_retcode_filters(self):
        ok = self.logs(want_total=2, Filter={"RetCode": "is0"}, Limit=100)
        self.assertEqual({d["RequestId"] for d in ok["Data"]}, self.ok_rids)
        self.assertEqual(ok["TotalCount"], 2)
        self.assertTrue(all(d["RetCode"] == 0 for d in ok["Data"]))
        bad = self.logs(want_total=2, Filter={"RetCode": "not0"}, Limit=100)
        self.assertEqual({d["RequestId"] for d in bad["Data"]}, self.bad_rids)
        self.assertTrue(all(d["RetCode"] != 0 for d in bad["Data"]))
        user = self.logs(want_total=1, Filter={"RetCode": "UserCodeException"}, Limit=100)
        self.assertEqual({d["RequestId"] for d in user["Data"]}, {self.rids["fail"]})
        slow = self.logs(want_total=1, Filter={"RetCode": "TimeLimitExceeded"}, Limit=100)
        self.assertEqual({d["RequestId"] for d in slow["Data"]}, {self.rids["slow"]})

    def test_time_range(self):
        now = time.time()
        around = self.logs(want_total=4, StartTime=scf_time(self.t_begin - 60),
                           EndTime=scf_time(now + 60), Limit=100)
        self.assertEqual({d["RequestId"] for d in around["Data"]}, self.all_rids)
        past = self.logs(StartTime=scf_time(now - 2 * 86400),
                         EndTime=scf_time(now - 2 * 86400 + 3600), Limit=100)
        self.assertEqual(past["TotalCount"], 0)
        self.assertEqual(past["Data"], [])
        future = self.logs(StartTime=scf_time(now + 3600), EndTime=scf_time(now + 7200))
        self.assertEqual(future["TotalCount"], 0)

    def test_offset_limit_paging(self):
        self.logs(want_total=4, Limit=100)
        seen = []
        for offset in (0, 2, 4):
            page = self.logs(Offset=offset, Limit=2, Order="asc", OrderBy="start_time")
            self.assertEqual(page["TotalCount"], 4, page)
            self.assertEqual(len(page["Data"]), min(2, 4 - offset))
            seen += [d["RequestId"] for d in page["Data"]]
        self.assertEqual(len(seen), 4)
        self.assertEqual(set(seen), self.all_rids)
        # asc by start_time follows invocation order.
        order = [self.rids[k] for k in ("a", "b", "fail", "slow")]
        self.assertEqual(seen, order)
        desc = self.logs(Limit=100, Order="desc", OrderBy="start_time")
        self.assertEqual([d["RequestId"] for d in desc["Data"]], order[::-1])

    def test_other_function_not_mixed_in(self):
        other = unique_name("logs-other")
        create_function(self.client, other, {"index.py": CODE})
        rid = self.client.invoke(other, {"marker": "other"})["FunctionRequestId"]
        mine = self.logs(want_total=4, Limit=100)
        self.assertNotIn(rid, {d["RequestId"] for d in mine["Data"]})
        self.assertTrue(all(d["FunctionName"] == self.name for d in mine["Data"]))

    def test_missing_function(self):
        err = self.client.error("GetFunctionLogs", {"FunctionName": "no-such-function-logs"})
        self.assertErrorCode(err, "ResourceNotFound.Function", "no-such-function-logs")


if __name__ == "__main__":
    unittest.main()
