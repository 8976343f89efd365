// Bucket operations: GET Service, PUT/HEAD/DELETE Bucket, GET Bucket (list
// objects, v1 and v2), GET Bucket location and POST ?delete (multi-delete).
#include "common/crypto.h"
#include "cos/handlers.h"
#include "cos/hashing.h"
#include "cos/names.h"
#include "cos/xml.h"

namespace yunfn::cos {
namespace {

constexpr int kMaxListKeys = 1000;
constexpr size_t kMaxDeleteBody = 2 * 1024 * 1024;
constexpr size_t kMaxDeleteObjects = 1000;

Result<int> max_keys(const CosRequest& req, const char* name) {
  auto text = req.param(name);
  if (!text || text->empty()) return kMaxListKeys;
  try {
    size_t used = 0;
    const int n = std::stoi(*text, &used);
    if (used != text->size() || n < 0) throw std::invalid_argument("negative");
    return std::min(n, kMaxListKeys);
  } catch (const std::exception&) {
    return Error{"InvalidArgument", std::string(name) + " must be a non-negative integer"};
  }
}

}  // namespace

Reply Handlers::list_buckets(const CosRequest& req) {
  (void)req;
  std::string xml = "<ListAllMyBucketsResult>" + owner_xml() + "<Buckets>";
  for (const auto& b : store_.list_buckets()) {
    xml += "<Bucket><Name>" + xml_escape(b.name) + "</Name><Location>" +
           xml_escape(config_.region) + "</Location><CreationDate>" + iso8601(b.created_ms) +
           "</CreationDate></Bucket>";
  }
  return xml_reply(xml + "</Buckets></ListAllMyBucketsResult>");
}

Task<Reply> Handlers::put_bucket(const CosRequest& req, RequestBody& body) {
  // A CreateBucketConfiguration (LocationConstraint) may come along; the one region is used.
  auto config = co_await body.to_string(64 * 1024);
  if (!config.ok()) co_return error_reply(config.error(), req);
  auto created = store_.create_bucket(req.bucket);
  if (!created.ok()) co_return error_reply(created.error(), req);
  Reply r;
  r.headers.emplace_back("Location", "/" + req.bucket);
  co_return r;
}

Reply Handlers::head_bucket(const CosRequest& req) {
  auto exists = store_.require_bucket(req.bucket);
  if (!exists.ok()) {
    Reply r = error_reply(exists.error(), req);
    r.headers_only = true;
    return r;
  }
  Reply r;
  r.headers.emplace_back("x-cos-bucket-region", config_.region);
  r.headers.emplace_back("x-amz-bucket-region", config_.region);
  return r;
}

Reply Handlers::delete_bucket(const CosRequest& req) {
  auto deleted = store_.delete_bucket(req.bucket);
  if (!deleted.ok()) return error_reply(deleted.error(), req);
  Reply r;
  r.status = http::status::no_content;
  return r;
}

Reply Handlers::bucket_location(const CosRequest& req) {
  auto exists = store_.require_bucket(req.bucket);
  if (!exists.ok()) return error_reply(exists.error(), req);
  return xml_reply("<LocationConstraint>" + xml_escape(config_.region) + "</LocationConstraint>");
}

Reply Handlers::list_objects(const CosRequest& req) {
  const bool v2 = req.param("list-type").value_or("") == "2";
  auto limit = max_keys(req, "max-keys");
  if (!limit.ok()) return error_reply(limit.error(), req);
  ListQuery q;
  q.prefix = req.param("prefix").value_or("");
  q.delimiter = req.param("delimiter").value_or("");
  q.max_keys = *limit;
  const std::string token = req.param("continuation-token").value_or("");
  std::string start_after = req.param("start-after").value_or("");
  if (v2) {
    q.after = start_after;
    if (!token.empty()) {
      auto decoded = crypto::base64_decode(token);
      if (!decoded)
        return error_reply(Error{"InvalidArgument", "The continuation token is not valid"}, req);
      q.after = std::max(q.after, *decoded);
    }
  } else {
    q.after = req.param("marker").value_or("");
  }
  auto listed = store_.list_objects(req.bucket, q);
  if (!listed.ok()) return error_reply(listed.error(), req);
  const bool url = req.param("encoding-type").value_or("") == "url";
  std::string xml = "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>" +
                    xml_escape(req.bucket) + "</Name><Prefix>" + list_text(req, q.prefix) +
                    "</Prefix>";
  if (v2) {
    xml += "<KeyCount>" + std::to_string(listed->objects.size() + listed->common_prefixes.size()) +
           "</KeyCount>";
    if (!token.empty()) xml += "<ContinuationToken>" + xml_escape(token) + "</ContinuationToken>";
    if (!start_after.empty()) xml += "<StartAfter>" + list_text(req, start_after) + "</StartAfter>";
    if (listed->truncated)
      xml += "<NextContinuationToken>" + xml_escape(crypto::base64_encode(listed->next_marker)) +
             "</NextContinuationToken>";
  } else {
    xml += "<Marker>" + list_text(req, q.after) + "</Marker>";
    if (listed->truncated)
      xml += "<NextMarker>" + list_text(req, listed->next_marker) + "</NextMarker>";
  }
  xml += "<MaxKeys>" + std::to_string(q.max_keys) + "</MaxKeys>";
  if (!q.delimiter.empty()) xml += "<Delimiter>" + list_text(req, q.delimiter) + "</Delimiter>";
  if (url) xml += "<EncodingType>url</EncodingType>";
  xml += std::string("<IsTruncated>") + (listed->truncated ? "true" : "false") + "</IsTruncated>";
  const bool owner = !v2 || req.param("fetch-owner").value_or("") == "true";
  for (const auto& o : listed->objects) {
    xml += "<Contents><Key>" + list_text(req, o.key) + "</Key><LastModified>" +
           iso8601(o.last_modified_ms) + "</LastModified><ETag>" + xml_escape(quoted_etag(o.etag)) +
           "</ETag><Size>" + std::to_string(o.size) + "</Size>" + (owner ? owner_xml() : "") +
           "<StorageClass>STANDARD</StorageClass></Contents>";
  }
  for (const auto& p : listed->common_prefixes)
    xml += "<CommonPrefixes><Prefix>" + list_text(req, p) + "</Prefix></CommonPrefixes>";
  return xml_reply(xml + "</ListBucketResult>");
}

Task<Reply> Handlers::delete_objects(const CosRequest& req, RequestBody& body) {
  auto exists = store_.require_bucket(req.bucket);
  if (!exists.ok()) co_return error_reply(exists.error(), req);
  auto text = co_await body.to_string(kMaxDeleteBody);
  if (!text.ok()) co_return error_reply(text.error(), req);
  if (req.has_header("content-md5")) {
    auto want = crypto::base64_decode(req.header("content-md5"));
    if (!want || want->size() != 16)
      co_return error_reply(Error{"InvalidDigest", "The Content-MD5 you specified is not valid"},
                            req);
    if (*want != md5(*text))
      co_return error_reply(
          Error{"BadDigest", "The Content-MD5 you specified did not match what we received"}, req);
  }
  auto doc = parse_xml(*text);
  if (!doc.ok()) co_return error_reply(doc.error(), req);
  if (doc->name != "Delete")
    co_return error_reply(Error{"MalformedXML", "The root element must be Delete"}, req);
  std::string quiet = doc->child_text("Quiet").value_or("false");
  const bool is_quiet = quiet.find("true") != std::string::npos;
  std::vector<std::string> keys;
  for (const auto& c : doc->children) {
    if (c.name != "Object") continue;
    auto key = c.child_text("Key");
    if (!key) co_return error_reply(Error{"MalformedXML", "An Object has no Key"}, req);
    keys.push_back(*key);
  }
  if (keys.empty() || keys.size() > kMaxDeleteObjects)
    co_return error_reply(Error{"MalformedXML", "Delete must name 1 to 1000 objects"}, req);
  std::string xml = "<DeleteResult>";
  for (const auto& key : keys) {
    Status done = check_object_key(key);
    if (done.ok()) done = store_.delete_object(req.bucket, key, origin(req));
    if (!done.ok()) {
      xml += "<Error><Key>" + xml_escape(key) + "</Key><Code>" + xml_escape(done.error().code) +
             "</Code><Message>" + xml_escape(done.error().message) + "</Message></Error>";
    } else if (!is_quiet) {
      xml += "<Deleted><Key>" + xml_escape(key) + "</Key></Deleted>";
    }
  }
  co_return xml_reply(xml + "</DeleteResult>");
}

}  // namespace yunfn::cos
