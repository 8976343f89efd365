// Bucket-name and key rules, URL encodings and Range parsing.
#include "cos/names.h"

#include <gtest/gtest.h>

#include "cos/range.h"

namespace yunfn::cos {
namespace {

TEST(BucketName, AcceptsCosNames) {
  for (const char* ok : {"photos-1250000000", "a-1", "my-photos-2-1250000000",
                         "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwx-1250000000"}) {
    EXPECT_TRUE(check_bucket_name(ok).ok()) << ok;
  }
}

TEST(BucketName, RejectsOthers) {
  for (const char* bad :
       {"photos", "Photos-1250000000", "-photos-1250000000", "photos--1250000000", "photos-12a",
        "pho_tos-1250000000", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxy-1250000000",
        "-1250000000", "photos-", ""}) {
    auto r = check_bucket_name(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "InvalidBucketName") << bad;
  }
}

TEST(ObjectKey, Rules) {
  EXPECT_TRUE(check_object_key("a/b/c.txt").ok());
  EXPECT_TRUE(check_object_key("a/..b/c..").ok());
  EXPECT_TRUE(check_object_key("dir/").ok());
  EXPECT_EQ(check_object_key(std::string(851, 'k')).error().code, "KeyTooLong");
  EXPECT_TRUE(check_object_key(std::string(850, 'k')).ok());
  for (const std::string& bad :
       {std::string("a/../b"), std::string(".."), std::string("./a"), std::string("a/."),
        std::string("a//b"), std::string("/a"), std::string("a\0b", 3), std::string()}) {
    auto r = check_object_key(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "InvalidArgument") << bad;
  }
}

TEST(Encoding, RoundTrips) {
  // uri_encode is tested with the COS v5 signer (tests/unit/common/cos_sign_test.cpp).
  EXPECT_EQ(uri_decode("a%20b+c%2f%zz", Plus::kSpace), "a b c/%zz");
  auto q = parse_query("uploads=&delete&prefix=a%2Bb&x=1=2");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0].name, "uploads");
  EXPECT_TRUE(q[0].has_value);
  EXPECT_FALSE(q[1].has_value);
  EXPECT_EQ(q[2].value, "a+b");
  EXPECT_EQ(q[3].value, "1=2");
}

TEST(Range, Forms) {
  auto whole = parse_range("", 100);
  ASSERT_TRUE(whole.ok());
  EXPECT_FALSE(whole->has_value());
  auto first = parse_range("bytes=0-9", 100);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->first, 0u);
  EXPECT_EQ((*first)->length(), 10u);
  auto open = parse_range("bytes=90-", 100);
  EXPECT_EQ((*open)->first, 90u);
  EXPECT_EQ((*open)->last, 99u);
  auto clipped = parse_range("bytes=50-1000", 100);
  EXPECT_EQ((*clipped)->last, 99u);
  auto suffix = parse_range("bytes=-30", 100);
  EXPECT_EQ((*suffix)->first, 70u);
  auto big_suffix = parse_range("bytes=-300", 100);
  EXPECT_EQ((*big_suffix)->first, 0u);
  EXPECT_EQ(parse_range("bytes=100-", 100).error().code, "InvalidRange");
  EXPECT_EQ(parse_range("bytes=200-300", 100).error().code, "InvalidRange");
  EXPECT_EQ(parse_range("bytes=0-0", 0).error().code, "InvalidRange");
  // Forms a server may ignore: serve everything.
  EXPECT_FALSE(parse_range("bytes=5-2", 100)->has_value());
  EXPECT_FALSE(parse_range("items=0-1", 100)->has_value());
  EXPECT_FALSE(parse_range("bytes=0-1,5-6", 100)->has_value());
}

}  // namespace
}  // namespace yunfn::cos
