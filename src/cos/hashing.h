// Hashes the bucket service needs besides common/crypto.h: MD5 (ETag,
// Content-MD5) and SHA-256 computed over a stream of chunks. Pure; a hasher
// object belongs to one thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace yunfn::cos {

// An incremental digest (MD5 or SHA-256) over OpenSSL's EVP interface.
class StreamHash {
 public:
  enum class Kind { kMd5, kSha256 };
  explicit StreamHash(Kind kind);
  ~StreamHash();
  StreamHash(const StreamHash&) = delete;
  StreamHash& operator=(const StreamHash&) = delete;

  void update(std::string_view data);
  // The raw digest; the hasher must not be updated afterwards.
  std::string finish();

 private:
  evp_md_ctx_st* ctx_;
};

std::string md5(std::string_view data);       // raw 16 bytes

}  // namespace yunfn::cos
