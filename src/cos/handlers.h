// Handlers: the COS XML API operations of the bucket service. handle() checks
// the bucket name, the signature and the key, then runs the operation the
// method, bucket, key and sub-resource select. Owned by CosService; called
// on the bucket service's thread only.
#pragma once

#include <string>

#include "common/clock.h"
#include "cos/connection.h"
#include "cos/object_store.h"
#include "cos/signature.h"

namespace yunfn::cos {

struct HandlerConfig {
  std::string region;  // the region named in answers (Location, ListAllMyBuckets)
  std::string appid;   // the owner named in answers
  uint64_t max_object_size = 5ULL * 1024 * 1024 * 1024;  // one PUT or one part, as COS
};

class Handlers {
 public:
  Handlers(ObjectStore& store, SecretLookup secrets, const Clock& clock, HandlerConfig config)
      : store_(store), secrets_(std::move(secrets)), clock_(clock), config_(std::move(config)) {}

  Task<Reply> handle(CosRequest& req, RequestBody& body);

 private:
  // bucket_handlers.cpp
  Reply list_buckets(const CosRequest& req);
  Task<Reply> put_bucket(const CosRequest& req, RequestBody& body);
  Reply head_bucket(const CosRequest& req);
  Reply delete_bucket(const CosRequest& req);
  Reply list_objects(const CosRequest& req);
  Reply bucket_location(const CosRequest& req);
  Task<Reply> delete_objects(const CosRequest& req, RequestBody& body);
  // object_handlers.cpp
  Task<Reply> put_object(const CosRequest& req, RequestBody& body);
  Reply copy_object(const CosRequest& req);
  Reply get_object(const CosRequest& req);
  Reply delete_object(const CosRequest& req);
  // multipart_handlers.cpp
  Reply initiate_upload(const CosRequest& req);
  Task<Reply> upload_part(const CosRequest& req, RequestBody& body);
  Reply list_parts(const CosRequest& req);
  Reply list_uploads(const CosRequest& req);
  Task<Reply> complete_upload(const CosRequest& req, RequestBody& body);
  Reply abort_upload(const CosRequest& req);

  // Streams the request body into a new data file, checking Content-MD5 and
  // the SigV4 payload hash; returns the adopted file's name and its ETag.
  struct Received {
    std::string file, etag;
    int64_t size = 0;
  };
  Task<Result<Received>> receive(const CosRequest& req, RequestBody& body);
  EventOrigin origin(const CosRequest& req) const;
  int64_t now_ms() const { return to_unix_ms(clock_.now()); }
  std::string owner_xml() const;

  ObjectStore& store_;
  SecretLookup secrets_;
  const Clock& clock_;
  HandlerConfig config_;
};

// Helpers shared by the handler files.
std::string quoted_etag(const std::string& etag);  // "\"<etag>\"", as ETag headers and XML carry it
std::string iso8601(int64_t unix_ms);              // 2024-01-02T03:04:05.000Z
std::string http_date(int64_t unix_ms);            // Tue, 02 Jan 2024 03:04:05 GMT
// An HTTP date (RFC 1123, also RFC 850 and asctime) as epoch seconds.
std::optional<int64_t> parse_http_date(const std::string& text);
// The stored attributes a request's headers ask for (Content-Type, ...,
// x-cos-meta-* and x-amz-meta-*, both kept as x-cos-meta-*).
ObjectAttributes attributes_from(const CosRequest& req);
// The element text for a key or prefix in a listing (URL-encoded when the
// request asked for encoding-type=url), already XML-escaped.
std::string list_text(const CosRequest& req, const std::string& value);

}  // namespace yunfn::cos
