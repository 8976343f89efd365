#include "control/routing.h"

#include <gtest/gtest.h>

namespace yunfn::control {
namespace {

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
  EXPECT_EQ(check_routing_config(weights("2", 1.5), "1").error().code,
            "InvalidParameterValue.AdditionalVersionWeights");
  EXPECT_FALSE(check_routing_config(weights("2", -0.1), "1").ok());
  EXPECT_FALSE(check_routing_config(weights("1", 0.5), "1").ok());  // same as main
  Json two = {{"AdditionalVersionWeights",
               {{{"Version", "2"}, {"Weight", 0.1}}, {{"Version", "3"}, {"Weight", 0.1}}}}};
  EXPECT_FALSE(check_routing_config(two, "1").ok());
  Json both = weights("2", 0.1);
  both["AddtionVersionMatchs"] = {{{"Version", "2"}, {"Key", "invoke.headers.k"},
                                   {"Method", "exact"}, {"Expression", "v"}}};
  EXPECT_EQ(check_routing_config(both, "1").error().code, "InvalidParameterValue.RoutingConfig");
  Json bad_range = {{"AddtionVersionMatchs", {{{"Version", "2"}, {"Key", "invoke.headers.k"},
                                               {"Method", "range"}, {"Expression", "[5,1]"}}}}};
  EXPECT_FALSE(check_routing_config(bad_range, "1").ok());
  Json bad_method = {{"AddtionVersionMatchs", {{{"Version", "2"}, {"Key", "invoke.headers.k"},
                                                {"Method", "regex"}, {"Expression", "x"}}}}};
  EXPECT_FALSE(check_routing_config(bad_method, "1").ok());
}

}  // namespace
}  // namespace yunfn::control
