"""The README is a test: the commands of README.md and of the examples' READMEs run as a
new user runs them, against a server started with the defaults, and their output is
checked.

What runs (SECTIONS below), in two groups, each against its own fresh server and
working directory:

- ReadmeTest: README.md "Quick start", examples/README.md, README.md "HTTP gateway",
  "Concurrency", "Async invocation and timers", in that order. The later sections use
  `hello-py`, which the Quick start removes at its end and examples/README.md deploys
  again, as for a reader who goes from the Quick start to the examples.
- ExampleReadmesTest: examples/blog-api, upload, web-nodejs and web-python README.md.

How: the ```sh blocks of a section are split into commands (a line ending in a
backslash continues on the next one; blank lines and comment lines are dropped). Each
command runs with `bash -c` in a temporary directory that holds what the commands
reference: a copy of examples/ and sdk/, `build/yunfn` (a link to the binary under test) and
bin/yunfn on PATH. Variable assignments (`export YUNFN_ENDPOINT=...`, `B=...`) are kept
and replayed before every later command of the group, as in one shell session. No
YUNFN_* variable is inherited: the CLI finds its keys in ./yunfn-data/credentials, as
the README says. The upload example writes /tmp/file1.bin and /tmp/file2.txt, as its
README does; the test removes them afterwards unless they existed before.

The server: `./scripts/run.sh &` (install packages, build, start the server in the
background) is replaced by the test's own start of exactly what run.sh execs,
`build/yunfn server` with no flags, in the temporary directory: API on 127.0.0.1:9001,
gateway on 127.0.0.1:9080, data in ./yunfn-data. A group whose sections do not start
the server (the examples' READMEs say "with the server running") gets the same start
before its first command. The test fails at once with a clear message when 9001,
9080 or 9002 is taken, and always stops its server.

Each section's table lists its commands in README order with the expected output of
each; the README and the table must agree command for command (a new README command
needs a check, a removed one its table entry).

Marker: a command that cannot run here (a placeholder, a long-running command) ends
with a comment holding `readme-test: skip`, e.g.
    yunfn events stop REQUEST_ID    # TerminateAsyncEvent (readme-test: skip)
is listed in the table with SKIP, and is not run.

YUNFN_README_TRANSCRIPT=1 prints every command with its exit code and output.
"""

import atexit
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from yunfnlib import BIN, REPO, ServerOutputOnFailure, http_get

API_PORT = 9001
GATEWAY_PORT = 9080
COS_PORT = 9002  # the bucket service (docs/cos.md)
COMMAND_TIMEOUT = 120
SKIP_MARKER = re.compile(r"#.*\breadme-test: skip\b")
ASSIGNMENT = re.compile(r"^(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=\S*$")
RID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UPLOAD_FILES = ("/tmp/file1.bin", "/tmp/file2.txt")

# Table entries that are not output checks.
START_SERVER = "start the server"  # ./scripts/run.sh &
SKIP = "skipped"                   # a command marked `readme-test: skip`


# ----------------------------------------------------------------------------------------
# Markdown
# ----------------------------------------------------------------------------------------

def section_text(text, heading):
    """The text below `## heading` up to the next heading of level 1 or 2 (None: all)."""
    if heading is None:
        return text
    m = re.search(r"(?m)^## %s[ \t]*$" % re.escape(heading), text)
    if not m:
        raise AssertionError("README section '## %s' not found" % heading)
    end = re.search(r"(?m)^#{1,2} ", text[m.end():])
    return text[m.end():m.end() + end.start()] if end else text[m.end():]


def sh_blocks(text):
    """The contents of the ```sh fenced blocks of a markdown text."""
    return re.findall(r"(?ms)^```sh[ \t]*\n(.*?)^```[ \t]*$", text)


def commands(block):
    """The commands of a shell block: continuation lines joined (with the backslash and
    newline kept, as bash reads them), blank lines and comment lines dropped."""
    out, pending = [], ""
    for line in block.splitlines():
        if pending:
            line = pending + "\n" + line
            pending = ""
        if line.endswith("\\"):
            pending = line
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        out.append(line.strip())
    if pending:
        out.append(pending.strip())
    return out


def normalize(command):
    """A command as the tables spell it: continuations joined with one space, without
    its trailing ` # comment`."""
    command = re.sub(r"\s*\\\n\s*", " ", command)
    return re.sub(r"\s+#[^'\"]*$", "", command).strip()


def source_commands(path, heading):
    """Every command of the ```sh blocks of one README section, in order."""
    with open(os.path.join(REPO, path), encoding="utf-8") as f:
        text = section_text(f.read(), heading)
    blocks = sh_blocks(text)
    if not blocks:
        raise AssertionError("%s %s has no ```sh block" % (path, heading or ""))
    return [c for b in blocks for c in commands(b)]


# ----------------------------------------------------------------------------------------
# The server, started as ./scripts/run.sh starts it
# ----------------------------------------------------------------------------------------

def port_taken(port):
    """True when 127.0.0.1:port cannot be bound (someone listens there)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def clean_env(workdir):
    """A new user's environment: no YUNFN_* variables, the temp dir's bin/ on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUNFN_")}
    env["PATH"] = os.path.join(workdir, "bin") + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    return env


class DefaultServer:
    """`build/yunfn server` without flags in `workdir`; stdout kept in memory."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.proc = None
        self.stdout_lines = []
        self.stderr_path = os.path.join(workdir, "server.stderr")
        self._reader = None
        self._stderr = None

    def start(self, timeout=60):
        for port in (API_PORT, GATEWAY_PORT, COS_PORT):
            if port_taken(port):
                raise AssertionError(
                    "127.0.0.1:%d is taken: this test starts `yunfn server` with its default "
                    "ports (API 9001, gateway 9080, bucket service 9002). Stop whatever listens there (e.g. a "
                    "server started by ./scripts/run.sh) and run the test again." % port)
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            ["build/yunfn", "server"], cwd=self.workdir, env=clean_env(self.workdir),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr,
            start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self._reader.join(2)
                raise AssertionError("yunfn server exited with %s at start\n%s"
                                     % (self.proc.returncode, self.diagnostics()))
            try:
                if http_get("127.0.0.1", API_PORT, "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("GET http://127.0.0.1:%d/healthz did not answer 200 within %d s\n%s"
                             % (API_PORT, timeout, self.diagnostics()))

    def _read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            self.stdout_lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if self._reader:
            self._reader.join(5)
        self.proc.stdout.close()
        self._stderr.close()

    def diagnostics(self):
        try:
            with open(self.stderr_path, "rb") as f:
                err = f.read().decode("utf-8", "replace").splitlines()[-100:]
        except OSError:
            err = []
        return ("---- yunfn server stdout ----\n%s\n---- yunfn server stderr (last lines) "
                "----\n%s\n---- end of server output ----"
                % ("\n".join(self.stdout_lines[-40:]), "\n".join(err)))


# ----------------------------------------------------------------------------------------
# Expected outputs: check(test, run) functions
# ----------------------------------------------------------------------------------------

class Run:
    """One command's result; `ctx` is shared by the commands of one group."""

    def __init__(self, command, proc, ctx):
        self.command = command
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.ctx = ctx

    def __str__(self):
        return "$ %s\nexit code %s\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            self.command, self.rc, self.stdout, self.stderr)


def expect_ok(t, r):
    t.assertEqual(r.rc, 0, "command failed:\n%s" % r)


def expect_silent(t, r):
    expect_ok(t, r)
    t.assertEqual((r.stdout, r.stderr), ("", ""), "expected no output:\n%s" % r)


def expect_stdout(pattern):
    """Exit 0 and stdout matching `pattern` (a regular expression) as a whole."""
    def check(t, r):
        expect_ok(t, r)
        t.assertRegex(r.stdout, "^(?:%s)$" % pattern, "unexpected output:\n%s" % r)
    return check


def expect_deployed(name):
    return expect_stdout(r"%s created: Active \(\d+ bytes of code\)\n" % re.escape(name))


def expect_trigger_added(function, path):
    return expect_stdout(r"%s trigger apigw-\d+ added: http://127\.0\.0\.1:9080/default/%s%s\n"
                         % (re.escape(function), re.escape(function), re.escape(path)))


def expect_triggers(function, routes):
    """`yunfn trigger ls`: one OPEN $LATEST apigw line per (method, path), any order."""
    def check(t, r):
        expect_ok(t, r)
        got = []
        for line in r.stdout.splitlines():
            m = re.fullmatch(r"apigw-\d+\tapigw\tOPEN\t\$LATEST\t([A-Z]+) "
                             r"http://127\.0\.0\.1:9080/default/%s(/\S*)" % re.escape(function),
                             line)
            t.assertIsNotNone(m, "unexpected trigger line %r:\n%s" % (line, r))
            got.append((m.group(1), m.group(2)))
        t.assertEqual(sorted(got), sorted(routes), r)
    return check


def check_invocation_log(t, r, log, name, rid, line, memory_mb=128):
    """log holds the invocation's START, the function's line, END and Report, in order."""
    pattern = (r"(?ms)^START RequestId: %(rid)s\n.*^%(line)s\n.*^END RequestId: %(rid)s\n"
               r"Report RequestId: %(rid)s Duration: [0-9.]+ms Memory: %(mb)dMB "
               r"MemUsage: [0-9.]+MB\n" % {"rid": rid, "line": re.escape(line), "mb": memory_mb})
    t.assertRegex(log, pattern, "no complete invocation log of %s %s:\n%s" % (name, rid, r))


def expect_hello_invoke(name, result_re, memory_mb=128):
    """A hello example's invoke with --log: the result on stdout (result_re matches it
    as a whole, its group 1 is the request id), the invocation log on stderr."""
    def check(t, r):
        expect_ok(t, r)
        m = re.fullmatch(result_re + r"\n", r.stdout)
        t.assertIsNotNone(m, "unexpected result:\n%s" % r)
        rid = m.group(1)
        check_invocation_log(t, r, r.stderr, name, rid,
                             "%s invoked: request_id=%s name=yunfn" % (name, rid), memory_mb)
        r.ctx["request " + name] = rid
    return check


PY_HELLO = r'\{"greeting": "Hello, yunfn!", "function": "hello-py", "request_id": "(%s)"\}' % RID


def expect_logs_of_last_invoke(name):
    def check(t, r):
        expect_ok(t, r)
        rid = r.ctx.get("request " + name)
        t.assertTrue(rid, "no earlier invoke of %s" % name)
        check_invocation_log(t, r, r.stdout, name, rid,
                             "%s invoked: request_id=%s name=yunfn" % (name, rid))
    return check


def expect_ls_hello(t, r):
    expect_ok(t, r)
    lines = r.stdout.splitlines()
    t.assertEqual(len(lines), 2, "expected the header and hello-py:\n%s" % r)
    t.assertEqual(lines[0].split(), ["NAME", "RUNTIME", "STATUS", "MODIFIED"], r)
    t.assertRegex(lines[1], r"^hello-py +Python3\.9 +Active +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$",
                  r)


def expect_removed(name):
    def check(t, r):
        expect_stdout(r"%s deleted\n" % re.escape(name))(t, r)
        after = t.sh("build/yunfn ls")
        t.assertEqual(after.rc, 0, after)
        t.assertNotIn(name, after.stdout.split(), "%s is still listed:\n%s" % (name, after))
    return check


def parse_json(t, r, text):
    try:
        return json.loads(text)
    except ValueError:
        t.fail("not a JSON answer:\n%s" % r)


def expect_json(*checks, **fields):
    """stdout (curl's body) is a JSON object holding `fields`; then each of `checks`
    is called with (test, run, doc)."""
    def check(t, r):
        expect_ok(t, r)
        doc = parse_json(t, r, r.stdout)
        for k, v in fields.items():
            t.assertEqual(doc.get(k), v, "field %s of the answer:\n%s" % (k, r))
        for c in checks:
            c(t, r, doc)
    return check


def parse_http(t, r):
    """curl -i output -> (status, {lower-case header: value}, body)."""
    parts = re.split(r"\r?\n\r?\n", r.stdout, maxsplit=1)
    t.assertEqual(len(parts), 2, "no HTTP header block:\n%s" % r)
    head, body = parts
    lines = head.splitlines()
    m = re.match(r"HTTP/1\.1 (\d{3})", lines[0])
    t.assertIsNotNone(m, "no status line:\n%s" % r)
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(m.group(1)), headers, body


def expect_http(status, body=None, json_fields=None):
    """curl -i: the status, a request id header, and the body (exact text, or a JSON
    object holding json_fields)."""
    def check(t, r):
        expect_ok(t, r)
        got, headers, text = parse_http(t, r)
        t.assertEqual(got, status, r)
        t.assertRegex(headers.get("x-api-requestid", ""), "^%s$" % RID, r)
        if body is not None:
            t.assertEqual(text, body, r)
        if json_fields is not None:
            doc = parse_json(t, r, text)
            for k, v in json_fields.items():
                t.assertEqual(doc.get(k), v, "field %s of the answer:\n%s" % (k, r))
    return check


ISO = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


def article(id, title, content, author):
    """A blog-api article answer (201/200 bodies)."""
    def check(t, r, doc):
        t.assertEqual(sorted(doc), ["author", "content", "createdAt", "id", "title",
                                    "updatedAt"], r)
        t.assertEqual((doc["id"], doc["title"], doc["content"], doc["author"]),
                      (id, title, content, author), r)
        t.assertRegex(doc["createdAt"], ISO, r)
        t.assertRegex(doc["updatedAt"], ISO, r)
    return expect_json(check)


def listing(ids):
    """A blog-api listing: newest first, without the content."""
    def check(t, r, doc):
        t.assertEqual((doc.get("total"), doc.get("offset"), doc.get("limit")),
                      (len(ids), 0, 20), r)
        t.assertEqual([a.get("id") for a in doc.get("articles", [])], ids, r)
        for a in doc["articles"]:
            t.assertNotIn("content", a, r)
    return expect_json(check)


def expect_async_request_id(t, r):
    expect_stdout(RID + r"\n")(t, r)
    rid = r.stdout.strip()
    # The event runs: it reaches FINISHED.
    deadline = time.time() + 60
    while True:
        done = t.sh("yunfn events hello-py --status FINISHED")
        if rid in done.stdout or time.time() > deadline:
            break
        time.sleep(0.5)
    t.assertIn(rid, done.stdout, "async event %s did not finish:\n%s" % (rid, done))


def expect_event_list(status):
    def check(t, r):
        expect_ok(t, r)
        lines = r.stdout.splitlines()
        t.assertGreaterEqual(len(lines), 2, r)
        t.assertEqual(lines[0].split(), ["REQUEST", "ID", "STATUS", "TYPE", "START", "END"], r)
        m = re.fullmatch(r"(\d+) events", lines[-1])
        t.assertIsNotNone(m, r)
        t.assertEqual(int(m.group(1)), len(lines) - 2, r)
        for row in lines[1:-1]:
            t.assertRegex(row, r"^%s +%s " % (RID, status), r)
    return check


def expect_concurrency(t, r):
    expect_ok(t, r)
    t.assertRegex(r.stdout, r"^hello-py reserved: 1280 MB\n"
                            r"  version 2: provisioned [0-5]/5 (InProgress|Done)\n$", r)
    # The provisioned instances start ahead of traffic.
    deadline = time.time() + 90
    while True:
        now = t.sh("yunfn concurrency hello-py")
        if "provisioned 5/5 Done" in now.stdout or time.time() > deadline:
            break
        time.sleep(0.5)
    t.assertIn("  version 2: provisioned 5/5 Done\n", now.stdout, now)


def expect_timer_triggers(t, r):
    expect_stdout(r'every5s\ttimer\tOPEN\t\$LATEST\t\{"cron":"\*/5 \* \* \* \* \* \*"\}\n')(t, r)
    # The timer fires within 5 s (and its event runs).
    deadline = time.time() + 20
    while True:
        events = t.sh("yunfn events hello-py --status FINISHED")
        if re.search(r"(?m)^%s +FINISHED +TIMER " % RID, events.stdout) or time.time() > deadline:
            break
        time.sleep(0.5)
    t.assertRegex(events.stdout, r"(?m)^%s +FINISHED +TIMER " % RID,
                  "the every5s timer did not fire:\n%s" % events)


def expect_uploaded(t, r, doc):
    parts = doc.get("parts") or []
    t.assertEqual([(p.get("field"), p.get("filename"), p.get("contentType"), p.get("size"))
                   for p in parts],
                  [("a", "file1.bin", "application/octet-stream", 100000),
                   ("b", "file2.txt", "text/plain", 13),
                   ("note", None, None, 11)], r)
    for path, part in zip(UPLOAD_FILES, parts):
        with open(path, "rb") as f:
            t.assertEqual(part.get("sha256"), hashlib.sha256(f.read()).hexdigest(), r)
    t.assertEqual(parts[2].get("sha256"), hashlib.sha256(b"plain-field").hexdigest(), r)
    r.ctx["upload sha256"] = [p["sha256"] for p in parts[:2]]


def expect_sha256sum(t, r):
    expect_ok(t, r)
    hashes = r.ctx.get("upload sha256")
    t.assertTrue(hashes, "no upload answer to compare with")
    t.assertEqual(r.stdout, "".join("%s  %s\n" % (h, p) for h, p in zip(hashes, UPLOAD_FILES)),
                  "sha256sum does not match the upload answer:\n%s" % r)


def web_echo(t, r, doc):
    t.assertEqual(doc, {"method": "POST", "path": "/echo", "query": {"draft": "1"},
                        "contentType": "application/json", "bodyBytes": 15,
                        "body": '{"title": "Hi"}'}, r)


def web_request_info(function):
    def check(t, r, doc):
        t.assertIsInstance(doc.get("pid"), int, r)
        scf = doc.get("scfHeaders") or {}
        t.assertRegex(scf.get("x-scf-request-id", ""), "^%s$" % RID, r)
        t.assertEqual(scf.get("x-scf-name"), function, r)
        t.assertEqual(scf.get("x-scf-memory"), "128", r)
    return check


def web_readme(example, function, runtime, greeting_re):
    """The deploy and try-it commands of examples/web-nodejs and web-python."""
    base = "http://127.0.0.1:9080/default/%s" % function
    return [
        ("export YUNFN_ENDPOINT=127.0.0.1:9001", expect_silent),
        ("yunfn deploy examples/%s --name %s --runtime %s --type http"
         % (example, function, runtime), expect_deployed(function)),
        ("yunfn trigger add %s apigw --path / --method ANY" % function,
         expect_trigger_added(function, "/")),
        ("yunfn trigger ls %s" % function, expect_triggers(function, [("ANY", "/")])),
        ("B=%s" % base, expect_silent),
        ("curl -s $B/", expect_stdout(greeting_re)),
        ('curl -s "$B/hello?name=yunfn"', expect_json(greeting="Hello, yunfn!")),
        ("curl -s -X POST \"$B/echo?draft=1\" -H 'Content-Type: application/json' "
         "-d '{\"title\": \"Hi\"}'", expect_json(web_echo)),
        ("curl -s $B/request-info", expect_json(web_request_info(function))),
        ("curl -s -i $B/missing", expect_http(404, json_fields={
            "error": "no route for GET /missing"})),
    ]


# ----------------------------------------------------------------------------------------
# The sections and their commands, in README order
# ----------------------------------------------------------------------------------------

BLOG = "http://127.0.0.1:9080/default/blog"
JSON_HEADER = "-H 'Content-Type: application/json'"

SECTIONS = {
    ("README.md", "Quick start"): [
        ("./scripts/run.sh &", START_SERVER),
        ("export YUNFN_ENDPOINT=127.0.0.1:9001", expect_silent),
        ("build/yunfn deploy examples/python-hello --name hello-py --runtime Python3.9 "
         "--handler index.main_handler", expect_deployed("hello-py")),
        ("build/yunfn invoke hello-py --event '{\"name\":\"yunfn\"}' --log",
         expect_hello_invoke("hello-py", PY_HELLO)),
        ("build/yunfn logs hello-py", expect_logs_of_last_invoke("hello-py")),
        ("build/yunfn ls", expect_ls_hello),
        ("build/yunfn rm hello-py", expect_removed("hello-py")),
    ],
    ("examples/README.md", None): [
        ("yunfn deploy examples/python-hello --name hello-py --runtime Python3.9 "
         "--handler index.main_handler", expect_deployed("hello-py")),
        ("echo '{\"name\":\"yunfn\"}' | yunfn invoke hello-py --event - --log",
         expect_hello_invoke("hello-py", PY_HELLO)),
        ("yunfn layer publish examples/python-layer/layer --name greetings --runtime Python3.9",
         expect_stdout(r"greetings version 1 published \(\d+ bytes\)\n")),
        ("yunfn deploy examples/python-layer/function --name layered --runtime Python3.9 "
         "--handler index.main_handler --layer greetings:1", expect_deployed("layered")),
        ("echo '{\"name\":\"yunfn\"}' | yunfn invoke layered --event - --log",
         expect_hello_invoke(
             "layered",
             r'\{"greeting": "Hello, yunfn! \(from the greetings layer\)", "request_id": "(%s)"\}'
             % RID)),
        ("yunfn deploy examples/nodejs-hello --name hello-js --runtime Nodejs16.13 "
         "--handler index.main_handler", expect_deployed("hello-js")),
        ("echo '{\"name\":\"yunfn\"}' | yunfn invoke hello-js --event - --log",
         expect_hello_invoke(
             "hello-js",
             r'\{"greeting":"Hello, yunfn!","function":"hello-js","request_id":"(%s)"\}' % RID)),
        ("yunfn deploy examples/php-hello --name hello-php --runtime Php8.0 "
         "--handler index.main_handler", expect_deployed("hello-php")),
        ("echo '{\"name\":\"yunfn\"}' | yunfn invoke hello-php --event - --log",
         expect_hello_invoke(
             "hello-php",
             r'\{"greeting":"Hello, yunfn!","function":"hello-php","request_id":"(%s)"\}' % RID)),
        ("J=/usr/share/java", expect_silent),
        ("javac -implicit:none -sourcepath runtimes/java/src "
         "-cp $J/jackson-annotations.jar:$J/jackson-databind.jar:$J/jackson-core.jar "
         "-d /tmp/java-hello examples/java-hello/src/example/Hello.java", expect_silent),
        ("jar cf /tmp/java-hello.jar -C /tmp/java-hello .", expect_silent),
        ("yunfn deploy /tmp/java-hello.jar --name hello-java --runtime Java11 --memory 256 "
         "--handler example.Hello::mainHandler", expect_deployed("hello-java")),
        ("echo '{\"name\":\"yunfn\"}' | yunfn invoke hello-java --event - --log",
         expect_hello_invoke(
             "hello-java",
             r'\{"greeting":"Hello, yunfn!","function":"hello-java","requestId":"(%s)"\}' % RID,
             memory_mb=256)),
        ("examples/go-hello/build.sh", expect_stdout(r"built /\S+/examples/go-hello/dist/main\n")),
        ("yunfn deploy examples/go-hello/dist --name hello-go --runtime Go1 --handler main",
         expect_deployed("hello-go")),
        ("echo '{\"name\":\"yunfn\"}' | yunfn invoke hello-go --event - --log",
         expect_hello_invoke(
             "hello-go",
             r'\{"greeting":"Hello, yunfn!","function":"hello-go","request_id":"(%s)"\}' % RID)),
        ("yunfn deploy examples/custom-hello --name hello-sh --runtime CustomRuntime "
         "--handler index.main_handler", expect_deployed("hello-sh")),
        ("echo '{\"name\":\"yunfn\"}' | yunfn invoke hello-sh --event - --log",
         expect_hello_invoke("hello-sh", r'\{"greeting":"Hello, yunfn!","request_id":"(%s)"\}'
                             % RID)),
    ],
    ("README.md", "HTTP gateway"): [
        ("yunfn deploy examples/blog-api --name blog --runtime Python3.9 "
         "--handler index.main_handler", expect_deployed("blog")),
        ("yunfn trigger add blog apigw --path /articles --method ANY",
         expect_trigger_added("blog", "/articles")),
        ("curl -X POST %s/articles -d '{\"title\":\"Hello\",\"content\":\"first\"}'" % BLOG,
         article(1, "Hello", "first", "")),
        ("curl %s/articles/1" % BLOG, article(1, "Hello", "first", "")),
        ("yunfn deploy examples/web-nodejs --name web --runtime Nodejs18.15 --type http",
         expect_deployed("web")),
        ("yunfn trigger add web apigw --path /", expect_trigger_added("web", "/")),
        ("curl 'http://127.0.0.1:9080/default/web/hello?name=yunfn'",
         expect_json(greeting="Hello, yunfn!")),
    ],
    ("README.md", "Concurrency"): [
        ("yunfn publish hello-py", expect_stdout(r"hello-py version 1 published\n")),
        ("yunfn alias set hello-py prod --version 1",
         expect_stdout(r"hello-py alias prod -> version 1\n")),
        ("yunfn publish hello-py", expect_stdout(r"hello-py version 2 published\n")),
        ("yunfn alias set hello-py prod --version 1 --weight 2=0.1",
         expect_stdout(r"hello-py alias prod -> version 1 \(\+2=0\.1\)\n")),
        ("yunfn concurrency hello-py --reserved 1280 --provisioned 2=5", expect_concurrency),
    ],
    ("README.md", "Async invocation and timers"): [
        ("yunfn invoke hello-py --async --event '{\"n\":1}'", expect_async_request_id),
        ("yunfn events hello-py --status RUNNING", expect_event_list("RUNNING")),
        ("yunfn events stop REQUEST_ID", SKIP),
        ("yunfn trigger add hello-py timer --name every5s --cron \"*/5 * * * * * *\" "
         "--message hi",
         expect_stdout(r'hello-py trigger every5s added: \{"cron":"\*/5 \* \* \* \* \* \*"\}\n')),
        ("yunfn trigger ls hello-py", expect_timer_triggers),
    ],
    ("examples/blog-api/README.md", None): [
        ("export YUNFN_ENDPOINT=127.0.0.1:9001", expect_silent),
        ("yunfn deploy examples/blog-api --name blog --runtime Python3.9 "
         "--handler index.main_handler", expect_deployed("blog")),
        ("yunfn trigger add blog apigw --path /articles --method GET",
         expect_trigger_added("blog", "/articles")),
        ("yunfn trigger add blog apigw --path /articles --method POST",
         expect_trigger_added("blog", "/articles")),
        ("yunfn trigger add blog apigw --path '/articles/{id}' --method GET",
         expect_trigger_added("blog", "/articles/{id}")),
        ("yunfn trigger add blog apigw --path '/articles/{id}' --method PUT",
         expect_trigger_added("blog", "/articles/{id}")),
        ("yunfn trigger add blog apigw --path '/articles/{id}' --method DELETE",
         expect_trigger_added("blog", "/articles/{id}")),
        ("yunfn trigger ls blog", expect_triggers("blog", [
            ("GET", "/articles"), ("POST", "/articles"), ("GET", "/articles/{id}"),
            ("PUT", "/articles/{id}"), ("DELETE", "/articles/{id}")])),
        ("B=%s" % BLOG, expect_silent),
        ("curl -s -X POST $B/articles %s -d '{\"title\": \"Hello\", \"content\": "
         "\"First post\", \"author\": \"ann\"}'" % JSON_HEADER,
         article(1, "Hello", "First post", "ann")),
        ("curl -s -X POST $B/articles %s -d '{\"title\": \"Second\", \"content\": \"More\", "
         "\"author\": \"bob\"}'" % JSON_HEADER, article(2, "Second", "More", "bob")),
        ("curl -s $B/articles", listing([2, 1])),
        ('curl -s "$B/articles?author=ann"', listing([1])),
        ("curl -s $B/articles/1", article(1, "Hello", "First post", "ann")),
        ("curl -s -X PUT $B/articles/1 %s -d '{\"title\": \"Hello again\"}'" % JSON_HEADER,
         article(1, "Hello again", "First post", "ann")),
        ("curl -s -i -X DELETE $B/articles/1", expect_http(204, body="")),
        ("curl -s -i $B/articles/1", expect_http(404, json_fields={
            "error": "article 1 not found"})),
        ("curl -s -i -X PATCH $B/articles/2", expect_http(405, json_fields={
            "errno": 405, "error": "method not allowed for PATCH /default/blog/articles/2"})),
    ],
    ("examples/upload/README.md", None): [
        ("export YUNFN_ENDPOINT=127.0.0.1:9001", expect_silent),
        ("yunfn deploy examples/upload --name upload --runtime Nodejs18.15 "
         "--handler index.main_handler", expect_deployed("upload")),
        ("yunfn trigger add upload apigw --path /upload --method POST --base64",
         expect_trigger_added("upload", "/upload")),
        ("yunfn trigger ls upload", expect_triggers("upload", [("POST", "/upload")])),
        ("head -c 100000 /dev/urandom > /tmp/file1.bin", expect_silent),
        ("echo 'hello, yunfn' > /tmp/file2.txt", expect_silent),
        ("curl -s -F a=@/tmp/file1.bin -F b=@/tmp/file2.txt -F note=plain-field "
         "http://127.0.0.1:9080/default/upload/upload",
         expect_json(expect_uploaded, files=2, totalBytes=100024)),
        ("sha256sum /tmp/file1.bin /tmp/file2.txt", expect_sha256sum),
    ],
    ("examples/web-nodejs/README.md", None): web_readme(
        "web-nodejs", "web-js", "Nodejs18.15", r"Hello from a yunfn web function \(Node\.js v\d+\.\d+\.\d+\)\n"),
    ("examples/web-python/README.md", None): web_readme(
        "web-python", "web-py", "Python3.9", r"Hello from a yunfn web function \(Python 3\.\d+\.\d+\)\n"),
}


# ----------------------------------------------------------------------------------------
# The tests
# ----------------------------------------------------------------------------------------

class ReadmeRun(ServerOutputOnFailure, unittest.TestCase):
    """Runs README sections in one temp dir against one default server (per class)."""

    maxDiff = None

    workdir = None
    server = None
    env_lines = None
    ctx = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.path.exists(BIN):
            raise unittest.SkipTest("server binary %s does not exist (set YUNFN_BIN)" % BIN)
        cls.workdir = tempfile.mkdtemp(prefix="yunfn-readme-")
        cls.addClassCleanup(cls._cleanup)
        atexit.register(cls._cleanup)  # also on an interrupted run
        shutil.copytree(os.path.join(REPO, "examples"), os.path.join(cls.workdir, "examples"),
                        symlinks=True, ignore=shutil.ignore_patterns("dist"))
        # The Go example builds against the repository's scf-go-lib (examples/go-hello/go.mod).
        shutil.copytree(os.path.join(REPO, "sdk"), os.path.join(cls.workdir, "sdk"), symlinks=True)
        # The Java example compiles against the runtime's SCF classes (runtimes/java/src).
        shutil.copytree(os.path.join(REPO, "runtimes"), os.path.join(cls.workdir, "runtimes"),
                        symlinks=True)
        for d in ("build", "bin"):
            os.makedirs(os.path.join(cls.workdir, d))
        os.symlink(os.path.abspath(BIN), os.path.join(cls.workdir, "build", "yunfn"))
        os.symlink(os.path.abspath(BIN), os.path.join(cls.workdir, "bin", "yunfn"))
        cls.env_lines, cls.ctx = [], {}
        cls.created_files = [p for p in UPLOAD_FILES if not os.path.exists(p)]

    @classmethod
    def _cleanup(cls):
        if cls.server is not None:
            cls.server.stop()
            cls.server = None
        if cls.workdir is None:
            return
        for p in cls.created_files:
            if os.path.exists(p):
                os.unlink(p)
        if os.environ.get("YUNFN_ITEST_KEEP") == "1":
            sys.stderr.write("keeping %s\n" % cls.workdir)
        else:
            shutil.rmtree(cls.workdir, ignore_errors=True)
        cls.workdir = None

    def sh(self, command):
        """Runs `command` with bash in the temp dir after the assignments so far."""
        script = "\n".join(self.env_lines + [command])
        try:
            proc = subprocess.run(["bash", "-c", script], cwd=self.workdir,
                                  env=clean_env(self.workdir), stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            self.fail("command did not finish within %d s: %s\nstdout so far: %s"
                      % (COMMAND_TIMEOUT, command, e.stdout))
        return Run(command, proc, self.ctx)

    def start_server(self):
        """What `./scripts/run.sh &` does once it has built: `build/yunfn server`."""
        cls = type(self)
        self.assertIsNone(cls.server, "the server is already running")
        cls.server = DefaultServer(self.workdir)
        cls.server.start()
        # A first start generates the API keys, prints them once and keeps them.
        with open(os.path.join(self.workdir, "yunfn-data", "credentials")) as f:
            keys = json.load(f)
        printed = "\n".join(cls.server.stdout_lines)
        self.assertIn("SecretId:  %s" % keys["SecretId"], printed)
        self.assertIn("SecretKey: %s" % keys["SecretKey"], printed)
        self.assertRegex(printed, r"API listening on http://127\.0\.0\.1:9001\b")
        self.assertRegex(printed, r"gateway listening on http://127\.0\.0\.1:9080\b")

    def check_table(self, key):
        """The section's commands and its table agree, command for command."""
        path, heading = key
        found = [normalize(c) for c in source_commands(path, heading)]
        table = [c for c, _ in SECTIONS[key]]
        self.assertEqual(found, table, "the commands of %s%s differ from their table in "
                         "test_readme.py" % (path, " '%s'" % heading if heading else ""))
        for raw, (_, check) in zip(source_commands(path, heading), SECTIONS[key]):
            self.assertEqual(bool(SKIP_MARKER.search(raw)), check == SKIP,
                             "readme-test: skip marker and SKIP disagree: %s" % raw)

    def run_section(self, path, heading=None):
        key = (path, heading)
        self.check_table(key)
        for raw, (command, check) in zip(source_commands(path, heading), SECTIONS[key]):
            if check == SKIP:
                continue
            if check == START_SERVER:
                self.start_server()
                continue
            if type(self).server is None:
                self.start_server()
            r = self.sh(raw)
            if os.environ.get("YUNFN_README_TRANSCRIPT") == "1":
                sys.stderr.write("\n%s\n" % r)
            if ASSIGNMENT.match(command):
                self.env_lines.append(command)
            check(self, r)
            server = type(self).server
            if server.proc.poll() is not None:
                self.fail("the server exited (%s) after: %s" % (server.proc.returncode, raw))


class ReadmeTest(ReadmeRun):
    """README.md and examples/README.md, in reading order, against one server."""

    def test_0_every_command_has_a_check(self):
        for key in SECTIONS:
            self.check_table(key)

    def test_1_quick_start(self):
        self.run_section("README.md", "Quick start")

    def test_2_examples(self):
        self.run_section("examples/README.md")

    def test_3_http_gateway(self):
        self.run_section("README.md", "HTTP gateway")

    def test_4_concurrency(self):
        self.run_section("README.md", "Concurrency")

    def test_5_async(self):
        self.run_section("README.md", "Async invocation and timers")


class ExampleReadmesTest(ReadmeRun):
    """The READMEs of the HTTP examples, against a fresh server of their own."""

    def test_blog_api(self):
        self.run_section("examples/blog-api/README.md")

    def test_upload(self):
        self.run_section("examples/upload/README.md")

    def test_web_nodejs(self):
        self.run_section("examples/web-nodejs/README.md")

    def test_web_python(self):
        self.run_section("examples/web-python/README.md")


if __name__ == "__main__":
    unittest.main()
