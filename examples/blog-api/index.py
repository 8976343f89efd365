# A blog-article REST API as a yunfn / SCF event function behind apigw triggers.
# Handler: index.main_handler (runtime Python3.9).
#
#   GET    /articles          list (optional ?author=NAME&limit=N&offset=N)
#   POST   /articles          create from a JSON body {"title", "content", "author"}
#   GET    /articles/{id}     one article
#   PUT    /articles/{id}     update title / content / author (JSON body, partial)
#   DELETE /articles/{id}     delete (204)
#
# Each trigger uses the integration response: the handler returns
# {statusCode, headers, body} and the gateway turns it into the HTTP response.
#
# Storage is a JSON file in the instance's /tmp. That is a demo store only: every
# instance has its own /tmp, and it is gone when the instance is reaped.

import base64
import fcntl
import json
import os
import time

STORE = "/tmp/articles.json"
FIELDS = ("title", "content", "author")
MAX_FIELD_CHARS = {"title": 200, "author": 100, "content": 100000}


def respond(status, doc=None, headers=None):
    """An integration response; doc None gives an empty body."""
    out_headers = {"Content-Type": "application/json; charset=utf-8"}
    out_headers.update(headers or {})
    # A trailing newline keeps curl output readable.
    body = "" if doc is None else json.dumps(doc, ensure_ascii=False) + "\n"
    if doc is None:
        out_headers.pop("Content-Type")
    return {"isBase64Encoded": False, "statusCode": status, "headers": out_headers,
            "body": body}


def error(status, message):
    return respond(status, {"error": message})


# ---- storage -------------------------------------------------------------------------

class Store:
    """The article file under an exclusive lock (instances may share /tmp when the
    server runs without isolation), written through a temp file and a rename."""

    def __enter__(self):
        self.lock = open(STORE + ".lock", "a")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        try:
            with open(STORE, encoding="utf-8") as f:
                self.data = json.load(f)
        except (FileNotFoundError, ValueError):
            self.data = {"next_id": 1, "articles": []}
        self.dirty = False
        return self

    def save(self):
        self.dirty = True

    def __exit__(self, exc_type, exc, tb):
        try:
            if self.dirty and exc_type is None:
                tmp = "%s.%d" % (STORE, os.getpid())
                with open(tmp, "w", encoding="utf-8") as f:
                    json.dump(self.data, f, ensure_ascii=False)
                os.replace(tmp, STORE)
        finally:
            fcntl.flock(self.lock, fcntl.LOCK_UN)
            self.lock.close()

    def find(self, article_id):
        for article in self.data["articles"]:
            if article["id"] == article_id:
                return article
        return None


# ---- request helpers -----------------------------------------------------------------

def json_body(event):
    """The request body as a JSON object, or an error response."""
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8", errors="replace")
    try:
        doc = json.loads(raw)
    except ValueError:
        return None, error(400, "the body must be a JSON object")
    if not isinstance(doc, dict):
        return None, error(400, "the body must be a JSON object")
    return doc, None


def checked_fields(doc, required):
    """The article fields of doc (strings of bounded length), or an error response."""
    out = {}
    for field in FIELDS:
        if field not in doc:
            continue
        value = doc[field]
        if not isinstance(value, str):
            return None, error(400, "%s must be a string" % field)
        if len(value) > MAX_FIELD_CHARS[field]:
            return None, error(400, "%s is longer than %d characters"
                               % (field, MAX_FIELD_CHARS[field]))
        out[field] = value
    unknown = sorted(set(doc) - set(FIELDS))
    if unknown:
        return None, error(400, "unknown field(s): %s" % ", ".join(unknown))
    for field in required:
        if not out.get(field, "").strip():
            return None, error(400, "%s is required" % field)
    return out, None


def int_param(query, name, default, minimum, maximum):
    value = query.get(name)
    if value is None or value == "":
        return default
    try:
        return max(minimum, min(maximum, int(value)))
    except ValueError:
        return default


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# ---- handlers ------------------------------------------------------------------------

def list_articles(event):
    query = event.get("queryStringParameters") or {}
    limit = int_param(query, "limit", 20, 1, 100)
    offset = int_param(query, "offset", 0, 0, 10 ** 9)
    with Store() as store:
        articles = store.data["articles"]
    author = query.get("author")
    if author:
        articles = [a for a in articles if a.get("author") == author]
    # Newest first; the listing leaves out the content.
    articles = sorted(articles, key=lambda a: a["id"], reverse=True)
    page = [{k: a[k] for k in ("id", "title", "author", "createdAt", "updatedAt")}
            for a in articles[offset:offset + limit]]
    return respond(200, {"total": len(articles), "offset": offset, "limit": limit,
                         "articles": page})


def create_article(event):
    doc, err = json_body(event)
    if err:
        return err
    fields, err = checked_fields(doc, required=("title", "content"))
    if err:
        return err
    with Store() as store:
        stamp = now()
        article = {"id": store.data["next_id"], "title": fields["title"],
                   "content": fields["content"], "author": fields.get("author", ""),
                   "createdAt": stamp, "updatedAt": stamp}
        store.data["next_id"] += 1
        store.data["articles"].append(article)
        store.save()
    return respond(201, article, {"Location": "articles/%d" % article["id"]})


def get_article(article_id):
    with Store() as store:
        article = store.find(article_id)
    if article is None:
        return error(404, "article %d not found" % article_id)
    return respond(200, article)


def update_article(event, article_id):
    doc, err = json_body(event)
    if err:
        return err
    fields, err = checked_fields(doc, required=())
    if err:
        return err
    if "title" in fields and not fields["title"].strip():
        return error(400, "title must not be empty")
    with Store() as store:
        article = store.find(article_id)
        if article is None:
            return error(404, "article %d not found" % article_id)
        article.update(fields)
        article["updatedAt"] = now()
        store.save()
    return respond(200, article)


def delete_article(article_id):
    with Store() as store:
        article = store.find(article_id)
        if article is None:
            return error(404, "article %d not found" % article_id)
        store.data["articles"].remove(article)
        store.save()
    return respond(204)


def main_handler(event, context):
    method = event.get("httpMethod", "GET").upper()
    # The path below the function's base, e.g. /articles or /articles/42.
    segments = [s for s in (event.get("path") or "/").split("/") if s]
    if not segments or segments[0] != "articles" or len(segments) > 2:
        return error(404, "no such resource")
    if len(segments) == 1:
        if method == "GET":
            return list_articles(event)
        if method == "POST":
            return create_article(event)
        return error(405, "use GET or POST on /articles")

    # /articles/{id}: the trigger path's {id} arrives in pathParameters.
    raw_id = (event.get("pathParameters") or {}).get("id", segments[1])
    if not raw_id.isdigit():
        return error(404, "article ids are numbers")
    article_id = int(raw_id)
    if method == "GET":
        return get_article(article_id)
    if method == "PUT":
        return update_article(event, article_id)
    if method == "DELETE":
        return delete_article(article_id)
    return error(405, "use GET, PUT or DELETE on /articles/{id}")
