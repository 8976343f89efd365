// Tests for the server-side TC3-HMAC-SHA256 verifier (api/tc3_auth.h): requests
// signed by common/tc3.h, and hard-coded Authorization values computed
// independently (Python hmac/hashlib) in the shapes real SDKs send.
#include "api/tc3_auth.h"

#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <string>

#include "common/tc3.h"

#include "../test_support.h"

namespace yunfn::api {
namespace {

using test_support::fails_exactly;

constexpr char kSecretId[] = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
constexpr char kSecretKey[] = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
constexpr int64_t kNow = 1551113065;  // 2019-02-25 16:44:25 UTC

const Credentials kCreds{kSecretId, kSecretKey};

// An HTTP request as the API endpoint sees it: headers by lowercase name.
struct FakeHttpRequest {
  std::string method = "POST";
  std::string query;
  std::string body;
  std::map<std::string, std::string> headers;

  Tc3Request view() const {
    return Tc3Request{method, query, body, [this](std::string_view name) {
                        auto it = headers.find(std::string(name));
                        return it == headers.end() ? std::string() : it->second;
                      }};
  }
};

// Signs `in` and returns the request a client would send with it.
FakeHttpRequest signed_request(const Tc3SignInput& in) {
  FakeHttpRequest req;
  req.method = in.method;
  req.query = in.query;
  req.body = in.body;
  req.headers["host"] = in.host;
  req.headers["content-type"] = in.content_type;
  req.headers["x-tc-action"] = in.action;
  req.headers["x-tc-version"] = "2018-04-16";
  req.headers["x-tc-timestamp"] = std::to_string(in.timestamp);
  if (in.payload == Tc3Payload::kUnsigned) req.headers["x-tc-content-sha256"] = "UNSIGNED-PAYLOAD";
  req.headers["authorization"] = tc3_authorization(in);
  return req;
}

Tc3SignInput default_input() {
  Tc3SignInput in;
  in.secret_id = kSecretId;
  in.secret_key = kSecretKey;
  in.service = "scf";
  in.host = "scf.tencentcloudapi.com";
  in.action = "ListFunctions";
  in.body = R"({"Namespace":"default","Limit":10})";
  in.timestamp = kNow;
  return in;
}

// The error code of a failed verification, or "OK".
std::string verify_code(const FakeHttpRequest& req, int64_t now = kNow,
                        const Credentials& creds = kCreds) {
  Status st = verify_tc3(req.view(), creds, now);
  return st.ok() ? "OK" : st.error().code;
}

TEST(Tc3AuthTest, AcceptsRequestSignedByClient) {
  EXPECT_EQ(verify_code(signed_request(default_input())), "OK");
}

TEST(Tc3AuthTest, AcceptsIndependentlyComputedAuthorization) {
  // Same request as default_input(); Authorization computed outside this code base.
  FakeHttpRequest req = signed_request(default_input());
  req.headers["authorization"] =
      "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/scf/"
      "tc3_request, SignedHeaders=content-type;host;x-tc-action, "
      "Signature=1d4ee11472bff0bc3f8809fe7f5bfe27abb587cf7a2e702d08c747394e9a0b0a";
  EXPECT_EQ(verify_code(req), "OK");
}

TEST(Tc3AuthTest, AcceptsNodeSdkShapeForLocalEndpoint) {
  // tencentcloud-sdk-nodejs with endpoint 127.0.0.1:9001: service "127", the Host
  // header carries the port, the signed host does not. Computed independently.
  FakeHttpRequest req;
  req.body = R"({"FunctionName":"hello"})";
  req.headers = {
      {"host", "127.0.0.1:9001"},
      {"content-type", "application/json"},
      {"x-tc-action", "GetFunction"},
      {"x-tc-timestamp", "1700000000"},
      {"authorization",
       "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2023-11-14/127/"
       "tc3_request, SignedHeaders=content-type;host, "
       "Signature=8d62556512e27a0913ddfa7d3c3947f2e718a1f4eda4c3d47f2de4975f97af2e"},
  };
  EXPECT_EQ(verify_code(req, 1700000000), "OK");
  req.body = R"({"FunctionName":"other"})";
  EXPECT_EQ(verify_code(req, 1700000000), "AuthFailure.SignatureFailure");
}

TEST(Tc3AuthTest, AcceptsHostSignedWithPort) {
  Tc3SignInput in = default_input();
  in.service = "127";
  in.host = "127.0.0.1:9001";
  EXPECT_EQ(verify_code(signed_request(in)), "OK");
}

TEST(Tc3AuthTest, AcceptsHostSignedWithoutPort) {
  Tc3SignInput in = default_input();
  in.service = "localhost:9001";
  in.host = "localhost";
  FakeHttpRequest req = signed_request(in);
  req.headers["host"] = "localhost:9001";
  EXPECT_EQ(verify_code(req), "OK");

  in.host = "[::1]";  // bracketed IPv6 literal with a port
  req = signed_request(in);
  req.headers["host"] = "[::1]:9001";
  EXPECT_EQ(verify_code(req), "OK");
}

TEST(Tc3AuthTest, RejectsOtherSignedHost) {
  Tc3SignInput in = default_input();
  in.host = "evil.example.com";
  FakeHttpRequest req = signed_request(in);
  req.headers["host"] = "scf.tencentcloudapi.com";
  EXPECT_EQ(verify_code(req), "AuthFailure.SignatureFailure");
  // A port is only dropped, never added or replaced.
  in.host = "127.0.0.1:9002";
  req = signed_request(in);
  req.headers["host"] = "127.0.0.1:9001";
  EXPECT_EQ(verify_code(req), "AuthFailure.SignatureFailure");
}

TEST(Tc3AuthTest, SigningKeyUsesServiceFromCredential) {
  Tc3SignInput in = default_input();
  in.service = "127";
  FakeHttpRequest req = signed_request(in);
  EXPECT_EQ(verify_code(req), "OK");
  // Claiming another service than the one signed with breaks the signature.
  std::string& auth = req.headers["authorization"];
  auth.replace(auth.find("/127/"), 5, "/scf/");
  EXPECT_EQ(verify_code(req), "AuthFailure.SignatureFailure");
}

TEST(Tc3AuthTest, RejectsWrongSecretKey) {
  Tc3SignInput in = default_input();
  in.secret_key = "not-the-key";
  EXPECT_EQ(verify_code(signed_request(in)), "AuthFailure.SignatureFailure");
}

TEST(Tc3AuthTest, RejectsTamperedRequest) {
  FakeHttpRequest req = signed_request(default_input());
  req.body = R"({"Namespace":"other","Limit":10})";
  EXPECT_EQ(verify_code(req), "AuthFailure.SignatureFailure");

  req = signed_request(default_input());
  req.headers["x-tc-action"] = "DeleteFunction";  // signed header
  EXPECT_EQ(verify_code(req), "AuthFailure.SignatureFailure");

  req = signed_request(default_input());
  req.headers["content-type"] = "text/plain";
  EXPECT_EQ(verify_code(req), "AuthFailure.SignatureFailure");

  req = signed_request(default_input());
  req.method = "GET";
  EXPECT_EQ(verify_code(req), "AuthFailure.SignatureFailure");
}

TEST(Tc3AuthTest, CanonicalisesHeaderValues) {
  FakeHttpRequest req = signed_request(default_input());
  req.headers["content-type"] = "  Application/JSON ";
  req.headers["host"] = "SCF.TencentCloudAPI.com";
  EXPECT_EQ(verify_code(req), "OK");
}

TEST(Tc3AuthTest, AcceptsUppercaseSignatureHex) {
  FakeHttpRequest req = signed_request(default_input());
  std::string& auth = req.headers["authorization"];
  std::size_t at = auth.find("Signature=") + 10;
  for (std::size_t i = at; i < auth.size(); ++i) auth[i] = static_cast<char>(std::toupper(auth[i]));
  EXPECT_EQ(verify_code(req), "OK");
}

TEST(Tc3AuthTest, TimestampSkewLimit) {
  FakeHttpRequest req = signed_request(default_input());
  EXPECT_EQ(verify_code(req, kNow + 300), "OK");
  EXPECT_EQ(verify_code(req, kNow - 300), "OK");
  EXPECT_EQ(verify_code(req, kNow + 301), "AuthFailure.SignatureExpire");
  EXPECT_EQ(verify_code(req, kNow - 301), "AuthFailure.SignatureExpire");
  EXPECT_TRUE(fails_exactly(verify_tc3(req.view(), kCreds, kNow + 3600),
                            "AuthFailure.SignatureExpire",
                            "X-TC-Timestamp 1551113065 is 3600 s away from server time 1551116665; "
                            "at most 300 s is allowed"));
}

TEST(Tc3AuthTest, RejectsCredentialDateOtherThanTimestampDate) {
  // Signed correctly but with the scope date of the previous day.
  Tc3SigningParts parts;
  parts.method = "POST";
  parts.headers = {{"content-type", "application/json"}, {"host", "scf.tencentcloudapi.com"}};
  parts.hashed_payload = tc3_hashed_payload("{}", Tc3Payload::kSigned);
  parts.timestamp = kNow;
  parts.date = "2019-02-24";
  parts.service = "scf";
  FakeHttpRequest req;
  req.body = "{}";
  req.headers = {
      {"host", "scf.tencentcloudapi.com"},
      {"content-type", "application/json"},
      {"x-tc-timestamp", std::to_string(kNow)},
      {"authorization", "TC3-HMAC-SHA256 Credential=" + std::string(kSecretId) +
                            "/2019-02-24/scf/tc3_request, SignedHeaders=content-type;host, "
                            "Signature=" +
                            tc3_signature(kSecretKey, parts)}};
  Status st = verify_tc3(req.view(), kCreds, kNow);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "AuthFailure.SignatureFailure");
  EXPECT_NE(st.error().message.find("2019-02-25"), std::string::npos) << st.error().message;

  // The same parts with the right date verify.
  parts.date = "2019-02-25";
  req.headers["authorization"] = "TC3-HMAC-SHA256 Credential=" + std::string(kSecretId) +
                                 "/2019-02-25/scf/tc3_request, SignedHeaders=content-type;host, "
                                 "Signature=" +
                                 tc3_signature(kSecretKey, parts);
  EXPECT_EQ(verify_code(req), "OK");
}

TEST(Tc3AuthTest, RejectsUnknownSecretId) {
  Tc3SignInput in = default_input();
  in.secret_id = "AKIDsomeoneelse";
  EXPECT_EQ(verify_code(signed_request(in)), "AuthFailure.SecretIdNotFound");
}

TEST(Tc3AuthTest, UnsignedPayload) {
  // The SDKs' shape: hash of the literal UNSIGNED-PAYLOAD. Computed independently.
  FakeHttpRequest req;
  req.body = R"({"Namespace":"default","Limit":10})";
  req.headers = {
      {"host", "scf.tencentcloudapi.com"},
      {"content-type", "application/json"},
      {"x-tc-timestamp", std::to_string(kNow)},
      {"x-tc-content-sha256", "UNSIGNED-PAYLOAD"},
      {"authorization",
       "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/scf/"
       "tc3_request, SignedHeaders=content-type;host, "
       "Signature=4a9e4cf36d094fb173706b263b5a8dea0493b0ef9d9c851b59922a6ae879d557"},
  };
  EXPECT_EQ(verify_code(req), "OK");
  req.body = "a body the signature does not cover";
  EXPECT_EQ(verify_code(req), "OK");
  // Without the header the body must be signed.
  req.headers.erase("x-tc-content-sha256");
  EXPECT_EQ(verify_code(req), "AuthFailure.SignatureFailure");
}

TEST(Tc3AuthTest, UnsignedPayloadLiteralForm) {
  // The published step list writes HashedRequestPayload as the literal itself.
  Tc3SigningParts parts;
  parts.method = "POST";
  parts.headers = {{"content-type", "application/json"}, {"host", "scf.tencentcloudapi.com"}};
  parts.hashed_payload = "UNSIGNED-PAYLOAD";
  parts.timestamp = kNow;
  parts.date = "2019-02-25";
  parts.service = "scf";
  FakeHttpRequest req;
  req.body = "anything";
  req.headers = {
      {"host", "scf.tencentcloudapi.com"},
      {"content-type", "application/json"},
      {"x-tc-timestamp", std::to_string(kNow)},
      {"x-tc-content-sha256", "UNSIGNED-PAYLOAD"},
      {"authorization", "TC3-HMAC-SHA256 Credential=" + std::string(kSecretId) +
                            "/2019-02-25/scf/tc3_request, SignedHeaders=content-type;host, "
                            "Signature=" +
                            tc3_signature(kSecretKey, parts)}};
  EXPECT_EQ(verify_code(req), "OK");
}

TEST(Tc3AuthTest, GetRequestSignsRawQuery) {
  // Computed independently.
  FakeHttpRequest req;
  req.method = "GET";
  req.query = "Limit=10&Offset=0";
  req.headers = {
      {"host", "scf.tencentcloudapi.com"},
      {"content-type", "application/x-www-form-urlencoded"},
      {"x-tc-timestamp", std::to_string(kNow)},
      {"authorization",
       "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/scf/"
       "tc3_request, SignedHeaders=content-type;host, "
       "Signature=0f757cae054ea05febce41b1e5559e6e5224c6ec942e7e296814d25acd70ecbb"},
  };
  EXPECT_EQ(verify_code(req), "OK");
  req.query = "Limit=20&Offset=0";
  EXPECT_EQ(verify_code(req), "AuthFailure.SignatureFailure");
}

TEST(Tc3AuthTest, PostIgnoresQueryString) {
  FakeHttpRequest req = signed_request(default_input());
  req.query = "x=1";
  EXPECT_EQ(verify_code(req), "OK");
}

TEST(Tc3AuthTest, MissingHeaders) {
  FakeHttpRequest req = signed_request(default_input());
  req.headers.erase("authorization");
  EXPECT_EQ(verify_code(req), "AuthFailure.InvalidAuthorization");

  req = signed_request(default_input());
  req.headers.erase("x-tc-timestamp");
  EXPECT_EQ(verify_code(req), "AuthFailure.InvalidAuthorization");

  for (const char* bad : {"abc", "-5", "+1551113065", "1551113065.0", "99999999999999999999"}) {
    req = signed_request(default_input());
    req.headers["x-tc-timestamp"] = bad;
    EXPECT_EQ(verify_code(req), "AuthFailure.InvalidAuthorization") << bad;
  }
}

TEST(Tc3AuthTest, RejectsMalformedAuthorization) {
  const std::string cred = "Credential=AKIDx/2019-02-25/scf/tc3_request";
  const std::string sig = "Signature=" + std::string(64, 'a');
  const std::string sh = "SignedHeaders=content-type;host";
  const std::string cases[] = {
      "Bearer token",
      "TC3-HMAC-SHA256",
      "TC3-HMAC-SHA1 " + cred + ", " + sh + ", " + sig,
      "TC3-HMAC-SHA256" + cred + ", " + sh + ", " + sig,                 // no space after algorithm
      "TC3-HMAC-SHA256 " + sh + ", " + sig,                              // no Credential
      "TC3-HMAC-SHA256 " + cred + ", " + sig,                            // no SignedHeaders
      "TC3-HMAC-SHA256 " + cred + ", " + sh,                             // no Signature
      "TC3-HMAC-SHA256 " + cred + ", " + cred + ", " + sh + ", " + sig,  // repeated field
      "TC3-HMAC-SHA256 " + cred + ", " + sh + ", " + sig + ", Extra=1",  // unknown field
      "TC3-HMAC-SHA256 " + cred + " " + sh + ", " + sig,                 // missing comma
      "TC3-HMAC-SHA256 Credential=AKIDx/2019-02-25/scf, " + sh + ", " + sig,
      "TC3-HMAC-SHA256 Credential=AKIDx/2019-2-25/scf/tc3_request, " + sh + ", " + sig,
      "TC3-HMAC-SHA256 Credential=AKIDx/2019-02-25/scf/tc4_request, " + sh + ", " + sig,
      "TC3-HMAC-SHA256 Credential=AKIDx/2019-02-25//tc3_request, " + sh + ", " + sig,
      "TC3-HMAC-SHA256 Credential=/2019-02-25/scf/tc3_request, " + sh + ", " + sig,
      "TC3-HMAC-SHA256 Credential=///, " + sh + ", " + sig,
      "TC3-HMAC-SHA256 " + cred + ", SignedHeaders=host, " + sig,          // no content-type
      "TC3-HMAC-SHA256 " + cred + ", SignedHeaders=content-type, " + sig,  // no host
      "TC3-HMAC-SHA256 " + cred + ", SignedHeaders=Content-Type;Host, " + sig,
      "TC3-HMAC-SHA256 " + cred + ", SignedHeaders=content-type;;host, " + sig,
      "TC3-HMAC-SHA256 " + cred + ", SignedHeaders=content-type;host;host, " + sig,
      "TC3-HMAC-SHA256 " + cred + ", " + sh + ", Signature=abc",
      "TC3-HMAC-SHA256 " + cred + ", " + sh + ", Signature=" + std::string(64, 'g'),
      "TC3-HMAC-SHA256 " + cred + ", " + sh + ", Signature=" + std::string(65, 'a'),
      "TC3-HMAC-SHA256 " + cred + ", " + sh + ", " + sig + std::string(5000, ' ') + "x",
  };
  for (const std::string& value : cases) {
    Result<Tc3Authorization> parsed = parse_tc3_authorization(value);
    ASSERT_FALSE(parsed.ok()) << value;
    EXPECT_EQ(parsed.error().code, "AuthFailure.InvalidAuthorization") << value;
    EXPECT_FALSE(parsed.error().message.empty());

    FakeHttpRequest req = signed_request(default_input());
    req.headers["authorization"] = value;
    EXPECT_EQ(verify_code(req), "AuthFailure.InvalidAuthorization") << value;
  }
}

TEST(Tc3AuthTest, MalformedMessagesNameTheProblem) {
  auto message = [](const std::string& value) {
    return parse_tc3_authorization(value).error().message;
  };
  EXPECT_NE(message("").find("missing"), std::string::npos);
  EXPECT_NE(
      message("TC3-HMAC-SHA256 Credential=a/b/c/tc3_request, SignedHeaders=content-type;host, "
              "Signature=" +
              std::string(64, '0'))
          .find("date"),
      std::string::npos);
  EXPECT_NE(message("TC3-HMAC-SHA256 Credential=a/2019-02-25/scf/tc3_request, SignedHeaders=host, "
                    "Signature=" +
                    std::string(64, '0'))
                .find("content-type"),
            std::string::npos);
}

TEST(Tc3AuthTest, ParsesAuthorizationFields) {
  Result<Tc3Authorization> parsed = parse_tc3_authorization(
      "  TC3-HMAC-SHA256   Credential=AKID/with/slash/2023-11-14/localhost:9001/tc3_request ,"
      "SignedHeaders=content-type;host;x-tc-action,  Signature=" +
      std::string(64, 'A'));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->secret_id, "AKID/with/slash");
  EXPECT_EQ(parsed->date, "2023-11-14");
  EXPECT_EQ(parsed->service, "localhost:9001");
  EXPECT_EQ(parsed->signed_headers,
            (std::vector<std::string>{"content-type", "host", "x-tc-action"}));
  EXPECT_EQ(parsed->signature, std::string(64, 'a'));
}

}  // namespace
}  // namespace yunfn::api

namespace yunfn::api {
namespace {

// The header-only check refuses what cannot be authentic before a body is read.
std::string precheck_code(const FakeHttpRequest& req, int64_t now = kNow) {
  Status st = precheck_tc3(req.view().header, kCreds, now);
  return st.ok() ? "OK" : st.error().code;
}

TEST(Tc3PrecheckTest, PassesASignedRequestWithoutLookingAtTheBody) {
  FakeHttpRequest req = signed_request(default_input());
  req.body = "a body the signature does not cover";
  EXPECT_EQ(precheck_code(req), "OK");
  EXPECT_EQ(verify_code(req), "AuthFailure.SignatureFailure");
}

TEST(Tc3PrecheckTest, RefusesWhatCannotBeAuthentic) {
  FakeHttpRequest unsigned_req = signed_request(default_input());
  unsigned_req.headers.erase("authorization");
  EXPECT_EQ(precheck_code(unsigned_req), "AuthFailure.InvalidAuthorization");
  Tc3SignInput other = default_input();
  other.secret_id = "AKIDsomeoneelse";
  EXPECT_EQ(precheck_code(signed_request(other)), "AuthFailure.SecretIdNotFound");
  EXPECT_EQ(precheck_code(signed_request(default_input()), kNow + 301), "AuthFailure.SignatureExpire");
}

}  // namespace
}  // namespace yunfn::api
