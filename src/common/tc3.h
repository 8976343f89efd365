// TencentCloud API v3 request signing (TC3-HMAC-SHA256), the algorithm written
// once for both sides: `tc3_authorization` signs requests for the `yunfn` CLI,
// and the API server's verifier (api/tc3_auth.h) rebuilds the same signature
// from the building blocks below. The steps follow the SCF contract, section 1.2:
//   CanonicalRequest -> StringToSign -> signing key (date, service) -> Signature.
// Pure functions over value types; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace yunfn {

inline constexpr std::string_view kTc3Algorithm = "TC3-HMAC-SHA256";
// Value of X-TC-Content-SHA256 by which a client leaves the body out of the signature.
inline constexpr std::string_view kTc3UnsignedPayload = "UNSIGNED-PAYLOAD";
// Last element of every credential scope.
inline constexpr std::string_view kTc3Terminator = "tc3_request";

// Whether the body is part of the signature.
enum class Tc3Payload {
  kSigned,    // HashedRequestPayload = hex(SHA256(body))
  kUnsigned,  // the client sends X-TC-Content-SHA256: UNSIGNED-PAYLOAD
};

// What a client needs to sign one API request.
struct Tc3SignInput {
  std::string secret_id;
  std::string secret_key;
  std::string service;  // first label of the endpoint, e.g. "scf"
  std::string host;     // value of the Host header as signed, e.g. "127.0.0.1:9001"
  std::string action;   // X-TC-Action; signed as header x-tc-action when not empty
  std::string content_type = "application/json";
  std::string body;
  std::string method = "POST";
  int64_t timestamp = 0;                     // X-TC-Timestamp, Unix seconds
  std::string query;                         // canonical query string for GET; empty for POST
  Tc3Payload payload = Tc3Payload::kSigned;  // kUnsigned: also send X-TC-Content-SHA256
};

// Full value of the Authorization header for the request described by `in`:
// "TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request,
//  SignedHeaders=content-type;host[;x-tc-action], Signature=<hex>".
// The caller sends Content-Type, Host, X-TC-Action and X-TC-Timestamp with exactly
// the values given here.
std::string tc3_authorization(const Tc3SignInput& in);

// ---- Building blocks, shared with the server-side verifier. ----

// Everything a signature covers, with header values as sent (canonicalised here).
struct Tc3SigningParts {
  std::string method;  // "POST" or "GET"
  std::string query;   // canonical query string; empty for POST
  // (lowercase name, value) in the order of SignedHeaders.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string hashed_payload;  // tc3_hashed_payload(...)
  int64_t timestamp = 0;       // X-TC-Timestamp
  std::string date;            // credential date, "YYYY-MM-DD"
  std::string service;         // credential service
};

// UTC calendar date "YYYY-MM-DD" of a Unix timestamp (the credential date).
std::string tc3_utc_date(int64_t unix_seconds);
// "<date>/<service>/tc3_request".
std::string tc3_credential_scope(std::string_view date, std::string_view service);
// Canonical form of a header value: surrounding blanks trimmed, lowercased.
std::string tc3_canonical_header_value(std::string_view value);
// HashedRequestPayload: hex SHA-256 of the body, or of the literal
// "UNSIGNED-PAYLOAD" when unsigned (what Tencent's Go, Java and Python SDKs hash).
std::string tc3_hashed_payload(std::string_view body, Tc3Payload payload);
// Header names joined by ';', e.g. "content-type;host".
std::string tc3_signed_headers(const Tc3SigningParts& parts);
// CanonicalRequest: method, "/", query, canonical headers, signed headers, payload hash.
std::string tc3_canonical_request(const Tc3SigningParts& parts);
// StringToSign: algorithm, timestamp, scope and hex SHA-256 of the canonical request.
std::string tc3_string_to_sign(const Tc3SigningParts& parts);
// Raw signing key: HMAC chain over "TC3"+secret_key, date, service, "tc3_request".
std::string tc3_signing_key(std::string_view secret_key, std::string_view date,
                            std::string_view service);
// Lowercase hex signature of `parts` under `secret_key`.
std::string tc3_signature(std::string_view secret_key, const Tc3SigningParts& parts);

}  // namespace yunfn
