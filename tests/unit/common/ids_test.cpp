#include "common/ids.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace yunfn {
namespace {

TEST(RequestIdTest, IsAVersion4Uuid) {
  const std::regex uuid4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (int i = 0; i < 1000; ++i) {
    std::string id = new_request_id();
    ASSERT_TRUE(std::regex_match(id, uuid4)) << id;
  }
}

TEST(RequestIdTest, DoesNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(seen.insert(new_request_id()).second);
}

}  // namespace
}  // namespace yunfn
