// Tests for the client side of TC3-HMAC-SHA256 (common/tc3.h). The expected
// Authorization values were computed independently (Python hmac/hashlib,
// following the published step list), not by this code.
#include "common/tc3.h"

#include <gtest/gtest.h>

#include "common/crypto.h"

namespace yunfn {
namespace {

constexpr char kSecretId[] = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
constexpr char kSecretKey[] = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";

Tc3SignInput list_functions_input() {
  Tc3SignInput in;
  in.secret_id = kSecretId;
  in.secret_key = kSecretKey;
  in.service = "scf";
  in.host = "scf.tencentcloudapi.com";
  in.action = "ListFunctions";
  in.body = R"({"Namespace":"default","Limit":10})";
  in.timestamp = 1551113065;
  return in;
}

TEST(Tc3Test, AuthorizationMatchesIndependentVector) {
  EXPECT_EQ(tc3_authorization(list_functions_input()),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/scf/"
            "tc3_request, SignedHeaders=content-type;host;x-tc-action, "
            "Signature=1d4ee11472bff0bc3f8809fe7f5bfe27abb587cf7a2e702d08c747394e9a0b0a");
}

TEST(Tc3Test, GetRequestMatchesIndependentVector) {
  Tc3SignInput in = list_functions_input();
  in.method = "GET";
  in.content_type = "application/x-www-form-urlencoded";
  in.action = "";  // signs only content-type;host, like the SDKs
  in.body = "";
  in.query = "Limit=10&Offset=0";
  EXPECT_EQ(tc3_authorization(in),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/scf/"
            "tc3_request, SignedHeaders=content-type;host, "
            "Signature=0f757cae054ea05febce41b1e5559e6e5224c6ec942e7e296814d25acd70ecbb");
}

TEST(Tc3Test, UnsignedPayloadMatchesIndependentVector) {
  Tc3SignInput in = list_functions_input();
  in.action = "";
  in.payload = Tc3Payload::kUnsigned;
  const std::string expected =
      "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/scf/"
      "tc3_request, SignedHeaders=content-type;host, "
      "Signature=4a9e4cf36d094fb173706b263b5a8dea0493b0ef9d9c851b59922a6ae879d557";
  EXPECT_EQ(tc3_authorization(in), expected);
  in.body = "any other body";  // the body is not covered
  EXPECT_EQ(tc3_authorization(in), expected);
}

TEST(Tc3Test, SignatureDependsOnEverySignedInput) {
  const std::string base = tc3_authorization(list_functions_input());
  auto changed = [&](auto mutate) {
    Tc3SignInput in = list_functions_input();
    mutate(in);
    return tc3_authorization(in) != base;
  };
  EXPECT_TRUE(changed([](Tc3SignInput& in) { in.secret_key += "x"; }));
  EXPECT_TRUE(changed([](Tc3SignInput& in) { in.service = "cvm"; }));
  EXPECT_TRUE(changed([](Tc3SignInput& in) { in.host = "scf.ap-guangzhou.tencentcloudapi.com"; }));
  EXPECT_TRUE(changed([](Tc3SignInput& in) { in.action = "GetFunction"; }));
  EXPECT_TRUE(changed([](Tc3SignInput& in) { in.body += " "; }));
  EXPECT_TRUE(changed([](Tc3SignInput& in) { in.timestamp += 1; }));
  EXPECT_TRUE(changed([](Tc3SignInput& in) { in.content_type = "text/plain"; }));
  // Header values are canonicalised (trimmed, lowercased) before signing.
  EXPECT_FALSE(changed([](Tc3SignInput& in) { in.content_type = " Application/JSON "; }));
}

TEST(Tc3Test, UtcDateOfTimestamp) {
  EXPECT_EQ(tc3_utc_date(0), "1970-01-01");
  EXPECT_EQ(tc3_utc_date(1551113065), "2019-02-25");
  EXPECT_EQ(tc3_utc_date(1700000000), "2023-11-14");
  EXPECT_EQ(tc3_utc_date(951868799), "2000-02-29");  // 23:59:59 on a leap day
  EXPECT_EQ(tc3_utc_date(951868800), "2000-03-01");
  EXPECT_EQ(tc3_utc_date(-1), "1969-12-31");
}

TEST(Tc3Test, CanonicalRequestLayout) {
  Tc3SigningParts parts;
  parts.method = "POST";
  parts.headers = {{"content-type", "application/json"}, {"host", " Example.COM "}};
  parts.hashed_payload = tc3_hashed_payload("", Tc3Payload::kSigned);
  EXPECT_EQ(tc3_canonical_request(parts),
            "POST\n/\n\ncontent-type:application/json\nhost:example.com\n\ncontent-type;host\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(tc3_hashed_payload("ignored", Tc3Payload::kUnsigned),
            crypto::sha256_hex("UNSIGNED-PAYLOAD"));
  EXPECT_EQ(tc3_credential_scope("2019-02-25", "scf"), "2019-02-25/scf/tc3_request");
}

}  // namespace
}  // namespace yunfn
