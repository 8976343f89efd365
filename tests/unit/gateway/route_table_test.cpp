// Tests for the choice of the apigw trigger that serves a request.
#include "gateway/route_table.h"

#include <gtest/gtest.h>

namespace yunfn::gateway {
namespace {

RouteEntry entry(const std::string& name, const std::string& method, const std::string& path,
                 const std::string& fn = "blog") {
  RouteEntry e;
  e.trigger.ns = "default";
  e.trigger.function_name = fn;
  e.trigger.name = name;
  auto r = parse_apigw_desc(R"({"api":{"requestConfig":{"method":")" + method + R"(","path":")" + path + R"("}}})");
  EXPECT_TRUE(r.ok());
  e.route = *r;
  return e;
}

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start < path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The trigger name that serves the request, or "404"/"405".
std::string served_by(const RouteTable& t, const std::string& method, const std::string& path,
                      const std::string& fn = "blog") {
  auto m = t.match("default", fn, split(path), method);
  if (auto* f = std::get_if<MatchFailure>(&m)) return std::to_string(static_cast<int>(*f));
  return std::get<RouteMatch>(m).entry->trigger.name;
}

TEST(RouteTable, PrefixMatchesTheSegmentAndBelowOnly) {
  RouteTable t;
  t.set({entry("a", "ANY", "/blog")});
  EXPECT_EQ(served_by(t, "GET", "/blog"), "a");
  EXPECT_EQ(served_by(t, "GET", "/blog/1/2"), "a");
  EXPECT_EQ(served_by(t, "GET", "/blogs"), "404");
  EXPECT_EQ(served_by(t, "GET", "/"), "404");
  EXPECT_EQ(served_by(t, "GET", "/blog", "other"), "404");
}

TEST(RouteTable, ExactMatchOnlyTheSamePath) {
  RouteTable t;
  t.set({entry("exact", "ANY", "=/users"), entry("root", "ANY", "/")});
  EXPECT_EQ(served_by(t, "GET", "/users"), "exact");
  EXPECT_EQ(served_by(t, "GET", "/users/1"), "root");
}

TEST(RouteTable, MostSpecificWins) {
  RouteTable t;
  t.set({entry("root", "ANY", "/"), entry("param", "ANY", "/blog/{id}"),
         entry("literal", "ANY", "/blog/latest"), entry("blog", "ANY", "/blog")});
  EXPECT_EQ(served_by(t, "GET", "/blog/latest"), "literal");
  EXPECT_EQ(served_by(t, "GET", "/blog/42"), "param");
  EXPECT_EQ(served_by(t, "GET", "/blog"), "blog");
  EXPECT_EQ(served_by(t, "GET", "/about"), "root");
}

TEST(RouteTable, PathParametersAreFilledIn) {
  RouteTable t;
  t.set({entry("p", "GET", "/users/{user}/posts/{post}")});
  auto m = t.match("default", "blog", {"users", "ann", "posts", "7"}, "GET");
  ASSERT_TRUE(std::holds_alternative<RouteMatch>(m));
  auto params = std::get<RouteMatch>(m).path_params;
  EXPECT_EQ(params["user"], "ann");
  EXPECT_EQ(params["post"], "7");
}

TEST(RouteTable, MethodNotAllowedWhenOnlyThePathMatches) {
  RouteTable t;
  t.set({entry("get", "GET", "/items"), entry("post", "POST", "/items")});
  EXPECT_EQ(served_by(t, "GET", "/items"), "get");
  EXPECT_EQ(served_by(t, "POST", "/items"), "post");
  EXPECT_EQ(served_by(t, "DELETE", "/items"), "405");
  EXPECT_EQ(served_by(t, "DELETE", "/nothing"), "404");
}

TEST(RouteTable, SetReplacesEverything) {
  RouteTable t;
  t.set({entry("a", "ANY", "/")});
  t.set({});
  EXPECT_EQ(served_by(t, "GET", "/"), "404");
  EXPECT_EQ(t.size(), 0u);
}

}  // namespace
}  // namespace yunfn::gateway
