"""Helpers for the yunfn integration tests (Python 3 standard library only).

What is here:
- `Server`: starts a real `yunfn server` on a free port and a temporary data directory,
  waits until `/healthz` answers, stops it with SIGTERM (or `kill -9` for crash tests)
  and keeps its stdout/stderr in files that are printed when a test fails.
- `Client`: a TencentCloud API v3 client that signs with TC3-HMAC-SHA256 (hashlib/hmac)
  and returns the `Response` object of each call.
- `zip_b64` / `make_zip`: build code packages from a dict {path: content}.
- `create_function`, `wait_active`, `unique_name`, `run_cli`.
- `go_build`: a Go1 function's executable, built offline against sdk/go/scf-go-lib.
- `gateway_request`, `create_apigw_trigger`: the HTTP gateway (docs/gateway.md); every
  `Server` gets its own gateway port (`gateway_port`).
- `ServerTestCase`: a TestCase base class with one server per class.

Environment: YUNFN_BIN (the server binary), YUNFN_REPO (repository root). Optional:
YUNFN_ITEST_ISOLATION (passed as --isolation), YUNFN_ITEST_KEEP=1 keeps data directories.
"""

import base64
import datetime
import hashlib
import hmac
import http.client
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid
import zipfile

REPO = os.environ.get("YUNFN_REPO") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.environ.get("YUNFN_BIN") or os.path.join(REPO, "build", "yunfn")

TEST_SECRET_ID = "AKIDyunfnIntegrationTest0000000001"
TEST_SECRET_KEY = "yunfnIntegrationTestSecretKey00001"
REGION = "ap-guangzhou"
API_VERSION = "2018-04-16"

# Runtime names the tests deploy with (SCF names, scf-contract.md section 5.2).
PY_RUNTIME = "Python3.9"
NODE_RUNTIME = "Nodejs18.15"
CUSTOM_RUNTIME = "CustomRuntime"

# Generous client-side timeout for one API call (sync invokes include cold starts).
CALL_TIMEOUT = 120


# ----------------------------------------------------------------------------------------
# Code packages
# ----------------------------------------------------------------------------------------

class Symlink:
    """A zip entry that is a symbolic link to `target`."""

    def __init__(self, target):
        self.target = target


def make_zip(files):
    """Zips {path: content} into bytes.

    content is str/bytes (regular file, mode 0644), (content, mode) for another mode
    (e.g. 0o755 for executables) or Symlink(target). Paths are used verbatim, so a test
    can put `../x` or `/abs` entries in the archive.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, value in files.items():
            info = zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0))
            info.create_system = 3  # unix: external_attr carries the st_mode
            if isinstance(value, Symlink):
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                data = value.target.encode()
                info.compress_type = zipfile.ZIP_STORED
            else:
                mode = 0o644
                if isinstance(value, tuple):
                    value, mode = value
                data = value.encode("utf-8") if isinstance(value, str) else value
                if path.endswith("/"):
                    info.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
                else:
                    info.external_attr = (stat.S_IFREG | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def zip_b64(files):
    """make_zip(files) as base64 text, the form of Code.ZipFile."""
    return base64.b64encode(make_zip(files)).decode("ascii")


# ----------------------------------------------------------------------------------------
# API client
# ----------------------------------------------------------------------------------------

GO_RUNTIME = "Go1"
# The scf-go-lib-compatible library Go1 functions are built against offline.
SCF_GO_LIB = os.path.join(REPO, "sdk", "go", "scf-go-lib")


def go_build(main_go, goarch=None, extra_env=None):
    """Builds a Go1 function from the text of its main.go with Debian's `go`, offline:
    github.com/tencentyun/scf-go-lib resolves to sdk/go/scf-go-lib through a `replace`
    directive, the build cache is a temporary directory. Returns the executable's bytes
    (linux, static, GOARCH=goarch or the host's). Raises unittest.SkipTest without go."""
    go = shutil.which("go")
    if go is None:
        raise unittest.SkipTest("go is not installed (scripts/install-deps.sh installs golang-go)")
    work = tempfile.mkdtemp(prefix="yunfn-go-")
    try:
        with open(os.path.join(work, "go.mod"), "w") as f:
            f.write("module function\n\ngo 1.19\n\nrequire github.com/tencentyun/scf-go-lib v0.0.0\n\n"
                    "replace github.com/tencentyun/scf-go-lib => %s\n" % SCF_GO_LIB)
        with open(os.path.join(work, "main.go"), "w") as f:
            f.write(main_go)
        env = dict(os.environ, GOCACHE=os.path.join(work, "cache"), GOPATH=os.path.join(work, "gopath"),
                   GOFLAGS="-mod=mod", GOPROXY="off", GO111MODULE="on", CGO_ENABLED="0",
                   GOOS="linux")
        if goarch:
            env["GOARCH"] = goarch
        env.update(extra_env or {})
        out = subprocess.run([go, "build", "-o", "main", "."], cwd=work, env=env,
                             capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise RuntimeError("go build failed:\n" + out.stdout + out.stderr)
        with open(os.path.join(work, "main"), "rb") as f:
            return f.read()
    finally:
        shutil.rmtree(work, ignore_errors=True)


class ApiError(Exception):
    """An SCF error envelope ({"Error": {"Code", "Message"}})."""

    def __init__(self, action, code, message, response):
        super().__init__("%s failed: %s: %s" % (action, code, message))
        self.code = code
        self.message = message
        self.response = response


def _sha256_hex(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def tc3_authorization(secret_id, secret_key, host, body, timestamp, service="scf",
                      content_type="application/json"):
    """The TC3-HMAC-SHA256 Authorization header value (scf-contract.md section 1.2),
    signing content-type and host as the official SDKs do."""
    return tc3_authorization_signing(secret_id, secret_key,
                                     [("content-type", content_type), ("host", host)],
                                     body, timestamp, service)


class Client:
    """Signed JSON client of one yunfn API endpoint."""

    def __init__(self, host, port, secret_id=TEST_SECRET_ID, secret_key=TEST_SECRET_KEY,
                 region=REGION):
        self.host = host
        self.port = port
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.region = region

    # -- raw transport ------------------------------------------------------------------

    def raw(self, action, body, sign=True, timestamp=None, secret_id=None, secret_key=None,
            headers=None, drop_headers=(), region=None, timeout=CALL_TIMEOUT):
        """POSTs `body` (bytes) as `action`; returns (http status, parsed JSON or text).

        sign=False sends no Authorization header; headers/drop_headers adjust the
        otherwise standard header set (for negative tests).
        """
        if isinstance(body, str):
            body = body.encode("utf-8")
        ts = int(time.time()) if timestamp is None else int(timestamp)
        host_header = "%s:%d" % (self.host, self.port)
        hdrs = {
            "Host": host_header,
            "Content-Type": "application/json",
            "X-TC-Action": action,
            "X-TC-Version": API_VERSION,
            "X-TC-Region": region or self.region,
            "X-TC-Timestamp": str(ts),
        }
        if sign:
            hdrs["Authorization"] = tc3_authorization(
                secret_id or self.secret_id, secret_key or self.secret_key,
                host_header, body, ts)
        hdrs.update(headers or {})
        for name in drop_headers:
            hdrs.pop(name, None)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request("POST", "/", body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        try:
            return resp.status, json.loads(data.decode("utf-8"))
        except ValueError:
            return resp.status, data.decode("utf-8", errors="replace")

    # -- JSON API -----------------------------------------------------------------------

    def call(self, action, params=None, region=None, **kwargs):
        """Calls `action` with `params` and returns the Response dict (maybe with Error)."""
        body = json.dumps(params or {}).encode("utf-8")
        status, doc = self.raw(action, body, region=region, **kwargs)
        if status != 200 or not isinstance(doc, dict) or "Response" not in doc:
            raise AssertionError("%s: HTTP %d, not an API v3 envelope: %.500r"
                                 % (action, status, doc))
        return doc["Response"]

    def ok(self, action, params=None, **kwargs):
        """Like call() but raises ApiError when the response is an error."""
        resp = self.call(action, params, **kwargs)
        if "Error" in resp:
            err = resp["Error"]
            raise ApiError(action, err.get("Code"), err.get("Message"), resp)
        return resp

    def error(self, action, params=None, **kwargs):
        """Calls `action`, which must fail; returns the Error dict {Code, Message}."""
        resp = self.call(action, params, **kwargs)
        if "Error" not in resp:
            raise AssertionError("%s was expected to fail but returned %.800r"
                                 % (action, resp))
        if not resp.get("RequestId"):
            raise AssertionError("%s error response has no RequestId: %r" % (action, resp))
        return resp["Error"]

    # -- conveniences -------------------------------------------------------------------

    def invoke(self, name, event=None, log_type="Tail", namespace=None, qualifier=None,
               timeout=CALL_TIMEOUT):
        """Sync Invoke; returns the Result dict. event is any JSON value (None = {})."""
        params = {"FunctionName": name, "InvocationType": "RequestResponse",
                  "ClientContext": json.dumps({} if event is None else event),
                  "LogType": log_type}
        if namespace:
            params["Namespace"] = namespace
        if qualifier:
            params["Qualifier"] = qualifier
        return self.ok("Invoke", params, timeout=timeout)["Result"]

    def get_function(self, name, namespace=None):
        params = {"FunctionName": name}
        if namespace:
            params["Namespace"] = namespace
        return self.ok("GetFunction", params)

    def list_all_functions(self, namespace=None, search_key=None):
        """All functions (follows Offset/Limit paging) as a list of Function dicts."""
        out, offset = [], 0
        while True:
            params = {"Offset": offset, "Limit": 100}
            if namespace:
                params["Namespace"] = namespace
            if search_key:
                params["SearchKey"] = search_key
            resp = self.ok("ListFunctions", params)
            page = resp.get("Functions") or []
            out.extend(page)
            offset += len(page)
            if not page or offset >= resp.get("TotalCount", 0):
                return out

    def delete_function(self, name, namespace=None, missing_ok=True):
        params = {"FunctionName": name}
        if namespace:
            params["Namespace"] = namespace
        resp = self.call("DeleteFunction", params)
        if "Error" in resp and not (missing_ok and resp["Error"].get("Code", "").startswith(
                "ResourceNotFound")):
            raise ApiError("DeleteFunction", resp["Error"].get("Code"),
                           resp["Error"].get("Message"), resp)


def result_text(result):
    """RetMsg, ErrMsg and Log of an invoke Result joined, for message searches."""
    return "\n".join(str(result.get(k) or "") for k in ("RetMsg", "ErrMsg", "Log"))


_name_counter = [0]


def unique_name(prefix="fn"):
    """A valid, unique function name: prefix-<pid-ish random>-<counter>."""
    _name_counter[0] += 1
    return "%s-%s-%d" % (prefix, uuid.uuid4().hex[:8], _name_counter[0])


def wait_active(client, name, namespace=None, timeout=60, allow_failed=False):
    """Polls GetFunction until Status leaves Creating/Updating; returns that response.

    Raises AssertionError on timeout, or when the final Status is not Active (unless
    allow_failed).
    """
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = client.get_function(name, namespace)
        status = last.get("Status")
        if status not in ("Creating", "Updating", "Publishing"):
            if status != "Active" and not allow_failed:
                raise AssertionError("function %s ended in status %s: %s %s" % (
                    name, status, last.get("StatusDesc"), last.get("StatusReasons")))
            return last
        time.sleep(0.1)
    raise AssertionError("function %s still %s after %ss" % (
        name, last and last.get("Status"), timeout))


def create_function(client, name, files=None, code_b64=None, runtime=PY_RUNTIME,
                    handler="index.main_handler", memory=None, timeout=None, env=None,
                    namespace=None, description=None, init_timeout=None, wait=True,
                    extra=None):
    """CreateFunction (+ wait until Active); returns the GetFunction response.

    files: {path: content} zipped into Code.ZipFile (or pass code_b64). env: dict of user
    variables. Raises ApiError when CreateFunction fails.
    """
    params = {"FunctionName": name, "Runtime": runtime,
              "Code": {"ZipFile": code_b64 if code_b64 is not None else zip_b64(files or {})}}
    if handler is not None:
        params["Handler"] = handler
    if memory is not None:
        params["MemorySize"] = memory
    if timeout is not None:
        params["Timeout"] = timeout
    if init_timeout is not None:
        params["InitTimeout"] = init_timeout
    if env:
        params["Environment"] = {"Variables": [{"Key": k, "Value": v} for k, v in env.items()]}
    if namespace:
        params["Namespace"] = namespace
    if description is not None:
        params["Description"] = description
    params.update(extra or {})
    client.ok("CreateFunction", params)
    if not wait:
        return None
    return wait_active(client, name, namespace)


def scf_time(ts):
    """Unix seconds -> "YYYY-MM-DD HH:MM:SS" (UTC), the SCF time format of the API."""
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


# ----------------------------------------------------------------------------------------
# Server process
# ----------------------------------------------------------------------------------------

_LISTEN_RE = re.compile(r"API listening on https?://([0-9.]+|\[[^\]]+\]|[A-Za-z0-9.-]+):(\d+)")
_COS_RE = re.compile(r"cos listening on http://[^\s:]+:(\d+)")
_GATEWAY_RE = re.compile(
    r"gateway listening on http://([0-9.]+|\[[^\]]+\]|[A-Za-z0-9.-]+):(\d+)")


def server_env(with_keys=True, extra=None):
    """The environment for the server and CLI: keys set (or removed)."""
    env = dict(os.environ)
    for k in ("YUNFN_SECRET_ID", "YUNFN_SECRET_KEY", "YUNFN_ENDPOINT"):
        env.pop(k, None)
    if with_keys:
        env["YUNFN_SECRET_ID"] = TEST_SECRET_ID
        env["YUNFN_SECRET_KEY"] = TEST_SECRET_KEY
    env.update(extra or {})
    return env


class Server:
    """One `yunfn server` process on 127.0.0.1:<free port> and a data directory.

    The working directory (data dir, logs) is a fresh temp dir unless `data_dir` is
    given; `listen` may be changed between restarts (e.g. to keep the same port). stdout is read by a thread (to find the listen line) and copied to
    `stdout_path`; stderr goes to `stderr_path`.
    """

    def __init__(self, data_dir=None, with_keys=True, extra_args=(), env_extra=None,
                 listen="127.0.0.1:0", command_prefix=()):
        self.workdir = tempfile.mkdtemp(prefix="yunfn-itest-")
        self.command_prefix = list(command_prefix)  # e.g. setpriv to run as another user
        self.listen = listen
        self.data_dir = data_dir or os.path.join(self.workdir, "data")
        self.with_keys = with_keys
        self.extra_args = list(extra_args)
        self.env_extra = env_extra
        self.proc = None
        self.port = None
        self.gateway_port = None
        self.cos_port = None  # the bucket service (docs/cos.md), when it runs
        self.stdout_lines = []
        self.starts = 0
        self._listen_event = threading.Event()
        self._gateway_event = threading.Event()

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def stdout_path(self):
        return os.path.join(self.workdir, "server-%d.stdout" % self.starts)

    @property
    def stderr_path(self):
        return os.path.join(self.workdir, "server-%d.stderr" % self.starts)

    def start(self, timeout=30):
        """Starts the server (again) on the same data dir; returns self once /healthz is 200."""
        if not os.path.exists(BIN):
            raise unittest.SkipTest("server binary %s does not exist (set YUNFN_BIN)" % BIN)
        self.starts += 1
        self.stdout_lines = []
        self._listen_event.clear()
        self._gateway_event.clear()
        self.port = None
        self.gateway_port = None
        self.cos_port = None
        args = self.command_prefix + [BIN, "server", "--listen", self.listen,
                                      "--data-dir", self.data_dir]
        iso = os.environ.get("YUNFN_ITEST_ISOLATION")
        if iso:
            args += ["--isolation", iso]
        # Test servers run in parallel: the default gateway port 9080 would collide.
        wants_gateway = not any(
            a == "--gateway-listen" or a.startswith("--gateway-listen=")
            for a in self.extra_args)
        if wants_gateway:
            args += ["--gateway-listen", "127.0.0.1:0"]
        # The same for the bucket service's default port 9002.
        if not any(a == "--cos-listen" or a.startswith("--cos-listen=") for a in self.extra_args):
            args += ["--cos-listen", "127.0.0.1:0"]
        args += self.extra_args
        self._stderr_file = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr_file,
            env=server_env(self.with_keys, self.env_extra), cwd=self.workdir,
            start_new_session=True)
        reader = threading.Thread(target=self._read_stdout, args=(self.proc,), daemon=True)
        reader.start()
        deadline = time.time() + timeout
        while not self._listen_event.wait(0.05):
            if self.proc.poll() is not None or time.time() > deadline:
                reader.join(1)
                self._fail_start("no 'API listening on' line (exit code %s)" % self.proc.poll())
        while not self._gateway_event.wait(0.05):
            if self.proc.poll() is not None or time.time() > deadline:
                reader.join(1)
                self._fail_start("no 'gateway listening on' line (exit code %s)"
                                 % self.proc.poll())
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self._fail_start("server exited with %s" % self.proc.returncode)
            try:
                status, _ = http_get(self.host, self.port, "/healthz", timeout=2,
                                     tls="--tls-cert" in self.extra_args)
                # The bucket service's line comes after the gateway's: read it too.
                cos_on = "off" not in self.extra_args
                if status == 200 and (self.cos_port is not None or not cos_on):
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self._fail_start("/healthz did not answer 200 within %ss" % timeout)

    def _fail_start(self, why):
        self.kill()
        raise AssertionError("yunfn server failed to start: %s\n%s" % (why, self.diagnostics()))

    def _read_stdout(self, proc):
        with open(self.stdout_path, "wb") as copy:
            for raw in iter(proc.stdout.readline, b""):
                copy.write(raw)
                copy.flush()
                line = raw.decode("utf-8", errors="replace").rstrip("\n")
                self.stdout_lines.append(line)
                m = _LISTEN_RE.search(line)
                if m and self.port is None:
                    self.port = int(m.group(2))
                    self._listen_event.set()
                c = _COS_RE.search(line)
                if c and self.cos_port is None:
                    self.cos_port = int(c.group(1))
                g = _GATEWAY_RE.search(line)
                if g and self.gateway_port is None:
                    self.gateway_port = int(g.group(2))
                    self._gateway_event.set()

    @property
    def host(self):
        return "127.0.0.1"

    @property
    def endpoint(self):
        return "%s:%d" % (self.host, self.port)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=20):
        """SIGTERM and wait; returns the exit code (kills with SIGKILL after timeout -> None)."""
        if self.proc is None:
            return None
        code = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                code = None
        else:
            code = self.proc.returncode
        self._close()
        return code

    def kill(self):
        """kill -9 the server process (only it: instances it started are not signalled)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._close()

    def _close(self):
        if self.proc is not None and self.proc.stdout:
            try:
                self.proc.stdout.close()
            except OSError:
                pass
        f = getattr(self, "_stderr_file", None)
        if f:
            f.close()

    def cleanup(self):
        """Stops the server and removes the temp dir (kept if YUNFN_ITEST_KEEP=1)."""
        self.stop()
        if os.environ.get("YUNFN_ITEST_KEEP") == "1":
            sys.stderr.write("keeping yunfn test dir %s\n" % self.workdir)
            return
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -- helpers ------------------------------------------------------------------------

    def client(self, **kwargs):
        return Client(self.host, self.port, **kwargs)

    def stderr_text(self):
        texts = []
        for i in range(1, self.starts + 1):
            path = os.path.join(self.workdir, "server-%d.stderr" % i)
            try:
                with open(path, "rb") as f:
                    texts.append(f.read().decode("utf-8", errors="replace"))
            except OSError:
                pass
        return "\n".join(texts)

    def diagnostics(self, tail_lines=150):
        """The last lines of the server's stdout and stderr, for failure reports."""
        out = "\n".join(self.stdout_lines[-40:])
        err = self.stderr_text().splitlines()[-tail_lines:]
        return ("---- yunfn server stdout (last lines) ----\n%s\n"
                "---- yunfn server stderr (last %d lines) ----\n%s\n"
                "---- end of server output ----" % (out, tail_lines, "\n".join(err)))


def http_get(host, port, path, timeout=5, tls=False):
    if tls:
        import ssl
        conn = http.client.HTTPSConnection(host, port, timeout=timeout,
                                           context=ssl._create_unverified_context())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def cli_command(server, *args):
    """argv for `yunfn [--endpoint HOST:PORT] <args>` (server None: no --endpoint).

    --endpoint is a global option, so it goes before the command name.
    """
    cmd = [BIN]
    if server is not None:
        cmd += ["--endpoint", server.endpoint]
    return cmd + list(args)


def run_cli(server, *args, input=None, env_extra=None, with_keys=True, timeout=120,
            endpoint=True):
    """Runs `yunfn <args>` against `server`; returns CompletedProcess (text mode).

    The endpoint is passed as the global option `--endpoint HOST:PORT` unless
    endpoint=False; keys come from the environment (YUNFN_SECRET_ID/KEY).
    """
    cmd = cli_command(server if endpoint else None, *args)
    return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout,
                          env=server_env(with_keys, env_extra), cwd=server.workdir)


def yunfn_cgroup_dirs(proc_cgroup_text):
    """The cgroup directories under a `yunfn` parent named by a /proc/PID/cgroup text.

    v1 lines `N:memory:/yunfn/i-..` map to /sys/fs/cgroup/memory/yunfn/i-..; the v2
    line `0::/..` maps to the unified mount (/sys/fs/cgroup or /sys/fs/cgroup/unified).
    Only existing directories are returned, so call it while the process lives.
    """
    dirs = []
    for line in proc_cgroup_text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3 or "yunfn" not in parts[2]:
            continue
        rel = parts[2].lstrip("/")
        if parts[1]:
            candidates = [os.path.join("/sys/fs/cgroup", c, rel) for c in parts[1].split(",")
                          if c and not c.startswith("name=")]
        else:
            candidates = [os.path.join("/sys/fs/cgroup", rel),
                          os.path.join("/sys/fs/cgroup/unified", rel)]
        dirs += [d for d in candidates if os.path.isdir(d)]
    return dirs


def wait_gone(paths, timeout=5):
    """Waits until none of paths exists; returns those still present."""
    deadline = time.time() + timeout
    while True:
        left = [p for p in paths if os.path.exists(p)]
        if not left or time.time() > deadline:
            return left
        time.sleep(0.1)


def is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


# ----------------------------------------------------------------------------------------
# Test base class
# ----------------------------------------------------------------------------------------

class ServerOutputOnFailure:
    """Mixed into test cases whose `server` attribute holds a Server: a failing test
    prints that server's output."""

    def run(self, result=None):
        before = self._problem_count(result)
        outcome = super().run(result)
        server = getattr(self, "server", None)
        if result is not None and self._problem_count(result) > before and server:
            sys.stderr.write("\n%s failed; server output:\n%s\n"
                             % (self.id(), server.diagnostics()))
        return outcome

    @staticmethod
    def _problem_count(result):
        if result is None:
            return 0
        return len(result.failures) + len(result.errors) + len(
            getattr(result, "unexpectedSuccesses", []))


class ServerTestCase(ServerOutputOnFailure, unittest.TestCase):
    """One server per test class; its output is printed for every failing test."""

    server = None
    client = None
    server_kwargs = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = Server(**cls.server_kwargs)
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise
        cls.client = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            cls.server.cleanup()
        super().tearDownClass()

    # -- assertions ---------------------------------------------------------------------

    def assertErrorCode(self, err, code, field=None):
        """err is an Error dict: its Code must be exactly `code` (one full SCF error
        code, e.g. "InvalidParameterValue.MemorySize") and, if `field` is given, its
        Message must name it (case-insensitively), e.g. the parameter "MemorySize"."""
        if not isinstance(code, str) or not code or code.endswith("."):
            raise TypeError("assertErrorCode takes one full error code, not %r" % (code,))
        if field is not None and not isinstance(field, str):
            raise TypeError("assertErrorCode takes one field name, not %r" % (field,))
        self.assertEqual(err.get("Code"), code, "unexpected error %r" % (err,))
        if field is not None:
            msg = err.get("Message") or ""
            self.assertIn(field.lower(), msg.lower(),
                          "error message %r does not name %r" % (msg, field))

    def assertLogHasRequestLines(self, log, request_id):
        """log must hold START, END and Report lines for request_id, in that order."""
        rid = re.escape(request_id)
        start = re.search(r"(?m)^START RequestId:\s*%s" % rid, log)
        end = re.search(r"(?m)^END RequestId:\s*%s" % rid, log)
        report = re.search(r"(?m)^Report RequestId:\s*%s.*Duration:?\s*[0-9.]+\s*ms"
                           r".*Memory:?\s*\d+\s*MB" % rid, log)
        self.assertIsNotNone(start, "no START line for %s in log:\n%s" % (request_id, log))
        self.assertIsNotNone(end, "no END line for %s in log:\n%s" % (request_id, log))
        self.assertIsNotNone(report, "no Report line for %s in log:\n%s" % (request_id, log))
        self.assertLess(start.start(), end.start(), log)
        self.assertLess(end.start(), report.start(), log)
        return start.end(), end.start()


# ----------------------------------------------------------------------------------------
# Versions, aliases and concurrency
# ----------------------------------------------------------------------------------------

def publish_version(client, name, description=None, namespace=None):
    """PublishVersion; returns the new version number as a string ("1", "2", ...)."""
    params = {"FunctionName": name}
    if description is not None:
        params["Description"] = description
    if namespace:
        params["Namespace"] = namespace
    return client.ok("PublishVersion", params)["FunctionVersion"]


class Outcome:
    """What one API call ended with: `response` (the Response dict) when it
    succeeded, else `code`/`message` of its Error (or of a transport exception)."""

    def __init__(self, response=None, code=None, message=None, started=None, finished=None):
        self.response = response
        self.code = code
        self.message = message
        self.started = started
        self.finished = finished

    @property
    def ok(self):
        return self.code is None

    @property
    def result(self):
        """The invoke Result of a successful Invoke/InvokeFunction."""
        return (self.response or {}).get("Result")

    def __repr__(self):
        if self.ok:
            return "Outcome(ok %.200r)" % (self.result or self.response,)
        return "Outcome(%s: %.200s)" % (self.code, self.message)


def call_outcome(client, action, params, timeout=CALL_TIMEOUT):
    """Calls `action` and returns an Outcome instead of raising."""
    started = time.time()
    try:
        resp = client.call(action, params, timeout=timeout)
    except Exception as e:  # transport failure: reported, not raised
        return Outcome(code="Transport", message=repr(e), started=started, finished=time.time())
    finished = time.time()
    if "Error" in resp:
        err = resp["Error"]
        return Outcome(code=err.get("Code"), message=err.get("Message"), started=started,
                       finished=finished)
    return Outcome(response=resp, started=started, finished=finished)


def invoke_params(name, event=None, qualifier=None, routing_key=None, log_type="Tail",
                  action="Invoke", namespace=None):
    """Parameters of a sync Invoke (or InvokeFunction when action says so)."""
    payload = json.dumps({} if event is None else event)
    if action == "InvokeFunction":
        params = {"FunctionName": name, "Event": payload, "LogType": log_type}
    else:
        params = {"FunctionName": name, "InvocationType": "RequestResponse",
                  "ClientContext": payload, "LogType": log_type}
    if qualifier is not None:
        params["Qualifier"] = qualifier
    if routing_key is not None:
        params["RoutingKey"] = routing_key
    if namespace:
        params["Namespace"] = namespace
    return params


def run_concurrently(calls, timeout=CALL_TIMEOUT):
    """Runs every zero-argument callable in `calls` on its own thread, all released
    at once by a barrier; returns their return values (or raised exceptions) in order."""
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def worker(i, fn):
        try:
            barrier.wait(timeout)
            results[i] = fn()
        except BaseException as e:  # returned to the caller, who decides
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i, fn), daemon=True)
               for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results


def concurrent_invokes(client, requests, timeout=CALL_TIMEOUT):
    """requests: list of (action, params). Fires them at once; returns Outcomes."""
    return run_concurrently(
        [lambda a=a, p=p: call_outcome(client, a, p, timeout) for a, p in requests], timeout)


def function_metrics(client, name, namespace=None):
    """GetFunctionMetrics as ({qualifier: metrics dict}, ConcurrencyMemInUse)."""
    params = {"FunctionName": name}
    if namespace:
        params["Namespace"] = namespace
    resp = client.ok("GetFunctionMetrics", params)
    return {v["Qualifier"]: v for v in resp.get("Versions") or []}, resp.get("ConcurrencyMemInUse")


def cold_starts(client, name, qualifier):
    """ColdStarts counted so far for one version of a function (0 if none yet)."""
    by_version, _ = function_metrics(client, name)
    return (by_version.get(qualifier) or {}).get("ColdStarts", 0)


def _proc_children():
    """{ppid: [pid, ...]} over every process visible in /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                stat_line = f.read().decode("utf-8", errors="replace")
        except OSError:
            continue
        # the command name (field 2) may hold spaces and parentheses
        fields = stat_line[stat_line.rfind(")") + 2:].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _proc_environ(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            raw = f.read()
    except OSError:
        return {}
    env = {}
    for item in raw.split(b"\0"):
        key, sep, value = item.partition(b"=")
        if sep:
            env[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
    return env


def _proc_cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def kill_instance_process(pid):
    """SIGKILLs one process of an instance. yunfn freezes idle instances, and
    cgroup v1 delivers SIGKILL to a frozen process only once it is thawed, so
    the process's freezer cgroup is thawed too (as the server does itself)."""
    try:
        os.kill(pid, signal.SIGKILL)
        with open("/proc/%d/cgroup" % pid) as f:
            lines = f.read().splitlines()
    except OSError:
        return
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "freezer":
            state = "/sys/fs/cgroup/freezer%s/freezer.state" % path
            value = "THAWED"
        elif controllers == "":
            state = "/sys/fs/cgroup%s/cgroup.freeze" % path
            value = "0"
        else:
            continue
        try:
            with open(state, "w") as f:
                f.write(value)
        except OSError:
            pass


def instance_pids(server, function_name, version=None, marker="bootstrap"):
    """Pids of the runtime processes the server started for a function (one version
    when given): descendants of the server whose command line contains `marker` and
    whose environment names the function (SCF_FUNCTIONNAME / SCF_FUNCTIONVERSION)."""
    if not server.alive():
        return []
    children = _proc_children()
    out, todo = [], list(children.get(server.proc.pid, []))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        if marker not in _proc_cmdline(pid):
            continue
        env = _proc_environ(pid)
        if env.get("SCF_FUNCTIONNAME") != function_name:
            continue
        if version is not None and env.get("SCF_FUNCTIONVERSION") != version:
            continue
        out.append(pid)
    return sorted(out)


def wait_provisioned(client, name, qualifier, available, timeout=60):
    """Polls GetProvisionedConcurrencyConfig until the version reports `available`
    ready instances with Status Done; returns that Allocated entry."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        resp = client.ok("GetProvisionedConcurrencyConfig",
                         {"FunctionName": name, "Qualifier": qualifier})
        entries = [a for a in resp.get("Allocated") or [] if a.get("Qualifier") == qualifier]
        last = entries[0] if entries else resp
        if entries and last.get("AvailableProvisionedConcurrencyNum") == available \
                and last.get("Status") == "Done":
            return last
        time.sleep(0.1)
    raise AssertionError("provisioned %s:%s never reached %d available (Done): last %r"
                         % (name, qualifier, available, last))


def function_processes(function_name, version=None, marker="bootstrap"):
    """Pids of every runtime process on the machine (whoever its parent is) whose
    command line contains `marker` and whose environment names the function; finds
    instances a server left behind when it stopped."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        if marker not in _proc_cmdline(pid):
            continue
        env = _proc_environ(pid)
        if env.get("SCF_FUNCTIONNAME") == function_name and (
                version is None or env.get("SCF_FUNCTIONVERSION") == version):
            out.append(pid)
    return sorted(out)


# ----------------------------------------------------------------------------------------
# Async events and triggers
# ----------------------------------------------------------------------------------------

def host_files_isolation_args():
    """Server arguments under which function instances see the host's file system.

    Tests whose functions write their observations into a host directory (a temp dir
    named through an environment variable) need instances that run as plain processes
    of the server: with namespace isolation an instance has its own root and /tmp and
    cannot see the test's directory. Returns ["--isolation", "none"], or [] when
    YUNFN_ITEST_ISOLATION=none already says so; skips the test when another isolation
    level is forced through YUNFN_ITEST_ISOLATION.
    """
    forced = os.environ.get("YUNFN_ITEST_ISOLATION")
    if forced == "none":
        return []
    if forced:
        raise unittest.SkipTest("isolation forced to %s: these functions must write to a "
                                "host directory (needs --isolation none)" % forced)
    return ["--isolation", "none"]


class KeepAliveClient:
    """A signed API client that keeps one HTTP/1.1 connection open across calls.

    One instance per thread (http.client connections are not thread-safe). A call that
    fails on a dropped connection is retried once on a fresh connection.
    """

    def __init__(self, host, port, secret_id=TEST_SECRET_ID, secret_key=TEST_SECRET_KEY,
                 region=REGION, timeout=CALL_TIMEOUT):
        self.host = host
        self.port = port
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.region = region
        self.timeout = timeout
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _send(self, action, body):
        ts = int(time.time())
        host_header = "%s:%d" % (self.host, self.port)
        hdrs = {
            "Host": host_header,
            "Content-Type": "application/json",
            "X-TC-Action": action,
            "X-TC-Version": API_VERSION,
            "X-TC-Region": self.region,
            "X-TC-Timestamp": str(ts),
            "Authorization": tc3_authorization(self.secret_id, self.secret_key, host_header,
                                               body, ts),
        }
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.conn.request("POST", "/", body=body, headers=hdrs)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.getheader("Connection", "").lower() == "close":
            self.close()
        return resp.status, data

    def call(self, action, params=None):
        """The Response dict of `action` (maybe holding an Error)."""
        body = json.dumps(params or {}).encode("utf-8")
        try:
            status, data = self._send(action, body)
        except (http.client.HTTPException, OSError):
            self.close()
            status, data = self._send(action, body)
        doc = json.loads(data.decode("utf-8"))
        if status != 200 or "Response" not in doc:
            raise AssertionError("%s: HTTP %d, not an API v3 envelope: %.500r"
                                 % (action, status, doc))
        return doc["Response"]

    def ok(self, action, params=None):
        resp = self.call(action, params)
        if "Error" in resp:
            err = resp["Error"]
            raise ApiError(action, err.get("Code"), err.get("Message"), resp)
        return resp


def async_invoke_params(name, event=None, namespace=None, qualifier=None):
    """Parameters of an async Invoke (InvocationType Event)."""
    params = {"FunctionName": name, "InvocationType": "Event",
              "ClientContext": json.dumps({} if event is None else event)}
    if namespace:
        params["Namespace"] = namespace
    if qualifier:
        params["Qualifier"] = qualifier
    return params


def async_invoke(client, name, event=None, namespace=None, qualifier=None):
    """Queues one async event; returns its request id (Result.FunctionRequestId)."""
    result = client.ok("Invoke", async_invoke_params(name, event, namespace, qualifier))["Result"]
    return result["FunctionRequestId"]


def async_event_count(client, name, statuses=None, invoke_types=None, namespace=None):
    """TotalCount of ListAsyncEvents for a function, filtered by Status / InvokeType."""
    params = {"FunctionName": name, "Limit": 1}
    if statuses:
        params["Status"] = list(statuses)
    if invoke_types:
        params["InvokeType"] = list(invoke_types)
    if namespace:
        params["Namespace"] = namespace
    return client.ok("ListAsyncEvents", params)["TotalCount"]


def list_all_async_events(client, name, **filters):
    """Every ListAsyncEvents entry of a function (follows Offset/Limit paging)."""
    out, offset = [], 0
    while True:
        params = {"FunctionName": name, "Offset": offset, "Limit": 100}
        params.update(filters)
        resp = client.ok("ListAsyncEvents", params)
        page = resp.get("EventList") or []
        out.extend(page)
        offset += len(page)
        if not page or offset >= resp.get("TotalCount", 0):
            return out


def wait_async_status(client, request_id, statuses=("FINISHED", "FAILED", "ABORTED"),
                      timeout=60, interval=0.1):
    """Polls GetAsyncEventStatus until Status is one of `statuses`; returns the Result.

    Raises AssertionError with the last Result on timeout.
    """
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = client.ok("GetAsyncEventStatus", {"InvokeRequestId": request_id})["Result"]
        if last.get("Status") in statuses:
            return last
        time.sleep(interval)
    raise AssertionError("async event %s not in %r after %ss: last %r"
                         % (request_id, statuses, timeout, last))


def wait_async_count(client, name, count, statuses=("FINISHED",), timeout=60, interval=0.5):
    """Polls until ListAsyncEvents(Status=statuses) reports at least `count` events;
    returns the last TotalCount (raises AssertionError on timeout)."""
    deadline = time.time() + timeout
    total = None
    while time.time() < deadline:
        total = async_event_count(client, name, statuses)
        if total >= count:
            return total
        time.sleep(interval)
    raise AssertionError("%s: only %s of %d events %r after %ss"
                         % (name, total, count, statuses, timeout))


def timer_trigger_params(function_name, trigger_name, cron, message=None, enable=None,
                         qualifier=None, namespace=None):
    """Parameters of CreateTrigger for a timer trigger."""
    params = {"FunctionName": function_name, "TriggerName": trigger_name, "Type": "timer",
              "TriggerDesc": cron}
    if message is not None:
        params["CustomArgument"] = message
    if enable is not None:
        params["Enable"] = enable
    if qualifier is not None:
        params["Qualifier"] = qualifier
    if namespace:
        params["Namespace"] = namespace
    return params


def read_lines(path):
    """The lines of a text file ([] when it does not exist yet)."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


# ----------------------------------------------------------------------------------------
# HTTP gateway (docs/gateway.md)
# ----------------------------------------------------------------------------------------

# Client-side timeout of one gateway request (covers cold starts).
GATEWAY_TIMEOUT = 60


class ResponseHeaders(dict):
    """Response headers by lower-cased name (repeated headers joined with ", ");
    get_all(name) lists every line of that name separately."""

    def __init__(self, pairs):
        super().__init__()
        self.pairs = [(k.lower(), v) for k, v in pairs]
        for k, v in self.pairs:
            self[k] = v if k not in self else self[k] + ", " + v

    def get_all(self, name):
        name = name.lower()
        return [v for k, v in self.pairs if k == name]


def gateway_path(function, path="/", namespace="default"):
    """The gateway path of `path` below a function's base: /<namespace>/<function><path>."""
    return "/%s/%s%s" % (namespace, function, path)


def gateway_request(server_or_port, method, path, body=None, headers=None,
                    timeout=GATEWAY_TIMEOUT):
    """One request to the gateway; returns (status, ResponseHeaders, body bytes).

    server_or_port: a Server (its gateway_port) or a port number. path is sent verbatim
    (so tests can send `..` segments or odd encodings). headers: a dict or a list of
    (name, value) pairs (for repeated headers); a Host header replaces the default one.
    """
    port = server_or_port if isinstance(server_or_port, int) else server_or_port.gateway_port
    if port is None:
        raise AssertionError("the server printed no 'gateway listening on' line")
    if isinstance(body, str):
        body = body.encode("utf-8")
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    names = {k.lower() for k, _ in pairs}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host="host" in names, skip_accept_encoding=True)
        for k, v in pairs:
            conn.putheader(k, v)
        if body is not None and "content-length" not in names \
                and "transfer-encoding" not in names:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, ResponseHeaders(resp.getheaders()), data
    finally:
        conn.close()


def apigw_trigger_desc(path="/", method="ANY", **api_fields):
    """The TriggerDesc JSON text of an apigw trigger (api fields as keyword arguments,
    e.g. isIntegratedResponse="FALSE", serviceTimeout=1)."""
    api = {"authRequired": "FALSE", "requestConfig": {"method": method, "path": path}}
    api.update(api_fields)
    return json.dumps({"api": api, "service": {"serviceName": "yunfn-itest"},
                       "release": {"environmentName": "release"}})


def create_apigw_trigger(client, function, name, path="/", method="ANY", qualifier=None,
                         enable=None, namespace=None, description=None, **api_fields):
    """CreateTrigger of Type apigw (TriggerDesc per docs/gateway.md); returns TriggerInfo."""
    params = {"FunctionName": function, "TriggerName": name, "Type": "apigw",
              "TriggerDesc": apigw_trigger_desc(path, method, **api_fields)}
    if qualifier is not None:
        params["Qualifier"] = qualifier
    if enable is not None:
        params["Enable"] = enable
    if namespace:
        params["Namespace"] = namespace
    if description is not None:
        params["Description"] = description
    return client.ok("CreateTrigger", params)["TriggerInfo"]


class GatewayAssertions:
    """Assertions on the HTTP gateway's answers (mixed into gateway test cases)."""

    def assertRequestIds(self, headers):
        """X-Api-RequestId and x-scf-reqid are present and equal; returns the id."""
        rid = headers.get("x-scf-reqid")
        self.assertTrue(rid, "no x-scf-reqid header: %r" % headers)
        self.assertEqual(headers.get("x-api-requestid"), rid, headers)
        return rid

    def assertGatewayError(self, response, status, errno=None):
        """response is (status, headers, body): the gateway's {"errno","error"} answer."""
        got, headers, body = response
        self.assertEqual(got, status, body[:2000])
        doc = json.loads(body)
        self.assertEqual(doc.get("errno"), status if errno is None else errno, doc)
        self.assertIsInstance(doc.get("error"), str, doc)
        self.assertTrue(doc["error"], doc)
        self.assertRequestIds(headers)
        return doc

    def assertScfError(self, response, code):
        """The function failed: 200, x-scf-status and the SCF error body with `code`."""
        status, headers, body = response
        self.assertEqual(status, 200, body[:2000])
        rid = self.assertRequestIds(headers)
        self.assertEqual(headers.get("x-scf-status"), str(code), headers)
        doc = json.loads(body)
        self.assertEqual(doc.get("errorCode"), code, doc)
        self.assertEqual(doc.get("statusCode"), code, doc)
        self.assertEqual(doc.get("requestId"), rid, doc)
        self.assertIsInstance(doc.get("errorMessage"), str, doc)
        self.assertTrue(doc["errorMessage"], doc)
        return doc


# ----------------------------------------------------------------------------------------
# Signing chosen headers; process accounting
# ----------------------------------------------------------------------------------------

def tc3_authorization_signing(secret_id, secret_key, signed, body, timestamp, service="scf"):
    """A TC3-HMAC-SHA256 Authorization value over the headers `signed`, a list of
    (name, value) pairs (names lower-cased and sorted, values trimmed and lower-cased
    as the canonical request wants): signs e.g. x-tc-action or x-tc-region besides
    content-type and host, as yunfn's CLI does."""
    pairs = sorted((k.lower(), str(v).strip().lower()) for k, v in signed)
    canonical_headers = "".join("%s:%s\n" % kv for kv in pairs)
    signed_headers = ";".join(k for k, _ in pairs)
    date = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%d")
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, signed_headers, _sha256_hex(body)])
    scope = "%s/%s/tc3_request" % (date, service)
    string_to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, _sha256_hex(canonical_request)])
    k_date = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    k_signing = _hmac(_hmac(k_date, service), "tc3_request")
    signature = hmac.new(k_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return "TC3-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        secret_id, scope, signed_headers, signature)


def proc_cpu_seconds(pid):
    """utime + stime of a process (all its threads, /proc/<pid>/stat) in seconds;
    0.0 when it is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
    except OSError:
        return 0.0
    fields = text[text.rfind(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_kb(pid):
    """VmRSS of a process in kB (from /proc/<pid>/status)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/%d/status" % pid)
