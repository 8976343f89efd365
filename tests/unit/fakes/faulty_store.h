// FaultyStore: a Store that forwards every call to a wrapped Store and can be
// told to fail chosen calls, as a full disk would: the failure is the value a
// real SqliteStore returns then (InternalError.System, "... database or disk
// is full"). For testing the failure paths of the store's users
// (LevelDB's fault-injecting Env is the model).
//
//   FaultyStore store(*sqlite);
//   store.fail("insert_invocation");  // that call fails from now on
//   store.fail_writes();              // every mutating call fails
//   store.heal();                     // everything works again
//
// Owned by the test; not thread-safe, like every Store.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "store/store.h"

namespace yunfn::fakes {

class FaultyStore final : public store::Store {
 public:
  explicit FaultyStore(store::Store& inner) : inner_(inner) {}

  // The named call (the method name, e.g. "update_async_event") fails until heal().
  void fail(const std::string& call) { failing_.insert(call); }
  // Every mutating call fails until heal().
  void fail_writes() { fail_writes_ = true; }
  void heal() {
    failing_.clear();
    fail_writes_ = false;
  }
  // The calls that failed so far, in order.
  const std::vector<std::string>& failed_calls() const { return failed_; }

  // Namespaces.
  Status create_namespace(const store::NamespaceRecord& ns) override {
    return write("create_namespace", [&] { return inner_.create_namespace(ns); });
  }
  Result<std::optional<store::NamespaceRecord>> get_namespace(const std::string& name) override {
    return read("get_namespace", [&] { return inner_.get_namespace(name); });
  }
  Result<std::vector<store::NamespaceRecord>> list_namespaces() override {
    return read("list_namespaces", [&] { return inner_.list_namespaces(); });
  }
  Status delete_namespace(const std::string& name) override {
    return write("delete_namespace", [&] { return inner_.delete_namespace(name); });
  }

  // Functions and versions.
  Status create_function(const store::FunctionRecord& fn) override {
    return write("create_function", [&] { return inner_.create_function(fn); });
  }
  Result<std::optional<store::FunctionRecord>> get_function(const std::string& ns,
                                                            const std::string& name) override {
    return read("get_function", [&] { return inner_.get_function(ns, name); });
  }
  Result<std::pair<std::vector<store::FunctionRecord>, int>> list_functions(
      const store::FunctionListQuery& q) override {
    return read("list_functions", [&] { return inner_.list_functions(q); });
  }
  Result<int> count_functions(const std::string& ns) override {
    return read("count_functions", [&] { return inner_.count_functions(ns); });
  }
  Status put_version(const std::string& ns, const std::string& name,
                     const store::VersionRecord& v) override {
    return write("put_version", [&] { return inner_.put_version(ns, name, v); });
  }
  Result<std::optional<store::VersionRecord>> get_version(const std::string& ns,
                                                          const std::string& name,
                                                          const std::string& version) override {
    return read("get_version", [&] { return inner_.get_version(ns, name, version); });
  }
  Status delete_function(const std::string& ns, const std::string& name) override {
    return write("delete_function", [&] { return inner_.delete_function(ns, name); });
  }
  Result<std::vector<store::FunctionRecord>> all_functions() override {
    return read("all_functions", [&] { return inner_.all_functions(); });
  }
  Result<std::string> publish_version(const std::string& ns, const std::string& name,
                                      store::VersionRecord snapshot) override {
    return write("publish_version",
                 [&] { return inner_.publish_version(ns, name, std::move(snapshot)); });
  }
  Result<std::vector<store::VersionRecord>> list_versions(const std::string& ns,
                                                          const std::string& name) override {
    return read("list_versions", [&] { return inner_.list_versions(ns, name); });
  }
  Status delete_version(const std::string& ns, const std::string& name,
                        const std::string& version) override {
    return write("delete_version", [&] { return inner_.delete_version(ns, name, version); });
  }

  // Aliases.
  Status put_alias(const std::string& ns, const std::string& fn,
                   const store::AliasRecord& a) override {
    return write("put_alias", [&] { return inner_.put_alias(ns, fn, a); });
  }
  Result<std::optional<store::AliasRecord>> get_alias(const std::string& ns, const std::string& fn,
                                                      const std::string& name) override {
    return read("get_alias", [&] { return inner_.get_alias(ns, fn, name); });
  }
  Result<std::vector<store::AliasRecord>> list_aliases(const std::string& ns,
                                                       const std::string& fn) override {
    return read("list_aliases", [&] { return inner_.list_aliases(ns, fn); });
  }
  Status delete_alias(const std::string& ns, const std::string& fn,
                      const std::string& name) override {
    return write("delete_alias", [&] { return inner_.delete_alias(ns, fn, name); });
  }

  // Concurrency settings.
  Status set_reserved_mem(const std::string& ns, const std::string& fn,
                          std::optional<int> mb) override {
    return write("set_reserved_mem", [&] { return inner_.set_reserved_mem(ns, fn, mb); });
  }
  Status put_provisioned(const store::ProvisionedRecord& p) override {
    return write("put_provisioned", [&] { return inner_.put_provisioned(p); });
  }
  Status delete_provisioned(const std::string& ns, const std::string& fn,
                            const std::string& version) override {
    return write("delete_provisioned", [&] { return inner_.delete_provisioned(ns, fn, version); });
  }
  Result<std::vector<store::ProvisionedRecord>> list_provisioned(const std::string& ns,
                                                                 const std::string& fn) override {
    return read("list_provisioned", [&] { return inner_.list_provisioned(ns, fn); });
  }
  Status set_async_config(const std::string& ns, const std::string& fn,
                          const Json& config) override {
    return write("set_async_config", [&] { return inner_.set_async_config(ns, fn, config); });
  }

  // Async events.
  Status insert_async_event(const store::AsyncEventRecord& e) override {
    return write("insert_async_event", [&] { return inner_.insert_async_event(e); });
  }
  Status update_async_event(const store::AsyncEventRecord& e) override {
    return write("update_async_event", [&] { return inner_.update_async_event(e); });
  }
  Result<std::optional<store::AsyncEventRecord>> get_async_event(
      const std::string& request_id) override {
    return read("get_async_event", [&] { return inner_.get_async_event(request_id); });
  }
  Result<std::pair<std::vector<store::AsyncEventRecord>, int>> query_async_events(
      const store::AsyncEventQuery& q) override {
    return read("query_async_events", [&] { return inner_.query_async_events(q); });
  }
  Result<std::vector<store::AsyncEventRecord>> pending_async_events() override {
    return read("pending_async_events", [&] { return inner_.pending_async_events(); });
  }
  Result<int> purge_async_events_before(int64_t unix_ms) override {
    return write("purge_async_events_before",
                 [&] { return inner_.purge_async_events_before(unix_ms); });
  }

  // Triggers.
  Status put_trigger(const store::TriggerRecord& t) override {
    return write("put_trigger", [&] { return inner_.put_trigger(t); });
  }
  Result<std::optional<store::TriggerRecord>> get_trigger(const std::string& ns,
                                                          const std::string& fn,
                                                          const std::string& type,
                                                          const std::string& name) override {
    return read("get_trigger", [&] { return inner_.get_trigger(ns, fn, type, name); });
  }
  Result<std::vector<store::TriggerRecord>> list_triggers(const std::string& ns,
                                                          const std::string& fn) override {
    return read("list_triggers", [&] { return inner_.list_triggers(ns, fn); });
  }
  Status delete_trigger(const std::string& ns, const std::string& fn, const std::string& type,
                        const std::string& name) override {
    return write("delete_trigger", [&] { return inner_.delete_trigger(ns, fn, type, name); });
  }

  // Invocation records.
  Status insert_invocation(const store::InvocationRecord& r) override {
    return write("insert_invocation", [&] { return inner_.insert_invocation(r); });
  }
  Result<std::pair<std::vector<store::InvocationRecord>, int>> query_invocations(
      const store::InvocationQuery& q) override {
    return read("query_invocations", [&] { return inner_.query_invocations(q); });
  }
  Result<int> purge_invocations_before(int64_t unix_ms) override {
    return write("purge_invocations_before",
                 [&] { return inner_.purge_invocations_before(unix_ms); });
  }

  // Settings.
  Status put_layer_version(const store::LayerVersionRecord& l) override {
    return write("put_layer_version", [&] { return inner_.put_layer_version(l); });
  }
  Result<std::vector<store::LayerVersionRecord>> list_layer_versions(const std::string& name) override {
    return read("list_layer_versions", [&] { return inner_.list_layer_versions(name); });
  }
  Result<std::optional<std::string>> get_setting(const std::string& key) override {
    return read("get_setting", [&] { return inner_.get_setting(key); });
  }
  Status put_setting(const std::string& key, const std::string& value) override {
    return write("put_setting", [&] { return inner_.put_setting(key, value); });
  }

 private:
  template <typename F>
  auto read(const char* call, F forward) -> decltype(forward()) {
    if (failing_.count(call)) return failure(call);
    return forward();
  }
  template <typename F>
  auto write(const char* call, F forward) -> decltype(forward()) {
    if (fail_writes_ || failing_.count(call)) return failure(call);
    return forward();
  }
  Error failure(const char* call) {
    failed_.emplace_back(call);
    return make_error(errc::kInternalErrorSystem, std::string("the store failed (") + call +
                                                      "): sqlite: database or disk is full");
  }

  store::Store& inner_;
  std::set<std::string, std::less<>> failing_;
  bool fail_writes_ = false;
  std::vector<std::string> failed_;
};

}  // namespace yunfn::fakes
