#include "cos/signature.h"

#include <algorithm>
#include <ctime>

#include "common/cos_sign.h"
#include "common/crypto.h"

namespace yunfn::cos {
namespace {

constexpr const char* kStreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";

Error access_denied(const std::string& why) { return Error{"AccessDenied", why}; }
Error mismatch() {
  return Error{"SignatureDoesNotMatch",
               "The request signature we calculated does not match the signature you provided. "
               "Check your key and signing method."};
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(sep, start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string header(const SignedRequest& req, const std::string& name) {
  auto it = req.headers.find(name);
  return it == req.headers.end() ? std::string() : it->second;
}

const QueryParam* query_param(const SignedRequest& req, const std::string& lower_name) {
  for (const auto& p : req.query) {
    if (lower(p.name) == lower_name) return &p;
  }
  return nullptr;
}

// "start;end" in epoch seconds.
std::optional<std::pair<int64_t, int64_t>> parse_time_range(const std::string& text) {
  const auto semi = text.find(';');
  if (semi == std::string::npos) return std::nullopt;
  try {
    size_t used1 = 0;
    size_t used2 = 0;
    const int64_t a = std::stoll(text.substr(0, semi), &used1);
    const int64_t b = std::stoll(text.substr(semi + 1), &used2);
    if (used1 != semi || used2 != text.size() - semi - 1) return std::nullopt;
    return std::make_pair(a, b);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Status check_time_range(const std::string& text, int64_t now) {
  auto range = parse_time_range(text);
  if (!range) return access_denied("The signature's q-sign-time or q-key-time is malformed");
  if (now > range->second) return access_denied("Request has expired");
  if (range->first > now + kMaxClockSkewSeconds)
    return Error{"RequestTimeTooSkewed",
                 "The difference between the request time and the server's time is too large"};
  return ok_status();
}

// The fields of "a=b&c=d" (COS v5 Authorization).
std::map<std::string, std::string> parse_fields(const std::string& text) {
  std::map<std::string, std::string> out;
  for (const auto& item : split(text, '&')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    out[trim(item.substr(0, eq))] = item.substr(eq + 1);
  }
  return out;
}

Result<Authenticated> verify_cos_v5(const SignedRequest& req,
                                    const std::map<std::string, std::string>& f,
                                    const SecretLookup& secrets, int64_t now) {
  auto get = [&f](const char* k) {
    auto it = f.find(k);
    return it == f.end() ? std::string() : it->second;
  };
  if (lower(get("q-sign-algorithm")) != "sha1")
    return access_denied("q-sign-algorithm must be sha1");
  const std::string ak = get("q-ak");
  const std::string signature = lower(get("q-signature"));
  if (ak.empty() || signature.empty() || get("q-key-time").empty())
    return access_denied("The COS signature lacks q-ak, q-key-time or q-signature");
  auto secret = secrets(ak);
  if (!secret) return Error{"InvalidAccessKeyId", "The SecretId " + ak + " does not exist"};
  const std::string sign_time = get("q-sign-time").empty() ? get("q-key-time") : get("q-sign-time");
  for (const auto& t : {get("q-key-time"), sign_time}) {
    auto in_time = check_time_range(t, now);
    if (!in_time.ok()) return in_time.error();
  }
  for (const auto& path : req.cos_paths) {
    const std::string expected =
        cos_v5_signature(*secret, get("q-key-time"), sign_time, path, lower(get("q-header-list")),
                         lower(get("q-url-param-list")), req);
    if (expected.size() == signature.size() && crypto::equal_constant_time(expected, signature)) {
      Authenticated who;
      who.secret_id = ak;
      return who;
    }
  }
  return mismatch();
}

// "AKID/20240101/region/s3/aws4_request" -> (AKID, "20240101/region/s3/aws4_request").
std::optional<std::pair<std::string, std::string>> split_credential(const std::string& c) {
  const auto slash = c.find('/');
  if (slash == std::string::npos || slash == 0) return std::nullopt;
  std::string scope = c.substr(slash + 1);
  if (split(scope, '/').size() != 4) return std::nullopt;
  return std::make_pair(c.substr(0, slash), scope);
}

struct SigV4Fields {
  std::string credential, signed_headers, signature, amz_date, payload_hash;
  std::optional<int64_t> expires;  // pre-signed only
};

Result<Authenticated> verify_sigv4(const SignedRequest& req, const SigV4Fields& f,
                                   const SecretLookup& secrets, int64_t now) {
  auto cred = split_credential(f.credential);
  if (!cred || f.signed_headers.empty() || f.signature.empty())
    return access_denied("The AWS signature is malformed");
  auto secret = secrets(cred->first);
  if (!secret)
    return Error{"InvalidAccessKeyId", "The SecretId " + cred->first + " does not exist"};
  auto when = parse_amz_date(f.amz_date);
  if (!when) return access_denied("X-Amz-Date is missing or malformed");
  if (cred->second.substr(0, 8) != f.amz_date.substr(0, 8))
    return access_denied("The credential's date does not match X-Amz-Date");
  if (f.expires) {
    if (now > *when + *f.expires) return access_denied("Request has expired");
    if (*when > now + kMaxClockSkewSeconds)
      return Error{"RequestTimeTooSkewed", "The request's X-Amz-Date is in the future"};
  } else if (std::llabs(now - *when) > kMaxClockSkewSeconds) {
    return Error{"RequestTimeTooSkewed",
                 "The difference between the request time and the server's time is too large"};
  }
  std::vector<std::string> uris{req.raw_path};
  const std::string normalized = uri_encode(uri_decode(req.raw_path, Plus::kLiteral), Slash::kKeep);
  if (normalized != req.raw_path) uris.push_back(normalized);
  for (const auto& uri : uris) {
    const std::string expected = sigv4_signature(*secret, f.amz_date, cred->second, uri,
                                                 lower(f.signed_headers), f.payload_hash, req);
    if (expected.size() == f.signature.size() &&
        crypto::equal_constant_time(expected, lower(f.signature))) {
      return Authenticated{cred->first, Authenticated::Scheme::kSigV4,
                           f.payload_hash == kStreamingPayload};
    }
  }
  return mismatch();
}

Result<Authenticated> verify_sigv4_header(const SignedRequest& req, const std::string& auth,
                                          const SecretLookup& secrets, int64_t now) {
  SigV4Fields f;
  for (auto part : split(auth.substr(auth.find(' ') + 1), ',')) {
    part = trim(part);
    const auto eq = part.find('=');
    if (eq == std::string::npos) continue;
    const std::string k = part.substr(0, eq);
    if (k == "Credential") f.credential = part.substr(eq + 1);
    if (k == "SignedHeaders") f.signed_headers = part.substr(eq + 1);
    if (k == "Signature") f.signature = part.substr(eq + 1);
  }
  f.amz_date = header(req, "x-amz-date");
  f.payload_hash = header(req, "x-amz-content-sha256");
  if (f.payload_hash.empty()) f.payload_hash = crypto::sha256_hex("");
  return verify_sigv4(req, f, secrets, now);
}

Result<Authenticated> verify_sigv4_query(const SignedRequest& req, const SecretLookup& secrets,
                                         int64_t now) {
  auto value = [&req](const char* name) {
    const QueryParam* p = query_param(req, lower(name));
    return p == nullptr ? std::string() : p->value;
  };
  if (value("X-Amz-Algorithm") != "AWS4-HMAC-SHA256")
    return access_denied("X-Amz-Algorithm must be AWS4-HMAC-SHA256");
  SigV4Fields f{value("X-Amz-Credential"), value("X-Amz-SignedHeaders"), value("X-Amz-Signature"),
                value("X-Amz-Date"),       "UNSIGNED-PAYLOAD",           std::nullopt};
  try {
    f.expires = std::stoll(value("X-Amz-Expires"));
  } catch (const std::exception&) {
    return access_denied("X-Amz-Expires is missing or malformed");
  }
  const std::string sent_hash = header(req, "x-amz-content-sha256");
  if (!sent_hash.empty()) f.payload_hash = sent_hash;
  return verify_sigv4(req, f, secrets, now);
}

}  // namespace

std::string cos_v5_signature(const std::string& secret_key, const std::string& key_time,
                             const std::string& sign_time, const std::string& path,
                             const std::string& header_list, const std::string& param_list,
                             const SignedRequest& req) {
  CosV5Fields fields{req.method, path, {}, {}, key_time, sign_time};
  if (!param_list.empty()) {
    for (const auto& name : split(param_list, ';')) {
      const QueryParam* p = query_param(req, name);
      fields.params.emplace_back(name, p ? p->value : "");
    }
  }
  if (!header_list.empty()) {
    for (const auto& name : split(header_list, ';')) fields.headers.emplace_back(name, header(req, name));
  }
  return yunfn::cos_v5_signature(secret_key, fields);
}

std::string sigv4_signature(const std::string& secret_key, const std::string& amz_date,
                            const std::string& scope, const std::string& canonical_uri,
                            const std::string& signed_headers, const std::string& payload_hash,
                            const SignedRequest& req) {
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto& p : req.query) {
    if (p.name == "X-Amz-Signature") continue;
    params.emplace_back(uri_encode(p.name, Slash::kEncode), uri_encode(p.value, Slash::kEncode));
  }
  std::sort(params.begin(), params.end());
  std::string query;
  for (const auto& [k, v] : params) {
    if (!query.empty()) query += '&';
    query.append(k).append("=").append(v);
  }
  std::string canonical_headers;
  for (const auto& name : split(signed_headers, ';')) {
    std::string value = trim(header(req, name));
    // Runs of spaces inside a value count as one.
    std::string collapsed;
    for (char c : value) {
      if (c == ' ' && !collapsed.empty() && collapsed.back() == ' ') continue;
      collapsed.push_back(c);
    }
    canonical_headers.append(name).append(":").append(collapsed).append("\n");
  }
  const std::string canonical = req.method + "\n" + canonical_uri + "\n" + query + "\n" +
                                canonical_headers + "\n" + signed_headers + "\n" + payload_hash;
  const std::string string_to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + crypto::sha256_hex(canonical);
  const auto parts = split(scope, '/');
  std::string key = crypto::hmac_sha256("AWS4" + secret_key, parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) key = crypto::hmac_sha256(key, parts[i]);
  return crypto::hex(crypto::hmac_sha256(key, string_to_sign));
}

std::optional<int64_t> parse_amz_date(const std::string& text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  std::tm tm{};
  if (::strptime(text.c_str(), "%Y%m%dT%H%M%SZ", &tm) == nullptr) return std::nullopt;
  return static_cast<int64_t>(::timegm(&tm));
}

Result<Authenticated> verify_signature(const SignedRequest& req, const SecretLookup& secrets,
                                       int64_t now) {
  const std::string auth = header(req, "authorization");
  if (auth.rfind("AWS4-HMAC-SHA256 ", 0) == 0) return verify_sigv4_header(req, auth, secrets, now);
  if (auth.find("q-sign-algorithm=") != std::string::npos)
    return verify_cos_v5(req, parse_fields(auth), secrets, now);
  if (!auth.empty()) return access_denied("The Authorization header is not a COS or AWS signature");
  if (query_param(req, "x-amz-signature") != nullptr) return verify_sigv4_query(req, secrets, now);
  if (query_param(req, "q-signature") != nullptr) {
    std::map<std::string, std::string> f;
    for (const auto& p : req.query) {
      if (p.name.rfind("q-", 0) == 0) f[p.name] = p.value;
    }
    return verify_cos_v5(req, f, secrets, now);
  }
  return access_denied("Access Denied: the request is not signed");
}

}  // namespace yunfn::cos
