// Tests for the apigw TriggerDesc: defaults, SCF's field spellings, the errors
// that name the field, normalisation, and the base64 rules.
#include "gateway/apigw_route.h"

#include <gtest/gtest.h>

namespace yunfn::gateway {
namespace {

ApigwRoute parse_ok(const std::string& desc) {
  auto r = parse_apigw_desc(desc);
  EXPECT_TRUE(r.ok()) << desc << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : ApigwRoute{};
}

std::string parse_error(const std::string& desc) {
  auto r = parse_apigw_desc(desc);
  EXPECT_FALSE(r.ok()) << desc;
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, "InvalidParameterValue.TriggerDesc");
  return r.error().message;
}

TEST(ApigwRoute, EmptyDescriptionTakesTheDefaults) {
  ApigwRoute r = parse_ok("");
  EXPECT_EQ(r.method, "ANY");
  EXPECT_EQ(r.path, "/");
  EXPECT_TRUE(r.segments.empty());
  EXPECT_FALSE(r.exact);
  EXPECT_TRUE(r.integrated_response);
  EXPECT_FALSE(r.base64_all);
  EXPECT_FALSE(r.cors);
  EXPECT_EQ(r.service_timeout_s, 15);
  EXPECT_EQ(r.environment, "release");
}

TEST(ApigwRoute, ReadsScfFields) {
  ApigwRoute r = parse_ok(R"({"api":{"authRequired":"FALSE",
      "requestConfig":{"method":"post","path":"/blog/{id}/comments"},
      "isIntegratedResponse":"FALSE","IsBase64Encoded":true,"enableCORS":"TRUE",
      "serviceTimeout":30},"release":{"environmentName":"test"}})");
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/blog/{id}/comments");
  EXPECT_EQ(r.segments, (std::vector<std::string>{"blog", "{id}", "comments"}));
  EXPECT_FALSE(r.integrated_response);
  EXPECT_TRUE(r.base64_all);
  EXPECT_TRUE(r.cors);
  EXPECT_EQ(r.service_timeout_s, 30);
  EXPECT_EQ(r.environment, "test");
}

TEST(ApigwRoute, EqualsSignAsksForAnExactMatch) {
  ApigwRoute r = parse_ok(R"({"api":{"requestConfig":{"path":"=/users"}}})");
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.path, "/users");
  // Normalised back with the '=' kept.
  EXPECT_EQ(apigw_desc_json(r)["api"]["requestConfig"]["path"], "=/users");
}

TEST(ApigwRoute, ErrorsNameTheField) {
  EXPECT_NE(parse_error("not json").find("TriggerDesc"), std::string::npos);
  EXPECT_NE(parse_error(R"({"api":{"requestConfig":{"method":"FETCH"}}})").find("method"), std::string::npos);
  EXPECT_NE(parse_error(R"({"api":{"requestConfig":{"path":"blog"}}})").find("path"), std::string::npos);
  EXPECT_NE(parse_error(R"({"api":{"requestConfig":{"path":"/a//b"}}})").find("path"), std::string::npos);
  EXPECT_NE(parse_error(R"({"api":{"requestConfig":{"path":"/a/../b"}}})").find("path"), std::string::npos);
  EXPECT_NE(parse_error(R"({"api":{"requestConfig":{"path":"/a b"}}})").find("path"), std::string::npos);
  EXPECT_NE(parse_error(R"({"api":{"authRequired":"TRUE"}})").find("authRequired"), std::string::npos);
  EXPECT_NE(parse_error(R"({"api":{"serviceTimeout":0}})").find("serviceTimeout"), std::string::npos);
  EXPECT_NE(parse_error(R"({"api":{"serviceTimeout":1801}})").find("serviceTimeout"), std::string::npos);
  EXPECT_NE(parse_error(R"({"api":{"isIntegratedResponse":"maybe"}})").find("isIntegratedResponse"), std::string::npos);
  EXPECT_NE(parse_error(R"({"api":{"IsBase64Trigger":"TRUE"}})").find("Base64EncodedTriggerRules"), std::string::npos);
  EXPECT_NE(parse_error(R"({"release":{"environmentName":"prod"}})").find("environmentName"), std::string::npos);
}

TEST(ApigwRoute, NormalisedDescriptionParsesToTheSameRoute) {
  ApigwRoute r = parse_ok(R"({"api":{"requestConfig":{"method":"GET","path":"/x/{y}"},
      "IsBase64Trigger":"TRUE","Base64EncodedTriggerRules":[{"name":"Accept","value":["image/*"]}]}})");
  ApigwRoute again = parse_ok(apigw_desc_json(r).dump());
  EXPECT_EQ(again.method, "GET");
  EXPECT_EQ(again.segments, r.segments);
  ASSERT_EQ(again.base64_rules.size(), 1u);
  EXPECT_EQ(again.base64_rules[0].header, "Accept");
  EXPECT_TRUE(again.base64_by_rule);
}

TEST(ApigwRoute, Base64ByContentTypeOrAcceptRule) {
  ApigwRoute r = parse_ok(R"({"api":{"IsBase64Trigger":"TRUE","Base64EncodedTriggerRules":[
      {"name":"Content-Type","value":["image/png","application/octet-stream"]},
      {"name":"Accept","value":["image/*"]}]}})");
  EXPECT_TRUE(wants_base64(r, "image/png", ""));
  EXPECT_TRUE(wants_base64(r, "application/octet-stream; charset=binary", ""));
  EXPECT_FALSE(wants_base64(r, "text/plain", "text/html"));
  EXPECT_TRUE(wants_base64(r, "text/plain", "text/html, image/webp"));
  EXPECT_FALSE(wants_base64(r, "image/jpeg", ""));  // Content-Type rule lists png only
  ApigwRoute all = parse_ok(R"({"api":{"IsBase64Encoded":"TRUE"}})");
  EXPECT_TRUE(wants_base64(all, "text/plain", ""));
  EXPECT_FALSE(wants_base64(parse_ok(""), "image/png", "image/png"));
}

}  // namespace
}  // namespace yunfn::gateway
