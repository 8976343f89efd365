// Object operations: PUT (plain and copy), GET/HEAD (ranges, conditions,
// response-* overrides) and DELETE Object.
#include <filesystem>

#include "cos/handlers.h"
#include "cos/names.h"
#include "cos/range.h"
#include "cos/xml.h"

namespace yunfn::cos {
namespace fs = std::filesystem;

namespace {

// True when the If-Match / If-None-Match list names `etag` (or is "*").
bool etag_listed(const std::string& list, const std::string& etag) {
  size_t start = 0;
  while (start < list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string item = list.substr(start, end - start);
    start = end + 1;
    const auto b = item.find_first_not_of(" \t");
    const auto e = item.find_last_not_of(" \t");
    if (b == std::string::npos) continue;
    item = item.substr(b, e - b + 1);
    if (item.rfind("W/", 0) == 0) item = item.substr(2);
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"')
      item = item.substr(1, item.size() - 2);
    if (item == "*" || item == etag) return true;
  }
  return false;
}

// The error (412 or 304) that the request's conditions call for, if any.
std::optional<Error> failed_condition(const CosRequest& req, const ObjectInfo& o) {
  const int64_t modified = o.last_modified_ms / 1000;
  if (req.has_header("if-match") && !etag_listed(req.header("if-match"), o.etag))
    return Error{"PreconditionFailed",
                 "At least one of the pre-conditions you specified did not hold"};
  if (req.has_header("if-unmodified-since")) {
    auto since = parse_http_date(req.header("if-unmodified-since"));
    if (since && modified > *since)
      return Error{"PreconditionFailed",
                   "At least one of the pre-conditions you specified did not hold"};
  }
  if (req.has_header("if-none-match")) {
    if (etag_listed(req.header("if-none-match"), o.etag)) return Error{"NotModified", ""};
  } else if (req.has_header("if-modified-since")) {
    auto since = parse_http_date(req.header("if-modified-since"));
    if (since && modified <= *since) return Error{"NotModified", ""};
  }
  return std::nullopt;
}

void add_object_headers(Reply& r, const ObjectInfo& o, const CosRequest& req) {
  const auto& a = o.attributes;
  auto with_override = [&req](const char* param, const std::string& stored) {
    auto v = req.param(param);
    return v ? *v : stored;
  };
  r.headers.emplace_back("ETag", quoted_etag(o.etag));
  r.headers.emplace_back("Last-Modified", http_date(o.last_modified_ms));
  r.headers.emplace_back("Accept-Ranges", "bytes");
  r.headers.emplace_back("x-cos-storage-class", "STANDARD");
  const std::pair<const char*, std::pair<const char*, std::string>> fields[] = {
      {"Content-Type", {"response-content-type", a.content_type}},
      {"Content-Disposition", {"response-content-disposition", a.content_disposition}},
      {"Cache-Control", {"response-cache-control", a.cache_control}},
      {"Content-Encoding", {"response-content-encoding", a.content_encoding}},
      {"Expires", {"response-expires", a.expires}},
      {"Content-Language", {"response-content-language", ""}},
  };
  for (const auto& [header, source] : fields) {
    const std::string v = with_override(source.first, source.second);
    if (!v.empty()) r.headers.emplace_back(header, v);
  }
  for (const auto& [name, value] : a.meta) {
    r.headers.emplace_back(name, value);
    r.headers.emplace_back("x-amz-meta-" + name.substr(std::string("x-cos-meta-").size()), value);
  }
}

struct CopySource {
  std::string bucket, key;
};

// "<bucket>-<appid>.cos.<region>.myqcloud.com/<key>", "/<bucket>/<key>" or
// "<bucket>/<key>" (any "?versionId=..." is ignored).
std::optional<CopySource> parse_copy_source(std::string text) {
  const auto q = text.find('?');
  if (q != std::string::npos) text.resize(q);
  for (const char* scheme : {"http://", "https://"}) {
    if (text.rfind(scheme, 0) == 0) text = text.substr(std::string(scheme).size());
  }
  if (!text.empty() && text.front() == '/') text = text.substr(1);
  const auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size()) return std::nullopt;
  std::string host = text.substr(0, slash);
  const std::string key = uri_decode(text.substr(slash + 1), Plus::kLiteral);
  const auto dot = host.find('.');
  if (dot != std::string::npos) host.resize(dot);  // the bucket's domain
  return CopySource{uri_decode(host, Plus::kLiteral), key};
}

}  // namespace

Task<Reply> Handlers::put_object(const CosRequest& req, RequestBody& body) {
  auto exists = store_.require_bucket(req.bucket);
  if (!exists.ok()) co_return error_reply(exists.error(), req);
  auto received = co_await receive(req, body);
  if (!received.ok()) co_return error_reply(received.error(), req);
  ObjectInfo info{req.bucket,           req.key,  received->size, received->etag,
                  attributes_from(req), now_ms(), received->file};
  auto committed = store_.commit_object(info, "cos:ObjectCreated:Put", origin(req));
  if (!committed.ok()) co_return error_reply(committed.error(), req);
  Reply r;
  r.headers.emplace_back("ETag", quoted_etag(info.etag));
  co_return r;
}

Reply Handlers::copy_object(const CosRequest& req) {
  const std::string header = req.has_header("x-cos-copy-source") ? req.header("x-cos-copy-source")
                                                                 : req.header("x-amz-copy-source");
  auto source = parse_copy_source(header);
  if (!source)
    return error_reply(Error{"InvalidArgument", "x-cos-copy-source is not <bucket domain>/<key>"},
                       req);
  auto exists = store_.require_bucket(req.bucket);
  if (!exists.ok()) return error_reply(exists.error(), req);
  auto from = store_.head_object(source->bucket, source->key);
  if (!from.ok()) return error_reply(from.error(), req);
  std::string directive = req.header("x-cos-metadata-directive");
  if (directive.empty()) directive = req.header("x-amz-metadata-directive");
  if (directive.empty()) directive = "Copy";
  if (directive != "Copy" && directive != "Replaced" && directive != "REPLACE" &&
      directive != "COPY")
    return error_reply(
        Error{"InvalidArgument", "x-cos-metadata-directive must be Copy or Replaced"}, req);
  const bool replace = directive == "Replaced" || directive == "REPLACE";
  if (!replace && source->bucket == req.bucket && source->key == req.key)
    return error_reply(Error{"InvalidRequest",
                             "This copy request is illegal because it is trying to copy an object "
                             "to itself without changing the object's metadata"},
                       req);
  // Data files never change once written, so the copy shares the bytes by a hard link.
  const fs::path temp = store_.new_temp_path();
  std::error_code ec;
  fs::create_hard_link(store_.data_path(from->file), temp, ec);
  if (ec) {
    ec.clear();
    fs::copy_file(store_.data_path(from->file), temp, ec);
    if (ec) {
      fs::remove(temp, ec);
      return error_reply(write_error("the copy", ec.value()), req);
    }
  }
  auto file = store_.adopt(temp);
  if (!file.ok()) return error_reply(file.error(), req);
  ObjectInfo info{req.bucket,
                  req.key,
                  from->size,
                  from->etag,
                  replace ? attributes_from(req) : from->attributes,
                  now_ms(),
                  *file};
  auto committed = store_.commit_object(info, "cos:ObjectCreated:Copy", origin(req));
  if (!committed.ok()) return error_reply(committed.error(), req);
  return xml_reply("<CopyObjectResult><ETag>" + xml_escape(quoted_etag(info.etag)) +
                   "</ETag><LastModified>" + iso8601(info.last_modified_ms) +
                   "</LastModified><CRC64></CRC64></CopyObjectResult>");
}

Reply Handlers::get_object(const CosRequest& req) {
  const bool head = req.method == "HEAD";
  auto found = store_.head_object(req.bucket, req.key);
  auto fail = [&](const Error& e) {
    Reply r = error_reply(e, req);
    r.headers_only = head;
    return r;
  };
  if (!found.ok()) return fail(found.error());
  const ObjectInfo& o = *found;
  if (auto failed = failed_condition(req, o)) {
    if (failed->code == "NotModified") {
      Reply r;
      r.status = http::status::not_modified;
      r.headers.emplace_back("ETag", quoted_etag(o.etag));
      r.headers.emplace_back("Last-Modified", http_date(o.last_modified_ms));
      return r;
    }
    return fail(*failed);
  }
  Reply r;
  r.file = store_.data_path(o.file).string();
  r.length = static_cast<uint64_t>(o.size);
  r.headers_only = head;
  add_object_headers(r, o, req);
  if (req.has_header("range")) {
    auto range = parse_range(req.header("range"), static_cast<uint64_t>(o.size));
    if (!range.ok()) {
      Reply bad = fail(range.error());
      bad.headers.emplace_back("Content-Range", "bytes */" + std::to_string(o.size));
      return bad;
    }
    if (*range) {
      r.status = http::status::partial_content;
      r.offset = (*range)->first;
      r.length = (*range)->length();
      r.headers.emplace_back("Content-Range", "bytes " + std::to_string((*range)->first) + "-" +
                                                  std::to_string((*range)->last) + "/" +
                                                  std::to_string(o.size));
    }
  }
  return r;
}

Reply Handlers::delete_object(const CosRequest& req) {
  auto deleted = store_.delete_object(req.bucket, req.key, origin(req));
  if (!deleted.ok()) return error_reply(deleted.error(), req);
  Reply r;
  r.status = http::status::no_content;
  return r;
}

}  // namespace yunfn::cos
