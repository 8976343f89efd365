#include "invoke/quota.h"

#include <fmt/format.h>

namespace yunfn::invoke {
namespace {

int lookup(const std::map<std::string, int>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? 0 : it->second;
}

}  // namespace

Status Quota::admit(const std::string& fn, const std::string& display_name, int memory_mb) {
  if (auto r = reserved_mb(fn)) {
    if (used_mb(fn) + memory_mb > *r) {
      return make_error(errc::kLimitExceededQuota,
                        fmt::format("Function [ {} ] concurrency exceeded reserved quota {} MB "
                                    "(432 ResourceLimitReached)",
                                    display_name, *r));
    }
  } else if (unreserved_used_mb() + memory_mb > unreserved_cap_mb()) {
    return make_error(errc::kLimitExceededQuota,
                      fmt::format("Function [ {} ] concurrency exceeded region unreserved quota {} "
                                  "MB (432 ResourceLimitReached)",
                                  display_name, unreserved_cap_mb()));
  }
  running_[fn] += memory_mb;
  return ok_status();
}

void Quota::release(const std::string& fn, int memory_mb) {
  auto it = running_.find(fn);
  if (it == running_.end()) return;
  it->second -= memory_mb;
  if (it->second <= 0) running_.erase(it);
}

void Quota::set_reserved(const std::string& fn, std::optional<int> mb) {
  if (mb) {
    reserved_[fn] = *mb;
  } else {
    reserved_.erase(fn);
  }
}

void Quota::set_provisioned_mb(const std::string& fn, int mb) {
  if (mb > 0) {
    provisioned_[fn] = mb;
  } else {
    provisioned_.erase(fn);
  }
}

void Quota::forget(const std::string& fn) {
  reserved_.erase(fn);
  provisioned_.erase(fn);
}

Status Quota::check_reserved(const std::string& fn, int mb) const {
  int others = reserved_sum_mb() - lookup(reserved_, fn);
  int free = config_.total_mb - config_.unreserved_floor_mb - others;
  if (mb < 0) {
    return make_error(errc::kInvalidParameterValueReservedConcurrencyMem,
                      "ReservedConcurrencyMem must not be negative");
  }
  if (mb > free) {
    return make_error(errc::kFailedOperationReservedExceedTotal,
                      fmt::format("ReservedConcurrencyMem {} MB exceeds the free account quota "
                                  "{} MB (total {} MB - {} MB kept unreserved - {} MB reserved "
                                  "by other functions)",
                                  mb, free, config_.total_mb, config_.unreserved_floor_mb, others));
  }
  if (mb < provisioned_mb(fn)) {
    return make_error(errc::kFailedOperationProvisionedExceedReserved,
                      fmt::format("ReservedConcurrencyMem {} MB is below the function's "
                                  "provisioned {} MB",
                                  mb, provisioned_mb(fn)));
  }
  return ok_status();
}

Status Quota::check_provisioned(const std::string& fn, int total_provisioned_mb) const {
  if (auto r = reserved_mb(fn)) {
    if (total_provisioned_mb > *r) {
      return make_error(errc::kFailedOperationProvisionedExceedReserved,
                        fmt::format("provisioned instances need {} MB, over the function's "
                                    "reserved quota {} MB",
                                    total_provisioned_mb, *r));
    }
    return ok_status();
  }
  int others = 0;
  for (const auto& [k, v] : provisioned_) {
    if (k != fn && !reserved_.count(k)) others += v;
  }
  if (total_provisioned_mb + others > unreserved_cap_mb()) {
    return make_error(errc::kFailedOperationProvisionedExceedAvailable,
                      fmt::format("provisioned instances need {} MB; the unreserved quota has {} "
                                  "MB of which {} MB is provisioned by other functions",
                                  total_provisioned_mb, unreserved_cap_mb(), others));
  }
  return ok_status();
}

Status Quota::check_total(int mb) const {
  int min = reserved_sum_mb() + config_.unreserved_floor_mb;
  if (mb < min) {
    return make_error(errc::kLimitExceededTotalConcurrencyMemory,
                      fmt::format("TotalConcurrencyMem {} MB is below the reserved quotas plus the "
                                  "unreserved floor ({} MB)",
                                  mb, min));
  }
  return ok_status();
}

int Quota::reserved_sum_mb() const {
  int sum = 0;
  for (const auto& [k, v] : reserved_) sum += v;
  return sum;
}

std::optional<int> Quota::reserved_mb(const std::string& fn) const {
  auto it = reserved_.find(fn);
  if (it == reserved_.end()) return std::nullopt;
  return it->second;
}

int Quota::used_mb(const std::string& fn) const {
  return lookup(running_, fn) + lookup(provisioned_, fn);
}

int Quota::used_mb() const {
  int sum = 0;
  for (const auto& [k, v] : running_) sum += v;
  for (const auto& [k, v] : provisioned_) sum += v;
  return sum;
}

int Quota::provisioned_mb(const std::string& fn) const { return lookup(provisioned_, fn); }

int Quota::unreserved_used_mb() const {
  int sum = 0;
  for (const auto& [k, v] : running_) {
    if (!reserved_.count(k)) sum += v;
  }
  for (const auto& [k, v] : provisioned_) {
    if (!reserved_.count(k)) sum += v;
  }
  return sum;
}

}  // namespace yunfn::invoke
