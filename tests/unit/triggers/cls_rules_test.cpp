// Tests for the cls trigger's rules (triggers/cls/cls_rules.h): TriggerDesc
// with SCF's and the Serverless component's keys, and the clslogs event cut
// into pieces of at most 128 KB of gzip.
#include "triggers/cls/cls_rules.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>

#include "../test_support.h"
#include "common/crypto.h"
#include "common/json.h"

namespace yunfn::triggers::cls_rules {
namespace {

using test_support::fails_with;
constexpr std::string_view kBadDesc = "InvalidParameterValue.TriggerDesc";

store::TriggerRecord trigger(const std::string& desc, const std::string& name = "topic-1") {
  store::TriggerRecord t;
  t.ns = "default";
  t.function_name = "etl";
  t.name = name;
  t.type = "cls";
  t.qualifier = "$LATEST";
  t.trigger_desc = desc;
  return t;
}

std::string gunzip(const std::string& gz) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 16 + 15), Z_OK);
  std::string out;
  char buf[65536];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

// The decoded JSON of one event.
Json decode(const std::string& event) {
  Json e = Json::parse(event);
  auto gz = crypto::base64_decode(e["clslogs"]["data"].get<std::string>());
  EXPECT_TRUE(gz.has_value());
  return Json::parse(gunzip(*gz));
}

TEST(ClsRules, DescDefaultsTheTopicFromTheNameAndNormalises) {
  auto d = parse_desc(trigger("", "2f1c0e7a-topic"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->topic_id, "2f1c0e7a-topic");
  EXPECT_EQ(desc_text(*d), R"({"max_size":10000,"max_wait":60,"topic_id":"2f1c0e7a-topic"})");
  auto scf = parse_desc(trigger(
      R"({"topic_id":"t-9","max_wait":"3","max_size":100,"effective":false,"name_space":"default",)"
      R"("function_name":"etl","qualifier":"$LATEST"})"));
  ASSERT_TRUE(scf.ok());
  EXPECT_EQ(scf->topic_id, "t-9");
  EXPECT_EQ(scf->max_wait_s, 3);
  EXPECT_EQ(scf->max_size, 100);
  EXPECT_EQ(scf->effective, false);
}

TEST(ClsRules, DescTakesTheServerlessComponentKeys) {
  auto d = parse_desc(trigger(R"({"topicId":"t-7","maxWait":300,"maxSize":"5","enable":true})"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->topic_id, "t-7");
  EXPECT_EQ(d->max_wait_s, 300);
  EXPECT_EQ(d->max_size, 5);
  EXPECT_EQ(d->effective, true);
}

TEST(ClsRules, DescValuesOutOfRangeNameTheKey) {
  EXPECT_TRUE(fails_with(parse_desc(trigger(R"({"max_wait":2})")), kBadDesc,
                         "max_wait must be a whole number from 3 to 300"));
  EXPECT_TRUE(fails_with(parse_desc(trigger(R"({"max_wait":301})")), kBadDesc, "max_wait"));
  EXPECT_TRUE(fails_with(parse_desc(trigger(R"({"maxWait":"1.5"})")), kBadDesc, "max_wait"));
  EXPECT_TRUE(fails_with(parse_desc(trigger(R"({"max_size":0})")), kBadDesc, "max_size"));
  EXPECT_TRUE(fails_with(parse_desc(trigger(R"({"max_size":10001})")), kBadDesc, "max_size"));
  EXPECT_TRUE(fails_with(parse_desc(trigger(R"({"effective":"maybe"})")), kBadDesc, "effective"));
  EXPECT_TRUE(fails_with(parse_desc(trigger(R"({"topic_id":""})")), kBadDesc, "topic_id"));
  EXPECT_TRUE(
      fails_with(parse_desc(trigger(R"({"function_name":"other"})")), kBadDesc, "function_name"));
  EXPECT_TRUE(fails_with(parse_desc(trigger(R"({"name_space":"prod"})")), kBadDesc, "name_space"));
  EXPECT_TRUE(fails_with(parse_desc(trigger(R"({"qualifier":"2"})")), kBadDesc, "qualifier"));
  EXPECT_TRUE(
      fails_with(parse_desc(trigger(R"({"maxwait":5})")), kBadDesc, "unknown key \"maxwait\""));
  EXPECT_TRUE(fails_with(parse_desc(trigger("[1]")), kBadDesc, "not a JSON object"));
}

std::vector<logs::StoredRecord> records(size_t n, size_t bytes, bool random) {
  std::mt19937 rng(7);
  std::vector<logs::StoredRecord> out;
  for (size_t i = 0; i < n; ++i) {
    std::string content = "line " + std::to_string(i) + " ";
    while (content.size() < bytes) content += random ? static_cast<char>('!' + rng() % 90) : 'x';
    out.push_back(
        {static_cast<int64_t>(100 + i), 1605578090000000 + static_cast<int64_t>(i), content});
  }
  return out;
}

TEST(ClsRules, ASmallBatchIsOneEventInScfsShape) {
  auto rs = records(3, 20, false);
  auto pieces = clslogs_events("t-1", "app-logs", rs);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].first_seq, 100);
  EXPECT_EQ(pieces[0].last_seq, 102);
  Json j = decode(pieces[0].event);
  EXPECT_EQ(j["topic_id"], "t-1");
  EXPECT_EQ(j["topic_name"], "app-logs");
  ASSERT_EQ(j["records"].size(), 3u);
  EXPECT_EQ(j["records"][1]["timestamp"], "1605578090000001");  // microseconds, as a string
  EXPECT_EQ(j["records"][1]["content"], rs[1].content);
}

TEST(ClsRules, ABigBatchIsCutIntoPiecesOfAtMost128KbInOrder) {
  auto rs = records(3000, 400, true);  // about 1.2 MB that compresses poorly
  auto pieces = clslogs_events("t-1", "n", rs);
  ASSERT_GT(pieces.size(), 3u);
  size_t next = 0;
  for (size_t k = 0; k < pieces.size(); ++k) {
    const auto& p = pieces[k];
    auto gz = crypto::base64_decode(Json::parse(p.event)["clslogs"]["data"].get<std::string>());
    EXPECT_LE(gz->size(), kMaxPieceBytes);
    EXPECT_EQ(gz->size(), p.compressed_bytes);
    if (k + 1 < pieces.size()) {
      EXPECT_GT(p.compressed_bytes, kMaxPieceBytes / 2) << "pieces are filled";
    }
    Json j = decode(p.event);
    for (const auto& r : j["records"]) EXPECT_EQ(r["content"], rs[next++].content);
  }
  EXPECT_EQ(next, rs.size());
  // The same records are cut the same way (a batch redone after a restart).
  auto again = clslogs_events("t-1", "n", rs);
  ASSERT_EQ(again.size(), pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) EXPECT_EQ(again[i].event, pieces[i].event);
}

TEST(ClsRules, ARecordTooBigForAPieceGoesAlone) {
  auto rs = records(3, 300 * 1024, true);
  auto pieces = clslogs_events("t-1", "n", rs, 64 * 1024);
  ASSERT_EQ(pieces.size(), 3u);
  for (const auto& p : pieces) EXPECT_EQ(p.records, 1u);
}

}  // namespace
}  // namespace yunfn::triggers::cls_rules
