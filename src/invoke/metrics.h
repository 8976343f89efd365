// InvocationMetrics: per function version counters of the data plane
// (invocations, errors, cold starts, throttles, concurrent executions).
// Owned by the Invoker; loop thread only.
#pragma once

#include <map>
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

class InvocationMetrics {
 public:
  VersionMetrics& at(const std::string& ns, const std::string& fn, const std::string& version) {
    return by_version_[ns + "/" + fn][version];
  }
  // version -> metrics for one function ("ns/fn").
  const std::map<std::string, VersionMetrics>* of(const std::string& ns,
                                                  const std::string& fn) const {
    auto it = by_version_.find(ns + "/" + fn);
    return it == by_version_.end() ? nullptr : &it->second;
  }
  void forget(const std::string& ns, const std::string& fn) { by_version_.erase(ns + "/" + fn); }

 private:
  std::map<std::string, std::map<std::string, VersionMetrics>> by_version_;
};

}  // namespace yunfn::invoke
