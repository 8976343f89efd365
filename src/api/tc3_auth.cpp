#include "api/tc3_auth.h"

#include <charconv>
#include <optional>

#include "common/crypto.h"
#include "common/tc3.h"

namespace yunfn::api {
namespace {


// Bounds on untrusted input, far above what any client sends.
constexpr std::size_t kMaxAuthorizationSize = 4096;
constexpr std::size_t kMaxSignedHeaders = 32;
constexpr std::size_t kMaxTimestampDigits = 12;
constexpr std::size_t kSignatureHexSize = 64;

Error invalid(std::string message) {
  return make_error(errc::kAuthFailureInvalidAuthorization, std::move(message));
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// Splits `s` at every `sep` (empty pieces kept).
std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// "YYYY-MM-DD" shape; the calendar is checked later against the timestamp.
bool is_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!is_digit(s[i])) return false;
  }
  return true;
}

// Credential=<SecretId>/<date>/<service>/tc3_request. Split from the right so
// only the three scope fields are constrained.
Status parse_credential(std::string_view value, Tc3Authorization& out) {
  std::size_t p3 = value.rfind('/');
  std::size_t p2 = p3 == std::string_view::npos || p3 == 0 ? p3 : value.rfind('/', p3 - 1);
  std::size_t p1 = p2 == std::string_view::npos || p2 == 0 ? p2 : value.rfind('/', p2 - 1);
  if (p1 == std::string_view::npos || p2 == std::string_view::npos || p1 == p2 || p2 == p3) {
    return invalid("Credential must be <SecretId>/<YYYY-MM-DD>/<service>/tc3_request");
  }
  out.secret_id = value.substr(0, p1);
  out.date = value.substr(p1 + 1, p2 - p1 - 1);
  out.service = value.substr(p2 + 1, p3 - p2 - 1);
  std::string_view terminator = value.substr(p3 + 1);
  if (out.secret_id.empty()) return invalid("Credential has an empty SecretId");
  if (!is_date(out.date)) return invalid("Credential date '" + out.date + "' is not YYYY-MM-DD");
  if (out.service.empty()) return invalid("Credential has an empty service");
  if (terminator != kTc3Terminator) return invalid("Credential must end with /tc3_request");
  return ok_status();
}

// SignedHeaders=<lowercase names joined by ';'>; content-type and host required.
Status parse_signed_headers(std::string_view value, Tc3Authorization& out) {
  std::vector<std::string_view> names = split(value, ';');
  if (names.size() > kMaxSignedHeaders) return invalid("SignedHeaders lists too many headers");
  for (std::string_view name : names) {
    if (name.empty()) return invalid("SignedHeaders has an empty header name");
    for (char c : name) {
      bool ok = (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_';
      if (!ok) {
        return invalid("SignedHeaders name '" + std::string(name) +
                       "' is not a lowercase header name");
      }
    }
    for (const std::string& seen : out.signed_headers) {
      if (seen == name) return invalid("SignedHeaders lists '" + seen + "' twice");
    }
    out.signed_headers.emplace_back(name);
  }
  for (std::string_view required : {"content-type", "host"}) {
    bool found = false;
    for (const std::string& name : out.signed_headers) found = found || name == required;
    if (!found) return invalid("SignedHeaders must include " + std::string(required));
  }
  return ok_status();
}

// Signature=<64 hex digits>, kept in lowercase.
Status parse_signature(std::string_view value, Tc3Authorization& out) {
  if (value.size() != kSignatureHexSize) return invalid("Signature must be 64 hex digits");
  out.signature.reserve(value.size());
  for (char c : value) {
    if (!is_hex(c)) return invalid("Signature must be 64 hex digits");
    out.signature.push_back((c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return ok_status();
}

// X-TC-Timestamp: Unix seconds as a plain decimal number.
Result<int64_t> parse_timestamp(std::string_view raw) {
  std::string_view text = trim(raw);
  if (text.empty()) return invalid("X-TC-Timestamp header is missing");
  int64_t ts = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ts);
  bool digits_only = !text.empty() && is_digit(text.front());
  if (!digits_only || ec != std::errc() || end != text.data() + text.size() ||
      text.size() > kMaxTimestampDigits) {
    return invalid("X-TC-Timestamp '" + std::string(text) + "' is not Unix seconds");
  }
  return ts;
}

// "name:port" -> "name" (also "[v6]:port"); nullopt when there is no port.
std::optional<std::string> host_without_port(std::string_view host) {
  std::size_t colon = host.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == host.size()) {
    return std::nullopt;
  }
  for (char c : host.substr(colon + 1)) {
    if (!is_digit(c)) return std::nullopt;
  }
  std::string_view name = host.substr(0, colon);
  bool bracketed = name.front() == '[' && name.back() == ']';
  if (!bracketed && name.find(':') != std::string_view::npos) return std::nullopt;  // bare IPv6
  return std::string(name);
}

// The values the request may have been signed with: the Host header as sent and
// without its port; the body hash, or the UNSIGNED-PAYLOAD forms.
struct Candidates {
  std::vector<std::string> hosts;
  std::vector<std::string> payload_hashes;
};

Candidates signing_candidates(const Tc3Request& req) {
  Candidates c;
  std::string host(trim(req.header("host")));
  c.hosts.push_back(host);
  if (auto bare = host_without_port(host)) c.hosts.push_back(*bare);

  if (trim(req.header("x-tc-content-sha256")) == kTc3UnsignedPayload) {
    // Tencent's SDKs hash the literal; the published step list writes it as is.
    c.payload_hashes.push_back(tc3_hashed_payload(req.body, Tc3Payload::kUnsigned));
    c.payload_hashes.emplace_back(kTc3UnsignedPayload);
  } else {
    c.payload_hashes.push_back(tc3_hashed_payload(req.body, Tc3Payload::kSigned));
  }
  return c;
}

// Rebuilds the signed parts from the request, with the host value left to fill in.
Tc3SigningParts signing_parts(const Tc3Request& req, const Tc3Authorization& auth, int64_t ts) {
  Tc3SigningParts parts;
  parts.method = req.method;
  // The canonical query string is empty for POST whatever the URL carries.
  parts.query = req.method == "POST" ? std::string() : req.query;
  for (const std::string& name : auth.signed_headers) {
    parts.headers.emplace_back(name, name == "host" ? std::string() : req.header(name));
  }
  parts.timestamp = ts;
  parts.date = auth.date;
  parts.service = auth.service;
  return parts;
}

// True when any candidate host and payload hash reproduces the signature.
bool signature_matches(const Tc3Request& req, const Tc3Authorization& auth,
                       const Credentials& creds, int64_t ts) {
  Tc3SigningParts parts = signing_parts(req, auth, ts);
  Candidates candidates = signing_candidates(req);
  std::string key = tc3_signing_key(creds.secret_key, auth.date, auth.service);
  bool matched = false;
  for (const std::string& host : candidates.hosts) {
    for (auto& [name, value] : parts.headers) {
      if (name == "host") value = host;
    }
    for (const std::string& hash : candidates.payload_hashes) {
      parts.hashed_payload = hash;
      std::string expected = crypto::hex(crypto::hmac_sha256(key, tc3_string_to_sign(parts)));
      // Every candidate is computed and compared, so timing does not tell which one matched.
      matched = crypto::equal_constant_time(expected, auth.signature) || matched;
    }
  }
  return matched;
}

}  // namespace

Result<Tc3Authorization> parse_tc3_authorization(std::string_view value) {
  value = trim(value);
  if (value.empty()) return invalid("Authorization header is missing");
  if (value.size() > kMaxAuthorizationSize) return invalid("Authorization header is too long");
  if (value.substr(0, kTc3Algorithm.size()) != kTc3Algorithm ||
      value.size() == kTc3Algorithm.size() || !is_blank(value[kTc3Algorithm.size()])) {
    return invalid("Authorization must start with 'TC3-HMAC-SHA256 '");
  }
  Tc3Authorization auth;
  bool has_credential = false, has_signed_headers = false, has_signature = false;
  for (std::string_view field : split(value.substr(kTc3Algorithm.size()), ',')) {
    field = trim(field);
    std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) {
      return invalid("Authorization field '" + std::string(field) + "' is not key=value");
    }
    std::string_view key = trim(field.substr(0, eq));
    std::string_view val = trim(field.substr(eq + 1));
    bool* seen = key == "Credential"      ? &has_credential
                 : key == "SignedHeaders" ? &has_signed_headers
                 : key == "Signature"     ? &has_signature
                                          : nullptr;
    if (seen == nullptr) {
      return invalid("Authorization has unknown field '" + std::string(key) + "'");
    }
    if (*seen) return invalid("Authorization repeats field " + std::string(key));
    *seen = true;
    Status st = key == "Credential"      ? parse_credential(val, auth)
                : key == "SignedHeaders" ? parse_signed_headers(val, auth)
                                         : parse_signature(val, auth);
    if (!st.ok()) return st.error();
  }
  if (!has_credential) return invalid("Authorization is missing Credential");
  if (!has_signed_headers) return invalid("Authorization is missing SignedHeaders");
  if (!has_signature) return invalid("Authorization is missing Signature");
  return auth;
}

namespace {

// The checks that need no body; returns the parsed Authorization and timestamp.
Result<std::pair<Tc3Authorization, int64_t>> check_credential(const Tc3HeaderLookup& header,
                                                              const Credentials& creds,
                                                              int64_t now_unix_seconds) {
  YUNFN_TRY(auth, parse_tc3_authorization(header("authorization")));
  YUNFN_TRY(ts, parse_timestamp(header("x-tc-timestamp")));

  if (auth.secret_id != creds.secret_id) {
    return make_error(errc::kAuthFailureSecretIdNotFound,
                      "SecretId " + auth.secret_id + " is not known");
  }
  int64_t skew = now_unix_seconds > ts ? now_unix_seconds - ts : ts - now_unix_seconds;
  if (skew > kTc3MaxSkewSeconds) {
    return make_error(errc::kAuthFailureSignatureExpire,
                      "X-TC-Timestamp " + std::to_string(ts) + " is " + std::to_string(skew) +
                          " s away from server time " + std::to_string(now_unix_seconds) +
                          "; at most " + std::to_string(kTc3MaxSkewSeconds) + " s is allowed");
  }
  std::string ts_date = tc3_utc_date(ts);
  if (auth.date != ts_date) {
    return make_error(errc::kAuthFailureSignatureFailure,
                      "Credential date " + auth.date + " is not the UTC date of X-TC-Timestamp (" +
                          ts_date + ")");
  }
  return std::pair{std::move(auth), ts};
}

}  // namespace

Status precheck_tc3(const Tc3HeaderLookup& header, const Credentials& creds,
                    int64_t now_unix_seconds) {
  auto checked = check_credential(header, creds, now_unix_seconds);
  if (!checked.ok()) return checked.error();
  return ok_status();
}

Status verify_tc3(const Tc3Request& req, const Credentials& creds, int64_t now_unix_seconds) {
  YUNFN_CHECK(req.header != nullptr);  // the caller always supplies the header lookup
  YUNFN_TRY(checked, check_credential(req.header, creds, now_unix_seconds));
  const auto& [auth, ts] = checked;
  if (!signature_matches(req, auth, creds, ts)) {
    return make_error(errc::kAuthFailureSignatureFailure,
                      "signature does not match the request; check SecretKey and the signed "
                      "Host, Content-Type, X-TC-Action (when signed) and body");
  }
  return ok_status();
}

}  // namespace yunfn::api
