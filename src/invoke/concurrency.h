// ConcurrencyService: the rules behind SCF's concurrency actions (reserved
// quota, provisioned instances, account total). It validates settings against
// the Quota, stores them, and applies provisioned counts to the pools.
// Owned by the server; loop thread only.
#pragma once

#include <optional>
#include <string>

#include "invoke/invoker.h"
#include "invoke/quota.h"
#include "store/store.h"

namespace yunfn::invoke {

struct ProvisionedStatus {
  int available = 0;  // ready instances
  std::string error;  // the last start failure
};

class ConcurrencyService {
 public:
  ConcurrencyService(store::Store& store, Quota& quota, Invoker& invoker, const Clock& clock);

  // Loads stored settings into the quota and starts provisioned instances.
  Status load();

  Status put_reserved(const std::string& ns, const std::string& fn, int mb);
  Result<std::optional<int>> get_reserved(const std::string& ns, const std::string& fn);
  Status delete_reserved(const std::string& ns, const std::string& fn);

  Status put_provisioned(const std::string& ns, const std::string& fn, const std::string& version,
                         int count);
  Status delete_provisioned(const std::string& ns, const std::string& fn,
                            const std::string& version);
  // The provisioned settings of a function (one version when given).
  Result<std::vector<store::ProvisionedRecord>> list_provisioned(const std::string& ns,
                                                                 const std::string& fn,
                                                                 const std::string& version);
  // Ready instances of a provisioned version, and the last start failure.
  Result<ProvisionedStatus> provisioned_status(const std::string& ns, const std::string& fn,
                                               const std::string& version);

  Status put_total(int mb);
  // A function or one of its versions went away (the version's instances stop).
  void function_deleted(const std::string& ns, const std::string& fn);
  void version_deleted(const std::string& ns, const std::string& fn, const std::string& version);

 private:
  Result<store::FunctionRecord> function(const std::string& ns, const std::string& fn);
  // Sum of count x memory over a function's provisioned versions, with one changed.
  Result<int> provisioned_mb(const std::string& ns, const std::string& fn, const std::string& version,
                     int count, int memory_mb);
  void apply(const store::FunctionRecord& fn, const store::VersionRecord& v, int count);

  store::Store& store_;
  Quota& quota_;
  Invoker& invoker_;
  const Clock& clock_;
};

}  // namespace yunfn::invoke
