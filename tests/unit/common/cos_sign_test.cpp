// COS signature v5 signing (common/cos_sign.h) against a vector computed by the
// independent Python signer of the integration tests (tests/integration/cos_client.py).
#include "common/cos_sign.h"

#include <gtest/gtest.h>

namespace yunfn {
namespace {

TEST(CosSign, AuthorizationMatchesAnIndependentSigner) {
  CosV5Fields f;
  f.method = "GET";
  f.path = "/photos-1250000000/cats/a b.txt";
  f.params = {{"prefix", "a/"}, {"max-keys", "10"}};
  f.headers = {{"Host", "127.0.0.1:9002"}, {"x-cos-meta-k", "v w"}};
  f.key_time = "1700000000;1700003600";
  f.sign_time = f.key_time;
  EXPECT_EQ(cos_v5_authorization("AKIDtest", "testSecretKey", f),
            "q-sign-algorithm=sha1&q-ak=AKIDtest&q-sign-time=1700000000;1700003600"
            "&q-key-time=1700000000;1700003600&q-header-list=host;x-cos-meta-k"
            "&q-url-param-list=max-keys;prefix"
            "&q-signature=04f481f03acdc573b3cea87826fdd4a43dc1fb09");
}

TEST(CosSign, UriEncodeKeepsOnlyUnreservedBytes) {
  EXPECT_EQ(uri_encode("a b/c~d*", Slash::kEncode), "a%20b%2Fc~d%2A");
  EXPECT_EQ(uri_encode("a b/c", Slash::kKeep), "a%20b/c");
}

}  // namespace
}  // namespace yunfn
