#include "cos/hashing.h"

#include <openssl/evp.h>

#include "common/check.h"
#include "common/crypto.h"

namespace yunfn::cos {

StreamHash::StreamHash(Kind kind) : ctx_(EVP_MD_CTX_new()) {
  YUNFN_CHECK(ctx_ != nullptr);
  const EVP_MD* md = kind == Kind::kMd5 ? EVP_md5() : EVP_sha256();
  YUNFN_CHECK(EVP_DigestInit_ex(ctx_, md, nullptr) == 1);
}

StreamHash::~StreamHash() { EVP_MD_CTX_free(ctx_); }

void StreamHash::update(std::string_view data) {
  YUNFN_CHECK(EVP_DigestUpdate(ctx_, data.data(), data.size()) == 1);
}

std::string StreamHash::finish() {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  YUNFN_CHECK(EVP_DigestFinal_ex(ctx_, reinterpret_cast<unsigned char*>(out.data()), &len) == 1);
  out.resize(len);
  return out;
}

std::string md5(std::string_view data) {
  StreamHash h(StreamHash::Kind::kMd5);
  h.update(data);
  return h.finish();
}
}  // namespace yunfn::cos
