"""Store faults: the SQLite store (<data dir>/yunfn.db, WAL mode) fails on demand while
the HTTP gateway, the API and the async queue are busy, and then recovers.

- Disk full: the server runs on a small tmpfs; once a function and its apigw triggers
  are deployed, a filler file takes every free byte. Store writes (CreateNamespace,
  UpdateFunctionConfiguration, CreateFunction with a package the code store already
  holds), async Invokes and async-execution gateway requests fail at once with
  InternalError.System ("the store failed ...: database or disk is full"; the gateway:
  500 with a JSON body); a CreateFunction with a new package fails in the code store;
  reads, sync gateway requests and the process itself carry on; async events that
  were running when the disk filled stay RUNNING. After the filler is deleted the
  same writes succeed, those events and new ones end FINISHED, and no descriptors
  leaked.
- Locked database: the test holds SQLite's write lock (BEGIN IMMEDIATE from another
  connection); writes fail at once with "database is locked", reads carry on, and the
  same writes succeed once the lock is released.

"At once" is under PROMPT_S, well below the 15 s default request timeout. Needs root
(for mount); skipped when a tmpfs cannot be mounted.
"""

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest

from yunfnlib import (GatewayAssertions, ServerTestCase, async_invoke, async_invoke_params,
                      create_apigw_trigger, create_function, gateway_path, gateway_request,
                      instance_pids, is_root, unique_name, wait_active, wait_async_status,
                      zip_b64)

# An answer to a failing store write must come well within the 15 s request timeout.
PROMPT_S = 5.0
# Descriptors the server may hold after the faults beyond what it held before.
FD_SLACK = 20
# Client-side timeout of the calls made while the store fails (a hang shows as a
# transport error after this, not as a hung test).
FAULT_CALL_TIMEOUT = 20

STORE_ERROR = "InternalError.System"
STORE_FAILED = "the store failed"
DISK_FULL = "database or disk is full"
LOCKED = "database is locked"
ENOSPC_TEXT = "No space left on device"

TMPFS_SIZE = "64m"
# How long the disk stays full (the async events running when it fills end inside it).
FULL_PHASE_S = 4.0
BUSY_EVENTS = 3
BUSY_SLEEP_S = 2.0

HELLO = r'''
def main_handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"},
            "body": "hello " + (event.get("path") or "")}
'''

# Keeps the async queue busy: each event runs for a while.
SLOW = r'''
import time

def main_handler(event, context):
    time.sleep(float(event.get("sleep", 2)))
    return "slept"
'''

# Another package (another sha256): creating a function from it writes a new code file.
OTHER = r'''
def main_handler(event, context):
    return "other package"
'''


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def mount_tmpfs(size):
    """Mounts a fresh tmpfs of `size`; returns its directory (SkipTest when it cannot)."""
    if not is_root():
        raise unittest.SkipTest("needs root to mount a tmpfs")
    if shutil.which("mount") is None or shutil.which("umount") is None:
        raise unittest.SkipTest("mount/umount not installed")
    mnt = tempfile.mkdtemp(prefix="yunfn-storefull-")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size,
                           "tmpfs", mnt], capture_output=True, text=True)
    if proc.returncode != 0:
        os.rmdir(mnt)
        raise unittest.SkipTest("cannot mount a tmpfs: %s" % proc.stderr.strip())
    return mnt


def unmount(mnt):
    if subprocess.run(["umount", mnt], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", mnt], capture_output=True)
    try:
        os.rmdir(mnt)
    except OSError:
        pass


def fill_disk(path):
    """Writes `path` until the file system has no byte left (ENOSPC); returns its size."""
    written = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for chunk in (b"\0" * (1 << 20), b"\0" * 4096, b"\0"):
            while True:
                try:
                    n = os.write(fd, chunk)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
                written += n
                if n < len(chunk):
                    break
    finally:
        os.close(fd)
    return written


class BackgroundLoad:
    """Keeps the gateway (a sync event function) and the API (ListFunctions) busy from
    two threads and records every answer as (kind, outcome, seconds).

    Requests to the function hold `gateway_lock` (the test's own requests too), so its
    warm instance serves them all: no instance has to start on the full disk."""

    def __init__(self, server, function):
        self.server = server
        self.function = function
        self.stop_event = threading.Event()
        self.records = []
        self.lock = threading.Lock()
        self.gateway_lock = threading.Lock()
        self.threads = [threading.Thread(target=self._gateway, daemon=True),
                        threading.Thread(target=self._api, daemon=True)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for t in self.threads:
            t.join(FAULT_CALL_TIMEOUT + 5)
        return False

    def _note(self, kind, outcome, started):
        with self.lock:
            self.records.append((kind, outcome, time.monotonic() - started))

    def _gateway(self):
        while not self.stop_event.is_set():
            try:
                with self.gateway_lock:
                    started = time.monotonic()
                    status, _, _ = gateway_request(self.server, "GET",
                                                   gateway_path(self.function, "/load"),
                                                   timeout=FAULT_CALL_TIMEOUT)
                outcome = status
            except Exception as e:  # reported by the assertions
                outcome = repr(e)
            self._note("gateway", outcome, started)
            time.sleep(0.02)

    def _api(self):
        client = self.server.client()
        while not self.stop_event.is_set():
            started = time.monotonic()
            try:
                resp = client.call("ListFunctions", {"Limit": 100}, timeout=FAULT_CALL_TIMEOUT)
                outcome = resp["Error"]["Code"] if "Error" in resp else "ok"
            except Exception as e:  # reported by the assertions
                outcome = repr(e)
            self._note("api", outcome, started)
            time.sleep(0.02)

    def outcomes(self, kind):
        with self.lock:
            return [r[1] for r in self.records if r[0] == kind]

    def slowest(self):
        with self.lock:
            return max((r for r in self.records), key=lambda r: r[2], default=None)


class StoreFaultAssertions:
    """Timed calls and the answers of a failing store (mixed into ServerTestCases)."""

    def timed_error(self, action, params):
        """Calls `action`, which must fail; returns (Error dict, seconds it took)."""
        started = time.monotonic()
        err = self.client.error(action, params, timeout=FAULT_CALL_TIMEOUT)
        return err, time.monotonic() - started

    def assertPrompt(self, seconds, what):
        self.assertLess(seconds, PROMPT_S, "%s took %.2f s" % (what, seconds))

    def assertStoreFailure(self, err, sqlite_text):
        """The SCF error of a failing store: InternalError.System, "the store failed..."
        with SQLite's own reason."""
        self.assertErrorCode(err, STORE_ERROR)
        msg = err.get("Message") or ""
        self.assertTrue(msg.startswith(STORE_FAILED), "message %r" % msg)
        self.assertIn(sqlite_text, msg)

    def assertStoreWriteFails(self, action, params, sqlite_text):
        err, seconds = self.timed_error(action, params)
        self.assertPrompt(seconds, action)
        self.assertStoreFailure(err, sqlite_text)
        return err

    def description_of(self, name):
        return self.client.get_function(name).get("Description")


# ----------------------------------------------------------------------------------------
# Disk full
# ----------------------------------------------------------------------------------------

class DiskFullTest(StoreFaultAssertions, GatewayAssertions, ServerTestCase):
    """The data directory is on a tmpfs that the test fills up and empties again."""

    mnt = None

    @classmethod
    def setUpClass(cls):
        cls.mnt = mount_tmpfs(TMPFS_SIZE)
        # Class cleanups run after tearDownClass (which stops the server), and also
        # when setUpClass fails.
        cls.addClassCleanup(unmount, cls.mnt)
        cls.server_kwargs = {"data_dir": os.path.join(cls.mnt, "data")}
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.filler = os.path.join(self.mnt, "filler")
        self.addCleanup(lambda: os.path.exists(self.filler) and os.unlink(self.filler))

    def gateway(self, name, path="/"):
        return gateway_request(self.server, "GET", gateway_path(name, path),
                               timeout=FAULT_CALL_TIMEOUT)

    def timed_gateway(self, name, path="/"):
        started = time.monotonic()
        response = self.gateway(name, path)
        return response, time.monotonic() - started

    def wait_instances(self, name, count, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(instance_pids(self.server, name)) >= count:
                return
            time.sleep(0.05)
        self.fail("%s: %d instances never started" % (name, count))

    def test_disk_full_then_recovers(self):
        c = self.client
        pid = self.server.proc.pid
        code_b64 = zip_b64({"index.py": HELLO})  # the same bytes every time: one package

        # Deployed before the disk fills: a sync event function and an async-execution
        # function behind apigw triggers, and a slow function for the async queue.
        fn = unique_name("full")
        create_function(c, fn, code_b64=code_b64, description="before")
        create_apigw_trigger(c, fn, "gw", "/")
        fn_async = unique_name("full-async")
        create_function(c, fn_async, code_b64=code_b64, extra={"AsyncRunEnable": "TRUE"})
        create_apigw_trigger(c, fn_async, "gw", "/")
        fn_slow = unique_name("full-slow")
        create_function(c, fn_slow, {"index.py": SLOW}, timeout=30)
        # Warm up: an instance of fn, the async dispatcher, the async gateway path.
        status, _, body = self.gateway(fn, "/warm")
        self.assertEqual((status, body), (200, b"hello /warm"))
        rid = async_invoke(c, fn, {"warm": True})
        self.assertEqual(wait_async_status(c, rid, timeout=30)["Status"], "FINISHED")
        status, _, body = self.gateway(fn_async, "/warm")
        self.assertEqual(status, 200, body)

        ns = unique_name("ns")
        fn_same_code = unique_name("full-same")
        fn_new_code = unique_name("full-new")
        new_code_params = {"FunctionName": fn_new_code, "Runtime": "Python3.9",
                           "Handler": "index.main_handler",
                           "Code": {"ZipFile": zip_b64({"index.py": OTHER})}}
        same_code_params = {"FunctionName": fn_same_code, "Runtime": "Python3.9",
                            "Handler": "index.main_handler", "Code": {"ZipFile": code_b64}}
        update_params = {"FunctionName": fn, "Description": "after"}

        # Async events that are running when the disk fills: their results can only
        # be written once it has room again.
        busy = [async_invoke(c, fn_slow, {"sleep": BUSY_SLEEP_S, "i": i})
                for i in range(BUSY_EVENTS)]
        self.wait_instances(fn_slow, BUSY_EVENTS)
        time.sleep(0.2)
        fds_before = fd_count(pid)

        filled = fill_disk(self.filler)
        full_since = time.monotonic()
        self.assertGreater(filled, 0)
        self.assertEqual(os.statvfs(self.mnt).f_bavail, 0, "the tmpfs still has free blocks")

        with BackgroundLoad(self.server, fn) as load:
            # (a) API writes that need no new code file.
            with self.subTest("CreateNamespace while full"):
                self.assertStoreWriteFails("CreateNamespace", {"Namespace": ns}, DISK_FULL)
            with self.subTest("UpdateFunctionConfiguration while full"):
                self.assertStoreWriteFails("UpdateFunctionConfiguration", update_params,
                                           DISK_FULL)
            with self.subTest("CreateFunction (stored package) while full"):
                self.assertStoreWriteFails("CreateFunction", same_code_params, DISK_FULL)
            # ... and one that writes a new package: the code store fails first, with
            # the file system's error.
            with self.subTest("CreateFunction (new package) while full"):
                err, seconds = self.timed_error("CreateFunction", new_code_params)
                self.assertPrompt(seconds, "CreateFunction")
                self.assertErrorCode(err, STORE_ERROR)
                self.assertIn(ENOSPC_TEXT, err.get("Message") or "")
            # (c) an async Invoke cannot queue its event.
            with self.subTest("async Invoke while full"):
                self.assertStoreWriteFails("Invoke", async_invoke_params(fn, {"full": True}),
                                           DISK_FULL)
            # (b) the gateway: a sync event function still runs (only its invocation
            # record is lost); an async-execution function cannot queue: 500, JSON body.
            with self.subTest("gateway, sync function, while full"):
                with load.gateway_lock:
                    (status, headers, body), seconds = self.timed_gateway(fn, "/full")
                self.assertPrompt(seconds, "gateway request")
                self.assertEqual((status, body), (200, b"hello /full"))
                self.assertRequestIds(headers)
            with self.subTest("gateway, async-execution function, while full"):
                response, seconds = self.timed_gateway(fn_async, "/full")
                self.assertPrompt(seconds, "gateway request")
                doc = self.assertGatewayError(response, 500)
                self.assertTrue(doc["error"].startswith(STORE_FAILED), doc)
                self.assertIn(DISK_FULL, doc["error"])
            # (d) alive and reading; the failed writes left nothing behind.
            with self.subTest("reads while full"):
                self.assertTrue(self.server.alive())
                self.assertEqual(self.description_of(fn), "before")
                names = {f["FunctionName"] for f in c.list_all_functions()}
                self.assertEqual(names, {fn, fn_async, fn_slow})
                err = c.error("GetFunction", {"FunctionName": fn_same_code})
                self.assertErrorCode(err, "ResourceNotFound.Function")
                err = c.error("GetFunction", {"FunctionName": fn_new_code})
                self.assertErrorCode(err, "ResourceNotFound.Function")
                namespaces = {n["Name"] for n in c.ok("ListNamespaces")["Namespaces"]}
                self.assertNotIn(ns, namespaces)
            # The busy events end while the disk is full; nobody can record it yet.
            time.sleep(max(0.0, full_since + FULL_PHASE_S - time.monotonic()))
            with self.subTest("async events that ended while full"):
                statuses = [c.ok("GetAsyncEventStatus", {"InvokeRequestId": r})["Result"]
                            ["Status"] for r in busy]
                self.assertEqual(statuses, ["RUNNING"] * BUSY_EVENTS)

        with self.subTest("load while full"):
            slowest = load.slowest()
            self.assertIsNotNone(slowest, "the load threads made no request")
            self.assertLess(slowest[2], PROMPT_S, "slowest answer under load: %r" % (slowest,))
            self.assertEqual(set(load.outcomes("gateway")), {200}, load.outcomes("gateway"))
            self.assertEqual(set(load.outcomes("api")), {"ok"}, load.outcomes("api"))

        # Recovery: the same writes succeed, the queue catches up.
        os.unlink(self.filler)
        self.assertTrue(self.server.alive())
        c.ok("CreateNamespace", {"Namespace": ns})
        c.ok("UpdateFunctionConfiguration", update_params)
        self.assertEqual(wait_active(c, fn).get("Description"), "after")
        c.ok("CreateFunction", same_code_params)
        wait_active(c, fn_same_code)
        c.ok("CreateFunction", new_code_params)
        wait_active(c, fn_new_code)
        rid = async_invoke(c, fn, {"after": True})
        self.assertEqual(wait_async_status(c, rid, timeout=30)["Status"], "FINISHED")
        status, _, body = self.gateway(fn, "/after")
        self.assertEqual((status, body), (200, b"hello /after"))
        status, headers, body = self.gateway(fn_async, "/after")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body).get("message"), "Async run task submitted")
        self.assertRequestIds(headers)
        with self.subTest("async events that ended while full, after recovery"):
            deadline = time.time() + 10
            for r in busy:
                result = wait_async_status(c, r, timeout=max(0.5, deadline - time.time()))
                self.assertEqual(result["Status"], "FINISHED", result)

        # No descriptors leaked by the failures.
        fds_after = fd_count(pid)
        self.assertLessEqual(fds_after, fds_before + FD_SLACK,
                             "fds before %d, after %d" % (fds_before, fds_after))


# ----------------------------------------------------------------------------------------
# Locked database
# ----------------------------------------------------------------------------------------

class LockedDatabaseTest(StoreFaultAssertions, GatewayAssertions, ServerTestCase):
    """Another connection holds the database's write lock (as a backup or the sqlite3
    shell would); WAL mode lets readers carry on."""

    def lock_database(self):
        """BEGIN IMMEDIATE on the server's database; returns the open connection."""
        con = sqlite3.connect(os.path.join(self.server.data_dir, "yunfn.db"),
                              isolation_level=None, timeout=0)
        self.addCleanup(con.close)
        deadline = time.time() + 10
        while True:
            try:
                con.execute("BEGIN IMMEDIATE")
                return con
            except sqlite3.OperationalError:  # the server is writing right now
                if time.time() > deadline:
                    raise
                time.sleep(0.05)

    def test_locked_database_then_released(self):
        c = self.client
        fn = unique_name("locked")
        create_function(c, fn, {"index.py": HELLO}, description="before")
        create_apigw_trigger(c, fn, "gw", "/")
        status, _, body = gateway_request(self.server, "GET", gateway_path(fn, "/warm"))
        self.assertEqual((status, body), (200, b"hello /warm"))
        ns = unique_name("ns")
        update_params = {"FunctionName": fn, "Description": "after"}
        pid = self.server.proc.pid
        fds_before = fd_count(pid)

        con = self.lock_database()
        try:
            with BackgroundLoad(self.server, fn) as load:
                with self.subTest("CreateNamespace while locked"):
                    self.assertStoreWriteFails("CreateNamespace", {"Namespace": ns}, LOCKED)
                with self.subTest("UpdateFunctionConfiguration while locked"):
                    self.assertStoreWriteFails("UpdateFunctionConfiguration", update_params,
                                               LOCKED)
                with self.subTest("async Invoke while locked"):
                    self.assertStoreWriteFails("Invoke", async_invoke_params(fn), LOCKED)
                with self.subTest("reads while locked"):
                    started = time.monotonic()
                    self.assertEqual(self.description_of(fn), "before")
                    self.assertIn(fn, {f["FunctionName"] for f in c.list_all_functions()})
                    self.assertPrompt(time.monotonic() - started, "GetFunction + ListFunctions")
                with self.subTest("gateway while locked"):
                    with load.gateway_lock:
                        started = time.monotonic()
                        status, headers, body = gateway_request(
                            self.server, "GET", gateway_path(fn, "/locked"),
                            timeout=FAULT_CALL_TIMEOUT)
                        seconds = time.monotonic() - started
                    self.assertPrompt(seconds, "gateway request")
                    self.assertEqual((status, body), (200, b"hello /locked"))
                    self.assertRequestIds(headers)
                self.assertTrue(self.server.alive())
            with self.subTest("load while locked"):
                slowest = load.slowest()
                self.assertIsNotNone(slowest, "the load threads made no request")
                self.assertLess(slowest[2], PROMPT_S,
                                "slowest answer under load: %r" % (slowest,))
                self.assertEqual(set(load.outcomes("gateway")), {200}, load.outcomes("gateway"))
                self.assertEqual(set(load.outcomes("api")), {"ok"}, load.outcomes("api"))
        finally:
            con.rollback()
            con.close()

        c.ok("CreateNamespace", {"Namespace": ns})
        c.ok("UpdateFunctionConfiguration", update_params)
        self.assertEqual(wait_active(c, fn).get("Description"), "after")
        rid = async_invoke(c, fn, {"after": True})
        self.assertEqual(wait_async_status(c, rid, timeout=30)["Status"], "FINISHED")
        status, _, body = gateway_request(self.server, "GET", gateway_path(fn, "/after"))
        self.assertEqual((status, body), (200, b"hello /after"))
        fds_after = fd_count(pid)
        self.assertLessEqual(fds_after, fds_before + FD_SLACK,
                             "fds before %d, after %d" % (fds_before, fds_after))


if __name__ == "__main__":
    unittest.main()
