#include "common/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <climits>
#include <cstdint>

#include "common/check.h"

namespace yunfn::crypto {
namespace {

constexpr std::size_t kSha256Size = 32;
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Marks in the decode table for bytes that are not base64 digits.
constexpr int8_t kInvalid = -1;
constexpr int8_t kSpace = -2;
constexpr int8_t kPad = -3;

// Maps every byte to its 6-bit value, or to one of the marks above.
constexpr std::array<int8_t, 256> make_decode_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (int i = 0; i < 64; ++i)
    t[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<int8_t>(i);
  for (unsigned char c : {' ', '\t', '\r', '\n', '\v', '\f'}) t[c] = kSpace;
  t['='] = kPad;
  return t;
}
constexpr std::array<int8_t, 256> kDecodeTable = make_decode_table();

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::string sha256(std::string_view data) {
  std::string out(kSha256Size, '\0');
  unsigned int len = 0;
  int rc = EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                      EVP_sha256(), nullptr);
  YUNFN_CHECK(rc == 1 && len == kSha256Size);
  return out;
}

std::string sha256_hex(std::string_view data) { return hex(sha256(data)); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  // HMAC() takes the key length as int; keys here are secrets or digests, never that large.
  YUNFN_CHECK(key.size() <= static_cast<std::size_t>(INT_MAX));
  std::string out(kSha256Size, '\0');
  unsigned int len = 0;
  unsigned char* rc = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes(data),
                           data.size(), reinterpret_cast<unsigned char*>(out.data()), &len);
  YUNFN_CHECK(rc != nullptr && len == kSha256Size);
  return out;
}

std::string sha1_hex(std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  YUNFN_CHECK(EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()),
                         &len, EVP_sha1(), nullptr) == 1);
  out.resize(len);
  return hex(out);
}

std::string hmac_sha1_hex(std::string_view key, std::string_view data) {
  YUNFN_CHECK(key.size() <= static_cast<size_t>(INT_MAX));
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  unsigned char* rc = HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
                           reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                           reinterpret_cast<unsigned char*>(out.data()), &len);
  YUNFN_CHECK(rc != nullptr);
  out.resize(len);
  return hex(out);
}

std::string hex(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0f]);
  }
  return out;
}

// Groups of three bytes become four digits; a trailing one or two bytes are
// zero-filled and padded with '='.
std::string base64_encode(std::string_view raw) {
  std::string out;
  out.reserve((raw.size() + 2) / 3 * 4);
  const unsigned char* p = bytes(raw);
  std::size_t i = 0;
  for (; i + 3 <= raw.size(); i += 3) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back(kBase64Alphabet[v & 63]);
  }
  std::size_t rest = raw.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{p[i]} << 16;
    if (rest == 2) v |= uint32_t{p[i + 1]} << 8;
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// Accepts the standard alphabet with whitespace anywhere. Padding may be left
// out, but when present it must complete the last group of four and nothing
// but whitespace may follow it. A lone digit in the last group (length % 4 == 1)
// cannot encode a byte and is rejected.
std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;  // bits of the current group of four
  int digits = 0;    // digits in the current group
  int pads = 0;      // '=' seen so far
  for (unsigned char c : text) {
    int8_t v = kDecodeTable[c];
    if (v == kSpace) continue;
    if (v == kInvalid) return std::nullopt;
    if (v == kPad) {
      // Padding may only follow two or three digits of a group, at most twice.
      if (digits + pads < 2 || digits + pads >= 4) return std::nullopt;
      ++pads;
      continue;
    }
    if (pads > 0) return std::nullopt;  // a digit after padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    if (++digits == 4) {
      out.push_back(static_cast<char>((acc >> 16) & 0xff));
      out.push_back(static_cast<char>((acc >> 8) & 0xff));
      out.push_back(static_cast<char>(acc & 0xff));
      acc = 0;
      digits = 0;
    }
  }
  if (digits == 1) return std::nullopt;
  if (pads > 0 && digits + pads != 4) return std::nullopt;
  if (digits == 2) {
    out.push_back(static_cast<char>((acc >> 4) & 0xff));
  } else if (digits == 3) {
    out.push_back(static_cast<char>((acc >> 10) & 0xff));
    out.push_back(static_cast<char>((acc >> 2) & 0xff));
  }
  return out;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n == 0) return out;
  // A failing system random source leaves no safe way to continue.
  YUNFN_CHECK(n <= static_cast<std::size_t>(INT_MAX));
  YUNFN_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) == 1);
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  // Only the length may leak; it is public for the values compared here (hex digests).
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace yunfn::crypto
