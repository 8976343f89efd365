# A yunfn / SCF web function in plain Python (standard library only): scf_bootstrap
# starts this server on 0.0.0.0:9000 and the gateway forwards each HTTP request to it
# as-is, with the path below the function's base (/default/<function>).
#
#   GET  /                 a text greeting
#   GET  /hello?name=N     JSON greeting
#   POST /echo             the request (method, path, query, body) as JSON
#   GET  /request-info     what the gateway added: X-Scf-* headers

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

PORT = 9000
MAX_BODY = 6 * 1024 * 1024  # the gateway's own limit


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps the gateway's connection open between requests; every response
    # must then carry a Content-Length.
    protocol_version = "HTTP/1.1"

    def send_body(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status, doc):
        body = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        self.send_body(status, body, "application/json; charset=utf-8")

    def read_body(self):
        """The request body (Content-Length or chunked); None when over MAX_BODY."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, size = [], 0
            while True:
                line = self.rfile.readline(1024)
                length = int(line.split(b";")[0].strip() or b"0", 16)
                if length == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailer fields
                    return b"".join(chunks)
                size += length
                if size > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(length))
                self.rfile.readline(1024)  # the CRLF after the chunk
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length)

    def route(self):
        url = urlsplit(self.path)
        key = "%s %s" % (self.command, url.path)
        if key == "GET /":
            text = "Hello from a yunfn web function (Python %s)\n" % sys.version.split()[0]
            self.send_body(200, text.encode("utf-8"), "text/plain; charset=utf-8")
        elif key == "GET /hello":
            name = dict(parse_qsl(url.query)).get("name") or "world"
            self.send_json(200, {"greeting": "Hello, %s!" % name})
        elif key == "POST /echo":
            body = self.read_body()
            if body is None:
                self.send_json(413, {"error": "body too large"})
                self.close_connection = True
                return
            self.send_json(200, {
                "method": self.command,
                "path": url.path,
                "query": dict(parse_qsl(url.query, keep_blank_values=True)),
                "contentType": self.headers.get("Content-Type"),
                "bodyBytes": len(body),
                "body": body.decode("utf-8", errors="replace"),
            })
        elif key == "GET /request-info":
            scf = {k.lower(): v for k, v in self.headers.items()
                   if k.lower().startswith("x-scf-")}
            self.send_json(200, {"pid": os.getpid(), "scfHeaders": scf})
        else:
            # Read an unexpected body so the connection stays usable.
            if self.read_body() is None:
                self.close_connection = True
            self.send_json(404, {"error": "no route for %s" % key})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = route

    def log_message(self, fmt, *args):
        # One line per request on stderr, which is the function's log.
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


if __name__ == "__main__":
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    server.daemon_threads = True
    print("web function listening on 0.0.0.0:%d" % PORT, flush=True)
    server.serve_forever()
