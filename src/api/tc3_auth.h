// Server-side verification of TencentCloud API v3 (TC3-HMAC-SHA256) signatures
// on control-plane requests. The API endpoint calls `verify_tc3` once per request
// before dispatching the action; the signing algorithm itself lives in common/tc3.h.
// What real clients send (host signed without its port, service taken from the
// endpoint's first label, UNSIGNED-PAYLOAD) is in the SCF contract, sections 1.2
// and 17. Pure functions over the request passed in; safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace yunfn::api {

// Largest accepted distance between X-TC-Timestamp and the server clock.
inline constexpr int64_t kTc3MaxSkewSeconds = 300;

// The key pair the server accepts.
struct Credentials {
  std::string secret_id;
  std::string secret_key;
};

// Value of a header by lowercase name; "" when absent.
using Tc3HeaderLookup = std::function<std::string(std::string_view lowercase_name)>;

// The parts of an HTTP request that a TC3 signature covers.
struct Tc3Request {
  std::string method;  // "POST" or "GET"
  std::string query;   // raw query string after '?'; ignored for POST
  std::string body;
  Tc3HeaderLookup header;  // must be set
};

// The fields of an `Authorization: TC3-HMAC-SHA256 ...` header.
struct Tc3Authorization {
  std::string secret_id;
  std::string date;                         // credential date, "YYYY-MM-DD"
  std::string service;                      // credential service, e.g. "scf" or "127"
  std::vector<std::string> signed_headers;  // lowercase names, in the order sent
  std::string signature;                    // 64 lowercase hex digits
};

// Parses an Authorization header value. Errors are AuthFailure.InvalidAuthorization
// with a message saying which part is wrong.
Result<Tc3Authorization> parse_tc3_authorization(std::string_view value);

// Checks the request's TC3 signature against `creds` at server time
// `now_unix_seconds`. Ok when the signature is valid; otherwise one of
//   AuthFailure.InvalidAuthorization  Authorization or X-TC-Timestamp missing/malformed
//   AuthFailure.SecretIdNotFound      the credential names another SecretId
//   AuthFailure.SignatureExpire       X-TC-Timestamp more than 300 s from now
//   AuthFailure.SignatureFailure      credential date or signature does not match
// The signature is accepted with the Host header as sent and with its port
// removed; with X-TC-Content-SHA256: UNSIGNED-PAYLOAD the body is not covered.
// Every header the client lists in SignedHeaders is covered (yunfn's CLI signs
// x-tc-action and x-tc-timestamp too, so a captured request cannot be replayed
// as another action).
Status verify_tc3(const Tc3Request& req, const Credentials& creds, int64_t now_unix_seconds);

// The checks of verify_tc3 that need no body (Authorization well formed,
// SecretId known, timestamp fresh): run on the header, so that a request that
// cannot be authentic is refused before its body is read.
Status precheck_tc3(const Tc3HeaderLookup& header, const Credentials& creds,
                    int64_t now_unix_seconds);

}  // namespace yunfn::api
