"""A new user's first run: whatever form --data-dir takes (relative, ./x, ../x,
a symlink, spaces, non-ASCII), the server makes its paths absolute, isolates
instances, and a function answers; the CLI finds the generated keys through the
same relative path. When `auto` cannot isolate, the server says so loudly and
GetServerInfo reports it. `yunfn --version` names the commit.
"""
import json
import os
import shutil
import subprocess
import unittest

from yunfnlib import (BIN, Client, ServerOutputOnFailure, Server, create_function, is_root,
                      unique_name)

HELLO = {"index.py": "def main_handler(event, context):\n    return 'hello ' + event['name']\n"}


class DataDirFormsTest(ServerOutputOnFailure, unittest.TestCase):
    def run_form(self, form, prepare=None):
        """Starts a server with --data-dir `form` (relative to its working directory,
        without keys in the environment) and checks a function answers."""
        server = Server(data_dir=form, with_keys=False)
        self.server = server
        self.addCleanup(server.stop)
        self.addCleanup(shutil.rmtree, server.workdir, True)
        if prepare:
            prepare(server.workdir)
        server.start()
        line = next(l for l in server.stdout_lines if "API listening on" in l)
        absolute = os.path.realpath(os.path.join(server.workdir, form))
        self.assertIn("data %s)" % absolute, line)
        if is_root():
            self.assertIn("(isolation namespace,", line)

        # The CLI reads the generated keys through the same relative path.
        env = dict(os.environ)
        env.pop("YUNFN_SECRET_ID", None)
        env.pop("YUNFN_SECRET_KEY", None)
        cli = subprocess.run([BIN, "--endpoint", server.endpoint, "--data-dir", form, "ls"],
                             capture_output=True, text=True, cwd=server.workdir, env=env,
                             timeout=60)
        self.assertEqual(cli.returncode, 0, cli.stderr)
        self.assertIn("NAME", cli.stdout)

        with open(os.path.join(absolute, "credentials")) as f:
            keys = json.load(f)
        client = Client(server.host, server.port, keys["SecretId"], keys["SecretKey"])
        name = unique_name("first")
        create_function(client, name, HELLO)
        result = client.invoke(name, {"name": "yunfn"})
        self.assertEqual(result["RetMsg"], '"hello yunfn"', result)
        info = client.call("GetServerInfo", {})
        self.assertEqual(info["Isolation"], "namespace" if is_root() else info["Isolation"])
        self.assertEqual(info["IsolationNote"], "")

    def test_relative(self):
        self.run_form("yunfn-data")

    def test_dot_slash(self):
        self.run_form("./here/yunfn-data")

    def test_dot_dot(self):
        # A sibling of the working directory.
        sibling = unique_name("dd")
        self.addCleanup(lambda: shutil.rmtree(
            os.path.join(os.path.dirname(self.server.workdir), sibling), True))
        self.run_form("../%s/yunfn-data" % sibling)

    def test_symlink(self):
        def link(workdir):
            os.makedirs(os.path.join(workdir, "real"))
            os.symlink(os.path.join(workdir, "real"), os.path.join(workdir, "linked"))
        self.run_form("linked", prepare=link)

    def test_spaces(self):
        self.run_form("my data dir/yunfn data")

    def test_non_ascii(self):
        self.run_form("données/数据")


@unittest.skipUnless(is_root() and shutil.which("unshare"), "needs root and unshare")
class IsolationFallbackTest(ServerOutputOnFailure, unittest.TestCase):
    def test_auto_without_user_namespaces_says_functions_are_not_isolated(self):
        # A machine where user namespaces cannot be created: the server runs in a
        # user namespace of its own whose limit on further ones is 0.
        self.server = Server(command_prefix=[
            "unshare", "--user", "--map-root-user", "sh", "-c",
            'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" "$@"'])
        self.addCleanup(self.server.stop)
        self.server.start()
        with open(self.server.stderr_path, encoding="utf-8") as f:
            stderr = f.read()
        self.assertIn("WARNING: namespace isolation could not be set up: ", stderr)
        self.assertIn("functions are NOT isolated from each other or from the host", stderr)
        self.assertIn('README.md section "Isolation"', stderr)
        line = next(l for l in self.server.stdout_lines if "API listening on" in l)
        self.assertIn("(isolation none, NOT isolated,", line)
        info = self.server.client().call("GetServerInfo", {})
        self.assertEqual(info["Isolation"], "none")
        self.assertFalse(info["Isolated"])
        self.assertIn("user namespace", info["IsolationNote"])


class VersionTest(unittest.TestCase):
    def test_version_names_the_commit(self):
        for args in (["--version"], ["version"]):
            out = subprocess.run([BIN] + args, capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertRegex(out.stdout.strip(), r"^yunfn \d+\.\d+\.\d+ \(commit [0-9a-f]{12}(-dirty)?\)$")


if __name__ == "__main__":
    unittest.main()
