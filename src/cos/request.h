// CosRequest: one request to the bucket service as the handlers see it: which
// bucket and key it addresses (virtual-host or path style), its query
// parameters and headers, and who sent it. Reply: what a handler answers,
// either a small body or a byte range of a data file streamed from disk.
// Plain values owned by the connection that read the request.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/asio.h"
#include "common/result.h"
#include "cos/names.h"
#include "cos/signature.h"

namespace yunfn::cos {

struct CosRequest {
  std::string method;    // "GET", ...
  std::string raw_path;  // the target's path as sent
  std::string path;      // decoded
  std::vector<QueryParam> query;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string bucket;                          // empty: the service (GET Service)
  std::string key;  // decoded, without the leading '/'; empty: the bucket itself
  bool virtual_host = false;
  std::string request_id;
  std::string source_ip;
  Authenticated auth;

  // The header's value, or "" when absent.
  std::string header(const std::string& lower_name) const;
  bool has_header(const std::string& lower_name) const;
  // The query parameter's decoded value, nullopt when absent ("?uploads" and
  // "?uploads=" are both present with value "").
  std::optional<std::string> param(const std::string& name) const;
  // "/<bucket>/<key>" or "/<key>", for error answers.
  std::string resource() const;
  // The fields a signature covers.
  SignedRequest signed_request() const;
};

// Fills method, paths, query, headers, bucket and key from a request header.
// The bucket comes from the Host when it has the form
// "<bucket>.cos.<region>.myqcloud.com" (also "<bucket>.cos.…", "<bucket>.s3.…"
// and "<bucket>.localhost"), else from the first path segment.
CosRequest parse_request(const http::request_header<>& header);

struct Reply {
  http::status status = http::status::ok;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // small bodies (XML)
  std::string content_type = "application/xml";
  // A file body: bytes [offset, offset+length) of `file` (HEAD: headers only).
  std::optional<std::string> file;
  uint64_t offset = 0, length = 0;
  bool headers_only = false;  // HEAD: Content-Length says `length`, no body sent
};

// An error answer: COS XML body, the code's status.
Reply error_reply(const Error& error, const CosRequest& req);
// A 200 answer with an XML document (the declaration is added).
Reply xml_reply(std::string xml);

}  // namespace yunfn::cos
