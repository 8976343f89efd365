// Store: the durable state of the platform (namespaces, functions and their
// versions, invocation records, settings). SqliteStore is the embedded default;
// a PostgreSQL implementation can stand behind the same interface.
// Every failure (disk full, a lock held elsewhere, a corrupt row) is an error
// value, InternalError.System naming the operation; no exception leaves a Store.
// Implementations are not thread-safe: the owner (the server's loop thread)
// makes every call. Every mutating call is durable when it returns.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/records.h"

namespace yunfn::store {

class Store {
 public:
  virtual ~Store() = default;

  // Namespaces. create fails with ResourceInUse.Namespace when it exists.
  virtual Status create_namespace(const NamespaceRecord& ns) = 0;
  virtual Result<std::optional<NamespaceRecord>> get_namespace(const std::string& name) = 0;
  virtual Result<std::vector<NamespaceRecord>> list_namespaces() = 0;
  virtual Status delete_namespace(const std::string& name) = 0;

  // Functions. create inserts the function with its $LATEST version in one
  // transaction; fails with ResourceInUse.Function when the name is taken.
  virtual Status create_function(const FunctionRecord& fn) = 0;
  virtual Result<std::optional<FunctionRecord>> get_function(const std::string& ns,
                                                     const std::string& name) = 0;
  // Returns the page and the total count matching the query.
  virtual Result<std::pair<std::vector<FunctionRecord>, int>> list_functions(
      const FunctionListQuery& q) = 0;
  virtual Result<int> count_functions(const std::string& ns) = 0;
  // Replaces the stored state of one version of an existing function.
  virtual Status put_version(const std::string& ns, const std::string& name,
                             const VersionRecord& v) = 0;
  virtual Result<std::optional<VersionRecord>> get_version(const std::string& ns, const std::string& name,
                                                   const std::string& version) = 0;
  // Deletes the function, its versions and its invocation records.
  virtual Status delete_function(const std::string& ns, const std::string& name) = 0;
  // Every function of every namespace (for start-up and code collection).
  virtual Result<std::vector<FunctionRecord>> all_functions() = 0;

  // Published versions. publish_version numbers the snapshot (1, 2, ...,
  // never reused) and stores it; returns the number.
  virtual Result<std::string> publish_version(const std::string& ns, const std::string& name,
                                              VersionRecord snapshot) = 0;
  // Every version of a function including $LATEST, oldest first.
  virtual Result<std::vector<VersionRecord>> list_versions(const std::string& ns,
                                                   const std::string& name) = 0;
  virtual Status delete_version(const std::string& ns, const std::string& name,
                                const std::string& version) = 0;

  // Aliases of a function.
  virtual Status put_alias(const std::string& ns, const std::string& fn, const AliasRecord& a) = 0;
  virtual Result<std::optional<AliasRecord>> get_alias(const std::string& ns, const std::string& fn,
                                               const std::string& name) = 0;
  virtual Result<std::vector<AliasRecord>> list_aliases(const std::string& ns, const std::string& fn) = 0;
  virtual Status delete_alias(const std::string& ns, const std::string& fn,
                              const std::string& name) = 0;

  // Concurrency settings.
  virtual Status set_reserved_mem(const std::string& ns, const std::string& fn,
                                  std::optional<int> mb) = 0;
  virtual Status put_provisioned(const ProvisionedRecord& p) = 0;
  virtual Status delete_provisioned(const std::string& ns, const std::string& fn,
                                    const std::string& version) = 0;
  // All provisioned settings (every function when fn is empty).
  virtual Result<std::vector<ProvisionedRecord>> list_provisioned(const std::string& ns,
                                                          const std::string& fn) = 0;

  // Async retry settings and dead-letter target of a function.
  virtual Status set_async_config(const std::string& ns, const std::string& fn,
                                  const Json& config) = 0;

  // Async events. insert fails with ResourceInUse when the request id exists
  // (a timer firing twice for the same time is ignored that way).
  virtual Status insert_async_event(const AsyncEventRecord& e) = 0;
  virtual Status update_async_event(const AsyncEventRecord& e) = 0;
  virtual Result<std::optional<AsyncEventRecord>> get_async_event(const std::string& request_id) = 0;
  virtual Result<std::pair<std::vector<AsyncEventRecord>, int>> query_async_events(
      const AsyncEventQuery& q) = 0;
  // Events still to run (queued or running), for the dispatcher at start-up.
  virtual Result<std::vector<AsyncEventRecord>> pending_async_events() = 0;
  // Deletes ended events that ended before the time; returns how many.
  virtual Result<int> purge_async_events_before(int64_t unix_ms) = 0;

  // Triggers.
  virtual Status put_trigger(const TriggerRecord& t) = 0;
  virtual Result<std::optional<TriggerRecord>> get_trigger(const std::string& ns, const std::string& fn,
                                                   const std::string& type,
                                                   const std::string& name) = 0;
  // A function's triggers (every trigger of every function when fn is empty).
  virtual Result<std::vector<TriggerRecord>> list_triggers(const std::string& ns, const std::string& fn) = 0;
  virtual Status delete_trigger(const std::string& ns, const std::string& fn,
                                const std::string& type, const std::string& name) = 0;

  // Invocation records (the function log).
  virtual Status insert_invocation(const InvocationRecord& r) = 0;
  virtual Result<std::pair<std::vector<InvocationRecord>, int>> query_invocations(
      const InvocationQuery& q) = 0;
  // Deletes invocation records that started before the given time; returns how many.
  virtual Result<int> purge_invocations_before(int64_t unix_ms) = 0;

  // Layer versions. put inserts or replaces one; list returns the versions of
  // one layer (of every layer when name is empty), deleted ones included,
  // ordered by name and version.
  virtual Status put_layer_version(const LayerVersionRecord& l) = 0;
  virtual Result<std::vector<LayerVersionRecord>> list_layer_versions(const std::string& name) = 0;

  // Small key/value settings (account quotas, generated keys, ...).
  virtual Result<std::optional<std::string>> get_setting(const std::string& key) = 0;
  virtual Status put_setting(const std::string& key, const std::string& value) = 0;
};

// Opens (creating and migrating as needed) the SQLite store at path; fails
// with InternalError.System when it cannot (unreadable file, newer schema).
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path, const Clock& clock);

}  // namespace yunfn::store
