#include "common/cos_sign.h"

#include <algorithm>
#include <cctype>

#include "common/crypto.h"

namespace yunfn {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Encoded, lowercase-named and sorted, as the string to sign lists them.
Pairs canonical(const Pairs& in) {
  Pairs out;
  out.reserve(in.size());
  for (const auto& [name, value] : in)
    out.emplace_back(lower(uri_encode(name, Slash::kEncode)), uri_encode(value, Slash::kEncode));
  std::sort(out.begin(), out.end());
  return out;
}

std::string join_pairs(const Pairs& kv) {
  std::string out;
  for (const auto& [k, v] : kv) {
    if (!out.empty()) out += '&';
    out.append(k).append("=").append(v);
  }
  return out;
}

std::string join_names(const Pairs& kv) {
  std::string out;
  for (const auto& kv_pair : kv) {
    if (!out.empty()) out += ';';
    out += kv_pair.first;
  }
  return out;
}

}  // namespace

std::string uri_encode(std::string_view text, Slash slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (slash == Slash::kKeep && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string cos_v5_signature(std::string_view secret_key, const CosV5Fields& fields) {
  const std::string http_string = lower(fields.method) + "\n" + fields.path + "\n" +
                                  join_pairs(canonical(fields.params)) + "\n" +
                                  join_pairs(canonical(fields.headers)) + "\n";
  const std::string string_to_sign =
      "sha1\n" + fields.sign_time + "\n" + crypto::sha1_hex(http_string) + "\n";
  const std::string sign_key = crypto::hmac_sha1_hex(secret_key, fields.key_time);
  return crypto::hmac_sha1_hex(sign_key, string_to_sign);
}

std::string cos_v5_authorization(const std::string& secret_id, std::string_view secret_key,
                                 const CosV5Fields& fields) {
  return "q-sign-algorithm=sha1&q-ak=" + secret_id + "&q-sign-time=" + fields.sign_time +
         "&q-key-time=" + fields.key_time + "&q-header-list=" +
         join_names(canonical(fields.headers)) + "&q-url-param-list=" +
         join_names(canonical(fields.params)) + "&q-signature=" +
         cos_v5_signature(secret_key, fields);
}

}  // namespace yunfn
