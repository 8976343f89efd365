"""yunfn built-in Python 3 runtime.

The platform starts this file as `python3 -u bootstrap.py` with the function's code
directory as working directory (docs/runtime-protocol.md). It imports the handler
named by `_HANDLER` (`file.func`), reports `init/ready` (or `init/error`), then serves
invocations one at a time over the runtime API: `next` -> `func(event, context)` ->
`response` / `error`.

Standard library only; runs on Python 3.6 and later (SCF's Python3.6 ... 3.10). Single-threaded: everything below
runs on the main thread, and the handler is called on that thread too.
"""

import importlib
import json
import os
import socket
import struct
import sys

# Environment variables the platform or the OS sets. Everything else, except names under
# the reserved SCF_ / QCLOUD_ / TENCENTCLOUD_ prefixes (which user variables may not
# use) and locale LC_* names, is one of the function's own variables and goes into
# context["environment"] / context["environ"].
_SYSTEM_VARIABLES = frozenset((
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "PWD", "OLDPWD", "SHELL",
    "SHLVL", "HOSTNAME", "TERM", "TMPDIR", "_", "USER_CODE_ROOT", "_HANDLER",
    "_SCF_SERVER_PORT", "TRIGGER_SRC", "PYTHONPATH", "PYTHONUNBUFFERED",
    "PYTHONDONTWRITEBYTECODE", "PYTHONIOENCODING", "NODE_PATH", "LD_LIBRARY_PATH",
    "CLASSPATH", "PHP_INI_SCAN_DIR", "OS_NAMESERVER",
))
_NON_USER_PREFIXES = ("SCF_", "QCLOUD_", "TENCENTCLOUD_", "LC_")


class PlatformGone(Exception):
    """The runtime API can no longer be reached; the instance should just exit."""


class RuntimeApi:
    """Client of this instance's runtime API over one keep-alive HTTP/1.1 connection.

    A deliberately small HTTP client on a plain socket: `http.client` pulls in the
    `email` and `ssl` packages, which adds tens of milliseconds to every cold start. It
    understands what the platform sends: Content-Length or chunked bodies, keep-alive
    or `Connection: close`. No timeout is set: `next` is a long poll.
    """

    def __init__(self, host, port):
        self._address = (host, port)
        self._sock = None
        self._reader = None

    def request(self, method, path, body=b""):
        """Sends one request; returns (status, lower-cased headers dict, body bytes).

        A keep-alive connection the platform closed while idle is reopened once; any
        other transport failure raises PlatformGone.
        """
        head = ("%s %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\n\r\n" % (method, path, self._address[0],
                                                  self._address[1], len(body)))
        for attempt in (0, 1):
            reused = self._sock is not None
            try:
                if not reused:
                    self._connect()
                self._sock.sendall(head.encode("latin-1") + body)
                return self._read_response()
            except (OSError, ValueError, EOFError) as err:
                self._close()
                if attempt == 1 or not reused:
                    raise PlatformGone("%s %s: %s" % (method, path, err)) from err
        raise PlatformGone("unreachable")

    def post(self, path, payload):
        """POSTs a UTF-8 body; the answer (200, or 400 when no invocation runs) is ignored."""
        self.request("POST", path, payload.encode("utf-8"))

    def _connect(self):
        self._sock = socket.create_connection(self._address)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._reader = self._sock.makefile("rb")

    def _close(self):
        for closable in (self._reader, self._sock):
            try:
                if closable is not None:
                    closable.close()
            except OSError:
                pass
        self._sock = self._reader = None

    def _line(self):
        line = self._reader.readline(65537)
        if not line:
            raise EOFError("connection closed by the platform")
        return line

    def _read_response(self):
        """Reads one response; closes the connection afterwards if the server asked to."""
        parts = self._line().split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            raise ValueError("bad status line %r" % parts)
        status = int(parts[1])
        headers = {}
        while True:
            line = self._line()
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = self._read_body(headers)
        if (headers.get("connection", "").lower() == "close"
                or parts[0] == b"HTTP/1.0"):
            self._close()
        return status, headers, body

    def _read_body(self, headers):
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size = int(self._line().split(b";")[0].strip(), 16)
                if size == 0:
                    while self._line() not in (b"\r\n", b"\n"):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self._exactly(size))
                self._line()
        if "content-length" in headers:
            return self._exactly(int(headers["content-length"]))
        headers["connection"] = "close"  # body runs to the end of the connection
        return self._reader.read()

    def _exactly(self, size):
        data = self._reader.read(size)
        if len(data) != size:
            raise EOFError("connection closed inside a body")
        return data


class FramedApi:
    """The same calls as RuntimeApi, as frames on the socket the platform handed over.

    A frame is a 4-byte big-endian length, then a type byte and a payload
    (docs/runtime-protocol.md). A post to `.../next` sends the result frame and then
    reads the next event frame; the answer has the shape RuntimeApi gives.
    """

    _TYPES = {"/runtime/init/ready": b"r", "/runtime/init/error": b"i",
              "/runtime/invocation/response": b"R", "/runtime/invocation/error": b"E"}

    def __init__(self, fd):
        os.set_inheritable(fd, False)  # programs the function starts do not get it
        self._sock = socket.socket(fileno=fd)
        self._buffer = b""

    def request(self, method, path, body=b""):
        try:
            if path.endswith("/next"):
                path = path[:-len("/next")]
            if path in self._TYPES:
                self._sock.sendall(struct.pack(">I", len(body) + 1) + self._TYPES[path] + body)
            if method == "GET" or path.startswith("/runtime/invocation/"):
                return self._next_event()
            return 200, {}, b""
        except (OSError, ValueError, EOFError) as err:
            raise PlatformGone("%s %s: %s" % (method, path, err)) from err

    def post(self, path, payload):
        self.request("POST", path, payload.encode("utf-8"))

    def _next_event(self):
        frame = self._frame()
        if frame[:1] != b"N":
            raise ValueError("unexpected frame %r" % frame[:1])
        request_id, memory, timeout, body = frame[1:].split(b"\n", 3)
        return 200, {"request_id": request_id.decode("utf-8"),
                     "memory_limit_in_mb": memory.decode(),
                     "time_limit_in_ms": timeout.decode()}, body

    def _frame(self):
        while True:
            if len(self._buffer) >= 4:
                size = struct.unpack(">I", self._buffer[:4])[0]
                if len(self._buffer) >= 4 + size:
                    frame = self._buffer[4:4 + size]
                    self._buffer = self._buffer[4 + size:]
                    return frame
            chunk = self._sock.recv(65536)
            if not chunk:
                raise EOFError("channel closed by the platform")
            self._buffer += chunk


def write_log(text):
    """Writes to stderr (the function's log); a broken stream is ignored."""
    try:
        sys.stderr.write(text)
    except Exception:
        pass


def flush_output():
    """Flushes the user's and the original stdout/stderr so logs precede the result."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except Exception:  # a closed or broken stream must not fail the invocation
            pass


def format_exception():
    """The traceback of the exception being handled, as Python prints it.

    `traceback` is imported on first use: functions that never fail do not load it.
    """
    import traceback
    return traceback.format_exc()


def error_json(err, stack):
    """Error JSON in the shape of SCF's RetMsg for a user error."""
    try:
        message = str(err)
    except Exception:  # an exception type whose __str__ itself fails
        message = repr(type(err))
    return json.dumps({"errorCode": -1, "errorMessage": message,
                       "errorType": type(err).__name__, "stackTrace": stack},
                      ensure_ascii=False)


def encode_result(value):
    """Serializes a handler's return value the way SCF does (TypeError if impossible)."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: escape them so the body stays UTF-8
        text = json.dumps(value)
    return text


def _int_or(text, fallback):
    try:
        return int(text)
    except (TypeError, ValueError):
        return fallback


class ContextFactory:
    """Builds the `context` dict; the per-instance parts are computed once at start."""

    def __init__(self, environ):
        namespace = environ.get("SCF_NAMESPACE", "default")
        user = {k: v for k, v in environ.items()
                if k not in _SYSTEM_VARIABLES and not k.startswith(_NON_USER_PREFIXES)}
        user["SCF_NAMESPACE"] = namespace
        pairs = ["%s=%s" % item for item in user.items()]
        # SCF repeats SCF_NAMESPACE at the end of `environ`; keep that shape.
        pairs.append("SCF_NAMESPACE=%s" % namespace)
        self._memory = _int_or(environ.get("SCF_MEMORY_SIZE"), 128)
        self._time_ms = _int_or(environ.get("SCF_TIMEOUT"), 3) * 1000
        self._fixed = {
            "environment": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
            "environ": ";".join(pairs),
            "function_version": environ.get("SCF_FUNCTIONVERSION", "$LATEST"),
            "function_name": environ.get("SCF_FUNCTIONNAME", ""),
            "namespace": namespace,
            "tencentcloud_region": environ.get("TENCENTCLOUD_REGION", ""),
            "tencentcloud_appid": environ.get("TENCENTCLOUD_APPID", ""),
            "tencentcloud_uin": environ.get("TENCENTCLOUD_UIN", ""),
        }

    def build(self, headers):
        """A fresh context for one invocation, from the `next` response headers."""
        context = {
            "memory_limit_in_mb": _int_or(headers.get("memory_limit_in_mb"), self._memory),
            "time_limit_in_ms": _int_or(headers.get("time_limit_in_ms"), self._time_ms),
            "request_id": headers.get("request_id", ""),
        }
        context.update(self._fixed)
        return context


def load_handler(handler, code_dir):
    """Imports `file` from the code directory and returns its callable `func`.

    `file` may name a sub directory (`src/index.main_handler`) or a dotted module path
    (`pkg.index.main_handler`); the function is what follows the last dot.
    """
    module_name, _, func_name = handler.rpartition(".")
    if (not module_name.rpartition("/")[2] or not func_name
            or not func_name.isidentifier()):
        raise ValueError("invalid handler %r: expected <file>.<function>, "
                         "e.g. index.main_handler" % handler)
    module_name = module_name.replace("/", ".").strip(".")
    if code_dir in sys.path:
        sys.path.remove(code_dir)
    sys.path.insert(0, code_dir)
    module = importlib.import_module(module_name)
    func = getattr(module, func_name)
    if not callable(func):
        raise TypeError("handler %r is not callable (it is a %s)"
                        % (handler, type(func).__name__))
    return func


def install_log_handler():
    """Gives the root logger a stdout handler if the function uses `logging` without one.

    SCF samples call `logging.getLogger().setLevel(logging.INFO)` and expect
    `logger.info` to reach the log. Done only when `logging` was imported, so
    functions that do not log pay nothing.
    """
    logging = sys.modules.get("logging")
    if logging is None:
        return False
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s\t%(message)s"))
        root.addHandler(handler)
    return True


def parse_event(body):
    """The event as JSON; a body that is not valid JSON is passed as the raw string."""
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def initialise(api):
    """Imports the handler and reports init; exits the process on failure."""
    code_dir = os.getcwd()
    try:
        func = load_handler(os.environ.get("_HANDLER", ""), code_dir)
    except BaseException as err:  # SystemExit/KeyboardInterrupt at import fail init too
        stack = format_exception()
        write_log(stack)
        flush_output()
        try:
            api.post("/runtime/init/error", error_json(err, stack))
        except PlatformGone:
            pass
        os._exit(1)
    api.post("/runtime/init/ready", "{}")
    return func


def invoke_once(api, func, contexts, log_ready, event):
    """Runs the handler on one event, posts its outcome and returns the next event.

    The outcome goes to `.../response/next` or `.../error/next`, whose answer is the
    next event: one exchange per invocation (docs/runtime-protocol.md).
    """
    status, headers, body = event
    if status != 200:  # the post was refused (a result over the size limit): ask again
        status, headers, body = api.request("GET", "/runtime/invocation/next")
    if status != 200:
        raise PlatformGone("next answered %d" % status)
    if not log_ready:
        log_ready = install_log_handler()
    context = contexts.build(headers)
    try:
        payload = encode_result(func(parse_event(body), context))
        path = "/runtime/invocation/response"
    except Exception as err:
        stack = format_exception()
        write_log(stack)
        payload = error_json(err, stack)
        path = "/runtime/invocation/error"
    flush_output()
    return log_ready, api.request("POST", path + "/next", payload.encode("utf-8"))


def main():
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "utf-8"
        if encoding.lower() not in ("utf-8", "utf8") and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    # The bootstrap's own directory is sys.path[0]; user code must not see it.
    script_dir = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == script_dir:
        del sys.path[0]
    framed_fd = os.environ.pop("YUNFN_RUNTIME_FD", "")  # the platform's, not the function's
    if framed_fd:
        api = FramedApi(int(framed_fd))
    else:
        api = RuntimeApi(os.environ.get("SCF_RUNTIME_API", "127.0.0.1"),
                         _int_or(os.environ.get("SCF_RUNTIME_API_PORT"), 9001))
    contexts = ContextFactory(os.environ)  # before user code can change os.environ
    try:
        func = initialise(api)
        log_ready = install_log_handler()
        event = api.request("GET", "/runtime/invocation/next")
        while True:
            log_ready, event = invoke_once(api, func, contexts, log_ready, event)
    except PlatformGone:
        # The platform closed this instance's channel: nothing left to report to.
        flush_output()
        os._exit(0)


if __name__ == "__main__":
    main()
