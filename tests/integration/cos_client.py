"""Helpers for the bucket-service tests (docs/cos.md): a COS signature v5 signer written
from the COS documentation with hmac/hashlib, raw HTTP requests to the bucket service,
and a boto3 S3 client pointed at it (path style)."""

import hashlib
import hmac
import http.client
import re
import time
import urllib.parse

from yunfnlib import TEST_SECRET_ID, TEST_SECRET_KEY

APPID = "1250000000"
REGION = "ap-guangzhou"


def _enc(text):
    return urllib.parse.quote(text, safe="-_.~")


def cos_v5_authorization(method, path, headers, params=None, secret_id=TEST_SECRET_ID,
                         secret_key=TEST_SECRET_KEY, start=None, expires=600, sign_method=None,
                         sign_path=None):
    """The COS v5 Authorization value signing every header in `headers` and every
    parameter in `params` (path is the decoded path, e.g. "/bucket/key")."""
    now = int(time.time()) if start is None else int(start)
    key_time = "%d;%d" % (now, now + expires)
    params = params or {}
    lower_headers = {k.lower(): str(v) for k, v in headers.items()}
    lower_params = {k.lower(): str(v) for k, v in params.items()}
    hp = "&".join("%s=%s" % (_enc(k).lower(), _enc(v)) for k, v in sorted(lower_params.items()))
    hh = "&".join("%s=%s" % (_enc(k).lower(), _enc(v)) for k, v in sorted(lower_headers.items()))
    fmt = "\n".join([(sign_method or method).lower(), sign_path or path, hp, hh, ""])
    sts = "sha1\n%s\n%s\n" % (key_time, hashlib.sha1(fmt.encode()).hexdigest())
    sign_key = hmac.new(secret_key.encode(), key_time.encode(), hashlib.sha1).hexdigest()
    sig = hmac.new(sign_key.encode(), sts.encode(), hashlib.sha1).hexdigest()
    return ("q-sign-algorithm=sha1&q-ak=%s&q-sign-time=%s&q-key-time=%s&q-header-list=%s"
            "&q-url-param-list=%s&q-signature=%s"
            % (secret_id, key_time, key_time, ";".join(sorted(lower_headers)),
               ";".join(sorted(lower_params)), sig))


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def code(self):
        """The <Code> of a COS error body ('' when none)."""
        m = re.search(rb"<Code>([^<]*)</Code>", self.body)
        return m.group(1).decode() if m else ""

    def message(self):
        m = re.search(rb"<Message>([^<]*)</Message>", self.body)
        return m.group(1).decode() if m else ""


def raw_request(port, method, path, body=b"", headers=None, query="", sign=True, raw_path=None,
                host=None, **sign_kwargs):
    """Sends one request to the bucket service on 127.0.0.1:port; path is decoded and is
    percent-encoded here unless raw_path gives the exact target path."""
    headers = dict(headers or {})
    headers.setdefault("Host", host or "127.0.0.1:%d" % port)
    target = raw_path if raw_path is not None else urllib.parse.quote(path, safe="/~")
    if query:
        target += "?" + query
    params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True)) if query else {}
    if sign:
        signed = {"host": headers["Host"]}
        for k, v in headers.items():
            if k.lower().startswith("x-cos-") or k.lower() in ("content-md5", "range"):
                signed[k.lower()] = v
        headers["Authorization"] = cos_v5_authorization(method, path, signed, params,
                                                        **sign_kwargs)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        if body or method in ("PUT", "POST"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body if body else None)
        resp = conn.getresponse()
        data = resp.read()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()


def boto3_client(port, secret_key=TEST_SECRET_KEY, retries=1):
    """A boto3 S3 client for the bucket service on 127.0.0.1:port, path style, SigV4."""
    import boto3
    from botocore.config import Config
    return boto3.client(
        "s3", endpoint_url="http://127.0.0.1:%d" % port, region_name=REGION,
        aws_access_key_id=TEST_SECRET_ID, aws_secret_access_key=secret_key,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"max_attempts": retries, "mode": "standard"}))


def sigv4_headers(method, raw_path, host, payload_hash, extra=None, secret_id=TEST_SECRET_ID,
                  secret_key=TEST_SECRET_KEY, region=REGION, when=None):
    """Headers of an AWS Signature V4 request (header form) signing host, x-amz-date,
    x-amz-content-sha256 and `extra`; raw_path is the path as sent."""
    import datetime
    now = when or datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    scope = "%s/%s/s3/aws4_request" % (amz_date[:8], region)
    headers = {"host": host, "x-amz-date": amz_date, "x-amz-content-sha256": payload_hash}
    headers.update({k.lower(): v for k, v in (extra or {}).items()})
    names = sorted(headers)
    canonical = "\n".join([method, raw_path, "",
                           "".join("%s:%s\n" % (n, headers[n].strip()) for n in names),
                           ";".join(names), payload_hash])
    sts = "AWS4-HMAC-SHA256\n%s\n%s\n%s" % (amz_date, scope,
                                              hashlib.sha256(canonical.encode()).hexdigest())
    key = ("AWS4" + secret_key).encode()
    for part in (amz_date[:8], region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    out = {("Host" if n == "host" else n): headers[n] for n in names}
    out["Authorization"] = ("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
                            % (secret_id, scope, ";".join(names), sig))
    return out


def send(port, method, target, headers, body_chunks):
    """Sends a request whose body is written as the given pieces (no Content-Length is
    added); returns a Response."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.endheaders()
        for piece in body_chunks:
            conn.send(piece)
        resp = conn.getresponse()
        data = resp.read()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()


class KeepAliveClient:
    """One kept-alive connection to the bucket service for many small signed requests
    (much cheaper per request than boto3, for tests that need thousands of objects)."""

    def __init__(self, port):
        self.port = port
        self.host = "127.0.0.1:%d" % port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def put(self, path, body=b""):
        """PUTs `body` at the decoded `path` ("/bucket/key"); returns the HTTP status."""
        headers = {"Host": self.host, "Content-Length": str(len(body)),
                   "Authorization": cos_v5_authorization("PUT", path, {"host": self.host})}
        self.conn.request("PUT", urllib.parse.quote(path, safe="/~"), body=body, headers=headers)
        resp = self.conn.getresponse()
        resp.read()
        return resp.status

    def close(self):
        self.conn.close()
