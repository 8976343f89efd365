// COS signature v5 (q-sign-algorithm=sha1): the RFC 3986 encoding it signs
// with, the string to sign and its HMAC-SHA1, and the Authorization value.
// Shared by the bucket service, which verifies signatures (cos/signature.h),
// and the CLI, which signs its requests. Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace yunfn {

// Whether uri_encode leaves '/' as it is (paths) or encodes it (values).
enum class Slash { kEncode, kKeep };

// Percent-encodes every byte except A-Z a-z 0-9 - _ . ~ (and '/' with
// Slash::kKeep), with uppercase hex: RFC 3986, as COS v5 and SigV4 sign.
std::string uri_encode(std::string_view text, Slash slash);

// What a COS v5 signature covers.
struct CosV5Fields {
  std::string method;  // any case
  std::string path;    // decoded, e.g. "/photos-1250000000/cat.jpg"
  // Signed query parameters and headers: name (any case) and decoded value.
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string key_time;   // "start;end" in epoch seconds
  std::string sign_time;  // the same form; usually equal to key_time
};

// The signature (lowercase hex): HMAC-SHA1 of the string to sign under
// HMAC-SHA1(secret_key, key_time).
std::string cos_v5_signature(std::string_view secret_key, const CosV5Fields& fields);

// The Authorization header value signing `fields` with the key pair:
// "q-sign-algorithm=sha1&q-ak=...&q-sign-time=...&...&q-signature=...".
std::string cos_v5_authorization(const std::string& secret_id, std::string_view secret_key,
                                 const CosV5Fields& fields);

}  // namespace yunfn
