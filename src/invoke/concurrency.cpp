#include "invoke/concurrency.h"

#include "control/version_service.h"

namespace yunfn::invoke {
namespace {

std::string key(const std::string& ns, const std::string& fn) { return ns + "/" + fn; }

}  // namespace

ConcurrencyService::ConcurrencyService(store::Store& store, Quota& quota, Invoker& invoker,
                                       const Clock& clock)
    : store_(store), quota_(quota), invoker_(invoker), clock_(clock) {}

void ConcurrencyService::load() {
  if (auto total = store_.get_setting("total_concurrency_mem")) quota_.set_total(std::stoi(*total));
  for (const auto& fn : store_.all_functions()) {
    if (fn.reserved_mem_mb) quota_.set_reserved(key(fn.ns, fn.name), fn.reserved_mem_mb);
  }
  std::map<std::string, int> mb;
  for (const auto& p : store_.list_provisioned("", "")) {
    auto fn = store_.get_function(p.ns, p.function_name);
    auto v = store_.get_version(p.ns, p.function_name, p.version);
    if (!fn || !v) continue;
    mb[key(p.ns, p.function_name)] += p.count * v->config.memory_mb;
    apply(*fn, p.version, p.count);
  }
  for (const auto& [k, v] : mb) quota_.set_provisioned_mb(k, v);
}

Result<store::FunctionRecord> ConcurrencyService::function(const std::string& ns,
                                                           const std::string& fn) {
  auto f = store_.get_function(ns, fn);
  if (!f) {
    return make_error(errc::kResourceNotFoundFunction,
                      "Function " + fn + " does not exist in namespace " + ns);
  }
  return std::move(*f);
}

Status ConcurrencyService::put_reserved(const std::string& ns, const std::string& fn, int mb) {
  YUNFN_TRY(f, function(ns, fn));
  YUNFN_TRY_STATUS(quota_.check_reserved(key(ns, fn), mb));
  YUNFN_TRY_STATUS(store_.set_reserved_mem(ns, fn, mb));
  quota_.set_reserved(key(ns, fn), mb);
  return ok_status();
}

Result<std::optional<int>> ConcurrencyService::get_reserved(const std::string& ns,
                                                            const std::string& fn) {
  YUNFN_TRY(f, function(ns, fn));
  return f.reserved_mem_mb;
}

Status ConcurrencyService::delete_reserved(const std::string& ns, const std::string& fn) {
  YUNFN_TRY(f, function(ns, fn));
  YUNFN_TRY_STATUS(store_.set_reserved_mem(ns, fn, std::nullopt));
  quota_.set_reserved(key(ns, fn), std::nullopt);
  return ok_status();
}

int ConcurrencyService::provisioned_mb(const std::string& ns, const std::string& fn,
                                       const std::string& version, int count, int memory_mb) {
  int total = count * memory_mb;
  for (const auto& p : store_.list_provisioned(ns, fn)) {
    if (p.version == version) continue;
    if (auto v = store_.get_version(ns, fn, p.version)) total += p.count * v->config.memory_mb;
  }
  return total;
}

Status ConcurrencyService::put_provisioned(const std::string& ns, const std::string& fn,
                                           const std::string& version, int count) {
  YUNFN_TRY(f, function(ns, fn));
  if (version == store::kLatest) {
    return make_error(errc::kInvalidParameterValueQualifier,
                      "Qualifier must be a published version: provisioned concurrency cannot "
                      "be set on $LATEST");
  }
  if (!control::is_version_number(version)) {
    return make_error(errc::kInvalidParameterValueQualifier,
                      "Qualifier " + version + " is not a published version number");
  }
  auto v = store_.get_version(ns, fn, version);
  if (!v) return make_error(errc::kResourceNotFoundVersion, "Version " + version + " does not exist");
  if (count < 0 || count > 1000) {
    return make_error(errc::kInvalidParameterValueVersionProvisionedConcurrencyNum,
                      "VersionProvisionedConcurrencyNum must be 0-1000");
  }
  int mb = provisioned_mb(ns, fn, version, count, v->config.memory_mb);
  YUNFN_TRY_STATUS(quota_.check_provisioned(key(ns, fn), mb));
  int64_t now = to_unix_ms(clock_.now());
  YUNFN_TRY_STATUS(store_.put_provisioned({ns, fn, version, count, now}));
  quota_.set_provisioned_mb(key(ns, fn), mb);
  apply(f, version, count);
  return ok_status();
}

Status ConcurrencyService::delete_provisioned(const std::string& ns, const std::string& fn,
                                              const std::string& version) {
  YUNFN_TRY(f, function(ns, fn));
  auto current = store_.list_provisioned(ns, fn);
  bool found = false;
  for (const auto& p : current) found = found || p.version == version;
  if (!found) {
    return make_error(errc::kResourceNotFoundVersion,
                      "Version " + version + " has no provisioned concurrency");
  }
  YUNFN_TRY_STATUS(store_.delete_provisioned(ns, fn, version));
  quota_.set_provisioned_mb(key(ns, fn), provisioned_mb(ns, fn, version, 0, 0));
  apply(f, version, 0);
  return ok_status();
}

Result<std::vector<store::ProvisionedRecord>> ConcurrencyService::list_provisioned(
    const std::string& ns, const std::string& fn, const std::string& version) {
  YUNFN_TRY(f, function(ns, fn));
  auto all = store_.list_provisioned(ns, fn);
  if (version.empty()) return all;
  std::erase_if(all, [&](const auto& p) { return p.version != version; });
  return all;
}

void ConcurrencyService::apply(const store::FunctionRecord& fn, const std::string& version,
                               int count) {
  auto v = store_.get_version(fn.ns, fn.name, version);
  if (!v) return;
  auto pool = invoker_.pool_for(fn, *v);
  if (pool.ok()) (*pool)->set_provisioned(count);
}

int ConcurrencyService::available(const std::string& ns, const std::string& fn,
                                  const std::string& version) {
  auto f = store_.get_function(ns, fn);
  auto v = store_.get_version(ns, fn, version);
  if (!f || !v) return 0;
  auto pool = invoker_.pool_for(*f, *v);
  return pool.ok() ? (*pool)->provisioned_available() : 0;
}

std::string ConcurrencyService::provisioned_error(const std::string& ns, const std::string& fn,
                                                  const std::string& version) {
  auto f = store_.get_function(ns, fn);
  auto v = store_.get_version(ns, fn, version);
  if (!f || !v) return "";
  auto pool = invoker_.pool_for(*f, *v);
  return pool.ok() ? (*pool)->provisioned_error() : "";
}

Status ConcurrencyService::put_total(int mb) {
  YUNFN_TRY_STATUS(quota_.check_total(mb));
  YUNFN_TRY_STATUS(store_.put_setting("total_concurrency_mem", std::to_string(mb)));
  quota_.set_total(mb);
  return ok_status();
}

void ConcurrencyService::function_deleted(const std::string& ns, const std::string& fn) {
  quota_.forget(key(ns, fn));
  invoker_.metrics().forget(ns, fn);
}

void ConcurrencyService::version_deleted(const std::string& ns, const std::string& fn,
                                         const std::string& version) {
  quota_.set_provisioned_mb(key(ns, fn), provisioned_mb(ns, fn, version, 0, 0));
}

}  // namespace yunfn::invoke
