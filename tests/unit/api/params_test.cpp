// Tests for the typed readers of SCF action parameters (api/params.h): missing
// required fields, wrong types, SCF "TRUE"/"FALSE" flags, integers sent as
// strings and the shapes of Environment.Variables lists.
#include "api/params.h"
#include "../test_support.h"

#include <gtest/gtest.h>

#include <climits>
#include <string>

namespace yunfn::api {
namespace {

using test_support::fails_with;

TEST(Params, HasTreatsNullAsAbsent) {
  Json j = {{"A", 1}, {"B", nullptr}, {"C", ""}};
  Params p(j);
  EXPECT_TRUE(p.has("A"));
  EXPECT_FALSE(p.has("B"));
  EXPECT_TRUE(p.has("C"));  // empty but present
  EXPECT_FALSE(p.has("D"));
  EXPECT_EQ(&p.raw(), &j);
}

TEST(Params, ReadersOfANonObjectSeeNothing) {
  Json j = Json::array({1, 2});
  Params p(j);
  EXPECT_FALSE(p.has("FunctionName"));
  EXPECT_TRUE(fails_with(p.required_string("FunctionName"), "MissingParameter", "FunctionName"));
  EXPECT_EQ(p.integer("Limit", 20).value(), 20);
}

// ---------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------

TEST(Params, RequiredStringMissingIsMissingParameterNamingTheField) {
  Json j = {{"Other", "x"}};
  Params p(j);
  EXPECT_TRUE(fails_with(p.required_string("FunctionName"), "MissingParameter", "FunctionName"));
  Json null_j = {{"FunctionName", nullptr}};
  EXPECT_TRUE(fails_with(Params(null_j).required_string("FunctionName"), "MissingParameter",
                         "FunctionName"));
}

TEST(Params, RequiredStringOfTheWrongTypeIsInvalidValue) {
  for (Json v : {Json(5), Json(true), Json::array({"a"}), Json::object({{"a", 1}}), Json(1.5)}) {
    Json j = {{"FunctionName", v}};
    EXPECT_TRUE(fails_with(Params(j).required_string("FunctionName"),
                           "InvalidParameterValue.FunctionName", "FunctionName"))
        << v.dump();
  }
}

TEST(Params, RequiredStringReturnsTheValueEvenWhenEmpty) {
  Json j = {{"FunctionName", "hello"}, {"Empty", ""}};
  Params p(j);
  EXPECT_EQ(p.required_string("FunctionName").value(), "hello");
  EXPECT_EQ(p.required_string("Empty").value(), "");
}

TEST(Params, OptionalStringFallsBackOnlyWhenAbsent) {
  Json j = {{"Namespace", "team"}, {"Null", nullptr}, {"Num", 3}};
  Params p(j);
  EXPECT_EQ(p.string("Namespace", "default").value(), "team");
  EXPECT_EQ(p.string("Missing", "default").value(), "default");
  EXPECT_EQ(p.string("Null", "fb").value(), "fb");
  EXPECT_EQ(p.string("Missing").value(), "");
  EXPECT_TRUE(fails_with(p.string("Num", "x"), "InvalidParameterValue.Num", "Num"));
}

// ---------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------

TEST(Params, IntegerFromNumberOrDigitString) {
  Json j = {{"Limit", 50}, {"Offset", "20"}, {"Neg", -3}, {"NegStr", "-7"}, {"Zero", "0"}};
  Params p(j);
  EXPECT_EQ(p.integer("Limit", 20).value(), 50);
  EXPECT_EQ(p.integer("Offset", 0).value(), 20);
  EXPECT_EQ(p.integer("Neg", 0).value(), -3);
  EXPECT_EQ(p.integer("NegStr", 0).value(), -7);
  EXPECT_EQ(p.integer("Zero", 9).value(), 0);
  EXPECT_EQ(p.integer("Missing", 20).value(), 20);
}

TEST(Params, IntegerRejectsOtherShapes) {
  for (Json v : {Json("abc"), Json("12abc"), Json(""), Json("1.5"), Json(1.5), Json(true),
                 Json::array({1}), Json::object()}) {
    Json j = {{"MemorySize", v}};
    EXPECT_TRUE(fails_with(Params(j).integer("MemorySize", 128),
                           "InvalidParameterValue.MemorySize", "MemorySize"))
        << v.dump();
  }
}

TEST(Params, IntegerOutOfInt32RangeIsInvalid) {
  Json j = {{"Max", INT32_MAX},
            {"Min", INT32_MIN},
            {"Big", int64_t{INT32_MAX} + 1},
            {"Small", int64_t{INT32_MIN} - 1},
            {"BigStr", "99999999999"},
            {"Huge", uint64_t{1} << 63}};
  Params p(j);
  EXPECT_EQ(p.integer("Max", 0).value(), INT32_MAX);
  EXPECT_EQ(p.integer("Min", 0).value(), INT32_MIN);
  EXPECT_TRUE(fails_with(p.integer("Big", 0), "InvalidParameterValue.Big", "Big"));
  EXPECT_TRUE(fails_with(p.integer("Small", 0), "InvalidParameterValue.Small", "Small"));
  EXPECT_TRUE(fails_with(p.integer("BigStr", 0), "InvalidParameterValue.BigStr", "BigStr"));
  EXPECT_TRUE(fails_with(p.integer("Huge", 0), "InvalidParameterValue.Huge", "Huge"));
}

// ---------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------

TEST(Params, FlagAcceptsScfStringsAndBooleans) {
  Json j = {{"T", "TRUE"}, {"F", "FALSE"}, {"t", "true"}, {"f", "false"},
            {"BT", true},  {"BF", false},  {"E", ""}};
  Params p(j);
  EXPECT_TRUE(p.flag("T", false).value());
  EXPECT_FALSE(p.flag("F", true).value());
  EXPECT_TRUE(p.flag("t", false).value());
  EXPECT_FALSE(p.flag("f", true).value());
  EXPECT_TRUE(p.flag("BT", false).value());
  EXPECT_FALSE(p.flag("BF", true).value());
  EXPECT_FALSE(p.flag("E", true).value());  // empty = not set to TRUE
  EXPECT_TRUE(p.flag("Missing", true).value());
  EXPECT_FALSE(p.flag("Missing", false).value());
}

TEST(Params, FlagRejectsOtherValues) {
  for (Json v : {Json("yes"), Json("True"), Json("1"), Json(1), Json(0), Json::array()}) {
    Json j = {{"Publish", v}};
    auto r = Params(j).flag("Publish", false);
    EXPECT_TRUE(fails_with(r, "InvalidParameterValue.Publish", "Publish")) << v.dump();
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("TRUE"), std::string::npos);
    }
  }
}

// ---------------------------------------------------------------------------
// Environment.Variables and objects
// ---------------------------------------------------------------------------

TEST(Params, VariablesReadsKeyValuePairsInOrder) {
  Json j = Json::parse(R"({"Environment": {"Variables": [
      {"Key": "B", "Value": "2"}, {"Key": "A", "Value": ""}, {"Key": "C"}]}})");
  auto vars = Params(j).variables("Environment");
  ASSERT_TRUE(vars.ok()) << vars.error().message;
  ASSERT_EQ(vars->size(), 3u);
  EXPECT_EQ((*vars)[0], (std::pair<std::string, std::string>{"B", "2"}));
  EXPECT_EQ((*vars)[1], (std::pair<std::string, std::string>{"A", ""}));
  EXPECT_EQ((*vars)[2], (std::pair<std::string, std::string>{"C", ""}));  // Value omitted
}

TEST(Params, VariablesAbsentOrEmptyIsAnEmptyList) {
  for (const char* text : {R"({})", R"({"Environment": null})", R"({"Environment": {}})",
                           R"({"Environment": {"Variables": null}})",
                           R"({"Environment": {"Variables": []}})"}) {
    Json j = Json::parse(text);
    auto vars = Params(j).variables("Environment");
    ASSERT_TRUE(vars.ok()) << text;
    EXPECT_TRUE(vars->empty()) << text;
  }
}

TEST(Params, VariablesOfTheWrongShapeAreInvalidEnvironment) {
  for (const char* text : {
           R"({"Environment": []})",
           R"({"Environment": "A=1"})",
           R"({"Environment": {"Variables": {"Key": "A", "Value": "1"}}})",
           R"({"Environment": {"Variables": "A=1"}})",
           R"({"Environment": {"Variables": ["A=1"]}})",
           R"({"Environment": {"Variables": [{"Value": "1"}]}})",
           R"({"Environment": {"Variables": [{"Key": 1, "Value": "1"}]}})",
           R"({"Environment": {"Variables": [{"Key": "A", "Value": 1}]}})",
           R"({"Environment": {"Variables": [{"Key": "A", "Value": "1"}, null]}})",
       }) {
    Json j = Json::parse(text);
    EXPECT_TRUE(fails_with(Params(j).variables("Environment"),
                           "InvalidParameterValue.Environment", "Environment"))
        << text;
  }
}

TEST(Params, ObjectReturnsTheObjectOrAnEmptyOne) {
  Json j = Json::parse(R"({"Code": {"ZipFile": "UEs="}, "Bad": [1], "Null": null})");
  Params p(j);
  auto code = p.object("Code");
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(code->value("ZipFile", ""), "UEs=");
  auto missing = p.object("Missing");
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->is_object());
  EXPECT_TRUE(missing->empty());
  EXPECT_TRUE(p.object("Null").ok());
  EXPECT_TRUE(fails_with(p.object("Bad"), "InvalidParameterValue.Bad", "Bad"));
}

TEST(Params, InvalidValueBuildsTheScfCodeAndMessage) {
  Error e = invalid_value("Timeout", "must be an integer");
  EXPECT_EQ(e.code, "InvalidParameterValue.Timeout");
  EXPECT_EQ(e.message, "Timeout must be an integer");
}

}  // namespace
}  // namespace yunfn::api
