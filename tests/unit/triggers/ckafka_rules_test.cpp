// Tests for the ckafka trigger's rules (triggers/ckafka/ckafka_rules.h) and
// cluster flags (kafka_clusters.h): TriggerName, TriggerDesc, the event JSON.
#include "triggers/ckafka/ckafka_rules.h"

#include <gtest/gtest.h>

#include "common/json.h"
#include "triggers/ckafka/kafka_clusters.h"
#include "../test_support.h"

namespace yunfn::triggers::ckafka_rules {
namespace {

using test_support::fails_exactly;
using test_support::fails_with;
constexpr std::string_view kBadDesc = "InvalidParameterValue.TriggerDesc";

TEST(CkafkaRules, TheLongestConfiguredClusterIdNamesTheCluster) {
  auto s = parse_name("ckafka-prod-eu-orders.v2", {"ckafka-prod", "ckafka-prod-eu"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->cluster_id, "ckafka-prod-eu");
  EXPECT_EQ(s->topic, "orders.v2");
  EXPECT_TRUE(fails_with(parse_name("other-orders", {"ckafka-prod"}), "ResourceNotFound.Ckafka", "ckafka-prod"));
  EXPECT_TRUE(fails_with(parse_name("ckafka-prod-", {"ckafka-prod"}), "ResourceNotFound.Ckafka", "TriggerName"));
  EXPECT_TRUE(fails_with(parse_name("ckafka-prod-a/b", {"ckafka-prod"}), "InvalidParameterValue.TriggerName",
                         "a/b"));
}

TEST(CkafkaRules, DescDefaultsAndNormalForm) {
  auto d = parse_desc("");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(desc_text(*d), R"({"maxMsgNum":100,"offset":"latest","retry":10000,"timeOut":60,"consumerGroupName":""})");
  auto given = parse_desc(R"({"maxMsgNum":"50","offset":"1700000000000","retry":3,"timeOut":"5","consumerGroupName":"g"})");
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->max_msg_num, 50);
  EXPECT_EQ(given->offset, StartOffset::kTimestamp);
  EXPECT_EQ(given->timestamp_ms, 1700000000000);
  EXPECT_EQ(desc_text(*given), R"({"maxMsgNum":50,"offset":"1700000000000","retry":3,"timeOut":5,"consumerGroupName":"g"})");
  EXPECT_EQ(parse_desc(R"({"offset":"earliest"})")->offset, StartOffset::kEarliest);
}

TEST(CkafkaRules, DescValuesOutOfRangeNameTheField) {
  EXPECT_TRUE(fails_exactly(parse_desc(R"({"maxMsgNum":10001})"), kBadDesc,
                            "TriggerDesc: maxMsgNum must be a whole number from 1 to 10000; got 10001"));
  EXPECT_TRUE(fails_with(parse_desc(R"({"maxMsgNum":0})"), kBadDesc, "maxMsgNum"));
  EXPECT_TRUE(fails_with(parse_desc(R"({"retry":-1})"), kBadDesc, "retry"));
  EXPECT_TRUE(fails_with(parse_desc(R"({"timeOut":61})"), kBadDesc, "timeOut"));
  EXPECT_TRUE(fails_with(parse_desc(R"({"timeOut":1.5})"), kBadDesc, "timeOut"));
  EXPECT_TRUE(fails_with(parse_desc(R"({"offset":"now"})"), kBadDesc, "offset"));
  EXPECT_TRUE(fails_with(parse_desc(R"({"offset":0})"), kBadDesc, "offset"));
  EXPECT_TRUE(fails_with(parse_desc(R"({"topic":"x"})"), kBadDesc, "topic"));
  EXPECT_TRUE(fails_with(parse_desc("[1]"), kBadDesc, "JSON object"));
}

TEST(CkafkaRules, TheEventCarriesScfFieldsAndRepairsBadUtf8) {
  std::vector<Message> batch(3);
  batch[0] = {2, 36, std::nullopt, "Hello from Ckafka!", 1, false};
  batch[1] = {2, 37, std::string("k\xff"), std::string("a\0b\xfe", 4), 1, false};
  batch[2] = {2, 38, std::nullopt, "before the start time", 1, true};
  auto e = Json::parse(ckafka_event("orders", batch));
  ASSERT_EQ(e["Records"].size(), 2u);
  EXPECT_EQ(e["Records"][0]["Ckafka"],
            Json({{"topic", "orders"}, {"partition", 2}, {"offset", 36}, {"msgKey", "None"},
                  {"msgBody", "Hello from Ckafka!"}}));
  EXPECT_EQ(e["Records"][1]["Ckafka"]["msgKey"], "k\xef\xbf\xbd");
  EXPECT_EQ(e["Records"][1]["Ckafka"]["msgBody"], std::string("a\0b\xef\xbf\xbd", 6));
  EXPECT_EQ(ckafka_event("orders", std::span(batch).subspan(2)), "");
}

TEST(KafkaClusters, FlagsAreCheckedAtStart) {
  auto c = parse_kafka_clusters({"ckafka-1=127.0.0.1:9092,127.0.0.1:9093"}, {"ckafka-1:security.protocol=plaintext"});
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].bootstrap, "127.0.0.1:9092,127.0.0.1:9093");
  EXPECT_EQ((*c)[0].properties.at(0), std::make_pair(std::string("security.protocol"), std::string("plaintext")));
  EXPECT_TRUE(fails_with(parse_kafka_clusters({"nohost"}, {}), "InvalidParameterValue", "--kafka-cluster"));
  EXPECT_TRUE(fails_with(parse_kafka_clusters({"a=h:1", "a=h:2"}, {}), "InvalidParameterValue", "twice"));
  EXPECT_TRUE(fails_with(parse_kafka_clusters({"a=h:1"}, {"b:x=y"}), "InvalidParameterValue", "no --kafka-cluster"));
  EXPECT_TRUE(fails_with(parse_kafka_clusters({"a=h:1"}, {"a:no.such.setting=1"}), "InvalidParameterValue",
                         "no.such.setting"));
}

}  // namespace
}  // namespace yunfn::triggers::ckafka_rules
