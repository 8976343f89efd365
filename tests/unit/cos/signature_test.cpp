// COS signature v5 and AWS SigV4 against vectors computed independently with
// Python's hmac/hashlib (the formulas of the COS and AWS documentation), and
// the verification rules: expiry, skew, another method or path, unknown keys.
#include "cos/signature.h"

#include <gtest/gtest.h>

namespace yunfn::cos {
namespace {

constexpr int64_t kAmzTime = 1704164645;  // 2024-01-02T03:04:05Z

SignedRequest cos_put() {
  SignedRequest r;
  r.method = "PUT";
  r.raw_path = "/folder/my%20file.txt";
  r.cos_paths = {"/folder/my file.txt"};
  r.query = parse_query("partNumber=1&uploadId=abc%2Fdef");
  r.headers = {{"content-length", "13"},
               {"host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"},
               {"x-cos-meta-a", "hello world"},
               {"user-agent", "not signed"}};
  return r;
}

std::string cos_auth(const std::string& key_time, const std::string& signature) {
  return "q-sign-algorithm=sha1&q-ak=AKIDtest&q-sign-time=" + key_time + "&q-key-time=" + key_time +
         "&q-header-list=content-length;host;x-cos-meta-a&q-url-param-list=" +
         "partnumber;uploadid&q-signature=" + signature;
}

std::optional<std::string> lookup(const std::string& id) {
  if (id == "AKIDtest") return std::string("testSecretKey");
  if (id == "AKIDaws") return std::string("wJalrTestKey");
  return std::nullopt;
}

TEST(CosV5, MatchesIndependentVector) {
  EXPECT_EQ(cos_v5_signature("testSecretKey", "1700000000;1700003600", "1700000000;1700003600",
                             "/folder/my file.txt", "content-length;host;x-cos-meta-a",
                             "partnumber;uploadid", cos_put()),
            "4a714fad0055d245ed53e22fb8e09b13b4f86938");
}

TEST(CosV5, VerifiesHeaderForm) {
  SignedRequest r = cos_put();
  r.headers["authorization"] =
      cos_auth("1700000000;1700003600", "4a714fad0055d245ed53e22fb8e09b13b4f86938");
  auto ok = verify_signature(r, lookup, 1700000100);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->secret_id, "AKIDtest");
  // Headers outside q-header-list may change freely.
  r.headers["user-agent"] = "another";
  EXPECT_TRUE(verify_signature(r, lookup, 1700000100).ok());
}

TEST(CosV5, VerifiesQueryForm) {
  SignedRequest r = cos_put();
  r.query = parse_query(
      "partNumber=1&uploadId=abc%2Fdef&q-sign-algorithm=sha1&q-ak=AKIDtest&q-sign-time="
      "1700000000%3B1700003600&q-key-time=1700000000%3B1700003600&q-header-list=content-length%3B"
      "host%3Bx-cos-meta-a&q-url-param-list=partnumber%3Buploadid&q-signature="
      "4a714fad0055d245ed53e22fb8e09b13b4f86938");
  auto ok = verify_signature(r, lookup, 1700000100);
  EXPECT_TRUE(ok.ok()) << ok.error().message;
}

TEST(CosV5, RejectsExpiredTamperedAndUnknown) {
  SignedRequest r = cos_put();
  r.headers["authorization"] =
      cos_auth("1700000000;1700003600", "4a714fad0055d245ed53e22fb8e09b13b4f86938");
  auto expired = verify_signature(r, lookup, 1700003601);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, "AccessDenied");
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);

  auto skewed = verify_signature(r, lookup, 1700000000 - 3600);
  ASSERT_FALSE(skewed.ok());
  EXPECT_EQ(skewed.error().code, "RequestTimeTooSkewed");

  SignedRequest other_method = r;
  other_method.method = "DELETE";
  EXPECT_EQ(verify_signature(other_method, lookup, 1700000100).error().code,
            "SignatureDoesNotMatch");
  SignedRequest other_path = r;
  other_path.cos_paths = {"/folder/other.txt"};
  EXPECT_EQ(verify_signature(other_path, lookup, 1700000100).error().code, "SignatureDoesNotMatch");
  SignedRequest other_header = r;
  other_header.headers["x-cos-meta-a"] = "changed";
  EXPECT_EQ(verify_signature(other_header, lookup, 1700000100).error().code,
            "SignatureDoesNotMatch");

  SignedRequest unknown = r;
  unknown.headers["authorization"] =
      "q-sign-algorithm=sha1&q-ak=AKIDnobody&q-sign-time="
      "1700000000;1700003600&q-key-time=1700000000;1700003600"
      "&q-header-list=&q-url-param-list=&q-signature=00";
  EXPECT_EQ(verify_signature(unknown, lookup, 1700000100).error().code, "InvalidAccessKeyId");

  SignedRequest unsigned_req = cos_put();
  EXPECT_EQ(verify_signature(unsigned_req, lookup, 1700000100).error().code, "AccessDenied");
}

SignedRequest aws_get() {
  SignedRequest r;
  r.method = "GET";
  r.raw_path = "/photos-1250000000/a%20b.txt";
  r.query = parse_query("prefix=x%20y&list-type=2");
  r.headers = {{"host", "127.0.0.1:9002"},
               {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"},
               {"x-amz-date", "20240102T030405Z"}};
  return r;
}

TEST(SigV4, MatchesIndependentVector) {
  EXPECT_EQ(sigv4_signature("wJalrTestKey", "20240102T030405Z",
                            "20240102/ap-guangzhou/s3/aws4_request", "/photos-1250000000/a%20b.txt",
                            "host;x-amz-content-sha256;x-amz-date", "UNSIGNED-PAYLOAD", aws_get()),
            "fedc1abc2b3aac4729f057aece6430617b9823b76631f602330a0c7a50d0d6db");
}

TEST(SigV4, VerifiesHeaderFormAndChecksTime) {
  SignedRequest r = aws_get();
  r.headers["authorization"] =
      "AWS4-HMAC-SHA256 Credential=AKIDaws/20240102/ap-guangzhou/s3/aws4_request, "
      "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
      "Signature=fedc1abc2b3aac4729f057aece6430617b9823b76631f602330a0c7a50d0d6db";
  auto ok = verify_signature(r, lookup, kAmzTime + 60);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->scheme, Authenticated::Scheme::kSigV4);
  EXPECT_FALSE(ok->aws_chunked);
  EXPECT_EQ(verify_signature(r, lookup, kAmzTime + 3600).error().code, "RequestTimeTooSkewed");
  SignedRequest other = r;
  other.raw_path = "/photos-1250000000/other";
  EXPECT_EQ(verify_signature(other, lookup, kAmzTime).error().code, "SignatureDoesNotMatch");
}

TEST(SigV4, PresignedQueryExpires) {
  SignedRequest r = aws_get();
  r.headers.erase("x-amz-content-sha256");
  r.headers.erase("x-amz-date");
  r.query = parse_query(
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDaws%2F20240102%2Fap-guangzhou%2Fs3%2F"
      "aws4_request&X-Amz-Date=20240102T030405Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host");
  SignedRequest for_sig = r;
  const std::string sig =
      sigv4_signature("wJalrTestKey", "20240102T030405Z", "20240102/ap-guangzhou/s3/aws4_request",
                      r.raw_path, "host", "UNSIGNED-PAYLOAD", for_sig);
  r.query.push_back({"X-Amz-Signature", sig, "X-Amz-Signature", sig, true});
  EXPECT_TRUE(verify_signature(r, lookup, kAmzTime + 100).ok());
  auto expired = verify_signature(r, lookup, kAmzTime + 301);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, "AccessDenied");
}

TEST(SigV4, ParsesAmzDate) {
  EXPECT_EQ(parse_amz_date("20240102T030405Z"), kAmzTime);
  EXPECT_FALSE(parse_amz_date("2024-01-02T03:04:05Z"));
}

}  // namespace
}  // namespace yunfn::cos
