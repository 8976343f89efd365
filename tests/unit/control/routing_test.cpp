#include "control/routing.h"

#include <gtest/gtest.h>

#include <string>

#include "../test_support.h"

namespace yunfn::control {
namespace {

using test_support::fails_exactly;

Json weights(const std::string& version, double w) {
  return {{"AdditionalVersionWeights", {{{"Version", version}, {"Weight", w}}}}};
}

TEST(RoutingTest, WeightIsTheShareOfTheAdditionalVersion) {
  Json r = weights("2", 0.1);
  EXPECT_EQ(pick_version("1", r, Json(), 0.05), "2");
  EXPECT_EQ(pick_version("1", r, Json(), 0.1), "1");
  EXPECT_EQ(pick_version("1", r, Json(), 0.99), "1");
  EXPECT_EQ(pick_version("1", weights("2", 1.0), Json(), 0.999), "2");
  EXPECT_EQ(pick_version("1", weights("2", 0.0), Json(), 0.0), "1");
  EXPECT_EQ(additional_version(r), "2");
}

TEST(RoutingTest, ExactAndRangeRules) {
  Json exact = {{"AddtionVersionMatchs",
                 {{{"Version", "2"}, {"Key", "invoke.headers.user"}, {"Method", "exact"},
                   {"Expression", "alice"}}}}};
  EXPECT_EQ(pick_version("1", exact, Json{{"user", "alice"}}, 0.5), "2");
  EXPECT_EQ(pick_version("1", exact, Json{{"user", "bob"}}, 0.5), "1");
  EXPECT_EQ(pick_version("1", exact, Json(), 0.5), "1");
  Json range = {{"AddtionVersionMatchs",
                 {{{"Version", "3"}, {"Key", "invoke.headers.uid"}, {"Method", "range"},
                   {"Expression", "[10,20)"}}}}};
  EXPECT_EQ(pick_version("1", range, Json{{"uid", "10"}}, 0.5), "3");
  EXPECT_EQ(pick_version("1", range, Json{{"uid", "19"}}, 0.5), "3");
  EXPECT_EQ(pick_version("1", range, Json{{"uid", "20"}}, 0.5), "1");
  EXPECT_EQ(pick_version("1", range, Json{{"uid", "x"}}, 0.5), "1");
}

TEST(RoutingTest, ChecksRejectBadConfigs) {
  EXPECT_TRUE(check_routing_config(weights("2", 0.5), "1").ok());
  EXPECT_TRUE(check_routing_config(Json::object(), "1").ok());
  const std::string kWeightRange =
      "AdditionalVersionWeights Weight must be between 0 and 1 (the share of the additional "
      "version)";
  EXPECT_TRUE(fails_exactly(check_routing_config(weights("2", 1.5), "1"),
                            "InvalidParameterValue.AdditionalVersionWeights", kWeightRange));
  EXPECT_TRUE(fails_exactly(check_routing_config(weights("2", -0.1), "1"),
                            "InvalidParameterValue.AdditionalVersionWeights", kWeightRange));
  EXPECT_TRUE(fails_exactly(check_routing_config(weights("1", 0.5), "1"),  // same as main
                            "InvalidParameterValue.AdditionalVersionWeights",
                            "AdditionalVersionWeights must name a version other than "
                            "FunctionVersion"));
  Json two = {{"AdditionalVersionWeights",
               {{{"Version", "2"}, {"Weight", 0.1}}, {{"Version", "3"}, {"Weight", 0.1}}}}};
  EXPECT_TRUE(fails_exactly(check_routing_config(two, "1"),
                            "InvalidParameterValue.AdditionalVersionWeights",
                            "AdditionalVersionWeights must hold exactly one version"));
  Json both = weights("2", 0.1);
  both["AddtionVersionMatchs"] = {{{"Version", "2"}, {"Key", "invoke.headers.k"},
                                   {"Method", "exact"}, {"Expression", "v"}}};
  EXPECT_TRUE(fails_exactly(check_routing_config(both, "1"), "InvalidParameterValue.RoutingConfig",
                            "RoutingConfig cannot have both AdditionalVersionWeights and "
                            "AddtionVersionMatchs"));
  Json bad_range = {{"AddtionVersionMatchs", {{{"Version", "2"}, {"Key", "invoke.headers.k"},
                                               {"Method", "range"}, {"Expression", "[5,1]"}}}}};
  EXPECT_TRUE(fails_exactly(check_routing_config(bad_range, "1"),
                            "InvalidParameterValue.RoutingConfig",
                            "RoutingConfig range Expression must be [a,b] or (a,b) with integers "
                            "a <= b"));
  Json bad_method = {{"AddtionVersionMatchs", {{{"Version", "2"}, {"Key", "invoke.headers.k"},
                                                {"Method", "regex"}, {"Expression", "x"}}}}};
  EXPECT_TRUE(fails_exactly(check_routing_config(bad_method, "1"),
                            "InvalidParameterValue.RoutingConfig",
                            "RoutingConfig Method must be exact or range"));
}

}  // namespace
}  // namespace yunfn::control
