// The naming rules of the bucket service (bucket names, object keys) and the
// URL encodings of COS and S3 requests. Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/cos_sign.h"  // uri_encode, Slash
#include "common/result.h"

namespace yunfn::cos {

// Longest object key in bytes, as COS (a longer one is KeyTooLong).
inline constexpr size_t kMaxKeyBytes = 850;

// Checks "<name>-<appid>": name of 1..50 lowercase letters, digits and '-', not
// starting or ending with '-'; appid all digits. Error InvalidBucketName.
Status check_bucket_name(std::string_view bucket);

// Checks an object key (without its leading '/'): not empty, at most
// kMaxKeyBytes (KeyTooLong), no NUL byte, no "//" and no path segment that is
// "." or ".." (InvalidArgument). The key is never used as a file name; these
// rules keep keys that file-system based tools would mangle out of buckets.
Status check_object_key(std::string_view key);

// Whether uri_decode reads '+' as a space (query strings) or as itself (paths).
enum class Plus { kLiteral, kSpace };

// Decodes %XX escapes (and '+' as a space with Plus::kSpace). Malformed
// escapes are kept as they are.
std::string uri_decode(std::string_view text, Plus plus);

// One query parameter of a request: raw (as sent) and decoded.
struct QueryParam {
  std::string raw_name, raw_value;
  std::string name, value;  // decoded
  bool has_value = false;   // "a=" or "a=x" (not bare "a")
};
// Splits a query string (without '?') into its parameters, in order.
std::vector<QueryParam> parse_query(std::string_view query);

}  // namespace yunfn::cos
