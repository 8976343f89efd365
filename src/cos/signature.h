// Request signatures of the bucket service: COS signature v5 (Authorization
// header or pre-signed query parameters) and AWS Signature V4 (header or
// X-Amz-* query parameters) for S3 clients. Verification only; the secret of
// a SecretId comes from the caller's lookup (the platform's API keys).
// Pure functions (time is passed in); any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "cos/names.h"

namespace yunfn::cos {

// SecretId -> SecretKey, nullopt for an unknown SecretId.
using SecretLookup = std::function<std::optional<std::string>(const std::string& secret_id)>;

// What a signature covers, taken from the request as received.
struct SignedRequest {
  std::string method;                  // "GET", "PUT", ...
  std::string raw_path;                // the target's path as sent (percent-encoded)
  std::vector<std::string> cos_paths;  // decoded paths COS v5 may have signed, in order
  std::vector<QueryParam> query;
  std::map<std::string, std::string> headers;  // lowercase name -> value (repeats joined by ',')
};

// Which scheme signed a request, and how its body is framed.
struct Authenticated {
  std::string secret_id;
  enum class Scheme { kCosV5, kSigV4 } scheme = Scheme::kCosV5;
  bool aws_chunked = false;  // SigV4 STREAMING-AWS4-HMAC-SHA256-PAYLOAD body
};

// Largest difference between a request's signing time and the server's clock.
inline constexpr int64_t kMaxClockSkewSeconds = 15 * 60;

// Verifies the request's signature at `now` (epoch seconds). Errors:
// AccessDenied (unsigned, unknown SecretId, expired, malformed),
// SignatureDoesNotMatch, RequestTimeTooSkewed.
Result<Authenticated> verify_signature(const SignedRequest& req, const SecretLookup& secrets,
                                       int64_t now);

// --- the parts, exposed for tests --------------------------------------------------

// COS v5: the signature of a request for the given fields (lowercase hex).
// header_list / param_list are the ';'-joined lowercase names as in the
// Authorization; values are taken from `req`.
std::string cos_v5_signature(const std::string& secret_key, const std::string& key_time,
                             const std::string& sign_time, const std::string& path,
                             const std::string& header_list, const std::string& param_list,
                             const SignedRequest& req);

// SigV4: the signature (lowercase hex) over `canonical_uri`, signing the given
// headers (';'-joined lowercase names) and payload hash, excluding
// X-Amz-Signature from the query.
std::string sigv4_signature(const std::string& secret_key, const std::string& amz_date,
                            const std::string& scope, const std::string& canonical_uri,
                            const std::string& signed_headers, const std::string& payload_hash,
                            const SignedRequest& req);

// "20240101T000000Z" -> epoch seconds; nullopt when malformed.
std::optional<int64_t> parse_amz_date(const std::string& text);

}  // namespace yunfn::cos
