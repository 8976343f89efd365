// InvocationMetrics: per function version counters of the data plane
// (invocations, errors, cold starts, throttles, concurrent executions).
// Owned by the Invoker; loop thread only.
#pragma once

#include <map>
#include <memory>
#include <string>

namespace yunfn::invoke {

struct VersionMetrics {
  long invocations = 0;
  long errors = 0;
  long cold_starts = 0;
  long throttles = 0;
  int concurrent = 0;      // running now
  int max_concurrent = 0;  // highest seen since start
};

// Entries are shared: an invocation keeps its version's counters across its
// awaits, and forget() (the function was deleted meanwhile) must not free them
// under it.
class InvocationMetrics {
 public:
  using ByVersion = std::map<std::string, std::shared_ptr<VersionMetrics>>;

  std::shared_ptr<VersionMetrics> at(const std::string& ns, const std::string& fn,
                                     const std::string& version) {
    auto& m = by_version_[ns + "/" + fn][version];
    if (!m) m = std::make_shared<VersionMetrics>();
    return m;
  }
  // version -> metrics for one function ("ns/fn").
  const ByVersion* of(const std::string& ns, const std::string& fn) const {
    auto it = by_version_.find(ns + "/" + fn);
    return it == by_version_.end() ? nullptr : &it->second;
  }
  void forget(const std::string& ns, const std::string& fn) { by_version_.erase(ns + "/" + fn); }

  // Invocation records the store could not keep (a full disk, say).
  long lost_records = 0;

 private:
  std::map<std::string, ByVersion> by_version_;
};

}  // namespace yunfn::invoke
