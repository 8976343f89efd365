// Hashes, HMAC and encodings over OpenSSL. Pure functions; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace yunfn::crypto {

// Raw 32-byte SHA-256 digest of data.
std::string sha256(std::string_view data);
// Lowercase hex SHA-256 of data.
std::string sha256_hex(std::string_view data);
// Raw 32-byte HMAC-SHA256(key, data).
std::string hmac_sha256(std::string_view key, std::string_view data);
// Lowercase hex SHA-1 of data (COS signature v5).
std::string sha1_hex(std::string_view data);
// Lowercase hex HMAC-SHA1(key, data) (COS signature v5).
std::string hmac_sha1_hex(std::string_view key, std::string_view data);
// Lowercase hex of raw bytes.
std::string hex(std::string_view raw);
// Standard base64 (with padding) of raw bytes.
std::string base64_encode(std::string_view raw);
// Decodes standard base64; whitespace is ignored; nullopt when the text is not base64.
std::optional<std::string> base64_decode(std::string_view text);
// n random bytes from a cryptographic source.
std::string random_bytes(std::size_t n);
// Constant-time comparison of two strings of the same length.
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace yunfn::crypto
