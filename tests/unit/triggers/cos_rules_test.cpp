// Tests for the cos trigger's rules (triggers/cos/cos_rules.h): bucket domains,
// TriggerDesc, matching, SCF's conflict rule and the event JSON.
#include "triggers/cos/cos_rules.h"

#include <gtest/gtest.h>

#include "common/json.h"
#include "../test_support.h"

namespace yunfn::triggers::cos_rules {
namespace {

using test_support::fails_exactly;
using test_support::fails_with;
constexpr std::string_view kBadName = "InvalidParameterValue.TriggerName";
constexpr std::string_view kBadDesc = "InvalidParameterValue.TriggerDesc";

Rule rule(const std::string& event, const std::string& prefix = "", const std::string& suffix = "") {
  return Rule{event, prefix, suffix, ""};
}

TEST(CosRules, ADomainNamesBucketAppidAndRegion) {
  auto d = parse_domain("photos-1250000000.cos.ap-guangzhou.myqcloud.com");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->name, "photos");
  EXPECT_EQ(d->appid, "1250000000");
  EXPECT_EQ(d->region, "ap-guangzhou");
  EXPECT_EQ(d->bucket(), "photos-1250000000");
  auto dashed = parse_domain("my-raw-images-1250000000.cos.na-siliconvalley.myqcloud.com");
  ASSERT_TRUE(dashed.ok());
  EXPECT_EQ(dashed->name, "my-raw-images");
}

TEST(CosRules, NotADomainIsABadTriggerName) {
  for (const char* name : {"photos", "photos.cos.ap-guangzhou.myqcloud.com", "Photos-125.cos.ap-guangzhou.myqcloud.com",
                           "photos-125.cos.ap-guangzhou.example.com", "photos-125.cos.ap-guangzhou.myqcloud.com/x"}) {
    EXPECT_TRUE(fails_with(parse_domain(name), kBadName, name));
  }
}

TEST(CosRules, DescIsParsedAndStoredWithBothFilters) {
  auto r = parse_rule(R"({"event":"cos:ObjectCreated:*","filter":{"Prefix":"in/","Suffix":".jpg"}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->event, "cos:ObjectCreated:*");
  EXPECT_EQ(r->prefix, "in/");
  EXPECT_EQ(r->suffix, ".jpg");
  EXPECT_EQ(rule_desc(*r), R"({"event":"cos:ObjectCreated:*","filter":{"Prefix":"in/","Suffix":".jpg"}})");
  auto bare = parse_rule(R"({"event":"cos:ObjectRemove:Delete"})");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(rule_desc(*bare), R"({"event":"cos:ObjectRemove:Delete","filter":{"Prefix":"","Suffix":""}})");
}

TEST(CosRules, BadDescsAreRefusedNamingTheProblem) {
  EXPECT_TRUE(fails_exactly(parse_rule("cos:ObjectCreated:*"), kBadDesc,
                            "TriggerDesc: not a JSON object"));
  EXPECT_TRUE(fails_exactly(parse_rule(R"({"filter":{}})"), kBadDesc,
                            "TriggerDesc: needs \"event\", a string"));
  EXPECT_TRUE(fails_with(parse_rule(R"({"event":"cos:ObjectRestore:Post"})"), kBadDesc, "cos:ObjectRestore:Post"));
  EXPECT_TRUE(fails_exactly(parse_rule(R"({"event":"cos:ObjectCreated:*","filter":{"Suffix":"jpg"}})"),
                            kBadDesc, "TriggerDesc: filter Suffix must start with '.'"));
  EXPECT_TRUE(fails_exactly(parse_rule(R"({"event":"cos:ObjectCreated:*","filter":{"Prefix":"a","Other":"b"}})"),
                            kBadDesc,
                            "TriggerDesc: unknown filter \"Other\" (one Prefix and one Suffix at most)"));
}

TEST(CosRules, MatchingTakesTheEventFamilyAndTheKeyFilters) {
  EXPECT_TRUE(matches(rule("cos:ObjectCreated:*"), "cos:ObjectCreated:Put", "a.jpg"));
  EXPECT_TRUE(matches(rule("cos:ObjectCreated:*"), "cos:ObjectCreated:CompleteMultipartUpload", "a"));
  EXPECT_FALSE(matches(rule("cos:ObjectCreated:*"), "cos:ObjectRemove:Delete", "a"));
  EXPECT_TRUE(matches(rule("cos:ObjectCreated:Copy"), "cos:ObjectCreated:Copy", "a"));
  EXPECT_FALSE(matches(rule("cos:ObjectCreated:Copy"), "cos:ObjectCreated:Put", "a"));
  EXPECT_TRUE(matches(rule("cos:ObjectCreated:*", "in/", ".jpg"), "cos:ObjectCreated:Put", "in/x/y.jpg"));
  EXPECT_FALSE(matches(rule("cos:ObjectCreated:*", "in/", ".jpg"), "cos:ObjectCreated:Put", "out/y.jpg"));
  EXPECT_FALSE(matches(rule("cos:ObjectCreated:*", "in/", ".jpg"), "cos:ObjectCreated:Put", "in/y.png"));
}

TEST(CosRules, RulesOverlapWhenOneEventCouldFireBoth) {
  // An unfiltered wildcard blocks every other created rule.
  EXPECT_TRUE(overlap(rule("cos:ObjectCreated:*"), rule("cos:ObjectCreated:Put", "in/", ".jpg")));
  EXPECT_FALSE(overlap(rule("cos:ObjectCreated:*"), rule("cos:ObjectRemove:*")));
  EXPECT_FALSE(overlap(rule("cos:ObjectCreated:Put"), rule("cos:ObjectCreated:Copy")));
  // Prefixes overlap when one starts the other; suffixes when one ends the other.
  EXPECT_TRUE(overlap(rule("cos:ObjectCreated:*", "in/"), rule("cos:ObjectCreated:*", "in/raw/")));
  EXPECT_FALSE(overlap(rule("cos:ObjectCreated:*", "in/"), rule("cos:ObjectCreated:*", "out/")));
  EXPECT_TRUE(overlap(rule("cos:ObjectCreated:*", "", ".jpg"), rule("cos:ObjectCreated:*", "", ".thumb.jpg")));
  EXPECT_FALSE(overlap(rule("cos:ObjectCreated:*", "", ".jpg"), rule("cos:ObjectCreated:*", "", ".png")));
  // Different prefixes but a suffix on one side only: still disjoint.
  EXPECT_FALSE(overlap(rule("cos:ObjectCreated:*", "a/", ".jpg"), rule("cos:ObjectCreated:*", "b/")));
}

TEST(CosRules, TheEventHasSCFsFields) {
  cos::ObjectEvent e;
  e.seq = 42;
  e.event_name = "cos:ObjectCreated:Put";
  e.bucket = "photos-1250000000";
  e.key = "in/a b.jpg";
  e.size = 1029;
  e.content_type = "image/jpeg";
  e.request_id = "req-1";
  e.source_ip = "127.0.0.1";
  e.authorization = "q-sign-algorithm=sha1&x";
  e.meta = {{"x-cos-meta-mykey", "myvalue"}};
  e.event_time = 1545205770;
  BucketDomain b{"photos", "1250000000", "ap-guangzhou"};
  auto j = Json::parse(cos_event(e, b, "qcs:0:scf:gz:appid/1250000000:default.fn.$LATEST"));
  const Json& r = j["Records"][0];
  EXPECT_EQ(r["cos"]["cosSchemaVersion"], "1.0");
  EXPECT_EQ(r["cos"]["cosObject"]["url"], "http://photos-1250000000.cos.ap-guangzhou.myqcloud.com/in/a%20b.jpg");
  EXPECT_EQ(r["cos"]["cosObject"]["key"], "/1250000000/photos/in/a b.jpg");
  EXPECT_EQ(r["cos"]["cosObject"]["size"], 1029);
  EXPECT_EQ(r["cos"]["cosObject"]["vid"], "");
  EXPECT_EQ(r["cos"]["cosObject"]["meta"]["x-cos-request-id"], "req-1");
  EXPECT_EQ(r["cos"]["cosObject"]["meta"]["Content-Type"], "image/jpeg");
  EXPECT_EQ(r["cos"]["cosObject"]["meta"]["x-cos-meta-mykey"], "myvalue");
  EXPECT_EQ(r["cos"]["cosBucket"], (Json{{"region", "gz"}, {"s3Region", "ap-guangzhou"}, {"name", "photos"},
                                          {"appid", "1250000000"}}));
  EXPECT_EQ(r["cos"]["cosNotificationId"], "unkown");
  EXPECT_EQ(r["event"]["eventName"], "cos:ObjectCreated:Put");
  EXPECT_EQ(r["event"]["eventVersion"], "1.0");
  EXPECT_EQ(r["event"]["eventTime"], 1545205770);
  EXPECT_EQ(r["event"]["eventSource"], "qcs::cos");
  EXPECT_EQ(r["event"]["requestParameters"]["requestSourceIP"], "127.0.0.1");
  EXPECT_EQ(r["event"]["requestParameters"]["requestHeaders"]["Authorization"], "q-sign-algorithm=sha1&x");
  EXPECT_EQ(r["event"]["eventQueue"], "qcs:0:scf:gz:appid/1250000000:default.fn.$LATEST");
  EXPECT_EQ(r["event"]["reservedInfo"], "");
  EXPECT_EQ(r["event"]["reqid"], 42);
}

TEST(CosRules, AnExternalBucketIsKeptInTheStoredDesc) {
  auto r = parse_rule(R"({"event":"cos:ObjectRemove:*","yunfnExternal":{"bucket":"images"}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->external_bucket, "images");
  EXPECT_EQ(rule_desc(*r),
            R"({"event":"cos:ObjectRemove:*","filter":{"Prefix":"","Suffix":""},"yunfnExternal":{"bucket":"images"}})");
  // Events only an external store produces are accepted for it alone.
  EXPECT_TRUE(parse_rule(R"({"event":"cos:ObjectRestore:Post","yunfnExternal":{"bucket":"images"}})").ok());
  EXPECT_TRUE(fails_with(parse_rule(R"({"event":"cos:ObjectRemove:DeleteMarkerCreated"})"), kBadDesc,
                         "cos:ObjectRemove:DeleteMarkerCreated"));
}

TEST(CosRules, BadExternalBucketsAreRefusedNamingTheField) {
  EXPECT_TRUE(fails_exactly(parse_rule(R"({"event":"cos:ObjectCreated:*","yunfnExternal":"images"})"), kBadDesc,
                            "TriggerDesc: \"yunfnExternal\" is not an object"));
  EXPECT_TRUE(fails_exactly(parse_rule(R"({"event":"cos:ObjectCreated:*","yunfnExternal":{}})"), kBadDesc,
                            "TriggerDesc: \"yunfnExternal\" needs \"bucket\", the bucket's name in the external store"));
  EXPECT_TRUE(fails_exactly(
      parse_rule(R"({"event":"cos:ObjectCreated:*","yunfnExternal":{"bucket":"a","region":"x"}})"), kBadDesc,
      "TriggerDesc: unknown field \"yunfnExternal.region\" (only \"bucket\")"));
  EXPECT_TRUE(fails_exactly(parse_rule(R"({"event":"cos:ObjectCreated:*","yunfnExternal":{"bucket":"a/b"}})"),
                            kBadDesc, "TriggerDesc: yunfnExternal.bucket holds a '/' or a control character"));
  EXPECT_TRUE(fails_with(parse_rule(R"({"event":"cos:ObjectAccessed:Get","yunfnExternal":{"bucket":"a"}})"),
                         kBadDesc, "cos:ObjectAccessed:Get"));
}

TEST(CosRules, TheInvocationNamesTheFunctionInEventQueue) {
  cos::ObjectEvent e;
  e.event_name = "cos:ObjectCreated:Put";
  e.key = "a.txt";
  store::TriggerRecord t;
  t.ns = "prod";
  t.function_name = "thumbs";
  t.qualifier = "2";
  auto req = cos_invocation(e, BucketDomain{"photos", "1250000000", "ap-chengdu"}, t, "rid-1");
  EXPECT_EQ(req.ns, "prod");
  EXPECT_EQ(req.function_name, "thumbs");
  EXPECT_EQ(req.qualifier, "2");
  EXPECT_EQ(req.request_id, "rid-1");
  EXPECT_EQ(Json::parse(req.event)["Records"][0]["event"]["eventQueue"],
            "qcs:0:scf:cd:appid/1250000000:prod.thumbs.2");
}

}  // namespace
}  // namespace yunfn::triggers::cos_rules
