// The request router of the bucket service and the helpers its operations share.
#include "cos/handlers.h"

#include <ctime>

#include "common/crypto.h"
#include "cos/names.h"
#include "cos/xml.h"

namespace yunfn::cos {
namespace {

Error not_implemented(const CosRequest& req) {
  return Error{"NotImplemented",
               "The bucket service does not implement " + req.method + " on this resource"};
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// True when the query names no sub-resource: only signature parameters of a
// pre-signed URL (q-*, X-Amz-*, x-cos-security-token) or none.
bool plain(const CosRequest& req) {
  for (const auto& p : req.query) {
    const std::string name = lower(p.name);
    if (name.rfind("q-", 0) != 0 && name.rfind("x-amz-", 0) != 0 && name != "x-cos-security-token")
      return false;
  }
  return true;
}

}  // namespace

std::string quoted_etag(const std::string& etag) { return "\"" + etag + "\""; }

std::string iso8601(int64_t unix_ms) {
  const std::time_t t = unix_ms / 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(unix_ms % 1000));
  return out;
}

std::string http_date(int64_t unix_ms) {
  const std::time_t t = unix_ms / 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::optional<int64_t> parse_http_date(const std::string& text) {
  for (const char* format :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = ::strptime(text.c_str(), format, &tm);
    if (end != nullptr && *end == '\0') return static_cast<int64_t>(::timegm(&tm));
  }
  return std::nullopt;
}

ObjectAttributes attributes_from(const CosRequest& req) {
  ObjectAttributes a;
  a.content_type = req.header("content-type");
  if (a.content_type.empty()) a.content_type = "application/octet-stream";
  a.content_disposition = req.header("content-disposition");
  a.cache_control = req.header("cache-control");
  a.content_encoding = req.header("content-encoding");
  // aws-chunked is the framing of this request, not a property of the object.
  if (a.content_encoding == "aws-chunked") a.content_encoding.clear();
  constexpr std::string_view kAwsChunked = "aws-chunked,";
  if (a.content_encoding.rfind(kAwsChunked, 0) == 0)
    a.content_encoding = a.content_encoding.substr(kAwsChunked.size());
  a.expires = req.header("expires");
  for (const auto& [name, value] : req.headers) {
    for (const std::string prefix : {"x-cos-meta-", "x-amz-meta-"}) {
      if (name.rfind(prefix, 0) == 0 && name.size() > prefix.size())
        a.meta.emplace_back("x-cos-meta-" + name.substr(prefix.size()), value);
    }
  }
  return a;
}

std::string list_text(const CosRequest& req, const std::string& value) {
  if (lower(req.param("encoding-type").value_or("")) == "url")
    return xml_escape(uri_encode(value, Slash::kKeep));
  return xml_escape(value);
}

std::string Handlers::owner_xml() const {
  const std::string id = "qcs::cam::uin/" + config_.appid + ":uin/" + config_.appid;
  return "<Owner><ID>" + xml_escape(id) + "</ID><DisplayName>" + xml_escape(config_.appid) +
         "</DisplayName></Owner>";
}

EventOrigin Handlers::origin(const CosRequest& req) const {
  return EventOrigin{req.request_id, req.source_ip, req.header("authorization")};
}

Task<Reply> Handlers::handle(CosRequest& req, RequestBody& body) {
  if (!req.bucket.empty()) {
    auto named = check_bucket_name(req.bucket);
    if (!named.ok()) co_return error_reply(named.error(), req);
  }
  auto signed_by =
      verify_signature(req.signed_request(), secrets_, to_unix_ms(clock_.now()) / 1000);
  if (!signed_by.ok()) co_return error_reply(signed_by.error(), req);
  req.auth = *signed_by;
  if (!req.key.empty()) {
    auto key_ok = check_object_key(req.key);
    if (!key_ok.ok()) co_return error_reply(key_ok.error(), req);
  }
  const std::string& m = req.method;
  if (req.bucket.empty()) {
    if (m == "GET") co_return list_buckets(req);
    co_return error_reply(not_implemented(req), req);
  }
  if (req.key.empty()) {
    if (m == "PUT" && plain(req)) co_return co_await put_bucket(req, body);
    if (m == "HEAD") co_return head_bucket(req);
    if (m == "DELETE" && plain(req)) co_return delete_bucket(req);
    if (m == "GET" && req.param("uploads")) co_return list_uploads(req);
    if (m == "GET" && req.param("location")) co_return bucket_location(req);
    if (m == "POST" && req.param("delete")) co_return co_await delete_objects(req, body);
    static const char* kUnsupported[] = {"acl",         "cors",         "policy",   "lifecycle",
                                         "versioning",  "tagging",      "website",  "logging",
                                         "replication", "encryption",   "referer",  "domain",
                                         "inventory",   "notification", "versions", "object-lock"};
    for (const char* sub : kUnsupported) {
      if (req.param(sub)) co_return error_reply(not_implemented(req), req);
    }
    if (m == "GET") co_return list_objects(req);
    co_return error_reply(not_implemented(req), req);
  }
  const bool has_upload = req.param("uploadId").has_value();
  if (m == "PUT" && has_upload && req.param("partNumber"))
    co_return co_await upload_part(req, body);
  if (m == "PUT" && (req.has_header("x-cos-copy-source") || req.has_header("x-amz-copy-source")))
    co_return copy_object(req);
  if (m == "PUT" && plain(req)) co_return co_await put_object(req, body);
  if (m == "POST" && req.param("uploads")) co_return initiate_upload(req);
  if (m == "POST" && has_upload) co_return co_await complete_upload(req, body);
  if (m == "GET" && has_upload) co_return list_parts(req);
  if (m == "DELETE" && has_upload) co_return abort_upload(req);
  if (m == "DELETE") co_return delete_object(req);
  if ((m == "GET" || m == "HEAD") && !req.param("acl") && !req.param("tagging"))
    co_return get_object(req);
  co_return error_reply(not_implemented(req), req);
}

Task<Result<Handlers::Received>> Handlers::receive(const CosRequest& req, RequestBody& body) {
  std::optional<std::string> want_md5;
  if (req.has_header("content-md5")) {
    want_md5 = crypto::base64_decode(req.header("content-md5"));
    if (!want_md5 || want_md5->size() != 16)
      co_return Error{"InvalidDigest", "The Content-MD5 you specified is not valid"};
  }
  const std::string length = req.header("content-length");
  if (!length.empty()) {
    try {
      if (std::stoull(length) > config_.max_object_size)
        co_return Error{"EntityTooLarge",
                        "Your proposed upload exceeds the maximum allowed object size (5 GB)"};
    } catch (const std::exception&) {
      co_return Error{"InvalidArgument", "Content-Length is not a number"};
    }
  }
  // A signed SigV4 payload names its SHA-256, which is then checked.
  const std::string payload_hash = req.header("x-amz-content-sha256");
  const bool check_sha = payload_hash.size() == 64;
  const auto temp = store_.new_temp_path();
  RequestBody::FileOptions options;
  options.max_size = config_.max_object_size;
  options.aws_chunked = req.auth.aws_chunked;
  options.sha256 = check_sha;
  auto stored = co_await body.to_file(temp, options);
  if (!stored.ok()) co_return stored.error();
  auto drop = [&temp] {
    std::error_code ec;
    std::filesystem::remove(temp, ec);
  };
  if (want_md5 && *want_md5 != stored->md5) {
    drop();
    co_return Error{"BadDigest", "The Content-MD5 you specified did not match what we received"};
  }
  if (check_sha && lower(payload_hash) != crypto::hex(stored->sha256)) {
    drop();
    co_return Error{"XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed"};
  }
  const std::string decoded = req.header("x-amz-decoded-content-length");
  if (req.auth.aws_chunked && !decoded.empty() && decoded != std::to_string(stored->size)) {
    drop();
    co_return Error{"IncompleteBody",
                    "The decoded body length does not match "
                    "x-amz-decoded-content-length"};
  }
  YUNFN_CO_TRY(file, store_.adopt(temp));
  co_return Received{file, crypto::hex(stored->md5), static_cast<int64_t>(stored->size)};
}

}  // namespace yunfn::cos
