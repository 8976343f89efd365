// Assertions shared by the unit tests for calls that must fail: a failure is
// pinned to the one SCF error code the code under test gives and to what its
// message says (the offending field, or the whole text).
//   EXPECT_TRUE(fails_with(check(x), "InvalidParameterValue.RoutingConfig", "Method"));
//   EXPECT_TRUE(fails_exactly(parse(y), "InternalError.System", "sandbox-init: ..."));
#pragma once

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "common/result.h"

namespace yunfn::test_support {

// Passes when `r` failed with exactly `code` and its message mentions `field`.
template <typename T>
::testing::AssertionResult fails_with(const Result<T>& r, std::string_view code,
                                      std::string_view field) {
  if (r.ok()) return ::testing::AssertionFailure() << "expected " << code << ", got ok";
  if (r.error().code != code) {
    return ::testing::AssertionFailure()
           << "expected " << code << ", got " << r.error().code << ": " << r.error().message;
  }
  if (r.error().message.find(field) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "message does not name " << field << ": " << r.error().message;
  }
  return ::testing::AssertionSuccess();
}

// Passes when `r` failed with exactly `code` and exactly `message`.
template <typename T>
::testing::AssertionResult fails_exactly(const Result<T>& r, std::string_view code,
                                         std::string_view message) {
  if (r.ok()) return ::testing::AssertionFailure() << "expected " << code << ", got ok";
  if (r.error().code != code || r.error().message != message) {
    return ::testing::AssertionFailure()
           << "expected " << code << ": " << message << "\n     got " << r.error().code << ": "
           << r.error().message;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace yunfn::test_support
