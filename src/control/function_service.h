// FunctionService: the rules behind the function and namespace control
// actions. It validates settings, stores code packages, keeps the SCF status
// machine (Creating -> Active | CreateFailed, Updating -> Active | UpdateFailed)
// and tells the data plane when a function changed.
// Owned by the server; its methods run on the loop thread and hand zip work
// to the worker pool.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/asio.h"
#include "common/clock.h"
#include "common/result.h"
#include "control/layer_service.h"
#include "control/package_upload.h"
#include "store/code_store.h"
#include "store/store.h"

namespace yunfn::control {

struct CreateFunctionInput {
  std::string ns = store::kDefaultNamespace;
  std::string name;
  store::FunctionConfig config;
  PackageSource code;
  std::vector<LayerRef> layers;
};

enum class FunctionChange { kLatestUpdated, kDeleted };
// Called after a function's $LATEST changed or the function was deleted.
using FunctionChanged =
    std::function<void(const std::string& ns, const std::string& name, FunctionChange change)>;

class FunctionService {
 public:
  FunctionService(asio::any_io_executor loop, asio::thread_pool& workers, store::Store& store,
                  store::CodeStore& code, CosObjectReader cos, LayerService& layers,
                  const Clock& clock, FunctionChanged on_change);
  ~FunctionService();

  // Validates everything, stores the package and the function (status
  // Creating), then finishes unpacking in the background (Active or CreateFailed).
  Task<Status> create_function(CreateFunctionInput in);
  // Replaces the code (and optionally the handler) of $LATEST: Updating -> Active.
  Task<Status> update_code(std::string ns, std::string name, PackageSource code,
                           std::string handler);
  // Replaces the configuration of $LATEST (the caller merged the change into
  // it), and its layers when `layers` is given.
  Status update_configuration(const std::string& ns, const std::string& name,
                              store::FunctionConfig config,
                              const std::optional<std::vector<LayerRef>>& layers);
  Status delete_function(const std::string& ns, const std::string& name);

  // Finishes unpacks interrupted by a crash (functions left Creating/Updating).
  void resume_pending();

  Status create_namespace(const std::string& name, const std::string& description);
  Status delete_namespace(const std::string& name);

  // The function or ResourceNotFound.Function / ResourceNotFound.Namespace.
  Result<store::FunctionRecord> get_function(const std::string& ns, const std::string& name);

 private:
  // Unpacks $LATEST's code and moves it from `changing` (Creating or
  // Updating) to Active or the matching failed status.
  Task<void> finish_unpack(std::string ns, std::string name, int64_t generation,
                           store::VersionStatus changing);
  Status check_config(const store::FunctionConfig& c);
  int64_t now_ms() const { return to_unix_ms(clock_.now()); }

  asio::any_io_executor loop_;
  asio::thread_pool& workers_;
  store::Store& store_;
  store::CodeStore& code_;
  const CosObjectReader cos_;
  LayerService& layers_;
  const Clock& clock_;
  FunctionChanged on_change_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace yunfn::control
