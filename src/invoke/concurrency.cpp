#include "invoke/concurrency.h"

#include <charconv>

#include "control/version_service.h"

namespace yunfn::invoke {
namespace {

std::string key(const std::string& ns, const std::string& fn) { return ns + "/" + fn; }

bool parse_int(const std::string& text, int* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

ConcurrencyService::ConcurrencyService(store::Store& store, Quota& quota, Invoker& invoker,
                                       const Clock& clock)
    : store_(store), quota_(quota), invoker_(invoker), clock_(clock) {}

Status ConcurrencyService::load() {
  YUNFN_TRY(total, store_.get_setting("total_concurrency_mem"));
  if (total) {
    int mb = 0;
    if (!parse_int(*total, &mb)) {
      return make_error(errc::kInternalErrorSystem,
                        "the stored total_concurrency_mem setting is not a number: " + *total);
    }
    quota_.set_total(mb);
  }
  YUNFN_TRY(functions, store_.all_functions());
  for (const auto& fn : functions) {
    if (fn.reserved_mem_mb) quota_.set_reserved(key(fn.ns, fn.name), fn.reserved_mem_mb);
  }
  std::map<std::string, int> mb;
  YUNFN_TRY(provisioned, store_.list_provisioned("", ""));
  for (const auto& p : provisioned) {
    YUNFN_TRY(fn, store_.get_function(p.ns, p.function_name));
    YUNFN_TRY(v, store_.get_version(p.ns, p.function_name, p.version));
    if (!fn || !v) continue;
    mb[key(p.ns, p.function_name)] += p.count * v->config.memory_mb;
    apply(*fn, *v, p.count);
  }
  for (const auto& [k, v] : mb) quota_.set_provisioned_mb(k, v);
  return ok_status();
}

Result<store::FunctionRecord> ConcurrencyService::function(const std::string& ns,
                                                           const std::string& fn) {
  YUNFN_TRY(f, store_.get_function(ns, fn));
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

Result<int> ConcurrencyService::provisioned_mb(const std::string& ns, const std::string& fn,
                                               const std::string& version, int count,
                                               int memory_mb) {
  int total = count * memory_mb;
  YUNFN_TRY(all, store_.list_provisioned(ns, fn));
  for (const auto& p : all) {
    if (p.version == version) continue;
    YUNFN_TRY(v, store_.get_version(ns, fn, p.version));
    if (v) total += p.count * v->config.memory_mb;
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
  YUNFN_TRY(v, store_.get_version(ns, fn, version));
  if (!v) return make_error(errc::kResourceNotFoundVersion, "Version " + version + " does not exist");
  if (count < 0 || count > 1000) {
    return make_error(errc::kInvalidParameterValueVersionProvisionedConcurrencyNum,
                      "VersionProvisionedConcurrencyNum must be 0-1000");
  }
  YUNFN_TRY(mb, provisioned_mb(ns, fn, version, count, v->config.memory_mb));
  YUNFN_TRY_STATUS(quota_.check_provisioned(key(ns, fn), mb));
  int64_t now = to_unix_ms(clock_.now());
  YUNFN_TRY_STATUS(store_.put_provisioned({ns, fn, version, count, now}));
  quota_.set_provisioned_mb(key(ns, fn), mb);
  apply(f, *v, count);
  return ok_status();
}

Status ConcurrencyService::delete_provisioned(const std::string& ns, const std::string& fn,
                                              const std::string& version) {
  YUNFN_TRY(f, function(ns, fn));
  YUNFN_TRY(current, store_.list_provisioned(ns, fn));
  bool found = false;
  for (const auto& p : current) found = found || p.version == version;
  if (!found) {
    return make_error(errc::kResourceNotFoundVersion,
                      "Version " + version + " has no provisioned concurrency");
  }
  YUNFN_TRY_STATUS(store_.delete_provisioned(ns, fn, version));
  YUNFN_TRY(mb, provisioned_mb(ns, fn, version, 0, 0));
  quota_.set_provisioned_mb(key(ns, fn), mb);
  YUNFN_TRY(v, store_.get_version(ns, fn, version));
  if (v) apply(f, *v, 0);
  return ok_status();
}

Result<std::vector<store::ProvisionedRecord>> ConcurrencyService::list_provisioned(
    const std::string& ns, const std::string& fn, const std::string& version) {
  YUNFN_TRY(f, function(ns, fn));
  YUNFN_TRY(all, store_.list_provisioned(ns, fn));
  if (version.empty()) return all;
  std::erase_if(all, [&](const auto& p) { return p.version != version; });
  return all;
}

void ConcurrencyService::apply(const store::FunctionRecord& fn, const store::VersionRecord& v,
                               int count) {
  auto pool = invoker_.pool_for(fn, v);
  if (pool.ok()) (*pool)->set_provisioned(count);
}

Result<ProvisionedStatus> ConcurrencyService::provisioned_status(const std::string& ns,
                                                                 const std::string& fn,
                                                                 const std::string& version) {
  YUNFN_TRY(f, store_.get_function(ns, fn));
  YUNFN_TRY(v, store_.get_version(ns, fn, version));
  if (!f || !v) return ProvisionedStatus{};
  YUNFN_TRY(pool, invoker_.pool_for(*f, *v));
  return ProvisionedStatus{pool->provisioned_available(), pool->provisioned_error()};
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
  invoker_.retire_version(ns, fn, version);
  auto mb = provisioned_mb(ns, fn, version, 0, 0);
  if (mb.ok()) quota_.set_provisioned_mb(key(ns, fn), *mb);  // else the store logged why
}

}  // namespace yunfn::invoke
