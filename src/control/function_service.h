// FunctionService: the rules behind the function and namespace control
// actions. It validates settings, stores code packages, keeps the SCF status
// machine (Creating -> Active | CreateFailed, Updating -> Active | UpdateFailed)
// and tells the data plane when a function changed.
// Owned by the server; its methods run on the loop thread and hand zip work
// to the worker pool.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/asio.h"
#include "common/clock.h"
#include "common/result.h"
#include "store/code_store.h"
#include "store/store.h"

namespace yunfn::control {

struct CreateFunctionInput {
  std::string ns = store::kDefaultNamespace;
  std::string name;
  store::FunctionConfig config;
  std::string zip_base64;
};

enum class FunctionChange { kLatestUpdated, kDeleted };
// Called after a function's $LATEST changed or the function was deleted.
using FunctionChanged =
    std::function<void(const std::string& ns, const std::string& name, FunctionChange change)>;

class FunctionService {
 public:
  FunctionService(asio::any_io_executor loop, asio::thread_pool& workers, store::Store& store,
                  store::CodeStore& code, const Clock& clock, FunctionChanged on_change);
  ~FunctionService();

  // Validates everything, stores the package and the function (status
  // Creating), then finishes unpacking in the background (Active or CreateFailed).
  Task<Status> create_function(CreateFunctionInput in);
  // Replaces the code (and optionally the handler) of $LATEST: Updating -> Active.
  Task<Status> update_code(std::string ns, std::string name, std::string zip_base64,
                           std::string handler);
  // Replaces the configuration of $LATEST (the caller merged the change into it).
  Status update_configuration(const std::string& ns, const std::string& name,
                              const store::FunctionConfig& config);
  Status delete_function(const std::string& ns, const std::string& name);

  // Finishes unpacks interrupted by a crash (functions left Creating/Updating).
  void resume_pending();

  Status create_namespace(const std::string& name, const std::string& description);
  Status delete_namespace(const std::string& name);

  // The function or ResourceNotFound.Function / ResourceNotFound.Namespace.
  Result<store::FunctionRecord> get_function(const std::string& ns, const std::string& name);

 private:
  struct Package {
    std::string sha256;
    uint64_t size = 0;
  };
  // web: the package must hold scf_bootstrap (web functions); executable: a
  // file the package must hold at its root (a Go1 handler; empty: none).
  Task<Result<Package>> store_package(std::string zip_base64, bool web, std::string executable);
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
  const Clock& clock_;
  FunctionChanged on_change_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace yunfn::control
