#include "common/ids.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace yunfn {
namespace {

TEST(RequestIdTest, IsAVersion8UuidThatSortsInIssueOrder) {
  const std::regex uuid8("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::string previous = new_request_id();
  int ascending = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string id = new_request_id();
    ASSERT_TRUE(std::regex_match(id, uuid8)) << id;
    if (id > previous) ++ascending;
    previous = id;
  }
  // The 48-bit sequence wraps at most once in a run of 1000.
  EXPECT_GE(ascending, 999);
}

TEST(RequestIdTest, DoesNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(seen.insert(new_request_id()).second);
}

TEST(RandomUuidTest, IsAVersion4UuidWithRandomPrefixes) {
  const std::regex uuid4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> prefixes;
  for (int i = 0; i < 1000; ++i) {
    std::string id = random_uuid();
    ASSERT_TRUE(std::regex_match(id, uuid4)) << id;
    prefixes.insert(id.substr(0, 8));
  }
  EXPECT_GE(prefixes.size(), 995U);  // function ids are "lam-" and these 8 digits
}

}  // namespace
}  // namespace yunfn
