#include "common/tc3.h"

#include <chrono>
#include <cstdio>

#include "common/crypto.h"

namespace yunfn {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

char to_lower_ascii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::string tc3_utc_date(int64_t unix_seconds) {
  using namespace std::chrono;
  // floor, not truncation, so instants before 1970 fall on the right day.
  auto days = floor<std::chrono::days>(sys_seconds{seconds{unix_seconds}});
  year_month_day ymd{days};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string tc3_credential_scope(std::string_view date, std::string_view service) {
  std::string scope;
  scope.reserve(date.size() + service.size() + kTc3Terminator.size() + 2);
  scope.append(date).append("/").append(service).append("/").append(kTc3Terminator);
  return scope;
}

std::string tc3_canonical_header_value(std::string_view value) {
  while (!value.empty() && is_blank(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_blank(value.back())) value.remove_suffix(1);
  std::string out(value);
  for (char& c : out) c = to_lower_ascii(c);
  return out;
}

std::string tc3_hashed_payload(std::string_view body, Tc3Payload payload) {
  return crypto::sha256_hex(payload == Tc3Payload::kUnsigned ? kTc3UnsignedPayload : body);
}

std::string tc3_signed_headers(const Tc3SigningParts& parts) {
  std::string out;
  for (const auto& [name, value] : parts.headers) {
    if (!out.empty()) out.push_back(';');
    out.append(name);
  }
  return out;
}

// Layout (each line ends in '\n' except the last; CanonicalURI is always "/"):
//   METHOD / QUERY name:value... <empty line> SIGNED-HEADERS PAYLOAD-HASH
std::string tc3_canonical_request(const Tc3SigningParts& parts) {
  std::string out;
  out.append(parts.method).append("\n/\n").append(parts.query).append("\n");
  for (const auto& [name, value] : parts.headers) {
    out.append(name).append(":").append(tc3_canonical_header_value(value)).append("\n");
  }
  out.append("\n").append(tc3_signed_headers(parts)).append("\n").append(parts.hashed_payload);
  return out;
}

std::string tc3_string_to_sign(const Tc3SigningParts& parts) {
  std::string out(kTc3Algorithm);
  out.append("\n").append(std::to_string(parts.timestamp)).append("\n");
  out.append(tc3_credential_scope(parts.date, parts.service)).append("\n");
  out.append(crypto::sha256_hex(tc3_canonical_request(parts)));
  return out;
}

// Each HMAC output keys the next step, so a signing key is valid for one day
// and one service only.
std::string tc3_signing_key(std::string_view secret_key, std::string_view date,
                            std::string_view service) {
  std::string k_date = crypto::hmac_sha256("TC3" + std::string(secret_key), date);
  std::string k_service = crypto::hmac_sha256(k_date, service);
  return crypto::hmac_sha256(k_service, kTc3Terminator);
}

std::string tc3_signature(std::string_view secret_key, const Tc3SigningParts& parts) {
  std::string key = tc3_signing_key(secret_key, parts.date, parts.service);
  return crypto::hex(crypto::hmac_sha256(key, tc3_string_to_sign(parts)));
}

std::string tc3_authorization(const Tc3SignInput& in) {
  // A client signs exactly what it sends: the host as given, no port handling.
  Tc3SigningParts parts;
  parts.method = in.method;
  parts.query = in.query;
  // Names in sorted order, as the canonical request requires.
  parts.headers.emplace_back("content-type", in.content_type);
  parts.headers.emplace_back("host", in.host);
  if (!in.action.empty()) parts.headers.emplace_back("x-tc-action", in.action);
  parts.hashed_payload = tc3_hashed_payload(in.body, in.payload);
  parts.timestamp = in.timestamp;
  parts.date = tc3_utc_date(in.timestamp);
  parts.service = in.service;

  std::string auth(kTc3Algorithm);
  auth.append(" Credential=").append(in.secret_id).append("/");
  auth.append(tc3_credential_scope(parts.date, parts.service));
  auth.append(", SignedHeaders=").append(tc3_signed_headers(parts));
  auth.append(", Signature=").append(tc3_signature(in.secret_key, parts));
  return auth;
}

}  // namespace yunfn
