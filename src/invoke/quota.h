// Quota: SCF's concurrency accounting, counted in MB of configured memory.
// The account total is shared by all functions; a function with a reserved
// ("max exclusive") quota may use only that, and nobody else may; the
// provisioned instances of a function count against its share whether busy
// or idle. Owned by the server; loop thread only.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/result.h"

namespace yunfn::invoke {

struct QuotaConfig {
  int total_mb = 128000;           // account concurrency quota
  int unreserved_floor_mb = 12800; // always kept for functions without a reserved quota
};

class Quota {
 public:
  explicit Quota(QuotaConfig config) : config_(config) {}

  // Takes memory_mb for one on-demand invocation of `fn` ("ns/name"), or
  // answers 432-style LimitExceeded errors naming the quota that is full.
  Status admit(const std::string& fn, const std::string& display_name, int memory_mb);
  void release(const std::string& fn, int memory_mb);

  // Settings (validated by the caller with the checks below).
  void set_total(int mb) { config_.total_mb = mb; }
  void set_reserved(const std::string& fn, std::optional<int> mb);
  void set_provisioned_mb(const std::string& fn, int mb);
  void forget(const std::string& fn);

  // Checks for the concurrency actions.
  Status check_reserved(const std::string& fn, int mb) const;
  Status check_provisioned(const std::string& fn, int total_provisioned_mb) const;
  Status check_total(int mb) const;

  int total_mb() const { return config_.total_mb; }
  int unreserved_floor_mb() const { return config_.unreserved_floor_mb; }
  int reserved_sum_mb() const;
  std::optional<int> reserved_mb(const std::string& fn) const;
  // Memory in use now: running on-demand invocations plus provisioned instances.
  int used_mb(const std::string& fn) const;
  int used_mb() const;
  int provisioned_mb(const std::string& fn) const;

 private:
  int unreserved_cap_mb() const { return config_.total_mb - reserved_sum_mb(); }
  int unreserved_used_mb() const;

  QuotaConfig config_;
  std::map<std::string, int> reserved_;
  std::map<std::string, int> provisioned_;
  std::map<std::string, int> running_;
};

}  // namespace yunfn::invoke
