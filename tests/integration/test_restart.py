"""Durability: functions, code and logs survive `kill -9`; generated credentials are
kept in the data dir; a clean stop leaves no instance processes behind."""

import json
import os
import signal
import stat
import time
import unittest
import uuid

from yunfnlib import (kill_instance_process, ServerOutputOnFailure, NODE_RUNTIME, TEST_SECRET_ID, TEST_SECRET_KEY, Client, Server,
                      create_function, run_cli, unique_name, wait_active, wait_gone,
                      yunfn_cgroup_dirs)

PY_CODE = r'''
import os
print("python init")

def main_handler(event, context):
    print("py says " + event.get("marker", ""))
    return {"runtime": "python", "marker": event.get("marker"), "env": os.environ.get("KEEP")}
'''

NODE_CODE = r'''
exports.main_handler = async (event) => {
  console.log('node says ' + event.marker);
  return { runtime: 'node', marker: event.marker };
};
'''


def processes_of_function(name):
    """PIDs whose environment has SCF_FUNCTIONNAME=name (instances of that function)."""
    needle = b"SCF_FUNCTIONNAME=" + name.encode() + b"\0"
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as f:
                if needle in f.read() + b"\0":
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


def wait_no_processes(name, timeout):
    deadline = time.time() + timeout
    while True:
        pids = processes_of_function(name)
        if not pids or time.time() > deadline:
            return pids
        time.sleep(0.2)


def kill_processes_of_functions(*names):
    """SIGKILLs leftover instances of these (uniquely named) test functions, by pid."""
    for name in names:
        for pid in processes_of_function(name):
            kill_instance_process(pid)


class RestartTest(ServerOutputOnFailure, unittest.TestCase):
    def start_server(self, **kw):
        self.server = Server(**kw)
        self.addCleanup(self.server.cleanup)
        return self.server.start()

    def get_log(self, client, name, rid, namespace=None):
        params = {"FunctionName": name, "FunctionRequestId": rid}
        if namespace:
            params["Namespace"] = namespace
        deadline = time.time() + 5
        while True:
            data = client.ok("GetFunctionLogs", params)["Data"]
            if data or time.time() > deadline:
                return data

    def test_state_survives_kill_9(self):
        server = self.start_server()
        client = server.client()
        ns = "keep-" + uuid.uuid4().hex[:6]
        client.ok("CreateNamespace", {"Namespace": ns, "Description": "kept"})
        py, node = unique_name("keep-py"), unique_name("keep-node")
        create_function(client, py, {"index.py": PY_CODE}, memory=256, timeout=7,
                        env={"KEEP": "kept value"}, description="survivor")
        create_function(client, node, {"index.js": NODE_CODE}, runtime=NODE_RUNTIME,
                        namespace=ns)
        m_py, m_node = uuid.uuid4().hex, uuid.uuid4().hex
        r_py = client.invoke(py, {"marker": m_py})
        r_node = client.invoke(node, {"marker": m_node}, namespace=ns)
        self.assertEqual(r_py["InvokeResult"], 0, r_py)
        self.assertEqual(r_node["InvokeResult"], 0, r_node)
        # Make sure the logs were written before the crash.
        self.assertTrue(self.get_log(client, py, r_py["FunctionRequestId"]))
        self.assertTrue(self.get_log(client, node, r_node["FunctionRequestId"], ns))

        server.kill()
        # (test_instances_exit_when_server_is_killed checks that these go away.)
        self.addCleanup(kill_processes_of_functions, py, node)

        server.start()
        client = server.client()
        fn = wait_active(client, py)
        self.assertEqual((fn["MemorySize"], fn["Timeout"], fn["Description"]),
                         (256, 7, "survivor"))
        self.assertEqual(fn["Environment"]["Variables"], [{"Key": "KEEP", "Value": "kept value"}])
        self.assertEqual(wait_active(client, node, ns)["Runtime"], NODE_RUNTIME)
        names = [n["Name"] for n in client.ok("ListNamespaces", {"Limit": 100})["Namespaces"]]
        self.assertIn(ns, names)
        listed = [f["FunctionName"] for f in client.list_all_functions()]
        self.assertIn(py, listed)

        # Code survived: the functions run.
        again = client.invoke(py, {"marker": "after"})
        self.assertEqual(json.loads(again["RetMsg"]),
                         {"runtime": "python", "marker": "after", "env": "kept value"})
        again = client.invoke(node, {"marker": "after"}, namespace=ns)
        self.assertEqual(json.loads(again["RetMsg"]), {"runtime": "node", "marker": "after"})

        # Logs of invocations before the crash survived.
        rec = self.get_log(client, py, r_py["FunctionRequestId"])
        self.assertEqual(len(rec), 1)
        self.assertIn("py says " + m_py, rec[0]["Log"])
        self.assertEqual(rec[0]["RetCode"], 0)
        rec = self.get_log(client, node, r_node["FunctionRequestId"], ns)
        self.assertEqual(len(rec), 1)
        self.assertIn("node says " + m_node, rec[0]["Log"])

        # The restarted server accepts changes (the store is not read-only or locked).
        client.ok("UpdateFunctionConfiguration", {"FunctionName": py, "Timeout": 8})
        self.assertEqual(wait_active(client, py)["Timeout"], 8)
        client.ok("DeleteFunction", {"FunctionName": node, "Namespace": ns})

    def test_instances_exit_when_server_is_killed(self):
        server = self.start_server()
        client = server.client()
        py, node = unique_name("orphan-py"), unique_name("orphan-node")
        self.addCleanup(kill_processes_of_functions, py, node)
        create_function(client, py, {"index.py": PY_CODE})
        create_function(client, node, {"index.js": NODE_CODE}, runtime=NODE_RUNTIME)
        client.invoke(py, {"marker": "warm"})
        client.invoke(node, {"marker": "warm"})
        self.assertTrue(processes_of_function(py), "no python instance found while warm")
        self.assertTrue(processes_of_function(node), "no node instance found while warm")
        server.kill()
        self.assertEqual(wait_no_processes(py, 10), [], "python instance outlived kill -9")
        self.assertEqual(wait_no_processes(node, 10), [], "node instance outlived kill -9")

    def test_restart_on_the_same_port_after_kill_9(self):
        server = self.start_server()
        server.listen = server.endpoint  # from now on: the same fixed port
        client = server.client()
        name = unique_name("same-port")
        self.addCleanup(kill_processes_of_functions, name)
        create_function(client, name, {"index.py": PY_CODE})
        client.invoke(name, {"marker": "warm"})
        port = server.port
        server.kill()
        server.start()
        self.assertEqual(server.port, port)
        res = server.client().invoke(name, {"marker": "again"})
        self.assertEqual(json.loads(res["RetMsg"])["marker"], "again")

    def test_sigterm_stops_cleanly_without_leftover_instances(self):
        server = self.start_server()
        client = server.client()
        name = unique_name("stop-py")
        create_function(client, name, {"index.py": PY_CODE})
        client.invoke(name, {"marker": "warm"})
        pids = processes_of_function(name)
        self.assertTrue(pids, "no instance process found while warm")
        with open("/proc/%d/cgroup" % pids[0]) as f:
            cgroups = yunfn_cgroup_dirs(f.read())
        t0 = time.time()
        code = server.stop(timeout=20)
        self.assertEqual(code, 0, "server did not exit with 0 on SIGTERM")
        self.assertLess(time.time() - t0, 15)
        self.addCleanup(kill_processes_of_functions, name)
        self.assertEqual(wait_no_processes(name, 5), [], "instances outlived the server")
        self.assertEqual(wait_gone(cgroups), [], "instance cgroups outlived the server")

    def test_generated_credentials_are_kept(self):
        server = self.start_server(with_keys=False)
        path = os.path.join(server.data_dir, "credentials")
        self.assertTrue(os.path.exists(path), "no %s after first start" % path)
        with open(path) as f:
            creds = json.load(f)
        secret_id, secret_key = creds["SecretId"], creds["SecretKey"]
        self.assertGreaterEqual(len(secret_id), 16)
        self.assertGreaterEqual(len(secret_key), 16)
        self.assertNotEqual(secret_id, TEST_SECRET_ID)
        mode = stat.S_IMODE(os.stat(path).st_mode)
        self.assertEqual(mode & 0o077, 0, "credentials file is readable by others: %o" % mode)
        first_output = "\n".join(server.stdout_lines) + server.stderr_text()
        self.assertIn(secret_id, first_output, "generated SecretId was not printed")

        good = Client(server.host, server.port, secret_id, secret_key)
        self.assertIn("TotalCount", good.ok("ListFunctions"))
        wrong = Client(server.host, server.port, TEST_SECRET_ID, TEST_SECRET_KEY)
        self.assertTrue(wrong.error("ListFunctions")["Code"].startswith("AuthFailure"))

        # The CLI finds the keys through --data-dir.
        proc = run_cli(server, "--data-dir", server.data_dir, "ls", with_keys=False)
        self.assertEqual(proc.returncode, 0, proc.stderr)

        server.kill()
        stderr_before = len(server.stderr_text())
        server.start()
        with open(path) as f:
            self.assertEqual(json.load(f), creds, "credentials changed on restart")
        again = Client(server.host, server.port, secret_id, secret_key)
        self.assertIn("TotalCount", again.ok("ListFunctions"))
        second_output = "\n".join(server.stdout_lines) + server.stderr_text()[stderr_before:]
        self.assertNotIn(secret_key, second_output, "the secret key was printed again")

    def test_env_keys_win_over_stored_credentials(self):
        server = self.start_server(with_keys=False)
        self.assertTrue(os.path.exists(os.path.join(server.data_dir, "credentials")))
        server.stop()
        server.with_keys = True
        server.start()
        env_client = server.client()
        self.assertIn("TotalCount", env_client.ok("ListFunctions"))


if __name__ == "__main__":
    unittest.main()
