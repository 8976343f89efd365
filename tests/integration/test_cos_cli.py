"""`yunfn cos` (mb, ls, cp, rm, rb) against a real server's bucket service
(docs/cos.md), signing with COS signature v5 and the keys from the environment."""

import os
import pty
import shutil
import subprocess
import tempfile
import unittest

from cos_client import APPID
from yunfnlib import ServerTestCase, cli_command, run_cli, server_env, unique_name


def bare_bucket_name(prefix):
    return unique_name(prefix).lower().replace("_", "-")[:40]


class CosCliTest(ServerTestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cos-cli-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def cos(self, *args):
        return run_cli(self.server, "cos", "--cos-endpoint", "127.0.0.1:%d" % self.server.cos_port,
                       *args)

    def cos_ok(self, *args):
        proc = self.cos(*args)
        self.assertEqual(proc.returncode, 0, "yunfn cos %s failed\nstdout:\n%s\nstderr:\n%s"
                         % (" ".join(args), proc.stdout, proc.stderr))
        return proc

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_bucket_and_object_round_trip(self):
        name = bare_bucket_name("cli")
        bucket = "%s-%s" % (name, APPID)
        # A bare name gets the account's appid.
        self.assertIn("make_bucket: " + bucket, self.cos_ok("mb", name).stdout)
        self.assertIn(bucket, self.cos_ok("ls").stdout)

        big = os.urandom(3 * 1024 * 1024 + 7)
        self.cos_ok("cp", self.write("big.bin", big), "cos://%s/dir/big.bin" % bucket)
        self.cos_ok("cp", self.write("top.txt", b"top"), "cos://%s/" % bucket)

        listing = self.cos_ok("ls", bucket).stdout.splitlines()
        self.assertTrue(any(line.split()[-2:] == ["PRE", "dir/"] for line in listing), listing)
        self.assertTrue(any(line.split()[-2:] == ["3", "top.txt"] for line in listing), listing)
        self.assertFalse(any("big.bin" in line for line in listing), listing)
        deep = self.cos_ok("ls", "--recursive", "cos://%s" % bucket).stdout
        self.assertIn("%d  dir/big.bin" % len(big), deep)
        self.assertIn("dir/big.bin", self.cos_ok("ls", bucket + "/dir/").stdout)

        out = os.path.join(self.tmp, "down.bin")
        self.cos_ok("cp", "cos://%s/dir/big.bin" % bucket, out)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), big)
        # Into a directory: the key's file name.
        self.cos_ok("cp", "cos://%s/top.txt" % bucket, self.tmp + "/")
        with open(os.path.join(self.tmp, "top.txt"), "rb") as f:
            self.assertEqual(f.read(), b"top")

        self.cos_ok("cp", "cos://%s/top.txt" % bucket, "cos://%s/copy/top.txt" % bucket)
        self.assertIn("copy/top.txt", self.cos_ok("ls", "-r", bucket).stdout)

        for key in ("dir/big.bin", "top.txt", "copy/top.txt"):
            self.assertIn("delete: cos://%s/%s" % (bucket, key),
                          self.cos_ok("rm", "cos://%s/%s" % (bucket, key)).stdout)
        self.assertEqual(self.cos_ok("ls", "-r", bucket).stdout.strip(), "")
        self.cos_ok("rb", bucket)
        self.assertNotIn(bucket, self.cos_ok("ls").stdout)

    def test_removing_a_bucket_with_objects_fails_with_bucket_not_empty(self):
        bucket = "%s-%s" % (bare_bucket_name("full"), APPID)
        self.cos_ok("mb", bucket)
        self.cos_ok("cp", self.write("a.txt", b"a"), "cos://%s/a.txt" % bucket)
        proc = self.cos("rb", bucket)
        self.assertEqual(proc.returncode, 1, proc)
        self.assertIn("BucketNotEmpty", proc.stderr)
        self.assertIn("a.txt", self.cos_ok("ls", bucket).stdout)

    def test_downloading_a_missing_key_fails_and_writes_nothing(self):
        bucket = "%s-%s" % (bare_bucket_name("miss"), APPID)
        self.cos_ok("mb", bucket)
        out = os.path.join(self.tmp, "never.bin")
        proc = self.cos("cp", "cos://%s/nope.bin" % bucket, out)
        self.assertEqual(proc.returncode, 1, proc)
        self.assertIn("NoSuchKey", proc.stderr)
        self.assertEqual(os.listdir(self.tmp), [])
        proc = self.cos("ls", "nosuch-" + APPID)
        self.assertEqual(proc.returncode, 1, proc)
        self.assertIn("NoSuchBucket", proc.stderr)

    def cos_on_terminal(self, *args):
        """Runs `yunfn cos ARGS` with stderr on a pseudo-terminal; returns what it drew there."""
        leader, follower = pty.openpty()
        try:
            proc = subprocess.Popen(
                cli_command(self.server, "cos", "--cos-endpoint", "127.0.0.1:%d" % self.server.cos_port,
                            *args),
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower,
                env=server_env(True), cwd=self.server.workdir)
            os.close(follower)
            follower = None
            drawn = b""
            while True:
                try:
                    piece = os.read(leader, 65536)
                except OSError:  # EIO: the child closed its end
                    break
                if not piece:
                    break
                drawn += piece
            proc.communicate(timeout=60)
            self.assertEqual(proc.returncode, 0, drawn)
            return drawn.decode()
        finally:
            if follower is not None:
                os.close(follower)
            os.close(leader)

    def test_cp_draws_a_progress_bar_both_ways_over_1_mb_on_a_terminal(self):
        bucket = "%s-%s" % (bare_bucket_name("bar"), APPID)
        self.cos_ok("mb", bucket)
        big = self.write("big.bin", os.urandom(2 * 1024 * 1024))
        full = "\r[##############################] 100%  2.0 / 2.0 MiB\r\n"
        up = self.cos_on_terminal("cp", big, "cos://%s/big.bin" % bucket)
        self.assertTrue(up.endswith(full), repr(up))
        self.assertIn("  50%  1.0 / 2.0 MiB", up)
        down = self.cos_on_terminal("cp", "cos://%s/big.bin" % bucket, os.path.join(self.tmp, "down.bin"))
        self.assertTrue(down.endswith(full), repr(down))
        # 1 MB or less: no bar; not a terminal: no bar either.
        small = self.write("small.bin", os.urandom(1024 * 1024))
        self.assertEqual(self.cos_on_terminal("cp", small, "cos://%s/small.bin" % bucket), "")
        self.assertEqual(self.cos_ok("cp", big, "cos://%s/again.bin" % bucket).stderr, "")


if __name__ == "__main__":
    unittest.main()
