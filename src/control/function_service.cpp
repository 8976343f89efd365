#include "control/function_service.h"

#include <spdlog/spdlog.h>

#include "common/crypto.h"
#include "common/ids.h"
#include "common/runtime_names.h"
#include "control/code_package.h"
#include "control/function_rules.h"
#include "control/package_upload.h"

namespace yunfn::control {
namespace {

// The executable a Go1 event function's package must hold: its handler.
std::string go_executable(const std::string& runtime, bool web, const std::string& handler) {
  return is_go_runtime(runtime) && !web ? handler : "";
}

}  // namespace

FunctionService::FunctionService(asio::any_io_executor loop, asio::thread_pool& workers,
                                 store::Store& store, store::CodeStore& code, CosObjectReader cos,
                                 LayerService& layers, const Clock& clock, FunctionChanged on_change)
    : loop_(std::move(loop)),
      workers_(workers),
      store_(store),
      code_(code),
      cos_(std::move(cos)),
      layers_(layers),
      clock_(clock),
      on_change_(std::move(on_change)) {}

FunctionService::~FunctionService() { *alive_ = false; }

namespace {

PackageUse package_use(const store::FunctionConfig& c) {
  return c.type == store::FunctionType::kHttp ? PackageUse::kWebFunction : PackageUse::kEventFunction;
}

}  // namespace

Status FunctionService::check_config(const store::FunctionConfig& c) {
  YUNFN_TRY_STATUS(check_runtime(c.runtime));
  YUNFN_TRY_STATUS(check_handler(c.handler, c.runtime, c.type));
  YUNFN_TRY_STATUS(check_memory(c.memory_mb));
  YUNFN_TRY_STATUS(check_timeout(c.timeout_s, c.async_run_enable));
  YUNFN_TRY_STATUS(check_init_timeout(c.init_timeout_s));
  YUNFN_TRY_STATUS(check_environment(c.environment));
  YUNFN_TRY_STATUS(check_description(c.description));
  return ok_status();
}

Task<Status> FunctionService::create_function(CreateFunctionInput in) {
  YUNFN_CO_TRY_STATUS(check_namespace_name(in.ns));
  YUNFN_CO_TRY(ns_record, store_.get_namespace(in.ns));
  if (!ns_record) {
    co_return make_error(errc::kResourceNotFoundNamespace, "Namespace " + in.ns + " does not exist");
  }
  YUNFN_CO_TRY_STATUS(check_function_name(in.name));
  YUNFN_CO_TRY_STATUS(check_config(in.config));
  if (in.code.zip_base64.empty() && in.code.cos_bucket.empty()) {
    co_return make_error(errc::kMissingParameterCode, "Code.ZipFile or Code.CosBucketName is required");
  }
  YUNFN_CO_TRY(existing, store_.get_function(in.ns, in.name));
  if (existing) {
    co_return make_error(errc::kResourceInUseFunction,
                         "Function " + in.name + " already exists in namespace " + in.ns);
  }
  YUNFN_CO_TRY(count, store_.count_functions(in.ns));
  if (count >= kMaxFunctionsPerNamespace) {
    co_return make_error(errc::kLimitExceededFunction,
                         "Namespace " + in.ns + " already holds the maximum of " +
                             std::to_string(kMaxFunctionsPerNamespace) + " functions");
  }
  // Layers are checked before the package is stored, and their size with it after.
  YUNFN_CO_TRY(bindings, layers_.bind(in.layers, in.config.runtime, 0));
  const bool web = in.config.type == store::FunctionType::kHttp;
  auto package = co_await store_code_package(workers_, code_, cos_, std::move(in.code), package_use(in.config),
                                             go_executable(in.config.runtime, web, in.config.handler));
  if (!package.ok()) co_return package.error();
  YUNFN_CO_TRY_STATUS(check_unpacked_total(package->unpacked_size, bindings, "Layers"));

  store::FunctionRecord fn;
  fn.ns = in.ns;
  fn.name = in.name;
  fn.function_id = "lam-" + random_uuid().substr(0, 8);
  fn.add_time_ms = now_ms();
  fn.latest.version = store::kLatest;
  fn.latest.config = std::move(in.config);
  fn.latest.config.code_sha256 = package->sha256;
  fn.latest.config.code_size = package->size;
  fn.latest.config.code_unpacked_size = package->unpacked_size;
  fn.latest.config.layers = std::move(bindings);
  fn.latest.status = store::VersionStatus::kCreating;
  fn.latest.generation = 1;
  fn.latest.add_time_ms = fn.add_time_ms;
  fn.latest.mod_time_ms = fn.add_time_ms;
  // The name may have been taken while the package was being stored.
  YUNFN_CO_TRY_STATUS(store_.create_function(fn));
  asio::co_spawn(loop_, finish_unpack(fn.ns, fn.name, 1, store::VersionStatus::kCreating), Detached{"code unpack"});
  co_return ok_status();
}

Task<Status> FunctionService::update_code(std::string ns, std::string name, PackageSource code,
                                          std::string handler) {
  YUNFN_CO_TRY(fn, get_function(ns, name));
  if (store::is_changing(fn.latest.status)) {
    co_return make_error(errc::kFailedOperationUpdateFunctionCode,
                         "Function " + name + " is " + store::version_status_name(fn.latest.status) +
                             "; retry when Active");
  }
  if (!handler.empty()) {
    YUNFN_CO_TRY_STATUS(check_handler(handler, fn.latest.config.runtime, fn.latest.config.type));
  }
  if (code.zip_base64.empty() && code.cos_bucket.empty()) {
    co_return make_error(errc::kMissingParameterCode, "ZipFile or CosBucketName is required");
  }
  const bool web = fn.latest.config.type == store::FunctionType::kHttp;
  auto package = co_await store_code_package(
      workers_, code_, cos_, std::move(code), package_use(fn.latest.config),
      go_executable(fn.latest.config.runtime, web, handler.empty() ? fn.latest.config.handler : handler));
  if (!package.ok()) co_return package.error();
  // Re-read: the function may have changed or gone while the package was stored.
  YUNFN_CO_TRY(current, get_function(ns, name));
  YUNFN_CO_TRY_STATUS(check_unpacked_total(package->unpacked_size, current.latest.config.layers, "ZipFile"));
  store::VersionRecord v = current.latest;
  v.config.code_sha256 = package->sha256;
  v.config.code_size = package->size;
  v.config.code_unpacked_size = package->unpacked_size;
  if (!handler.empty()) v.config.handler = handler;
  v.status = store::VersionStatus::kUpdating;
  v.status_desc.clear();
  v.generation += 1;
  v.mod_time_ms = now_ms();
  YUNFN_CO_TRY_STATUS(store_.put_version(ns, name, v));
  asio::co_spawn(loop_, finish_unpack(ns, name, v.generation, store::VersionStatus::kUpdating), Detached{"code unpack"});
  co_return ok_status();
}

Task<void> FunctionService::finish_unpack(std::string ns, std::string name, int64_t generation,
                                          store::VersionStatus changing) {
  auto alive = alive_;
  auto v = store_.get_version(ns, name, store::kLatest);
  // A store failure leaves the function Creating/Updating; resume_pending()
  // finishes it at the next start (the store logged why).
  if (!v.ok() || !*v) co_return;
  std::optional<Result<std::filesystem::path>> unpacked;
  store::CodeStore& code = code_;
  std::string sha = (*v)->config.code_sha256;
  co_await run_blocking(workers_, [&unpacked, &code, &sha] { unpacked = code.unpacked(sha); });
  if (!*alive) co_return;
  // Only the change that started this unpack may finish it.
  auto read = store_.get_version(ns, name, store::kLatest);
  if (!read.ok() || !*read || (*read)->generation != generation) co_return;
  store::VersionRecord& current = **read;
  if (unpacked->ok()) {
    current.status = store::VersionStatus::kActive;
  } else {
    current.status = changing == store::VersionStatus::kCreating
                         ? store::VersionStatus::kCreateFailed
                         : store::VersionStatus::kUpdateFailed;
    current.status_desc = unpacked->error().message;
    spdlog::warn("function {}/{}: {}", ns, name, store::version_status_name(current.status),
                 current.status_desc);
  }
  current.mod_time_ms = now_ms();
  if (!store_.put_version(ns, name, current).ok()) co_return;  // logged by the store
  if (on_change_) on_change_(ns, name, FunctionChange::kLatestUpdated);
}

Status FunctionService::update_configuration(const std::string& ns, const std::string& name,
                                             store::FunctionConfig config,
                                             const std::optional<std::vector<LayerRef>>& layers) {
  YUNFN_TRY(fn, get_function(ns, name));
  if (store::is_changing(fn.latest.status)) {
    return make_error(errc::kFailedOperationUpdateFunctionConfiguration,
                      "Function " + name + " is " + store::version_status_name(fn.latest.status) +
                          "; retry when Active");
  }
  YUNFN_TRY_STATUS(check_config(config));
  if (layers) {
    YUNFN_TRY(bindings, layers_.bind(*layers, config.runtime, config.code_unpacked_size));
    config.layers = std::move(bindings);
  }
  store::VersionRecord v = fn.latest;
  v.config = std::move(config);
  v.generation += 1;
  v.mod_time_ms = now_ms();
  YUNFN_TRY_STATUS(store_.put_version(ns, name, v));
  if (on_change_) on_change_(ns, name, FunctionChange::kLatestUpdated);
  return ok_status();
}

Status FunctionService::delete_function(const std::string& ns, const std::string& name) {
  YUNFN_TRY(fn, get_function(ns, name));
  YUNFN_TRY_STATUS(store_.delete_function(ns, name));
  if (on_change_) on_change_(ns, name, FunctionChange::kDeleted);
  return ok_status();
}

void FunctionService::resume_pending() {
  auto all = store_.all_functions();
  if (!all.ok()) {
    spdlog::error("cannot resume functions being created or updated: {}", all.error().message);
    return;
  }
  for (const auto& fn : *all) {
    if (store::is_changing(fn.latest.status)) {
      asio::co_spawn(loop_, finish_unpack(fn.ns, fn.name, fn.latest.generation, fn.latest.status),
                     Detached{"code unpack"});
    }
  }
}

Status FunctionService::create_namespace(const std::string& name, const std::string& description) {
  YUNFN_TRY_STATUS(check_namespace_name(name));
  YUNFN_TRY_STATUS(check_description(description));
  YUNFN_TRY(namespaces, store_.list_namespaces());
  if (namespaces.size() >= static_cast<size_t>(kMaxNamespaces)) {
    return make_error(errc::kLimitExceededNamespace, "At most " + std::to_string(kMaxNamespaces) +
                                                     " namespaces are allowed");
  }
  int64_t now = now_ms();
  return store_.create_namespace({name, description, now, now});
}

Status FunctionService::delete_namespace(const std::string& name) {
  if (name == store::kDefaultNamespace) {
    return make_error(errc::kFailedOperationDeleteNamespace, "The default namespace cannot be deleted");
  }
  YUNFN_TRY(ns_record, store_.get_namespace(name));
  if (!ns_record) {
    return make_error(errc::kResourceNotFoundNamespace, "Namespace " + name + " does not exist");
  }
  YUNFN_TRY(count, store_.count_functions(name));
  if (count > 0) {
    return make_error(errc::kFailedOperationDeleteNamespace,
                      "Namespace " + name + " still holds functions; delete them first");
  }
  return store_.delete_namespace(name);
}

Result<store::FunctionRecord> FunctionService::get_function(const std::string& ns,
                                                            const std::string& name) {
  YUNFN_TRY(ns_record, store_.get_namespace(ns));
  if (!ns_record) {
    return make_error(errc::kResourceNotFoundNamespace, "Namespace " + ns + " does not exist");
  }
  YUNFN_TRY(fn, store_.get_function(ns, name));
  if (!fn) {
    return make_error(errc::kResourceNotFoundFunction,
                      "Function " + name + " does not exist in namespace " + ns);
  }
  return std::move(*fn);
}

}  // namespace yunfn::control
