// RouteTable: the enabled apigw triggers of every function, and the lookup of
// the one that serves a request: the most specific path of the function (exact
// before prefix, more segments first, a literal segment before a {param}),
// then the method. Rebuilt whole when triggers change. Loop thread only.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"
#include "gateway/apigw_route.h"
#include "store/records.h"

namespace yunfn::gateway {

struct RouteEntry {
  store::TriggerRecord trigger;
  ApigwRoute route;
};

struct RouteMatch {
  const RouteEntry* entry = nullptr;
  std::map<std::string, std::string> path_params;
};

enum class MatchFailure { kNoPath = 404, kMethod = 405 };

class RouteTable {
 public:
  void set(std::vector<RouteEntry> entries);
  // segments: the request path below the function's base, split and
  // percent-decoded. kNoPath when no trigger's path matches, kMethod when a
  // path matches but no trigger takes the method.
  std::variant<RouteMatch, MatchFailure> match(const std::string& ns, const std::string& fn,
                                               const std::vector<std::string>& segments,
                                               const std::string& method) const;
  size_t size() const { return count_; }

 private:
  std::map<std::pair<std::string, std::string>, std::vector<RouteEntry>> by_function_;
  size_t count_ = 0;
};

}  // namespace yunfn::gateway
