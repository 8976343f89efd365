// Tests for the request target checks, the API-gateway event and the
// integration response.
#include "gateway/apigw_event.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "../test_support.h"

namespace yunfn::gateway {
namespace {

using test_support::fails_exactly;

TEST(ParseTarget, SplitsAndDecodes) {
  auto t = parse_target("/default/fn/a%20b/c/?x=1&y");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->path, "/default/fn/a%20b/c/");
  EXPECT_EQ(t->segments, (std::vector<std::string>{"default", "fn", "a b", "c"}));
  EXPECT_EQ(t->query, "x=1&y");
}

TEST(ParseTarget, RefusesTraversalAndBadEscapes) {
  const std::string kNotAPath = "the request target must be a path starting with '/'";
  const std::string kBadEscape = "the request path has a malformed %-escape";
  const std::string kBadSegment =
      "the request path must not contain '.', '..' or encoded '/' segments";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/default/fn/../x", kBadSegment},
      {"/default/fn/./x", kBadSegment},
      {"/default/fn/%2e%2e/x", kBadSegment},
      {"/default/fn/a%2fb", kBadSegment},
      {"/a%00b", kBadSegment},  // an encoded NUL
      {"/default/fn/%zz", kBadEscape},
      {"/default/fn/%4", kBadEscape},
      {"http://h/x", kNotAPath},
      {"*", kNotAPath},
      {"/a\tb", "the request target has control characters"},
  };
  for (const auto& [bad, message] : cases) {
    EXPECT_TRUE(fails_exactly(parse_target(bad), "BadRequest", message)) << bad;
  }
}

TEST(PercentDecode, FormModeTurnsPlusIntoSpace) {
  EXPECT_EQ(*percent_decode("a+b%2Bc", true), "a b+c");
  EXPECT_EQ(*percent_decode("a+b", false), "a+b");
  EXPECT_FALSE(percent_decode("%", false).has_value());
}

RouteEntry route_entry(const std::string& desc) {
  RouteEntry e;
  e.trigger.name = "t";
  e.route = *parse_apigw_desc(desc);
  return e;
}

TEST(ApigwEvent, CarriesEveryField) {
  RouteEntry e = route_entry(R"({"api":{"requestConfig":{"path":"/blog/{id}"}}})");
  RouteMatch m{&e, {{"id", "42"}}};
  ApigwRequest req;
  req.method = "POST";
  req.path = "/blog/42";
  req.query = "a=1&a=2&flag&s=x%20y";
  req.headers = {{"Content-Type", "text/plain"}, {"X-Multi", "1"}, {"x-multi", "2"}};
  req.body = "hello";
  req.source_ip = "10.0.0.1";
  req.request_id = "rid";
  req.service_id = "service-1";
  Json ev = Json::parse(apigw_event(req, m, false));
  EXPECT_EQ(ev["httpMethod"], "POST");
  EXPECT_EQ(ev["path"], "/blog/42");
  EXPECT_EQ(ev["body"], "hello");
  EXPECT_EQ(ev["isBase64Encoded"], false);
  EXPECT_EQ(ev["pathParameters"]["id"], "42");
  EXPECT_EQ(ev["headers"]["content-type"], "text/plain");
  EXPECT_EQ(ev["headers"]["x-multi"], "1,2");
  EXPECT_EQ(ev["queryString"]["a"], Json::array({"1", "2"}));
  EXPECT_EQ(ev["queryString"]["flag"], true);
  EXPECT_EQ(ev["queryString"]["s"], "x y");
  EXPECT_EQ(ev["queryStringParameters"]["a"], "2");
  EXPECT_EQ(ev["requestContext"]["path"], "/blog/{id}");
  EXPECT_EQ(ev["requestContext"]["requestId"], "rid");
  EXPECT_EQ(ev["requestContext"]["sourceIp"], "10.0.0.1");
  EXPECT_EQ(ev["requestContext"]["stage"], "release");
  EXPECT_EQ(ev["requestContext"]["serviceId"], "service-1");
  EXPECT_TRUE(ev["headerParameters"].is_object());
  EXPECT_EQ(ev["stageVariables"]["stage"], "release");
}

TEST(ApigwEvent, BinaryBodyTravelsBase64) {
  RouteEntry e = route_entry("");
  RouteMatch m{&e, {}};
  ApigwRequest req;
  req.method = "PUT";
  req.path = "/";
  req.body = std::string("\x00\xff\x10", 3);
  Json ev = Json::parse(apigw_event(req, m, true));
  EXPECT_EQ(ev["body"], "AP8Q");
  EXPECT_EQ(ev["isBase64Encoded"], true);
}

TEST(IntegrationReply, ValidShape) {
  auto r = integration_reply(R"({"statusCode":201,"headers":{"X-A":["1","2"],"Content-Type":"text/html","N":5},"body":"<p>"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "<p>");
  std::vector<std::pair<std::string, std::string>> want = {
      {"Content-Type", "text/html"}, {"N", "5"}, {"X-A", "1"}, {"X-A", "2"}};
  EXPECT_EQ(r->headers, want);
}

TEST(IntegrationReply, Base64BodyIsDecoded) {
  auto r = integration_reply(R"({"statusCode":200,"isBase64Encoded":true,"body":"AP8Q"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, std::string("\x00\xff\x10", 3));
}

TEST(IntegrationReply, BadShapesAreRefused) {
  const std::string kNotAnObject = "the function did not return an object";
  const std::string kNoStatus = "statusCode is missing or not an integer";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"("just a string")", kNotAnObject},
      {"not json", kNotAnObject},
      {R"({"body":"x"})", kNoStatus},
      {R"({"statusCode":"200"})", kNoStatus},
      {R"({"statusCode":99})", "statusCode is not an HTTP status"},
      {R"({"statusCode":200,"headers":[]})", "headers is not an object"},
      {R"({"statusCode":200,"headers":{"X":"a\r\nSet-Cookie: y"}})",
       "header X has CR, LF or NUL in its value"},
      {R"({"statusCode":200,"headers":{"Bad Name":"v"}})", "header name 'Bad Name' is invalid"},
      {R"({"statusCode":200,"headers":{"X":{"o":1}}})",
       "header X has a value that is not a string"},
      {R"({"statusCode":200,"isBase64Encoded":true,"body":"***"})",
       "body is not base64 although isBase64Encoded is true"},
  };
  for (const auto& [bad, message] : cases) {
    EXPECT_TRUE(fails_exactly(integration_reply(bad), "InvalidIntegrationResponse", message))
        << bad;
  }
  GatewayReply r = invalid_integration_reply();
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(Json::parse(r.body)["errno"], 403);
}

TEST(ScfErrorBody, TakesTheUserErrorMessage) {
  Json b = Json::parse(scf_error_body(430, R"({"errorMessage":"boom","errorType":"ValueError","stackTrace":"..."})", "rid"));
  EXPECT_EQ(b["errorCode"], 430);
  EXPECT_EQ(b["statusCode"], 430);
  EXPECT_EQ(b["errorMessage"], "boom");
  EXPECT_EQ(b["errorType"], "ValueError");
  EXPECT_EQ(b["requestId"], "rid");
  Json p = Json::parse(scf_error_body(433, "Invoking task timed out after 1 seconds", "r2"));
  EXPECT_EQ(p["errorMessage"], "Invoking task timed out after 1 seconds");
}

}  // namespace
}  // namespace yunfn::gateway
