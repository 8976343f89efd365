#include "gateway/route_table.h"

#include <algorithm>

namespace yunfn::gateway {
namespace {

bool is_param(const std::string& seg) { return seg.size() > 2 && seg.front() == '{'; }

// Orders routes most specific first.
bool more_specific(const RouteEntry& a, const RouteEntry& b) {
  const auto& x = a.route;
  const auto& y = b.route;
  if (x.exact != y.exact) return x.exact;
  if (x.segments.size() != y.segments.size()) return x.segments.size() > y.segments.size();
  for (size_t i = 0; i < x.segments.size(); ++i) {
    bool px = is_param(x.segments[i]), py = is_param(y.segments[i]);
    if (px != py) return !px;
  }
  return x.method != "ANY" && y.method == "ANY";
}

bool path_matches(const ApigwRoute& r, const std::vector<std::string>& segments,
                  std::map<std::string, std::string>* params) {
  if (segments.size() < r.segments.size()) return false;
  if (r.exact && segments.size() != r.segments.size()) return false;
  for (size_t i = 0; i < r.segments.size(); ++i) {
    const auto& want = r.segments[i];
    if (is_param(want)) {
      (*params)[want.substr(1, want.size() - 2)] = segments[i];
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void RouteTable::set(std::vector<RouteEntry> entries) {
  by_function_.clear();
  count_ = entries.size();
  for (auto& e : entries) {
    by_function_[{e.trigger.ns, e.trigger.function_name}].push_back(std::move(e));
  }
  for (auto& [key, list] : by_function_) std::stable_sort(list.begin(), list.end(), more_specific);
}

std::variant<RouteMatch, MatchFailure> RouteTable::match(const std::string& ns,
                                                         const std::string& fn,
                                                         const std::vector<std::string>& segments,
                                                         const std::string& method) const {
  auto it = by_function_.find({ns, fn});
  if (it == by_function_.end()) return MatchFailure::kNoPath;
  bool path_found = false;
  for (const auto& entry : it->second) {
    RouteMatch m{&entry, {}};
    if (!path_matches(entry.route, segments, &m.path_params)) continue;
    path_found = true;
    if (entry.route.method == "ANY" || entry.route.method == method) return m;
  }
  return path_found ? MatchFailure::kMethod : MatchFailure::kNoPath;
}

}  // namespace yunfn::gateway
